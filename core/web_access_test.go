package core_test

import (
	"crypto/tls"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"paperboy/codec"
	"paperboy/core"
	"paperboy/delivery"
	"paperboy/internal/smtptest"
	"paperboy/internal/storetest"
	"paperboy/internal/syncbuf"
	"paperboy/store"
)

// resetLinkRE finds the link of a reset mail: it starts with the server's
// public URL, whatever Host the request that asked for it named.
var resetLinkRE = regexp.MustCompile(`(?m)^  http://paperboy\.example(/reset/[A-Za-z0-9_-]{43})$`)

// mailTimeout bounds the wait for a mail the server queued: it is sent at
// once, so this is only for a test that would otherwise hang.
const mailTimeout = 30 * time.Second

// resetMail waits for the next mail the sink takes, checks it is a reset
// link to one address, over STARTTLS after AUTH, and returns its link's
// path.
func resetMail(t *testing.T, sink *smtptest.Sink, to string) string {
	t.Helper()
	var m smtptest.Message
	select {
	case m = <-sink.Messages:
	case <-time.After(mailTimeout):
		t.Fatalf("no mail to %s", to)
	}
	if len(m.To) != 1 || m.To[0] != to || !m.TLS || m.User != "paperboy" || m.From != "paperboy@example.com" {
		t.Fatalf("mail %+v, want one to %s over STARTTLS, signed in", m, to)
	}
	link := resetLinkRE.FindStringSubmatch(m.Data)
	if link == nil || !strings.Contains(m.Data, "Subject: Your paperboy password") {
		t.Fatalf("no reset link in the mail:\n%s", m.Data)
	}
	return link[1]
}

// mailServer is a test server that sends reset mails to a sink, through
// STARTTLS with a certificate of the test's own, on a fake clock.
func mailServer(t *testing.T, parts ...part) (*testServer, *smtptest.Sink, *delivery.FakeClock) {
	t.Helper()
	serverTLS, pool := smtptest.Certificate(t)
	sink := smtptest.Start(t, smtptest.Options{TLS: serverTLS, User: "paperboy", Password: "mail password"})
	clock := delivery.NewFakeClock(time.Now())
	ts := newTestServer(t, "sqlite", core.Config{
		SMTP: core.SMTPConfig{Host: sink.Host, Port: sink.Port, User: "paperboy", Password: "mail password",
			From: "paperboy@example.com", TLS: &tls.Config{RootCAs: pool}},
		PublicURL: "http://paperboy.example/",
	}, append(parts, withClock(clock))...)
	return ts, sink, clock
}

