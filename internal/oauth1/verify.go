package oauth1

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Credentials are one publication's: the consumer key and secret and the
// access token and secret BERG showed on its "API credentials" page.
type Credentials struct {
	ConsumerKey, ConsumerSecret, Token, TokenSecret string
}

// DefaultMaxSkew is how far a request's oauth_timestamp may be from the
// server's clock, either way, when Verifier.MaxSkew is 0.
const DefaultMaxSkew = 10 * time.Minute

// maxNonce is the longest oauth_nonce taken. Clients send 8 to 64
// characters; the bound keeps what Nonces remembers small.
const maxNonce = 128

// protocol are the oauth_ parameters a request may carry; any other is
// refused (section 3.2: "unsupported parameters").
var protocol = map[string]bool{
	"oauth_consumer_key":     true,
	"oauth_token":            true,
	"oauth_signature_method": true,
	"oauth_signature":        true,
	"oauth_timestamp":        true,
	"oauth_nonce":            true,
	"oauth_version":          true,
	"oauth_body_hash":        true,
}

// Error is why Verify refused a request: Status is the HTTP status to answer
// with (400 for a request that is malformed or unsupported, 401 for one
// whose credentials, signature, timestamp or nonce are wrong, 503 when
// Nonces is full, 500 for a Verifier set up wrong) and Msg says what to fix,
// in words for the publication's author; it names no secret and may be
// sent back in the response.
type Error struct {
	Status int
	Msg    string
	// BaseString is, when the signature did not match, the signature base
	// string the server signed (RFC 5849 section 3.4.1): what a client's
	// author compares with their own to find what differs. It holds the
	// URL, the parameters and the body hash, never a secret; log it at
	// debug level, or send it to the client.
	BaseString string
}

func (e *Error) Error() string { return "oauth1: " + e.Msg }

func refuse(status int, format string, args ...any) *Error {
	return &Error{Status: status, Msg: fmt.Sprintf(format, args...)}
}

// Verifier checks OAuth 1.0 HMAC-SHA1 signed requests (RFC 5849 section
// 3.2). Lookup and Nonces are required. A Verifier is safe for concurrent
// use once set up.
//
// A server calls it once per request, with the body already read (and
// bounded):
//
//	v := &oauth1.Verifier{
//		BaseURL: base, // e.g. https://paperboy.example.org, as clients sign it
//		Lookup:  publicationCredentials,
//		Nonces:  new(oauth1.Nonces),
//	}
//	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxEdition))
//	...
//	c, err := v.Verify(r, body, time.Now())
//	var e *oauth1.Error
//	if errors.As(err, &e) {
//		http.Error(w, e.Msg, e.Status)
//		return
//	}
type Verifier struct {
	// BaseURL gives the scheme and host (with the port) that clients
	// signed, which is the public URL of the server: behind a proxy or a
	// load balancer, r.TLS and r.Host are the proxy's, not what the client
	// saw. Only its scheme and host are used; the path is the request's
	// own, as received. When nil, the scheme is https if r.TLS is set and
	// http otherwise, and the host is r.Host.
	BaseURL *url.URL

	// Lookup finds the credentials of a consumer key and token, false when
	// there are none. A request without oauth_token (the RFC allows it;
	// BERG always sent one) is looked up with token "".
	Lookup func(consumerKey, token string) (Credentials, bool)

	// Nonces remembers the nonces already used, so a replayed request is
	// refused. Share one between all the Verifiers of a server.
	Nonces *Nonces

	// MaxSkew is how far oauth_timestamp may be from now, either way; 0
	// means DefaultMaxSkew (10 minutes).
	MaxSkew time.Duration

	// BodyHashOptional accepts a request whose body is neither empty nor
	// form-encoded without an oauth_body_hash. By default it is refused:
	// the body hash extension says such a request must carry one, and
	// without it the body, the edition itself, is not signed at all and
	// anyone on the way could change it. requests-oauthlib leaves it out
	// unless its OAuth1 is made with force_include_body=True.
	BodyHashOptional bool
}

