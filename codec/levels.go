package codec

import (
	"encoding/binary"
	"image"
	"image/color"
)

// Luma is img as a grey picture of its size, from (0, 0): the brightness of
// each pixel on white paper (what is transparent is white), 0 black to 255
// white, as the dithers see it. A colour's is 77R + 150G + 29B in 256ths,
// rounded (ITU-R BT.601's weights in eight bits); a JPEG's is its own Y.
func Luma(img image.Image) *image.Gray {
	b := img.Bounds()
	out := image.NewGray(image.Rect(0, 0, b.Dx(), b.Dy()))
	if b.Empty() {
		return out
	}
	levels := newLevelReader(img, b, levelLuma)
	for y := range b.Dy() {
		dst := out.Pix[y*out.Stride:][:b.Dx()]
		if got := levels(y, dst); &got[0] != &dst[0] {
			copy(dst, got)
		}
	}
	return out
}

// levelMode says what one 8-bit level per pixel means.
type levelMode uint8

const (
	levelMax  levelMode = iota // the largest of R, G, B: the threshold rule is level > 127
	levelLuma                  // the brightness, for dithering
)

// row is one row of levels of a print, one byte a pixel.
type row = [PrintWidth]uint8

// levelReader gives row y (counted from 0) of a picture's levels, composited
// onto white: the picture's own memory where it already holds them, else buf
// (as long as the picture is wide), filled. Callers never write to the row
// they get.
type levelReader func(y int, buf []uint8) []uint8

// level turns an opaque 8-bit colour into a level.
func level(mode levelMode, r, g, b uint32) uint8 {
	if mode == levelMax {
		return uint8(max(r, g, b))
	}
	return uint8((77*r + 150*g + 29*b + 128) >> 8) // Luma's weights; luma2 has them too
}

