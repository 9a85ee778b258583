package codec

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"os"
	"runtime"
	"strings"
	"testing"
)

// pngChunk is a PNG chunk: its length, type, data and CRC.
func pngChunk(typ string, data []byte) []byte {
	c := binary.BigEndian.AppendUint32(nil, uint32(len(data)))
	c = append(c, typ...)
	c = append(c, data...)
	return binary.BigEndian.AppendUint32(c, crc32.ChecksumIEEE(c[4:]))
}

// pngHead is a PNG of a header alone, enough for InspectImage and not for
// decoding: IHDR, a palette and an empty IDAT for colour type 3, tRNS if
// asked, and IEND.
func pngHead(w, h uint32, depth, colorType, interlace byte, trns bool) []byte {
	ihdr := binary.BigEndian.AppendUint32(nil, w)
	ihdr = binary.BigEndian.AppendUint32(ihdr, h)
	ihdr = append(ihdr, depth, colorType, 0, 0, interlace)
	out := append([]byte("\x89PNG\r\n\x1a\n"), pngChunk("IHDR", ihdr)...)
	if colorType == 3 {
		out = append(out, pngChunk("PLTE", []byte{0, 0, 0, 255, 255, 255})...)
	}
	if trns {
		out = append(out, pngChunk("tRNS", []byte{0, 0})...)
	}
	if colorType == 3 {
		out = append(out, pngChunk("IDAT", nil)...) // image/png reads a palette's header up to here
	}
	return append(out, pngChunk("IEND", nil)...)
}

// withTRNS puts a tRNS chunk (grey level 0 is transparent) after the IHDR
// chunk of an 8-bit grey PNG.
func withTRNS(data []byte) []byte {
	const ihdrEnd = 8 + 25
	out := append([]byte{}, data[:ihdrEnd]...)
	out = append(out, pngChunk("tRNS", []byte{0, 0})...)
	return append(out, data[ihdrEnd:]...)
}

// interlacedPNG encodes an 8-bit grey picture as an Adam7-interlaced PNG,
// which image/png does not write.
func interlacedPNG(t testing.TB, img *image.Gray) []byte {
	t.Helper()
	w, h := img.Bounds().Dx(), img.Bounds().Dy()
	passes := []struct{ x0, y0, dx, dy int }{{0, 0, 8, 8}, {4, 0, 8, 8}, {0, 4, 4, 8}, {2, 0, 4, 4}, {0, 2, 2, 4}, {1, 0, 2, 2}, {0, 1, 1, 2}}
	var raw bytes.Buffer
	for _, p := range passes {
		if p.x0 >= w || p.y0 >= h {
			continue
		}
		for y := p.y0; y < h; y += p.dy {
			raw.WriteByte(0) // no filter
			for x := p.x0; x < w; x += p.dx {
				raw.WriteByte(img.GrayAt(x, y).Y)
			}
		}
	}
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	zw.Write(raw.Bytes())
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	head := pngHead(uint32(w), uint32(h), 8, 0, 1, false)
	head = head[:len(head)-12] // without IEND (grey: no IDAT either)
	head = append(head, pngChunk("IDAT", z.Bytes())...)
	return append(head, pngChunk("IEND", nil)...)
}

// jpegHead is a JPEG of a header alone, enough for InspectImage: the
// segments given (APPn), a frame (SOF0, or SOF2 if progressive) of w×h
// with components of id and sampling factors hv, and the start of a scan.
func jpegHead(progressive bool, w, h uint16, comps []jpegComp, segs ...[]byte) []byte {
	out := []byte{0xFF, 0xD8}
	for _, s := range segs {
		out = append(out, s...)
	}
	sof := []byte{8, byte(h >> 8), byte(h), byte(w >> 8), byte(w), byte(len(comps))}
	for _, c := range comps {
		sof = append(sof, c.id, c.h<<4|c.v, 0)
	}
	marker := byte(0xC0)
	if progressive {
		marker = 0xC2
	}
	out = append(out, 0xFF, marker, byte((len(sof)+2)>>8), byte(len(sof)+2))
	out = append(out, sof...)
	return append(out, 0xFF, 0xDA, 0, 8, 1, 1, 0, 0, 63, 0)
}

