package chromium

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"paperboy/sdk"
	"paperboy/sdk/htmlrender"
)

// The tests run a real headless Chromium. Two engines serve them, so that
// the browser starts twice, not once a test: one that fetches from the
// test's servers, and a strict one (a client that refuses everything, a
// short timeout, a low MaxHeight).

// testTimeout bounds a render of the fetching engine: generous, as CI
// runs the tests under -race on two cores.
const testTimeout = 20 * time.Second

// needChromium is the browser's path, or skips the test.
func needChromium(t testing.TB) string {
	t.Helper()
	path := Find()
	if path == "" {
		t.Skip("Chromium not found: install Debian's chromium or set " + EnvChromium + "; the Chromium engine's tests SKIP")
	}
	return path
}

// newEngine is an engine for a test, closed when it ends.
func newEngine(t testing.TB, o htmlrender.Options) *Engine {
	t.Helper()
	e, err := New(o, Config{Path: needChromium(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Close)
	return e
}

// pngOf is a w×h PNG of one grey level.
func pngOf(w, h int, level uint8) []byte {
	m := image.NewGray(image.Rect(0, 0, w, h))
	for i := range m.Pix {
		m.Pix[i] = level
	}
	var buf bytes.Buffer
	png.Encode(&buf, m)
	return buf.Bytes()
}

// assets is a server of the pictures the pages use; counted counts the
// requests for /counted.png.
func assets(t *testing.T, counted *atomic.Int32) *httptest.Server {
	t.Helper()
	grey, black := pngOf(64, 64, 128), pngOf(8, 8, 0)
	mux := http.NewServeMux()
	serve := func(b []byte) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "image/png")
			w.Write(b)
		}
	}
	mux.HandleFunc("/grey.png", serve(grey))
	mux.HandleFunc("/black.png", serve(black))
	mux.HandleFunc("/counted.png", func(w http.ResponseWriter, r *http.Request) {
		counted.Add(1)
		serve(black)(w, r)
	})
	mux.HandleFunc("/frame.html", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, head+`<img src="/black.png" style="display:block;width:100px;height:50px">`)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// black is the share of black pixels of r in m.
func black(m *image.Gray, r image.Rectangle) float64 {
	r = r.Intersect(m.Rect)
	n := 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if m.GrayAt(x, y).Y == 0 {
				n++
			}
		}
	}
	return float64(n) / float64(r.Dx()*r.Dy())
}

// checkPrint fails the test unless m is a print: Width wide, h tall (if h
// is not 0), each pixel 0 or 255.
func checkPrint(t *testing.T, m *image.Gray, h int) {
	t.Helper()
	if m.Rect.Min != (image.Point{}) || m.Rect.Dx() != htmlrender.Width || h != 0 && m.Rect.Dy() != h {
		t.Fatalf("picture is %v, want %d wide and %d tall", m.Rect, htmlrender.Width, h)
	}
	for i, v := range m.Pix {
		if v != 0 && v != 255 {
			t.Fatalf("pixel %d is %d, want 0 or 255", i, v)
		}
	}
}

// savePicture writes a picture where a failing test can be looked at.
func savePicture(t *testing.T, m *image.Gray) {
	t.Helper()
	f, err := os.CreateTemp("", "paperboy-chromium-*.png")
	if err != nil {
		return
	}
	defer f.Close()
	png.Encode(f, m)
	t.Logf("the picture: %s", f.Name())
}

const head = `<!doctype html><html><head><style>body{margin:0;font:20px Arial}</style></head><body>`

