package codec

import (
	"image"
	"image/draw"

	xdraw "golang.org/x/image/draw"
)

// ScaledHeight is the height of a width×height picture scaled to toWidth
// pixels wide keeping its aspect ratio: rounded to the nearest row, and at
// least one. width must be above 0.
func ScaledHeight(width, height, toWidth int) int {
	return max(int((int64(height)*int64(toWidth)+int64(width)/2)/int64(width)), 1)
}

// ScaleToWidth is img scaled to w pixels wide keeping its aspect ratio (its
// height is ScaledHeight's) with Catmull-Rom resampling, on white paper:
// what is transparent in img is white. A picture already w pixels wide is
// only put on the paper. At most MaxRows rows are made: of a picture that
// would be taller, only the part that lands in them is scaled. An empty
// img, or a w below 1, gives an empty picture.
func ScaleToWidth(img image.Image, w int) *image.RGBA {
	src := img.Bounds()
	if src.Empty() || w < 1 {
		return image.NewRGBA(image.Rectangle{})
	}
	h := ScaledHeight(src.Dx(), src.Dy(), w)
	if h > MaxRows {
		// Scale only the part of the source that lands in the first MaxRows.
		src.Max.Y = src.Min.Y + int((int64(MaxRows)*int64(src.Dx())+int64(w)-1)/int64(w))
		h = MaxRows
	}
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(dst, dst.Bounds(), image.White, image.Point{}, draw.Src)
	if src.Dx() == w {
		draw.Draw(dst, dst.Bounds(), img, src.Min, draw.Over)
	} else {
		xdraw.CatmullRom.Scale(dst, dst.Bounds(), img, src, xdraw.Over, nil)
	}
	return dst
}
