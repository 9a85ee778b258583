// Package webpushtest is a push service for tests: it takes the messages a
// webpush.Sender posts, checks them as a real push service and a browser
// would (the VAPID token of RFC 8292, the headers of RFC 8030, the
// encryption of RFC 8291 and RFC 8188), and hands each decrypted payload to
// a channel. It uses the standard library only, so it checks webpush-go
// rather than repeating it.
//
// A test makes a Service with New, a browser's subscription with
// NewSubscription, sends to it, and reads Next or Messages. A message the
// service refuses as malformed is answered 400, 401, 403 or 413 and kept as
// a Failure, so a test can say none happened with RequireNoFailures.
package webpushtest

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"paperboy/internal/webpush"
)

// MaxBodyBytes is the largest encrypted message the service takes: RFC 8030,
// section 7.2 has push services take at least 4096 bytes, and webpush-go
// sends exactly that.
const MaxBodyBytes = 4096

// maxTokenLifetime is how far ahead a VAPID token may expire (RFC 8292,
// section 2).
const maxTokenLifetime = 24 * time.Hour

// Message is one message the service took, decrypted.
type Message struct {
	Endpoint   string
	Payload    []byte      // the plaintext, padding removed
	Header     http.Header // the request's headers
	VAPIDKey   string      // the token's k, in unpadded base64url
	Subscriber string      // the token's sub
	TTL        int         // the TTL header, in seconds
}

// Failure is one message the service refused as malformed.
type Failure struct {
	Endpoint string
	Status   int    // what the service answered
	Reason   string // why
}

func (f Failure) String() string {
	return fmt.Sprintf("%s: %d: %s", f.Endpoint, f.Status, f.Reason)
}

// browser is the receiving side of one subscription.
type browser struct {
	key     *ecdh.PrivateKey
	auth    []byte
	answers []int // statuses to answer next, in order
	removed bool
}

// Service is a running push service.
type Service struct {
	// URL is the service's base URL; endpoints are under URL/push/.
	URL string
	// Messages has each message taken, in order. It holds 256; past that
	// a message is still in Received but not on the channel.
	Messages chan Message
	// Now is the clock a token's exp is checked against; New sets
	// time.Now. Set it before sending.
	Now func() time.Time

	srv *httptest.Server
	t   testing.TB

	mu        sync.Mutex
	browsers  map[string]*browser // by endpoint
	expectKey []byte              // the VAPID public key to insist on, nil for any
	received  []Message
	failures  []Failure
}

// New starts an https push service that stops when the test ends. Its
// certificate is trusted by Client only, so a Sender for it is made with
// Config.Client = s.Client().
func New(t testing.TB) *Service {
	t.Helper()
	return start(t, true)
}

// NewHTTP starts a plain http push service, for a Sender made with
// Config.AllowHTTP.
func NewHTTP(t testing.TB) *Service {
	t.Helper()
	return start(t, false)
}

