package core_test

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"paperboy/codec"
	"paperboy/core"
)

// The limits on what one account, or one address, may make the server do
// (issue 12, attacks 5, 9 and 10).

func TestServer_PersonalitiesLimited(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, "sqlite", core.Config{PersonalitiesPerHour: 2})
	token, id, _, _ := onlinePrinter(t, ts)
	ct, form := personalityForm(t, "", map[string]any{"face": 20, "nothing_to_print": 20, "cannot_see_bridge": 20, "cannot_see_internet": 20})
	body := form.String()
	path := fmt.Sprintf("/api/v1/printers/%d/personality", id)
	for i := range 2 {
		if resp, msg := ts.call("POST", path, token, ct, body); resp.StatusCode != http.StatusAccepted {
			t.Fatalf("personality %d: %d %s", i+1, resp.StatusCode, msg)
		}
	}
	resp, msg := ts.call("POST", path, token, ct, body)
	checkRetryAfter(t, "a 3rd personality in the hour: "+msg, resp.StatusCode, resp.Header)
	if !strings.Contains(msg, "at most 2 an hour") {
		t.Errorf("the 429 says %s", msg)
	}
	var out struct{ Deliveries []struct{ Kind string } }
	ts.do("GET", fmt.Sprintf("/api/v1/printers/%d/deliveries", id), token, "", nil, &out)
	if len(out.Deliveries) != 2 {
		t.Errorf("%d deliveries stored, want the 2 allowed", len(out.Deliveries))
	}

	// The web form counts the same way.
	ts2 := newTestServer(t, "sqlite", core.Config{PersonalitiesPerHour: 1})
	b, printer, _, _ := webPrinter(t, ts2)
	var face bytes.Buffer
	png.Encode(&face, image.NewGray(image.Rect(0, 0, 384, 20)))
	if p := b.submitMultipart(printer, printer+"/personality", nil, map[string][]byte{"face": face.Bytes()}); p.status != http.StatusOK {
		t.Fatalf("the first personality: %d", p.status)
	}
	b.get(printer)
	p := b.submitMultipart(printer, printer+"/personality", nil, map[string][]byte{"face": face.Bytes()})
	checkRetryAfter(t, "a 2nd personality on the web", p.status, p.header)
	if !strings.Contains(p.body, "Too many personalities") {
		t.Errorf("the page does not say why:\n%s", p.body)
	}
}

func TestServer_EditionsLimited(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, "sqlite", core.Config{PrintsPerMinute: 2}, withPublications(pluginHost(t, "hello")))
	token, id, _, _ := onlinePrinter(t, ts)
	path := fmt.Sprintf("/api/v1/printers/%d/editions", id)
	edition := `{"publication": "hello", "config": {"name": "Ada"}}`
	for i := range 2 {
		if resp, msg := ts.call("POST", path, token, "application/json", edition); resp.StatusCode != http.StatusAccepted {
			t.Fatalf("edition %d: %d %s", i+1, resp.StatusCode, msg)
		}
	}
	resp, msg := ts.call("POST", path, token, "application/json", edition)
	checkRetryAfter(t, "a 3rd edition in the minute: "+msg, resp.StatusCode, resp.Header)
}

func TestServer_SubscriptionPreviewsLimited(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, "sqlite", core.Config{SubscriptionPreviewsPerMinute: 2}, withPublications(pluginHost(t, "hello")))
	token, id, _, _ := onlinePrinter(t, ts)
	var sub struct{ ID int64 }
	if st := ts.postJSON(fmt.Sprintf("/api/v1/printers/%d/subscriptions", id), token,
		map[string]any{"publication": "hello", "config": map[string]string{"name": "Ada"}, "time": "08:00"}, &sub); st != http.StatusCreated {
		t.Fatalf("subscribe: %d", st)
	}
	path := fmt.Sprintf("/api/v1/subscriptions/%d/preview.png", sub.ID)
	for i := range 2 {
		if resp, msg := ts.call("GET", path, token, "", ""); resp.StatusCode != http.StatusOK {
			t.Fatalf("preview %d: %d %s", i+1, resp.StatusCode, msg)
		}
	}
	resp, msg := ts.call("GET", path, token, "", "")
	checkRetryAfter(t, "a 3rd preview in the minute: "+msg, resp.StatusCode, resp.Header)

	// The web app's preview: the same limit.
	ts = newTestServer(t, "sqlite", core.Config{SubscriptionPreviewsPerMinute: 2}, withPublications(pluginHost(t, "hello")))
	b, printer, _, _ := webPrinter(t, ts)
	page, _ := subscribeHello(t, b, printer)
	b.get(page + "/preview.png")
	b.get(page + "/preview.png")
	p := b.get(page + "/preview.png")
	checkRetryAfter(t, "a 3rd preview on the web", p.status, p.header)
}

