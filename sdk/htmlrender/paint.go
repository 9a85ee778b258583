package htmlrender

import (
	"image"
	"image/draw"

	xdraw "golang.org/x/image/draw"

	"paperboy/codec"
)

// paint draws the items on a picture Width wide and height tall, of the
// paper's level bg: every pixel 0 or 255.
func paint(items []item, height int, bg uint8) *image.Gray {
	img := image.NewGray(image.Rect(0, 0, Width, height))
	if bg != 0 {
		fill(img.Pix, bg)
	}
	for i := range items {
		it := &items[i]
		switch it.kind {
		case iFill:
			fillRect(img, it.x, it.y, it.w, it.h, it.level)
		case iText:
			drawText(img, it)
		case iDisc, iCircle:
			drawDisc(img, it)
		case iImage:
			drawImage(img, it)
		}
	}
	return img
}

// fill sets every byte of p to v, doubling what is done with each copy.
func fill(p []byte, v byte) {
	if len(p) == 0 {
		return
	}
	p[0] = v
	for n := 1; n < len(p); n *= 2 {
		copy(p[n:], p[:n])
	}
}

// clip is the part of the rectangle at (x, y), w × h, on img.
func clip(img *image.Gray, x, y, w, h int) image.Rectangle {
	return image.Rect(x, y, x+max(w, 0), y+max(h, 0)).Intersect(img.Rect)
}

func fillRect(img *image.Gray, x, y, w, h int, level uint8) {
	r := clip(img, x, y, w, h)
	for row := r.Min.Y; row < r.Max.Y; row++ {
		p := img.Pix[row*img.Stride+r.Min.X : row*img.Stride+r.Max.X]
		for i := range p {
			p[i] = level
		}
	}
}

// drawText draws a run of glyphs 1-bit, each at a whole pixel.
func drawText(img *image.Gray, it *item) {
	x := it.x
	for _, c := range it.text {
		if x >= Width {
			return
		}
		g := glyphOf(it.font, c)
		if len(g.bits) > 0 {
			gx, gy := x+g.rect.Min.X, it.y+g.rect.Min.Y
			gw := g.rect.Dx()
			r := clip(img, gx, gy, gw, g.rect.Dy())
			for py := r.Min.Y; py < r.Max.Y; py++ {
				bits := g.bits[(py-gy)*gw:]
				row := img.Pix[py*img.Stride:]
				for px := r.Min.X; px < r.Max.X; px++ {
					if bits[px-gx] {
						row[px] = it.level
					}
				}
			}
		}
		x += g.adv + it.ls
	}
}

// drawDisc draws a list bullet: a filled circle, or a ring.
func drawDisc(img *image.Gray, it *item) {
	d := it.w
	r2 := float64(d*d) / 4
	inner := (float64(d)/2 - 1) * (float64(d)/2 - 1)
	for py := range d {
		for px := range d {
			dx, dy := float64(px)+0.5-float64(d)/2, float64(py)+0.5-float64(d)/2
			dist := dx*dx + dy*dy
			if dist > r2+0.5 || it.kind == iCircle && dist < inner {
				continue
			}
			x, y := it.x+px, it.y+py
			if image.Pt(x, y).In(img.Rect) {
				img.Pix[y*img.Stride+x] = it.level
			}
		}
	}
}

// drawImage scales a picture to its box and prints it as BERG did:
// dithered (Floyd–Steinberg) for <img class="dither">, else thresholded
// at half, both by codec.Rasterize. The picture is rasterised on its own,
// on white, from its top, so its dots do not depend on where it lies.
func drawImage(img *image.Gray, it *item) {
	if it.img == nil || it.img.pic == nil || it.img.pic.img == nil || it.w <= 0 || it.h <= 0 {
		return
	}
	vis := clip(img, it.x, it.y, it.w, it.h)
	if vis.Empty() {
		return
	}
	src := it.img.pic.img
	w := min(it.w, Width)
	rows := vis.Max.Y - it.y // from the picture's top to its last row on the page
	dst := image.NewRGBA(image.Rect(0, 0, Width, rows))
	fill(dst.Pix, 0xff)
	dr := image.Rect(0, 0, w, it.h)
	if src.Bounds().Dx() == w && src.Bounds().Dy() == it.h {
		draw.Draw(dst, dr, src, src.Bounds().Min, draw.Over)
	} else {
		xdraw.CatmullRom.Scale(dst, dr, src, src.Bounds(), xdraw.Over, nil)
	}
	mode := codec.Threshold
	if it.img.dither {
		mode = codec.FloydSteinberg
	}
	bm := codec.Rasterize(dst, mode)
	for y := vis.Min.Y; y < vis.Max.Y; y++ {
		row := img.Pix[y*img.Stride:]
		for x := vis.Min.X; x < vis.Max.X; x++ {
			if bm.Black(x-it.x, y-it.y) {
				row[x] = 0
			} else {
				row[x] = 0xff
			}
		}
	}
}
