package sdk

import (
	"errors"
	"fmt"
	"image"

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
// white where it is transparent, in grey: codec's scaler and luma.
func scaleToWidth(src image.Image, w int) (*image.Gray, error) {
	b := src.Bounds()
	if b.Dx() <= 0 || b.Dy() <= 0 {
		return nil, errors.New("the picture is empty")
	}
	if h := codec.ScaledHeight(b.Dx(), b.Dy(), w); h > MaxHeight {
		return nil, fmt.Errorf("%w: the picture is %d pixels tall at the print's width", ErrTooTall, h)
	}
	if _, ok := src.(*image.Gray); ok && b.Dx() == w {
		return codec.Luma(src), nil // grey and as wide already: a copy
	}
	return codec.Luma(codec.ScaleToWidth(src, w)), nil
}