func TestRender(t *testing.T) {
	var counted atomic.Int32
	srv := assets(t, &counted)
	e := newEngine(t, htmlrender.Options{HTTP: sdk.NewHTTPClient(sdk.HTTPPolicy{AllowPrivate: true}), Timeout: testTimeout, MaxHeight: 1000})
	edition, _ := url.Parse(srv.URL + "/edition/?lang=en")

	tests := []struct {
		name   string
		html   string
		url    *url.URL
		height int                           // 0: any
		check  func(*testing.T, *image.Gray) // after checkPrint
	}{
		{
			name: "text is black on white",
			html: head + `<p style="margin:10px">Hello, Little Printer</p>`,
			check: func(t *testing.T, m *image.Gray) {
				if b := black(m, m.Rect); b == 0 || b > 0.2 {
					t.Errorf("%.3f of the page is black, want some text on white", b)
				}
				if b := black(m, image.Rect(0, 0, 384, 10)); b != 0 {
					t.Errorf("the margin above the text is %.3f black, want white", b)
				}
			},
		},
		{
			name: "img.dither is dithered, another img thresholded",
			html: head + `<img class="dither" src="` + srv.URL + `/grey.png" style="display:block;width:384px;height:100px">` +
				`<img src="` + srv.URL + `/grey.png" style="display:block;width:384px;height:100px">`,
			height: 200,
			check: func(t *testing.T, m *image.Gray) {
				if b := black(m, image.Rect(0, 0, 384, 100)); b < 0.4 || b > 0.6 {
					t.Errorf("the dithered picture is %.3f black, want about half", b)
				}
				if b := black(m, image.Rect(0, 100, 384, 200)); b != 0 && b != 1 {
					t.Errorf("the thresholded picture is %.3f black, want one colour", b)
				}
			},
		},
		{
			name:   "a root-relative URL resolves against the page's",
			html:   head + `<img src="/black.png" style="display:block;width:100px;height:50px"><p style="margin:0;height:50px"></p>`,
			url:    edition,
			height: 100,
			check: func(t *testing.T, m *image.Gray) {
				if b := black(m, image.Rect(0, 0, 100, 50)); b != 1 {
					t.Errorf("the picture is %.3f black, want all", b)
				}
				if b := black(m, image.Rect(100, 0, 384, 100)); b != 0 {
					t.Errorf("beside the picture is %.3f black, want none", b)
				}
			},
		},
		{
			name: "location is the page's URL",
			html: head + `<div id="d" style="height:20px"></div><script>
				if (location.host === "` + edition.Host + `" && location.pathname === "/edition/") document.getElementById("d").style.background = "black";
			</script>`,
			url:    edition,
			height: 20,
			check: func(t *testing.T, m *image.Gray) {
				if b := black(m, m.Rect); b != 1 {
					t.Errorf("the page is %.3f black, want all: location is not the page's", b)
				}
			},
		},
		{
			// The frame is of another site (localhost, not 127.0.0.1): its
			// requests must be fetched by the engine all the same.
			name:   "a frame of another site and its pictures load",
			html:   head + `<iframe src="` + strings.Replace(srv.URL, "127.0.0.1", "localhost", 1) + `/frame.html" style="display:block;border:0;width:384px;height:50px"></iframe>`,
			url:    edition,
			height: 50,
			check: func(t *testing.T, m *image.Gray) {
				if b := black(m, image.Rect(0, 0, 100, 50)); b != 1 {
					t.Errorf("the frame's picture is %.3f black, want all", b)
				}
			},
		},
		{
			name:   "alert() does not wait for a person",
			html:   head + `<script>alert("Hello"); confirm("Sure?");</script><div style="height:10px;background:#000"></div>`,
			height: 10,
			check: func(t *testing.T, m *image.Gray) {
				if b := black(m, m.Rect); b != 1 {
					t.Errorf("the page is %.3f black, want all", b)
				}
			},
		},
		{
			name: "a canvas a script draws on appears",
			html: head + `<canvas id="c" width="384" height="60" style="display:block"></canvas><script>
				requestAnimationFrame(() => {
					const c = document.getElementById("c").getContext("2d");
					c.fillStyle = "#000"; c.fillRect(50, 10, 100, 40);
				});
			</script>`,
			height: 60,
			check: func(t *testing.T, m *image.Gray) {
				if b := black(m, image.Rect(50, 10, 150, 50)); b != 1 {
					t.Errorf("the rectangle is %.3f black, want all", b)
				}
				if b := black(m, image.Rect(160, 0, 384, 60)); b != 0 {
					t.Errorf("beside it is %.3f black, want none", b)
				}
			},
		},
		{
			name: "a page without a URL has only data: pictures",
			html: head + `<img src="data:image/png;base64,` + base64.StdEncoding.EncodeToString(pngOf(4, 4, 0)) + `" style="display:block;width:40px;height:40px">` +
				`<img src="/black.png" style="display:block;width:40px;height:40px">`,
			check: func(t *testing.T, m *image.Gray) {
				if b := black(m, image.Rect(0, 0, 40, 40)); b != 1 {
					t.Errorf("the data: picture is %.3f black, want all", b)
				}
				if b := black(m, image.Rect(0, 40, 40, 80)); b > 0.2 {
					t.Errorf("the relative picture is %.3f black, want nothing there", b)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := e.Render(t.Context(), htmlrender.Page{HTML: []byte(tt.html), URL: tt.url})
			if err != nil {
				t.Fatal(err)
			}
			checkPrint(t, m, tt.height)
			tt.check(t, m)
			if t.Failed() {
				savePicture(t, m)
			}
		})
	}

	t.Run("a page fetches at most 64 things", func(t *testing.T) {
		var html strings.Builder
		html.WriteString(head)
		for i := range maxRequests + 20 {
			fmt.Fprintf(&html, `<img src="%s/counted.png?%d" width="4" height="4">`, srv.URL, i)
		}
		if _, err := e.Render(t.Context(), htmlrender.Page{HTML: []byte(html.String())}); err != nil {
			t.Fatal(err)
		}
		if n := counted.Load(); n != maxRequests {
			t.Errorf("the server was asked %d times, want %d", n, maxRequests)
		}
	})

	// More pages than tabs at once: they wait for one another, and each
	// comes out whole.
	t.Run("pages render side by side", func(t *testing.T) {
		var wg sync.WaitGroup
		for i := range 2 * DefaultConcurrency {
			wg.Go(func() {
				html := fmt.Sprintf(head+`<div style="height:%dpx;background:#000"></div>`, 10*(i+1))
				m, err := e.Render(t.Context(), htmlrender.Page{HTML: []byte(html)})
				if err != nil {
					t.Error(err)
					return
				}
				if h := m.Rect.Dy(); h != 10*(i+1) || black(m, m.Rect) != 1 {
					t.Errorf("page %d: %d rows, %.3f black; want %d, all", i, h, black(m, m.Rect), 10*(i+1))
				}
			})
		}
		wg.Wait()
	})
}

// refusing is a transport that refuses every request, and records them.
type refusing struct {
	mu    sync.Mutex
	urls  []string
	onAsk func(path string) // if not nil, called with each request's path
}

func (r *refusing) RoundTrip(req *http.Request) (*http.Response, error) {
	r.mu.Lock()
	r.urls = append(r.urls, req.URL.Path)
	onAsk := r.onAsk
	r.mu.Unlock()
	if onAsk != nil {
		onAsk(req.URL.Path)
	}
	return nil, errors.New("refused by the test")
}

func (r *refusing) setOnAsk(f func(path string)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.onAsk = f
}

func (r *refusing) asked() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.urls...)
}

