// Package sdktest is the test kit for publications: a fixed clock, recorded
// HTTP responses instead of the network, golden PNG snapshots (go test
// -update rewrites them), and a check that an upstream that is down, slow
// or answering 500 gives a clear error and no panic.
//
//	func TestRender(t *testing.T) {
//		req := sdktest.Request(sdktest.At(t, "2026-12-01T08:00:00", "Europe/London"), sdk.Config{"city": "Leeds"})
//		req.HTTP = sdktest.Recorded(t, map[string]string{"https://api.example.com/v1": "testdata/leeds.json"})
//		img := sdktest.Render(t, pub{}, req)
//		sdktest.Snapshot(t, img, "testdata/leeds.png")
//	}
package sdktest

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"image"
	"image/png"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"paperboy/sdk"
)

var update = flag.Bool("update", false, "sdktest: rewrite golden PNG snapshots instead of comparing with them")

// At is a fixed moment: a local date and time ("2026-12-01T08:00:00") in
// an IANA time zone, as a subscriber's delivery time arrives in a Request.
func At(tb testing.TB, local, zone string) time.Time {
	tb.Helper()
	loc, err := time.LoadLocation(zone)
	if err != nil {
		tb.Fatalf("sdktest: time zone %q: %v", zone, err)
	}
	t, err := time.ParseInLocation("2006-01-02T15:04:05", local, loc)
	if err != nil {
		tb.Fatalf("sdktest: time %q: %v", local, err)
	}
	return t
}

// Request is a request for an edition at a moment, with a config (the
// form's defaults are filled in by Render) and an HTTP client that reaches
// nothing: set HTTP to Recorded's client for a publication that fetches.
func Request(at time.Time, cfg sdk.Config) sdk.Request {
	return sdk.Request{Config: cfg, Time: at, HTTP: &http.Client{Transport: faultTransport{fault: Down}}}
}

// Render checks the config against the publication's form and its Validate,
// renders an edition, and returns its picture; it fails the test on any
// error or panic, or if there is no picture (use RenderResult for
// NothingToday and Finished).
func Render(tb testing.TB, p sdk.Publication, r sdk.Request) image.Image {
	tb.Helper()
	res, err := RenderResult(tb, p, r)
	if err != nil {
		tb.Fatalf("sdktest: render: %v", err)
	}
	img, err := sdk.RenderResult(res)
	if err != nil {
		tb.Fatalf("sdktest: the edition: %v", err)
	}
	return img
}

// RenderResult checks the config as the host does and calls Render,
// turning a panic into a test failure.
func RenderResult(tb testing.TB, p sdk.Publication, r sdk.Request) (res sdk.Result, err error) {
	tb.Helper()
	meta := p.Meta()
	if err := meta.Check(); err != nil {
		tb.Fatalf("sdktest: %v", err)
	}
	cfg, err := meta.CheckConfig(r.Config)
	if err != nil {
		tb.Fatalf("sdktest: the config: %v", err)
	}
	if err := p.Validate(context.Background(), cfg); err != nil {
		tb.Fatalf("sdktest: the config: %v", err)
	}
	r.Config = cfg
	if r.HTTP == nil {
		r.HTTP = &http.Client{Transport: faultTransport{fault: Down}}
	}
	defer func() {
		if v := recover(); v != nil {
			tb.Fatalf("sdktest: the publication panicked: %v", v)
		}
	}()
	return p.Render(context.Background(), r)
}

// Recorded is an HTTP client that answers each URL with the file recorded
// for it (its content type guessed from its name); any other URL is
// refused, as if its host were down. Query strings count: record the URL
// exactly as the publication asks for it.
func Recorded(tb testing.TB, files map[string]string) *http.Client {
	tb.Helper()
	bodies := map[string][]byte{}
	for u, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			tb.Fatalf("sdktest: recording for %s: %v", u, err)
		}
		bodies[u] = data
	}
	return &http.Client{Transport: recorded{bodies: bodies, names: files}, Timeout: 5 * time.Second}
}

type recorded struct {
	bodies map[string][]byte
	names  map[string]string
}

func (rt recorded) RoundTrip(req *http.Request) (*http.Response, error) {
	u := req.URL.String()
	body, ok := rt.bodies[u]
	if !ok {
		return nil, &net.OpError{Op: "dial", Net: "tcp", Err: fmt.Errorf("sdktest: no recording for %s", u)}
	}
	h := http.Header{}
	h.Set("Content-Type", contentType(rt.names[u]))
	return &http.Response{StatusCode: 200, Status: "200 OK", Header: h, Body: io.NopCloser(bytes.NewReader(body)),
		ContentLength: int64(len(body)), Request: req, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1}, nil
}

func contentType(name string) string {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".json":
		return "application/json"
	case ".rss", ".xml":
		return "application/rss+xml"
	case ".atom":
		return "application/atom+xml"
	case ".html":
		return "text/html; charset=utf-8"
	case ".png":
		return "image/png"
	case ".jpg", ".jpeg":
		return "image/jpeg"
	}
	return "application/octet-stream"
}

// Fault is a way for an upstream to fail.
type Fault string

