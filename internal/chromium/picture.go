package chromium

import (
	"image"

	"paperboy/codec"
	"paperboy/sdk/htmlrender"
)

// picture makes the print of a page's screenshot, height rows of it, as
// BERG's renderer did: Floyd–Steinberg inside dither (the boxes of
// <img class="dither">), a threshold at 50 % everywhere else; 0 or 255
// each pixel, htmlrender.Width wide. A screenshot of another size is cut,
// or padded with white.
func picture(shot image.Image, height int, dither []image.Rectangle) *image.Gray {
	luma := image.NewGray(image.Rect(0, 0, htmlrender.Width, height))
	for i := range luma.Pix {
		luma.Pix[i] = 0xFF
	}
	src := codec.Luma(shot)
	for y := range min(height, src.Rect.Dy()) {
		copy(luma.Pix[y*luma.Stride:][:htmlrender.Width], src.Pix[y*src.Stride:][:src.Rect.Dx()])
	}
	out := image.NewGray(luma.Rect)
	paint(out, codec.Rasterize(luma, codec.Threshold), luma.Rect)
	for _, r := range dither {
		r = r.Intersect(luma.Rect)
		if r.Empty() {
			continue
		}
		// The box alone, on white, so that no error crosses its edges
		// (white has none to spread).
		box := image.NewGray(image.Rect(0, 0, htmlrender.Width, r.Dy()))
		for i := range box.Pix {
			box.Pix[i] = 0xFF
		}
		for y := range r.Dy() {
			row := (r.Min.Y + y) * luma.Stride
			copy(box.Pix[y*box.Stride+r.Min.X:][:r.Dx()], luma.Pix[row+r.Min.X:][:r.Dx()])
		}
		paint(out, codec.Rasterize(box, codec.FloydSteinberg), r)
	}
	return out
}

// paint copies the part r of dst from the print b, whose first row is r's.
func paint(dst *image.Gray, b *codec.Bitmap, r image.Rectangle) {
	for y := range r.Dy() {
		row := dst.Pix[(r.Min.Y+y)*dst.Stride:]
		for x := r.Min.X; x < r.Max.X; x++ {
			if b.Black(x, y) {
				row[x] = 0
			} else {
				row[x] = 0xFF
			}
		}
	}
}
