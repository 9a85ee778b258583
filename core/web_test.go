package core_test

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"image/png"
	"io"
	"maps"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"paperboy/codec"
	"paperboy/core"
	"paperboy/internal/storetest"
	"paperboy/store"
)

// browser is a visitor of the web app with its own cookies. It follows no
// redirects, so each answer can be looked at; submit follows a form's 303.
type browser struct {
	t      *testing.T
	ts     *testServer
	jar    map[string]*http.Cookie
	header http.Header // sent with every request, such as X-Forwarded-Proto
	// csrf is the token of the last page fetched.
	csrf string
}

func (ts *testServer) browser() *browser {
	return &browser{t: ts.t, ts: ts, jar: map[string]*http.Cookie{}, header: http.Header{}}
}

// webPage is an answer of the web app.
type webPage struct {
	status   int
	header   http.Header
	body     string
	location string
	cookies  []*http.Cookie
}

var noRedirects = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func (b *browser) do(method, path, contentType string, body io.Reader) webPage {
	b.t.Helper()
	req, err := http.NewRequest(method, b.ts.base+path, body)
	if err != nil {
		b.t.Fatal(err)
	}
	for k, v := range b.header {
		req.Header[k] = v
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for _, c := range b.jar {
		req.AddCookie(c)
	}
	resp, err := noRedirects.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	for _, c := range resp.Cookies() {
		if c.MaxAge < 0 || c.Value == "" {
			delete(b.jar, c.Name)
		} else {
			b.jar[c.Name] = c
		}
	}
	p := webPage{status: resp.StatusCode, header: resp.Header, body: string(data), location: resp.Header.Get("Location"), cookies: resp.Cookies()}
	if m := csrfRE.FindStringSubmatch(p.body); m != nil {
		b.csrf = m[1]
	}
	return p
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func (b *browser) get(path string) webPage {
	b.t.Helper()
	return b.do("GET", path, "", nil)
}

// post sends a form as it is, without adding the CSRF token.
func (b *browser) post(path string, form url.Values) webPage {
	b.t.Helper()
	return b.do("POST", path, "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
}

// submit fetches the page a form is on, sends the form with the page's
// CSRF token, and follows a redirect to the page it leads to.
func (b *browser) submit(from, action string, form url.Values) webPage {
	b.t.Helper()
	b.get(from)
	form.Set("csrf", b.csrf)
	p := b.post(action, form)
	if p.status == http.StatusSeeOther {
		return b.get(p.location)
	}
	return p
}

// submitMultipart is submit for a multipart form (files by field name).
func (b *browser) submitMultipart(from, action string, fields map[string]string, files map[string][]byte) webPage {
	b.t.Helper()
	b.get(from)
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	w.WriteField("csrf", b.csrf)
	for k, v := range fields {
		w.WriteField(k, v)
	}
	for k, v := range files {
		f, _ := w.CreateFormFile(k, k+".png")
		f.Write(v)
	}
	w.Close()
	p := b.do("POST", action, w.FormDataContentType(), &buf)
	if p.status == http.StatusSeeOther {
		return b.get(p.location)
	}
	return p
}

// signUp makes an account and leaves the browser signed in.
func (b *browser) signUp(email string) {
	b.t.Helper()
	p := b.submit("/signup", "/signup", url.Values{"email": {email}, "password": {"correct horse"}, "confirm": {"correct horse"}})
	if p.status != http.StatusOK || !strings.Contains(p.body, "Your printers") {
		b.t.Fatalf("sign up: status %d:\n%s", p.status, p.body)
	}
}

// withValue is a copy of a form with one field set to v.
func withValue(form url.Values, k, v string) url.Values {
	out := maps.Clone(form)
	out.Set(k, v)
	return out
}

func (b *browser) cookie(name string) *http.Cookie { return b.jar[name] }

var (
	nonceRE  = regexp.MustCompile(`script-src 'nonce-([A-Za-z0-9_-]+)'`)
	scriptRE = regexp.MustCompile(`<script[^>]*>`)
)

// checkPage checks what makes a page work in a browser: HTML with the
// security headers; well-formed (the templates close every element); each
// script carrying the CSP's nonce; each POST form its CSRF token; and every
// link, picture, stylesheet and script it names answering. A picture with
// a data-fallback sentence may also answer that there is none just now
// (a publication failing, 502 or 503, or finished, 409): app.js shows the
// sentence instead.
func (b *browser) checkPage(path string, p webPage) {
	b.t.Helper()
	if ct := p.header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
		b.t.Fatalf("%s: Content-Type %q", path, ct)
	}
	csp := p.header.Get("Content-Security-Policy")
	m := nonceRE.FindStringSubmatch(csp)
	if m == nil {
		b.t.Fatalf("%s: no script nonce in the CSP %q", path, csp)
	}
	for _, want := range []string{"default-src 'self'", "style-src 'self'", "img-src 'self' data: blob:", "frame-ancestors 'none'", "base-uri 'none'", "form-action 'self'"} {
		if !strings.Contains(csp, want) {
			b.t.Errorf("%s: CSP %q lacks %q", path, csp, want)
		}
	}
	if p.header.Get("X-Content-Type-Options") != "nosniff" || p.header.Get("Referrer-Policy") != "same-origin" {
		b.t.Errorf("%s: headers %v", path, p.header)
	}
	scripts := scriptRE.FindAllString(p.body, -1)
	if len(scripts) == 0 {
		b.t.Errorf("%s: no script", path)
	}
	for _, s := range scripts {
		if !strings.Contains(s, `nonce="`+m[1]+`"`) {
			b.t.Errorf("%s: script %s lacks the nonce %s", path, s, m[1])
		}
	}
	dec := xml.NewDecoder(strings.NewReader(p.body))
	dec.Entity = xml.HTMLEntity
	var refs []string
	fallback := map[string]bool{}
	var inPostForm, hasCSRF bool
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			b.t.Fatalf("%s: not well-formed: %v\n%s", path, err, p.body)
		}
		switch el := tok.(type) {
		case xml.StartElement:
			attr := map[string]string{}
			for _, a := range el.Attr {
				attr[a.Name.Local] = a.Value
			}
			switch el.Name.Local {
			case "a", "link":
				refs = append(refs, attr["href"])
			case "img", "script":
				refs = append(refs, attr["src"])
				if _, ok := attr["data-fallback"]; ok && el.Name.Local == "img" {
					fallback[attr["src"]] = true
				}
			case "form":
				inPostForm, hasCSRF = attr["method"] == "post", false
			case "input":
				if attr["name"] == "csrf" && attr["type"] == "hidden" && attr["value"] != "" {
					hasCSRF = true
				}
			}
		case xml.EndElement:
			if el.Name.Local == "form" && inPostForm && !hasCSRF {
				b.t.Errorf("%s: a POST form without its CSRF token", path)
			}
		}
	}
	for _, ref := range refs {
		if !strings.HasPrefix(ref, "/") {
			continue
		}
		got := b.get(ref)
		if fallback[ref] && (got.status == http.StatusBadGateway || got.status == http.StatusServiceUnavailable || got.status == http.StatusConflict) {
			continue
		}
		if got.status >= 400 {
			b.t.Errorf("%s links to %s, which answers %d", path, ref, got.status)
		}
	}
}

