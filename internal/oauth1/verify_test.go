package oauth1

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

// A push as paperboy gets it: an HTML edition, signed with Sign.
const (
	pushURL  = "http://127.0.0.1:8080/v1/subscriptions/0123456789abcdef0123456789abcdef01234567/publish"
	pushHTML = "<html><body><p>Bonjour, Café ☕</p></body></html>"
	pushType = "text/html; charset=utf-8"
)

var pushTime = time.Unix(1384000000, 0)

// push is a request and its body; each refusal case changes one thing.
type push struct {
	method, url, contentType, body string
	header                         string // the Authorization header; "" for Sign's
	now                            time.Time
}

func goodPush() push {
	return push{method: "POST", url: pushURL, contentType: pushType, body: pushHTML, now: pushTime.Add(5 * time.Second)}
}

func (p push) signed(c Credentials, nonce string) push {
	p.header = Sign(p.method, p.url, []byte(p.body), p.contentType, c, nonce, pushTime, "")
	return p
}

func (p push) request() *http.Request {
	r := httptest.NewRequest(p.method, p.url, strings.NewReader(p.body))
	if p.contentType != "" {
		r.Header.Set("Content-Type", p.contentType)
	}
	if p.header != "" {
		r.Header.Set("Authorization", p.header)
	}
	return r
}

// setParam replaces one parameter's value in the header, or removes it
// when value is "".
func (p push) setParam(name, value string) push {
	ps, err := parseHeader(p.header)
	if err != nil {
		panic(err)
	}
	var out []param
	for _, q := range ps {
		if q.name == name {
			if value == "" {
				continue
			}
			q.value = value
		}
		out = append(out, q)
	}
	p.header = formatHeader("", out)
	return p
}

