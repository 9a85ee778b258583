package chromium

import (
	"bytes"
	"encoding/base64"
	"image"
	"image/color"
	"image/png"
	"math"
	"testing"

	"paperboy/sdk/htmlrender"
)

// typicalEdition is a BERG edition as most were: a title, a date line,
// paragraphs in Arial 20 px, a dithered photo and a list, closed by a rule.
func typicalEdition(t *testing.T) []byte {
	t.Helper()
	img := image.NewGray(image.Rect(0, 0, 384, 240))
	for y := range 240 {
		for x := range 384 {
			dx, dy := float64(x-192)/110, float64(y-120)/110
			v := 40 + 180*float64(y)/240
			if d := dx*dx + dy*dy; d < 1 {
				v = 255 * math.Max(0.05, -0.5*dx-0.5*dy+0.7*math.Sqrt(1-d))
			}
			img.SetGray(x, y, color.Gray{Y: uint8(math.Min(255, math.Max(0, v)))})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	para := "<p>The little printer prints a small paper every morning: the news, the weather, a word and a puzzle, all on a strip of paper as wide as a till receipt.</p>"
	return []byte(`<!DOCTYPE html><html><head><meta charset="utf-8"><style>
body { margin: 0; font-family: Arial, sans-serif; font-size: 20px; }
h1 { font-size: 36px; text-align: center; margin: 10px 0 0; }
.date { text-align: center; font-size: 16px; border-bottom: 2px solid black; padding-bottom: 6px; }
p { margin: 10px 8px; }
img.dither { display: block; }
hr { border: 0; border-top: 3px solid black; }
</style></head><body><h1>The Morning Paper</h1><div class="date">Monday 7 December 2026</div>` + para + para + `
<img class="dither" src="data:image/png;base64,` + base64.StdEncoding.EncodeToString(buf.Bytes()) + `">
<ul><li>Buy bread</li><li>Call Grandma</li><li>Water the fern</li></ul><hr></body></html>`)
}

// TestRender_AgreesWithTheGoEngine: the two engines lay a typical edition
// out alike: the same height, and all but a few per cent of the dots the
// same (glyph edges and the dither's pattern differ).
func TestRender_AgreesWithTheGoEngine(t *testing.T) {
	page := htmlrender.Page{HTML: typicalEdition(t)}
	chrome, err := newEngine(t, htmlrender.Options{Timeout: testTimeout}).Render(t.Context(), page)
	if err != nil {
		t.Fatal(err)
	}
	goPic, err := htmlrender.New(htmlrender.Options{}).Render(t.Context(), page)
	if err != nil {
		t.Fatal(err)
	}
	if hc, hg := chrome.Bounds().Dy(), goPic.Bounds().Dy(); math.Abs(float64(hc-hg)) > 0.02*float64(hg) {
		savePicture(t, chrome)
		savePicture(t, goPic)
		t.Fatalf("Chromium's picture is %d rows, the Go engine's %d", hc, hg)
	}
	differ, all := 0, 0
	h := min(chrome.Bounds().Dy(), goPic.Bounds().Dy())
	for y := range h {
		for x := range htmlrender.Width {
			all++
			if chrome.GrayAt(x, y).Y != goPic.GrayAt(x, y).Y {
				differ++
			}
		}
	}
	if share := float64(differ) / float64(all); share > 0.06 {
		savePicture(t, chrome)
		savePicture(t, goPic)
		t.Errorf("%.1f %% of the dots differ, want at most 6 %%", 100*share)
	}
}
