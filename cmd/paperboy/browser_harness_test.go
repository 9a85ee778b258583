package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"paperboy/internal/chromium"
	"paperboy/internal/syncbuf"
)

// The browser tests drive a real headless Chromium through the DevTools
// protocol. Each page a user sees is saved as a full-page screenshot, and a
// JavaScript error or a Content-Security-Policy violation on any page fails
// the test.

// EnvScreenshots is the folder the browser tests save their screenshots in,
// one subfolder per test; without it, paperboy-screenshots in the system's
// temporary folder.
const EnvScreenshots = "PAPERBOY_SCREENSHOTS"

// Sizes of the window: a phone (most people claim a printer from one), and a
// desktop for the pages worth seeing wide as well.
const (
	phoneWidth, phoneHeight     = 412, 915
	desktopWidth, desktopHeight = 1280, 900
)

// browserTimeout bounds one browser action (a page load, a query, a
// screenshot). It is generous: CI runs the server under -race on two cores.
const browserTimeout = 60 * time.Second

// dbusNoise are the lines Chromium logs when there is no D-Bus, as in a
// container: nothing to do with the test.
var dbusNoise = regexp.MustCompile(`(?m)^.*:ERROR:dbus/.*\n`)

// browser is one headless Chromium for a test. Its users each have a
// browser context of their own (their own cookies), as two people on two
// phones would.
type browser struct {
	t     *testing.T
	ctx   context.Context // the browser's first tab; users' tabs derive from it
	shots string          // where screenshots go
	n     atomic.Int32    // screenshots taken, for their numbers
}

// newBrowser starts Chromium for a test, or skips the test when there is no
// Chromium; call it first, before starting what the test needs. The browser
// is closed when the test ends.
func newBrowser(t *testing.T) *browser {
	t.Helper()
	path := chromium.Find() // the engine's own rule: PAPERBOY_CHROMIUM, then PATH, then Debian's
	if path == "" {
		t.Skip("Chromium not found: install Debian's chromium or set " + chromium.EnvChromium + "; the browser tests SKIP")
	}
	out := &syncbuf.Buffer{}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox, // CI runs as root, where Chromium's sandbox will not start
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(phoneWidth, phoneHeight),
		chromedp.CombinedOutput(out),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		cancel()
		cancelAlloc() // waits for Chromium to exit, before its folder is removed
		if t.Failed() {
			t.Logf("output of %s:\n%s", path, dbusNoise.ReplaceAllString(out.String(), ""))
		}
	})
	// The first run starts the browser; it has no timeout, which would
	// close the browser when it ended.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting %s: %v\n%s", path, err, out.String())
	}
	b := &browser{t: t, ctx: ctx, shots: screenshotDir(t)}
	t.Logf("browser screenshots of %s go to %s", t.Name(), b.shots)
	return b
}

// screenshotDir is a fresh folder for a test's screenshots: old ones from an
// earlier run of the same test are removed, so what is there is this run's.
func screenshotDir(t *testing.T) string {
	t.Helper()
	root := os.Getenv(EnvScreenshots)
	if root == "" {
		root = filepath.Join(os.TempDir(), "paperboy-screenshots")
	}
	dir := filepath.Join(root, strings.ReplaceAll(t.Name(), "/", "_"))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	old, _ := filepath.Glob(filepath.Join(dir, "[0-9][0-9]-*.png"))
	for _, f := range old {
		os.Remove(f)
	}
	return dir
}

// browserUser is one person at the web app, in a tab of their own browser
// context. Its methods fail the test when a step fails; each page they load
// is screenshotted, and checked for console errors.
type browserUser struct {
	b    *browser
	t    *testing.T
	name string // short, for screenshot names: "ann"
	base string // the server's address, http://host:port
	ctx  context.Context

	mu       sync.Mutex
	problems []pageProblem // console errors and CSP violations not yet reported
}

// pageProblem is an error the page reported: a console.error, an uncaught
// exception, or an error in the browser's log (a CSP violation, a failed load).
type pageProblem struct {
	source string // "console", "exception" or the log's source: "security", "network"…
	url    string
	text   string
}

