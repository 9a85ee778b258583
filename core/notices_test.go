package core_test

import (
	"crypto/hmac"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"paperboy/codec"
	"paperboy/core"
	"paperboy/delivery"
	"paperboy/internal/webpushtest"
	"paperboy/store"
)

// hookReceiver is an owner's webhook: it checks each body's signature
// with the secret it is told, and hands the bodies on. It answers the
// statuses queued in fail first, then 204.
type hookReceiver struct {
	t      *testing.T
	URL    string
	secret chan string
	bodies chan hookBody
	fail   chan int
}

type hookBody struct {
	raw   string
	event string
	ID    int64  `json:"id"`
	Kind  string `json:"kind"`
	Title string `json:"title"`
	Body  string `json:"body"`
	URL   string `json:"url"`
	Test  bool   `json:"test"`
}

func newHookReceiver(t *testing.T) *hookReceiver {
	h := &hookReceiver{t: t, secret: make(chan string, 1), bodies: make(chan hookBody, 64), fail: make(chan int, 8)}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, _ := io.ReadAll(r.Body)
		secret := <-h.secret
		h.secret <- secret
		if got := r.Header.Get(core.SignatureHeader); !hmac.Equal([]byte(got), []byte(core.Sign(secret, raw))) {
			t.Errorf("webhook: signature %q does not match the body %s", got, raw)
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		select {
		case st := <-h.fail:
			http.Error(w, "down for maintenance", st)
			return
		default:
		}
		b := hookBody{raw: string(raw), event: r.Header.Get("X-Paperboy-Event")}
		if err := json.Unmarshal(raw, &b); err != nil {
			t.Errorf("webhook: %s is not JSON: %v", raw, err)
		}
		h.bodies <- b
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(srv.Close)
	h.URL = srv.URL + "/hook?token=kept-out-of-the-log"
	return h
}

func (h *hookReceiver) next() hookBody {
	h.t.Helper()
	select {
	case b := <-h.bodies:
		return b
	case <-time.After(10 * time.Second):
		h.t.Fatal("webhook: nothing posted in 10 s")
	}
	return hookBody{}
}

// TestNotices raises each kind of notice through the server and follows it
// to the owner's three channels: the webhook (signed), Web Push (signed
// with the server's VAPID key, encrypted to the browser, decrypted here)
// and the list. No email is in any of them.
func TestNotices(t *testing.T) {
	t.Parallel()
	clock := delivery.NewFakeClock(time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC))
	ts := newTestServer(t, "sqlite", core.Config{NoticesAllowPrivate: true}, withPublications(pluginHost(t, "friends")), withClock(clock))
	ctx := t.Context()
	token, printerID, fb, dev := onlinePrinter(t, ts)
	if st := ts.do("PATCH", fmt.Sprintf("/api/v1/printers/%d", printerID), token, "application/json",
		strings.NewReader(`{"name": "Kitchen", "offline_notice_hours": 2}`), nil); st != 200 {
		t.Fatalf("set the offline notice: %d", st)
	}

	// The owner's webhook and browser.
	hook := newHookReceiver(t)
	var wh struct{ URL, Secret string }
	if st := ts.do("PUT", "/api/v1/notices/webhook", token, "application/json", strings.NewReader(`{"url": "`+hook.URL+`"}`), &wh); st != 200 || len(wh.Secret) != 64 {
		t.Fatalf("set the webhook: %d %+v", st, wh)
	}
	hook.secret <- wh.Secret
	var settings struct {
		VAPIDPublicKey string `json:"vapid_public_key"`
	}
	ts.do("GET", "/api/v1/notices/settings", token, "", nil, &settings)
	push := webpushtest.NewHTTP(t)
	push.ExpectVAPIDKey(settings.VAPIDPublicKey)
	_, subJSON := push.NewSubscription()
	if st := ts.do("POST", "/api/v1/notices/push", token, "application/json", strings.NewReader(string(subJSON)), nil); st != 201 {
		t.Fatalf("add the browser: %d", st)
	}
	for _, bad := range []string{`{}`, `{"endpoint": "https://push.example/x", "keys": {"p256dh": "AAAA", "auth": "BBBB"}}`} {
		if st := ts.do("POST", "/api/v1/notices/push", token, "application/json", strings.NewReader(bad), nil); st != 400 {
			t.Errorf("a bad subscription %s: %d, want 400", bad, st)
		}
	}

	bob := ts.user("bob@example.com")
	if err := ts.store.SetUserName(ctx, ts.userID(t, "bob@example.com"), "Bob"); err != nil {
		t.Fatal(err)
	}
	var code struct{ Code string }
	ts.do("GET", "/api/v1/friends", token, "", nil, &code)

	sub, err := ts.store.CreateSubscription(ctx, store.NewSubscription{PrinterID: printerID, Publication: "miniseries", Schedule: "0 8 * * *"})
	if err != nil {
		t.Fatal(err)
	}
	events := []struct {
		kind, title string
		do          func()
	}{
		{store.NoticePrintFailed, "A print to Kitchen failed", func() {
			if st := ts.postJSON(fmt.Sprintf("/api/v1/printers/%d/print", printerID), token, map[string]string{"text": "jam"}, nil); st != http.StatusAccepted {
				t.Fatalf("print: %d", st)
			}
			c, _ := deviceCommand(t, fb, dev)
			fb.send(codec.DeviceCommandResponse{Header: fb.h(), Device: dev, CommandID: c.ID, ReturnCode: codec.ReturnFilesystemError})
		}},
		{store.NoticeKeyFirstUse, "The print key “doorbell” printed for the first time", func() {
			var k struct{ URL string }
			ts.postJSON(fmt.Sprintf("/api/v1/printers/%d/keys", printerID), token, map[string]string{"name": "doorbell"}, &k)
			if st, body := post(t, k.URL+"?from=Door", "text/plain", "Ding"); st != http.StatusAccepted {
				t.Fatalf("print through the key: %d %s", st, body)
			}
			printed(t, fb, dev, codec.SetDeliveryAndPrint)
		}},
		{store.NoticeFriendAdded, "Bob added you as a friend", func() {
			if st := ts.postJSON("/api/v1/friends", bob, map[string]string{"code": code.Code}, nil); st != 201 && st != 200 {
				t.Fatalf("befriend: %d", st)
			}
		}},
		{store.NoticeSubscriptionEnded, "miniseries has ended on Kitchen", func() {
			if err := ts.store.EndSubscription(ctx, sub.ID, "the publication has ended: that was the last episode"); err != nil {
				t.Fatal(err)
			}
		}},
		{store.NoticePublicationFailing, "news keeps failing on Kitchen", func() {
			s2, err := ts.store.CreateSubscription(ctx, store.NewSubscription{PrinterID: printerID, Publication: "news", Schedule: "0 8 * * *"})
			if err != nil {
				t.Fatal(err)
			}
			for day := range 3 {
				due := time.Date(2026, 12, 4+day, 8, 0, 0, 0, time.UTC)
				e, _, err := ts.store.ClaimEdition(ctx, s2.ID, due.Format("2006-01-02T15:04"), due, due.Add(-time.Hour))
				if err != nil {
					t.Fatal(err)
				}
				if err := ts.store.FinishEdition(ctx, e, store.EditionResult{Outcome: store.OutcomeFailed, Reason: "news: the publication answered 500"}); err != nil {
					t.Fatal(err)
				}
			}
		}},
		{store.NoticePrintExpired, "A print to Kitchen expired", func() {
			later := clock.Now().Add(time.Hour) // not sent before it expires
			if _, err := ts.store.CreateDelivery(ctx, store.NewDelivery{PrinterID: printerID, Kind: "message", NotBefore: later, ExpiresAt: clock.Now().Add(time.Minute)}); err != nil {
				t.Fatal(err)
			}
			if _, err := ts.store.ExpireDue(ctx, clock.Now().Add(2*time.Minute)); err != nil {
				t.Fatal(err)
			}
		}},
		{store.NoticePrinterOffline, "Kitchen is offline", func() {
			clock.Advance(3 * time.Hour)
			if n, err := ts.srv.RaiseOfflineNotices(ctx); err != nil || n != 1 {
				t.Fatalf("offline notices: %d, %v", n, err)
			}
		}},
	}
	for i, ev := range events {
		ev.do()
		if _, err := ts.srv.SendNotices(ctx); err != nil {
			t.Fatal(err)
		}
		got := hook.next()
		if got.Kind != ev.kind || got.event != ev.kind || got.Title != ev.title {
			t.Errorf("%s: the webhook got %s %q, want %q", ev.kind, got.Kind, got.Title, ev.title)
		}
		m := push.Next(t)
		var p struct{ Title, Body, URL string }
		if err := json.Unmarshal(m.Payload, &p); err != nil || p.Title != ev.title {
			t.Errorf("%s: the push payload %s (%v), want the title %q", ev.kind, m.Payload, err, ev.title)
		}
		for _, what := range []string{got.raw, string(m.Payload)} {
			if strings.Contains(what, "@example.com") {
				t.Errorf("%s: an email in %s", ev.kind, what)
			}
		}
		var list struct {
			Notices []struct{ Kind, Title string }
			Unread  int
		}
		ts.do("GET", "/api/v1/notices", token, "", nil, &list)
		if len(list.Notices) != i+1 || list.Notices[0].Kind != ev.kind || list.Unread != i+1 {
			t.Errorf("%s: the list %+v", ev.kind, list)
		}
	}
	push.RequireNoFailures(t)

	// The webhook's test button, a send that fails and is tried again, and
	// the delivery log that says so.
	hook.fail <- http.StatusServiceUnavailable
	if st := ts.do("POST", "/api/v1/notices/webhook/test", token, "", nil, nil); st != http.StatusAccepted {
		t.Fatalf("test: %d", st)
	}
	ts.srv.SendNotices(ctx)
	var log struct {
		Deliveries []struct {
			Kind, State, URL string
			LastError        string `json:"last_error"`
			Attempts         int
			LastStatus       int `json:"last_status"`
		}
	}
	ts.do("GET", "/api/v1/notices/webhook/deliveries", token, "", nil, &log)
	if d := log.Deliveries[0]; d.Kind != "test" || d.State != "pending" || d.Attempts != 1 || d.LastStatus != 503 ||
		!strings.Contains(d.LastError, "down for maintenance") || strings.Contains(d.URL, "kept-out") {
		t.Errorf("the log after a failed test: %+v", d)
	}
	clock.Advance(30 * time.Second)
	ts.srv.SendNotices(ctx)
	if b := hook.next(); !b.Test || b.Title != "A test from paperboy" {
		t.Errorf("the test notice: %+v", b)
	}
	ts.do("GET", "/api/v1/notices/webhook/deliveries", token, "", nil, &log)
	if d := log.Deliveries[0]; d.State != "sent" || d.Attempts != 2 {
		t.Errorf("the log after the retry: %+v", d)
	}

	// A browser its push service says is gone is forgotten.
	push.Unsubscribe(push.Received()[0].Endpoint)
	ts.store.AddFriendship(ctx, ts.userID(t, "carol@example.com"), ts.userID(t, "ann@example.com"))
	ts.srv.SendNotices(ctx)
	hook.next()
	var after struct {
		PushEndpoints []any `json:"push_endpoints"`
	}
	ts.do("GET", "/api/v1/notices/settings", token, "", nil, &after)
	if len(after.PushEndpoints) != 0 {
		t.Errorf("a browser that unsubscribed is kept: %+v", after)
	}

	// Read.
	if st := ts.do("POST", "/api/v1/notices/read", token, "", nil, nil); st != 204 {
		t.Errorf("read: %d", st)
	}
	var list struct{ Unread int }
	ts.do("GET", "/api/v1/notices", token, "", nil, &list)
	if list.Unread != 0 {
		t.Errorf("unread after reading: %d", list.Unread)
	}
}

// userID makes a user (if need be) and returns their id.
func (ts *testServer) userID(t *testing.T, email string) int64 {
	t.Helper()
	u, err := ts.store.UserByEmail(t.Context(), email)
	if err != nil {
		ts.user(email)
		if u, err = ts.store.UserByEmail(t.Context(), email); err != nil {
			t.Fatal(err)
		}
	}
	return u.ID
}