func TestVerifyRefuses(t *testing.T) {
	c := vectorCredentials
	good := goodPush().signed(c, "n0")
	otherSecret := func(f func(*Credentials)) func(string, string) (Credentials, bool) {
		return func(ck, tok string) (Credentials, bool) {
			d, ok := vectorLookup(ck, tok)
			f(&d)
			return d, ok
		}
	}
	for _, tc := range []struct {
		name   string
		p      push
		body   *string // the body received, when not p.body
		lookup func(string, string) (Credentials, bool)
		status int
		msg    string
		base   bool // a BaseString is given
	}{
		{name: "good", p: good},
		{name: "wrong consumer secret", p: good, lookup: otherSecret(func(d *Credentials) { d.ConsumerSecret = "not-it" }),
			status: 401, msg: "the signature does not match: check the consumer secret and the token secret, and that the request was signed as POST " + pushURL, base: true},
		{name: "wrong token secret", p: good, lookup: otherSecret(func(d *Credentials) { d.TokenSecret = "" }),
			status: 401, msg: "the signature does not match", base: true},
		{name: "tampered body", p: good, body: ptr(strings.Replace(pushHTML, "Bonjour", "Bonsoir", 1)),
			status: 401, msg: "the body does not match oauth_body_hash: the 51 bytes received hash to "},
		{name: "body cut short", p: good, body: ptr(""),
			status: 401, msg: "the 0 bytes received hash to 2jmj7l5rSw0yVb/vlWAYkK/YBwk="},
		{name: "tampered path", p: func() push { p := good; p.url = strings.Replace(p.url, "0123", "9999", 1); return p }(),
			status: 401, msg: "the signature does not match", base: true},
		{name: "tampered query", p: func() push { p := good; p.url += "?html=x"; return p }(),
			status: 401, msg: "the signature does not match", base: true},
		{name: "tampered method", p: func() push { p := good; p.method = "PUT"; return p }(),
			status: 401, msg: "signed as PUT ", base: true},
		{name: "timestamp too old", p: func() push { p := good; p.now = pushTime.Add(11*time.Minute + 30*time.Second); return p }(),
			status: 401, msg: "oauth_timestamp 1384000000 (2013-11-09T12:26:40Z) is 11m30s behind the server's clock (2013-11-09T12:38:10Z); at most 10m0s either way is accepted: check the clock of the machine that signs the request"},
		{name: "timestamp too new", p: func() push { p := good; p.now = pushTime.Add(-time.Hour); return p }(),
			status: 401, msg: "is 1h0m0s ahead of the server's clock"},
		{name: "timestamp 10 minutes old", p: func() push { p := good; p.now = pushTime.Add(10 * time.Minute); return p }()},
		{name: "timestamp not a number", p: good.setParam("oauth_timestamp", "1384000000.5"),
			status: 400, msg: `oauth_timestamp "1384000000.5" is not a number of seconds since 1970`},
		{name: "unknown consumer key", p: goodPush().signed(Credentials{"someone-else", "s", c.Token, c.TokenSecret}, "n0"),
			status: 401, msg: `unknown consumer key "someone-else" with token "accesstoken-42"`},
		{name: "unknown token", p: goodPush().signed(Credentials{c.ConsumerKey, c.ConsumerSecret, "", ""}, "n0"),
			status: 401, msg: `unknown consumer key "pubkey0123456789" with token ""`},
		{name: "PLAINTEXT", p: good.setParam("oauth_signature_method", "PLAINTEXT"),
			status: 400, msg: `oauth_signature_method is "PLAINTEXT"; only HMAC-SHA1 is supported`},
		{name: "RSA-SHA1", p: good.setParam("oauth_signature_method", "RSA-SHA1"),
			status: 400, msg: `oauth_signature_method is "RSA-SHA1"; only HMAC-SHA1 is supported`},
		{name: "no signature method", p: good.setParam("oauth_signature_method", ""),
			status: 400, msg: "oauth_signature_method is missing"},
		{name: "oauth_version 2.0", p: func() push { p := good; p.header += `, oauth_version="2.0"`; return p }(),
			status: 400, msg: `oauth_version is "2.0"; it must be 1.0 or left out`},
		{name: "duplicate parameter", p: func() push { p := good; p.header += `, oauth_nonce="n1"`; return p }(),
			status: 400, msg: "the Authorization header has oauth_nonce twice"},
		{name: "duplicate in the query", p: func() push {
			p := good
			p.header, p.url = "", p.url+"?oauth_nonce=a&oauth_nonce=b"
			return p
		}(), status: 400, msg: "oauth_nonce appears more than once in the query string"},
		{name: "oauth_ parameters in two places", p: func() push { p := good; p.url += "?oauth_token=x"; return p }(),
			status: 400, msg: "oauth_ parameters are in both the Authorization header and the query string; put them in one place only"},
		{name: "unsupported oauth_ parameter", p: func() push { p := good; p.header += `, oauth_callback="oob"`; return p }(),
			status: 400, msg: `unsupported parameter "oauth_callback" in the Authorization header`},
		{name: "unsupported header parameter", p: func() push { p := good; p.header += `, foo="bar"`; return p }(),
			status: 400, msg: `unsupported parameter "foo" in the Authorization header`},
		{name: "malformed header: unquoted", p: func() push { p := good; p.header += `, oauth_version=1.0`; return p }(),
			status: 400, msg: `the Authorization header's parameter "oauth_version" must have its value in double quotes`},
		{name: "malformed header: no comma", p: func() push { p := good; p.header += ` oauth_version="1.0"`; return p }(),
			status: 400, msg: "the Authorization header needs a comma between parameters"},
		{name: "malformed header: open quote", p: func() push { p := good; p.header += `, oauth_version="1.0`; return p }(),
			status: 400, msg: "has no closing double quote"},
		{name: "malformed header: bad escape", p: func() push {
			p := good
			p.header = strings.Replace(p.header, `oauth_nonce="n0"`, `oauth_nonce="%zz"`, 1)
			return p
		}(),
			status: 400, msg: "the Authorization header's oauth_nonce is not percent-encoded properly"},
		{name: "header too long", p: func() push { p := good; p.header += `, realm="` + strings.Repeat("x", maxHeader) + `"`; return p }(),
			status: 400, msg: "the Authorization header is 8"},
		{name: "two Authorization headers", p: good, status: 400, msg: "the request has 2 Authorization headers"},
		{name: "Basic", p: func() push { p := good; p.header = "Basic dXNlcjpwYXNz"; return p }(),
			status: 400, msg: `the Authorization header uses the "Basic" scheme`},
		{name: "not signed", p: func() push { p := good; p.header = ""; return p }(),
			status: 401, msg: "the request is not signed"},
		{name: "OAuth and nothing", p: func() push { p := good; p.header = `OAuth realm="x"`; return p }(),
			status: 400, msg: "oauth_consumer_key is missing"},
		{name: "no signature", p: good.setParam("oauth_signature", ""), status: 400, msg: "oauth_signature is missing"},
		{name: "no nonce", p: good.setParam("oauth_nonce", ""), status: 400, msg: "oauth_nonce is missing"},
		{name: "no timestamp", p: good.setParam("oauth_timestamp", ""), status: 400, msg: "oauth_timestamp is missing"},
		{name: "long nonce", p: goodPush().signed(c, strings.Repeat("n", 129)), status: 400, msg: "oauth_nonce is 129 bytes long"},
		{name: "missing body hash with an HTML body", p: good.setParam("oauth_body_hash", ""),
			status: 400, msg: `oauth_body_hash is missing: a 51-byte "text/html" body must be signed with it`},
		{name: "bad query encoding", p: func() push { p := good; p.url += "?a=%zz"; return p }(),
			status: 400, msg: "the query string is not valid URL encoding"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			lookup := tc.lookup
			if lookup == nil {
				lookup = vectorLookup
			}
			v := &Verifier{Lookup: lookup, Nonces: new(Nonces)}
			r := tc.p.request()
			if tc.name == "two Authorization headers" {
				r.Header.Add("Authorization", tc.p.header)
			}
			body := tc.p.body
			if tc.body != nil {
				body = *tc.body
			}
			got, err := v.Verify(r, []byte(body), tc.p.now)
			if tc.status == 0 {
				if err != nil || got != c {
					t.Fatalf("Verify = %+v, %v; want it accepted", got, err)
				}
				return
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Verify = %v, want an *Error", err)
			}
			if e.Status != tc.status || !strings.Contains(e.Msg, tc.msg) {
				t.Errorf("Verify = %d %q\nwant    %d %q…", e.Status, e.Msg, tc.status, tc.msg)
			}
			if (e.BaseString != "") != tc.base {
				t.Errorf("BaseString = %q", e.BaseString)
			}
			for _, secret := range []string{c.ConsumerSecret, c.TokenSecret, "not-it"} {
				if strings.Contains(e.Error()+e.BaseString, secret) {
					t.Errorf("the error tells a secret: %q", e.Error()+e.BaseString)
				}
			}
			if got != (Credentials{}) {
				t.Errorf("refused, but returned %+v", got)
			}
		})
	}
}

