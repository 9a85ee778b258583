package htmlrender

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"image"
	imagecolor "image/color"
	"image/png"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
)

// pngOf is a w×h PNG of one grey level.
func pngOf(t testing.TB, w, h int, level uint8) []byte {
	t.Helper()
	img := image.NewGray(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = level
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func dataURL(b []byte) string {
	return "data:image/png;base64," + base64.StdEncoding.EncodeToString(b)
}

func render(t testing.TB, o Options, page string, u *url.URL) *image.Gray {
	t.Helper()
	img, err := New(o).Render(context.Background(), Page{HTML: []byte(page), URL: u})
	if err != nil {
		t.Fatal(err)
	}
	checkPicture(t, img)
	return img
}

// blackShare is the share of black pixels in r.
func blackShare(img *image.Gray, r image.Rectangle) float64 {
	n, black := 0, 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			n++
			if img.GrayAt(x, y).Y == 0 {
				black++
			}
		}
	}
	return float64(black) / float64(n)
}

// TestThresholdAndDither: a mid-grey picture prints all one colour unless
// it has the class dither, which gives half its dots black.
func TestThresholdAndDither(t *testing.T) {
	grey := dataURL(pngOf(t, 100, 100, 110))
	for _, tc := range []struct {
		class    string
		min, max float64
	}{
		{"", 1, 1}, // 110 is below half: black
		{"photo", 1, 1},
		{"dither", 0.35, 0.65},
		{"big dither photo", 0.35, 0.65},
	} {
		t.Run(tc.class, func(t *testing.T) {
			page := fmt.Sprintf(`<body style="margin:0"><img class="%s" src="%s" style="display:block" width="384" height="200">`, tc.class, grey)
			img := render(t, Options{}, page, nil)
			if img.Bounds().Dy() != 200 {
				t.Fatalf("the picture is %d rows, not 200", img.Bounds().Dy())
			}
			if got := blackShare(img, img.Bounds()); got < tc.min || got > tc.max {
				t.Errorf("%.2f of the picture is black, want %.2f to %.2f", got, tc.min, tc.max)
			}
		})
	}
	// A light grey thresholds to white.
	light := dataURL(pngOf(t, 10, 10, 140))
	img := render(t, Options{}, `<body style="margin:0"><img src="`+light+`" style="display:block;width:384px;height:50px">`, nil)
	if got := blackShare(img, img.Bounds()); got != 0 {
		t.Errorf("a light grey picture is %.2f black, want white", got)
	}
}

// countingTransport counts the requests that go through it.
type countingTransport struct {
	mu    sync.Mutex
	paths []string
	next  http.RoundTripper
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.mu.Lock()
	c.paths = append(c.paths, r.URL.Path)
	c.mu.Unlock()
	return c.next.RoundTrip(r)
}