// TestStrict runs the strict engine: what a page may not do.
func TestStrict(t *testing.T) {
	guard := &refusing{}
	// Short, for the script that never ends, but not too short for a
	// page on a busy machine.
	const timeout = 4 * time.Second
	e := newEngine(t, htmlrender.Options{HTTP: &http.Client{Transport: guard}, Timeout: timeout, MaxHeight: 100})
	simple := htmlrender.Page{HTML: []byte(head + `<p>Hello</p>`)}

	t.Run("Chromium opens no connection of its own", func(t *testing.T) {
		var reached atomic.Int32
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			reached.Add(1)
			t.Errorf("the server was reached: %s %s", r.Method, r.URL)
		}))
		defer srv.Close()
		ws := "ws" + strings.TrimPrefix(srv.URL, "http")
		html := head + `<link rel="stylesheet" href="` + srv.URL + `/style.css">
			<link rel="preconnect" href="` + srv.URL + `"><link rel="prefetch" href="` + srv.URL + `/prefetch">
			<img src="` + srv.URL + `/img.png">
			<div style="height:10px;background:url(` + srv.URL + `/bg.png)"></div>
			<iframe src="` + srv.URL + `/frame.html"></iframe>
			<script src="` + srv.URL + `/script.js"></script>
			<script>
				fetch("` + srv.URL + `/fetch").catch(() => {});
				navigator.sendBeacon("` + srv.URL + `/beacon", "x");
				try { const s = new WebSocket("` + ws + `/ws"); s.onerror = () => fetch("` + srv.URL + `/ws-error"); s.onopen = () => fetch("` + srv.URL + `/ws-open"); } catch (e) { console.log("ws threw " + e); }
				new Worker(URL.createObjectURL(new Blob(['fetch("` + srv.URL + `/worker").catch(() => {})'])));
			</script>`
		if _, err := e.Render(t.Context(), htmlrender.Page{HTML: []byte(html)}); err != nil {
			t.Fatal(err)
		}
		if n := reached.Load(); n != 0 {
			t.Errorf("the server got %d requests, want none", n)
		}
		asked := strings.Join(guard.asked(), " ")
		t.Logf("asked: %s", asked)
		for _, path := range []string{"/img.png", "/style.css", "/script.js", "/fetch"} {
			if !strings.Contains(asked, path) {
				t.Errorf("the engine's client was not asked for %s (asked for: %s)", path, asked)
			}
		}
	})

	// The second wall alone: a tab whose requests are not paused reaches
	// nothing either, by address or by name.
	t.Run("without interception Chromium reaches nothing", func(t *testing.T) {
		var reached atomic.Int32
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			reached.Add(1)
		}))
		defer srv.Close()
		b, err := e.running(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		tab, closeTab := chromedp.NewContext(b.ctx, chromedp.WithNewBrowserContext())
		defer closeTab()
		for _, u := range []string{srv.URL + "/", strings.Replace(srv.URL, "127.0.0.1", "localhost", 1) + "/"} {
			if err := chromedp.Do(tab, chromedp.Navigate(u)); err == nil {
				t.Errorf("%s loaded", u)
			}
		}
		if n := reached.Load(); n != 0 {
			t.Errorf("the server got %d requests, want none", n)
		}
	})

	t.Run("a script that never ends times out, and the next page renders", func(t *testing.T) {
		_, err := e.Render(t.Context(), htmlrender.Page{HTML: []byte(head + `<p>Forever</p><script>while (true) {}</script>`)})
		if want := "the page did not finish rendering in 4s"; err == nil || err.Error() != want {
			t.Fatalf("got %v, want %q", err, want)
		}
		m, err := e.Render(t.Context(), simple)
		if err != nil {
			t.Fatal(err)
		}
		checkPrint(t, m, 0)
	})

	t.Run("a long page is cut at MaxHeight", func(t *testing.T) {
		m, err := e.Render(t.Context(), htmlrender.Page{HTML: []byte(head + `<div style="height:5000px;background:#000"></div>`)})
		if err != nil {
			t.Fatal(err)
		}
		checkPrint(t, m, 100)
		if b := black(m, m.Rect); b != 1 {
			t.Errorf("the page is %.3f black, want all", b)
		}
	})

	t.Run("Chromium killed between renders is started again", func(t *testing.T) {
		if _, err := e.Render(t.Context(), simple); err != nil {
			t.Fatal(err)
		}
		pid := e.pid()
		if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		m, err := e.Render(t.Context(), simple)
		if err != nil {
			t.Fatalf("render after the kill: %v", err)
		}
		checkPrint(t, m, 0)
		if e.pid() == pid {
			t.Errorf("the browser is still process %d", pid)
		}
	})

	t.Run("Chromium killed while rendering is started again", func(t *testing.T) {
		if _, err := e.Render(t.Context(), simple); err != nil {
			t.Fatal(err)
		}
		pid := e.pid()
		// The page's picture is asked for while it loads: the browser is
		// killed then.
		guard.setOnAsk(func(path string) {
			if path == "/kill" {
				syscall.Kill(pid, syscall.SIGKILL)
			}
		})
		defer guard.setOnAsk(nil)
		_, err := e.Render(t.Context(), htmlrender.Page{HTML: []byte(head + `<img src="http://example.com/kill">`)})
		if err == nil || err.Error() != errStopped.Error() {
			t.Fatalf("got %v, want %q", err, errStopped)
		}
		if p := e.pid(); p == 0 || p == pid {
			t.Errorf("the browser is process %d after the render, want a new one", p)
		}
		m, err := e.Render(t.Context(), simple)
		if err != nil {
			t.Fatalf("render after the restart: %v", err)
		}
		checkPrint(t, m, 0)
	})

	t.Run("a file: page is refused", func(t *testing.T) {
		u, _ := url.Parse("file:///etc/")
		if _, err := e.Render(t.Context(), htmlrender.Page{HTML: []byte(head), URL: u}); err == nil {
			t.Error("a page at file:///etc/ was rendered")
		}
	})

	t.Run("Close removes the browser's folder", func(t *testing.T) {
		if _, err := e.Render(t.Context(), simple); err != nil {
			t.Fatal(err)
		}
		dir := userDataDir(t, e.pid())
		if _, err := os.Stat(dir); err != nil {
			t.Fatal(err)
		}
		e.Close()
		if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s is still there after Close (%v)", dir, err)
		}
		if _, err := e.Render(t.Context(), simple); err == nil {
			t.Error("a render after Close worked")
		}
	})
}