func ptr(s string) *string { return &s }

// A refused request does not use up its nonce: once fixed it is accepted.
func TestRefusedNonceNotUsed(t *testing.T) {
	p := goodPush().signed(vectorCredentials, "n0")
	v := &Verifier{Lookup: vectorLookup, Nonces: new(Nonces)}
	if _, err := v.Verify(p.request(), []byte("tampered"), p.now); err == nil {
		t.Fatal("tampered body accepted")
	}
	if _, err := v.Verify(p.request(), []byte(p.body), p.now); err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if v.Nonces.Len() != 1 {
		t.Errorf("%d nonces remembered, want 1", v.Nonces.Len())
	}
}

// The same nonce is fine for another consumer key, and for the same key
// once its timestamp could not be accepted anyway.
func TestNoncePerConsumerKey(t *testing.T) {
	other := Credentials{"another-pub", "s2", "t2", "ts2"}
	lookup := func(ck, tok string) (Credentials, bool) {
		if ck == other.ConsumerKey {
			return other, tok == other.Token
		}
		return vectorLookup(ck, tok)
	}
	v := &Verifier{Lookup: lookup, Nonces: new(Nonces)}
	for _, c := range []Credentials{vectorCredentials, other} {
		p := goodPush().signed(c, "same")
		if _, err := v.Verify(p.request(), []byte(p.body), p.now); err != nil {
			t.Fatalf("%s: %v", c.ConsumerKey, err)
		}
	}
}

func TestVerifierSetUpWrong(t *testing.T) {
	p := goodPush().signed(vectorCredentials, "n0")
	_, err := (&Verifier{Lookup: vectorLookup}).Verify(p.request(), []byte(p.body), p.now)
	var e *Error
	if !errors.As(err, &e) || e.Status != 500 {
		t.Fatalf("Verify without Nonces = %v, want a 500", err)
	}
}

// Without an oauth_token (RFC 5849 allows it) the lookup is for token "".
func TestNoToken(t *testing.T) {
	c := Credentials{ConsumerKey: "k", ConsumerSecret: "s"}
	p := goodPush().signed(c, "n0")
	if strings.Contains(p.header, "oauth_token") {
		t.Fatalf("Sign sent an empty token: %s", p.header)
	}
	v := &Verifier{Lookup: func(ck, tok string) (Credentials, bool) { return c, ck == "k" && tok == "" }, Nonces: new(Nonces)}
	if _, err := v.Verify(p.request(), []byte(p.body), p.now); err != nil {
		t.Fatal(err)
	}
}

// BaseURL's scheme and host are what is signed, whatever the request says.
func TestBaseURLScheme(t *testing.T) {
	c := vectorCredentials
	p := goodPush()
	p.url = "https://push.example.org/v1/x/publish"
	p = p.signed(c, "n0")
	r := p.request()
	r.TLS = nil // TLS ended at the proxy
	v := &Verifier{Lookup: vectorLookup, Nonces: new(Nonces)}
	if _, err := v.Verify(r, []byte(p.body), p.now); err == nil || !strings.Contains(err.Error(), "signed as POST http://push.example.org/v1/x/publish") {
		t.Fatalf("without BaseURL: %v", err)
	}
	v.BaseURL = mustURL("HTTPS://push.example.org:443/ignored/path")
	if _, err := v.Verify(r, []byte(p.body), p.now); err != nil {
		t.Fatalf("with BaseURL: %v", err)
	}
}

func mustURL(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return u
}