// TestImageURLs: relative, root-relative, absolute and data: URLs all
// resolve against the page's address, and every fetch goes through the
// client given; without one nothing is fetched.
func TestImageURLs(t *testing.T) {
	blackPNG := pngOf(t, 20, 20, 0)
	var served atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		served.Add(1)
		switch r.URL.Path {
		case "/editions/pic.png", "/root.png", "/abs.png":
			w.Header().Set("Content-Type", "image/png")
			_, _ = w.Write(blackPNG)
		case "/broken.png":
			_, _ = w.Write([]byte("not a picture"))
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	pageURL, _ := url.Parse(srv.URL + "/editions/today.html")
	// One picture per row, 20 rows each, so each can be checked.
	page := `<body style="margin:0"><style>img{display:block;width:20px;height:20px}</style>
		<img src="pic.png"><img src="/root.png"><img src="` + srv.URL + `/abs.png"><img src="` + dataURL(blackPNG) + `">
		<img src="data:image/png,` + url.PathEscape(string(blackPNG)) + `">
		<img src="broken.png"><img src="missing.png"><img src="ftp://example.com/x.png">`

	ct := &countingTransport{next: srv.Client().Transport}
	img := render(t, Options{HTTP: &http.Client{Transport: ct}}, page, pageURL)
	for i, what := range []string{"relative", "root-relative", "absolute", "base64 data:", "percent-encoded data:"} {
		if got := blackShare(img, image.Rect(0, 20*i, 20, 20*i+20)); got != 1 {
			t.Errorf("the %s picture (row %d) is %.2f black, want all", what, i, got)
		}
	}
	if got := img.Bounds().Dy(); got != 8*20 {
		t.Errorf("the page is %d rows, want 160: five pictures, and three that cannot be had keeping their size", got)
	}
	slices.Sort(ct.paths)
	want := []string{"/abs.png", "/editions/broken.png", "/editions/missing.png", "/editions/pic.png", "/root.png"}
	if !slices.Equal(ct.paths, want) {
		t.Errorf("fetched %q through the client, want %q", ct.paths, want)
	}

	// <base href> moves where relative addresses point.
	ct.paths = nil
	render(t, Options{HTTP: &http.Client{Transport: ct}}, `<head><base href="/elsewhere/"></head><img src="pic.png">`, pageURL)
	if !slices.Equal(ct.paths, []string{"/elsewhere/pic.png"}) {
		t.Errorf("with <base>, fetched %q", ct.paths)
	}

	served.Store(0)
	img = render(t, Options{}, page, pageURL)
	if n := served.Load(); n != 0 {
		t.Errorf("with no client, %d requests reached the server", n)
	}
	if got := blackShare(img, image.Rect(0, 60, 20, 80)); got != 1 {
		t.Errorf("with no client, the data: picture is %.2f black, want all", got)
	}
	if got := blackShare(img, image.Rect(0, 0, 20, 20)); got != 0 {
		t.Errorf("with no client, the relative picture is %.2f black, want none", got)
	}
}

// TestImageLimits: pictures too large are left out, not errors, and at
// most maxImages are fetched.
func TestImageLimits(t *testing.T) {
	var served atomic.Int32
	big := pngOf(t, 5000, 10, 0)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		served.Add(1)
		_, _ = w.Write(pngOf(t, 4, 4, 0))
	}))
	defer srv.Close()
	var b strings.Builder
	b.WriteString(`<body style="margin:0"><img src="` + dataURL(big) + `" alt="too wide">`)
	for i := range 40 {
		fmt.Fprintf(&b, `<img src="%s/%d.png">`, srv.URL, i)
	}
	img := render(t, Options{HTTP: srv.Client()}, b.String(), nil)
	if n := served.Load(); n != maxImages-1 {
		t.Errorf("%d pictures were fetched, want %d (the data: one counts)", n, maxImages-1)
	}
	if img.Bounds().Dy() == 0 {
		t.Error("an empty picture")
	}
}

// TestMaxHeight: a long page is cut, not refused.
func TestMaxHeight(t *testing.T) {
	page := `<body>` + strings.Repeat("<p>A paragraph of the long page.</p>", 200)
	for _, max := range []int{1, 100, 777} {
		img := render(t, Options{MaxHeight: max}, page, nil)
		if got := img.Bounds().Dy(); got != max {
			t.Errorf("MaxHeight %d: %d rows", max, got)
		}
	}
	img := render(t, Options{}, page, nil)
	if got := img.Bounds().Dy(); got != DefaultMaxHeight {
		t.Errorf("by default: %d rows, want %d", got, DefaultMaxHeight)
	}
}

// TestMaxBytes: too much HTML is an error that says how much.
func TestMaxBytes(t *testing.T) {
	page := bytes.Repeat([]byte("<p>x</p>"), 3<<20/8)
	_, err := New(Options{}).Render(context.Background(), Page{HTML: page})
	if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "3 MB of HTML, more than 2 MB") {
		t.Errorf("err = %v, want ErrTooLarge saying 3 MB and 2 MB", err)
	}
	_, err = New(Options{MaxBytes: 1000}).Render(context.Background(), Page{HTML: page[:1001]})
	if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "1000 bytes") {
		t.Errorf("err = %v", err)
	}
}

// TestTimeout: a render whose context has ended says so.
func TestTimeout(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := New(Options{}).Render(ctx, Page{HTML: []byte("<p>hi")})
	if err == nil || !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want one that wraps context.Canceled", err)
	}
	// A server that never answers costs its picture, not the page.
	block := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-block:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(block)
	img, err := New(Options{HTTP: srv.Client(), Timeout: time.Second}).Render(context.Background(),
		Page{HTML: []byte(`<p>text</p><img src="` + srv.URL + `/slow.png" alt="slow">`)})
	if err != nil {
		t.Fatalf("a slow picture failed the page: %v", err)
	}
	checkPicture(t, img)
}