// gifHead is a GIF of a header alone: a w×h screen with a two-colour
// table, a comment, and a frame as large, interlaced or not.
func gifHead(w, h uint16, interlaced bool) []byte {
	out := []byte("GIF89a")
	out = binary.LittleEndian.AppendUint16(out, w)
	out = binary.LittleEndian.AppendUint16(out, h)
	out = append(out, 0x80, 0, 0, 0, 0, 0, 255, 255, 255) // a global table of two colours
	out = append(out, 0x21, 0xFE, 2, 'h', 'i', 0)         // a comment
	out = append(out, 0x2C, 0, 0, 0, 0)
	out = binary.LittleEndian.AppendUint16(out, w)
	out = binary.LittleEndian.AppendUint16(out, h)
	flags := byte(0)
	if interlaced {
		flags = 0x40
	}
	return append(out, flags, 2, 0, 0x3B)
}

// jpegSegment is an APPn segment.
func jpegSegment(marker byte, data string) []byte {
	return append([]byte{0xFF, marker, byte((len(data) + 2) >> 8), byte(len(data) + 2)}, data...)
}

var (
	ycc420 = []jpegComp{{1, 2, 2}, {2, 1, 1}, {3, 1, 1}}
	ycc444 = []jpegComp{{1, 1, 1}, {2, 1, 1}, {3, 1, 1}}
	cmyk   = []jpegComp{{1, 1, 1}, {2, 1, 1}, {3, 1, 1}, {4, 1, 1}}
	adobe0 = jpegSegment(0xEE, "Adobe\x00\x64\x00\x00\x00\x00\x00")
	adobe1 = jpegSegment(0xEE, "Adobe\x00\x64\x00\x00\x00\x00\x01")
)

func TestInspectImage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		data  []byte
		kind  string
		bytes int64 // what decoding takes
		err   error
	}{
		{"8-bit colour", pngHead(640, 480, 8, 6, 0, false), "8-bit colour PNG with transparency", 640*480*4 + 2*(640*8+1), nil},
		{"8-bit colour without alpha", pngHead(640, 480, 8, 2, 0, false), "8-bit colour PNG", 640*480*4 + 2*(640*8+1), nil},
		{"grey", pngHead(8000, 6000, 8, 0, 0, false), "8-bit grey PNG", 8000*6000 + 2*(8000*8+1), nil},
		{"1-bit grey", pngHead(100, 100, 1, 0, 0, false), "8-bit grey PNG", 100*100 + 2*(100*8+1), nil},
		{"grey with a transparent level: NRGBA", pngHead(1000, 1000, 8, 0, 0, true), "8-bit grey PNG with transparency", 4e6 + 2*(1000*8+1), nil},
		{"16-bit grey", pngHead(1000, 1000, 16, 0, 0, false), "16-bit grey PNG", 2e6 + 2*(1000*8+1), nil},
		{"palette", pngHead(7000, 7000, 8, 3, 0, false), "palette PNG", 49e6 + 2*(7000*8+1), nil},
		{"interlaced: its passes too", pngHead(4000, 3000, 8, 2, 1, false), "interlaced 8-bit colour PNG", 2*48e6 + 2*(4000*8+1), nil},
		{"the attack: 5000×5000 of 16-bit colour", pngHead(5000, 5000, 16, 6, 0, false), "16-bit colour PNG with transparency", 200e6 + 2*(5000*8+1), ErrImageTooLarge},
		{"16-bit colour, 12 megapixels", pngHead(4000, 3000, 16, 2, 0, false), "16-bit colour PNG", 96e6 + 2*(4000*8+1), nil},
		{"grey with a transparent level, 48 megapixels", pngHead(8000, 6000, 8, 0, 0, true), "8-bit grey PNG with transparency", 192e6 + 2*(8000*8+1), ErrImageTooLarge},
		{"over the pixel cap", pngHead(10000, 5001, 1, 0, 0, false), "", 0, ErrImageTooLarge},
		// A phone photo: colour at half the size across and down, in whole
		// 16×16 blocks.
		{"12-megapixel photo", jpegHead(false, 4000, 3000, ycc420), "JPEG", 4000*3008 + 2*2000*1504, nil},
		{"50-megapixel photo", jpegHead(false, 8160, 6120, ycc420), "JPEG", 8160*6128 + 2*4080*3064, nil},
		{"12-megapixel progressive photo: its coefficients too", jpegHead(true, 4000, 3000, ycc420), "progressive JPEG",
			4000*3008 + 2*2000*1504 + 256*250*188*6, nil},
		{"24-megapixel progressive photo", jpegHead(true, 6000, 4000, ycc420), "progressive JPEG",
			6000*4000 + 2*3000*2000 + 256*375*250*6, ErrImageTooLarge},
		{"grey", jpegHead(false, 1001, 1000, []jpegComp{{1, 2, 2}}), "grey JPEG", 1008 * 1000, nil},
		{"full colour", jpegHead(false, 1000, 1000, ycc444), "JPEG", 3 * 1000 * 1000, nil},
		{"RGB (Adobe): converted to RGBA", jpegHead(false, 1000, 1000, ycc444, adobe0), "JPEG", 7e6, nil},
		{"YCbCr (Adobe)", jpegHead(false, 1000, 1000, ycc444, adobe1), "JPEG", 3e6, nil},
		{"CMYK: converted", jpegHead(false, 1000, 1000, cmyk, adobe0), "CMYK JPEG", 8e6, nil},
		{"GIF", gifHead(7000, 7000, false), "GIF", 49e6, nil},
		{"interlaced GIF: copied once", gifHead(7000, 7000, true), "interlaced GIF", 98e6, nil},
		{"cut short", []byte("GIF89a\x10"), "", 0, ErrMalformed},
		{"text", []byte("hello"), "", 0, ErrImageFormat},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			info, err := InspectImage(tt.data)
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("err=%v, want %v", err, tt.err)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			if tt.kind != "" && (info.Kind != tt.kind || info.Bytes != tt.bytes) {
				t.Errorf("kind %q, %d bytes; want %q, %d", info.Kind, info.Bytes, tt.kind, tt.bytes)
			}
		})
	}
}

