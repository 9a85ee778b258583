// Package chromium is an htmlrender.Engine backed by headless Chromium, for
// publications that need a real browser: JavaScript (BERG's LP Chart drew
// its d3 charts in the page), CSS the pure-Go engine does not lay out. It is
// what BERG Cloud did with WebKit and PhantomJS: the page at 384 CSS pixels
// wide, screenshotted, <img class="dither"> dithered (Floyd–Steinberg) and
// everything else thresholded at 50 %.
//
// One Chromium process serves every render, each in a tab of its own
// browser context (no cookies or storage shared between pages). It starts
// on the first render, so a server with the engine enabled but no HTML
// publication never runs it, and again after it stops.
//
// Chromium opens no connection of its own. Every request a page makes is
// paused in the browser (the DevTools Fetch domain) and answered by the
// engine, which fetches it through Options.HTTP, the guarded client, or
// fails it; so a page cannot make the server reach what its publication's
// own requests could not. As a second wall, Chromium is started with a
// proxy whose name does not resolve and a resolver that resolves nothing.
package chromium

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/chromedp/chromedp"

	"paperboy/sdk/htmlrender"
)

// EnvChromium names the Chromium (or Chrome) binary to run, as for the
// browser tests; without it Find looks on PATH, then at Debian's
// /usr/bin/chromium.
const EnvChromium = "PAPERBOY_CHROMIUM"

// Config tunes the browser; zero values mean the defaults.
type Config struct {
	// Path is the browser's binary; "" means Find's.
	Path string
	// Concurrency is how many pages render at once, each in its own tab;
	// more wait for a tab to close.
	Concurrency int
	// MemoryMB bounds the JavaScript heap of a page (V8's old space): a
	// script that grows past it crashes its tab, not the server's memory.
	MemoryMB int
}

// Defaults of Config, with their reasons.
const (
	DefaultConcurrency = 2   // a tab takes a core while it lays out; CI has two
	DefaultMemoryMB    = 256 // d3 and a chart's data fit in a few tens
)

func (c Config) withDefaults() Config {
	if c.Concurrency <= 0 {
		c.Concurrency = DefaultConcurrency
	}
	if c.MemoryMB <= 0 {
		c.MemoryMB = DefaultMemoryMB
	}
	return c
}

// ErrNotInstalled is New's error when there is no browser to run.
//
//lint:ignore ST1005 Chromium is a name, and the sentence is for an operator
var ErrNotInstalled = errors.New("Chromium is not installed: install Debian's chromium or set " + EnvChromium)

// errClosed is Render's error after Close.
var errClosed = errors.New("the Chromium engine is closed")

// startTimeout bounds a start of Chromium, whatever the render's context
// allows: one that takes longer is stuck.
const startTimeout = 30 * time.Second

// Find is the path of the browser to run, or "" when there is none: the
// binary EnvChromium names (looked up on PATH if it is a bare name), else
// chromium, chromium-browser or google-chrome on PATH, else
// /usr/bin/chromium.
func Find() string {
	if p := os.Getenv(EnvChromium); p != "" {
		if path, err := exec.LookPath(p); err == nil {
			return path
		}
		return ""
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium"
	}
	return ""
}

// Engine renders pages in headless Chromium. It is safe for concurrent use;
// Close it to stop the browser.
type Engine struct {
	opts  htmlrender.Options
	cfg   Config
	slots chan struct{} // a token for each tab that may be open

	mu      sync.Mutex // held while the browser starts or stops
	browser *browser   // nil until the first render, and after Close
	closed  bool
	out     *tail // the browser's output, the end of it, for errors
}

var _ htmlrender.Engine = (*Engine)(nil)

// New is an engine that renders with o (fetching through o.HTTP) in the
// browser c describes. It checks the browser is there but does not start
// it: the first Render does.
func New(o htmlrender.Options, c Config) (*Engine, error) {
	c = c.withDefaults()
	if c.Path == "" {
		c.Path = Find()
		if c.Path == "" {
			return nil, ErrNotInstalled
		}
	} else {
		path, err := exec.LookPath(c.Path)
		if err != nil {
			return nil, fmt.Errorf("%w (%s: %v)", ErrNotInstalled, c.Path, err)
		}
		c.Path = path
	}
	return &Engine{
		opts:  o.WithDefaults(),
		cfg:   c,
		slots: make(chan struct{}, c.Concurrency),
		out:   &tail{max: 4 << 10},
	}, nil
}

// Close stops the browser, if it runs, and removes its profile folder.
// Renders still running fail; later ones return an error.
func (e *Engine) Close() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.closed = true
	if e.browser != nil {
		e.browser.stop()
		e.browser = nil
	}
}

// isClosed reports whether Close was called.
func (e *Engine) isClosed() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.closed
}