func start(t testing.TB, tls bool) *Service {
	s := &Service{
		Messages: make(chan Message, 256),
		Now:      time.Now,
		t:        t,
		browsers: make(map[string]*browser),
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /push/{id}", s.handlePush)
	if tls {
		s.srv = httptest.NewTLSServer(mux)
	} else {
		s.srv = httptest.NewServer(mux)
	}
	s.URL = s.srv.URL
	t.Cleanup(s.srv.Close)
	return s
}

// Client is an HTTP client that trusts the service's certificate.
func (s *Service) Client() *http.Client {
	return s.srv.Client()
}

// ExpectVAPIDKey makes the service refuse, with 403, a message whose token
// was not signed with this public key (unpadded or padded base64url), as a
// push service does for a subscription made with an applicationServerKey.
func (s *Service) ExpectVAPIDKey(public string) {
	s.t.Helper()
	k, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(public, "="))
	if err != nil {
		s.t.Fatalf("webpushtest: ExpectVAPIDKey(%q): %v", public, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.expectKey = k
}

// NewSubscription makes a browser's subscription to the service: a fresh
// P-256 key pair and 16-byte authentication secret, and an endpoint of its
// own. It returns it as the webpush package holds it and as the JSON of
// the browser's PushSubscription.toJSON().
func (s *Service) NewSubscription() (webpush.Subscription, []byte) {
	s.t.Helper()
	key, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		s.t.Fatal(err)
	}
	b := &browser{key: key, auth: make([]byte, 16)}
	rand.Read(b.auth)
	id := make([]byte, 16)
	rand.Read(id)
	sub := webpush.Subscription{
		Endpoint: s.URL + "/push/" + hex.EncodeToString(id),
		P256dh:   base64.RawURLEncoding.EncodeToString(key.PublicKey().Bytes()),
		Auth:     base64.RawURLEncoding.EncodeToString(b.auth),
	}
	js, err := json.Marshal(map[string]any{
		"endpoint":       sub.Endpoint,
		"expirationTime": nil,
		"keys":           map[string]string{"p256dh": sub.P256dh, "auth": sub.Auth},
	})
	if err != nil {
		s.t.Fatal(err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.browsers[sub.Endpoint] = b
	return sub, js
}

// AnswerNext makes the endpoint answer the next well-formed message with
// status (410, 429 or 500, say) instead of taking it. Calls queue up, one
// answer a message.
func (s *Service) AnswerNext(endpoint string, status int) {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.browsers[endpoint]
	if !ok {
		s.t.Fatalf("webpushtest: AnswerNext: no subscription %s", endpoint)
	}
	b.answers = append(b.answers, status)
}

// Unsubscribe ends a subscription, as a browser does: from then on its
// endpoint answers 410 Gone.
func (s *Service) Unsubscribe(endpoint string) {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.browsers[endpoint]
	if !ok {
		s.t.Fatalf("webpushtest: Unsubscribe: no subscription %s", endpoint)
	}
	b.removed = true
}

// Next waits for the next message on Messages, and fails the test if none
// comes within 10 seconds or the test ends first.
func (s *Service) Next(t testing.TB) Message {
	t.Helper()
	timer := time.NewTimer(10 * time.Second)
	defer timer.Stop()
	select {
	case m := <-s.Messages:
		return m
	case <-timer.C:
		t.Fatalf("webpushtest: no message in 10s; failures: %v", s.Failures())
	case <-t.Context().Done():
		t.Fatalf("webpushtest: test ended waiting for a message")
	}
	return Message{}
}

// Received is every message taken so far, in order.
func (s *Service) Received() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.received...)
}

// Failures is every message refused as malformed so far, in order.
func (s *Service) Failures() []Failure {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Failure(nil), s.failures...)
}

// RequireNoFailures fails the test if any message was refused as
// malformed.
func (s *Service) RequireNoFailures(t testing.TB) {
	t.Helper()
	for _, f := range s.Failures() {
		t.Errorf("webpushtest: refused %s", f)
	}
}

// refusal is a malformed message's answer.
type refusal struct {
	status int
	reason string
}

func refuse(status int, format string, args ...any) *refusal {
	return &refusal{status, fmt.Sprintf(format, args...)}
}

func (s *Service) handlePush(w http.ResponseWriter, r *http.Request) {
	endpoint := s.URL + r.URL.Path
	s.mu.Lock()
	b, ok := s.browsers[endpoint]
	removed := ok && b.removed
	expectKey := s.expectKey
	s.mu.Unlock()
	switch {
	case !ok:
		http.Error(w, "no such subscription", http.StatusNotFound)
		return
	case removed:
		http.Error(w, "subscription gone", http.StatusGone)
		return
	}

	m, ref := s.check(w, r, endpoint, b, expectKey)
	s.mu.Lock()
	if ref != nil {
		s.failures = append(s.failures, Failure{Endpoint: endpoint, Status: ref.status, Reason: ref.reason})
		s.mu.Unlock()
		http.Error(w, ref.reason, ref.status)
		return
	}
	if len(b.answers) > 0 {
		status := b.answers[0]
		b.answers = b.answers[1:]
		s.mu.Unlock()
		if status == http.StatusTooManyRequests {
			w.Header().Set("Retry-After", "1")
		}
		http.Error(w, "answered as the test asked", status)
		return
	}
	s.received = append(s.received, m)
	n := len(s.received)
	select {
	case s.Messages <- m:
	default:
	}
	s.mu.Unlock()
	w.Header().Set("Location", s.URL+"/message/"+strconv.Itoa(n))
	w.WriteHeader(http.StatusCreated)
}

