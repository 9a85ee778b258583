// Package oauth1 checks and makes OAuth 1.0 (RFC 5849) HMAC-SHA1
// signatures, as BERG Cloud's Push API took them: a publication pushes an
// edition with POST <endpoint>, the HTML as the body, signed with its own
// consumer key and secret and access token and secret, the body covered by
// oauth_body_hash (the OAuth Request Body Hash extension).
//
// Verifier is the server side, which no maintained Go library does; Sign is
// the client side, for tests and for anyone writing a publication in Go.
// Both are written from the RFC: base.go builds the signature base string
// (section 3.4.1), header.go reads and writes the Authorization header
// (3.5.1), verify.go checks a request (3.2) and nonces.go remembers the
// nonces already used.
package oauth1

import (
	"net"
	"net/url"
	"sort"
	"strings"
)

// param is one name/value pair, decoded.
type param struct{ name, value string }

// percentEncode encodes s as RFC 5849 section 3.6 says: the unreserved
// characters (ALPHA, DIGIT, "-", ".", "_", "~") as they are, every other
// byte as %XX in upper case. It is not url.QueryEscape, which writes a
// space as "+" and so would give a different signature.
func percentEncode(s string) string {
	const hex = "0123456789ABCDEF"
	n := 0
	for i := 0; i < len(s); i++ {
		if !unreserved(s[i]) {
			n++
		}
	}
	if n == 0 {
		return s
	}
	b := make([]byte, 0, len(s)+2*n)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if unreserved(c) {
			b = append(b, c)
		} else {
			b = append(b, '%', hex[c>>4], hex[c&15])
		}
	}
	return string(b)
}

func unreserved(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
		c == '-' || c == '.' || c == '_' || c == '~'
}

// parseForm reads a query string or an application/x-www-form-urlencoded
// body as section 3.4.1.3.1 says, keeping every pair in order, repeated
// names and empty values included ("c2" alone is c2=""): "+" is a space and
// %XX a byte. url.ParseQuery would lose the order of repeated names, which
// does not matter here, but also refuses a ";", which is just a character
// to a signer.
func parseForm(s string) ([]param, error) {
	var ps []param
	for s != "" {
		var pair string
		pair, s, _ = strings.Cut(s, "&")
		if pair == "" {
			continue
		}
		name, value, _ := strings.Cut(pair, "=")
		n, err := url.QueryUnescape(name)
		if err != nil {
			return nil, err
		}
		v, err := url.QueryUnescape(value)
		if err != nil {
			return nil, err
		}
		ps = append(ps, param{n, v})
	}
	return ps, nil
}

// isForm tells whether a Content-Type is application/x-www-form-urlencoded,
// the one kind of body whose parameters are signed (section 3.4.1.3.1).
func isForm(contentType string) bool {
	mediaType, _, _ := strings.Cut(contentType, ";")
	return strings.EqualFold(strings.TrimSpace(mediaType), "application/x-www-form-urlencoded")
}

// baseURI is the base string URI of section 3.4.1.2: scheme and host in
// lower case, the port only when it is not the scheme's default, and the
// path as the client sent it ("/" when empty), without query or fragment.
func baseURI(scheme, host, path string) string {
	scheme = strings.ToLower(scheme)
	host = strings.ToLower(host)
	if h, port, err := net.SplitHostPort(host); err == nil {
		if port == "" || scheme == "http" && port == "80" || scheme == "https" && port == "443" {
			host = h
			if strings.Contains(h, ":") {
				host = "[" + h + "]" // an IPv6 address keeps its brackets
			}
		}
	}
	if path == "" {
		path = "/"
	}
	return scheme + "://" + host + path
}

// baseString is the signature base string of section 3.4.1.1: the method in
// upper case, the base string URI and the normalized parameters (3.4.1.3.2:
// each name and value encoded, sorted by name then value, joined with "="
// and "&"), each encoded once more and joined with "&".
func baseString(method, uri string, params []param) string {
	enc := make([]param, len(params))
	for i, p := range params {
		enc[i] = param{percentEncode(p.name), percentEncode(p.value)}
	}
	sort.Slice(enc, func(i, j int) bool {
		if enc[i].name != enc[j].name {
			return enc[i].name < enc[j].name
		}
		return enc[i].value < enc[j].value
	})
	var norm strings.Builder
	for i, p := range enc {
		if i > 0 {
			norm.WriteByte('&')
		}
		norm.WriteString(p.name)
		norm.WriteByte('=')
		norm.WriteString(p.value)
	}
	return percentEncode(strings.ToUpper(method)) + "&" + percentEncode(uri) + "&" + percentEncode(norm.String())
}
