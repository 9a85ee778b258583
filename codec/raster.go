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
	return uint8((77*r + 150*g + 29*b + 128) >> 8) // weights of 256ths, as rgbaLevels has them
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
	// Two pixels a word (r0 g0 b0 a0 r1 g1 b1 a1, low byte first). The red
	// and blue bytes, and the green and alpha ones, are spread into 16-bit
	// lanes; two multiplications then leave 77r + 150g + 29b of each pixel in
	// bits 16–31 and 48–63, with the other products in lanes that never carry
	// into them (each field stays below 2¹⁶). Onto white adds (255-a)·256.
	const (
		bytes02 = 0x00FF00FF_00FF00FF
		alphas  = 0xFF000000_FF000000
		rb      = 77<<16 | 29 // red to the upper lane, blue to it from below
		g       = 150 << 16
		round   = 128<<16 | 128<<48
	)
	for x := 0; x < len(dst); x += 2 {
		v := binary.LittleEndian.Uint64(p[4*x:])
		sum := (v&bytes02)*rb + (v>>8&bytes02)*g + (alphas - v&alphas) + round
		dst[x] = uint8(sum >> 24)
		dst[x+1] = uint8(sum >> 56)
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
// two chains side by side.
func floydSteinberg(out *Bitmap, rows rowReader) {
	var bufA, bufB, doneA, doneB row // levels in; 0 or 255 out
	// errs[p+1] is the error for pixel p: of the row about to be read, or,
	// once written back, of the row below it. A row overwrites errs[p] only
	// after it read it, and the trailing row stays behind the leading one.
	errs := new([PrintWidth + 1]int32)
	for y := 0; y < out.Height; y += 2 {
		a, oa := rows(y, &bufA), outRow(out, y)
		// With an odd height the last row is paired with a spare one whose
		// output is thrown away.
		b, ob := &bufB, new([rowBytes]byte)
		if y+1 < out.Height {
			b, ob = rows(y+1, &bufB), outRow(out, y+1)
		}
		var sa, sb fsState
		sa, doneA[0], errs[0] = sa.step(a[0], errs[1])
		sa, doneA[1], errs[1] = sa.step(a[1], errs[2])
		for x := 2; x < PrintWidth; x++ {
			sa, doneA[x], errs[x] = sa.step(a[x], errs[x+1])
			sb, doneB[x-2], errs[x-2] = sb.step(b[x-2], errs[x-1])
		}
		errs[PrintWidth] = sa.downLeft
		sb, doneB[PrintWidth-2], errs[PrintWidth-2] = sb.step(b[PrintWidth-2], errs[PrintWidth-1])
		sb, doneB[PrintWidth-1], errs[PrintWidth-1] = sb.step(b[PrintWidth-1], errs[PrintWidth])
		errs[PrintWidth] = sb.downLeft
		packRow(oa, &doneA)
		packRow(ob, &doneB)
	}
}

// fsState is the error a row still owes its neighbours, in sixteenths:
// right to the next pixel of the row; downLeft and down to pixels x-1 and x
// of the row below.
type fsState struct{ right, downLeft, down int32 }

// step makes the pixel of the given level, with the error above from the
// row over it, white (255) or black (0). It returns the state for the next
// pixel and the now complete error for pixel x-1 of the row below. It is
// small enough to be inlined, and the state is passed by value so it stays
// in registers: this is the hot path of every photo.
func (s fsState) step(level uint8, above int32) (fsState, uint8, int32) {
	acc := int32(level)<<4 + above + s.right + 8
	// Branch-free: a dithered photo is noise to a branch predictor.
	white := (2047 - acc) >> 31 // -1 when the level is 128 or more, else 0
	e := acc>>4 - 255&white
	return fsState{right: 7 * e, downLeft: s.down + 5*e, down: e}, uint8(white), s.downLeft + 3*e
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