func TestWeb_PasswordReset(t *testing.T) {
	t.Parallel()
	var logs syncbuf.Buffer
	ts, sink, clock := mailServer(t, withLog(&logs))
	before := ts.browser() // signed in before the reset: signed out by it
	before.signUp("ann@example.com")

	b := ts.browser()
	signin := b.get("/signin")
	if !strings.Contains(signin.body, `href="/forgot"`) {
		t.Fatalf("no link to /forgot on the sign-in page:\n%s", signin.body)
	}
	b.checkPage("/forgot", b.get("/forgot"))

	// An address with no account and one with get the same page (but for
	// the address it repeats); only the second gets a mail. The mails go
	// out one by one, in order: the first to arrive is Ann's, so none went
	// to nobody@.
	const sent = "If an account has the address"
	asks := []struct {
		email, to string // to: "" for no mail
	}{
		{"nobody@example.com", ""},
		{" Ann@Example.com ", "ann@example.com"},
		{"ann@example.com", "ann@example.com"},
		{"ann@example.com", "ann@example.com"},
	}
	var pages []string
	var links []string
	for _, a := range asks {
		p := b.submit("/forgot", "/forgot", url.Values{"email": {a.email}})
		if p.status != http.StatusOK || !strings.Contains(p.body, sent) {
			t.Fatalf("forgot %q: %d\n%s", a.email, p.status, p.body)
		}
		b.checkPage("/forgot", p)
		pages = append(pages, strings.ReplaceAll(p.body, normal(a.email), "EMAIL"))
		if a.to != "" {
			links = append(links, resetMail(t, sink, a.to))
		}
	}
	if stripCSRF(pages[0]) != stripCSRF(pages[1]) {
		t.Errorf("the pages for no account and for an account differ:\n%s\n---\n%s", pages[0], pages[1])
	}
	// A fourth ask for the same address in the hour is too many.
	if p := b.submit("/forgot", "/forgot", url.Values{"email": {"ann@example.com"}}); p.status != http.StatusTooManyRequests {
		t.Fatalf("a fourth reset mail in the hour: %d, want 429", p.status)
	}

	// The link asks for the new password twice, by sign-up's rules.
	page := b.get(links[0])
	if page.status != http.StatusOK || !strings.Contains(page.body, "Choose a new password") {
		t.Fatalf("GET %s: %d\n%s", links[0], page.status, page.body)
	}
	b.checkPage(links[0], page)
	for _, bad := range []struct{ pw, confirm, says string }{
		{"short", "short", "at least 10 characters"},
		{"battery staple", "battery stapel", "not the same"},
	} {
		p := b.submit(links[0], links[0], url.Values{"password": {bad.pw}, "confirm": {bad.confirm}})
		if p.status != http.StatusBadRequest || !strings.Contains(p.body, bad.says) {
			t.Fatalf("reset with %q/%q: %d, want 400 saying %q", bad.pw, bad.confirm, p.status, bad.says)
		}
	}
	b.get(links[0])
	p := b.post(links[0], url.Values{"csrf": {b.csrf}, "password": {"battery staple"}, "confirm": {"battery staple"}})
	if p.status != http.StatusSeeOther || p.location != "/?done=passwordreset" {
		t.Fatalf("reset: %d to %q\n%s", p.status, p.location, p.body)
	}
	if home := b.get(p.location); !strings.Contains(home.body, "Your printers") || !strings.Contains(home.body, "Your new password is set") {
		t.Fatalf("after the reset, not signed in:\n%s", home.body)
	}
	if p := before.get("/"); strings.Contains(p.body, "Your printers") {
		t.Error("the session from before the reset still signs in")
	}
	signIns := []struct {
		pw     string
		status int
	}{{"correct horse", http.StatusBadRequest}, {"battery staple", http.StatusOK}}
	for _, s := range signIns {
		if p := ts.browser().submit("/signin", "/signin", url.Values{"email": {"ann@example.com"}, "password": {s.pw}}); p.status != s.status {
			t.Errorf("sign in with %q: %d, want %d", s.pw, p.status, s.status)
		}
	}

	// Used, the link no longer works; nor do the others sent before it.
	for _, link := range links {
		if p := b.get(link); p.status != http.StatusGone || !strings.Contains(p.body, "no longer works") {
			t.Errorf("GET %s after the reset: %d, want 410", link, p.status)
		}
		if p := b.post(link, url.Values{"csrf": {b.csrf}, "password": {"stolen horse"}, "confirm": {"stolen horse"}}); p.status != http.StatusGone {
			t.Errorf("POST %s after the reset: %d, want 410", link, p.status)
		}
	}

	// An hour on, Ann may ask again; that link works for an hour.
	clock.Advance(time.Hour)
	b.submit("/forgot", "/forgot", url.Values{"email": {"ann@example.com"}})
	late := resetMail(t, sink, "ann@example.com")
	if p := b.get(late); p.status != http.StatusOK {
		t.Fatalf("a new link: %d", p.status)
	}
	clock.Advance(core.PasswordResetLifetime)
	if p := b.get(late); p.status != http.StatusGone {
		t.Errorf("a link an hour old: %d, want 410", p.status)
	}
	if p := b.post(late, url.Values{"csrf": {b.csrf}, "password": {"stolen horse"}, "confirm": {"stolen horse"}}); p.status != http.StatusGone {
		t.Errorf("POST to a link an hour old: %d, want 410", p.status)
	}

	// The log names users by id: never an address, never a token.
	log := logs.String()
	if !strings.Contains(log, "password reset") {
		t.Errorf("nothing logged of the reset:\n%s", log)
	}
	for _, secret := range append([]string{"ann@example.com", "nobody@example.com"}, append(links, late)...) {
		secret = strings.TrimPrefix(secret, "/reset/")
		if strings.Contains(log, secret) {
			t.Errorf("the log holds %q:\n%s", secret, log)
		}
	}
}

