package codec

import (
	"image"
	"image/color"
	"testing"
)

func TestScaledHeight(t *testing.T) {
	tests := []struct {
		name                   string
		width, height, toWidth int
		want                   int
	}{
		{"the same width", 384, 100, 384, 100},
		{"half as wide", 768, 101, 384, 51}, // 50.5 rounds up
		{"twice as wide", 192, 10, 384, 20},
		{"a third", 300, 200, 100, 67}, // 66.7
		{"rounds down", 300, 100, 100, 33},
		{"never below one row", 4000, 3, 384, 1},
		{"one pixel", 1, 1, 384, 384},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ScaledHeight(tt.width, tt.height, tt.toWidth); got != tt.want {
				t.Fatalf("ScaledHeight(%d, %d, %d) = %d, want %d", tt.width, tt.height, tt.toWidth, got, tt.want)
			}
		})
	}
}

func TestScaleToWidth(t *testing.T) {
	tests := []struct {
		name string
		src  image.Rectangle
		w    int
		size image.Point
	}{
		{"scaled down", image.Rect(0, 0, 768, 100), 384, image.Pt(384, 50)},
		{"scaled up", image.Rect(0, 0, 100, 10), 384, image.Pt(384, 38)},
		{"to another width", image.Rect(0, 0, 300, 200), 100, image.Pt(100, 67)},
		{"an offset origin", image.Rect(7, 9, 207, 109), 100, image.Pt(100, 50)},
		{"the same width", image.Rect(3, 4, 200, 60), 197, image.Pt(197, 56)},
		{"cut at MaxRows", image.Rect(0, 0, 192, 6000), 384, image.Pt(384, MaxRows)},
		{"empty", image.Rect(0, 0, 0, 10), 384, image.Pt(0, 0)},
		{"no width", image.Rect(0, 0, 10, 10), 0, image.Pt(0, 0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Transparent on the left half, opaque grey on the right.
			src := image.NewNRGBA(tt.src)
			for y := tt.src.Min.Y; y < tt.src.Max.Y; y++ {
				for x := tt.src.Min.X + tt.src.Dx()/2; x < tt.src.Max.X; x++ {
					src.SetNRGBA(x, y, color.NRGBA{90, 90, 90, 255})
				}
			}
			got := ScaleToWidth(src, tt.w)
			if b := got.Bounds(); b.Min != (image.Point{}) || b.Size() != tt.size {
				t.Fatalf("a picture of %v, want %v from (0, 0)", b, tt.size)
			}
			if tt.size.X == 0 {
				return
			}
			// Away from the edge between the halves: white paper, and the grey.
			mid := tt.size.Y / 2
			if c := got.RGBAAt(0, mid); c != (color.RGBA{255, 255, 255, 255}) {
				t.Errorf("the transparent half is %v, want white", c)
			}
			if c := got.RGBAAt(tt.size.X-1, mid); c != (color.RGBA{90, 90, 90, 255}) {
				t.Errorf("the grey half is %v, want its grey", c)
			}
		})
	}
}

// TestScaleToWidth_SameWidthIsACopy: a picture already as wide is put on the
// paper as it is, pixel for pixel.
func TestScaleToWidth_SameWidthIsACopy(t *testing.T) {
	src := image.NewRGBA(image.Rect(0, 0, 50, 20))
	for i := range src.Pix {
		src.Pix[i] = uint8(i * 31)
	}
	for i := 3; i < len(src.Pix); i += 4 {
		src.Pix[i] = 255 // opaque
	}
	got := ScaleToWidth(src, 50)
	for i := range src.Pix {
		if got.Pix[i] != src.Pix[i] {
			t.Fatalf("byte %d is %d, want %d", i, got.Pix[i], src.Pix[i])
		}
	}
}