func (p pageProblem) String() string {
	if p.url == "" {
		return p.source + ": " + p.text
	}
	return p.source + ": " + p.text + " (" + p.url + ")"
}

// user opens a tab for a new person, using the server at base, in a browser
// context of their own (cookies, storage), on a phone-sized screen.
func (b *browser) user(name, base string) *browserUser {
	b.t.Helper()
	u := &browserUser{b: b, t: b.t, name: name, base: base}
	ctx, cancel := chromedp.NewContext(b.ctx, chromedp.WithNewBrowserContext(), chromedp.WithListener(u.listen))
	b.t.Cleanup(cancel)
	u.ctx = ctx
	if err := chromedp.Do(ctx); err != nil { // opens the tab, with no timeout
		b.t.Fatalf("%s: opening a tab: %v", name, err)
	}
	u.run("set a phone's screen", u.phone())
	return u
}

// listen collects what the page reports as an error. It runs in the tab's
// event loop, so it only records.
func (u *browserUser) listen(ev any) {
	var p pageProblem
	switch ev := ev.(type) {
	case *runtime.EventConsoleAPICalled:
		if ev.Type != runtime.ConsoleAPICalledTypeError && ev.Type != runtime.ConsoleAPICalledTypeAssert {
			return
		}
		var parts []string
		for _, a := range ev.Args {
			if a.Value != nil {
				parts = append(parts, string(a.Value))
			} else {
				parts = append(parts, a.Description)
			}
		}
		p = pageProblem{source: "console." + string(ev.Type), text: strings.Join(parts, " ")}
		if st := ev.StackTrace; st != nil && len(st.CallFrames) > 0 {
			p.url = st.CallFrames[0].URL
		}
	case *runtime.EventExceptionThrown:
		d := ev.ExceptionDetails
		p = pageProblem{source: "exception", url: d.URL, text: d.Text}
		if d.Exception != nil {
			p.text += " " + d.Exception.Description
		}
	case *log.EventEntryAdded:
		// Chromium reports a CSP violation here, as an error of the
		// "security" source, and a failed load of the "network" source.
		if ev.Entry.Level != log.EntryLevelError {
			return
		}
		p = pageProblem{source: string(ev.Entry.Source), url: ev.Entry.URL, text: ev.Entry.Text}
	default:
		return
	}
	u.mu.Lock()
	u.problems = append(u.problems, p)
	u.mu.Unlock()
}

// takeProblems returns the problems reported since the last call.
func (u *browserUser) takeProblems() []pageProblem {
	u.mu.Lock()
	defer u.mu.Unlock()
	ps := u.problems
	u.problems = nil
	return ps
}

// checkPage fails the test for each error the page reported during a step.
// expected, if not "", is the URL of a document loaded with an error status
// on purpose, whose "failed to load" line is no problem; so is a missing
// /favicon.ico, which Chromium asks for by itself.
func (u *browserUser) checkPage(step, expected string) {
	u.t.Helper()
	for _, p := range u.takeProblems() {
		if p.source == string(log.EntrySourceNetwork) && (p.url == expected || strings.HasSuffix(p.url, "/favicon.ico")) {
			continue // asked for, or no page's doing: Chromium asks for an icon the server has none of
		}
		u.t.Errorf("%s: %s: the page reported %s", u.name, step, p)
	}
}

// run runs browser actions as one step, bounded by browserTimeout.
func (u *browserUser) run(step string, actions ...chromedp.Action[chromedp.Void]) {
	u.t.Helper()
	ctx, cancel := context.WithTimeout(u.ctx, browserTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		u.fatalf("%s: %v", step, err)
	}
}

// fatalf ends the test with a screenshot of where the user got stuck.
func (u *browserUser) fatalf(format string, args ...any) {
	u.t.Helper()
	msg := fmt.Sprintf(format, args...)
	ctx, cancel := context.WithTimeout(u.ctx, browserTimeout)
	defer cancel()
	if buf, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)); err == nil {
		file := u.b.save("failed", u.name, buf)
		msg += "\n(the page then: " + file + ")"
	}
	u.t.Fatalf("%s: %s", u.name, msg)
}

