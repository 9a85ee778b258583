package core_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"paperboy/core"
)

func TestWeb_Accounts(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, "sqlite", core.Config{})
	ts.user("cli@example.com") // made by paperboy user add: a token, no password
	b := ts.browser()
	welcome := b.get("/")
	if welcome.status != 200 || !strings.Contains(welcome.body, `href="/signup"`) {
		t.Fatalf("signed out, /: %d\n%s", welcome.status, welcome.body)
	}
	b.checkPage("/", welcome)
	b.checkPage("/signup", b.get("/signup"))
	b.checkPage("/signin", b.get("/signin"))

	tests := []struct {
		name            string
		email, pw, conf string
		says            string
	}{
		{"no email", "", "correct horse", "correct horse", "Enter your email"},
		{"not an email", "ann", "correct horse", "correct horse", "not an email address"},
		{"a short password", "ann@example.com", "short", "short", "at least 10 characters"},
		{"a long password", "ann@example.com", strings.Repeat("x", 73), strings.Repeat("x", 73), "too long"},
		{"not the same", "ann@example.com", "correct horse", "correct horsf", "not the same"},
		{"an email in use", "CLI@example.com", "correct horse", "correct horse", "already exists"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := b.submit("/signup", "/signup", url.Values{"email": {tt.email}, "password": {tt.pw}, "confirm": {tt.conf}})
			if p.status != http.StatusBadRequest || !strings.Contains(p.body, tt.says) || !strings.Contains(p.body, `class="field-error"`) {
				t.Fatalf("status %d, want 400 saying %q next to a field:\n%s", p.status, tt.says, p.body)
			}
			b.checkPage("/signup", p)
		})
	}

	b.get("/signup")
	p := b.post("/signup", url.Values{"csrf": {b.csrf}, "email": {" Ann@Example.com "}, "password": {"correct horse"}, "confirm": {"correct horse"}})
	if p.status != http.StatusSeeOther || p.location != "/?done=welcome" {
		t.Fatalf("sign up: %d to %q", p.status, p.location)
	}
	c := b.cookie("pb_session")
	if c == nil || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.Secure || c.MaxAge <= 0 {
		t.Fatalf("session cookie %+v: want HttpOnly, SameSite=Lax, Path=/, not Secure over http, lasting", c)
	}
	home := b.get(p.location)
	if !strings.Contains(home.body, "Your printers") || !strings.Contains(home.body, "ann@example.com") || !strings.Contains(home.body, "Welcome to paperboy") {
		t.Fatalf("signed in, /:\n%s", home.body)
	}
	b.checkPage("/", home)
	if p := b.get("/signin"); p.status != http.StatusSeeOther {
		t.Errorf("signed in, /signin: %d, want a redirect", p.status)
	}

	// Sign out: the session ends, in the store too.
	old := *c
	if p := b.submit("/", "/signout", url.Values{}); !strings.Contains(p.body, `href="/signup"`) {
		t.Fatalf("after signing out:\n%s", p.body)
	}
	if b.cookie("pb_session") != nil {
		t.Error("the session cookie is still set")
	}
	b.jar["pb_session"] = &old
	if p := b.get("/"); strings.Contains(p.body, "Your printers") {
		t.Error("the old session's cookie still signs in")
	}

	signIns := []struct {
		name, email, pw string
		status          int
		says            string
	}{
		{"a wrong password", "ann@example.com", "wrong horse!", 400, "do not match"},
		{"no account", "bob@example.com", "correct horse", 400, "do not match"},
		{"no password (a CLI user)", "cli@example.com", "", 400, "do not match"},
		{"right, in capitals", "ANN@example.com", "correct horse", 200, "Your printers"},
	}
	for _, tt := range signIns {
		t.Run(tt.name, func(t *testing.T) {
			p := b.submit("/signin", "/signin", url.Values{"email": {tt.email}, "password": {tt.pw}})
			if p.status != tt.status || !strings.Contains(p.body, tt.says) {
				t.Fatalf("status %d, want %d saying %q:\n%s", p.status, tt.status, tt.says, p.body)
			}
		})
	}

	// Signed out, a page that needs an account sends you to sign in, and back.
	other := ts.browser()
	if p := other.get("/printers/1"); p.status != http.StatusSeeOther || p.location != "/signin?next=%2Fprinters%2F1" {
		t.Fatalf("signed out, a printer page: %d to %q", p.status, p.location)
	}
	other.get("/signin?next=/printers/1")
	p = other.post("/signin", url.Values{"csrf": {other.csrf}, "email": {"ann@example.com"}, "password": {"correct horse"}, "next": {"/printers/1"}})
	if p.status != http.StatusSeeOther || p.location != "/printers/1" {
		t.Fatalf("sign in with next: %d to %q", p.status, p.location)
	}
	evil := ts.browser()
	evil.get("/signin")
	if p := evil.post("/signin", url.Values{"csrf": {evil.csrf}, "email": {"ann@example.com"}, "password": {"correct horse"}, "next": {"//evil.example/"}}); p.location != "/" {
		t.Errorf("next to another site: redirected to %q, want /", p.location)
	}
}