// TestDeterministic: the same page gives the same picture, byte for byte,
// whatever runs beside it.
func TestDeterministic(t *testing.T) {
	base, client := serveTestdata(t)
	pages := []string{benchPage(t), `<table border=1><tr><td>a<td>b</table><ul><li>x</ul>`}
	for i, page := range pages {
		first := render(t, Options{HTTP: client}, page, base)
		var wg sync.WaitGroup
		results := make([]*image.Gray, 2)
		for k := range results {
			wg.Add(1)
			go func() {
				defer wg.Done()
				img, err := New(Options{HTTP: client}).Render(context.Background(), Page{HTML: []byte(page), URL: base})
				if err == nil {
					results[k] = img
				}
			}()
		}
		wg.Wait()
		for k, img := range results {
			if img == nil || !bytes.Equal(img.Pix, first.Pix) || img.Rect != first.Rect {
				t.Errorf("page %d: render %d differs from the first", i, k)
			}
		}
	}
}

// TestFontMetrics: text in Arial takes the width Liberation Sans gives it,
// glyph by glyph rounded to whole pixels, and <em> the width of its
// italic: a page wraps where it wrapped on BERG's printers.
func TestFontMetrics(t *testing.T) {
	for _, tc := range []struct {
		css, tag, file string
	}{
		{"font: 20px Arial", "span", "sans-regular.ttf"},
		{"font: 20px Arial", "em", "sans-italic.ttf"},
		{"font: bold 20px Helvetica", "span", "sans-bold.ttf"},
		{"font: 20px 'Times New Roman'", "span", "serif-regular.ttf"},
		{"font: 20px Georgia, serif", "b", "serif-bold.ttf"},
		{"font: 20px 'Courier New'", "span", "mono-regular.ttf"},
		{"font: 20px 'Lobster Two', Verdana", "span", "sans-regular.ttf"},
	} {
		t.Run(tc.css+" "+tc.tag, func(t *testing.T) {
			const text = "Mmm, what a wonderful day!"
			// White text, then a black box: where the box starts is the
			// text's width.
			page := fmt.Sprintf(`<body style="margin:0"><div style="%s; color: white"><%s>%s</%s><span style="background:black">&nbsp;</span></div>`,
				tc.css, tc.tag, text, tc.tag)
			img := render(t, Options{}, page, nil)
			got := -1
			for x := range Width {
				if img.GrayAt(x, 10).Y == 0 {
					got = x
					break
				}
			}
			if want := advances(t, tc.file, text, 20); got != want {
				t.Errorf("the text is %d pixels wide, want %d", got, want)
			}
		})
	}
}

// advances is the width of text in a font file at a size: each glyph's
// advance rounded to a pixel.
func advances(t *testing.T, file, text string, size float64) int {
	data, err := fontFiles.ReadFile("fonts/" + file)
	if err != nil {
		t.Fatal(err)
	}
	f, err := opentype.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	face, err := opentype.NewFace(f, &opentype.FaceOptions{Size: size, DPI: 72, Hinting: font.HintingNone})
	if err != nil {
		t.Fatal(err)
	}
	w := 0
	for _, r := range text {
		a, ok := face.GlyphAdvance(r)
		if !ok {
			t.Fatalf("%s has no %q", file, r)
		}
		w += a.Round()
	}
	return w
}

// TestMargins35: a page that keeps BERG's 35-pixel margins prints nothing
// in them, whatever it holds.
func TestMargins35(t *testing.T) {
	photo := dataURL(pngOf(t, 500, 100, 0))
	page := `<style>body { margin: 0 35px; font: 20px Arial }</style>
		<h1 style="background:black;color:white">A heading wider than the page can hold, wrapping</h1>
		<p>Averyveryveryveryveryveryverylongwordwithoutspaces and text</p>
		<img src="` + photo + `"><img class="dither" src="` + photo + `" width="2000">
		<table width="100%" border="1"><tr><td>one</td><td>two</td></tr></table>
		<hr><ul><li>an item</li></ul><pre>short</pre>
		<div style="border: 3px solid black; padding: 4px">boxed</div>`
	img := render(t, Options{}, page, nil)
	if blackShare(img, image.Rect(35, 0, Width-35, img.Bounds().Dy())) == 0 {
		t.Fatal("nothing printed")
	}
	for y := range img.Bounds().Dy() {
		for x := range Width {
			if (x < 35 || x >= Width-35) && img.GrayAt(x, y).Y == 0 {
				t.Fatalf("a black pixel at (%d, %d), in the margin", x, y)
			}
		}
	}
}