// newLevelReader reads the levels of the part src of img. It picks a fast
// path for the image types the decoders return, and a general one for any
// other.
func newLevelReader(img image.Image, src image.Rectangle, mode levelMode) levelReader {
	x0, y0, w := src.Min.X, src.Min.Y, src.Dx()
	switch m := img.(type) {
	case *image.Gray:
		return func(y int, _ []uint8) []uint8 {
			i := m.PixOffset(x0, y0+y)
			return m.Pix[i : i+w : i+w]
		}
	case *image.RGBA:
		return func(y int, buf []uint8) []uint8 {
			i := m.PixOffset(x0, y0+y)
			p := m.Pix[i : i+4*w]
			buf = buf[:w]
			if w == PrintWidth { // a print's row, the fast way
				rgbaLevels((*row)(buf), (*[4 * PrintWidth]uint8)(p), mode)
				return buf
			}
			for x := range buf {
				q := p[4*x : 4*x+4 : 4*x+4]
				white := 255 - uint32(q[3]) // premultiplied: onto white adds it
				buf[x] = level(mode, uint32(q[0])+white, uint32(q[1])+white, uint32(q[2])+white)
			}
			return buf
		}
	case *image.NRGBA:
		return func(y int, buf []uint8) []uint8 {
			i := m.PixOffset(x0, y0+y)
			p := m.Pix[i : i+4*w]
			buf = buf[:w]
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
		return func(y int, buf []uint8) []uint8 {
			if mode == levelLuma {
				i := m.YOffset(x0, y0+y)
				return m.Y[i : i+w : i+w]
			}
			buf = buf[:w]
			ys := m.Y[m.YOffset(x0, y0+y):]
			if x0 < 0 {
				// COffset divides with truncation, so a chroma sample
				// can cover other pixels left of x = 0 than a shift
				// says; follow it pixel by pixel, as At does.
				for x := range buf {
					c := m.COffset(x0+x, y0+y)
					buf[x] = ycbcrMax(ys[x], chromaMax(m.Cb[c], m.Cr[c]))
				}
				return buf
			}
			c := m.COffset(x0, y0+y)
			ycbcrMaxRow(buf, ys, m.Cb[c:], m.Cr[c:], x0&(1<<hShift-1), hShift)
			return buf
		}
	case *image.Paletted:
		var lut [256]uint8
		for i, c := range m.Palette {
			lut[i] = levelOf(mode, c)
		}
		return func(y int, buf []uint8) []uint8 {
			i := m.PixOffset(x0, y0+y)
			buf = buf[:w]
			if w == PrintWidth {
				paletteLevels((*row)(buf), (*row)(m.Pix[i:]), &lut)
				return buf
			}
			for x, c := range m.Pix[i : i+w] {
				buf[x] = lut[c]
			}
			return buf
		}
	}
	return func(y int, buf []uint8) []uint8 {
		buf = buf[:w]
		for x := range buf {
			buf[x] = levelOf(mode, img.At(x0+x, y0+y))
		}
		return buf
	}
}

// paletteLevels looks up a print's row of palette indices in lut, eight
// pixels a round, so that the loop's own steps are an eighth of the work.
func paletteLevels(dst, pix *row, lut *[256]uint8) {
	for x := 0; x < PrintWidth; x += 8 {
		d, p := (*[8]uint8)(dst[x:]), (*[8]uint8)(pix[x:])
		d[0], d[1], d[2], d[3] = lut[p[0]], lut[p[1]], lut[p[2]], lut[p[3]]
		d[4], d[5], d[6], d[7] = lut[p[4]], lut[p[5]], lut[p[6]], lut[p[7]]
	}
}

// ycbcrMaxRow fills dst with the largest of R, G and B of a row of YCbCr
// pixels: their Y from ys, and the chroma samples cb and cr, each for 1<<h
// pixels across, the first for the pixels before phase too.
//
// It gives what color.YCbCrToRGB gives without working out each colour
// (TestYCbCrMax checks every one). That function makes R, G and B in 16ths
// of 16 bits as Y·0x10101 plus a term of the chroma alone, then shifts each
// by 16 and clamps it to 0–255. Shifting and clamping keep order, so the
// largest of the three is the largest of the three chroma terms, worked out
// once a chroma sample, added to Y·0x10101, shifted and clamped. That sum is
// never negative (of the three terms, R's is not when Cr ≥ 128, B's when
// Cb ≥ 128, and G's when both are below), so only 255 clamps it.
func ycbcrMaxRow(dst, ys, cb, cr []uint8, phase, h int) {
	if len(dst) == PrintWidth && h == 1 && phase == 0 { // 4:2:0 and 4:2:2, as JPEGs are
		ycbcrMaxPairs((*row)(dst), (*row)(ys), (*[PrintWidth / 2]uint8)(cb), (*[PrintWidth / 2]uint8)(cr))
		return
	}
	ys = ys[:len(dst)]
	for x := range dst {
		j := (phase + x) >> h
		dst[x] = ycbcrMax(ys[x], chromaMax(cb[j], cr[j]))
	}
}

// ycbcrMaxPairs is ycbcrMaxRow for a print's row with a chroma sample for
// each two pixels.
func ycbcrMaxPairs(dst, ys *row, cb, cr *[PrintWidth / 2]uint8) {
	_, _, _, _ = dst[0], ys[0], cb[0], cr[0] // nil checks once, not in the loop
	for j := range cb {
		d := chromaMax(cb[j], cr[j])
		dst[2*j], dst[2*j+1] = ycbcrMax(ys[2*j], d), ycbcrMax(ys[2*j+1], d)
	}
}

// chromaMax is the largest of the chroma terms of R, G and B in
// color.YCbCrToRGB, from tables to spare the multiplications.
func chromaMax(cb, cr uint8) int32 {
	return max(ycbcrR[cr], ycbcrGb[cb]+ycbcrGr[cr], ycbcrB[cb])
}

// ycbcrMax is the largest of R, G and B of a pixel with luma y, d its
// chromaMax: shifted and clamped as color.YCbCrToRGB does.
func ycbcrMax(y uint8, d int32) uint8 {
	return uint8(min((ycbcrY[y]+d)>>16, 255))
}

// color.YCbCrToRGB's terms for each value of a byte: of Y; of Cr in R and
// G; of Cb in G and B.
var ycbcrY, ycbcrR, ycbcrGr, ycbcrGb, ycbcrB = func() (y, r, gr, gb, b [256]int32) {
	for v := range 256 {
		c := int32(v) - 128
		y[v], r[v], gr[v], gb[v], b[v] = int32(v)*0x10101, 91881*c, -46802*c, -22554*c, 116130*c
	}
	return
}()

// rgbaLevels turns a row of premultiplied RGBA into levels, onto white: each
// channel c becomes c + 255 - a. One loop per mode keeps the branch out.
func rgbaLevels(dst *row, p *[4 * PrintWidth]uint8, mode levelMode) {
	if mode == levelMax {
		// In 32-bit registers, where max is a conditional move: on bytes
		// it is a branch, which a photo's noise mispredicts.
		for x := range dst {
			q := binary.LittleEndian.Uint32(p[4*x:])
			r, g, b, a := q&0xFF, q>>8&0xFF, q>>16&0xFF, q>>24
			dst[x] = uint8(max(r, g, b) + 255 - a)
		}
		return
	}
	// Eight pixels a round, so that the bounds are checked once for them.
	for x := 0; x < len(dst); x += 8 {
		q, d := (*[32]uint8)(p[4*x:]), (*[8]uint8)(dst[x:])
		d[0], d[1] = luma2(binary.LittleEndian.Uint64(q[0:]))
		d[2], d[3] = luma2(binary.LittleEndian.Uint64(q[8:]))
		d[4], d[5] = luma2(binary.LittleEndian.Uint64(q[16:]))
		d[6], d[7] = luma2(binary.LittleEndian.Uint64(q[24:]))
	}
}

// luma2 gives the levels of two premultiplied RGBA pixels onto white, in a
// word (r0 g0 b0 a0 r1 g1 b1 a1, low byte first). The red and blue bytes, and
// the green and alpha ones, are spread into 16-bit lanes; two
// multiplications then leave 77r + 150g + 29b of each pixel in bits 16–31 and
// 48–63, with the other products in lanes that never carry into them (each
// field stays below 2¹⁶). Onto white adds (255-a)·256.
func luma2(v uint64) (uint8, uint8) {
	const (
		bytes02 = 0x00FF00FF_00FF00FF
		alphas  = 0xFF000000_FF000000
		rb      = 77<<16 | 29 // red to the upper lane, blue to it from below
		g       = 150 << 16
		round   = 128<<16 | 128<<48
	)
	sum := (v&bytes02)*rb + (v>>8&bytes02)*g + (alphas - v&alphas) + round
	return uint8(sum >> 24), uint8(sum >> 56)
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
