package core_test

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"paperboy/codec"
	"paperboy/core"
)

var keyURLRE = regexp.MustCompile(`<code id="key-url">(http://[^<]+/k/([A-Z0-9]+))</code>`)

// post sends a body to an address, as curl would, and returns the answer.
func post(t *testing.T, addr, contentType, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("POST", addr, strings.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := noRedirects.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestPrintKeys: a key made in the web app prints, as curl sends them, a
// text, a Markdown note, an HTML page and a photo, and BERG's direct print;
// each is in the printer's history with its sender, the key counts them
// and remembers who sent them; revoked, it is a plain 404.
func TestPrintKeys(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, "sqlite", core.Config{}, withPublications(pluginHost(t, "friends")))
	b, path, fb, dev := webPrinter(t, ts)
	keys := path + "/keys"
	page := b.submit(keys, keys, url.Values{"name": {"doorbell"}})
	m := keyURLRE.FindStringSubmatch(page.body)
	if page.status != 200 || m == nil {
		t.Fatalf("make a key: %d\n%s", page.status, page.body)
	}
	key, code := m[1], m[2]
	b.checkPage(keys, page)
	if p := b.submit(keys, keys, url.Values{"name": {"tiny"}, "max_kb": {"1"}, "formats": {"text"}}); p.status != 200 ||
		!strings.Contains(p.body, "at most 30 an hour, 1 KB each; takes text.") {
		t.Errorf("a key limited to 1 KB of text:\n%s", p.body)
	}
	if p := b.submit(keys, keys, url.Values{"name": {"huge"}, "max_kb": {"99999999"}}); p.status != 400 {
		t.Errorf("a key larger than the server's uploads: %d, want 400", p.status)
	}

	sends := []struct {
		name, contentType, query, body, from string
	}{
		{"a text", "text/plain", "?from=Alice", "The washing is done", "Alice"},
		{"a Markdown note", "text/markdown", "?from=Bob", "# Shopping\n\n- [x] bread\n- [ ] *milk*\n\nSee [the list](https://example.org/list).", "Bob"},
		{"an HTML page", "text/html", "?from=Carol", `<h1 style="font-size:40px">Hello</h1><p>From a page</p>`, "Carol"},
		{"a photo", "image/png", "?from=Dan&dither=atkinson", string(drawing(t)), "Dan"},
		{"JSON", "application/json", "", `{"text": "Hi", "from": "Erin"}`, "Erin"},
		{"no name", "text/plain", "", "Who?", "doorbell"},
		{"as curl -d sends it", "application/x-www-form-urlencoded", "?from=Fay", "The washing is done", "Fay"},
		{"a form", "application/x-www-form-urlencoded", "", "markdown=%2A%2Abold%2A%2A&from=Gil", "Gil"},
	}
	for _, s := range sends {
		st, body := post(t, key+s.query, s.contentType, s.body)
		if st != http.StatusAccepted || !strings.Contains(body, `"delivery_id"`) {
			t.Fatalf("%s: %d %s", s.name, st, body)
		}
		printed(t, fb, dev, codec.SetDeliveryAndPrint)
	}
	// BERG's direct print, as an old script sent it.
	st, body := post(t, ts.base+"/playground/direct_print/"+code, "application/x-www-form-urlencoded",
		url.Values{"html": {`<html><head><meta charset="utf-8"></head><body><h1>Direct</h1></body></html>`}}.Encode())
	if st != http.StatusOK || body != "OK" {
		t.Fatalf("direct print: %d %q, want 200 OK", st, body)
	}
	printed(t, fb, dev, codec.SetDeliveryAndPrint)

	// The printer's history says who sent each.
	hist := b.get(path)
	for _, who := range []string{"Alice", "Bob", "Carol", "Dan", "Erin"} {
		if !strings.Contains(hist.body, who) {
			t.Errorf("the printer page's history lacks %s", who)
		}
	}

	// The key counts them, and remembers the last five senders.
	kp := b.get(keys)
	if !strings.Contains(kp.body, "9 prints") || !strings.Contains(kp.body, "Lately from doorbell, Gil, Fay, Erin, Dan") {
		t.Errorf("the keys page:\n%s", kp.body)
	}

	// Its status, for a script; a page for a browser.
	resp, err := http.Get(key)
	if err != nil {
		t.Fatal(err)
	}
	status, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(status), `"online":true`) || !strings.Contains(string(status), `"queue":0`) || !strings.Contains(string(status), `"last_print":"`) {
		t.Errorf("status %s", status)
	}
	kb := ts.browser()
	kb.header.Set("Accept", "text/html,application/xhtml+xml,*/*;q=0.8") // as a browser asks
	kpage := kb.get(strings.TrimPrefix(key, ts.base))
	if kpage.status != 200 || !strings.Contains(kpage.body, "Print on Kitchen") || !strings.Contains(kpage.body, "rest_command:") {
		t.Errorf("the key's page: %d\n%s", kpage.status, kpage.body)
	}
	kb.checkPage("/k/…", kpage)

	// Refusals.
	refusals := []struct {
		name, contentType, body string
		status                  int
	}{
		{"nothing", "text/plain", "  ", http.StatusBadRequest},
		{"two at once", "application/json", `{"text": "a", "html": "<p>b</p>"}`, http.StatusBadRequest},
		{"not a picture", "image/png", "not a png", http.StatusBadRequest},
		{"an unknown type", "application/pdf", "%PDF", http.StatusUnsupportedMediaType},
	}
	for _, r := range refusals {
		if st, body := post(t, key, r.contentType, r.body); st != r.status {
			t.Errorf("%s: %d %s, want %d", r.name, st, body, r.status)
		}
	}
	other := "X"
	if strings.HasSuffix(key, other) {
		other = "Y" // made up: not the code itself
	}
	if st, _ := post(t, key[:len(key)-1]+other, "text/plain", "guess"); st != http.StatusNotFound {
		t.Errorf("a made-up code: %d, want 404", st)
	}

	// Revoked: a plain 404, for prints and direct prints alike.
	id := regexp.MustCompile(`action="(/printers/\d+/keys/\d+/revoke)"`).FindStringSubmatch(kp.body)
	if id == nil {
		t.Fatal("no revoke button")
	}
	if p := b.submit(keys, id[1], url.Values{}); p.status != 200 || !strings.Contains(p.body, "Key revoked") {
		t.Fatalf("revoke: %d", p.status)
	}
	if st, body := post(t, key, "text/plain", "after"); st != http.StatusNotFound || body != "404 page not found\n" {
		t.Errorf("after revoking: %d %q, want a plain 404", st, body)
	}
	if st, _ := post(t, ts.base+"/playground/direct_print/"+code, "application/x-www-form-urlencoded", "html=x"); st != http.StatusNotFound {
		t.Errorf("direct print after revoking: %d", st)
	}
	fb.noCommand(100 * time.Millisecond)
}