func TestWeb_SecureCookieOverHTTPS(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, "sqlite", core.Config{})
	b := ts.browser()
	b.header.Set("X-Forwarded-Proto", "https")
	b.get("/signup")
	if c := b.cookie("pb_csrf"); c == nil || !c.Secure || !c.HttpOnly {
		t.Errorf("csrf cookie %+v: want Secure and HttpOnly behind an HTTPS proxy", c)
	}
	b.signUp("ann@example.com")
	c := b.cookie("pb_session")
	if c == nil || !c.Secure || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" {
		t.Fatalf("session cookie %+v: want Secure, HttpOnly, SameSite=Lax, Path=/", c)
	}
}

func TestWeb_CSRF(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, "sqlite", core.Config{})
	ann := ts.browser()
	ann.signUp("ann@example.com")
	annToken := ann.csrf
	bob := ts.browser()
	bob.signUp("bob@example.com")
	stranger := ts.browser()
	stranger.get("/signin")

	tests := []struct {
		name   string
		b      *browser
		path   string
		csrf   string
		fields url.Values
	}{
		{"sign up without a token", stranger, "/signup", "", url.Values{"email": {"eve@example.com"}, "password": {"correct horse"}, "confirm": {"correct horse"}}},
		{"sign in with a wrong token", stranger, "/signin", "forged", url.Values{"email": {"ann@example.com"}, "password": {"correct horse"}}},
		{"sign out without a token", ann, "/signout", "", nil},
		{"claim without a token", ann, "/printers/claim", "", url.Values{"claim_code": {"0kxx-j4eq-c152-4sej"}}},
		{"claim with another session's token", bob, "/printers/claim", annToken, url.Values{"claim_code": {"0kxx-j4eq-c152-4sej"}}},
		{"print without a token", ann, "/printers/1/print", "", url.Values{"text": {"hi"}}},
		{"time zone without a token", ann, "/printers/1/time-zone", "", url.Values{"time_zone": {"Europe/London"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			form := url.Values{}
			for k, v := range tt.fields {
				form[k] = v
			}
			if tt.csrf != "" {
				form.Set("csrf", tt.csrf)
			}
			p := tt.b.post(tt.path, form)
			if p.status != http.StatusForbidden || !strings.Contains(p.body, "security token is missing or out of date") {
				t.Fatalf("status %d, want 403 saying why:\n%s", p.status, p.body)
			}
			tt.b.checkPage(tt.path, p)
		})
	}
	// Nothing happened: ann is still signed in and has no printer.
	if p := ann.get("/"); !strings.Contains(p.body, "You have no printer yet") {
		t.Fatalf("after the refused forms:\n%s", p.body)
	}
	// The JSON API needs its token, not a CSRF one.
	token := ts.user("cli@example.com")
	var out printerOut
	if st := ts.postJSON("/api/v1/printers/claim", token, map[string]string{"claim_code": "0kxx-j4eq-c152-4sej"}, &out); st != http.StatusCreated {
		t.Fatalf("API claim: status %d", st)
	}
}

func TestWeb_SignInRateLimit(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, "sqlite", core.Config{SignInsPerMinute: 2})
	b := ts.browser()
	began := time.Now() // the buckets fill again as time passes: 8 a minute for the address
	b.signUp("ann@example.com")
	b.submit("/", "/signout", url.Values{})
	try := func(email, pw string) webPage {
		return b.submit("/signin", "/signin", url.Values{"email": {email}, "password": {pw}})
	}
	for i := range 2 {
		if p := try("ann@example.com", "wrong password"); p.status != http.StatusBadRequest {
			t.Fatalf("attempt %d: status %d", i+1, p.status)
		}
	}
	p := try("ann@example.com", "correct horse")
	if p.status != http.StatusTooManyRequests || !strings.Contains(p.body, "Too many sign-in attempts. Try again in") || p.header.Get("Retry-After") == "" {
		t.Fatalf("the third attempt: status %d, Retry-After %q:\n%s", p.status, p.header.Get("Retry-After"), p.body)
	}
	b.checkPage("/signin", p)
	// Per address: four times the per-email allowance, whatever the emails.
	for i := 0; ; i++ {
		p := try(fmt.Sprintf("other%d@example.com", i), "whatever password")
		if p.status == http.StatusTooManyRequests {
			// 8 an address: the sign-up and 3 sign-ins above leave 4, and
			// on a slow machine another for each 7.5 s the test took.
			refilled := int(time.Since(began).Seconds() * 8 / 60)
			if i < 8-4 || i > 8-4+refilled {
				t.Fatalf("the address was limited after %d more attempts, want 4 (or up to %d more, refilled)", i, refilled)
			}
			break
		}
		if i > 10 {
			t.Fatal("attempts from one address are not limited")
		}
	}
}
