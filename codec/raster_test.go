package codec

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"testing"
)

// fill makes a PrintWidth×2 image of model m filled with c.
func fill(kind string, c color.NRGBA) image.Image {
	r := image.Rect(0, 0, PrintWidth, 2)
	var img settable
	switch kind {
	case "nrgba":
		img = image.NewNRGBA(r)
	case "rgba":
		img = image.NewRGBA(r)
	case "nrgba64":
		img = image.NewNRGBA64(r)
	case "paletted":
		img = image.NewPaletted(r, color.Palette{c})
	}
	for y := range 2 {
		for x := range PrintWidth {
			img.Set(x, y, c)
		}
	}
	return img
}

type settable interface {
	image.Image
	Set(x, y int, c color.Color)
}

func TestRasterize_ThresholdRule(t *testing.T) {
	tests := []struct {
		name  string
		c     color.NRGBA
		black bool
	}{
		{"black", color.NRGBA{0, 0, 0, 255}, true},
		{"white", color.NRGBA{255, 255, 255, 255}, false},
		{"grey 127", color.NRGBA{127, 127, 127, 255}, true},
		{"grey 128", color.NRGBA{128, 128, 128, 255}, false},
		{"dark red 128", color.NRGBA{128, 0, 0, 255}, false},
		{"dark blue 128", color.NRGBA{0, 0, 128, 255}, false},
		{"all 127", color.NRGBA{127, 127, 127, 255}, true},
		{"transparent black", color.NRGBA{0, 0, 0, 0}, false},
		{"transparent red", color.NRGBA{200, 0, 0, 0}, false},
		{"black, alpha 200", color.NRGBA{0, 0, 0, 200}, true},
		{"black, alpha 100", color.NRGBA{0, 0, 0, 100}, false},
	}
	for _, kind := range []string{"nrgba", "rgba", "nrgba64", "paletted"} {
		for _, tt := range tests {
			t.Run(kind+"/"+tt.name, func(t *testing.T) {
				bm := Rasterize(fill(kind, tt.c), Threshold)
				if bm.Height != 2 {
					t.Fatalf("Height=%d, want 2", bm.Height)
				}
				for _, p := range []image.Point{{0, 0}, {PrintWidth - 1, 1}, {200, 1}} {
					if got := bm.Black(p.X, p.Y); got != tt.black {
						t.Fatalf("Black%v=%v, want %v", p, got, tt.black)
					}
				}
			})
		}
	}
}

func TestRasterize_Size(t *testing.T) {
	tests := []struct {
		name   string
		w, h   int
		height int
	}{
		{"print width", 384, 100, 100},
		{"twice as wide", 768, 100, 50},
		{"narrow, scaled up", 100, 10, 38},
		{"very wide", 4000, 3, 1},
		{"cut at MaxRows", 384, MaxRows + 500, MaxRows},
		{"scaled past MaxRows", 192, 6000, MaxRows},
		{"empty", 0, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			img := image.NewGray(image.Rect(10, 20, 10+tt.w, 20+tt.h))
			for i := range img.Pix {
				img.Pix[i] = byte(i * 7)
			}
			for _, d := range []Dither{Threshold, FloydSteinberg, Atkinson} {
				bm := Rasterize(img, d)
				if bm.Height != tt.height || len(bm.Pix) != tt.height*rowBytes {
					t.Errorf("%v: Height=%d (%d bytes), want %d", d, bm.Height, len(bm.Pix), tt.height)
				}
			}
		})
	}
}

// blackShare is the share of black pixels.
func blackShare(b *Bitmap) float64 {
	n := 0
	for y := range b.Height {
		for x := range PrintWidth {
			if b.Black(x, y) {
				n++
			}
		}
	}
	return float64(n) / float64(b.Pixels())
}

