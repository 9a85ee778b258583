package chromium

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/png"
	"sync"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/cdproto/inspector"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"paperboy/codec"
	"paperboy/sdk/htmlrender"
)

// Render's errors, beside the timeout's.
var (
	//lint:ignore ST1005 Chromium is a name
	errStopped = errors.New("Chromium stopped while rendering; it has been restarted")
	errCrashed = errors.New("the page crashed its tab")
)

// settleRounds bounds the waits for a page to stop loading: a page that
// fetches or animates for ever is taken as it is then.
const settleRounds = 20

// terminateTimeout bounds stopping a page's script before its tab closes.
const terminateTimeout = 2 * time.Second

// Scripts run in the page.
const (
	// settleJS waits for pictures to be decoded and for two frames to be
	// drawn, after what the page's scripts started on load (a timer of
	// 0, a chart drawn in a requestAnimationFrame) has run.
	settleJS = `(async () => {
		await Promise.all(Array.from(document.images, i => i.decode().catch(() => {})));
		await new Promise(r => setTimeout(r, 0));
		await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
	})()`
	// heightJS is the page's height in CSS pixels.
	heightJS = `Math.max(document.documentElement.scrollHeight, document.body ? document.body.scrollHeight : 0)`
	// ditherJS is the boxes of the pictures to dither, [left, top, right,
	// bottom], from the top of the page.
	ditherJS = `(() => {
		window.scrollTo(0, 0);
		return Array.from(document.querySelectorAll('img.dither'), i => {
			const r = i.getBoundingClientRect();
			return [Math.round(r.left), Math.round(r.top), Math.round(r.right), Math.round(r.bottom)];
		});
	})()`
)

// pageInput is what a tab is given to load.
type pageInput struct {
	html    []byte
	url     string // without fragment
	standIn bool   // url is standIn: the page has none
}

// Render renders p in a tab of the browser, starting the browser if it
// does not run. See htmlrender.Engine.
//
// Options.Timeout starts when a tab is free and the browser runs: a
// render waiting for a tab, or for the browser to start, is bounded by
// ctx alone.
func (e *Engine) Render(ctx context.Context, p htmlrender.Page) (*image.Gray, error) {
	if len(p.HTML) > e.opts.MaxBytes {
		return nil, fmt.Errorf("the page's HTML is %s, more than the %s allowed", size(len(p.HTML)), size(e.opts.MaxBytes))
	}
	in := pageInput{html: p.HTML, url: standIn, standIn: true}
	if p.URL != nil {
		if p.URL.Scheme != "http" && p.URL.Scheme != "https" || p.URL.Host == "" {
			// A file: page could read the server's files.
			return nil, fmt.Errorf("the page's address %q is not an http or https URL", p.URL.Redacted())
		}
		u := *p.URL
		u.Fragment, u.RawFragment = "", ""
		in.url, in.standIn = u.String(), false
	}
	select {
	case e.slots <- struct{}{}:
	case <-ctx.Done():
		return nil, fmt.Errorf("waiting for a tab to render in: %w", context.Cause(ctx))
	}
	defer func() { <-e.slots }()

	timeout := fmt.Errorf("the page did not finish rendering in %v", e.opts.Timeout)
	for first := true; ; first = false {
		b, err := e.running(ctx)
		if err != nil {
			return nil, err
		}
		img, opened, err := e.renderTimed(ctx, b, in, timeout)
		switch {
		case err == nil:
			return img, nil
		case e.isClosed():
			return nil, errClosed
		case ctx.Err() != nil:
			return nil, fmt.Errorf("rendering the page: %w", context.Cause(ctx))
		case err == timeout && opened && b.alive():
			return nil, err
		case errors.Is(err, errCrashed):
			return nil, fmt.Errorf("the page crashed its tab in Chromium; it may have used more than the %d MB of memory allowed", e.cfg.MemoryMB)
		case !b.stopped():
			return nil, err
		}
		// The browser stopped. If it had before the page was given to it
		// (it was killed between renders, and opening a tab failed or
		// waited for an answer until the timeout), start another for the
		// page.
		e.forget(b)
		if first && !opened {
			continue
		}
		if _, err := e.running(context.WithoutCancel(ctx)); err != nil {
			//lint:ignore ST1005 Chromium is a name
			return nil, fmt.Errorf("Chromium stopped while rendering, and did not start again: %w", err)
		}
		return nil, errStopped
	}
}

