package codec

import (
	"image"
	"image/color"
	"math"
	"math/rand/v2"
)

// photo makes a deterministic picture with what dithering finds hard in a
// photo: smooth gradients, a bright disc with a soft edge, fine texture and
// sensor noise.
func photo(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	r := rand.New(rand.NewPCG(42, 7))
	for y := range h {
		for x := range w {
			fx, fy := float64(x)/float64(w), float64(y)/float64(h)
			v := 40 + 150*fy + 30*math.Sin(fx*12)*math.Cos(fy*9)
			d := math.Hypot(fx-0.6, (fy-0.35)*float64(h)/float64(w))
			v += 120 / (1 + math.Exp((d-0.18)*40))
			v += 12 * math.Sin(float64(x)*0.9) * math.Sin(float64(y)*0.7)
			v += r.NormFloat64() * 8
			g := uint8(max(0, min(255, v)))
			img.SetRGBA(x, y, color.RGBA{g, uint8(max(0, min(255, v*0.9))), uint8(max(0, min(255, v*0.8))), 255})
		}
	}
	return img
}