// TestInspectImage_Words checks what a sender reads: once, in words, with
// what to do.
func TestInspectImage_Words(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"the attack", pngHead(5000, 5000, 16, 6, 0, false), "the picture is too large to print: a 5000×5000 16-bit colour PNG " +
			"with transparency takes 191 MB to read, and a picture may take at most 96 MB (12.6 megapixels of this kind); scale it down"},
		{"pixels", pngHead(100000, 100000, 8, 0, 0, false), "the picture is too large to print: 100000×100000 pixels is more than 50 megapixels; scale it down"},
		{"text", []byte("hello, this is not a picture"), "the file is not a PNG, JPEG or GIF picture"},
		{"empty", pngHead(0, 10, 8, 0, 0, false), "the PNG picture is damaged and cannot be read (invalid format: non-positive dimension)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := InspectImage(tt.data)
			if err == nil || err.Error() != tt.want {
				t.Errorf("err=%v\nwant %s", err, tt.want)
			}
			if _, derr := DecodeImage(tt.data); derr == nil || derr.Error() != err.Error() {
				t.Errorf("DecodeImage: %v", derr)
			}
		})
	}
}

// TestInspectImage_Measured decodes real pictures and checks that Bytes
// is what the decoders hold: never less, and not much more. It allocates
// nothing else meanwhile, so it runs alone (not in parallel).
func TestInspectImage_Measured(t *testing.T) {
	encode := func(f func(*bytes.Buffer) error) []byte {
		var buf bytes.Buffer
		if err := f(&buf); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	const w, h = 480, 320
	src := photo(w, h)
	gray := image.NewGray(src.Bounds())
	draw16 := image.NewNRGBA64(src.Bounds())
	pal := image.NewPaletted(src.Bounds(), color.Palette{color.Black, color.White, color.Gray{Y: 128}})
	for y := range h {
		for x := range w {
			c := src.RGBAAt(x, y)
			gray.SetGray(x, y, color.Gray{Y: c.R})
			draw16.Set(x, y, color.NRGBA{c.R, c.G, c.B, 200})
			pal.Set(x, y, c)
		}
	}
	fixture := func(name string) []byte {
		data, err := os.ReadFile("testdata/" + name)
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	tests := []struct {
		name string
		data []byte
	}{
		{"png rgba", encode(func(b *bytes.Buffer) error { return png.Encode(b, src) })},
		{"png nrgba64", encode(func(b *bytes.Buffer) error { return png.Encode(b, draw16) })},
		{"png gray", encode(func(b *bytes.Buffer) error { return png.Encode(b, gray) })},
		{"png gray with tRNS", withTRNS(encode(func(b *bytes.Buffer) error { return png.Encode(b, gray) }))},
		{"png paletted", encode(func(b *bytes.Buffer) error { return png.Encode(b, pal) })},
		{"png interlaced", interlacedPNG(t, gray)},
		{"jpeg", encode(func(b *bytes.Buffer) error { return jpeg.Encode(b, src, nil) })},
		{"jpeg gray", encode(func(b *bytes.Buffer) error { return jpeg.Encode(b, gray, nil) })},
		{"jpeg 4:4:4", fixture("444.jpg")},
		{"jpeg progressive", fixture("progressive.jpg")},
		{"gif", encode(func(b *bytes.Buffer) error { return gif.Encode(b, pal, nil) })},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			info, err := InspectImage(tt.data)
			if err != nil {
				t.Fatal(err)
			}
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			img, err := decodeInspected(tt.data, info)
			runtime.ReadMemStats(&after)
			if err != nil {
				t.Fatal(err)
			}
			got := int64(after.TotalAlloc - before.TotalAlloc)
			// The decoders' small buffers (a bufio.Reader, Huffman and
			// LZW tables, zlib's window) are not counted.
			const small = 96 << 10
			pixels := int64(img.Bounds().Dx() * img.Bounds().Dy())
			if got > info.Bytes+small || info.Bytes > got+pixels/8+small {
				t.Errorf("%T: the decoder allocated %d bytes, InspectImage says %d (%s)", img, got, info.Bytes, info.Kind)
			}
		})
	}
}