// renderTimed is render within Options.Timeout, whose error is timeout.
func (e *Engine) renderTimed(ctx context.Context, b *browser, in pageInput, timeout error) (*image.Gray, bool, error) {
	ctx, cancel := context.WithTimeoutCause(ctx, e.opts.Timeout, timeout)
	defer cancel()
	return e.render(ctx, b, in)
}

// stoppedWait is how long a render that failed waits for its browser's
// end to be noticed: the connection closing is seen a little after a
// command fails on it.
const stoppedWait = time.Second

// stopped reports whether the browser has stopped, waiting a little for
// it to be noticed.
func (b *browser) stopped() bool {
	if !b.alive() {
		return true
	}
	t := time.NewTimer(stoppedWait)
	defer t.Stop()
	select {
	case <-b.ctx.Done():
		return true
	case <-t.C:
		return false
	}
}

// render renders the page in a new tab of b. opened reports whether the
// tab was opened, so that the page was given to the browser.
func (e *Engine) render(ctx context.Context, b *browser, in pageInput) (img *image.Gray, opened bool, err error) {
	// A browser context of its own: no cookies or storage of another
	// page, and no renderer process shared with one, which a script
	// that never ends would hold.
	tab, closeTab := chromedp.NewContext(b.ctx, chromedp.WithNewBrowserContext())
	// The first run opens the tab and binds the tab's life to tab, which
	// ctx then bounds only while it opens.
	giveUp := context.AfterFunc(ctx, closeTab)
	err = chromedp.Do(tab)
	if !giveUp() {
		closeTab()
		return nil, false, context.Cause(ctx)
	}
	if err != nil {
		closeTab()
		return nil, false, fmt.Errorf("opening a tab: %w", err)
	}
	t := chromedp.FromContext(tab).Target

	pageCtx, stopPage := context.WithCancelCause(tab)
	stopWithCtx := context.AfterFunc(ctx, func() { stopPage(context.Cause(ctx)) })
	var wg sync.WaitGroup
	defer func() {
		stopWithCtx()
		stopPage(nil)
		wg.Wait()
		if err != nil {
			// A script may still run (a loop that never ends), and the
			// tab would not close until it ended: stop it.
			tctx, cancel := context.WithTimeout(tab, terminateTimeout)
			cdp.Call(tctx, t, runtime.TerminateExecution, cdp.Empty{})
			cancel()
		}
		closeTab()
	}()

	f := newFetcher(e.opts.HTTP, in)
	paused := chromedp.Events(pageCtx, fetch.RequestPaused)
	wg.Go(func() { f.serve(pageCtx, t, paused, &wg) })
	crashed := chromedp.Events(pageCtx, inspector.TargetCrashed)
	wg.Go(func() {
		for _, err := range crashed {
			if err == nil {
				stopPage(errCrashed)
			}
			return
		}
	})
	// alert(), confirm() and prompt() would wait for a person.
	dialogs := chromedp.Events(pageCtx, page.JavascriptDialogOpening)
	wg.Go(func() {
		for _, err := range dialogs {
			if err != nil {
				return
			}
			cdp.Call(pageCtx, t, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: true})
		}
	})

	img, err = e.load(pageCtx, t, f, in)
	if err != nil && pageCtx.Err() != nil {
		err = context.Cause(pageCtx)
	}
	return img, true, err
}

