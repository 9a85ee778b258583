package core

import (
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// FuzzKeyPrint: whatever is POSTed to a print key (any content type, query
// and body) is read as one kind of content or refused with an error that
// says something, never a panic; and a Markdown note is always a page.
func FuzzKeyPrint(f *testing.F) {
	f.Add("text/plain", "from=Ann", "The washing is done")
	f.Add("text/markdown", "", "# Hi\n\n- [x] done\n- [ ] *not*\n\n[a](http://x) <http://y>")
	f.Add("text/html", "mode=button", "<h1>Hello</h1>")
	f.Add("image/png", "dither=atkinson", "\x89PNG\r\n\x1a\n")
	f.Add("application/json", "", `{"text": "Hi", "from": "Erin", "mode": "now"}`)
	f.Add("application/json", "", `{"image_base64": "!!", "text": "x"}`)
	f.Add("application/x-www-form-urlencoded", "", "html=%3Cp%3Ex%3C%2Fp%3E&from=%E2%80%AE")
	f.Add("multipart/form-data; boundary=x", "", "--x\r\nContent-Disposition: form-data; name=\"text\"\r\n\r\nhi\r\n--x--\r\n")
	f.Add("application/pdf", "", "%PDF")
	f.Fuzz(func(t *testing.T, contentType, query, body string) {
		r := httptest.NewRequest("POST", "/k/ABCDEFGHIJKLMNOPQRST", strings.NewReader(body))
		r.URL.RawQuery = query
		r.Header.Set("Content-Type", contentType)
		kp, err := readKeyPrint(httptest.NewRecorder(), r, 1<<20)
		switch {
		case err != nil:
			if err.Error() == "" {
				t.Error("an empty error")
			}
		case kp.format == "":
			t.Errorf("read with no format: %+v", kp)
		case kp.format == "markdown":
			page, err := markdownPage(kp.text, kp.from, time.Date(2026, 12, 7, 8, 0, 0, 0, time.UTC))
			if err != nil || !strings.HasPrefix(string(page), "<!DOCTYPE html>") {
				t.Errorf("the note's page: %v", err)
			}
		}
	})
}
