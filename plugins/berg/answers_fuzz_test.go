package berg

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// answering is a transport that answers every request with one response,
// made up by the fuzzer: no network.
type answering struct {
	status int
	header http.Header
	body   string
}

func (a answering) RoundTrip(r *http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: a.status, Status: http.StatusText(a.status), Header: a.header.Clone(),
		Body: io.NopCloser(strings.NewReader(a.body)), Request: r, ProtoMajor: 1, ProtoMinor: 1}, nil
}

// FuzzAnswers: whatever a publication answers (any status, content type,
// ETag and body), reading it as meta.json, an edition, a sample, an icon
// or a validation gives a result or an error that says something, never a
// panic; an edition to print is HTML with a body.
func FuzzAnswers(f *testing.F) {
	f.Add(200, "text/html; charset=utf-8", `"abc"`, "<h1>Hello</h1>")
	f.Add(200, "text/html;charset=utf-8", `W/"x"`, " \n ")
	f.Add(204, "", "", "")
	f.Add(410, "", "", "")
	f.Add(500, "text/plain", `"e"`, "Error: could not reach\nthe upstream feed")
	f.Add(200, "application/json", "", `{"valid": false, "errors": ["Please enter a name", 3, null]}`)
	f.Add(200, "application/json", "", `{"valid": true}`)
	f.Add(200, "application/json", "", `{"name": "Hello", "config": {"fields": [{"type": "select", "name": "lang", "options": [["A", "a"]]}]}}`)
	f.Add(200, "image/png", "", "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x007\x00\x00\x007\x08\x00\x00\x00\x00")
	f.Add(302, "", "", "")
	f.Add(200, "application/octet-stream", "", "\x00\x01\x02\xff")
	f.Fuzz(func(t *testing.T, status int, ctype, etag, body string) {
		if status < 100 || status > 599 || status >= 300 && status < 400 {
			return // a redirect without a Location is the http package's to refuse
		}
		h := http.Header{}
		if ctype != "" {
			h.Set("Content-Type", ctype)
		}
		if etag != "" {
			h.Set("ETag", etag)
		}
		base, _ := url.Parse("http://publication.example/pub/")
		c := &Client{HTTP: &http.Client{Transport: answering{status, h, body}, Timeout: time.Second}, Base: base}
		ctx := t.Context()
		if _, err := c.Meta(ctx, ""); err != nil && err.Error() == "" {
			t.Error("Meta: an empty error")
		}
		at := time.Date(2026, 12, 7, 8, 0, 0, 0, time.UTC)
		for _, get := range []func() (Edition, error){
			func() (Edition, error) {
				return c.Edition(ctx, EditionRequest{Config: map[string]string{"name": "Ann"}, Time: at, SendTime: true, SendCount: true})
			},
			func() (Edition, error) { return c.Sample(ctx) },
		} {
			ed, err := get()
			switch {
			case err != nil && err.Error() == "":
				t.Error("an empty error")
			case err == nil && ed.Kind == Print && strings.TrimSpace(string(ed.HTML)) == "":
				t.Errorf("an edition to print with no body: %+v", ed)
			case err == nil && ed.Kind != Print && ed.Kind != Nothing && ed.Kind != Finished:
				t.Errorf("no answer and no error: %+v", ed)
			}
		}
		if icon, err := c.Icon(ctx); err == nil && (len(icon) == 0 || len(icon) > MaxIconBytes) {
			t.Errorf("an icon of %d bytes", len(icon))
		}
		errs, err := c.ValidateConfig(ctx, map[string]string{"name": "Ann"}, nil)
		if err == nil {
			for _, e := range errs {
				if strings.TrimSpace(e) == "" {
					t.Errorf("an empty refusal in %q", errs)
				}
			}
		}
	})
}