// phone sets a phone's screen: its width in CSS pixels, with the page's
// viewport meta honoured as a phone's browser does.
func (u *browserUser) phone() chromedp.Action[chromedp.Void] {
	return chromedp.EmulateViewport(phoneWidth, phoneHeight, chromedp.EmulateMobile, chromedp.EmulatePortrait)
}

// load runs a step that loads a page (a navigation, a link or a button),
// checks the document's status, screenshots the page as what, and checks
// it reported no errors.
func (u *browserUser) load(what string, want int, trigger chromedp.Action[chromedp.Void]) {
	u.t.Helper()
	ctx, cancel := context.WithTimeout(u.ctx, browserTimeout)
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, trigger, chromedp.WaitReady(chromedp.CSS("body")))
	if err != nil {
		u.fatalf("%s: %v", what, err)
	}
	u.shot(what)
	expected := ""
	if want >= 400 {
		expected = resp.URL
	}
	u.checkPage(what, expected)
	if int(resp.Status) != want {
		u.fatalf("%s: %s answered %d, want %d", what, resp.URL, resp.Status, want)
	}
}

// visit goes to a path of the server, which must answer 200.
func (u *browserUser) visit(what, path string) {
	u.t.Helper()
	u.load(what, 200, chromedp.Navigate(u.base+path))
}

// reload loads the page again, which must answer 200; no screenshot.
func (u *browserUser) reload(what string) {
	u.t.Helper()
	ctx, cancel := context.WithTimeout(u.ctx, browserTimeout)
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, chromedp.Reload(), chromedp.WaitReady(chromedp.CSS("body")))
	if err != nil {
		u.fatalf("%s: %v", what, err)
	}
	u.checkPage(what, "")
	if resp.Status != 200 {
		u.fatalf("%s: %s answered %d, want 200", what, resp.URL, resp.Status)
	}
}

// follow clicks a link or a submit button that loads a page answering want.
func (u *browserUser) follow(what, sel string, want int) {
	u.t.Helper()
	u.load(what, want, chromedp.Click(chromedp.CSS(sel)))
}

// fill types v into a field as a person would, key by key, after clearing
// what it held.
func (u *browserUser) fill(sel, v string) {
	u.t.Helper()
	q, _ := json.Marshal(sel)
	// SetValue cannot set "": it checks the value it set reads back, and an
	// empty string reads back as none.
	clear := fmt.Sprintf(`document.querySelector(%s).value = ""`, q)
	u.run("fill "+sel, chromedp.WaitVisible(chromedp.CSS(sel)), chromedp.Evaluate[chromedp.Void](clear), chromedp.SendKeys(chromedp.CSS(sel), v))
}

// set sets a field's value directly: for inputs typing does not suit, such
// as type=time, whose keys depend on the locale.
func (u *browserUser) set(sel, v string) {
	u.t.Helper()
	u.run("set "+sel, chromedp.SetValue(chromedp.CSS(sel), v))
}

// click clicks something that does not load a page: a checkbox, a radio.
func (u *browserUser) click(sel string) {
	u.t.Helper()
	u.run("click "+sel, chromedp.Click(chromedp.CSS(sel)))
}

// text is the visible text of the first element matching sel, once visible.
func (u *browserUser) text(sel string) string {
	u.t.Helper()
	ctx, cancel := context.WithTimeout(u.ctx, browserTimeout)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		u.fatalf("text of %s: %v", sel, err)
	}
	return strings.TrimSpace(s)
}

// location is the URL of the page the user is on, as a path and query:
// /?done=welcome.
func (u *browserUser) location() *url.URL {
	u.t.Helper()
	ctx, cancel := context.WithTimeout(u.ctx, browserTimeout)
	defer cancel()
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		u.fatalf("location: %v", err)
	}
	l, err := url.Parse(loc)
	if err != nil {
		u.fatalf("location %q: %v", loc, err)
	}
	return &url.URL{Path: l.Path, RawQuery: l.RawQuery}
}