// check reads and checks one message as a push service and the browser
// would, and decrypts it.
func (s *Service) check(w http.ResponseWriter, r *http.Request, endpoint string, b *browser, expectKey []byte) (Message, *refusal) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	if err != nil {
		return Message{}, refuse(http.StatusRequestEntityTooLarge, "body over %d bytes or unreadable: %v", MaxBodyBytes, err)
	}
	k, sub, ref := s.checkVAPID(r.Header.Get("Authorization"), endpoint, expectKey)
	if ref != nil {
		return Message{}, ref
	}
	if ce := r.Header.Get("Content-Encoding"); ce != "aes128gcm" {
		return Message{}, refuse(http.StatusBadRequest, "Content-Encoding %q, want aes128gcm", ce)
	}
	ttl, err := strconv.Atoi(r.Header.Get("TTL"))
	if err != nil || ttl < 0 {
		return Message{}, refuse(http.StatusBadRequest, "TTL header %q is not a number of seconds", r.Header.Get("TTL"))
	}
	switch u := r.Header.Get("Urgency"); u {
	case "", "very-low", "low", "normal", "high":
	default:
		return Message{}, refuse(http.StatusBadRequest, "Urgency %q", u)
	}
	if topic := r.Header.Get("Topic"); len(topic) > 32 || !isBase64URL(topic) {
		return Message{}, refuse(http.StatusBadRequest, "Topic %q is not up to 32 characters of base64url", topic)
	}
	payload, err := Decrypt(b.key, b.auth, body)
	if err != nil {
		return Message{}, refuse(http.StatusBadRequest, "decrypt: %v", err)
	}
	return Message{
		Endpoint:   endpoint,
		Payload:    payload,
		Header:     r.Header.Clone(),
		VAPIDKey:   base64.RawURLEncoding.EncodeToString(k),
		Subscriber: sub,
		TTL:        ttl,
	}, nil
}

// checkVAPID checks an Authorization header of RFC 8292, section 3:
// "vapid t=JWT, k=KEY", the token signed with ES256 by the key, for the
// endpoint's origin, unexpired and not valid for more than a day, with a
// contact. It returns the key and the contact. The older "WebPush" scheme
// with a Crypto-Key header is refused: webpush-go does not send it.
func (s *Service) checkVAPID(h, endpoint string, expectKey []byte) (key []byte, sub string, ref *refusal) {
	scheme, params, _ := strings.Cut(h, " ")
	if !strings.EqualFold(scheme, "vapid") {
		return nil, "", refuse(http.StatusUnauthorized, "Authorization %q is not vapid t=…, k=…", h)
	}
	var token, k string
	for p := range strings.SplitSeq(params, ",") {
		name, value, _ := strings.Cut(strings.TrimSpace(p), "=")
		switch name {
		case "t":
			token = value
		case "k":
			k = value
		}
	}
	if token == "" || k == "" {
		return nil, "", refuse(http.StatusUnauthorized, "Authorization %q lacks t or k", h)
	}
	key, err := base64.RawURLEncoding.Strict().DecodeString(k)
	if err != nil {
		return nil, "", refuse(http.StatusUnauthorized, "k is not unpadded base64url: %v", err)
	}
	pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), key)
	if err != nil {
		return nil, "", refuse(http.StatusUnauthorized, "k: %v", err)
	}
	if expectKey != nil && !bytes.Equal(key, expectKey) {
		return nil, "", refuse(http.StatusForbidden, "k %s is not the expected VAPID key", k)
	}

	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return nil, "", refuse(http.StatusUnauthorized, "token has %d parts, want 3", len(parts))
	}
	var header struct {
		Alg string `json:"alg"`
	}
	if err := decodeJSONPart(parts[0], &header); err != nil || header.Alg != "ES256" {
		return nil, "", refuse(http.StatusUnauthorized, "token header: alg %q, want ES256 (%v)", header.Alg, err)
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil || len(sig) != 64 {
		return nil, "", refuse(http.StatusUnauthorized, "token signature is not 64 bytes of base64url")
	}
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	rInt, sInt := new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])
	if !ecdsa.Verify(pub, digest[:], rInt, sInt) {
		return nil, "", refuse(http.StatusForbidden, "token signature does not verify with k")
	}

	var claims struct {
		Aud string   `json:"aud"`
		Exp *float64 `json:"exp"`
		Sub string   `json:"sub"`
	}
	if err := decodeJSONPart(parts[1], &claims); err != nil {
		return nil, "", refuse(http.StatusForbidden, "token claims: %v", err)
	}
	u, _ := url.Parse(endpoint)
	if origin := u.Scheme + "://" + u.Host; claims.Aud != origin {
		return nil, "", refuse(http.StatusForbidden, "token aud %q, want %q", claims.Aud, origin)
	}
	now := s.Now()
	if claims.Exp == nil {
		return nil, "", refuse(http.StatusForbidden, "token has no exp")
	}
	exp := time.Unix(int64(*claims.Exp), 0)
	if !exp.After(now) || exp.Sub(now) > maxTokenLifetime {
		return nil, "", refuse(http.StatusForbidden, "token exp %v is not within a day after %v", exp.UTC(), now.UTC())
	}
	if !validContact(claims.Sub) {
		return nil, "", refuse(http.StatusForbidden, "token sub %q is not mailto:ADDRESS or an https URL", claims.Sub)
	}
	return key, claims.Sub, nil
}