// TestLayout checks what golden pictures show only as pixels.
func TestLayout(t *testing.T) {
	t.Run("margins collapse", func(t *testing.T) {
		// body 8px and h1's 0.67em (21px at 32px) collapse: the text's
		// top is near row 21, not 29.
		img := render(t, Options{}, `<h1 style="font-family:Arial">H</h1>`, nil)
		top := firstBlackRow(img)
		if top < 21 || top > 29 {
			t.Errorf("the heading's ink starts at row %d", top)
		}
	})
	t.Run("display none", func(t *testing.T) {
		img := render(t, Options{}, `<body style="margin:0"><div style="display:none">hidden</div><p style="display:none">x`, nil)
		if firstBlackRow(img) >= 0 {
			t.Error("hidden content was drawn")
		}
	})
	t.Run("text-align", func(t *testing.T) {
		for _, tc := range []struct {
			align  string
			lo, hi int
		}{{"left", 0, 60}, {"center", 150, 234}, {"right", 320, 384}} {
			img := render(t, Options{}, `<body style="margin:0"><p style="margin:0;font:20px Arial;text-align:`+tc.align+`">Text</p>`, nil)
			l, r := blackColumns(img)
			if l < tc.lo || r > tc.hi {
				t.Errorf("%s: ink from column %d to %d, want within %d–%d", tc.align, l, r, tc.lo, tc.hi)
			}
		}
	})
	t.Run("inline-block", func(t *testing.T) {
		box := `<span style="display:inline-block;width:100px;height:30px;background:black%s"></span>`
		img := render(t, Options{}, `<body style="margin:0">`+fmt.Sprintf(box, "")+fmt.Sprintf(box, ";margin-left:50px"), nil)
		if blackShare(img, image.Rect(0, 0, 100, 30)) != 1 || blackShare(img, image.Rect(150, 0, 250, 30)) != 1 ||
			blackShare(img, image.Rect(100, 0, 150, 30)) != 0 || blackShare(img, image.Rect(0, 30, Width, img.Rect.Dy())) != 0 {
			t.Error("two inline-blocks are not side by side on one line, 50 pixels apart")
		}
	})
	t.Run("white on black", func(t *testing.T) {
		img := render(t, Options{}, `<body style="margin:0"><div style="background:#222;color:#ddd;font:30px Arial">IIII</div>`, nil)
		if s := blackShare(img, img.Bounds()); s < 0.6 || s == 1 {
			t.Errorf("%.2f black: want a black box with white text", s)
		}
	})
}

func firstBlackRow(img *image.Gray) int {
	for y := range img.Bounds().Dy() {
		for x := range Width {
			if img.GrayAt(x, y).Y == 0 {
				return y
			}
		}
	}
	return -1
}

func blackColumns(img *image.Gray) (left, right int) {
	left, right = Width, -1
	for y := range img.Bounds().Dy() {
		for x := range Width {
			if img.GrayAt(x, y).Y == 0 {
				left, right = min(left, x), max(right, x)
			}
		}
	}
	return left, right
}

// TestHostile: pages made to hurt take little time and give a picture.
func TestHostile(t *testing.T) {
	for name, page := range hostilePages() {
		t.Run(name, func(t *testing.T) {
			start := time.Now()
			img, err := New(Options{Timeout: 5 * time.Second}).Render(context.Background(), Page{HTML: []byte(page)})
			if err != nil {
				t.Fatal(err)
			}
			checkPicture(t, img)
			if d := time.Since(start); d > 3*time.Second {
				t.Errorf("took %v", d)
			}
		})
	}
}

