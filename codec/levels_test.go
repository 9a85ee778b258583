package codec

import (
	"image"
	"image/color"
	"math/rand/v2"
	"testing"
)

// TestLuma: Luma gives the levels the dithers see, for every kind of picture
// and any width.
func TestLuma(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, kind := range []string{"gray", "rgba", "nrgba", "ycbcr", "paletted"} {
		for _, sz := range []image.Point{{PrintWidth, 9}, {1, 1}, {7, 3}, {200, 33}, {500, 21}} {
			img := randomPicture(r, kind, sz.X, sz.Y)
			got, want := Luma(img), referenceLevels(img, levelLuma)
			if got.Bounds() != want.Bounds() {
				t.Fatalf("%s %v: a picture of %v, want %v", kind, sz, got.Bounds(), want.Bounds())
			}
			for i := range want.Pix {
				if got.Pix[i] != want.Pix[i] {
					t.Errorf("%s %v: pixel %d is %d, want %d", kind, sz, i, got.Pix[i], want.Pix[i])
					break
				}
			}
		}
	}
}

func TestLuma_Colours(t *testing.T) {
	tests := []struct {
		name string
		c    color.Color
		want uint8
	}{
		{"white", color.White, 255},
		{"black", color.Black, 0},
		{"grey keeps its level", color.Gray{100}, 100},
		{"red", color.RGBA{255, 0, 0, 255}, 77},
		{"green", color.RGBA{0, 255, 0, 255}, 149}, // 150·255/256, rounded
		{"blue", color.RGBA{0, 0, 255, 255}, 29},
		{"transparent is white", color.Transparent, 255},
		{"half-transparent black", color.NRGBA{0, 0, 0, 128}, 127},
		{"a colour", color.RGBA{20, 20, 60, 255}, 25},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, img := range []image.Image{image.NewNRGBA(image.Rect(0, 0, 3, 1)), image.NewRGBA(image.Rect(0, 0, 3, 1))} {
				img.(settable).Set(1, 0, tt.c)
				if got := Luma(img).GrayAt(1, 0).Y; got != tt.want {
					t.Errorf("%T: %d, want %d", img, got, tt.want)
				}
			}
		})
	}
}

// TestYCbCrMax checks the shortcut of ycbcrMaxRow against color.YCbCrToRGB
// for every colour.
func TestYCbCrMax(t *testing.T) {
	for cb := range 256 {
		for cr := range 256 {
			d := chromaMax(uint8(cb), uint8(cr))
			for y := range 256 {
				r, g, b := color.YCbCrToRGB(uint8(y), uint8(cb), uint8(cr))
				if got, want := ycbcrMax(uint8(y), d), max(r, g, b); got != want {
					t.Fatalf("Y=%d Cb=%d Cr=%d: %d, want %d", y, cb, cr, got, want)
				}
			}
		}
	}
}