// The faults CheckUpstreamFaults tries.
const (
	Down  Fault = "down"  // the connection is refused
	Slow  Fault = "slow"  // no answer before the client's timeout
	Error Fault = "error" // 500 Internal Server Error
)

// Failing is an HTTP client whose every request meets a fault.
func Failing(f Fault) *http.Client {
	return &http.Client{Transport: faultTransport{fault: f}, Timeout: 200 * time.Millisecond}
}

type faultTransport struct{ fault Fault }

func (ft faultTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	switch ft.fault {
	case Slow:
		select {
		case <-req.Context().Done():
			return nil, req.Context().Err()
		case <-time.After(30 * time.Second):
			return nil, errors.New("sdktest: the slow upstream gave up")
		}
	case Error:
		body := "Internal Server Error"
		return &http.Response{StatusCode: 500, Status: "500 Internal Server Error", Header: http.Header{"Content-Type": {"text/plain"}},
			Body: io.NopCloser(strings.NewReader(body)), ContentLength: int64(len(body)), Request: req,
			Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1}, nil
	}
	return nil, &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}
}

// CheckUpstreamFaults renders with each upstream fault (down, slow, 500)
// and fails the test unless each gives an error with a message, quickly
// and without a panic. A publication that has something to print without
// its upstream (a cached or a local edition) may instead return one.
func CheckUpstreamFaults(t *testing.T, p sdk.Publication, r sdk.Request) {
	t.Helper()
	for _, f := range []Fault{Down, Slow, Error} {
		t.Run("upstream "+string(f), func(t *testing.T) {
			r := r
			r.HTTP = Failing(f)
			began := time.Now()
			res, err := RenderResult(t, p, r)
			if took := time.Since(began); took > 10*time.Second {
				t.Errorf("with the upstream %s, Render took %v", f, took)
			}
			if err != nil {
				if strings.TrimSpace(err.Error()) == "" {
					t.Errorf("with the upstream %s, an error with no message", f)
				}
				return
			}
			if _, perr := sdk.RenderResult(res); perr != nil && !res.NothingToday && res.Finished == "" {
				t.Errorf("with the upstream %s, no error and no edition: %v", f, perr)
			}
		})
	}
}

// Snapshot compares img with the golden PNG at path, pixel by pixel, and
// fails the test where they differ; with go test -update it writes img
// there instead. On a difference the new picture is written beside the
// golden one as NAME.new.png, to look at.
func Snapshot(tb testing.TB, img image.Image, path string) {
	tb.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		tb.Fatalf("sdktest: %v", err)
	}
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			tb.Fatal(err)
		}
		tb.Logf("sdktest: wrote %s", path)
		return
	}
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		tb.Fatalf("sdktest: no snapshot %s: run go test -update to make it, and look at it", path)
	}
	if err != nil {
		tb.Fatal(err)
	}
	want, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		tb.Fatalf("sdktest: snapshot %s: %v", path, err)
	}
	if diff := Diff(want, img); diff != "" {
		newPath := strings.TrimSuffix(path, ".png") + ".new.png"
		if err := os.WriteFile(newPath, buf.Bytes(), 0o644); err != nil {
			tb.Errorf("sdktest: %v", err)
		}
		tb.Fatalf("sdktest: %s: %s (the new picture is in %s; go test -update accepts it)", path, diff, newPath)
	}
}

// Diff says how two pictures differ, "" if they are the same: their sizes,
// or how many pixels differ in grey and where the first one is.
func Diff(want, got image.Image) string {
	wb, gb := want.Bounds(), got.Bounds()
	if wb.Dx() != gb.Dx() || wb.Dy() != gb.Dy() {
		return fmt.Sprintf("the picture is %dx%d, want %dx%d", gb.Dx(), gb.Dy(), wb.Dx(), wb.Dy())
	}
	n, first := 0, image.Point{}
	for y := range wb.Dy() {
		for x := range wb.Dx() {
			if grey(want.At(wb.Min.X+x, wb.Min.Y+y)) != grey(got.At(gb.Min.X+x, gb.Min.Y+y)) {
				if n == 0 {
					first = image.Pt(x, y)
				}
				n++
			}
		}
	}
	if n == 0 {
		return ""
	}
	return fmt.Sprintf("%d pixels differ, the first at (%d, %d)", n, first.X, first.Y)
}

func grey(c interface{ RGBA() (r, g, b, a uint32) }) uint32 {
	r, g, b, a := c.RGBA()
	w := 0xffff - a
	return ((r+w)*299 + (g+w)*587 + (b+w)*114) / 1000 >> 8
}

// CheckFieldErrors fails the test unless err is the field errors want, as
// CheckConfig or Validate give them; a nil want means no error.
func CheckFieldErrors(tb testing.TB, err error, want sdk.FieldErrors) {
	tb.Helper()
	if want == nil {
		if err != nil {
			tb.Fatalf("error %v, want none", err)
		}
		return
	}
	var fe sdk.FieldErrors
	if !errors.As(err, &fe) {
		tb.Fatalf("error %v (%T), want FieldErrors %v", err, err, want)
	}
	if got, want := fe.Error(), want.Error(); got != want {
		tb.Fatalf("errors %q, want %q", got, want)
	}
}