// browser is one run of Chromium.
type browser struct {
	ctx    context.Context // its first tab's chromedp context; done once it stopped
	cancel func()          // stops it and waits until it has, its folder removed
	proc   *os.Process
	pid    int
}

// alive reports whether the browser runs, as far as is known yet: its
// connection closes a little after its process ended (its children hold
// it), but the process is reaped at once.
func (b *browser) alive() bool {
	return b.ctx.Err() == nil && (b.proc == nil || b.proc.Signal(syscall.Signal(0)) == nil)
}

// stop stops the browser and waits for it.
func (b *browser) stop() { b.cancel() }

// running is the browser, started if it is not running: for the first
// render, or after it stopped (it crashed, was killed). ctx bounds a start.
func (e *Engine) running(ctx context.Context) (*browser, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return nil, errClosed
	}
	if b := e.browser; b != nil {
		if b.alive() {
			return b, nil
		}
		b.stop() // reaps it and removes its folder
		e.browser = nil
	}
	b, err := e.start(ctx)
	if err != nil {
		return nil, err
	}
	e.browser = b
	return b, nil
}

// forget drops b, which stopped, so that the next render starts another.
func (e *Engine) forget(b *browser) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.browser == b {
		b.stop()
		e.browser = nil
	}
}

// start starts Chromium; start bounds the start, not the browser's life.
func (e *Engine) start(start context.Context) (*browser, error) {
	start, cancelStart := context.WithTimeout(start, startTimeout)
	defer cancelStart()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(e.cfg.Path),
		chromedp.Headless,
		chromedp.NoSandbox, // servers and CI run as root, where the sandbox will not start
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		// No user data dir: chromedp makes a temporary one for each run
		// and removes it when the browser has stopped.

		// Pictures as BERG's renderer made them: greyscale, not
		// subpixel, anti-aliasing (thresholded later), glyphs where the
		// font puts them.
		chromedp.Flag("disable-lcd-text", true),
		chromedp.Flag("font-render-hinting", "none"),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.Flag("force-color-profile", "srgb"),
		chromedp.Flag("mute-audio", true),

		// Nothing of its own to do: no updates, sync, extensions, apps.
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-domain-reliability", true),
		chromedp.Flag("no-pings", true),

		// Frames of other sites in the page's own process, so that their
		// requests pause in the page's Fetch domain too (a frame in a
		// process of its own is another target, whose requests the
		// page's interception does not see).
		chromedp.Flag("disable-site-isolation-trials", true),
		chromedp.Flag("disable-features", "Translate,BlinkGenPropertyTrees,site-per-process,IsolateOrigins,MediaRouter,OptimizationHints"),
		chromedp.Flag("renderer-process-limit", strconv.Itoa(e.cfg.Concurrency+1)),
		chromedp.Flag("js-flags", "--max-old-space-size="+strconv.Itoa(e.cfg.MemoryMB)),

		// The second wall, for what interception might not see (a
		// popup, a kind of request a later Chromium adds): every
		// connection, loopback's too, goes to a proxy whose name the
		// resolver, which resolves nothing, cannot find; WebRTC sends
		// no UDP but through the proxy, so none.
		chromedp.ProxyServer("http://proxy.paperboy.invalid:9"),
		chromedp.Flag("proxy-bypass-list", "<-loopback>"),
		chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND"),
		chromedp.Flag("force-webrtc-ip-handling-policy", "disable_non_proxied_udp"),
		chromedp.Flag("webrtc-ip-handling-policy", "disable_non_proxied_udp"),

		chromedp.CombinedOutput(e.out),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	stopAll := func() {
		cancel()      // waits for the browser to exit
		cancelAlloc() // waits for its folder to be removed
	}
	// The first run starts the browser and binds its life to its context,
	// the browser's own: a render giving up cancels it only while it
	// starts.
	giveUp := context.AfterFunc(start, cancel)
	err := chromedp.Do(ctx)
	if !giveUp() && err == nil {
		err = context.Cause(start)
	}
	if err != nil {
		stopAll()
		if start.Err() != nil {
			return nil, fmt.Errorf("starting Chromium: %w", context.Cause(start))
		}
		return nil, fmt.Errorf("starting Chromium (%s): %w\n%s", e.cfg.Path, err, e.out)
	}
	b := &browser{ctx: ctx, cancel: stopAll}
	if c := chromedp.FromContext(ctx); c != nil && c.Browser != nil {
		if p := c.Browser.Process(); p != nil {
			b.proc, b.pid = p, p.Pid
		}
	}
	return b, nil
}

// tail keeps the end of what is written to it: a browser's output, which
// runs for days, for the error of a start that failed.
type tail struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if over := len(t.buf) - t.max; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
	}
	return len(p), nil
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf)
}