// TestServer_CodesPerAddress: three accounts on one address share the
// address's allowance of claim codes and friend codes; behind a trusted
// proxy, each client its own.
func TestServer_CodesPerAddress(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		path    string
		body    func(i int) string
		trusted bool
		ok      int // of 6 tries, 2 by each of 3 accounts
	}{
		{"claim codes", "/api/v1/printers/claim", func(i int) string {
			return fmt.Sprintf(`{"claim_code": %q}`, codec.ClaimCode{HardwareXor: uint32(100 + i), Secret: 1}.String())
		}, false, 4},
		{"friend codes", "/api/v1/friends", func(int) string { return `{"code": "K7QM-3XPD"}` }, false, 4},
		{"claim codes behind a trusted proxy", "/api/v1/printers/claim", func(i int) string {
			return fmt.Sprintf(`{"claim_code": %q}`, codec.ClaimCode{HardwareXor: uint32(100 + i), Secret: 1}.String())
		}, true, 6},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := core.Config{ClaimsPerMinute: 2}
			if tt.trusted {
				cfg.HTTP.TrustedProxies = mustPrefixes(t, "127.0.0.0/8")
			}
			ts := newTestServer(t, "sqlite", cfg)
			ok, over := 0, 0
			for u := range 3 {
				token := ts.user(fmt.Sprintf("u%d@example.com", u))
				for k := range 2 {
					req, _ := http.NewRequest("POST", ts.base+tt.path, strings.NewReader(tt.body(2*u+k)))
					req.Header.Set("Authorization", "Bearer "+token)
					req.Header.Set("X-Forwarded-For", fmt.Sprintf("203.0.113.%d", u+1)) // believed only from a trusted proxy
					resp, err := http.DefaultClient.Do(req)
					if err != nil {
						t.Fatal(err)
					}
					resp.Body.Close()
					if resp.StatusCode == http.StatusTooManyRequests {
						over++
						checkRetryAfter(t, "over", resp.StatusCode, resp.Header)
					} else {
						ok++
					}
				}
			}
			if ok != tt.ok || over != 6-tt.ok {
				t.Errorf("%d tries taken and %d refused, want %d and %d", ok, over, tt.ok, 6-tt.ok)
			}
		})
	}
}

// TestServer_InvitePageLimited: an invite link's page says whether a code
// is someone's, so opening them counts as entering codes.
func TestServer_InvitePageLimited(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, "sqlite", core.Config{ClaimsPerMinute: 2})
	b := ts.browser()
	b.signUp("eve@example.com")
	for i, want := range []int{http.StatusNotFound, http.StatusNotFound, http.StatusTooManyRequests} {
		p := b.get("/friends/add/K7QM3XP" + string(rune('A'+i)))
		if p.status != want {
			t.Fatalf("invite page %d: %d, want %d", i+1, p.status, want)
		}
	}
}

func TestServer_PrintersPerAccount(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, "sqlite", core.Config{MaxPrinters: 2})
	ann := ts.user("ann@example.com")
	first := ts.claim(ann, codec.ClaimCode{HardwareXor: 1, Secret: 1})
	ts.claim(ann, codec.ClaimCode{HardwareXor: 2, Secret: 1})
	var e errorOut
	if st := ts.postJSON("/api/v1/printers/claim", ann, map[string]string{"claim_code": codec.ClaimCode{HardwareXor: 3, Secret: 1}.String()}, &e); st != http.StatusForbidden ||
		!strings.Contains(e.Error, "the most one account may have") {
		t.Fatalf("a 3rd printer: %d %q, want 403 saying why", st, e.Error)
	}
	// The first one reset: a new code, the same hardware; claimed again.
	var again printerOut
	if st := ts.postJSON("/api/v1/printers/claim", ann, map[string]string{"claim_code": codec.ClaimCode{HardwareXor: 1, Secret: 2}.String()}, &again); st != http.StatusCreated || again.ID != first.ID {
		t.Fatalf("claimed again after a reset: %d, printer %d; want 201 and printer %d", st, again.ID, first.ID)
	}
	if n := len(ts.printers(ann)); n != 2 {
		t.Errorf("%d printers", n)
	}

	// The web form says it next to the code.
	b := ts.browser()
	b.signUp("bob@example.com")
	for xor := range uint32(3) {
		p := b.submit("/", "/printers/claim", url.Values{"claim_code": {codec.ClaimCode{HardwareXor: 10 + xor, Secret: 1}.String()}})
		if xor == 2 && (p.status != http.StatusForbidden || !strings.Contains(p.body, "the most one account may have")) {
			t.Fatalf("a 3rd printer on the web: %d:\n%s", p.status, p.body)
		}
	}
}
