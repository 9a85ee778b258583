package bergtest

import (
	"bytes"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

// get asks h for target and returns the status, ETag and body.
func get(t *testing.T, h http.Handler, target string) (int, string, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, target, nil))
	return rec.Code, rec.Header().Get("ETag"), rec.Body.String()
}

func TestHelloWorld(t *testing.T) {
	t.Parallel()
	p := &HelloWorld{}
	monday := url.QueryEscape("2026-12-07T08:00:00+01:00")
	tests := []struct {
		target   string
		code     int
		etag     string
		contains string
	}{
		{"/edition/?lang=english&name=Ann", 400, "", "Error: Invalid or missing local_delivery_time"},
		{"/edition/?lang=english&name=Ann&local_delivery_time=2026-12-07T08:00:00+01:00", 400, "", "local_delivery_time"}, // + read as a space
		{"/edition/?lang=english&name=Ann&local_delivery_time=2026-12-07T07:00:00Z", 400, "", "local_delivery_time"},
		{"/edition/?lang=klingon&name=Ann&local_delivery_time=" + monday, 400, "", "lang"},
		{"/edition/?lang=english&local_delivery_time=" + monday, 400, "", "name"},
		{"/edition/?lang=english&name=Ann&local_delivery_time=" + url.QueryEscape("2026-12-08T08:00:00+01:00"), 204, "", ""},
		{"/edition/?lang=french&name=Ann&local_delivery_time=" + monday, 200, HelloWorldETag("french", "Ann", "2026-12-07"), "Bonjour, Ann"},
		{"/edition/?lang=english&name=%3Cb%3E&local_delivery_time=" + monday, 200, HelloWorldETag("english", "<b>", "2026-12-07"), "Hello, &lt;b&gt;"},
		{"/sample/", 200, etag("sample"), "Hello, Little Printer"},
		{"/meta.json", 200, "", `"send_timezone_info": true`},
		{"/nowhere", 404, "", ""},
	}
	for _, tt := range tests {
		code, tag, body := get(t, p, tt.target)
		if code != tt.code || tag != tt.etag || !strings.Contains(body, tt.contains) {
			t.Errorf("GET %s = %d %q %q, want %d %q and %q", tt.target, code, tag, body, tt.code, tt.etag, tt.contains)
		}
	}
	if n := len(p.Log()); n != len(tests) {
		t.Errorf("%d requests logged, want %d", n, len(tests))
	}

	post := func(form url.Values) (int, string) {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodPost, "/validate_config/", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		p.ServeHTTP(rec, req)
		return rec.Code, rec.Body.String()
	}
	for _, tt := range []struct {
		form url.Values
		code int
		body string
	}{
		{url.Values{}, 400, "You did not post any config"},
		{url.Values{"config": {`{"name":"Ann","lang":"german"}`}}, 200, `{"valid":true}`},
		{url.Values{"config": {`{"name":" ","lang":"x"}`}}, 200, `{"errors":["Please choose a language from the menu","Please enter a name"],"valid":false}`},
		{url.Values{"config": {`not json`}}, 500, "JSON::ParserError"},
	} {
		if code, body := post(tt.form); code != tt.code || body != tt.body && !strings.Contains(body, tt.body) {
			t.Errorf("POST %v = %d %s, want %d %s", tt.form, code, body, tt.code, tt.body)
		}
	}
	if f := p.Log()[len(p.Log())-1].Form.Get("config"); f != "not json" {
		t.Errorf("the log's last form has config %q", f)
	}
}

func TestIcon(t *testing.T) {
	t.Parallel()
	img, err := png.Decode(bytes.NewReader(Icon()))
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != 55 || b.Dy() != 55 {
		t.Errorf("the icon is %v", b)
	}
}

