package berg

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/png"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // Europe/Paris wherever the tests run

	"paperboy/internal/bergtest"
	"paperboy/sdk"
)

// serve runs h and is a Client for it, allowed the loopback address.
func serve(t *testing.T, h http.Handler) *Client {
	t.Helper()
	return serveWith(t, h, sdk.HTTPPolicy{AllowPrivate: true, Timeout: 5 * time.Second}, "")
}

func serveWith(t *testing.T, h http.Handler, p sdk.HTTPPolicy, path string) *Client {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	c, err := NewClient(srv.URL+path, p, "")
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// paris is a Paris subscriber's Monday 08:00.
func paris(t *testing.T) time.Time {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	return time.Date(2026, 12, 7, 8, 0, 0, 0, loc)
}

func unquote(s string) string { return strings.Trim(s, `"`) }

func TestEditionRequestQuery(t *testing.T) {
	t.Parallel()
	ny := time.FixedZone("EST", -5*3600)
	tests := []struct {
		req  EditionRequest
		want string
	}{
		{EditionRequest{Config: map[string]string{"name": "Ann", "lang": "english"}, Time: paris(t), SendTime: true, SendCount: true},
			"delivery_count=0&lang=english&local_delivery_time=2026-12-07T08%3A00%3A00%2B01%3A00&name=Ann"},
		{EditionRequest{Time: time.Date(2012, 5, 5, 8, 0, 0, 999, ny), SendTime: true},
			"local_delivery_time=2012-05-05T08%3A00%3A00-05%3A00"},
		{EditionRequest{Time: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), SendTime: true, Count: 12, SendCount: true, Test: true},
			"delivery_count=12&local_delivery_time=2026-01-02T03%3A04%3A05%2B00%3A00&test=true"},
		{EditionRequest{Config: map[string]string{"name": "Édouard Vuillard", "config[id]": "a b&c", "empty": ""}, Time: paris(t), Count: 3},
			"config%5Bid%5D=a+b%26c&empty=&name=%C3%89douard+Vuillard"},
		{EditionRequest{}, ""},
	}
	for _, tt := range tests {
		q, err := tt.req.Query()
		if err != nil {
			t.Errorf("%+v: %v", tt.req, err)
			continue
		}
		if got := q.Encode(); got != tt.want {
			t.Errorf("%+v:\n got %s\nwant %s", tt.req, got, tt.want)
		}
	}
	for _, req := range []EditionRequest{
		{Config: map[string]string{"test": "x"}},
		{Config: map[string]string{"delivery_count": "1"}},
		{SendTime: true},
		{Count: -1, SendCount: true},
	} {
		if _, err := req.Query(); err == nil {
			t.Errorf("%+v: no error", req)
		}
	}
}

func TestNewClient(t *testing.T) {
	t.Parallel()
	for base, want := range map[string]string{
		"http://h/pub":         "http://h/pub/edition/",
		"http://h/pub/":        "http://h/pub/edition/",
		"https://h":            "https://h/edition/",
		"HTTP://h:8080/a/b#x":  "http://h:8080/a/b/edition/",
		" http://h/pub%2Fx/ ":  "http://h/pub%2Fx/edition/",
		"http://h/a%20b":       "http://h/a%20b/edition/",
		"http://[::1]:8080/pp": "http://[::1]:8080/pp/edition/",
	} {
		c, err := NewClient(base, sdk.HTTPPolicy{}, "")
		if err != nil {
			t.Errorf("NewClient(%q): %v", base, err)
			continue
		}
		req, err := c.request(context.Background(), http.MethodGet, "edition/", nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := req.URL.String(); got != want {
			t.Errorf("NewClient(%q): edition at %s, want %s", base, got, want)
		}
	}
	for base, want := range map[string]string{
		"":                  "want an http:// or https:// address",
		"/pub":              "want an http:// or https:// address",
		"ftp://h/pub":       "want an http:// or https:// address",
		"http:///pub":       "has no host",
		"http://h/pub?k=v":  "has a query",
		"http://u:p@h/pub":  "user name or password",
		"http://h/%zz":      "invalid URL escape",
		"javascript:alert1": "want an http:// or https:// address",
	} {
		if _, err := NewClient(base, sdk.HTTPPolicy{}, ""); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("NewClient(%q) = %v, want an error with %q", base, err, want)
		}
	}
	var zero Client
	if _, err := zero.Edition(context.Background(), EditionRequest{}); err == nil || !strings.Contains(err.Error(), "no publication address") {
		t.Errorf("a Client without a base: %v", err)
	}
}