func TestWeb_Accounts(t *testing.T) {
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

// webPrinter signs up a user, claims a printer through the form and brings
// it online on a fake bridge.
func webPrinter(t *testing.T, ts *testServer) (*browser, string, *fakeBridge, codec.Address) {
	t.Helper()
	b := ts.browser()
	b.signUp("ann@example.com")
	code := codec.ClaimCode{HardwareXor: 0x0A0B0C, Secret: 99}
	dev := device(3, code.HardwareXor)
	b.get("/")
	p := b.post("/printers/claim", url.Values{"csrf": {b.csrf}, "claim_code": {code.String()}, "name": {"Kitchen"}})
	if p.status != http.StatusSeeOther || !strings.HasPrefix(p.location, "/printers/") {
		t.Fatalf("claim: %d to %q:\n%s", p.status, p.location, p.body)
	}
	path, _, _ := strings.Cut(p.location, "?")
	fb := ts.bridge(0xB2)
	fb.pair(dev, code)
	return b, path, fb, dev
}

func TestWeb_Claim(t *testing.T) {
	for _, kind := range storetest.Kinds {
		t.Run(kind, func(t *testing.T) {
			ts := newTestServer(t, kind, core.Config{ClaimsPerMinute: 5})
			b := ts.browser()
			b.signUp("ann@example.com")
			code := codec.ClaimCode{HardwareXor: 0x123456, Secret: 0x1122334455}
			typo := []byte(code.String())
			typo[3] = map[bool]byte{true: 'z', false: 'y'}[typo[3] != 'z']
			// The slips ParseClaimCode forgives: capitals, spaces for dashes, I and L for 1, U for V.
			slips := strings.NewReplacer("-", " ", "1", "I", "v", "U").Replace(strings.ToUpper(code.String()))
			tests := []struct {
				name, code, printer string
				status              int
				says                string
			}{
				{"empty", "  ", "", 400, "claim_code is required"},
				{"mistyped", string(typo), "", 400, "typo"},
				{"too short", "abcd-efgh", "", 400, "claim code"},
				{"a name too long", code.String(), strings.Repeat("n", 65), 400, "name is too long"},
				{"with the slips forgiven", slips, "Hall", 200, "Hall"},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					p := b.submit("/", "/printers/claim", url.Values{"claim_code": {tt.code}, "name": {tt.printer}})
					if p.status != tt.status || !strings.Contains(p.body, tt.says) {
						t.Fatalf("status %d, want %d saying %q:\n%s", p.status, tt.status, tt.says, p.body)
					}
					if tt.status == 400 && !strings.Contains(p.body, `class="field-error"`) {
						t.Errorf("the error is not next to its field:\n%s", p.body)
					}
					b.checkPage("/printers/claim", p)
				})
			}
			if p := b.get("/"); !strings.Contains(p.body, `href="/printers/`) || !strings.Contains(p.body, "Hall") {
				t.Fatalf("the claimed printer is not listed:\n%s", p.body)
			}
			// The API's limit holds for the form too.
			for range 3 {
				b.submit("/", "/printers/claim", url.Values{"claim_code": {string(typo)}})
			}
			if p := b.submit("/", "/printers/claim", url.Values{"claim_code": {string(typo)}}); p.status != http.StatusTooManyRequests || !strings.Contains(p.body, "Too many claim attempts") {
				t.Fatalf("over the claim limit: status %d:\n%s", p.status, p.body)
			}
		})
	}
}

