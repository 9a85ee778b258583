package core_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"paperboy/core"
	"paperboy/internal/webpushtest"
)

// TestWeb_Notices walks the notice pages as an owner: the printer's
// offline setting, the channels, the webhook with its test and log, a
// browser's push subscription, and the list with its count in the header.
func TestWeb_Notices(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, "sqlite", core.Config{NoticesAllowPrivate: true}, withPublications(pluginHost(t, "friends")))
	b, path, _, _ := webPrinter(t, ts)
	hook := newHookReceiver(t)
	push := webpushtest.NewHTTP(t)
	_, subJSON := push.NewSubscription()

	steps := []struct {
		name, from, action string
		form               url.Values
		status             int
		want               []string
	}{
		{"the offline notice", path, path + "/offline-notice", url.Values{"hours": {"6"}}, 200,
			[]string{`name="hours" type="number" min="0" max="672" inputmode="numeric" value="6"`, "Settings saved."}},
		{"too many hours", path, path + "/offline-notice", url.Values{"hours": {"10000"}}, 400,
			[]string{"from 1 to 672 (four weeks)", `aria-invalid="true" aria-describedby="hours-error"`}},
		{"the channels", "/notices/settings", "/notices/settings", url.Values{"print_failed.webhook": {"on"}, "friend_added.list": {"on"}}, 200,
			[]string{`name="print_failed.webhook" value="on" aria-label="A print failed: webhook" checked="checked"`,
				`name="print_failed.list" value="on" aria-label="A print failed: in the list" />`}},
		{"a webhook not on the web", "/notices/settings", "/notices/webhook", url.Values{"url": {"ftp://example.com/"}, "action": {"save"}}, 400,
			[]string{"That is not a web address", `value="ftp://example.com/"`}},
		{"a test with no webhook", "/notices/settings", "/notices/webhook", url.Values{"action": {"test"}}, 409,
			[]string{"There is no webhook to test"}},
		{"the webhook", "/notices/settings", "/notices/webhook", url.Values{"url": {hook.URL}, "action": {"save"}}, 200,
			[]string{"Webhook saved.", "Its secret: <code>", "Send a test"}},
		{"a browser", "/notices/settings", "/notices/push", url.Values{"subscription": {string(subJSON)}}, 200,
			[]string{"Notifications are on for this browser.", "A browser</strong>", "Turn off"}},
		{"not a subscription", "/notices/settings", "/notices/push", url.Values{"subscription": {`{"endpoint": "x"}`}}, 400,
			[]string{"That is not a browser&#39;s push subscription"}},
	}
	for _, st := range steps {
		p := b.submit(st.from, st.action, st.form)
		if p.status != st.status {
			t.Fatalf("%s: %d, want %d\n%s", st.name, p.status, st.status, p.body)
		}
		for _, w := range st.want {
			if !strings.Contains(p.body, w) {
				t.Errorf("%s: the page lacks %q\n%s", st.name, w, p.body)
			}
		}
		b.checkPage(st.action, p)
	}

	// The test button posts, signed, and the log says so.
	settings := b.get("/notices/settings")
	secret := between(settings.body, "Its secret: <code>", "</code>")
	hook.secret <- secret
	if p := b.submit("/notices/settings", "/notices/webhook", url.Values{"action": {"test"}}); !strings.Contains(p.body, "Test sent") {
		t.Fatalf("test: %d\n%s", p.status, p.body)
	}
	ts.srv.SendNotices(t.Context())
	if got := hook.next(); !got.Test {
		t.Errorf("the test notice: %+v", got)
	}
	if p := b.get("/notices/settings"); !strings.Contains(p.body, "delivered (204)") {
		t.Errorf("the delivery log:\n%s", p.body)
	}

	// A friend adds her: the header counts it, the list shows it (by the
	// friend's name, never the email), reading clears the count.
	bob := ts.browser()
	if p := bob.submit("/signup", "/signup", url.Values{"email": {"bob@example.com"}, "name": {"Bob"}, "password": {"correct horse"}, "confirm": {"correct horse"}}); p.status != 200 {
		t.Fatalf("bob signs up: %d", p.status)
	}
	friends := b.get("/friends")
	code := between(friends.body, `<strong class="code" id="friend-code">`, "</strong>")
	if p := bob.submit("/friends", "/friends/add", url.Values{"code": {code}}); p.status != 200 {
		t.Fatalf("befriend with %q: %d\n%s", code, p.status, p.body)
	}
	list := b.get("/notices")
	if !strings.Contains(list.body, `aria-label="1 unread">1</span>`) || !strings.Contains(list.body, "Bob added you as a friend") ||
		strings.Contains(list.body, "bob@example.com") {
		t.Errorf("the list:\n%s", list.body)
	}
	b.checkPage("/notices", list)
	if p := b.submit("/notices", "/notices/read", url.Values{"up_to": {"999"}}); strings.Contains(p.body, "unread") || p.status != http.StatusOK {
		t.Errorf("after reading: %d\n%s", p.status, p.body)
	}
}

// between is the text of s between the first start and the end after it.
func between(s, start, end string) string {
	_, after, _ := strings.Cut(s, start)
	v, _, _ := strings.Cut(after, end)
	return v
}
