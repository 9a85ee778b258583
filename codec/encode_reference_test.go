package codec

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"image"
	"image/color"
	"math/rand/v2"
	"slices"
	"testing"
)

// referencePayload is EncodePayload the plain way, around referenceRLE: what
// the fast path must give byte for byte.
func referencePayload(cmd CommandCode, printID uint32, b *Bitmap) []byte {
	block := referenceBlock(b)
	head := []byte{deviceTypeLittlePrinter, 0, byte(cmd), byte(cmd >> 8)}
	head = binary.LittleEndian.AppendUint32(head, printID)
	head = append(head, 0, 0, 0, 0)
	head = binary.LittleEndian.AppendUint32(head, uint32(len(block)))
	return append(head, block...)
}

// referenceBlock is AppendImageBlock the plain way, around referenceRLE.
func referenceBlock(b *Bitmap) []byte {
	rle := referenceRLE(b)
	block := binary.LittleEndian.AppendUint32(nil, uint32(2+4+blockHeaderLen+1+4+len(rle)))
	block = append(block, 0, 0, blockHeaderLen, 0, 0, 0)
	block = append(block, printerControl...)
	n := b.Pixels() / 8
	block = append(block, 0x1b, 0x2a, byte(n), byte(n>>8), byte(n>>16), 0, 0, 0x30, compressionRLE)
	block = binary.LittleEndian.AppendUint32(block, uint32(len(rle)))
	return append(block, rle...)
}

// edgePicture makes a picture of the given kind whose values sit where the
// fast paths could go wrong: every level around the threshold, the ends of
// each channel, extreme chroma, every alpha.
func edgePicture(r *rand.Rand, kind string, w, h int) image.Image {
	rect := image.Rect(-7, 11, -7+w, 11+h)
	edges := []uint8{0, 1, 2, 126, 127, 128, 129, 130, 253, 254, 255}
	pick := func() uint8 {
		if r.IntN(2) == 0 {
			return edges[r.IntN(len(edges))]
		}
		return uint8(r.IntN(256))
	}
	switch kind {
	case "gray":
		m := image.NewGray(rect)
		for i := range m.Pix {
			m.Pix[i] = pick()
		}
		return m
	case "rgba":
		m := image.NewRGBA(rect)
		for i := 0; i < len(m.Pix); i += 4 {
			a := pick()
			// Premultiplied: no channel above alpha.
			m.Pix[i], m.Pix[i+1], m.Pix[i+2], m.Pix[i+3] = min(pick(), a), min(pick(), a), min(pick(), a), a
		}
		return m
	case "nrgba":
		m := image.NewNRGBA(rect)
		for i := range m.Pix {
			m.Pix[i] = pick()
		}
		return m
	case "paletted":
		pal := make(color.Palette, 256)
		for i := range pal {
			pal[i] = color.NRGBA{pick(), pick(), pick(), pick()}
		}
		m := image.NewPaletted(rect, pal)
		for i := range m.Pix {
			m.Pix[i] = uint8(r.IntN(256))
		}
		return m
	}
	for _, ratio := range ycbcrRatios {
		if kind == "ycbcr"+ratio.String()[len("YCbCrSubsampleRatio"):] {
			m := image.NewYCbCr(rect, ratio)
			for i := range m.Y {
				m.Y[i] = pick()
			}
			for i := range m.Cb {
				m.Cb[i], m.Cr[i] = pick(), pick()
			}
			return m
		}
	}
	panic(kind)
}

var ycbcrRatios = []image.YCbCrSubsampleRatio{
	image.YCbCrSubsampleRatio444, image.YCbCrSubsampleRatio422, image.YCbCrSubsampleRatio420,
	image.YCbCrSubsampleRatio440, image.YCbCrSubsampleRatio411, image.YCbCrSubsampleRatio410,
}

