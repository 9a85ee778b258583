package oauth1

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// Any header parses or is refused, without a panic; what parses has no
// name twice, and written again by formatHeader reads back the same.
func FuzzParseHeader(f *testing.F) {
	for _, v := range append(append([]vector(nil), pythonVectors...), rubyVectors...) {
		f.Add(v.authorization)
	}
	for _, s := range []string{
		"", "OAuth", "oauth ", "OAuth realm=\"x\"", "OAuth a=\"b\",,, c=\"d\"", "OAuth a=\"b\" c=\"d\"",
		"OAuth a=\"\\\"q\\\\\"", "OAuth a=\"%zz\"", "OAuth %61=\"1\", a=\"2\"", "OAuth a = \"1\" ,\tb=\"2\"",
		"OAuth a=\"", "OAuth =\"x\"", "Basic abc", "OAuth a=\"b\"\r\n  , c=\"d\"",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		ps, err := parseHeader(h)
		if err != nil {
			return
		}
		seen := map[string]bool{}
		var rest []param
		for _, p := range ps {
			if seen[p.name] {
				t.Fatalf("%q twice in %q", p.name, h)
			}
			seen[p.name] = true
			if p.name != "realm" {
				rest = append(rest, p)
			}
		}
		h2 := formatHeader("", rest)
		if len(h2) > maxHeader {
			return // encoding can triple a value: over the limit, rightly refused
		}
		again, err := parseHeader(h2)
		if err != nil {
			t.Fatalf("formatHeader's own header refused: %v", err)
		}
		if len(again) != len(rest) {
			t.Fatalf("round trip: %q became %q", rest, again)
		}
		for i := range rest {
			if again[i] != rest[i] {
				t.Fatalf("round trip: %q became %q", rest, again)
			}
		}
	})
}

// Any request, however made up, is accepted or refused with an *Error,
// without a panic.
func FuzzVerify(f *testing.F) {
	for _, v := range append(append([]vector(nil), pythonVectors...), rubyVectors...) {
		f.Add(v.method, v.url, v.authorization, v.contentType, []byte(v.body))
	}
	p := goodPush().signed(vectorCredentials, "n0")
	f.Add(p.method, p.url, p.header, p.contentType, []byte(p.body))
	f.Add("GET", "http://[::1]:80/a%20b?c=%zz", `OAuth oauth_consumer_key="pubkey0123456789"`, "application/x-www-form-urlencoded", []byte("a=%"))
	f.Fuzz(func(t *testing.T, method, rawURL, header, contentType string, body []byte) {
		u, err := url.Parse(rawURL)
		if err != nil || u.Host == "" {
			return
		}
		r := &http.Request{Method: method, URL: u, Host: u.Host, RequestURI: u.RequestURI(), Header: http.Header{}}
		if header != "" {
			r.Header.Set("Authorization", header)
		}
		if contentType != "" {
			r.Header.Set("Content-Type", contentType)
		}
		v := &Verifier{Lookup: vectorLookup, Nonces: new(Nonces)}
		_, err = v.Verify(r, body, vectorNow)
		var e *Error
		if err != nil && (!errors.As(err, &e) || e.Status == 0 || e.Msg == "") {
			t.Fatalf("Verify = %#v", err)
		}
	})
}

// Whatever path, query and body are signed, Verify accepts what Sign made.
func FuzzSignVerify(f *testing.F) {
	f.Add("/v1/subscriptions/0123/publish", "", []byte(pushHTML), pushType, "n0", "")
	f.Add("/request", "b5=%3D%253D&a3=a&c%40=&a2=r%20b", []byte("c2&a3=2+q"), "application/x-www-form-urlencoded", "7d8f3e4a", "Example")
	f.Add("/a%2Fb/~c", "html=%3Cp%3E+x&;=1&&", []byte{}, "", "nonce with spaces/+", "re\"alm\\")
	f.Fuzz(func(t *testing.T, path, query string, body []byte, contentType, nonce, realm string) {
		if nonce == "" || len(nonce) > maxNonce || strings.Contains(query, "oauth_") ||
			isForm(contentType) && strings.Contains(string(body), "oauth_") {
			return // refused for reasons of their own, tested elsewhere
		}
		rawURL := "https://paperboy.example.org:8443" + path
		if query != "" {
			rawURL += "?" + query
		}
		u, err := url.Parse(rawURL)
		if err != nil || u.Host != "paperboy.example.org:8443" || u.Fragment != "" || u.RawQuery != query {
			return
		}
		h, err := sign("POST", rawURL, body, contentType, vectorCredentials, nonce, vectorNow, realm)
		if err != nil || len(h) > maxHeader {
			return // a realm long enough gives a header Verify rightly refuses
		}
		r := &http.Request{Method: "POST", URL: u, Host: u.Host, RequestURI: u.RequestURI(), Header: http.Header{}}
		r.Header.Set("Authorization", h)
		r.Header.Set("Content-Type", contentType)
		v := &Verifier{Lookup: vectorLookup, Nonces: new(Nonces), BaseURL: &url.URL{Scheme: "https", Host: "paperboy.example.org:8443"}}
		if _, err := v.Verify(r, body, vectorNow); err != nil {
			var e *Error
			errors.As(err, &e)
			t.Fatalf("Verify(Sign(%q)) = %v\nbase string %s", rawURL, err, e.BaseString)
		}
	})
}