func TestWeb_PrinterPage(t *testing.T) {
	ts := newTestServer(t, "sqlite", core.Config{}, withPublications(pluginHost(t, "friends")))
	b, path, fb, dev := webPrinter(t, ts)

	page := b.get(path)
	if page.status != 200 || !strings.Contains(page.body, "Kitchen") || !strings.Contains(page.body, "Nothing printed yet") {
		t.Fatalf("%s: %d\n%s", path, page.status, page.body)
	}
	eventually(t, "online on its page", func() bool { return strings.Contains(b.get(path).body, `class="status online">online`) })
	b.checkPage(path, b.get(path))

	// Another user's printer, or none, is not found.
	bob := ts.browser()
	bob.signUp("bob@example.com")
	for _, p := range []string{path, "/printers/99999", "/printers/abc", path + "/deliveries/1/preview.png"} {
		if got := bob.get(p); got.status != http.StatusNotFound || !strings.Contains(got.body, "Not found") {
			t.Errorf("bob GET %s: %d, want 404 with a page", p, got.status)
		}
	}
	bob.get("/")
	if got := bob.post(path+"/print", url.Values{"csrf": {bob.csrf}, "text": {"hi"}}); got.status != http.StatusNotFound {
		t.Errorf("bob prints on ann's printer: %d, want 404", got.status)
	}

	// The time zone.
	zones := []struct {
		zone   string
		status int
		says   string
	}{
		{"Mars/Olympus", 400, "not an IANA time zone"},
		{"Asia/Tokyo", 200, "Time zone saved"},
	}
	for _, tt := range zones {
		p := b.submit(path, path+"/time-zone", url.Values{"time_zone": {tt.zone}})
		if p.status != tt.status || !strings.Contains(p.body, tt.says) {
			t.Fatalf("zone %s: status %d, want %d saying %q", tt.zone, p.status, tt.status, tt.says)
		}
	}
	if p := b.get(path); !strings.Contains(p.body, `<option value="Asia/Tokyo" selected="selected">`) {
		t.Error("the zone saved is not selected")
	}

	// Its name.
	names := []struct {
		name   string
		status int
		says   string
	}{
		{"  ", 400, "name is empty"},
		{strings.Repeat("n", 65), 400, "name is too long"},
		{" Hall ", 200, "Renamed"},
	}
	for _, tt := range names {
		p := b.submit(path, path+"/name", url.Values{"name": {tt.name}})
		if p.status != tt.status || !strings.Contains(p.body, tt.says) {
			t.Fatalf("name %q: status %d, want %d saying %q", tt.name, p.status, tt.status, tt.says)
		}
		if tt.status == 400 && !strings.Contains(p.body, `id="name-error"`) {
			t.Errorf("name %q: the error is not next to the field", tt.name)
		}
	}
	if p := b.get(path); !strings.Contains(p.body, "<h1>Hall</h1>") || !strings.Contains(p.body, `<option value="Asia/Tokyo" selected="selected">`) {
		t.Error("after renaming, the page does not say Hall in Asia/Tokyo")
	}

	// A message through the form arrives at the printer.
	if p := b.submitMultipart(path, path+"/print", map[string]string{"text": "  "}, nil); p.status != 400 || !strings.Contains(p.body, "the message is empty") {
		t.Fatalf("an empty message: status %d", p.status)
	}
	p := b.submitMultipart(path, path+"/print", map[string]string{"text": "See you at eight!", "mode": "now"}, nil)
	if p.status != 200 || !strings.Contains(p.body, "Sent: it prints") {
		t.Fatalf("print: status %d:\n%s", p.status, p.body)
	}
	sent := printed(t, fb, dev, codec.SetDeliveryAndPrint)
	eventually(t, "printed in the history", func() bool { return strings.Contains(b.get(path).body, `class="state-printed"`) })

	// The history shows it with its picture, which the session may fetch.
	page = b.get(path)
	m := regexp.MustCompile(`<img class="preview" src="(/printers/\d+/deliveries/(\d+)/preview.png)"`).FindStringSubmatch(page.body)
	if m == nil || !strings.Contains(page.body, "message") {
		t.Fatalf("no preview in the history:\n%s", page.body)
	}
	b.checkPage(path, page)
	img := b.get(m[1])
	if img.status != 200 || img.header.Get("Content-Type") != "image/png" {
		t.Fatalf("preview: %d %s", img.status, img.header.Get("Content-Type"))
	}
	pic, err := png.Decode(strings.NewReader(img.body))
	if err != nil || pic.Bounds().Dx() != codec.PrintWidth || pic.Bounds().Dy() != sent.Height {
		t.Fatalf("preview: %v, %v; want the print's %d rows", err, pic.Bounds(), sent.Height)
	}
	if p := ts.browser().get(m[1]); p.status != http.StatusSeeOther {
		t.Errorf("the preview without a session: %d, want a redirect to sign in", p.status)
	}

	// Print again: the same picture, once more.
	if p := b.submit(path, path+"/deliveries/"+m[2]+"/reprint", url.Values{}); !strings.Contains(p.body, "Sent again") {
		t.Fatalf("reprint: %d", p.status)
	}
	again := printed(t, fb, dev, codec.SetDeliveryAndPrint)
	if again.Height != sent.Height {
		t.Errorf("the print again is %d rows, the first %d", again.Height, sent.Height)
	}

	// A drawing, printed when the button is pressed.
	if p := b.submitMultipart(path, path+"/print", map[string]string{"text": "Look!", "mode": "button"}, map[string][]byte{"image": drawing(t)}); p.status != 200 {
		t.Fatalf("print a drawing: status %d:\n%s", p.status, p.body)
	}
	if pic := printed(t, fb, dev, codec.SetDelivery); pic.Height <= sent.Height {
		t.Errorf("the note with a drawing is %d rows, the text alone %d", pic.Height, sent.Height)
	}

	// Delete: a finished print goes; a waiting one stays.
	fb.ws.Close()
	eventually(t, "offline", func() bool { return strings.Contains(b.get(path).body, `class="status">offline`) })
	b.submitMultipart(path, path+"/print", map[string]string{"text": "later"}, nil)
	ids := regexp.MustCompile(`/deliveries/(\d+)/reprint`).FindAllStringSubmatch(b.get(path).body, -1)
	if len(ids) != 4 {
		t.Fatalf("%d prints in the history, want 4", len(ids))
	}
	if p := b.submit(path, path+"/deliveries/"+ids[0][1]+"/delete", url.Values{}); p.status != http.StatusConflict || !strings.Contains(p.body, "not finished yet") {
		t.Errorf("delete a waiting print: %d:\n%s", p.status, p.body)
	}
	if p := b.submit(path, path+"/deliveries/"+m[2]+"/delete", url.Values{}); p.status != 200 || !strings.Contains(p.body, "Deleted from the history") {
		t.Errorf("delete a printed one: %d", p.status)
	}
	if p := b.get(m[1]); p.status != http.StatusNotFound {
		t.Errorf("the deleted print's preview: %d, want 404", p.status)
	}
	if n := len(regexp.MustCompile(`/deliveries/(\d+)/reprint`).FindAllString(b.get(path).body, -1)); n != 3 {
		t.Errorf("%d prints in the history after deleting one, want 3", n)
	}
}