// load loads the page in the tab t and makes its picture.
func (e *Engine) load(ctx context.Context, t *chromedp.Target, f *fetcher, in pageInput) (*image.Gray, error) {
	// A page one row tall at first, so that the height it measures is
	// its own, not the window's.
	if err := e.resize(ctx, t, 1); err != nil {
		return nil, err
	}
	if _, err := cdp.Call(ctx, t, emulation.SetScrollbarsHidden, emulation.SetScrollbarsHiddenParams{Hidden: true}); err != nil {
		return nil, fmt.Errorf("hiding scroll bars: %w", err)
	}
	if _, err := cdp.Call(ctx, t, fetch.Enable, fetch.EnableParams{Patterns: []*fetch.RequestPattern{{URLPattern: "*"}}}); err != nil {
		return nil, fmt.Errorf("intercepting the page's requests: %w", err)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(in.url)); err != nil {
		return nil, fmt.Errorf("loading the page: %w", err)
	}
	if err := settle(ctx, f); err != nil {
		return nil, err
	}
	// The height, then the page that tall, until it stays so: a page can
	// grow with its window (a height in vh), and pictures further down
	// load once they are in it (loading="lazy").
	height := 0
	for range 3 {
		h, err := chromedp.Run(ctx, chromedp.Evaluate[int](heightJS))
		if err != nil {
			return nil, fmt.Errorf("measuring the page: %w", err)
		}
		h = max(1, min(h, e.maxHeight()))
		if h == height {
			break
		}
		height = h
		if err := e.resize(ctx, t, height); err != nil {
			return nil, err
		}
		if err := settle(ctx, f); err != nil {
			return nil, err
		}
	}
	boxes, err := chromedp.Run(ctx, chromedp.Evaluate[[][4]int](ditherJS))
	if err != nil {
		return nil, fmt.Errorf("finding pictures to dither: %w", err)
	}
	shot, err := cdp.Call(ctx, t, page.CaptureScreenshot, page.CaptureScreenshotParams{
		Format:                page.CaptureScreenshotFormatPng,
		CaptureBeyondViewport: ptr(false),
		FromSurface:           ptr(true),
		OptimizeForSpeed:      ptr(true), // a faster PNG, read once
	})
	if err != nil {
		return nil, fmt.Errorf("taking the page's picture: %w", err)
	}
	m, err := png.Decode(bytes.NewReader(shot.Data))
	if err != nil {
		return nil, fmt.Errorf("reading the page's picture: %w", err)
	}
	rects := make([]image.Rectangle, len(boxes))
	for i, b := range boxes {
		rects[i] = image.Rect(b[0], b[1], b[2], b[3])
	}
	return picture(m, height, rects), nil
}

// maxHeight is the tallest picture made: Options.MaxHeight, within what a
// print can be.
func (e *Engine) maxHeight() int { return min(e.opts.MaxHeight, codec.MaxRows) }

// resize makes the tab's window htmlrender.Width CSS pixels wide, one
// pixel each, and height tall.
func (e *Engine) resize(ctx context.Context, t *chromedp.Target, height int) error {
	_, err := cdp.Call(ctx, t, emulation.SetDeviceMetricsOverride, emulation.SetDeviceMetricsOverrideParams{
		Width:             htmlrender.Width,
		Height:            int64(height),
		DeviceScaleFactor: 1,
		ScreenWidth:       htmlrender.Width,
		ScreenHeight:      int64(max(height, 800)),
	})
	if err != nil {
		return fmt.Errorf("sizing the page: %w", err)
	}
	return nil
}

// settle waits until the page has stopped loading: no request of it
// waits for an answer, and none started while its scripts had two frames
// to run (settleJS). A page that keeps loading is taken after
// settleRounds.
func settle(ctx context.Context, f *fetcher) error {
	for range settleRounds {
		n, err := f.quiet(ctx)
		if err != nil {
			return err
		}
		if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](settleJS, chromedp.EvalAwaitPromise)); err != nil {
			return fmt.Errorf("waiting for the page's scripts: %w", err)
		}
		if m, err := f.quiet(ctx); err != nil {
			return err
		} else if m == n {
			return nil
		}
	}
	return nil
}

// size is a number of bytes in words: 900 bytes, 12 KB.
func size(n int) string {
	if n < 10<<10 {
		return fmt.Sprintf("%d bytes", n)
	}
	return fmt.Sprintf("%d KB", n>>10)
}

func ptr[T any](v T) *T { return &v }
