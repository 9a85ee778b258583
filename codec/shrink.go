package codec

import (
	"image"
	"image/draw"
)

// DecodePrintImage reads an uploaded picture as DecodeImage does, refusing
// the same pictures, and makes it the picture a print needs: upright, on
// white paper (nothing transparent is left), at most PrintWidth pixels wide
// (a wider one is shrunk, each new pixel the average of the ones it
// covers; a narrower one keeps its size), and cut to the rows that print
// in MaxRows once it is PrintWidth wide, as Rasterize cuts. The decoded
// picture is dropped on return: only the small one is kept, and the
// memory it all takes is info.PrintBytes() for its InspectImage info.
func DecodePrintImage(data []byte) (*image.RGBA, error) {
	info, err := InspectImage(data)
	if err != nil {
		return nil, err
	}
	img, err := decodeInspected(data, info)
	if err != nil {
		return nil, err
	}
	return shrink(img, info.Orientation), nil
}

// printSize is the size of the picture DecodePrintImage makes of a w×h
// one with EXIF orientation o, upright, and the rows of the upright
// picture it is made of.
func printSize(w, h, o int) (pw, ph, keep int) {
	if w <= 0 || h <= 0 {
		return 0, 0, 0
	}
	if o >= 5 && o <= 8 {
		w, h = h, w
	}
	keep = min(h, int((int64(MaxRows)*int64(w)+PrintWidth-1)/PrintWidth))
	pw = min(w, PrintWidth)
	return pw, min(ScaledHeight(w, keep, pw), MaxRows), keep
}

// shrinkChunk is how many pixels of a row shrink reads at a time.
const shrinkChunk = 1024

// PrintSize is the size of the picture DecodePrintImage makes of this one.
func (i ImageInfo) PrintSize() (w, h int) {
	w, h, _ = printSize(i.Width, i.Height, i.Orientation)
	return w, h
}

// PrintBytes is the memory DecodePrintImage takes for the picture: the
// decoded picture (Bytes), the small one it makes, and its rows on the
// way.
func (i ImageInfo) PrintBytes() int64 {
	pw, ph := i.PrintSize()
	return i.Bytes + 4*int64(pw)*int64(ph) + 3*4*3*int64(max(pw, ph)) + 4*shrinkChunk
}

// shrink makes the picture DecodePrintImage returns from a decoded one
// stored with EXIF orientation o. It reads the source once, row by row,
// and turns it upright as it writes the small one, so it holds no more
// than the small picture and three rows of it.
func shrink(img image.Image, o int) *image.RGBA {
	b := img.Bounds()
	sw, sh := b.Dx(), b.Dy()
	pw, ph, keep := printSize(sw, sh, o)
	out := image.NewRGBA(image.Rect(0, 0, pw, ph))
	if b.Empty() {
		return out
	}
	// The part of the source that lands in the first keep rows once
	// upright, and the size it shrinks to before it is turned.
	src := b
	switch o {
	case 3, 4:
		src.Min.Y = src.Max.Y - keep
	case 5, 6:
		src.Max.X = src.Min.X + keep
	case 7, 8:
		src.Min.X = src.Max.X - keep
	default:
		src.Max.Y = src.Min.Y + keep
	}
	dw, dh := pw, ph
	if o >= 5 && o <= 8 {
		dw, dh = ph, pw
	}
	sw, sh = src.Dx(), src.Dy()
	// A source pixel x covers [x/sx, (x+1)/sx) of the small picture across,
	// and row y covers [y/sy, (y+1)/sy) down: a span of at most one pixel,
	// shared between the one or two it falls in, by area. The rows below
	// are sums of those shares, so each ends as an average.
	sx, sy := float64(sw)/float64(dw), float64(sh)/float64(dh)
	across := make([]float32, 3*dw)
	rows := [2][]float32{make([]float32, 3*dw), make([]float32, 3*dw)} // small rows j and j+1
	j := 0                                                             // the small row rows[0] is
	chunk := image.NewRGBA(image.Rect(0, 0, min(sw, shrinkChunk), 1))
	emit := func() {
		for x := range dw {
			ux, uy := x, j
			if o > 1 && o <= 8 {
				ux, uy = upright(o, x, j, dw, dh)
			}
			p := out.Pix[out.PixOffset(ux, uy):]
			for c := range 3 {
				p[c] = uint8(min(max(rows[0][3*x+c], 0), 255) + 0.5)
			}
			p[3] = 0xFF
		}
		rows[0], rows[1] = rows[1], rows[0]
		clear(rows[1])
		j++
	}
	for y := range sh {
		clear(across)
		for x0 := 0; x0 < sw; x0 += shrinkChunk {
			n := min(shrinkChunk, sw-x0)
			pix := chunk.Pix[:4*n]
			for i := range pix {
				pix[i] = 0xFF
			}
			// Over white paper: premultiplied, so each channel is then its
			// colour on white.
			draw.Draw(chunk, image.Rect(0, 0, n, 1), img, image.Pt(src.Min.X+x0, src.Min.Y+y), draw.Over)
			for i := range n {
				a := float64(x0+i) / sx
				k := int(a)
				if k >= dw {
					break
				}
				q := pix[4*i : 4*i+3 : 4*i+3]
				r, g, bl := float32(q[0]), float32(q[1]), float32(q[2])
				f := float32(1 / sx)
				if edge := float64(k + 1); a+1/sx > edge && k+1 < dw {
					f = float32(edge - a)
					g2 := float32(1/sx) - f
					t := across[3*(k+1) : 3*(k+1)+3 : 3*(k+1)+3]
					t[0] += g2 * r
					t[1] += g2 * g
					t[2] += g2 * bl
				}
				t := across[3*k : 3*k+3 : 3*k+3]
				t[0] += f * r
				t[1] += f * g
				t[2] += f * bl
			}
		}
		// Row j takes the part of [a, e) above j+1, row j+1 the rest.
		a, e := max(float64(y)/sy, float64(j)), float64(y+1)/sy
		if j >= dh || e <= a {
			continue
		}
		if edge := float64(j + 1); e > edge {
			add(rows[0], across, float32(edge-a))
			if j+1 < dh {
				add(rows[1], across, float32(e-edge))
			}
		} else {
			add(rows[0], across, float32(e-a))
		}
		for j < dh && float64(j+1) <= e+1e-9 {
			emit()
		}
	}
	for j < dh {
		emit()
	}
	return out
}

// add adds f times src to dst.
func add(dst, src []float32, f float32) {
	dst = dst[:len(src)]
	for i, v := range src {
		dst[i] += f * v
	}
}