func hostilePages() map[string]string {
	return map[string]string{
		"deep divs":            strings.Repeat("<div>", 5000) + "deep" + strings.Repeat("</div>", 5000),
		"deep spans":           strings.Repeat("<span style='background:black;padding:1px'>", 3000) + "deep",
		"deep tables":          strings.Repeat("<table><tr><td>", 300) + "x",
		"deep lists":           strings.Repeat("<ol><li>", 1000) + "x",
		"many nodes":           strings.Repeat("<b>a</b> ", 25000),
		"many rules":           "<style>" + strings.Repeat("div div div div p span { color: red } * * * * * * * * * * * * * * * a { color: blue }\n", 1000) + "</style>" + strings.Repeat("<div>", 150) + strings.Repeat("<p><span>x</span></p>", 500),
		"huge font":            `<p style="font-size:100000px">Big</p><p style="font-size:-5px">neg</p><p style="font-size:1e308px">inf</p>`,
		"huge boxes":           `<div style="width:99999999px;padding:99999999px;margin:-99999999px;border:99999px solid">x</div><div style="height:1e9px">y</div>`,
		"huge table":           `<table><tr>` + strings.Repeat(`<td colspan=1000000>x</td>`, 500) + `</tr></table>`,
		"long word":            "<p>" + strings.Repeat("x", 50000) + "</p>",
		"long pre":             "<pre>" + strings.Repeat("a\tb ", 10000) + "</pre>",
		"broken css":           `<style>}}}{{{ @media { p { color: red } @import "x"; a{;;:;:}} p{font:}</style><p style=":::;;color:;{}">x`,
		"many images":          strings.Repeat(`<img src="data:image/png;base64,iVBORw0KGgo=" alt="x">`, 1000),
		"bogus data URLs":      `<img src="data:"><img src="data:,"><img src="data:image/png;base64,!!!"><img src="data:;base64,AAAA">`,
		"nested inline blocks": strings.Repeat("<span><div><span>", 100) + "x",
		"nul and controls":     "<p>\x00\x01\x02\u200b\u00ad\ufeff</p>",
		"nan":                  `<p style="line-height:NaN;letter-spacing:1e400px;width:NaN%;margin:NaNpx">x</p>`,
		"many breaks":          strings.Repeat("<br>", 5000),
		"negative margins":     `<body style="margin:-500px"><p style="margin-top:-9999px">x</p><img style="margin:-100px" src="` + "data:image/png;base64,iVBORw0KGgo=" + `">`,
		"empty":                ``,
	}
}

// benchPage is a typical BERG edition: a title, a date line, three
// paragraphs, a dithered 384×300 photo as a data: URL, a list of five, a
// rule.
func benchPage(t testing.TB) string {
	img := image.NewGray(image.Rect(0, 0, 384, 300))
	for y := range 300 {
		for x := range 384 {
			img.SetGray(x, y, imagecolor.Gray{Y: uint8(128 + 100*math.Sin(float64(x)/30)*math.Cos(float64(y)/20))})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	para := "<p>The little printer prints a small paper every morning: the news, the weather, a word and a puzzle, all on a strip of paper as wide as a till receipt.</p>"
	return `<!DOCTYPE html><html><head><meta charset="utf-8"><style>
body { margin: 0; font-family: Arial, sans-serif; font-size: 20px; }
h1 { font-size: 36px; text-align: center; margin: 10px 0 0; }
.date { text-align: center; font-size: 16px; border-bottom: 2px solid black; padding-bottom: 6px; }
p { margin: 10px 8px; }
img.dither { display: block; }
ul { margin: 10px 0; }
hr { border: 0; border-top: 3px solid black; }
</style></head><body>
<h1>The Morning Paper</h1>
<div class="date">Sunday 6 December 2026</div>` + para + para + para + `
<img class="dither" src="data:image/png;base64,` + base64.StdEncoding.EncodeToString(buf.Bytes()) + `">
<ul><li>Buy bread</li><li>Call Grandma</li><li>Water the fern</li><li>Post the letter</li><li>Bed by ten</li></ul>
<hr></body></html>`
}

// BenchmarkRender renders a typical edition.
func BenchmarkRender(b *testing.B) {
	page := Page{HTML: []byte(benchPage(b))}
	e := New(Options{})
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.Render(context.Background(), page); err != nil {
			b.Fatal(err)
		}
	}
}
