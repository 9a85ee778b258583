package chromium

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/cdproto/network"
)

// maxRequests bounds what one page may fetch, its document aside: a BERG
// page had a masthead, a few pictures, a style sheet and a script or two.
// Past it requests fail, so a page that loads in a loop ends.
const maxRequests = 64

// maxResourceBytes bounds one thing fetched whatever the client allows:
// the browser holds it in memory, and it crosses the DevTools pipe in
// base64.
const maxResourceBytes = 16 << 20

// standIn is the address of a page that has none (a message's HTML): its
// relative URLs point there, where nothing is fetched. .invalid names
// never resolve (RFC 2606).
const standIn = "http://paperboy.invalid/"

// fetcher answers the requests a page's tab pauses: the document with the
// page's HTML, everything else fetched through the guarded client, or
// failed. It counts them, so that the render knows when the page has
// stopped loading.
type fetcher struct {
	client *http.Client // nil: nothing is fetched
	html   []byte
	noHost string // the stand-in's host when the page has no URL, else ""

	mu      sync.Mutex
	served  bool          // the document was answered
	n       int           // requests answered, the document aside
	pending int           // requests paused and not yet answered
	changed chan struct{} // closed when pending drops to 0, then replaced
}

func newFetcher(client *http.Client, p pageInput) *fetcher {
	f := &fetcher{client: client, html: p.html, changed: make(chan struct{})}
	if p.standIn {
		u, _ := url.Parse(standIn)
		f.noHost = u.Host
	}
	return f
}

// serve answers each paused request of events, each in a goroutine of wg,
// until the events end (the page's context is done).
func (f *fetcher) serve(ctx context.Context, s cdp.Session, events iter.Seq2[fetch.EventRequestPaused, error], wg *sync.WaitGroup) {
	for ev, err := range events {
		if err != nil {
			return
		}
		f.mu.Lock()
		f.pending++
		f.mu.Unlock()
		wg.Go(func() {
			defer f.done()
			f.answer(ctx, s, ev)
		})
	}
}

// done counts a request answered.
func (f *fetcher) done() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.pending--
	if f.pending == 0 {
		close(f.changed)
		f.changed = make(chan struct{})
	}
}

// quiet waits until no request is paused, and returns how many were
// answered so far: the same number after the page had time to start more
// means it has stopped loading.
func (f *fetcher) quiet(ctx context.Context) (int, error) {
	for {
		f.mu.Lock()
		n, pending, changed := f.n, f.pending, f.changed
		f.mu.Unlock()
		if pending == 0 {
			return n, nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return 0, context.Cause(ctx)
		}
	}
}

// answer answers one paused request. The replies' errors are not looked
// at: a request the page no longer wants, or a tab that closed, is no
// failure of the render.
func (f *fetcher) answer(ctx context.Context, s cdp.Session, ev fetch.EventRequestPaused) {
	if ev.ResourceType == network.ResourceTypeDocument && f.isDocument() {
		cdp.Call(ctx, s, fetch.FulfillRequest, fetch.FulfillRequestParams{
			RequestID:       ev.RequestID,
			ResponseCode:    http.StatusOK,
			ResponseHeaders: []*fetch.HeaderEntry{{Name: "Content-Type", Value: htmlType(f.html)}},
			Body:            f.html,
		})
		return
	}
	if reason := f.refuse(ev); reason != "" {
		cdp.Call(ctx, s, fetch.FailRequest, fetch.FailRequestParams{RequestID: ev.RequestID, ErrorReason: reason})
		return
	}
	status, header, body, err := f.get(ctx, ev.Request)
	if err != nil {
		cdp.Call(ctx, s, fetch.FailRequest, fetch.FailRequestParams{RequestID: ev.RequestID, ErrorReason: network.ErrorReasonFailed})
		return
	}
	cdp.Call(ctx, s, fetch.FulfillRequest, fetch.FulfillRequestParams{
		RequestID:       ev.RequestID,
		ResponseCode:    int64(status),
		ResponseHeaders: header,
		Body:            body,
	})
}