// checker is a w×h picture of black and white pixels in turn.
func checker(w, h int) *image.Gray {
	img := image.NewGray(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			if (x+y)%2 == 0 {
				img.SetGray(x, y, color.Gray{Y: 255})
			}
		}
	}
	return img
}

func TestDecodePrintImage(t *testing.T) {
	t.Parallel()
	encodePNG := func(img image.Image) []byte {
		var buf bytes.Buffer
		if err := png.Encode(&buf, img); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	clear := image.NewNRGBA(image.Rect(0, 0, 50, 20)) // transparent black
	tests := []struct {
		name string
		data []byte
		w, h int
		grey [2]uint8 // the lowest and the highest level it may have
	}{
		{"wide: shrunk, averaged", encodePNG(checker(1000, 500)), PrintWidth, 192, [2]uint8{100, 155}},
		{"exactly twice as wide", encodePNG(checker(768, 10)), PrintWidth, 5, [2]uint8{127, 128}},
		{"narrow: kept", encodePNG(checker(100, 40)), 100, 40, [2]uint8{0, 255}},
		{"transparent: white paper", encodePNG(clear), 50, 20, [2]uint8{255, 255}},
		{"tall: cut at what prints in MaxRows", encodePNG(image.NewGray(image.Rect(0, 0, 400, 11000))), PrintWidth, MaxRows, [2]uint8{0, 0}},
		{"thin and tall", encodePNG(image.NewGray(image.Rect(0, 0, 3, 20000))), 3, 79, [2]uint8{0, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			img, err := DecodePrintImage(tt.data)
			if err != nil {
				t.Fatal(err)
			}
			if b := img.Bounds(); b.Dx() != tt.w || b.Dy() != tt.h {
				t.Fatalf("bounds=%v, want %d×%d", b, tt.w, tt.h)
			}
			for i := 0; i < len(img.Pix); i += 4 {
				p := img.Pix[i : i+4]
				if p[3] != 255 || p[0] != p[1] || p[1] != p[2] || p[0] < tt.grey[0] || p[0] > tt.grey[1] {
					t.Fatalf("pixel %d is %v, want opaque grey from %d to %d", i/4, p, tt.grey[0], tt.grey[1])
				}
			}
			info, _ := InspectImage(tt.data)
			if want := info.Bytes + int64(len(img.Pix)); info.PrintBytes() < want {
				t.Errorf("PrintBytes=%d, less than the decoded and the small picture, %d", info.PrintBytes(), want)
			}
		})
	}
}

// TestDecodePrintImage_TurnedAndCut: a tall picture stored on its side is
// turned upright and cut at its top, which is the stored picture's left.
func TestDecodePrintImage_TurnedAndCut(t *testing.T) {
	t.Parallel()
	img := image.NewGray(image.Rect(0, 0, 4000, 16)) // white, its first 100 columns black
	for y := range 16 {
		for x := 100; x < 4000; x++ {
			img.SetGray(x, y, color.Gray{Y: 255})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 100}); err != nil {
		t.Fatal(err)
	}
	out, err := DecodePrintImage(withOrientation(buf.Bytes(), 6, binary.BigEndian))
	if err != nil {
		t.Fatal(err)
	}
	// Upright it is 16 wide and 4000 tall; at 384 wide, MaxRows rows print
	// 417 of them.
	if b := out.Bounds(); b.Dx() != 16 || b.Dy() != 417 {
		t.Fatalf("bounds=%v, want 16×417", b)
	}
	for _, p := range []struct {
		y     int
		black bool
	}{{0, true}, {95, true}, {105, false}, {416, false}} {
		if v := out.RGBAAt(8, p.y).R; (v < 60) != p.black {
			t.Errorf("row %d: level %d, black=%v", p.y, v, p.black)
		}
	}
}

// TestDecodePrintImage_Refused: what DecodeImage refuses, DecodePrintImage
// refuses with the same words.
func TestDecodePrintImage_Refused(t *testing.T) {
	t.Parallel()
	for _, data := range [][]byte{pngHead(5000, 5000, 16, 6, 0, false), []byte("text"), pngWithSize(t, 100000, 100000)} {
		_, err := DecodePrintImage(data)
		_, want := DecodeImage(data)
		if err == nil || err.Error() != want.Error() {
			t.Errorf("err=%v, want %v", err, want)
		}
	}
}

// TestDecodePrintImage_Photo: a photo shrunk by DecodePrintImage prints as
// the full one does through Rasterize, block for block.
func TestDecodePrintImage_Photo(t *testing.T) {
	t.Parallel()
	src := photo(1200, 900)
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, src, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	full, err := DecodeImage(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	small, err := DecodePrintImage(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	a, b := Rasterize(full, FloydSteinberg), Rasterize(small, FloydSteinberg)
	if a.Height != b.Height {
		t.Fatalf("%d rows, want %d", b.Height, a.Height)
	}
	// The share of black dots in each 16×16 block: dithering places dots
	// differently, but a block is as dark.
	const n = 16
	for y0 := 0; y0+n <= a.Height; y0 += n {
		for x0 := 0; x0+n <= PrintWidth; x0 += n {
			da, db := 0, 0
			for y := y0; y < y0+n; y++ {
				for x := x0; x < x0+n; x++ {
					if a.Black(x, y) {
						da++
					}
					if b.Black(x, y) {
						db++
					}
				}
			}
			if d := da - db; d > n*n/8 || d < -n*n/8 {
				t.Fatalf("block at (%d, %d): %d black dots, %d from the full picture", x0, y0, db, da)
			}
		}
	}
}

func TestInspectImage_Kinds(t *testing.T) {
	t.Parallel()
	// Every kind reads as words, never a Go type.
	for _, data := range [][]byte{pngHead(10, 10, 16, 4, 1, false), jpegHead(true, 10, 10, cmyk, adobe1)} {
		info, err := InspectImage(data)
		if err != nil {
			t.Fatal(err)
		}
		if strings.ContainsAny(info.Kind, "*.") || info.Kind == "" {
			t.Errorf("kind %q", info.Kind)
		}
	}
}

// TestRasterizeBytes_Measured: what Rasterize allocates is within
// RasterizeBytes, and not far below it. Like TestInspectImage_Measured it
// runs alone.
func TestRasterizeBytes_Measured(t *testing.T) {
	for _, size := range []image.Point{{200, 300}, {PrintWidth, 300}, {1000, 300}, {100, 3000}} {
		img := image.NewRGBA(image.Rect(0, 0, size.X, size.Y))
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		Rasterize(img, FloydSteinberg)
		runtime.ReadMemStats(&after)
		got, want := int64(after.TotalAlloc-before.TotalAlloc), RasterizeBytes(size.X, size.Y)
		if got > want+64<<10 || want > 2*got+64<<10 {
			t.Errorf("%v: Rasterize allocated %d bytes, RasterizeBytes says %d", size, got, want)
		}
	}
}
