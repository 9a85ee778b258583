package sdk

import (
	"errors"
	"fmt"
	"image"
	"image/draw"

	xdraw "golang.org/x/image/draw"

	"paperboy/codec"
)

// DecodeImage reads a PNG, JPEG or GIF picture, such as one a publication
// fetched, refusing pictures too large to be sensible: more than 50
// megapixels, or more than 96 MB of memory once decoded (a 16-bit PNG of
// 12 megapixels). Its errors say so in words a reader understands.
func DecodeImage(data []byte) (image.Image, error) { return codec.DecodeImage(data) }

// picture scales an image block to its width and dithers it.
func picture(b ImageBlock) (*image.Gray, error) {
	if b.Image == nil {
		return nil, errors.New("an image block without an image")
	}
	w := b.Width
	if w <= 0 || w > Width {
		w = Width
	}
	scaled, err := scaleToWidth(b.Image, w)
	if err != nil {
		return nil, err
	}
	canvas := blank(scaled.Bounds().Dy())
	x := (Width - w) / 2
	paste(canvas, scaled, x, 0)
	bm := codec.Rasterize(canvas, codec.FloydSteinberg)
	out := blank(bm.Height)
	for y := range bm.Height {
		for x := range Width {
			if bm.Black(x, y) {
				out.Pix[y*out.Stride+x] = 0
			}
		}
	}
	return out, nil
}

// scaleToWidth scales a picture to w pixels wide keeping its aspect, on
// white where it is transparent, in grey.
func scaleToWidth(src image.Image, w int) (*image.Gray, error) {
	b := src.Bounds()
	if b.Dx() <= 0 || b.Dy() <= 0 {
		return nil, errors.New("the picture is empty")
	}
	h := int((int64(b.Dy())*int64(w) + int64(b.Dx())/2) / int64(b.Dx()))
	h = max(h, 1)
	if h > MaxHeight {
		return nil, fmt.Errorf("%w: the picture is %d pixels tall at the print's width", ErrTooTall, h)
	}
	out := image.NewGray(image.Rect(0, 0, w, h))
	if g, ok := src.(*image.Gray); ok && b.Dx() == w && b.Dy() == h {
		paste(out, g.SubImage(b).(*image.Gray), 0, 0)
		return out, nil
	}
	// Scaled onto white paper in RGBA, which x/image/draw has fast paths
	// for, then to grey.
	rgba := image.NewRGBA(image.Rect(0, 0, w, h))
	fill(rgba.Pix, 0xff)
	if b.Dx() == w && b.Dy() == h {
		draw.Draw(rgba, rgba.Bounds(), src, b.Min, draw.Over)
	} else {
		xdraw.CatmullRom.Scale(rgba, rgba.Bounds(), src, b, draw.Over, nil)
	}
	for i := range out.Pix {
		p := rgba.Pix[4*i : 4*i+3 : 4*i+3]
		out.Pix[i] = uint8((19595*uint32(p[0]) + 38470*uint32(p[1]) + 7471*uint32(p[2]) + 1<<15) >> 16)
	}
	return out, nil
}
