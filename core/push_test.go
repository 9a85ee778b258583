package core_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"paperboy/codec"
	"paperboy/core"
	"paperboy/internal/bergtest"
	"paperboy/internal/oauth1"
)

// pushReq sends a push as a publication would: OAuth 1.0 signed (creds),
// or with a bearer token; the answer's status, body and Location.
func pushReq(t *testing.T, method, endpoint, contentType, body string, sign func(*http.Request)) (int, map[string]any, string) {
	t.Helper()
	req, _ := http.NewRequest(method, endpoint, strings.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	sign(req)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	b, _ := io.ReadAll(resp.Body)
	json.Unmarshal(b, &out)
	return resp.StatusCode, out, resp.Header.Get("Location")
}

// TestPush: BERG's Push API through the real server. A push publication
// (BERG's example, a small HTTP server) is added and subscribed to; it is
// told its endpoint in /validate_config/; it pushes an edition signed with
// OAuth 1.0 and another with its bearer token; each is polled to
// "printed"; a replayed request, a wrong token and another publication's
// credentials are refused; once the subscriber unsubscribes, 410.
func TestPush(t *testing.T) {
	t.Parallel()
	pub := &bergtest.PushExample{}
	site := httptest.NewServer(pub)
	t.Cleanup(site.Close)
	ts := newTestServer(t, "sqlite", core.Config{}, withPublications(urlHost(t)))
	token, id, fb, dev := onlinePrinter(t, ts)

	var added struct {
		Publication struct {
			Name string `json:"name"`
			Kind string `json:"kind"`
		} `json:"publication"`
		Credentials core.PushCredentials `json:"credentials"`
	}
	if st := ts.postJSON("/api/v1/publications", token, map[string]string{"url": site.URL}, &added); st != 201 ||
		added.Publication.Kind != "push" || added.Credentials.ConsumerKey == "" || added.Credentials.Bearer == "" {
		t.Fatalf("add: %d %+v", st, added)
	}
	creds := oauth1.Credentials{ConsumerKey: added.Credentials.ConsumerKey, ConsumerSecret: added.Credentials.ConsumerSecret,
		Token: added.Credentials.Token, TokenSecret: added.Credentials.TokenSecret}

	subs := fmt.Sprintf("/api/v1/printers/%d/subscriptions", id)
	if st := ts.postJSON(subs, token, map[string]any{"publication": "push-example", "time": "08:00"}, nil); st != 400 {
		t.Errorf("a push subscription with a time: %d, want 400", st)
	}
	var sub struct {
		ID   int64 `json:"id"`
		Push bool  `json:"push"`
	}
	if st := ts.postJSON(subs, token, map[string]any{"publication": "push-example", "config": map[string]string{"name": "Ann"}}, &sub); st != 201 || !sub.Push {
		t.Fatalf("subscribe: %d %+v", st, sub)
	}
	// The publication was told its endpoint, as a field of its own and
	// inside config.
	var endpoint, subID string
	for _, r := range pub.Log() {
		if r.Path == "/validate_config/" {
			endpoint, subID = r.Form.Get("endpoint"), r.Form.Get("subscription_id")
			var cfg map[string]string
			json.Unmarshal([]byte(r.Form.Get("config")), &cfg)
			if cfg["endpoint"] != endpoint || cfg["subscription_id"] != subID || cfg["name"] != "Ann" {
				t.Errorf("config sent %v, want the endpoint and id inside too", cfg)
			}
		}
	}
	if len(subID) != 40 || endpoint != ts.base+"/v1/subscriptions/"+subID+"/publish" {
		t.Fatalf("told endpoint %q, subscription_id %q", endpoint, subID)
	}

	oauth := func(body, contentType string, nonce string) func(*http.Request) {
		return func(r *http.Request) {
			r.Header.Set("Authorization", oauth1.Sign(r.Method, r.URL.String(), []byte(body), contentType, creds, nonce, time.Now(), "http://api.bergcloud.com"))
		}
	}
	bearer := func(tok string) func(*http.Request) {
		return func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+tok) }
	}
	const html = "text/html; charset=utf-8"
	editions := []struct {
		name, body string
		sign       func(*http.Request)
	}{
		{"signed with OAuth 1.0", "<h1>Breaking news</h1><p>Something happened.</p>", oauth("<h1>Breaking news</h1><p>Something happened.</p>", html, "nonce-1")},
		{"with the bearer token", "<h1>And again</h1>", bearer(added.Credentials.Bearer)},
	}
	for _, ed := range editions {
		st, out, loc := pushReq(t, "POST", endpoint, html, ed.body, ed.sign)
		if st != http.StatusAccepted || out["accepted"] != true || !strings.HasPrefix(loc, "/v1/subscriptions/"+subID+"/deliveries/") {
			t.Fatalf("%s: %d %v %q", ed.name, st, out, loc)
		}
		status := func() string {
			_, out, _ := pushReq(t, "GET", ts.base+loc, "", "", bearer(added.Credentials.Bearer))
			s, _ := out["status"].(string)
			return s
		}
		if s := status(); s != "accepted" && s != "waiting" {
			t.Errorf("%s: status %q before it printed", ed.name, s)
		}
		printed(t, fb, dev, codec.SetDeliveryAndPrint)
		eventually(t, ed.name+" printed", func() bool { return status() == "printed" })
	}

	refusals := []struct {
		name, body string
		sign       func(*http.Request)
		status     int
	}{
		{"a replayed request", "<h1>Breaking news</h1><p>Something happened.</p>", oauth("<h1>Breaking news</h1><p>Something happened.</p>", html, "nonce-1"), 401},
		{"a tampered body", "<h1>Tampered</h1>", oauth("<h1>Signed</h1>", html, "nonce-2"), 401},
		{"a wrong bearer token", "<h1>x</h1>", bearer("not-the-token"), 401},
		{"no credentials", "<h1>x</h1>", func(*http.Request) {}, 401},
		{"nothing to print", "  ", bearer(added.Credentials.Bearer), 400},
	}
	for _, r := range refusals {
		if st, out, _ := pushReq(t, "POST", endpoint, html, r.body, r.sign); st != r.status || out["accepted"] != false {
			t.Errorf("%s: %d %v, want %d", r.name, st, out, r.status)
		}
	}
	if st, _, _ := pushReq(t, "POST", ts.base+"/v1/subscriptions/"+strings.Repeat("0", 40)+"/publish", html, "<p>x</p>", bearer(added.Credentials.Bearer)); st != http.StatusGone {
		t.Errorf("a subscription that never was: %d, want 410", st)
	}

	// Unsubscribed: 410, and the publication stops.
	if st := ts.do("DELETE", fmt.Sprintf("/api/v1/subscriptions/%d", sub.ID), token, "", nil, nil); st != 204 {
		t.Fatalf("unsubscribe: %d", st)
	}
	if st, out, _ := pushReq(t, "POST", endpoint, html, "<h1>Late</h1>", oauth("<h1>Late</h1>", html, "nonce-3")); st != http.StatusGone || out["accepted"] != false {
		t.Errorf("after unsubscribing: %d %v, want 410", st, out)
	}
	fb.noCommand(100 * time.Millisecond)
}

