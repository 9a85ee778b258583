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

// Shrink is a picture in grey as it looks on white paper (what is
// transparent is white), at most w pixels wide: a wider one is shrunk to w,
// each new pixel the average of the ones it covers, and its height rounded
// as an ImageBlock rounds it; one w pixels wide or narrower keeps its size.
// It is for a publication that works on a picture's grey levels before it
// prints it in an ImageBlock of width w, which then prints it as it is (an
// ImageBlock scales with a filter, sharper but less smooth than an
// average). Its grey levels are the ones an ImageBlock dithers. A w below
// 1 keeps any picture at its size.
func Shrink(img image.Image, w int) *image.Gray {
	b := img.Bounds()
	dx, dy := b.Dx(), b.Dy()
	if dx <= w || dy <= 0 || w < 1 {
		return codec.Luma(img)
	}
	g, ok := img.(*image.Gray) // read in place
	if !ok {
		g = codec.Luma(img)
	}
	h := codec.ScaledHeight(dx, dy, w)
	// Each source pixel covers 1/sx of a pixel of the result across, 1/sy
	// down: the sums below are by area.
	sx, sy := float64(dx)/float64(w), float64(dy)/float64(h)
	sum := make([]float32, w*h)
	across := make([]float32, w)
	for y := range dy {
		clear(across)
		row := g.Pix[g.PixOffset(g.Rect.Min.X, g.Rect.Min.Y+y):][:dx]
		for x, v := range row {
			spread(float64(x)/sx, float64(x+1)/sx, w, func(i int, f float32) { across[i] += f * float32(v) })
		}
		spread(float64(y)/sy, float64(y+1)/sy, h, func(j int, f float32) {
			line := sum[j*w : (j+1)*w]
			for i, v := range across {
				line[i] += f * v
			}
		})
	}
	out := image.NewGray(image.Rect(0, 0, w, h))
	for i, v := range sum {
		out.Pix[i] = uint8(min(max(v, 0), 255) + 0.5)
	}
	return out
}

// spread shares the span [a, b) of pixels of a row of n (b-a at most 1)
// between the one or two pixels it falls in, by how much of each it covers.
func spread(a, b float64, n int, add func(i int, f float32)) {
	i := int(a)
	if i >= n {
		return
	}
	if edge := float64(i + 1); b > edge && i+1 < n {
		add(i, float32(edge-a))
		add(i+1, float32(b-edge))
		return
	}
	add(i, float32(b-a))
}