func decodeJSONPart(part string, v any) error {
	b, err := base64.RawURLEncoding.DecodeString(part)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

// validContact says whether sub is a mailto: address or an https URL
// (RFC 8292, section 2.1).
func validContact(sub string) bool {
	if addr, ok := strings.CutPrefix(sub, "mailto:"); ok {
		a, err := mail.ParseAddress(addr)
		return err == nil && a.Address == addr
	}
	u, err := url.Parse(sub)
	return err == nil && u.Scheme == "https" && u.Host != ""
}

func isBase64URL(s string) bool {
	return strings.TrimLeft(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") == ""
}

// Decrypt opens a Web Push message as the browser holding key and auth
// does (RFC 8291, section 3.4, on RFC 8188's aes128gcm): a header of salt,
// record size and the sender's one-time public key, then one record whose
// plaintext ends with the last-record delimiter 2 and zero padding.
func Decrypt(key *ecdh.PrivateKey, auth, body []byte) ([]byte, error) {
	const headerLen = 16 + 4 + 1
	if len(body) < headerLen {
		return nil, fmt.Errorf("%d bytes, shorter than the aes128gcm header", len(body))
	}
	salt := body[:16]
	rs := binary.BigEndian.Uint32(body[16:20])
	idlen := int(body[20])
	if idlen != 65 {
		return nil, fmt.Errorf("keyid is %d bytes, want the sender's 65-byte public key", idlen)
	}
	if len(body) < headerLen+idlen {
		return nil, errors.New("body ends inside the keyid")
	}
	senderPub, err := ecdh.P256().NewPublicKey(body[headerLen : headerLen+idlen])
	if err != nil {
		return nil, fmt.Errorf("keyid: %v", err)
	}
	record := body[headerLen+idlen:]
	if rs < 18 {
		return nil, fmt.Errorf("record size %d, less than 18", rs)
	}
	// RFC 8291, section 4: a push message is a single record.
	if uint64(len(record)) > uint64(rs) {
		return nil, fmt.Errorf("%d bytes of records, more than one record of %d", len(record), rs)
	}
	if len(record) < 17 {
		return nil, fmt.Errorf("record of %d bytes, too short for a tag and a delimiter", len(record))
	}

	secret, err := key.ECDH(senderPub)
	if err != nil {
		return nil, fmt.Errorf("ecdh: %v", err)
	}
	keyInfo := "WebPush: info\x00" + string(key.PublicKey().Bytes()) + string(senderPub.Bytes())
	ikm, err := hkdf.Key(sha256.New, secret, auth, keyInfo, 32)
	if err != nil {
		return nil, err
	}
	cek, err := hkdf.Key(sha256.New, ikm, salt, "Content-Encoding: aes128gcm\x00", 16)
	if err != nil {
		return nil, err
	}
	nonce, err := hkdf.Key(sha256.New, ikm, salt, "Content-Encoding: nonce\x00", 12)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(cek)
	if err != nil {
		return nil, err
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	plain, err := gcm.Open(nil, nonce, record, nil)
	if err != nil {
		return nil, errors.New("record does not authenticate: wrong keys or corrupt ciphertext")
	}
	plain = bytes.TrimRight(plain, "\x00")
	if len(plain) == 0 || plain[len(plain)-1] != 2 {
		return nil, errors.New("record lacks the last-record delimiter 2")
	}
	return plain[:len(plain)-1], nil
}

// Tamper is a transport that changes each request on its way to the
// service (its headers in place, its body by what Change returns), so a
// test can show the service's checks fail when they should. With no Base
// it answers 201 Created itself, as a push service that took the message.
type Tamper struct {
	Base   http.RoundTripper
	Change func(r *http.Request, body []byte) []byte
}

func (tr Tamper) RoundTrip(r *http.Request) (*http.Response, error) {
	body, err := io.ReadAll(r.Body)
	r.Body.Close()
	if err != nil {
		return nil, err
	}
	r = r.Clone(r.Context())
	body = tr.Change(r, body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.ContentLength = int64(len(body))
	if tr.Base == nil {
		return &http.Response{StatusCode: http.StatusCreated, Body: http.NoBody, Request: r}, nil
	}
	return tr.Base.RoundTrip(r)
}
