package codec

import (
	"encoding/binary"
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

// row is one row of levels, one byte a pixel.
type row = [PrintWidth]uint8

// rowReader gives row y (counted from 0) as levels composited onto white: the
// image's own memory where it already holds them, else buf, filled. Callers
// never write to the row they get.
type rowReader func(y int, buf *row) *row

// level turns an opaque 8-bit colour into a level.
func level(mode levelMode, r, g, b uint32) uint8 {
	if mode == levelMax {
		return uint8(max(r, g, b))
	}
	return uint8((19595*r + 38470*g + 7471*b + 1<<15) >> 16)
}

// newRowReader picks a fast path for the image types the decoders return, and
// a general one for any other.
func newRowReader(img image.Image, src image.Rectangle, mode levelMode) rowReader {
	x0, y0 := src.Min.X, src.Min.Y
	switch m := img.(type) {
	case *image.Gray:
		return func(y int, _ *row) *row {
			i := m.PixOffset(x0, y0+y)
			return (*row)(m.Pix[i : i+PrintWidth])
		}
	case *image.RGBA:
		return func(y int, buf *row) *row {
			i := m.PixOffset(x0, y0+y)
			rgbaLevels(buf, (*[4 * PrintWidth]uint8)(m.Pix[i:i+4*PrintWidth]), mode)
			return buf
		}
	case *image.NRGBA:
		return func(y int, buf *row) *row {
			i := m.PixOffset(x0, y0+y)
			p := m.Pix[i : i+4*PrintWidth]
			for x := range buf {
				q := p[4*x : 4*x+4 : 4*x+4]
				a := uint32(q[3])
				buf[x] = level(mode, onWhite(q[0], a), onWhite(q[1], a), onWhite(q[2], a))
			}
			return buf
		}
	case *image.YCbCr:
		hShift := 0 // chroma samples cover 1, 2 or 4 pixels across
		switch m.SubsampleRatio {
		case image.YCbCrSubsampleRatio422, image.YCbCrSubsampleRatio420:
			hShift = 1
		case image.YCbCrSubsampleRatio411, image.YCbCrSubsampleRatio410:
			hShift = 2
		}
		return func(y int, buf *row) *row {
			if mode == levelLuma {
				i := m.YOffset(x0, y0+y)
				return (*row)(m.Y[i : i+PrintWidth])
			}
			yRow := m.Y[m.YOffset(x0, y0+y):][:PrintWidth]
			c0 := m.COffset(x0, y0+y)
			for x := range buf {
				ci := c0 + (x0+x)>>hShift - x0>>hShift
				r, g, b := color.YCbCrToRGB(yRow[x], m.Cb[ci], m.Cr[ci])
				buf[x] = max(r, g, b)
			}
			return buf
		}
	case *image.Paletted:
		var lut [256]uint8
		for i, c := range m.Palette {
			lut[i] = levelOf(mode, c)
		}
		return func(y int, buf *row) *row {
			i := m.PixOffset(x0, y0+y)
			for x, c := range m.Pix[i : i+PrintWidth] {
				buf[x] = lut[c]
			}
			return buf
		}
	}
	return func(y int, buf *row) *row {
		for x := range buf {
			buf[x] = levelOf(mode, img.At(x0+x, y0+y))
		}
		return buf
	}
}

// rgbaLevels turns a row of premultiplied RGBA into levels, onto white: each
// channel c becomes c + 255 - a. One loop per mode keeps the branch out.
func rgbaLevels(dst *row, p *[4 * PrintWidth]uint8, mode levelMode) {
	if mode == levelMax {
		for x := range dst {
			q := p[4*x : 4*x+4 : 4*x+4]
			dst[x] = max(q[0], q[1], q[2]) + 255 - q[3]
		}
		return
	}
	// Two pixels at a time, one in each 32-bit half of a word: the weighted
	// sum is below 2²⁴, so the halves never spill into each other.
	const lanes = 0x000000FF_000000FF
	for x := 0; x < len(dst); x += 2 {
		v := binary.LittleEndian.Uint64(p[4*x:])
		w := lanes - (v>>24)&lanes // 255 - alpha
		r, g, b := v&lanes+w, (v>>8)&lanes+w, (v>>16)&lanes+w
		sum := 19595*r + 38470*g + 7471*b + (1<<15)*(1<<32|1)
		dst[x] = uint8(sum >> 16)
		dst[x+1] = uint8(sum >> 48)
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

// outRow is row y of a bitmap, packed.
func outRow(b *Bitmap, y int) *[rowBytes]byte {
	return (*[rowBytes]byte)(b.Pix[y*rowBytes : (y+1)*rowBytes])
}

// threshold: black where the level is 127 or less.
func threshold(out *Bitmap, rows rowReader) {
	var buf row
	for y := range out.Height {
		packRow(outRow(out, y), rows(y, &buf))
	}
}

// packRow packs a row into bits: black (1) where the level is below 128.
// Eight levels at a time: the top bit of each byte is moved to its bottom,
// and one multiplication gathers the eight bottom bits into the top byte,
// the first pixel highest.
func packRow(dst *[rowBytes]byte, r *row) {
	for i := range dst {
		v := binary.LittleEndian.Uint64(r[8*i:])
		dst[i] = byte(((^v >> 7) & 0x0101010101010101) * 0x8040201008040201 >> 56)
	}
}

// floydSteinberg diffuses each pixel's error: 7/16 right, 3/16 down-left,
// 5/16 down, 1/16 down-right, in sixteenths.
//
// Each pixel waits for the error of the one before it, so a row is a chain of
// dependent steps. Two rows are worked at once, the second two pixels behind
// the first (where its errors from above are complete), so the CPU runs the
// two chains side by side. The step is written out for each row, not called:
// it is the hot path of every print, and a call here costs half its time.
func floydSteinberg(out *Bitmap, rows rowReader) {
	var bufA, bufB, doneA, doneB row // levels in; 0 or 255 out
	// errs[p+1] is the error for pixel p: of the row about to be read, or,
	// once written back, of the row below it. A row overwrites errs[p] only
	// after it read it, and the trailing row stays behind the leading one.
	errs := new([PrintWidth + 3]int32)
	for y := 0; y < out.Height; y += 2 {
		a, oa := rows(y, &bufA), outRow(out, y)
		// With an odd height the last row is paired with a blank one whose
		// output is thrown away.
		b, ob := &bufB, new([rowBytes]byte)
		if y+1 < out.Height {
			b, ob = rows(y+1, &bufB), outRow(out, y+1)
		}
		// Pending errors, in sixteenths: right to the next pixel of the row,
		// downLeft and down to pixels x-1 and x of the row below.
		var rightA, downLeftA, downA, rightB, downLeftB, downB int32
		for x := 0; x < PrintWidth+2; x++ {
			if x < PrintWidth {
				acc := int32(a[x])<<4 + errs[x+1] + rightA + 8
				// Branch-free: a dithered photo is noise to a branch predictor.
				white := (2047 - acc) >> 31 // -1 when the level is 128 or more, else 0
				e := acc>>4 - 255&white
				doneA[x] = uint8(white)
				rightA = 7 * e
				errs[x] = downLeftA + 3*e // pixel x-1 of row b is complete
				downLeftA = downA + 5*e
				downA = e
			} else if x == PrintWidth {
				errs[PrintWidth] = downLeftA
			}
			if bx := x - 2; bx >= 0 {
				acc := int32(b[bx])<<4 + errs[bx+1] + rightB + 8
				white := (2047 - acc) >> 31
				e := acc>>4 - 255&white
				doneB[bx] = uint8(white)
				rightB = 7 * e
				errs[bx] = downLeftB + 3*e
				downLeftB = downB + 5*e
				downB = e
			}
		}
		errs[PrintWidth] = downLeftB
		packRow(oa, &doneA)
		packRow(ob, &doneB)
	}
}

// atkinson diffuses an eighth of each pixel's error to six neighbours: two to
// the right, three below, one two rows down. Errors are kept in eighths.
func atkinson(out *Bitmap, rows rowReader) {
	var buf, done row
	// Indexed x+1; two extra on the right for x+2.
	e0 := new([PrintWidth + 3]int32)
	e1 := new([PrintWidth + 3]int32)
	e2 := new([PrintWidth + 3]int32)
	for y := range out.Height {
		r := rows(y, &buf)
		for x := range PrintWidth {
			v := int32(r[x]) + (e0[x+1]+4)>>3
			white := (127 - v) >> 31 // -1 when v ≥ 128, else 0
			e := v - 255&white
			done[x] = uint8(white)
			e0[x+2] += e
			e0[x+3] += e
			e1[x] += e
			e1[x+1] += e
			e1[x+2] += e
			e2[x+1] += e
		}
		packRow(outRow(out, y), &done)
		e0, e1, e2 = e1, e2, e0
		clear(e2[:])
	}
}