// TestEncode_MatchesReference checks every encode path, each dither from
// each image type the fast paths read, against the plain reference: the
// levels pixel by pixel, the whole-grid error diffusion, the run-length
// code run by run. Pictures are random and edge-case, at offset origins, of
// odd sizes (scaled first), and cut from a larger picture at an odd column,
// where a chroma sample covers pixels before the cut.
func TestEncode_MatchesReference(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(19, 84))
	kinds := []string{"gray", "rgba", "nrgba", "paletted"}
	for _, ratio := range ycbcrRatios {
		kinds = append(kinds, "ycbcr"+ratio.String()[len("YCbCrSubsampleRatio"):])
	}
	sizes := []image.Point{{PrintWidth, 1}, {PrintWidth, 2}, {PrintWidth, 5}, {PrintWidth, 41}, {3, 2}, {385, 3}}
	type picture struct {
		name string
		img  image.Image
	}
	var pictures []picture
	for _, kind := range kinds {
		for _, sz := range sizes {
			pictures = append(pictures, picture{fmt.Sprintf("%s/edge/%dx%d", kind, sz.X, sz.Y), edgePicture(r, kind, sz.X, sz.Y)})
		}
		// Cut at an odd column from a wider picture: 4:2:0 chroma starts
		// half-way through a sample.
		wide := edgePicture(r, kind, PrintWidth+6, 9).(interface {
			image.Image
			SubImage(image.Rectangle) image.Image
		})
		b := wide.Bounds()
		for _, dx := range []int{1, 3} {
			cut := wide.SubImage(image.Rect(b.Min.X+dx, b.Min.Y+1, b.Min.X+dx+PrintWidth, b.Max.Y))
			pictures = append(pictures, picture{fmt.Sprintf("%s/cut at %d", kind, dx), cut})
		}
	}
	for _, kind := range []string{"gray", "rgba", "nrgba", "ycbcr", "paletted"} {
		for _, h := range []int{3, 67} {
			pictures = append(pictures, picture{fmt.Sprintf("%s/random/%d", kind, h), randomPicture(r, kind, PrintWidth, h)})
		}
	}
	pictures = append(pictures, picture{"rgba/photo", photo(PrintWidth, 50)})
	for _, p := range pictures {
		t.Run(p.name, func(t *testing.T) {
			t.Parallel()
			for _, d := range []Dither{Threshold, FloydSteinberg, Atkinson} {
				want := referenceRasterize(p.img, d)
				got := Rasterize(p.img, d)
				if !got.Equal(want) {
					t.Errorf("%v: Rasterize differs from the reference", d)
					continue
				}
				payload, err := EncodePayload(SetDeliveryAndPrint, 7, got)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(payload, referencePayload(SetDeliveryAndPrint, 7, want)) {
					t.Errorf("%v: EncodePayload differs from the reference", d)
				}
			}
		})
	}
}

// FuzzRasterize holds every encode path to the plain reference on pictures
// the fuzzer makes: of each image type the fast paths read, a print wide
// (or a pixel or two off, to be scaled), a few rows tall, at an origin on
// either side of 0, with the fuzzer's bytes for pixels, palettes and
// chroma.
func FuzzRasterize(f *testing.F) {
	f.Add(uint8(0), uint8(3), int8(0), int8(0), int8(0), []byte{0, 127, 128, 255})
	f.Add(uint8(4), uint8(2), int8(0), int8(-7), int8(3), []byte{200, 16, 240, 90, 128, 128})
	f.Add(uint8(7), uint8(5), int8(1), int8(5), int8(-2), []byte{1, 2, 3, 254, 255})
	f.Fuzz(func(t *testing.T, kind, height uint8, dw, x0, y0 int8, data []byte) {
		if len(data) == 0 {
			return
		}
		k := int(kind) % (4 + len(ycbcrRatios))
		w, h := PrintWidth+int(dw%3), 1+int(height%6)
		ox, oy := int(x0), int(y0)
		if w != PrintWidth {
			// x/image/draw's scaler can index past the chroma of a YCbCr
			// picture whose rectangle starts above or left of 0, which
			// no decoder makes: scaled pictures start at 0 or after.
			ox, oy = int(uint8(x0)%16), int(uint8(y0)%16)
		}
		if k >= 4 {
			// Above 0, image.NewYCbCr can make fewer chroma rows than
			// COffset reaches, and At itself panics.
			oy = int(uint8(y0) % 16)
		}
		rect := image.Rect(ox, oy, ox+w, oy+h)
		fill := func(pix []byte) {
			for i := range pix {
				pix[i] = data[i%len(data)] + byte(i/len(data))
			}
		}
		var img image.Image
		switch k {
		case 0:
			m := image.NewGray(rect)
			fill(m.Pix)
			img = m
		case 1:
			m := image.NewRGBA(rect)
			fill(m.Pix)
			img = m
		case 2:
			m := image.NewNRGBA(rect)
			fill(m.Pix)
			img = m
		case 3:
			pal := make(color.Palette, 1+int(data[0]))
			c := make([]byte, 4*len(pal))
			fill(c)
			for i := range pal {
				pal[i] = color.NRGBA{c[4*i], c[4*i+1], c[4*i+2], c[4*i+3]}
			}
			m := image.NewPaletted(rect, pal)
			fill(m.Pix)
			for i := range m.Pix {
				m.Pix[i] = uint8(int(m.Pix[i]) % len(pal)) // At panics past the palette
			}
			img = m
		default:
			m := image.NewYCbCr(rect, ycbcrRatios[k-4])
			fill(m.Y)
			fill(m.Cb)
			slices.Reverse(m.Cb)
			fill(m.Cr)
			img = m
		}
		for _, d := range []Dither{Threshold, FloydSteinberg, Atkinson} {
			got, want := Rasterize(img, d), referenceRasterize(img, d)
			if !got.Equal(want) {
				t.Fatalf("%T %v, %v: Rasterize differs from the reference", img, rect, d)
			}
			payload, err := EncodePayload(SetDelivery, 3, got)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(payload, referencePayload(SetDelivery, 3, want)) {
				t.Fatalf("%T %v, %v: EncodePayload differs from the reference", img, rect, d)
			}
		}
	})
}
