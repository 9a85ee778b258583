// Package bergtest has publications that behave as BERG Cloud's
// documented examples did, to test paperboy's BERG client against: each is
// an http.Handler to run in httptest, and records every request it gets so
// that a test can check the exact parameters BERG sent.
//
// They are deterministic: the day comes from the request's
// local_delivery_time where the real publication read it, and from a Now
// field where the real one used its own clock. None sleeps; Slow waits on
// a channel. Their knobs are safe to change while they serve.
package bergtest

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/url"
	"sync"
	"time"
)

// Request is a request as a publication got it.
type Request struct {
	Method   string
	Host     string
	Path     string
	RawQuery string
	Query    url.Values
	Form     url.Values // a POST's form fields
	Header   http.Header
}

// recorder keeps the requests a publication got. The zero value is
// empty.
type recorder struct {
	mu  sync.Mutex
	log []Request
}

// record parses r's form and keeps a copy of r.
func (rec *recorder) record(r *http.Request) {
	_ = r.ParseForm() // a bad form is the handler's to answer
	req := Request{
		Method:   r.Method,
		Host:     r.Host,
		Path:     r.URL.Path,
		RawQuery: r.URL.RawQuery,
		Query:    r.URL.Query(),
		Form:     cloneValues(r.PostForm),
		Header:   r.Header.Clone(),
	}
	rec.mu.Lock()
	rec.log = append(rec.log, req)
	rec.mu.Unlock()
}

// Log is every request the publication got, oldest first.
func (rec *recorder) Log() []Request {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return append([]Request(nil), rec.log...)
}

// Paths is the paths of Log, for tests that check what was asked for.
func (rec *recorder) Paths() []string {
	var out []string
	for _, r := range rec.Log() {
		out = append(out, r.Path)
	}
	return out
}

func cloneValues(v url.Values) url.Values {
	if v == nil {
		return nil
	}
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

// TimeLayout is local_delivery_time's, as BERG sent it.
const TimeLayout = "2006-01-02T15:04:05-07:00"

// deliveryTime reads local_delivery_time as BERG's examples did, strictly:
// they cut six characters off the end or parsed with strptime, so a Z,
// fractions of a second or a + decoded to a space are errors.
func deliveryTime(q url.Values) (time.Time, bool) {
	s := q.Get("local_delivery_time")
	t, err := time.Parse(TimeLayout, s)
	if err != nil || t.Format(TimeLayout) != s {
		return time.Time{}, false
	}
	return t, true
}

// etag is a quoted MD5 of s, as BERG's examples made their ETags.
func etag(s string) string {
	sum := md5.Sum([]byte(s))
	return `"` + hex.EncodeToString(sum[:]) + `"`
}

// ETag is the ETag header a publication sends for s: a quoted MD5, as
// BERG's examples made them. Tests compute the expected ones with it.
func ETag(s string) string { return etag(s) }

// writeJSON answers v as JSON, as Sinatra did: application/json, no
// charset.
func writeJSON(w http.ResponseWriter, v any) {
	data, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write(data)
}

// writeHTML answers a page around body with an ETag, if one is given.
func writeHTML(w http.ResponseWriter, tag, body string) {
	if tag != "" {
		w.Header().Set("ETag", tag)
	}
	// Sinatra's spelling, without a space.
	w.Header().Set("Content-Type", "text/html;charset=utf-8")
	fmt.Fprintf(w, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"></head>\n<body>\n%s\n</body></html>\n", body)
}

// writeText answers a status with a text/plain reason, as Sinatra's
// `return 400, "Error: …"` did.
func writeText(w http.ResponseWriter, code int, text string) {
	w.Header().Set("Content-Type", "text/plain;charset=utf-8")
	w.WriteHeader(code)
	fmt.Fprint(w, text)
}

// esc escapes text for HTML.
func esc(s string) string { return html.EscapeString(s) }

// pngOf is a w×h black-and-white PNG: a black frame and diagonal on
// white, enough to tell it from another.
func pngOf(w, h int) []byte {
	img := image.NewPaletted(image.Rect(0, 0, w, h), color.Palette{color.White, color.Black})
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			if x < 2 || y < 2 || x >= w-2 || y >= h-2 || x == y {
				img.SetColorIndex(x, y, 1)
			}
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		panic(err) // encoding to memory does not fail
	}
	return b.Bytes()
}

var (
	iconOnce sync.Once
	icon     []byte
)

// Icon is the 55×55 black-and-white PNG the publications serve at
// /icon.png, BERG's size for icons.
func Icon() []byte {
	iconOnce.Do(func() { icon = pngOf(55, 55) })
	return icon
}

// writePNG answers a PNG.
func writePNG(w http.ResponseWriter, data []byte) {
	w.Header().Set("Content-Type", "image/png")
	w.Write(data)
}

// writeMeta answers a meta.json, as Sinatra served public/meta.json.
func writeMeta(w http.ResponseWriter, js string) {
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprint(w, js)
}