// Verify checks that r, whose body is body, is signed by the credentials
// Lookup gives for its consumer key and token, at a time within MaxSkew of
// now, with a nonce not used before, and returns those credentials. Any
// error is an *Error.
//
// The oauth_ parameters may be in the Authorization header (section
// 3.5.1), the form-encoded body (3.5.2) or the query (3.5.3), in one place
// only. The signature must be HMAC-SHA1 (PLAINTEXT and RSA-SHA1 are
// refused), oauth_version absent or "1.0". oauth_body_hash, when present,
// must be the base64 SHA-1 of body; when absent, the body must be empty or
// form-encoded (see BodyHashOptional). The nonce is remembered only once
// everything else is right, so a refused request does not use it up.
func (v *Verifier) Verify(r *http.Request, body []byte, now time.Time) (Credentials, error) {
	if v.Lookup == nil || v.Nonces == nil {
		return Credentials{}, refuse(http.StatusInternalServerError, "the server's Verifier has no Lookup or no Nonces")
	}

	// Gather the parameters (section 3.4.1.3.1): those of the query, of
	// the header and of a form-encoded body, and note where the oauth_
	// ones came from.
	var signed []param
	oauth := map[string]string{}
	var places []string
	take := func(where string, ps []param) *Error {
		found := false
		for _, p := range ps {
			if !strings.HasPrefix(p.name, "oauth_") {
				signed = append(signed, p)
				continue
			}
			if !found && len(places) > 0 {
				return refuse(http.StatusBadRequest, "oauth_ parameters are in both the %s and the %s; put them in one place only, preferably the Authorization header", places[0], where)
			}
			found = true
			if !protocol[p.name] {
				return refuse(http.StatusBadRequest, "unsupported parameter %q in the %s", clip(p.name), where)
			}
			if _, dup := oauth[p.name]; dup {
				return refuse(http.StatusBadRequest, "%s appears more than once in the %s", p.name, where)
			}
			oauth[p.name] = p.value
			if p.name != "oauth_signature" {
				signed = append(signed, p)
			}
		}
		if found {
			places = append(places, where)
		}
		return nil
	}

	if auths := r.Header.Values("Authorization"); len(auths) > 1 {
		return Credentials{}, refuse(http.StatusBadRequest, "the request has %d Authorization headers; send one", len(auths))
	} else if len(auths) == 1 {
		if !isOAuth(auths[0]) {
			scheme, _, _ := strings.Cut(strings.TrimSpace(auths[0]), " ")
			return Credentials{}, refuse(http.StatusBadRequest, "the Authorization header uses the %q scheme; push requests are signed with OAuth 1.0 (Authorization: OAuth ...)", clip(scheme))
		}
		ps, err := parseHeader(auths[0])
		if err != nil {
			return Credentials{}, refuse(http.StatusBadRequest, "%s", err)
		}
		var rest []param
		for _, p := range ps {
			switch {
			case p.name == "realm":
				// Not signed (section 3.4.1.3.1), and not checked.
			case !strings.HasPrefix(p.name, "oauth_"):
				return Credentials{}, refuse(http.StatusBadRequest, "unsupported parameter %q in the Authorization header", clip(p.name))
			default:
				rest = append(rest, p)
			}
		}
		if e := take("Authorization header", rest); e != nil {
			return Credentials{}, e
		}
		if len(rest) == 0 {
			// "OAuth" alone, or a realm alone, is still the header
			// saying where the parameters are: that they are missing
			// is told below.
			places = append(places, "Authorization header")
		}
	}
	query, err := parseForm(r.URL.RawQuery)
	if err != nil {
		return Credentials{}, refuse(http.StatusBadRequest, "the query string is not valid URL encoding: %v", err)
	}
	if e := take("query string", query); e != nil {
		return Credentials{}, e
	}
	form := isForm(r.Header.Get("Content-Type"))
	if form {
		ps, err := parseForm(string(body))
		if err != nil {
			return Credentials{}, refuse(http.StatusBadRequest, "the body is sent as application/x-www-form-urlencoded but is not valid form encoding: %v", err)
		}
		if e := take("form body", ps); e != nil {
			return Credentials{}, e
		}
	}
	if len(places) == 0 {
		return Credentials{}, refuse(http.StatusUnauthorized, "the request is not signed: sign it with OAuth 1.0 (HMAC-SHA1), the publication's consumer key and secret and access token and secret")
	}

	// The protocol parameters (section 3.1), in the order that gives the
	// most useful message first.
	consumerKey := oauth["oauth_consumer_key"]
	if consumerKey == "" {
		return Credentials{}, refuse(http.StatusBadRequest, "oauth_consumer_key is missing")
	}
	switch method, ok := oauth["oauth_signature_method"]; {
	case !ok:
		return Credentials{}, refuse(http.StatusBadRequest, "oauth_signature_method is missing; it must be HMAC-SHA1")
	case method != "HMAC-SHA1":
		return Credentials{}, refuse(http.StatusBadRequest, "oauth_signature_method is %q; only HMAC-SHA1 is supported", clip(method))
	}
	if version, ok := oauth["oauth_version"]; ok && version != "1.0" {
		return Credentials{}, refuse(http.StatusBadRequest, "oauth_version is %q; it must be 1.0 or left out", clip(version))
	}
	signature, ok := oauth["oauth_signature"]
	if !ok {
		return Credentials{}, refuse(http.StatusBadRequest, "oauth_signature is missing")
	}
	tsText, ok := oauth["oauth_timestamp"]
	if !ok {
		return Credentials{}, refuse(http.StatusBadRequest, "oauth_timestamp is missing")
	}
	ts, err := parseTimestamp(tsText)
	if err != nil {
		return Credentials{}, refuse(http.StatusBadRequest, "oauth_timestamp %q is not a number of seconds since 1970", clip(tsText))
	}
	nonce, ok := oauth["oauth_nonce"]
	switch {
	case !ok || nonce == "":
		return Credentials{}, refuse(http.StatusBadRequest, "oauth_nonce is missing")
	case len(nonce) > maxNonce:
		return Credentials{}, refuse(http.StatusBadRequest, "oauth_nonce is %d bytes long; at most %d are taken", len(nonce), maxNonce)
	}

	skew := v.MaxSkew
	if skew <= 0 {
		skew = DefaultMaxSkew
	}
	if d := ts.Sub(now); d > skew || d < -skew {
		way := "behind"
		if d > 0 {
			way = "ahead of"
		} else {
			d = -d
		}
		return Credentials{}, refuse(http.StatusUnauthorized, "oauth_timestamp %s (%s) is %s %s the server's clock (%s); at most %s either way is accepted: check the clock of the machine that signs the request",
			tsText, ts.UTC().Format(time.RFC3339), d.Round(time.Second), way, now.UTC().Format(time.RFC3339), skew)
	}

	token := oauth["oauth_token"]
	c, ok := v.Lookup(consumerKey, token)
	if !ok {
		return Credentials{}, refuse(http.StatusUnauthorized, "unknown consumer key %q with token %q: use the credentials shown for the publication", clip(consumerKey), clip(token))
	}

	// The body hash extension: the body is signed through this parameter,
	// itself one of the signed parameters.
	if got, ok := oauth["oauth_body_hash"]; ok {
		sum := sha1.Sum(body)
		want := base64.StdEncoding.EncodeToString(sum[:])
		if !hmac.Equal([]byte(got), []byte(want)) {
			return Credentials{}, refuse(http.StatusUnauthorized, "the body does not match oauth_body_hash: the %d bytes received hash to %s, the request says %s; sign the exact bytes sent", len(body), want, clip(got))
		}
	} else if len(body) > 0 && !form && !v.BodyHashOptional {
		return Credentials{}, refuse(http.StatusBadRequest, "oauth_body_hash is missing: a %d-byte %s body must be signed with it (the base64 SHA-1 of the body, OAuth Request Body Hash 1.0)", len(body), bodyType(r))
	}

	uri := v.baseURI(r)
	base := baseString(r.Method, uri, signed)
	mac := hmac.New(sha1.New, []byte(percentEncode(c.ConsumerSecret)+"&"+percentEncode(c.TokenSecret)))
	mac.Write([]byte(base))
	want := base64.StdEncoding.EncodeToString(mac.Sum(nil))
	if !hmac.Equal([]byte(signature), []byte(want)) {
		e := refuse(http.StatusUnauthorized, "the signature does not match: check the consumer secret and the token secret, and that the request was signed as %s %s with exactly the parameters sent", strings.ToUpper(r.Method), uri)
		e.BaseString = base
		return Credentials{}, e
	}

	switch v.Nonces.use(consumerKey, nonce, ts.Add(skew), now) {
	case nonceUsed:
		return Credentials{}, refuse(http.StatusUnauthorized, "oauth_nonce %q was already used by this consumer key: every request needs a new nonce (was this request sent twice?)", clip(nonce))
	case nonceFull:
		return Credentials{}, refuse(http.StatusServiceUnavailable, "too many recent requests to check them all for replays; try again in a few minutes")
	}
	return c, nil
}

