package codec

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"math/rand/v2"
	"testing"
)

// referenceLevels gives the level of every pixel of a PrintWidth-wide img,
// one pixel at a time, the plain way: what the row readers must give.
func referenceLevels(img image.Image, mode levelMode) *image.Gray {
	b := img.Bounds()
	out := image.NewGray(image.Rect(0, 0, b.Dx(), b.Dy()))
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			var v uint8
			switch m := img.(type) {
			case *image.Gray:
				v = m.GrayAt(x, y).Y
			case *image.RGBA:
				c := m.RGBAAt(x, y)
				w := 255 - uint32(c.A)
				r, g, b := uint32(c.R)+w, uint32(c.G)+w, uint32(c.B)+w
				if mode == levelMax {
					v = uint8(max(r, g, b))
				} else {
					v = uint8((77*r + 150*g + 29*b + 128) / 256)
				}
			case *image.YCbCr:
				c := m.YCbCrAt(x, y)
				if mode == levelMax {
					r, g, b := color.YCbCrToRGB(c.Y, c.Cb, c.Cr)
					v = max(r, g, b)
				} else {
					v = c.Y
				}
			default: // NRGBA rounds onto white by itself; the others by levelOf
				if n, ok := img.(*image.NRGBA); ok {
					c := n.NRGBAAt(x, y)
					a := uint32(c.A)
					v = level(mode, onWhite(c.R, a), onWhite(c.G, a), onWhite(c.B, a))
				} else {
					v = levelOf(mode, img.At(x, y))
				}
			}
			out.SetGray(x-b.Min.X, y-b.Min.Y, color.Gray{Y: v})
		}
	}
	return out
}

// referenceRasterize is Rasterize the plain way: levels pixel by pixel, then
// the threshold or the whole-grid error diffusion of referenceDither.
func referenceRasterize(img image.Image, d Dither) *Bitmap {
	src := img.Bounds()
	if src.Empty() {
		return NewBitmap(0)
	}
	if src.Dx() != PrintWidth {
		scaled := ScaleToWidth(img, PrintWidth)
		img, src = scaled, scaled.Bounds()
	} else if src.Dy() > MaxRows {
		src.Max.Y = src.Min.Y + MaxRows
	}
	if s, ok := img.(interface {
		SubImage(image.Rectangle) image.Image
	}); ok {
		img = s.SubImage(src)
	}
	switch d {
	case FloydSteinberg:
		fs := []struct{ dx, dy, w int32 }{{1, 0, 7}, {-1, 1, 3}, {0, 1, 5}, {1, 1, 1}}
		return referenceDither(referenceLevels(img, levelLuma), 16, fs)
	case Atkinson:
		at := []struct{ dx, dy, w int32 }{{1, 0, 1}, {2, 0, 1}, {-1, 1, 1}, {0, 1, 1}, {1, 1, 1}, {0, 2, 1}}
		return referenceDither(referenceLevels(img, levelLuma), 8, at)
	}
	g := referenceLevels(img, levelMax)
	out := NewBitmap(src.Dy())
	for y := range src.Dy() {
		for x := range PrintWidth {
			out.Set(x, y, g.GrayAt(x, y).Y <= 127)
		}
	}
	return out
}

// randomPicture makes a picture of the given kind with bands of noise, of
// smooth gradients and of flat black and white (for long runs), at an
// offset origin.
func randomPicture(r *rand.Rand, kind string, w, h int) image.Image {
	rect := image.Rect(5, 3, 5+w, 3+h)
	value := func(x, y int) uint8 {
		switch (y / 5) % 4 {
		case 0:
			return uint8(r.IntN(256))
		case 1:
			return uint8(x * 255 / w)
		case 2:
			return 255
		}
		return uint8(r.IntN(8)) // nearly black
	}
	switch kind {
	case "gray":
		m := image.NewGray(rect)
		for y := range h {
			for x := range w {
				m.Pix[y*m.Stride+x] = value(x, y)
			}
		}
		return m
	case "rgba", "nrgba":
		m := image.NewNRGBA(rect)
		for y := range h {
			for x := range w {
				v := value(x, y)
				a := uint8(255)
				if r.IntN(3) == 0 {
					a = uint8(r.IntN(256))
				}
				m.SetNRGBA(5+x, 3+y, color.NRGBA{v, uint8(r.IntN(256)), v / 2, a})
			}
		}
		if kind == "nrgba" {
			return m
		}
		p := image.NewRGBA(rect)
		for y := range h {
			for x := range w {
				p.Set(5+x, 3+y, m.At(5+x, 3+y))
			}
		}
		return p
	case "ycbcr":
		m := image.NewYCbCr(rect, image.YCbCrSubsampleRatio420)
		for y := range h {
			for x := range w {
				m.Y[m.YOffset(5+x, 3+y)] = value(x, y)
			}
		}
		for i := range m.Cb {
			m.Cb[i], m.Cr[i] = uint8(r.IntN(256)), uint8(r.IntN(256))
		}
		return m
	case "paletted":
		pal := make(color.Palette, 16)
		for i := range pal {
			pal[i] = color.NRGBA{uint8(r.IntN(256)), uint8(r.IntN(256)), uint8(r.IntN(256)), uint8(r.IntN(256))}
		}
		pal[0], pal[1] = color.Gray{255}, color.Gray{0}
		m := image.NewPaletted(rect, pal)
		for y := range h {
			for x := range w {
				i := uint8(r.IntN(16))
				if v := value(x, y); v == 255 || v < 8 {
					i = v & 1 // flat white or black
				}
				m.Pix[y*m.Stride+x] = i
			}
		}
		return m
	}
	panic(kind)
}