func TestEditionHelloWorld(t *testing.T) {
	t.Parallel()
	p := &bergtest.HelloWorld{}
	c := serve(t, p)
	ctx := context.Background()
	e, err := c.Edition(ctx, EditionRequest{
		Config: map[string]string{"name": "Ann", "lang": "english"},
		Time:   paris(t), SendTime: true, SendCount: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	if e.Kind != Print || !bytes.Contains(e.HTML, []byte("Hello, Ann")) || e.ETag != unquote(bergtest.HelloWorldETag("english", "Ann", "2026-12-07")) ||
		e.URL.Path != "/edition/" || e.ContentType != "text/html;charset=utf-8" {
		t.Errorf("Edition = %+v", e)
	}
	log := p.Log()
	if len(log) != 1 {
		t.Fatalf("%d requests", len(log))
	}
	r := log[0]
	if want := "delivery_count=0&lang=english&local_delivery_time=2026-12-07T08%3A00%3A00%2B01%3A00&name=Ann"; r.RawQuery != want || r.Path != "/edition/" || r.Method != "GET" {
		t.Errorf("request %s %s?%s, want GET /edition/?%s", r.Method, r.Path, r.RawQuery, want)
	}
	if ua := r.Header.Get("User-Agent"); !strings.Contains(ua, "paperboy") {
		t.Errorf("User-Agent %q", ua)
	}
	for _, h := range []string{"Referer", "If-None-Match", "Cookie"} {
		if v := r.Header.Get(h); v != "" {
			t.Errorf("sent %s: %s", h, v)
		}
	}

	// A Tuesday: 204, no ETag, no Content-Type.
	e, err = c.Edition(ctx, EditionRequest{Config: map[string]string{"name": "Ann", "lang": "english"}, Time: paris(t).AddDate(0, 0, 1), SendTime: true})
	if err != nil || e.Kind != Nothing || e.ETag != "" || e.HTML != nil {
		t.Errorf("on a Tuesday: %+v, %v", e, err)
	}
	// Without its config: Hello World's 400, with its reason.
	_, err = c.Edition(ctx, EditionRequest{Time: paris(t), SendTime: true, Test: true})
	var se *StatusError
	if !errors.As(err, &se) || se.Code != 400 || err.Error() != "the publication answered 400 Bad Request: Error: Invalid or missing lang parameter" {
		t.Errorf("without config: %v", err)
	}
	if got := p.Log()[2].RawQuery; got != "local_delivery_time=2026-12-07T08%3A00%3A00%2B01%3A00&test=true" {
		t.Errorf("test query %s", got)
	}

	s, err := c.Sample(ctx)
	if err != nil || s.Kind != Print || !bytes.Contains(s.HTML, []byte("Little Printer")) {
		t.Errorf("Sample = %+v, %v", s, err)
	}
	if r := p.Log()[3]; r.Path != "/sample/" || r.RawQuery != "" {
		t.Errorf("sample asked as %s?%s", r.Path, r.RawQuery)
	}

	icon, err := c.Icon(ctx)
	if err != nil || !bytes.Equal(icon, bergtest.Icon()) {
		t.Errorf("Icon: %v", err)
	}

	m, err := c.Meta(ctx, "")
	if err != nil || m.Meta.Name != "Hello World" || !m.Meta.SendTimezoneInfo || len(m.Meta.Fields) != 2 || string(m.Raw) != bergtest.HelloWorldMeta {
		t.Errorf("Meta = %+v, %v", m, err)
	}
	if _, err := m.Meta.SDK("hello-world").CheckConfig(sdk.Config{"name": "Ann", "lang": "swedish"}); err != nil {
		t.Errorf("CheckConfig: %v", err)
	}
}

func TestEditionMiniseries(t *testing.T) {
	t.Parallel()
	p := &bergtest.Miniseries{}
	c := serve(t, p)
	ny := time.FixedZone("", -5*3600)
	day := time.Date(2026, 12, 3, 7, 0, 0, 0, ny) // a Thursday
	var got []string
	count := 0
	for range 10 {
		e, err := c.Edition(context.Background(), EditionRequest{Time: day, SendTime: true, Count: count, SendCount: true})
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, day.Weekday().String()[:3]+":"+e.Kind.String())
		if e.Kind == Print {
			if want := unquote(bergtest.MiniseriesETag(count, day.Format(time.DateOnly))); e.ETag != want {
				t.Errorf("episode %d: ETag %s, want %s", count, e.ETag, want)
			}
			count++
		}
		if e.Kind == Finished {
			break
		}
		day = day.AddDate(0, 0, 1)
	}
	want := "Thu:print Fri:print Sat:nothing Sun:nothing Mon:print Tue:print Wed:print Thu:finished"
	if strings.Join(got, " ") != want {
		t.Errorf("got  %s\nwant %s", strings.Join(got, " "), want)
	}
}

func TestEditionWordOfTheDay(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC) // a Saturday
	p := &bergtest.WordOfTheDay{Now: func() time.Time { return now }}
	c := serve(t, p)
	m, err := c.Meta(context.Background(), "")
	if err != nil || m.Meta.DeliveredOn != "every day" || m.Meta.SendTimezoneInfo || m.Meta.SendDeliveryCount {
		t.Fatalf("Meta = %+v, %v", m.Meta, err)
	}
	e, err := c.Edition(context.Background(), EditionRequest{})
	if err != nil || e.Kind != Nothing || e.ETag != unquote(bergtest.WeekendETag) {
		t.Errorf("at the weekend: %+v, %v", e, err)
	}
	if r := p.Log()[1]; r.RawQuery != "" {
		t.Errorf("query %q for a publication that asks for nothing", r.RawQuery)
	}
}

