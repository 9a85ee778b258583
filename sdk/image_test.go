package sdk_test

import (
	"image"
	"image/color"
	"testing"

	"paperboy/sdk"
)

func TestShrink(t *testing.T) {
	// Black and white columns, two pixels wide each.
	stripes := func(r image.Rectangle) *image.Gray {
		img := image.NewGray(r)
		for y := r.Min.Y; y < r.Max.Y; y++ {
			for x := r.Min.X; x < r.Max.X; x++ {
				if (x-r.Min.X)/2%2 == 1 {
					img.SetGray(x, y, color.Gray{255})
				}
			}
		}
		return img
	}
	transparent := image.NewNRGBA(image.Rect(0, 0, 40, 10))
	tests := []struct {
		name string
		img  image.Image
		w    int
		size image.Point
		grey uint8 // of every pixel
	}{
		{"shrunk: stripes average to grey", stripes(image.Rect(0, 0, 400, 100)), 100, image.Pt(100, 25), 128},
		{"an offset origin", stripes(image.Rect(3, 5, 403, 105)), 100, image.Pt(100, 25), 128},
		{"the height rounded as an ImageBlock's", stripes(image.Rect(0, 0, 400, 102)), 100, image.Pt(100, 26), 128},
		{"transparent is white paper", transparent, 20, image.Pt(20, 5), 255},
		{"narrower: kept at its size", transparent, 60, image.Pt(40, 10), 255},
		{"no width: kept at its size", transparent, 0, image.Pt(40, 10), 255},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := sdk.Shrink(tt.img, tt.w)
			if b := got.Bounds(); b.Min != (image.Point{}) || b.Size() != tt.size {
				t.Fatalf("a picture of %v, want %v from (0, 0)", b, tt.size)
			}
			for i, v := range got.Pix {
				if v != tt.grey {
					t.Fatalf("pixel %d is %d, want %d", i, v, tt.grey)
				}
			}
		})
	}
}