// TestWeb_PushSubscription: in the web app, a push publication is
// subscribed to with its form and no schedule, and its subscription's page
// says it prints what the publication sends.
func TestWeb_PushSubscription(t *testing.T) {
	t.Parallel()
	pub := &bergtest.PushExample{}
	site := httptest.NewServer(pub)
	t.Cleanup(site.Close)
	ts := newTestServer(t, "sqlite", core.Config{}, withPublications(urlHost(t)))
	b, path, _, _ := webPrinter(t, ts)
	if p := b.submit("/publications", "/publications/add", url.Values{"url": {site.URL}}); p.status != 200 {
		t.Fatalf("add: %d\n%s", p.status, p.body)
	}
	form := path + "/subscribe?publication=push-example"
	page := b.get(form)
	if page.status != 200 || strings.Contains(page.body, "When it prints") || !strings.Contains(page.body, "it has no schedule") {
		t.Fatalf("the push form: %d\n%s", page.status, page.body)
	}
	b.checkPage(form, page)
	done := b.submit(form, form, url.Values{"config_name": {"Ann"}, "mode": {"now"}})
	if done.status != 200 || !strings.Contains(done.body, "It prints what its publication sends") {
		t.Fatalf("subscribe: %d\n%s", done.status, done.body)
	}
	b.checkPage("a push subscription", done)
}

// TestPush_Answers: BERG's other answers to a push, on a printer that is
// offline: 202 while it queues, 429 once ten wait, 503 for a push that
// asked not to queue and for a paused subscription; and the status of one
// waiting is "accepted".
func TestPush_Answers(t *testing.T) {
	t.Parallel()
	site := httptest.NewServer(&bergtest.PushExample{})
	t.Cleanup(site.Close)
	ts := newTestServer(t, "sqlite", core.Config{}, withPublications(urlHost(t)))
	token := ts.user("ann@example.com")
	p := ts.claim(token, codec.ClaimCode{HardwareXor: 0x0A0B0C, Secret: 99}) // never online
	var added struct {
		Credentials core.PushCredentials `json:"credentials"`
	}
	ts.postJSON("/api/v1/publications", token, map[string]string{"url": site.URL}, &added)
	var sub struct {
		ID int64 `json:"id"`
	}
	if st := ts.postJSON(fmt.Sprintf("/api/v1/printers/%d/subscriptions", p.ID), token, map[string]any{"publication": "push-example", "config": map[string]string{"name": "Ann"}}, &sub); st != 201 {
		t.Fatalf("subscribe: %d", st)
	}
	var endpoint string
	for _, r := range site.Config.Handler.(*bergtest.PushExample).Log() {
		if e := r.Form.Get("endpoint"); e != "" {
			endpoint = e
		}
	}
	bearer := func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+added.Credentials.Bearer) }
	const html = "text/html; charset=utf-8"
	if st, out, _ := pushReq(t, "POST", endpoint+"?queue=false", html, "<p>now or never</p>", bearer); st != http.StatusServiceUnavailable || out["accepted"] != false {
		t.Errorf("offline, not to queue: %d %v, want 503", st, out)
	}
	var first string
	for i := range 11 {
		st, _, loc := pushReq(t, "POST", endpoint, html, fmt.Sprintf("<p>%d</p>", i), bearer)
		want := http.StatusAccepted
		if i == 10 {
			want = http.StatusTooManyRequests
		}
		if st != want {
			t.Fatalf("push %d: %d, want %d", i+1, st, want)
		}
		if i == 0 {
			first = loc
		}
	}
	if _, out, _ := pushReq(t, "GET", ts.base+first, "", "", bearer); out["status"] != "accepted" {
		t.Errorf("a push waiting for an offline printer: %v, want accepted", out)
	}
	if st := ts.do("PATCH", fmt.Sprintf("/api/v1/subscriptions/%d", sub.ID), token, "application/json", strings.NewReader(`{"paused": true}`), nil); st != 200 {
		t.Fatalf("pause: %d", st)
	}
	if st, _, _ := pushReq(t, "POST", endpoint, html, "<p>paused</p>", bearer); st != http.StatusServiceUnavailable {
		t.Errorf("paused: %d, want 503", st)
	}
}