func TestRasterize_Dither(t *testing.T) {
	grey := func(v uint8) image.Image {
		img := image.NewGray(image.Rect(0, 0, PrintWidth, 64))
		for i := range img.Pix {
			img.Pix[i] = v
		}
		return img
	}
	tests := []struct {
		name     string
		d        Dither
		level    uint8
		min, max float64
	}{
		{"fs white stays white", FloydSteinberg, 255, 0, 0},
		{"fs black stays black", FloydSteinberg, 0, 1, 1},
		{"fs mid grey is half black", FloydSteinberg, 128, 0.45, 0.55},
		{"fs light grey is mostly white", FloydSteinberg, 224, 0.08, 0.17},
		{"atkinson white stays white", Atkinson, 255, 0, 0},
		{"atkinson black stays black", Atkinson, 0, 1, 1},
		{"atkinson mid grey", Atkinson, 128, 0.4, 0.6},
		{"threshold mid grey is white", Threshold, 128, 0, 0},
		{"threshold dark grey is black", Threshold, 127, 1, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := blackShare(Rasterize(grey(tt.level), tt.d))
			if got < tt.min || got > tt.max {
				t.Errorf("black share=%.3f, want %.2f to %.2f", got, tt.min, tt.max)
			}
		})
	}
}

func TestRasterize_SameForEveryImageType(t *testing.T) {
	// A photo-like picture as RGBA, then as the types the decoders return:
	// each must give the same print (the YCbCr path to within JPEG's loss).
	src := photo(PrintWidth, 120)
	var buf bytes.Buffer
	if err := png.Encode(&buf, src); err != nil {
		t.Fatal(err)
	}
	fromPNG, err := DecodeImage(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range []Dither{Threshold, FloydSteinberg, Atkinson} {
		want := Rasterize(src, d)
		if got := Rasterize(fromPNG, d); !got.Equal(want) {
			t.Errorf("%v: PNG round trip (%T) gives another print", d, fromPNG)
		}
		generic := Rasterize(struct{ image.Image }{src}, d)
		if !generic.Equal(want) {
			t.Errorf("%v: the general path gives another print than the RGBA one", d)
		}
	}
}

func TestParseDither(t *testing.T) {
	for _, d := range []Dither{Threshold, FloydSteinberg, Atkinson} {
		got, err := ParseDither(d.String())
		if err != nil || got != d {
			t.Errorf("ParseDither(%q)=%v, %v", d.String(), got, err)
		}
	}
	if _, err := ParseDither("ordered"); err == nil {
		t.Error("ParseDither(ordered) succeeded")
	}
}

// pngWithSize encodes a 1×1 PNG and rewrites its header to claim w×h.
func pngWithSize(t *testing.T, w, h uint32) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewGray(image.Rect(0, 0, 1, 1))); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	// 8-byte signature, then the IHDR chunk: length, "IHDR", width, height, …, CRC.
	binary.BigEndian.PutUint32(b[16:], w)
	binary.BigEndian.PutUint32(b[20:], h)
	binary.BigEndian.PutUint32(b[29:], crc32.ChecksumIEEE(b[12:29]))
	return b
}