// pid is the browser's process, 0 if it does not run.
func (e *Engine) pid() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.browser == nil {
		return 0
	}
	return e.browser.pid
}

// userDataDir is the profile folder the process runs with.
func userDataDir(t *testing.T, pid int) string {
	t.Helper()
	cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	for _, arg := range bytes.Split(cmdline, []byte{0}) {
		if dir, ok := strings.CutPrefix(string(arg), "--user-data-dir="); ok {
			return dir
		}
	}
	t.Fatalf("process %d has no --user-data-dir", pid)
	return ""
}

func TestMaxBytes(t *testing.T) {
	e := newEngine(t, htmlrender.Options{MaxBytes: 100})
	_, err := e.Render(t.Context(), htmlrender.Page{HTML: bytes.Repeat([]byte("x"), 2048)})
	if want := "the page's HTML is 2048 bytes, more than the 100 bytes allowed"; err == nil || err.Error() != want {
		t.Errorf("got %v, want %q", err, want)
	}
	if e.pid() != 0 {
		t.Error("the browser was started for a page refused")
	}
}

func TestFind(t *testing.T) {
	t.Setenv(EnvChromium, "/nonexistent/chromium")
	if p := Find(); p != "" {
		t.Errorf("Find() = %q with %s naming no file, want \"\"", p, EnvChromium)
	}
	if _, err := New(htmlrender.Options{}, Config{}); !errors.Is(err, ErrNotInstalled) {
		t.Errorf("New without a browser: %v, want %v", err, ErrNotInstalled)
	}
}