// isDocument reports whether a document request is the page's own: the
// first one, that of the navigation to the page's URL (matched by order,
// not by the URL, which Chromium may spell otherwise). A frame, or the
// page loading itself again, comes later and is fetched.
func (f *fetcher) isDocument() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.served {
		return false
	}
	f.served = true
	return true
}

// refuse is why a request is not fetched, or "" if it is.
func (f *fetcher) refuse(ev fetch.EventRequestPaused) network.ErrorReason {
	u, err := url.Parse(ev.Request.URL)
	if err == nil && ev.ResourceType == network.ResourceTypeOther && u.Path == "/favicon.ico" {
		// Chromium's own, after the load: nothing to print, and not
		// the page's doing, so not counted (which would make the render
		// wait a round for it).
		return network.ErrorReasonBlockedByClient
	}
	f.mu.Lock()
	f.n++
	n := f.n
	f.mu.Unlock()
	switch {
	case err != nil || u.Scheme != "http" && u.Scheme != "https":
		return network.ErrorReasonFailed
	case f.client == nil, n > maxRequests:
		return network.ErrorReasonBlockedByClient
	case f.noHost != "" && u.Host == f.noHost:
		return network.ErrorReasonNameNotResolved
	case ev.ResourceType == network.ResourceTypeFont:
		// BERG's stack did not load web fonts: publications were made
		// for the fonts installed, and print as they did.
		return network.ErrorReasonBlockedByClient
	}
	return ""
}

// get fetches what r asks for through the client: its status, the headers
// to give the browser, and its body.
func (f *fetcher) get(ctx context.Context, r *network.Request) (int, []*fetch.HeaderEntry, []byte, error) {
	var body io.Reader
	if r.HasPostData {
		var b []byte
		for _, e := range r.PostDataEntries {
			b = append(b, e.Bytes...)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, r.Method, r.URL, body)
	if err != nil {
		return 0, nil, nil, err
	}
	for k, v := range r.Headers {
		if !hopByHop(k) && !strings.EqualFold(k, "Accept-Encoding") {
			// Chromium joins a header's values with newlines.
			req.Header.Set(k, strings.ReplaceAll(fmt.Sprint(v), "\n", ", "))
		}
	}
	resp, err := f.client.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxResourceBytes+1))
	if err != nil {
		return 0, nil, nil, err
	}
	if len(b) > maxResourceBytes {
		return 0, nil, nil, errTooLarge
	}
	var header []*fetch.HeaderEntry
	for k, vs := range resp.Header {
		if hopByHop(k) || strings.EqualFold(k, "Content-Length") {
			continue // the body given is whole, and its own length
		}
		for _, v := range vs {
			header = append(header, &fetch.HeaderEntry{Name: k, Value: v})
		}
	}
	return resp.StatusCode, header, b, nil
}

var errTooLarge = errors.New("larger than a page may fetch")

// hopByHop reports whether a header is about one connection, not what
// goes over it (RFC 9110, 7.6.1): the engine's client makes its own.
func hopByHop(name string) bool {
	switch strings.ToLower(name) {
	case "connection", "keep-alive", "proxy-connection", "proxy-authorization", "proxy-authenticate",
		"te", "trailer", "transfer-encoding", "upgrade", "host":
		return true
	}
	return false
}

// htmlType is the Content-Type the page's HTML is given with: UTF-8, as
// the pure-Go engine reads it, unless the page says its own charset early
// on, as a browser looks for it (the first 1024 bytes).
func htmlType(html []byte) string {
	head := bytes.ToLower(html[:min(len(html), 1024)])
	if bytes.Contains(head, []byte("charset")) && bytes.Contains(head, []byte("<meta")) {
		return "text/html"
	}
	return "text/html; charset=utf-8"
}