// mustBeAt fails the test unless the path of the user's page (without its
// query) matches re; it returns the submatches.
func (u *browserUser) mustBeAt(re *regexp.Regexp) []string {
	u.t.Helper()
	loc := u.location()
	m := re.FindStringSubmatch(loc.Path)
	if m == nil {
		u.fatalf("at %s, want a page like %s", loc, re)
	}
	return m
}

// evaluate runs a JavaScript expression in the user's page and decodes its
// value into T. (A function: methods cannot have type parameters.)
func evaluate[T any](u *browserUser, expr string) T {
	u.t.Helper()
	ctx, cancel := context.WithTimeout(u.ctx, browserTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		u.fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// waitUntil evaluates the JavaScript condition in the page until it is
// true, up to browserTimeout; it does not survive a navigation.
func (u *browserUser) waitUntil(what, cond string) {
	u.t.Helper()
	u.run(what, chromedp.Poll[chromedp.Void](cond, chromedp.WithPollingInterval(100*time.Millisecond), chromedp.WithPollingTimeout(browserTimeout-time.Second)))
}

// shot saves a full-page screenshot of what the user sees, as
// NN-user-what.png.
func (u *browserUser) shot(what string) {
	u.t.Helper()
	ctx, cancel := context.WithTimeout(u.ctx, browserTimeout)
	defer cancel()
	buf, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		u.t.Fatalf("%s: screenshot of %s: %v", u.name, what, err)
	}
	u.b.save(what, u.name, buf)
}

// shotDesktop saves a screenshot of the page on a desktop's screen too, then
// goes back to the phone.
func (u *browserUser) shotDesktop(what string) {
	u.t.Helper()
	u.run("set a desktop's screen", chromedp.EmulateViewport(desktopWidth, desktopHeight))
	u.shot(what + "-desktop")
	u.run("set a phone's screen", u.phone())
}

// save writes a screenshot and returns its file's path.
func (b *browser) save(what, who string, png []byte) string {
	b.t.Helper()
	name := fmt.Sprintf("%02d-%s-%s.png", b.n.Add(1), who, slug(what))
	file := filepath.Join(b.shots, name)
	if err := os.WriteFile(file, png, 0o644); err != nil {
		b.t.Fatal(err)
	}
	return file
}

var notSlug = regexp.MustCompile(`[^a-z0-9]+`)

// slug makes a description fit a file name: "signed up, home" → "signed-up-home".
func slug(s string) string {
	return strings.Trim(notSlug.ReplaceAllString(strings.ToLower(s), "-"), "-")
}

// point is a place on a canvas, from 0 to 1 across and down.
type point struct{ x, y float64 }

// draw draws strokes on a canvas with the mouse, as a person would: the
// button pressed at each stroke's first point, moved through the others,
// released at its last.
func (u *browserUser) draw(sel string, strokes [][]point) {
	u.t.Helper()
	q := fmt.Sprintf("%q", sel)
	box := evaluate[struct{ X, Y, Width, Height float64 }](u, `(() => {
		const c = document.querySelector(`+q+`);
		c.scrollIntoView({block: "center"});
		const r = c.getBoundingClientRect();
		return {X: r.left, Y: r.top, Width: r.width, Height: r.height};
	})()`)
	if box.Width == 0 || box.Height == 0 {
		u.fatalf("draw: %s is not on the page", sel)
	}
	held := func(p *input.DispatchMouseEventParams) { p.Button, p.Buttons = input.MouseButtonLeft, 1 }
	var actions []chromedp.Action[chromedp.Void]
	for _, s := range strokes {
		for i, p := range s {
			x, y := box.X+p.x*box.Width, box.Y+p.y*box.Height
			typ := input.DispatchMouseEventTypeMouseMoved
			switch i {
			case 0:
				typ = input.DispatchMouseEventTypeMousePressed
			case len(s) - 1:
				typ = input.DispatchMouseEventTypeMouseReleased
			}
			opts := []chromedp.MouseOption{held}
			if typ != input.DispatchMouseEventTypeMouseMoved {
				opts = append(opts, chromedp.ClickCount(1))
			}
			actions = append(actions, chromedp.MouseEvent(typ, x, y, opts...))
		}
	}
	u.run("draw on "+sel, actions...)
}