func TestMiniseries(t *testing.T) {
	t.Parallel()
	p := &Miniseries{Episodes: 2}
	at := func(ldt string, count int) string {
		return "/edition/?delivery_count=" + itoa(count) + "&local_delivery_time=" + url.QueryEscape(ldt)
	}
	tests := []struct {
		target string
		code   int
		etag   string
	}{
		{at("2026-12-07T08:00:00-05:00", 0), 200, MiniseriesETag(0, "2026-12-07")},
		{at("2026-12-12T08:00:00-05:00", 1), 204, ""}, // a Saturday
		{at("2026-12-14T08:00:00-05:00", 1), 200, MiniseriesETag(1, "2026-12-14")},
		{at("2026-12-15T08:00:00-05:00", 2), 410, ""},
		{"/edition/?local_delivery_time=" + url.QueryEscape("2026-12-15T08:00:00-05:00"), 400, ""},
	}
	for _, tt := range tests {
		if code, tag, _ := get(t, p, tt.target); code != tt.code || tag != tt.etag {
			t.Errorf("GET %s = %d %q, want %d %q", tt.target, code, tag, tt.code, tt.etag)
		}
	}
}

func itoa(n int) string { return string(rune('0' + n)) }

func TestWordOfTheDay(t *testing.T) {
	t.Parallel()
	day := time.Date(2026, 12, 5, 23, 0, 0, 0, time.FixedZone("", -3600)) // Sunday 00:00 UTC
	p := &WordOfTheDay{Now: func() time.Time { return day }}
	if code, tag, body := get(t, p, "/edition/"); code != 200 || tag != WeekendETag || body != "" {
		t.Errorf("at the weekend: %d %q %q", code, tag, body)
	}
	day = day.AddDate(0, 0, 1) // Monday
	_, monday, body := get(t, p, "/edition/")
	if monday != WordOfTheDayETag("2026-12-07") || !strings.Contains(body, Word(day)) {
		t.Errorf("on Monday: %q %q", monday, body)
	}
	day = day.AddDate(0, 0, 1)
	p.RepeatETag.Store(true)
	if _, tag, body := get(t, p, "/edition/"); tag != monday || !strings.Contains(body, Word(day)) {
		t.Errorf("on Tuesday, repeating: %q %q", tag, body)
	}
}

func TestRedirecting(t *testing.T) {
	t.Parallel()
	p := &Redirecting{}
	p.Hops.Store(2)
	srv := httptest.NewServer(p)
	defer srv.Close()
	resp, err := srv.Client().Get(srv.URL + "/edition/?a=b")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.Request.URL.Path != "/editions/today/" || resp.Request.URL.RawQuery != "a=b" || !strings.Contains(string(body), `src="http://`+resp.Request.URL.Host+`/images/footer.png"`) {
		t.Errorf("ended at %s with %s", resp.Request.URL, body)
	}
	want := []string{"/edition/", "/hop/1/", "/hop/2/", "/editions/today/"}
	if got := p.Paths(); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("paths %v, want %v", got, want)
	}
	// Go's client sends a Referer on redirects; BERG's did not.
	if ref := p.Log()[1].Header.Get("Referer"); ref == "" {
		t.Error("no Referer logged after a redirect with Go's own client")
	}
}

func TestFlakyAndGarbage(t *testing.T) {
	t.Parallel()
	f := &Flaky{}
	if code, _, _ := get(t, f, "/edition/"); code != 500 {
		t.Errorf("Flaky by default: %d", code)
	}
	f.Set(Answer{Status: 502, ETag: `"x"`, Body: "bad gateway"})
	if code, tag, body := get(t, f, "/anything"); code != 502 || tag != `"x"` || body != "bad gateway" {
		t.Errorf("Flaky 502: %d %q %q", code, tag, body)
	}
	g := &Garbage{}
	if _, _, body := get(t, g, "/meta.json"); body != GarbageMeta {
		t.Errorf("Garbage meta %q", body)
	}
	if _, _, body := get(t, g, "/edition/"); body != string(Binary()) || http.DetectContentType(Binary()) != "application/octet-stream" {
		t.Errorf("Garbage edition is not binary")
	}
	g.Fail.Store(true)
	if code, _, body := get(t, g, "/edition/"); code != 500 || body != GarbageReason {
		t.Errorf("Garbage failing: %d %q", code, body)
	}
}