func TestEditionStatuses(t *testing.T) {
	t.Parallel()
	const page = "<html><body><h1>News</h1></body></html>"
	tests := []struct {
		name    string
		answer  bergtest.Answer
		kind    Kind
		etag    string
		wantErr string
	}{
		{"200 HTML", bergtest.Answer{Status: 200, ETag: `"abc"`, ContentType: "text/html; charset=utf-8", Body: page}, Print, "abc", ""},
		{"200 weak ETag", bergtest.Answer{Status: 200, ETag: `W/"abc"`, ContentType: "text/html", Body: page}, Print, "abc", ""},
		{"200 unquoted ETag", bergtest.Answer{Status: 200, ETag: `lazy-etag-2`, ContentType: "text/html", Body: page}, Print, "lazy-etag-2", ""},
		{"200 HTML without a type", bergtest.Answer{Status: 200, Body: page}, Print, "", ""},
		{"200 HTML as text/plain", bergtest.Answer{Status: 200, ContentType: "text/plain", Body: page}, Print, "", ""},
		{"200 XHTML", bergtest.Answer{Status: 200, ContentType: "application/xhtml+xml", Body: "<p>x</p>"}, Print, "", ""},
		{"204", bergtest.Answer{Status: 204}, Nothing, "", ""},
		{"204 with ETag and type", bergtest.Answer{Status: 204, ETag: `"x"`, ContentType: "text/html"}, Nothing, "", ""},
		{"200 empty", bergtest.Answer{Status: 200, ETag: `"weekend"`, ContentType: "text/html"}, Nothing, "weekend", ""},
		{"200 white space", bergtest.Answer{Status: 200, ContentType: "text/html", Body: " \r\n\t\n"}, Nothing, "", ""},
		{"410", bergtest.Answer{Status: 410}, Finished, "", ""},
		{"410 with a body", bergtest.Answer{Status: 410, ContentType: "text/plain", Body: "the end"}, Finished, "", ""},
		{"500 with a reason", bergtest.Answer{Status: 500, ContentType: "text/plain;charset=utf-8", Body: "Error: Eventbrite\nis down"},
			0, "", "the publication answered 500 Internal Server Error: Error: Eventbrite is down"},
		{"500 HTML page", bergtest.Answer{Status: 500, ContentType: "text/html", Body: "<html><head><title>500 Oops</title><style>h1{}</style></head><body><h1>Internal Server Error</h1><p>Sorry &amp; bye</p></body></html>"},
			0, "", "the publication answered 500 Internal Server Error: Internal Server Error Sorry & bye"},
		{"500 long reason", bergtest.Answer{Status: 500, ContentType: "text/plain", Body: strings.Repeat("x", 300)},
			0, "", "the publication answered 500 Internal Server Error: " + strings.Repeat("x", 200) + "…"},
		{"500 JSON", bergtest.Answer{Status: 500, ContentType: "application/json", Body: `{"error":"x"}`},
			0, "", "the publication answered 500 Internal Server Error"},
		{"502 with ETag", bergtest.Answer{Status: 502, ETag: `"fresh"`, ContentType: "text/html", Body: page},
			0, "", "the publication answered 502 Bad Gateway: News"},
		{"401", bergtest.Answer{Status: 401}, 0, "", "the publication answered 401 Unauthorized"},
		{"304", bergtest.Answer{Status: 304, ETag: `"x"`}, 0, "", "the publication answered 304 Not Modified"},
		{"a status of its own", bergtest.Answer{Status: 599}, 0, "", "the publication answered 599 "},
		{"200 JSON", bergtest.Answer{Status: 200, ContentType: "application/json", Body: `{"html": "<p>x</p>"}`},
			0, "", "the publication answered with application/json, not HTML"},
		{"200 binary", bergtest.Answer{Status: 200, ContentType: "application/octet-stream", Body: string(bergtest.Binary())},
			0, "", "the publication answered with application/octet-stream, not HTML"},
		{"200 binary without a type", bergtest.Answer{Status: 200, Body: string(bergtest.Binary())},
			0, "", "the publication answered with application/octet-stream, not HTML"},
		{"200 PNG", bergtest.Answer{Status: 200, ContentType: "image/png", Body: string(bergtest.Icon())},
			0, "", "the publication answered with image/png, not HTML"},
		{"200 too big", bergtest.Answer{Status: 200, ContentType: "text/html", Body: strings.Repeat("a", MaxEditionBytes+1)},
			0, "", "the edition is larger than 2 MB"},
		{"200 at the limit", bergtest.Answer{Status: 200, ContentType: "text/html", Body: "<p>" + strings.Repeat("a", MaxEditionBytes-3)}, Print, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := &bergtest.Flaky{}
			p.Set(tt.answer)
			c := serve(t, p)
			e, err := c.Edition(context.Background(), EditionRequest{})
			if tt.wantErr != "" {
				if err == nil || !strings.HasPrefix(err.Error(), tt.wantErr) {
					t.Fatalf("Edition = %+v, %v; want an error %q", e, err, tt.wantErr)
				}
				var se *StatusError
				if tt.answer.Status != 200 && (!errors.As(err, &se) || se.Code != tt.answer.Status) {
					t.Errorf("not a StatusError of %d: %#v", tt.answer.Status, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Edition: %v", err)
			}
			if e.Kind != tt.kind || e.ETag != tt.etag {
				t.Errorf("Edition = %v %q, want %v %q", e.Kind, e.ETag, tt.kind, tt.etag)
			}
			if (e.Kind == Print) != (len(e.HTML) > 0) {
				t.Errorf("Edition %v with %d bytes of HTML", e.Kind, len(e.HTML))
			}
			if e.URL == nil || e.URL.Path != "/edition/" {
				t.Errorf("URL %v", e.URL)
			}
		})
	}
}

func TestEditionGarbage(t *testing.T) {
	t.Parallel()
	p := &bergtest.Garbage{}
	c := serve(t, p)
	ctx := context.Background()
	if _, err := c.Edition(ctx, EditionRequest{}); err == nil || err.Error() != "the publication answered with application/octet-stream, not HTML" {
		t.Errorf("binary edition: %v", err)
	}
	if _, err := c.Sample(ctx); err == nil || err.Error() != "sample: the publication answered with application/octet-stream, not HTML" {
		t.Errorf("binary sample: %v", err)
	}
	p.Fail.Store(true)
	if _, err := c.Edition(ctx, EditionRequest{}); err == nil || err.Error() != "the publication answered 500 Internal Server Error: Error: could not reach the upstream feed" {
		t.Errorf("failing edition: %v", err)
	}
	if _, err := c.Meta(ctx, ""); err == nil || !strings.HasPrefix(err.Error(), "meta.json: not JSON: ") {
		t.Errorf("meta.json: %v", err)
	}
	p.ValidMeta.Store(true)
	if m, err := c.Meta(ctx, ""); err != nil || m.Meta.Name != "Garbage" {
		t.Errorf("valid meta.json: %v", err)
	}
	if _, err := c.Icon(ctx); err == nil || err.Error() != "icon.png: not a PNG" {
		t.Errorf("icon: %v", err)
	}
}

func TestEditionGone(t *testing.T) {
	t.Parallel()
	c := serve(t, &bergtest.Gone{})
	e, err := c.Edition(context.Background(), EditionRequest{Time: paris(t), SendTime: true, Count: 9, SendCount: true})
	if err != nil || e.Kind != Finished {
		t.Errorf("Edition = %+v, %v", e, err)
	}
}

func TestRedirects(t *testing.T) {
	t.Parallel()
	p := &bergtest.Redirecting{}
	c := serve(t, p)
	ctx := context.Background()
	m, err := c.Meta(ctx, "")
	if err != nil || m.Meta.Name != "Redirecting" || m.URL.Path != "/static/meta.json" {
		t.Fatalf("Meta = %+v, %v", m, err)
	}
	e, err := c.Edition(ctx, EditionRequest{Config: map[string]string{"a": "b"}})
	if err != nil || e.Kind != Print {
		t.Fatalf("Edition = %+v, %v", e, err)
	}
	if e.URL.Path != "/editions/today/" || e.URL.RawQuery != "a=b" {
		t.Errorf("final URL %s", e.URL)
	}
	// The renderer resolves the edition's images against its URL.
	for ref, want := range map[string]string{"/images/masthead.png": "/images/masthead.png", "../../images/rule.png": "/images/rule.png"} {
		r, _ := url.Parse(ref)
		if got := e.URL.ResolveReference(r); got.Path != want || got.Host != c.Base.Host {
			t.Errorf("%s resolves to %s", ref, got)
		}
		if !bytes.Contains(e.HTML, []byte(ref)) {
			t.Errorf("the edition has no %s", ref)
		}
	}
	p.Hops.Store(4) // 5 redirects: allowed
	if _, err := c.Edition(ctx, EditionRequest{}); err != nil {
		t.Errorf("5 redirects: %v", err)
	}
	for _, r := range p.Log() {
		if ref := r.Header.Get("Referer"); ref != "" {
			t.Errorf("%s sent with Referer %s", r.Path, ref)
		}
	}
	p.Hops.Store(5)
	if _, err := c.Edition(ctx, EditionRequest{}); err == nil || !strings.Contains(err.Error(), "more than 5 redirects") {
		t.Errorf("6 redirects: %v", err)
	}
}

func TestRedirectsWithOwnHTTPClient(t *testing.T) {
	t.Parallel()
	// A Client made by hand, with an http.Client that would follow ten
	// redirects and send a Referer, still keeps BERG's rules.
	p := &bergtest.Redirecting{}
	srv := httptest.NewServer(p)
	t.Cleanup(srv.Close)
	base, err := ParseBase(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	c := &Client{HTTP: srv.Client(), Base: base}
	p.Hops.Store(5)
	if _, err := c.Edition(context.Background(), EditionRequest{}); err == nil {
		t.Error("6 redirects followed")
	}
	for _, r := range p.Log() {
		if ref := r.Header.Get("Referer"); ref != "" {
			t.Errorf("%s sent with Referer %s", r.Path, ref)
		}
		if ua := r.Header.Get("User-Agent"); ua != DefaultUserAgent {
			t.Errorf("User-Agent %q", ua)
		}
	}
}

func TestSlashlessFallback(t *testing.T) {
	t.Parallel()
	p := &bergtest.StringBools{}
	p.SlashlessOnly.Store(true)
	c := serve(t, p)
	ctx := context.Background()
	m, err := c.Meta(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if m.Meta.APIVersion != "0.1" || !m.Meta.SendTimezoneInfo || m.Meta.SendDeliveryCount || m.Meta.ExternalConfiguration ||
		len(m.Meta.Fields) != 2 || m.Meta.Fields[0].Type != TypeCheckbox || m.Meta.Fields[1].Type != TypeRadio {
		t.Errorf("Meta = %+v", m.Meta)
	}
	cfg, err := m.Meta.SDK("quoted").CheckConfig(sdk.Config{"pictures": "true"})
	if err != nil {
		t.Fatal(err)
	}
	e, err := c.Edition(ctx, EditionRequest{Config: cfg, Time: paris(t), SendTime: true})
	if err != nil || e.Kind != Print || e.URL.Path != "/edition" || !bytes.Contains(e.HTML, []byte("<li>pictures = true</li>")) || !bytes.Contains(e.HTML, []byte("<li>size = small</li>")) {
		t.Fatalf("Edition = %+v, %v", e, err)
	}
	if _, err := c.Sample(ctx); err != nil {
		t.Errorf("Sample: %v", err)
	}
	want := []string{"/meta.json", "/edition/", "/edition", "/sample/", "/sample"}
	if got := p.Paths(); !reflect.DeepEqual(got, want) {
		t.Errorf("paths %v, want %v", got, want)
	}
	if got := p.Log()[2].RawQuery; got != "local_delivery_time=2026-12-07T08%3A00%3A00%2B01%3A00&pictures=true&size=small" {
		t.Errorf("query %s", got)
	}

	// Where both are routed, one request does.
	p.SlashlessOnly.Store(false)
	if _, err := c.Edition(ctx, EditionRequest{}); err != nil || len(p.Log()) != 6 {
		t.Errorf("with the slash: %v, %d requests", err, len(p.Log()))
	}

	// Not found either way: the second 404 is the error.
	f := &bergtest.Flaky{}
	f.Set(bergtest.Answer{Status: 404, ContentType: "text/plain", Body: "Not Found"})
	_, err = serve(t, f).Edition(ctx, EditionRequest{})
	if err == nil || err.Error() != "the publication answered 404 Not Found: Not Found" {
		t.Errorf("404: %v", err)
	}
	if got := f.Paths(); !reflect.DeepEqual(got, []string{"/edition/", "/edition"}) {
		t.Errorf("paths %v", got)
	}
}

func TestBaseWithPath(t *testing.T) {
	t.Parallel()
	p := &bergtest.Flaky{}
	p.Set(bergtest.Answer{Status: 204})
	c := serveWith(t, p, sdk.HTTPPolicy{AllowPrivate: true}, "/lp/hello")
	if _, err := c.Edition(context.Background(), EditionRequest{}); err != nil {
		t.Fatal(err)
	}
	if got := p.Paths(); !reflect.DeepEqual(got, []string{"/lp/hello/edition/"}) {
		t.Errorf("paths %v", got)
	}
}

func TestSlow(t *testing.T) {
	t.Parallel()
	const timeout = 300 * time.Millisecond
	p := &bergtest.Slow{Release: make(chan struct{})}
	c := serveWith(t, p, sdk.HTTPPolicy{AllowPrivate: true, Timeout: timeout}, "")
	start := time.Now()
	_, err := c.Edition(context.Background(), EditionRequest{})
	if took := time.Since(start); took > timeout+2*time.Second {
		t.Errorf("gave up after %s", took)
	}
	if err == nil || err.Error() != "the publication did not answer in 300ms" {
		t.Errorf("Edition: %v", err)
	}

	// The caller's deadline ends it too.
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := c.Edition(ctx, EditionRequest{}); err == nil || !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "did not answer in time") {
		t.Errorf("with a deadline: %v", err)
	}
	ctx, cancel = context.WithCancel(context.Background())
	cancel()
	if _, err := c.Edition(ctx, EditionRequest{}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}

	close(p.Release)
	if e, err := c.Edition(context.Background(), EditionRequest{}); err != nil || e.Kind != Print {
		t.Errorf("released: %+v, %v", e, err)
	}
}

func TestPrivateAddress(t *testing.T) {
	t.Parallel()
	p := &bergtest.HelloWorld{}
	c := serveWith(t, p, sdk.HTTPPolicy{Timeout: 5 * time.Second}, "")
	ctx := context.Background()
	_, err := c.Edition(ctx, EditionRequest{})
	if !errors.Is(err, sdk.ErrPrivateAddress) || !strings.HasPrefix(err.Error(), "the publication is at a private address (127.0.0.1)") {
		t.Errorf("Edition: %v", err)
	}
	if _, err := c.Meta(ctx, ""); !errors.Is(err, sdk.ErrPrivateAddress) || !strings.HasPrefix(err.Error(), "meta.json: the publication is at a private address") {
		t.Errorf("Meta: %v", err)
	}
	if _, err := c.ValidateConfig(ctx, nil, nil); !errors.Is(err, sdk.ErrPrivateAddress) {
		t.Errorf("ValidateConfig: %v", err)
	}
	if n := len(p.Log()); n != 0 {
		t.Errorf("%d requests reached it", n)
	}
}

func TestUnreachable(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.NotFoundHandler())
	srv.Close() // nothing listens there now
	c, err := NewClient(srv.URL, sdk.HTTPPolicy{AllowPrivate: true}, "test/1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Meta(context.Background(), ""); err == nil || !strings.HasPrefix(err.Error(), "meta.json: could not reach the publication: ") || strings.Contains(err.Error(), `Get "`) {
		t.Errorf("Meta: %v", err)
	}
}

func TestMetaETag(t *testing.T) {
	t.Parallel()
	p := &bergtest.Flaky{}
	c := serve(t, p)
	ctx := context.Background()
	p.Set(bergtest.Answer{Status: 200, ETag: `W/"v1"`, ContentType: "application/json", Body: `{"name":"Flaky"}`})
	m, err := c.Meta(ctx, "")
	if err != nil || m.NotModified || m.ETag != "v1" || m.Meta.Name != "Flaky" {
		t.Fatalf("Meta = %+v, %v", m, err)
	}
	if h := p.Log()[0].Header.Get("If-None-Match"); h != "" {
		t.Errorf("If-None-Match %q without an ETag", h)
	}
	p.Set(bergtest.Answer{Status: 304})
	m, err = c.Meta(ctx, m.ETag)
	if err != nil || !m.NotModified {
		t.Errorf("Meta = %+v, %v", m, err)
	}
	if h := p.Log()[1].Header.Get("If-None-Match"); h != `"v1"` {
		t.Errorf("If-None-Match %q", h)
	}
	if _, err := c.Meta(ctx, ""); err == nil || err.Error() != "meta.json: the publication answered 304 Not Modified" {
		t.Errorf("304 unasked: %v", err)
	}
	p.Set(bergtest.Answer{Status: 404})
	if _, err := c.Meta(ctx, "v1"); err == nil || err.Error() != "meta.json: the publication answered 404 Not Found" {
		t.Errorf("404: %v", err)
	}
	p.Set(bergtest.Answer{Status: 200, ContentType: "application/json", Body: `{"name":"x","description":"` + strings.Repeat("a", MaxMetaBytes) + `"}`})
	if _, err := c.Meta(ctx, ""); err == nil || err.Error() != "meta.json: larger than 256 KB" {
		t.Errorf("too big: %v", err)
	}
	p.Set(bergtest.Answer{Status: 200, ContentType: "application/json", Body: `{"description":"x"}`})
	if _, err := c.Meta(ctx, ""); err == nil || err.Error() != "meta.json: no name" {
		t.Errorf("no name: %v", err)
	}
}

func TestIcon(t *testing.T) {
	t.Parallel()
	pngOf := func(w, h int) string {
		var b bytes.Buffer
		if err := png.Encode(&b, image.NewGray(image.Rect(0, 0, w, h))); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	tests := []struct {
		answer  bergtest.Answer
		wantErr string
	}{
		{bergtest.Answer{Status: 200, ContentType: "image/png", Body: pngOf(512, 512)}, ""},
		{bergtest.Answer{Status: 200, Body: pngOf(1, 1)}, ""},
		{bergtest.Answer{Status: 200, ContentType: "image/png", Body: pngOf(513, 10)}, "icon.png: 513 × 10 pixels: want at most 512 × 512"},
		{bergtest.Answer{Status: 200, ContentType: "image/png", Body: "\x89PNG\r\n\x1a\nbroken"}, "icon.png: a broken PNG"},
		{bergtest.Answer{Status: 200, ContentType: "image/gif", Body: "GIF89a"}, "icon.png: not a PNG"},
		{bergtest.Answer{Status: 200, ContentType: "image/png", Body: "\x89PNG\r\n\x1a\n" + strings.Repeat("a", MaxIconBytes)}, "icon.png: the icon is larger than 64 KB"},
		{bergtest.Answer{Status: 404}, "icon.png: the publication answered 404 Not Found"},
	}
	for _, tt := range tests {
		p := &bergtest.Flaky{}
		p.Set(tt.answer)
		data, err := serve(t, p).Icon(context.Background())
		switch {
		case tt.wantErr == "" && (err != nil || string(data) != tt.answer.Body):
			t.Errorf("%.20q: %v", tt.answer.Body, err)
		case tt.wantErr != "" && (err == nil || !strings.HasPrefix(err.Error(), tt.wantErr)):
			t.Errorf("%.20q: %v, want %s", tt.answer.Body, err, tt.wantErr)
		}
	}
}

func TestValidateConfig(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	hw := &bergtest.HelloWorld{}
	c := serve(t, hw)
	errs, err := c.ValidateConfig(ctx, map[string]string{"name": "Ann", "lang": "english"}, nil)
	if err != nil || errs != nil {
		t.Errorf("valid: %v, %v", errs, err)
	}
	r := hw.Log()[0]
	if r.Method != "POST" || r.Path != "/validate_config/" || r.Header.Get("Content-Type") != "application/x-www-form-urlencoded" ||
		!reflect.DeepEqual(r.Form, url.Values{"config": {`{"lang":"english","name":"Ann"}`}}) || r.Header.Get("Referer") != "" {
		t.Errorf("request %+v", r)
	}
	errs, err = c.ValidateConfig(ctx, map[string]string{"name": "", "lang": "x"}, nil)
	if want := []string{"Please choose a language from the menu", "Please enter a name"}; err != nil || !reflect.DeepEqual(errs, want) {
		t.Errorf("invalid: %q, %v", errs, err)
	}
	errs, err = c.ValidateConfig(ctx, map[string]string{"name": "<Ann & Bob>", "lang": "english"}, nil)
	if err != nil || errs != nil || hw.Log()[2].Form.Get("config") != `{"lang":"english","name":"<Ann & Bob>"}` {
		t.Errorf("not escaped for HTML: %v %v %s", errs, err, hw.Log()[2].Form.Get("config"))
	}

	push := &bergtest.PushExample{}
	c = serve(t, push)
	extra := url.Values{"subscription_id": {"0123456789abcdef0123456789abcdef01234567"}, "endpoint": {"https://paperboy.example/push/1"}}
	if errs, err := c.ValidateConfig(ctx, map[string]string{"name": "Ann"}, extra); err != nil || errs != nil {
		t.Errorf("push: %v, %v", errs, err)
	}
	if f := push.Log()[0].Form; f.Get("subscription_id") != extra.Get("subscription_id") || f.Get("endpoint") != extra.Get("endpoint") || f.Get("config") != `{"name":"Ann"}` {
		t.Errorf("push form %v", f)
	}
	if errs, err := c.ValidateConfig(ctx, nil, nil); err != nil || !reflect.DeepEqual(errs, []string{"No subscription_id", "No endpoint"}) {
		t.Errorf("push without its fields: %q, %v", errs, err)
	}
	if f := push.Log()[1].Form; f.Get("config") != "{}" {
		t.Errorf("a nil config is sent as %q", f.Get("config"))
	}
	if _, err := c.ValidateConfig(ctx, nil, url.Values{"config": {"x"}}); err == nil {
		t.Error("an extra field named config")
	}

	long := strings.Repeat("é", 400)
	var many []string
	for i := range 25 {
		many = append(many, fmt.Sprintf("%q", fmt.Sprint("  error ", i, "\n ")))
	}
	tests := []struct {
		name    string
		answer  bergtest.Answer
		want    []string
		wantErr string
	}{
		{"404", bergtest.Answer{Status: 404, Body: "Not Found"}, nil, ""},
		{"405", bergtest.Answer{Status: 405}, nil, ""},
		{"501, as Python's http.server answers a POST it has no handler for", bergtest.Answer{Status: 501}, nil, ""},
		{"only valid", bergtest.Answer{Status: 200, Body: `{"valid": true}`}, nil, ""},
		{"valid wins", bergtest.Answer{Status: 200, Body: `{"valid": true, "errors": ["x"]}`}, nil, ""},
		{"valid as a string", bergtest.Answer{Status: 200, Body: `{"valid": "false", "errors": ["x"]}`}, []string{"x"}, ""},
		{"no errors", bergtest.Answer{Status: 200, Body: `{"valid": false}`}, []string{"the publication refused this config"}, ""},
		{"blank errors", bergtest.Answer{Status: 200, Body: `{"valid": false, "errors": [" ", ""]}`}, []string{"the publication refused this config"}, ""},
		{"one error as a string", bergtest.Answer{Status: 200, Body: `{"valid": false, "errors": "Bad name"}`}, []string{"Bad name"}, ""},
		{"long", bergtest.Answer{Status: 200, Body: `{"valid": false, "errors": ["` + long + `"]}`}, []string{strings.Repeat("é", 300) + "…"}, ""},
		{"many", bergtest.Answer{Status: 200, Body: `{"valid": false, "errors": [` + strings.Join(many, ",") + `]}`},
			[]string{"error 0", "error 1", "error 2", "error 3", "error 4", "error 5", "error 6", "error 7", "error 8", "error 9", "error 10",
				"error 11", "error 12", "error 13", "error 14", "error 15", "error 16", "error 17", "error 18", "error 19"}, ""},
		{"500", bergtest.Answer{Status: 500, ContentType: "text/plain", Body: "NoMethodError"}, nil,
			"validate_config: the publication could not check this config: it answered 500 Internal Server Error: NoMethodError"},
		{"400", bergtest.Answer{Status: 400, ContentType: "text/plain", Body: "You did not post any config"}, nil,
			"validate_config: the publication answered 400 Bad Request: You did not post any config"},
		{"403", bergtest.Answer{Status: 403}, nil, "validate_config: the publication answered 403 Forbidden"},
		{"not JSON", bergtest.Answer{Status: 200, Body: `<html>OK</html>`}, nil, `validate_config: the publication's answer is not {"valid": true}`},
		{"no valid", bergtest.Answer{Status: 200, Body: `{"errors": []}`}, nil, `validate_config: the publication's answer is not {"valid": true}`},
		{"a list", bergtest.Answer{Status: 200, Body: `[true]`}, nil, `validate_config: the publication's answer is not {"valid": true}`},
		{"valid a word", bergtest.Answer{Status: 200, Body: `{"valid": "maybe"}`}, nil, "validate_config: valid: want true or false"},
		{"errors objects", bergtest.Answer{Status: 200, Body: `{"valid": false, "errors": [{"name": "bad"}]}`}, nil, "validate_config: the publication's errors are not a list of strings"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := &bergtest.Flaky{}
			p.Set(tt.answer)
			errs, err := serve(t, p).ValidateConfig(ctx, map[string]string{"a": "b"}, nil)
			if tt.wantErr != "" {
				if err == nil || !strings.HasPrefix(err.Error(), tt.wantErr) {
					t.Errorf("ValidateConfig = %q, %v; want an error %q", errs, err, tt.wantErr)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(errs, tt.want) {
				t.Errorf("ValidateConfig = %q, %v; want %q", errs, err, tt.want)
			}
		})
	}
}