// normal is an email as the server keeps it.
func normal(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

var csrfValueRE = regexp.MustCompile(`name="csrf" value="[^"]*"`)

// stripCSRF leaves out what differs between any two pages: the CSRF token
// and the script nonce.
func stripCSRF(page string) string {
	return regexp.MustCompile(`nonce="[^"]*"`).ReplaceAllString(csrfValueRE.ReplaceAllString(page, ""), "")
}

func TestWeb_ForgotWithoutMail(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, "sqlite", core.Config{})
	b := ts.browser()
	b.signUp("ann@example.com")
	b.submit("/", "/signout", url.Values{})
	page := b.get("/forgot")
	b.get("/signin") // a form's CSRF token: /forgot has no form
	for _, p := range []webPage{page, b.post("/forgot", url.Values{"csrf": {b.csrf}, "email": {"ann@example.com"}})} {
		if p.status != http.StatusOK || !strings.Contains(p.body, "paperboy user reset-password") || strings.Contains(p.body, `action="/forgot"`) {
			t.Fatalf("forgot without mail: %d\n%s", p.status, p.body)
		}
		b.checkPage("/forgot", p)
	}
}

func TestWeb_ChangePassword(t *testing.T) {
	t.Parallel()
	// Each change checks the current password as a sign-in does, within
	// the same allowance: room for this test's.
	ts := newTestServer(t, "sqlite", core.Config{SignInsPerMinute: 20})
	b := ts.browser()
	b.signUp("ann@example.com")
	other := ts.browser()
	if p := other.submit("/signin", "/signin", url.Values{"email": {"ann@example.com"}, "password": {"correct horse"}}); p.status != http.StatusOK {
		t.Fatalf("sign in elsewhere: %d", p.status)
	}
	account := b.get("/account")
	if account.status != http.StatusOK || !strings.Contains(account.body, "Change your password") {
		t.Fatalf("/account: %d\n%s", account.status, account.body)
	}
	b.checkPage("/account", account)
	if !strings.Contains(b.get("/").body, `href="/account"`) {
		t.Error("no link to /account on the pages")
	}
	if p := ts.browser().get("/account"); p.status != http.StatusSeeOther {
		t.Errorf("signed out, /account: %d, want a redirect to sign in", p.status)
	}

	tests := []struct {
		name, current, pw, confirm string
		says                       string
	}{
		{"a wrong current password", "wrong horse!", "battery staple", "battery staple", "not your current password"},
		{"a short one", "correct horse", "short", "short", "at least 10 characters"},
		{"not the same", "correct horse", "battery staple", "battery stapel", "not the same"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := b.submit("/account", "/account/password", url.Values{"current": {tt.current}, "password": {tt.pw}, "confirm": {tt.confirm}})
			if p.status != http.StatusBadRequest || !strings.Contains(p.body, tt.says) {
				t.Fatalf("%d, want 400 saying %q\n%s", p.status, tt.says, p.body)
			}
			b.checkPage("/account/password", p)
		})
	}
	if !strings.Contains(other.get("/").body, "Your printers") {
		t.Fatal("a refused change signed the other session out")
	}
	p := b.submit("/account", "/account/password", url.Values{"current": {"correct horse"}, "password": {"battery staple"}, "confirm": {"battery staple"}})
	if p.status != http.StatusOK || !strings.Contains(p.body, "Password changed") {
		t.Fatalf("change: %d\n%s", p.status, p.body)
	}
	if !strings.Contains(b.get("/").body, "Your printers") {
		t.Error("the session that changed the password was signed out")
	}
	if strings.Contains(other.get("/").body, "Your printers") {
		t.Error("the other session still signs in")
	}
	for pw, status := range map[string]int{"correct horse": http.StatusBadRequest, "battery staple": http.StatusOK} {
		if p := ts.browser().submit("/signin", "/signin", url.Values{"email": {"ann@example.com"}, "password": {pw}}); p.status != status {
			t.Errorf("sign in with %q: %d, want %d", pw, p.status, status)
		}
	}
}