// BenchmarkRender renders a typical edition: a title, paragraphs, a
// photo to dither (a data: URL), a list.
func BenchmarkRender(b *testing.B) {
	e := newEngine(b, htmlrender.Options{Timeout: testTimeout})
	photo := image.NewGray(image.Rect(0, 0, 320, 200))
	for y := range 200 {
		for x := range 320 {
			photo.SetGray(x, y, color.Gray{Y: uint8((x + y) * 255 / 520)})
		}
	}
	var buf bytes.Buffer
	png.Encode(&buf, photo)
	html := []byte(`<!doctype html><html><head><style>
		body { margin: 0; padding: 10px 12px; font: 20px Arial; }
		h1 { font: bold 36px Georgia; margin: 0 0 10px; }
		img { display: block; width: 100%; }
	</style></head><body>
	<h1>The Daily Paper</h1>
	<p>Good morning. It will be sunny this afternoon, with a light breeze from the west and a high of 21°.</p>
	<img class="dither" src="data:image/png;base64,` + base64.StdEncoding.EncodeToString(buf.Bytes()) + `">
	<p>Three things today:</p>
	<ul><li>Buy milk</li><li>Call the plumber</li><li>Water the tomatoes</li></ul>
	<p style="border-top: 2px solid black">That is all.</p>
	</body></html>`)
	ctx := context.Background()
	start := time.Now()
	if _, err := e.Render(ctx, htmlrender.Page{HTML: html}); err != nil {
		b.Fatal(err)
	}
	b.Logf("first render, the browser's start included: %v", time.Since(start))
	for b.Loop() {
		if _, err := e.Render(ctx, htmlrender.Page{HTML: html}); err != nil {
			b.Fatal(err)
		}
	}
}

// TestMemory: a script that takes more memory than MemoryMB crashes its
// tab, not the browser, and the next page renders.
func TestMemory(t *testing.T) {
	e, err := New(htmlrender.Options{Timeout: testTimeout}, Config{Path: needChromium(t), MemoryMB: 32})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	_, err = e.Render(t.Context(), htmlrender.Page{HTML: []byte(head + `<script>const a = []; for (;;) a.push(new Array(1e7).fill(1.5));</script>`)})
	if want := "the page crashed its tab in Chromium; it may have used more than the 32 MB of memory allowed"; err == nil || err.Error() != want {
		t.Errorf("got %v, want %q", err, want)
	}
	m, err := e.Render(t.Context(), htmlrender.Page{HTML: []byte(head + `<p>Hello</p>`)})
	if err != nil {
		t.Fatal(err)
	}
	checkPrint(t, m, 0)
}