func TestRasterize_MatchesReference(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	sizes := []image.Point{{PrintWidth, 1}, {PrintWidth, 2}, {PrintWidth, 3}, {PrintWidth, 7},
		{PrintWidth, 64}, {PrintWidth, 65}, {PrintWidth, 131}, {200, 33}, {500, 81}}
	for _, kind := range []string{"gray", "rgba", "nrgba", "ycbcr", "paletted"} {
		for _, sz := range sizes {
			img := randomPicture(r, kind, sz.X, sz.Y)
			for _, d := range []Dither{Threshold, FloydSteinberg, Atkinson} {
				got, want := Rasterize(img, d), referenceRasterize(img, d)
				if got.Height != want.Height || !got.Equal(want) {
					t.Errorf("%s %dx%d, %v: differs from the reference", kind, sz.X, sz.Y, d)
				}
			}
		}
	}
}

// referenceRLE is the run-length code the plain way: pixel by pixel in the
// rotated order, each run cut greedily into the chunk codes.
func referenceRLE(b *Bitmap) []byte {
	var out []byte
	put := func(n int) {
		if n <= 251 {
			out = append(out, byte(n))
			return
		}
		for _, c := range rleChunks {
			for n >= c.pixels {
				out = append(out, c.code)
				n -= c.pixels
				if n >= 251 { // another chunk follows, after an empty run
					out = append(out, 0)
				}
			}
		}
		if n > 0 {
			out = append(out, 0, byte(n))
		}
	}
	black, run := false, 0
	for p := b.Pixels() - 1; p >= 0; p-- {
		if px := b.Black(p%PrintWidth, p/PrintWidth); px != black {
			put(run)
			black, run = px, 0
		}
		run++
	}
	put(run)
	return out
}

func TestAppendRLE_MatchesReference(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	bitmaps := map[string]*Bitmap{
		"empty":     NewBitmap(0),
		"white":     NewBitmap(30),
		"black":     {Height: 30, Pix: bytes.Repeat([]byte{0xFF}, 30*rowBytes)},
		"dithered":  Rasterize(photo(PrintWidth, 97), FloydSteinberg),
		"atkinson":  Rasterize(photo(PrintWidth, 40), Atkinson),
		"threshold": Rasterize(photo(PrintWidth, 40), Threshold),
	}
	for i := range 40 {
		bitmaps[fmt.Sprint("random ", i)] = randomBitmap(r, 1+r.IntN(40))
	}
	for i := range 20 { // runs of every length near the chunk sizes
		b := NewBitmap(12)
		for p := 0; p < b.Pixels(); {
			n := []int{250, 251, 252, 383, 384, 385, 767, 768, 1151, 1152, 1535, 1536, 1537, 1, 7, 8, 9}[r.IntN(17)]
			for q := p; q < min(p+n, b.Pixels()); q++ {
				b.Set(q%PrintWidth, q/PrintWidth, (p/7+i)%2 == 0)
			}
			p += n
		}
		bitmaps[fmt.Sprint("long runs ", i)] = b
	}
	for name, b := range bitmaps {
		want := referenceRLE(b)
		prefix := []byte{1, 2, 3}
		if got := AppendRLE(prefix[:3:3], b); !bytes.Equal(got[3:], want) || !bytes.Equal(got[:3], prefix) {
			t.Errorf("%s: AppendRLE differs from the reference", name)
		}
		if got := rleLen(b); got != len(want) {
			t.Errorf("%s: rleLen=%d, want %d", name, got, len(want))
		}
		// The block and payload, built the plain way around the same code.
		if got := AppendImageBlock([]byte{9}, b); !bytes.Equal(got[1:], referenceBlock(b)) || got[0] != 9 {
			t.Errorf("%s: AppendImageBlock differs from the reference", name)
		}
		p, err := EncodePayload(SetDelivery, 7, b)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(p, referencePayload(SetDelivery, 7, b)) {
			t.Errorf("%s: EncodePayload differs from the reference", name)
		}
	}
}