func TestWeb_DeleteAccount(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds {
		t.Run(kind, func(t *testing.T) {
			dsn := storetest.DSN(t, kind)
			st, err := store.Open(t.Context(), dsn)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			srv := startServer(t, core.Config{}, st, withPublications(pluginHost(t, "friends"))) // messages are its editions
			ts := &testServer{t: t, srv: srv, store: st, base: "http://" + srv.Addr()}

			// Ann has a printer online with a message printed, an API
			// token, a print key and a friend.
			ann, path, fb, dev := webPrinter(t, ts)
			printerID, _ := strconv.ParseInt(strings.TrimPrefix(path, "/printers/"), 10, 64)
			if p := ann.submitMultipart(path, path+"/print", map[string]string{"text": "hello", "mode": "now"}, nil); p.status != http.StatusOK {
				t.Fatalf("ann prints: %d\n%s", p.status, p.body)
			}
			printed(t, fb, dev, codec.SetDeliveryAndPrint)
			tokens := ann.submit("/tokens", "/tokens", url.Values{"name": {"script"}})
			token := regexp.MustCompile(`pb_[A-Za-z0-9_-]{20,}`).FindString(tokens.body)
			if tokens.status != http.StatusOK || token == "" {
				t.Fatalf("make a token: %d\n%s", tokens.status, tokens.body)
			}
			if p := ann.submit(path+"/keys", path+"/keys", url.Values{"name": {"doorbell"}}); p.status != http.StatusOK {
				t.Fatalf("make a print key: %d", p.status)
			}
			bob := ts.browser()
			bob.signUp("bob@example.com")
			_, code := ann.invite()
			if p := bob.submit("/friends", "/friends/add", url.Values{"code": {code}}); p.status != http.StatusOK {
				t.Fatalf("befriend: %d", p.status)
			}
			u, err := st.UserByEmail(t.Context(), "ann@example.com")
			if err != nil {
				t.Fatal(err)
			}
			owned := storetest.Owned{User: u.ID, Email: u.Email, Printers: []int64{printerID}}
			for _, table := range []string{"users", "printers", "deliveries", "api_tokens", "sessions", "print_keys", "friendships", "claim_codes"} {
				if storetest.Leftovers(t, dsn, owned)[table] == 0 {
					t.Fatalf("before: ann has nothing in %s", table)
				}
			}

			// A wrong password deletes nothing.
			if p := ann.submit("/account", "/account/delete", url.Values{"password": {"wrong horse!"}}); p.status != http.StatusBadRequest ||
				!strings.Contains(p.body, "nothing was deleted") {
				t.Fatalf("delete with a wrong password: %d\n%s", p.status, p.body)
			}
			ann.get("/account")
			p := ann.post("/account/delete", url.Values{"csrf": {ann.csrf}, "password": {"correct horse"}})
			if p.status != http.StatusSeeOther || p.location != "/?done=accountdeleted" {
				t.Fatalf("delete: %d to %q\n%s", p.status, p.location, p.body)
			}
			home := ann.get(p.location)
			if !strings.Contains(home.body, "Your account is deleted") || !strings.Contains(home.body, `href="/signup"`) || ann.cookie("pb_session") != nil {
				t.Fatalf("after deleting, not signed out with a notice:\n%s", home.body)
			}
			for table, n := range storetest.Leftovers(t, dsn, owned) {
				if n != 0 {
					t.Errorf("%d rows of ann's left in %s", n, table)
				}
			}
			if status := ts.do("GET", "/api/v1/printers", token, "", nil, nil); status != http.StatusUnauthorized {
				t.Errorf("her API token: %d, want 401", status)
			}
			if p := ts.browser().submit("/signin", "/signin", url.Values{"email": {"ann@example.com"}, "password": {"correct horse"}}); p.status != http.StatusBadRequest {
				t.Errorf("sign in as ann: %d, want 400", p.status)
			}
			if strings.Contains(bob.get("/friends").body, "ann@example.com") {
				t.Error("ann is still on bob's friends page")
			}

			// Her printer, still online, is Bob's with a code: it pairs and
			// prints for him.
			bob.get("/")
			p = bob.post("/printers/claim", url.Values{"csrf": {bob.csrf}, "claim_code": {codec.ClaimCode{HardwareXor: 0x0A0B0C, Secret: 7}.String()}, "name": {"Mine now"}})
			if p.status != http.StatusSeeOther || !strings.HasPrefix(p.location, "/printers/") {
				t.Fatalf("bob claims: %d to %q\n%s", p.status, p.location, p.body)
			}
			bobs, _, _ := strings.Cut(p.location, "?")
			if page := bob.get(bobs); page.status != http.StatusOK || !strings.Contains(page.body, "Mine now") {
				t.Fatalf("bob's printer page: %d\n%s", page.status, page.body)
			}
			if p := bob.submitMultipart(bobs, bobs+"/print", map[string]string{"text": "hello bob", "mode": "now"}, nil); p.status != http.StatusOK {
				t.Fatalf("bob prints: %d\n%s", p.status, p.body)
			}
			printed(t, fb, dev, codec.SetDeliveryAndPrint)
			if d, err := st.DeviceByAddress(t.Context(), dev.String()); err != nil || d.PairedBridge == "" {
				t.Errorf("the device after bob's claim: %+v, %v; want paired", d, err)
			}
		})
	}
}