func TestDecodeImage(t *testing.T) {
	encode := func(f func(*bytes.Buffer) error) []byte {
		var buf bytes.Buffer
		if err := f(&buf); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	img := photo(64, 48)
	pngData := encode(func(b *bytes.Buffer) error { return png.Encode(b, img) })
	tests := []struct {
		name string
		data []byte
		err  error
	}{
		{"png", pngData, nil},
		{"jpeg", encode(func(b *bytes.Buffer) error { return jpeg.Encode(b, img, nil) }), nil},
		{"gif", encode(func(b *bytes.Buffer) error { return gif.Encode(b, img, nil) }), nil},
		{"text", []byte("hello, this is not a picture"), ErrImageFormat},
		{"empty", nil, ErrImageFormat},
		{"truncated png", pngData[:len(pngData)/2], ErrMalformed},
		{"bomb", pngWithSize(t, 100000, 100000), ErrImageTooLarge},
		{"zero width", pngWithSize(t, 0, 10), ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecodeImage(tt.data)
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("err=%v, want %v", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Bounds().Dx() != 64 || got.Bounds().Dy() != 48 {
				t.Errorf("bounds=%v, want 64×48", got.Bounds())
			}
		})
	}
}

// jpegWithOrientation encodes a 16×8 JPEG, left half black, right half white,
// with an EXIF orientation tag.
func jpegWithOrientation(t *testing.T, o uint16, order binary.AppendByteOrder) []byte {
	t.Helper()
	img := image.NewGray(image.Rect(0, 0, 16, 8))
	for y := range 8 {
		for x := 8; x < 16; x++ {
			img.SetGray(x, y, color.Gray{255})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 100}); err != nil {
		t.Fatal(err)
	}
	return withOrientation(buf.Bytes(), o, order)
}

// withOrientation puts an EXIF segment with an orientation tag in a JPEG.
func withOrientation(data []byte, o uint16, order binary.AppendByteOrder) []byte {
	tiff := []byte("MM\x00\x2a\x00\x00\x00\x08")
	if order == binary.LittleEndian {
		tiff = []byte("II\x2a\x00\x08\x00\x00\x00")
	}
	tiff = order.AppendUint16(tiff, 1) // one entry
	tiff = order.AppendUint16(tiff, 0x0112)
	tiff = order.AppendUint16(tiff, 3) // SHORT
	tiff = order.AppendUint32(tiff, 1)
	tiff = order.AppendUint16(tiff, o)
	tiff = append(tiff, 0, 0, 0, 0, 0, 0) // padding and the next-IFD offset
	seg := append([]byte("Exif\x00\x00"), tiff...)
	app1 := binary.BigEndian.AppendUint16([]byte{0xFF, 0xE1}, uint16(len(seg)+2))
	app1 = append(app1, seg...)
	out := append([]byte{}, data[:2]...)
	out = append(out, app1...)
	return append(out, data[2:]...)
}

func TestDecodeImage_Orientation(t *testing.T) {
	// Where the black half ends up once the picture is upright.
	tests := []struct {
		o     uint16
		order interface {
			binary.AppendByteOrder
			String() string
		}
		w, h  int
		black image.Point // a pixel that must be black
		white image.Point // a pixel that must be white
	}{
		{1, binary.BigEndian, 16, 8, image.Pt(2, 4), image.Pt(13, 4)},
		{2, binary.LittleEndian, 16, 8, image.Pt(13, 4), image.Pt(2, 4)},
		{3, binary.BigEndian, 16, 8, image.Pt(13, 4), image.Pt(2, 4)},
		{4, binary.BigEndian, 16, 8, image.Pt(2, 4), image.Pt(13, 4)},
		{5, binary.BigEndian, 8, 16, image.Pt(4, 2), image.Pt(4, 13)},
		{7, binary.BigEndian, 8, 16, image.Pt(4, 13), image.Pt(4, 2)},
		{6, binary.BigEndian, 8, 16, image.Pt(4, 2), image.Pt(4, 13)},
		{6, binary.LittleEndian, 8, 16, image.Pt(4, 2), image.Pt(4, 13)},
		{8, binary.BigEndian, 8, 16, image.Pt(4, 13), image.Pt(4, 2)},
		{9, binary.BigEndian, 16, 8, image.Pt(2, 4), image.Pt(13, 4)}, // not a valid value: left alone
	}
	decoders := []struct {
		name   string
		decode func([]byte) (image.Image, error)
	}{
		{"DecodeImage", DecodeImage},
		{"DecodePrintImage", func(data []byte) (image.Image, error) { return DecodePrintImage(data) }},
	}
	for _, d := range decoders {
		for _, tt := range tests {
			t.Run(d.name+"/"+string(rune('0'+tt.o))+tt.order.String(), func(t *testing.T) {
				img, err := d.decode(jpegWithOrientation(t, tt.o, tt.order))
				if err != nil {
					t.Fatal(err)
				}
				if b := img.Bounds(); b.Dx() != tt.w || b.Dy() != tt.h {
					t.Fatalf("bounds=%v, want %d×%d", b, tt.w, tt.h)
				}
				lum := func(p image.Point) uint32 { r, _, _, _ := img.At(p.X, p.Y).RGBA(); return r >> 8 }
				if v := lum(tt.black); v > 60 {
					t.Errorf("pixel %v=%d, want black", tt.black, v)
				}
				if v := lum(tt.white); v < 200 {
					t.Errorf("pixel %v=%d, want white", tt.white, v)
				}
			})
		}
	}
}

// referenceDither is error diffusion written the plain way, over a whole
// grid of errors (in 1/div), for checking the fast versions bit for bit.
func referenceDither(img *image.Gray, div int32, spread []struct{ dx, dy, w int32 }) *Bitmap {
	w, h := PrintWidth, img.Bounds().Dy()
	errs := make([][]int32, h+2)
	for i := range errs {
		errs[i] = make([]int32, w+4)
	}
	out := NewBitmap(h)
	for y := range h {
		for x := range w {
			v := int32(img.GrayAt(x, y).Y) + (errs[y][x+2]+div/2)/div
			if (errs[y][x+2]+div/2) < 0 && (errs[y][x+2]+div/2)%div != 0 {
				v-- // floor, as an arithmetic shift does
			}
			e := v
			if v >= 128 {
				e = v - 255
			} else {
				out.Set(x, y, true)
			}
			for _, s := range spread {
				errs[y+int(s.dy)][x+2+int(s.dx)] += s.w * e
			}
		}
	}
	return out
}

func TestRasterize_DitherMatchesReference(t *testing.T) {
	fs := []struct{ dx, dy, w int32 }{{1, 0, 7}, {-1, 1, 3}, {0, 1, 5}, {1, 1, 1}}
	at := []struct{ dx, dy, w int32 }{{1, 0, 1}, {2, 0, 1}, {-1, 1, 1}, {0, 1, 1}, {1, 1, 1}, {0, 2, 1}}
	for _, h := range []int{1, 2, 3, 64, 65} {
		src := photo(PrintWidth, h)
		gray := image.NewGray(src.Bounds())
		for y := range h {
			for x := range PrintWidth {
				gray.Set(x, y, src.At(x, y))
			}
		}
		if got, want := Rasterize(gray, FloydSteinberg), referenceDither(gray, 16, fs); !got.Equal(want) {
			t.Errorf("Floyd–Steinberg, %d rows: differs from the reference", h)
		}
		if got, want := Rasterize(gray, Atkinson), referenceDither(gray, 8, at); !got.Equal(want) {
			t.Errorf("Atkinson, %d rows: differs from the reference", h)
		}
	}
}

func TestRasterize_YCbCr(t *testing.T) {
	// The fast path reads chroma by hand; it must agree with image.YCbCr.At
	// for every subsampling, at an offset origin.
	ratios := []image.YCbCrSubsampleRatio{
		image.YCbCrSubsampleRatio444, image.YCbCrSubsampleRatio422, image.YCbCrSubsampleRatio420,
		image.YCbCrSubsampleRatio440, image.YCbCrSubsampleRatio411, image.YCbCrSubsampleRatio410,
	}
	for _, ratio := range ratios {
		t.Run(ratio.String(), func(t *testing.T) {
			m := image.NewYCbCr(image.Rect(3, 5, 3+PrintWidth, 5+9), ratio)
			for i := range m.Y {
				m.Y[i] = byte(i*37 + i/7)
			}
			for i := range m.Cb {
				m.Cb[i], m.Cr[i] = byte(i*11), byte(255-i*5)
			}
			got := Rasterize(m, Threshold)
			want := Rasterize(struct{ image.Image }{m}, Threshold)
			if !got.Equal(want) {
				t.Error("threshold of YCbCr differs from the general path")
			}
		})
	}
}