// baseURI is the base string URI of r (section 3.4.1.2): scheme and host
// from BaseURL or the request, the path as the client sent it.
func (v *Verifier) baseURI(r *http.Request) string {
	scheme, host := "http", r.Host
	if host == "" {
		host = r.URL.Host // a request made by a client, not received
	}
	if r.TLS != nil {
		scheme = "https"
	}
	if v.BaseURL != nil {
		scheme, host = v.BaseURL.Scheme, v.BaseURL.Host
	}
	return baseURI(scheme, host, requestPath(r))
}

// requestPath is the path of r as it came on the request line, so that it
// is signed with the client's own percent-encoding; r.URL.EscapedPath when
// r was not received by a server.
func requestPath(r *http.Request) string {
	uri := r.RequestURI
	if strings.HasPrefix(uri, "/") {
		path, _, _ := strings.Cut(uri, "?")
		return path
	}
	if uri != "" && uri != "*" {
		// The absolute form, sent to proxies.
		if u, err := url.ParseRequestURI(uri); err == nil {
			return u.EscapedPath()
		}
	}
	return r.URL.EscapedPath()
}

// parseTimestamp reads oauth_timestamp, a positive whole number of seconds
// (section 3.3), digits only.
func parseTimestamp(s string) (time.Time, error) {
	if s == "" || len(s) > 12 || strings.Trim(s, "0123456789") != "" {
		return time.Time{}, strconv.ErrSyntax
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return time.Time{}, strconv.ErrSyntax
	}
	return time.Unix(n, 0), nil
}

// bodyType names the body's Content-Type for a message.
func bodyType(r *http.Request) string {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mediaType, _, _ := strings.Cut(ct, ";")
		return strconv.Quote(clip(strings.TrimSpace(mediaType)))
	}
	return "untyped"
}