// TestPrintKeys_Limits: a key's own limits — the formats it takes, the
// prints an hour — and the API that makes, lists and revokes keys.
func TestPrintKeys_Limits(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, "sqlite", core.Config{}, withPublications(pluginHost(t, "friends")))
	token, id, fb, dev := onlinePrinter(t, ts)
	api := fmt.Sprintf("/api/v1/printers/%d/keys", id)
	var k struct {
		ID      int64    `json:"id"`
		URL     string   `json:"url"`
		Code    string   `json:"code"`
		PerHour int      `json:"per_hour"`
		Formats []string `json:"formats"`
	}
	if st := ts.postJSON(api, token, map[string]any{"name": "script", "per_hour": 2, "formats": []string{"text"}}, &k); st != 201 || k.URL == "" || len(k.Code) != 20 || k.PerHour != 2 {
		t.Fatalf("make: %d %+v", st, k)
	}
	bad := []map[string]any{{"name": ""}, {"name": "x", "per_hour": -1}, {"name": "x", "formats": []string{"pdf"}}}
	for _, body := range bad {
		if st := ts.postJSON(api, token, body, nil); st != 400 {
			t.Errorf("make %v: %d, want 400", body, st)
		}
	}
	bob := ts.user("bob@example.com")
	if st := ts.postJSON(api, bob, map[string]any{"name": "mine now"}, nil); st != 404 {
		t.Errorf("a key for another's printer: %d, want 404", st)
	}
	if st, _ := post(t, k.URL, "text/html", "<p>hi</p>"); st != http.StatusUnsupportedMediaType {
		t.Errorf("HTML through a text-only key: %d, want 415", st)
	}
	for i := range 3 {
		st, _ := post(t, k.URL, "text/plain", "tick")
		if want := map[bool]int{true: 202, false: 429}[i < 2]; st != want {
			t.Errorf("print %d: %d, want %d", i+1, st, want)
		}
		if i < 2 {
			printed(t, fb, dev, codec.SetDeliveryAndPrint)
		}
	}
	var list struct {
		Keys []struct {
			Uses int    `json:"uses"`
			Code string `json:"code"`
		} `json:"keys"`
	}
	ts.do("GET", api, token, "", nil, &list)
	if len(list.Keys) != 1 || list.Keys[0].Uses != 2 || list.Keys[0].Code != "" {
		t.Errorf("list: %+v (the code is shown only once)", list)
	}
	if st := ts.do("DELETE", fmt.Sprintf("%s/%d", api, k.ID), token, "", nil, nil); st != 204 {
		t.Errorf("revoke: %d", st)
	}
	if st := ts.do("DELETE", fmt.Sprintf("%s/%d", api, k.ID), token, "", nil, nil); st != 404 {
		t.Errorf("revoke again: %d", st)
	}
}