func TestWeb_Subscribe(t *testing.T) {
	ts := newTestServer(t, "sqlite", core.Config{}, withPublications(pluginHost(t, "weather", "news", "friends")))
	b, path, _, _ := webPrinter(t, ts)
	id := strings.TrimPrefix(path, "/printers/")

	cat := b.get("/publications")
	if cat.status != 200 || !strings.Contains(cat.body, "Weather") || !strings.Contains(cat.body, "News") ||
		!strings.Contains(cat.body, `href="`+path+`/subscribe?publication=weather"`) || strings.Contains(cat.body, "publication=friends") {
		t.Fatalf("the catalogue: %d\n%s", cat.status, cat.body)
	}
	b.checkPage("/publications", cat)

	form := path + "/subscribe?publication=weather"
	page := b.get(form)
	for _, want := range []string{`name="config_place" type="text"`, `name="config_latitude" type="number"`, `min="-90" max="90"`,
		`<select id="config_units" name="config_units">`, `<option value="celsius" selected="selected">`, `name="config_base_url" type="url"`,
		`type="time" value="07:00"`, `name="days" value="mon"`, `name="days" value="sun"`, `value="button" checked="checked"`} {
		if !strings.Contains(page.body, want) {
			t.Errorf("the weather form lacks %s", want)
		}
	}
	b.checkPage(form, page)
	news := b.get(path + "/subscribe?publication=news")
	if !strings.Contains(news.body, `<textarea id="config_feeds" name="config_feeds"`) || !strings.Contains(news.body, `name="config_summaries" value="true" checked="checked"`) {
		t.Errorf("the news form:\n%s", news.body)
	}
	b.checkPage(path+"/subscribe?publication=news", news)
	for _, pub := range []string{"horoscope", "friends"} {
		if p := b.get(path + "/subscribe?publication=" + pub); p.status != http.StatusNotFound {
			t.Errorf("subscribe to %s: %d, want 404", pub, p.status)
		}
	}

	good := url.Values{"config_place": {"Leeds"}, "config_latitude": {"53.8"}, "config_longitude": {"-1.55"}, "config_units": {"celsius"},
		"time": {"07:30"}, "days": {"mon", "fri"}, "mode": {"now"}}
	with := func(k, v string) url.Values { return withValue(good, k, v) }
	refused := []struct {
		name string
		form url.Values
		says string
	}{
		{"no place", with("config_place", ""), "required"},
		{"latitude out of range", with("config_latitude", "100"), "must be from -90 to 90"},
		{"a bad time", with("time", "25:00"), "want hours and minutes"},
		{"a bad day", with("days", "someday"), "want mon, tue"},
		{"a bad mode", with("mode", "later"), "mode must be"},
	}
	for _, tt := range refused {
		t.Run(tt.name, func(t *testing.T) {
			p := b.submit(form, form, tt.form)
			if p.status != http.StatusBadRequest || !strings.Contains(p.body, tt.says) || !strings.Contains(p.body, `class="field-error"`) {
				t.Fatalf("status %d, want 400 saying %q next to its field:\n%s", p.status, tt.says, p.body)
			}
			if !strings.Contains(p.body, `value="Leeds"`) && tt.name != "no place" {
				t.Errorf("the values given are not kept")
			}
			b.checkPage(form, p)
		})
	}

	p := b.submit(form, form, good)
	if p.status != 200 || !strings.Contains(p.body, "Subscribed.") || !strings.Contains(p.body, "At 07:30 on mon, fri; prints at once.") {
		t.Fatalf("subscribe: %d\n%s", p.status, p.body)
	}
	b.checkPage(path, p)
	printerID := int64(0)
	fmt.Sscan(id, &printerID)
	subs, err := ts.store.SubscriptionsByPrinter(t.Context(), printerID)
	if err != nil || len(subs) != 1 || subs[0].Config["place"] != "Leeds" || subs[0].Hour != 7 || subs[0].Minute != 30 || subs[0].Mode != store.ModeNow {
		t.Fatalf("stored: %+v, %v", subs, err)
	}
	sub := fmt.Sprintf("/subscriptions/%d", subs[0].ID)

	bob := ts.browser()
	bob.signUp("bob@example.com")
	if p := bob.post(sub+"/pause", url.Values{"csrf": {bob.csrf}}); p.status != http.StatusNotFound {
		t.Errorf("bob pauses ann's subscription: %d, want 404", p.status)
	}
	steps := []struct{ action, says string }{
		{"pause", "Resume"},
		{"resume", "Pause"},
		{"delete", "No subscriptions yet"},
	}
	for _, st := range steps {
		if p := b.submit(path, sub+"/"+st.action, url.Values{}); p.status != 200 || !strings.Contains(p.body, st.says) {
			t.Fatalf("%s: %d, want the page with %q:\n%s", st.action, p.status, st.says, p.body)
		}
	}
}
