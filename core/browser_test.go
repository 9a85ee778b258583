package core_test

import (
	"bytes"
	"encoding/xml"
	"io"
	"maps"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"paperboy/codec"
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
	for _, want := range []string{"default-src 'self'", "worker-src 'self'", "style-src 'self'", "img-src 'self' data: blob:", "frame-ancestors 'none'", "base-uri 'none'", "form-action 'self'"} {
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

var (
	nonceRE  = regexp.MustCompile(`script-src 'nonce-([A-Za-z0-9_-]+)'`)
	scriptRE = regexp.MustCompile(`<script[^>]*>`)
)
