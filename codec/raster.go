package codec

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"

	xdraw "golang.org/x/image/draw"
)

// Dither is how grey levels become black and white dots.
type Dither uint8

// The ways to make a 1-bit print.
const (
	// Threshold is the old server's rule, the one the vectors test: after
	// compositing onto white, a pixel is white if any of R, G, B is above 127.
	Threshold Dither = iota
	// FloydSteinberg spreads each pixel's error over four neighbours: the
	// best choice for photos.
	FloydSteinberg
	// Atkinson spreads three quarters of the error over six neighbours:
	// crisper, with lighter shadows, as on the early Macintosh.
	Atkinson
)

var ditherNames = [...]string{Threshold: "threshold", FloydSteinberg: "floyd-steinberg", Atkinson: "atkinson"}

// String is the dither's name: threshold, floyd-steinberg or atkinson.
func (d Dither) String() string {
	if int(d) < len(ditherNames) {
		return ditherNames[d]
	}
	return fmt.Sprintf("Dither(%d)", d)
}

// ParseDither reads a dither name as String gives it.
func ParseDither(s string) (Dither, error) {
	for d, name := range ditherNames {
		if s == name {
			return Dither(d), nil
		}
	}
	return 0, fmt.Errorf("unknown dither %q (want threshold, floyd-steinberg or atkinson)", s)
}

// Rasterize makes a print of img: scaled to PrintWidth keeping its aspect
// ratio (narrower pictures are scaled up), composited onto white paper, cut
// at MaxRows, and turned into black and white dots with d. An empty image
// gives an empty bitmap.
func Rasterize(img image.Image, d Dither) *Bitmap {
	src := img.Bounds()
	if src.Empty() {
		return NewBitmap(0)
	}
	if src.Dx() != PrintWidth {
		img, src = scaleToWidth(img, src)
	} else if src.Dy() > MaxRows {
		src.Max.Y = src.Min.Y + MaxRows
	}
	var rows rowReader
	if d == Threshold {
		rows = newRowReader(img, src, levelMax)
	} else {
		rows = newRowReader(img, src, levelLuma)
	}
	out := NewBitmap(src.Dy())
	switch d {
	case FloydSteinberg:
		floydSteinberg(out, rows)
	case Atkinson:
		atkinson(out, rows)
	default:
		threshold(out, rows)
	}
	return out
}

// scaleToWidth scales img to PrintWidth, onto white, with Catmull-Rom
// resampling, keeping at most MaxRows rows of the result.
func scaleToWidth(img image.Image, src image.Rectangle) (image.Image, image.Rectangle) {
	h := int((int64(src.Dy())*PrintWidth + int64(src.Dx())/2) / int64(src.Dx()))
	h = max(h, 1)
	if h > MaxRows {
		// Scale only the part of the source that lands in the first MaxRows.
		src.Max.Y = src.Min.Y + int((int64(MaxRows)*int64(src.Dx())+PrintWidth-1)/PrintWidth)
		h = MaxRows
	}
	dst := image.NewRGBA(image.Rect(0, 0, PrintWidth, h))
	draw.Draw(dst, dst.Bounds(), image.White, image.Point{}, draw.Src)
	xdraw.CatmullRom.Scale(dst, dst.Bounds(), img, src, xdraw.Over, nil)
	return dst, dst.Bounds()
}

// levelMode says what one 8-bit level per pixel means.
type levelMode uint8

const (
	levelMax  levelMode = iota // the largest of R, G, B: the threshold rule is level > 127
	levelLuma                  // the brightness, for dithering
)

// rowReader fills dst (PrintWidth levels) with row y, composited onto white.
type rowReader func(y int, dst []uint8)

// level turns an opaque 8-bit colour into a level.
func level(mode levelMode, r, g, b uint32) uint8 {
	if mode == levelMax {
		return uint8(max(r, g, b))
	}
	return uint8((19595*r + 38470*g + 7471*b + 1<<15) >> 16)
}

