//go:build ignore

// gen_icons draws the app's icons, the PNGs phones ask for, from the
// design of web/static/icon.svg: the same shapes in the same 32×32 units,
// each pixel sampled 8×8 times for smooth edges. Run it from this folder
// with go generate (see web_app.go) after changing the design; its output
// is committed.
package main

import (
	"image"
	"image/color"
	"image/png"
	"log"
	"math"
	"os"
)

// The design's colours, as icon.svg has them, and the paper of style.css
// for the icons that need a ground of their own.
var (
	ink   = color.NRGBA{0x22, 0x22, 0x22, 0xff}
	body  = color.NRGBA{0xf4, 0xf1, 0xea, 0xff}
	white = color.NRGBA{0xff, 0xff, 0xff, 0xff}
	paper = color.NRGBA{0xfb, 0xfa, 0xf7, 0xff}
)

func main() {
	icons := []struct {
		file   string
		size   int
		ground color.NRGBA // transparent when zero
		fill   float64     // of the side the design's 26 units tall take
	}{
		{"web/static/icons/icon-192.png", 192, color.NRGBA{}, 0.9},
		{"web/static/icons/icon-512.png", 512, color.NRGBA{}, 0.9},
		// A maskable icon is cut to a circle or a squircle by the phone:
		// the design stays inside the middle 80%, on a ground to the edges.
		{"web/static/icons/icon-maskable-512.png", 512, paper, 0.62},
		// iOS puts a transparent icon on black: this one has its ground.
		{"web/static/icons/apple-touch-icon.png", 180, paper, 0.78},
	}
	for _, ic := range icons {
		if err := write(ic.file, draw(ic.size, ic.ground, ic.fill)); err != nil {
			log.Fatal(err)
		}
	}
}

func write(file string, img image.Image) error {
	f, err := os.Create(file)
	if err != nil {
		return err
	}
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	if err := enc.Encode(f, img); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// draw renders the design centred on a square of size pixels.
func draw(size int, ground color.NRGBA, fill float64) *image.NRGBA {
	const n = 8                        // samples a side, per pixel
	scale := float64(size) * fill / 26 // the design spans y 2 to 28
	img := image.NewNRGBA(image.Rect(0, 0, size, size))
	for py := range size {
		for px := range size {
			var r, g, b, a float64 // premultiplied sums
			for sy := range n {
				for sx := range n {
					// From the pixel to the design's units, its middle (16, 15)
					// at the middle of the image.
					x := 16 + ((float64(px)+(float64(sx)+0.5)/n)-float64(size)/2)/scale
					y := 15 + ((float64(py)+(float64(sy)+0.5)/n)-float64(size)/2)/scale
					c := at(x, y, ground)
					al := float64(c.A) / 255
					r += float64(c.R) * al
					g += float64(c.G) * al
					b += float64(c.B) * al
					a += al
				}
			}
			if a == 0 {
				continue
			}
			img.SetNRGBA(px, py, color.NRGBA{uint8(math.Round(r / a)), uint8(math.Round(g / a)), uint8(math.Round(b / a)), uint8(math.Round(255 * a / (n * n)))})
		}
	}
	return img
}

// at is the design's colour at a point, painted as icon.svg paints it: the
// body, the paper over it, the eyes, the smile.
func at(x, y float64, ground color.NRGBA) color.NRGBA {
	c := ground
	// <rect x="5" y="9" width="22" height="18" rx="4" stroke-width="2"/>
	if d := roundedRect(x, y, 16, 18, 11, 9, 4); d <= -1 {
		c = body
	} else if d <= 1 {
		c = ink
	}
	// <rect x="10" y="3" width="12" height="9" fill="#fff" stroke-width="2"/>
	if d := roundedRect(x, y, 16, 7.5, 6, 4.5, 0); d <= -1 {
		c = white
	} else if d <= 1 {
		c = ink
	}
	// The eyes, r 1.6 at (12, 18) and (20, 18).
	if math.Hypot(x-12, y-18) <= 1.6 || math.Hypot(x-20, y-18) <= 1.6 {
		c = ink
	}
	// The smile: M12 22.5 q4 2.5 8 0, 1.6 wide with round ends.
	if smile(x, y) <= 0.8 {
		c = ink
	}
	return c
}

// roundedRect is the signed distance from a point to a rectangle's
// outline (negative inside): centre (cx, cy), half sides hw and hh,
// corners of radius rad.
func roundedRect(x, y, cx, cy, hw, hh, rad float64) float64 {
	qx := math.Abs(x-cx) - (hw - rad)
	qy := math.Abs(y-cy) - (hh - rad)
	return math.Hypot(math.Max(qx, 0), math.Max(qy, 0)) + math.Min(math.Max(qx, qy), 0) - rad
}

// smile is the distance from a point to the smile's curve, a quadratic
// Bézier from (12, 22.5) through the control (16, 25) to (20, 22.5),
// measured to a fine polyline along it.
func smile(x, y float64) float64 {
	const steps = 64
	bez := func(t float64) (float64, float64) {
		u := 1 - t
		return u*u*12 + 2*u*t*16 + t*t*20, u*u*22.5 + 2*u*t*25 + t*t*22.5
	}
	best := math.Inf(1)
	ax, ay := bez(0)
	for i := 1; i <= steps; i++ {
		bx, by := bez(float64(i) / steps)
		// Distance to the segment a–b.
		dx, dy := bx-ax, by-ay
		t := math.Max(0, math.Min(1, ((x-ax)*dx+(y-ay)*dy)/(dx*dx+dy*dy)))
		best = math.Min(best, math.Hypot(x-(ax+t*dx), y-(ay+t*dy)))
		ax, ay = bx, by
	}
	return best
}