// newRowReader picks a fast path for the image types the decoders return, and
// a general one for any other. Rows are numbered from 0.
func newRowReader(img image.Image, src image.Rectangle, mode levelMode) rowReader {
	x0, y0 := src.Min.X, src.Min.Y
	switch m := img.(type) {
	case *image.Gray:
		return func(y int, dst []uint8) {
			i := m.PixOffset(x0, y0+y)
			copy(dst[:PrintWidth], m.Pix[i:i+PrintWidth])
		}
	case *image.RGBA:
		return func(y int, dst []uint8) {
			i := m.PixOffset(x0, y0+y)
			p := m.Pix[i : i+4*PrintWidth]
			for x := range dst[:PrintWidth] {
				q := p[4*x : 4*x+4 : 4*x+4]
				// Premultiplied: onto white is c + (255 - a).
				w := 255 - uint32(q[3])
				dst[x] = level(mode, uint32(q[0])+w, uint32(q[1])+w, uint32(q[2])+w)
			}
		}
	case *image.NRGBA:
		return func(y int, dst []uint8) {
			i := m.PixOffset(x0, y0+y)
			p := m.Pix[i : i+4*PrintWidth]
			for x := range dst[:PrintWidth] {
				q := p[4*x : 4*x+4 : 4*x+4]
				a := uint32(q[3])
				dst[x] = level(mode, onWhite(q[0], a), onWhite(q[1], a), onWhite(q[2], a))
			}
		}
	case *image.YCbCr:
		return func(y int, dst []uint8) {
			if mode == levelLuma {
				i := m.YOffset(x0, y0+y)
				copy(dst[:PrintWidth], m.Y[i:i+PrintWidth])
				return
			}
			for x := range dst[:PrintWidth] {
				yi, ci := m.YOffset(x0+x, y0+y), m.COffset(x0+x, y0+y)
				r, g, b := color.YCbCrToRGB(m.Y[yi], m.Cb[ci], m.Cr[ci])
				dst[x] = level(mode, uint32(r), uint32(g), uint32(b))
			}
		}
	case *image.Paletted:
		var lut [256]uint8
		for i, c := range m.Palette {
			lut[i] = levelOf(mode, c)
		}
		return func(y int, dst []uint8) {
			i := m.PixOffset(x0, y0+y)
			for x, c := range m.Pix[i : i+PrintWidth] {
				dst[x] = lut[c]
			}
		}
	}
	return func(y int, dst []uint8) {
		for x := range dst[:PrintWidth] {
			dst[x] = levelOf(mode, img.At(x0+x, y0+y))
		}
	}
}

// onWhite composites one non-premultiplied 8-bit channel with alpha a onto
// white.
func onWhite(c uint8, a uint32) uint32 {
	return (uint32(c)*a + 255*(255-a) + 127) / 255
}

// levelOf gives the level of any colour, composited onto white.
func levelOf(mode levelMode, c color.Color) uint8 {
	r, g, b, a := c.RGBA() // premultiplied, 16 bits
	w := 0xFFFF - a
	return level(mode, (r+w)>>8, (g+w)>>8, (b+w)>>8)
}

// threshold: black where the level is 127 or less.
func threshold(out *Bitmap, rows rowReader) {
	var row [PrintWidth]uint8
	for y := range out.Height {
		rows(y, row[:])
		packRow(out.Pix[y*rowBytes:(y+1)*rowBytes], &row)
	}
}

// packRow packs levels into bits: black (1) where the level is below 128.
func packRow(dst []byte, row *[PrintWidth]uint8) {
	for i := range rowBytes {
		p := row[8*i : 8*i+8 : 8*i+8]
		var b byte
		for _, v := range p {
			b = b<<1 | (^v >> 7)
		}
		dst[i] = b
	}
}

// floydSteinberg diffuses each pixel's error: 7/16 right, 3/16 down-left,
// 5/16 down, 1/16 down-right. Errors are kept in sixteenths.
func floydSteinberg(out *Bitmap, rows rowReader) {
	var row [PrintWidth]uint8
	// cur and next are indexed x+1, so x-1 and x+1 never fall outside.
	cur := make([]int32, PrintWidth+2)
	next := make([]int32, PrintWidth+2)
	for y := range out.Height {
		rows(y, row[:])
		for x := range PrintWidth {
			v := int32(row[x]) + (cur[x+1]+8)>>4
			var e int32
			if v < 128 {
				e = v
				row[x] = 0
			} else {
				e = v - 255
				row[x] = 255
			}
			cur[x+2] += 7 * e
			next[x] += 3 * e
			next[x+1] += 5 * e
			next[x+2] += e
		}
		packRow(out.Pix[y*rowBytes:(y+1)*rowBytes], &row)
		cur, next = next, cur
		clear(next)
	}
}

// atkinson diffuses an eighth of each pixel's error to six neighbours: two to
// the right, three below, one two rows down. Errors are kept in eighths.
func atkinson(out *Bitmap, rows rowReader) {
	var row [PrintWidth]uint8
	// Indexed x+1; two extra on the right for x+2.
	e0 := make([]int32, PrintWidth+3)
	e1 := make([]int32, PrintWidth+3)
	e2 := make([]int32, PrintWidth+3)
	for y := range out.Height {
		rows(y, row[:])
		for x := range PrintWidth {
			v := int32(row[x]) + (e0[x+1]+4)>>3
			var e int32
			if v < 128 {
				e = v
				row[x] = 0
			} else {
				e = v - 255
				row[x] = 255
			}
			e0[x+2] += e
			e0[x+3] += e
			e1[x] += e
			e1[x+1] += e
			e1[x+2] += e
			e2[x+1] += e
		}
		packRow(out.Pix[y*rowBytes:(y+1)*rowBytes], &row)
		e0, e1, e2 = e1, e2, e0
		clear(e2)
	}
}
