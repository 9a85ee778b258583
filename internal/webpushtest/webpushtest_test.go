package webpushtest_test

import (
	"bytes"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"paperboy/internal/webpush"
	"paperboy/internal/webpushtest"
)

func mustKeys(t testing.TB) (webpush.Keys, *ecdsa.PrivateKey) {
	t.Helper()
	k, err := webpush.GenerateKeys()
	if err != nil {
		t.Fatal(err)
	}
	d, _ := base64.RawURLEncoding.DecodeString(k.Private)
	priv, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), d)
	if err != nil {
		t.Fatal(err)
	}
	return k, priv
}

// sign makes a JWT signed with ES256 by priv, as RFC 7515 lays it out.
func sign(t testing.TB, priv *ecdsa.PrivateKey, header string, claims map[string]any) string {
	t.Helper()
	c, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	b64 := base64.RawURLEncoding.EncodeToString
	input := b64([]byte(header)) + "." + b64(c)
	digest := sha256.Sum256([]byte(input))
	r, s, err := ecdsa.Sign(rand.Reader, priv, digest[:])
	if err != nil {
		t.Fatal(err)
	}
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	s.FillBytes(sig[32:])
	return input + "." + b64(sig)
}

// TestService_VAPID shows the service checks each claim of a VAPID token:
// the tokens are made here, signed with the Sender's key, and put in
// place of webpush-go's.
func TestService_VAPID(t *testing.T) {
	t.Parallel()
	keys, priv := mustKeys(t)
	_, otherPriv := mustKeys(t)
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	const es256 = `{"typ":"JWT","alg":"ES256"}`
	tests := []struct {
		name       string
		header     string
		signer     *ecdsa.PrivateKey
		claims     func(origin string) map[string]any
		wantStatus int
		wantReason string
	}{
		{"Valid", es256, priv, func(o string) map[string]any {
			return map[string]any{"aud": o, "exp": now.Add(12 * time.Hour).Unix(), "sub": "mailto:ops@example.com"}
		}, http.StatusCreated, ""},
		{"ValidForADay", es256, priv, func(o string) map[string]any {
			return map[string]any{"aud": o, "exp": now.Add(24 * time.Hour).Unix(), "sub": "https://example.com"}
		}, http.StatusCreated, ""},
		{"OtherOrigin", es256, priv, func(o string) map[string]any {
			return map[string]any{"aud": "https://push.example.com", "exp": now.Add(time.Hour).Unix(), "sub": "mailto:ops@example.com"}
		}, http.StatusForbidden, "token aud"},
		{"AudIsEndpoint", es256, priv, func(o string) map[string]any {
			return map[string]any{"aud": o + "/push/", "exp": now.Add(time.Hour).Unix(), "sub": "mailto:ops@example.com"}
		}, http.StatusForbidden, "token aud"},
		{"Expired", es256, priv, func(o string) map[string]any {
			return map[string]any{"aud": o, "exp": now.Add(-time.Second).Unix(), "sub": "mailto:ops@example.com"}
		}, http.StatusForbidden, "not within a day"},
		{"TooLong", es256, priv, func(o string) map[string]any {
			return map[string]any{"aud": o, "exp": now.Add(24*time.Hour + time.Second).Unix(), "sub": "mailto:ops@example.com"}
		}, http.StatusForbidden, "not within a day"},
		{"NoExp", es256, priv, func(o string) map[string]any {
			return map[string]any{"aud": o, "sub": "mailto:ops@example.com"}
		}, http.StatusForbidden, "no exp"},
		{"NoSub", es256, priv, func(o string) map[string]any {
			return map[string]any{"aud": o, "exp": now.Add(time.Hour).Unix()}
		}, http.StatusForbidden, "token sub"},
		{"DoubleMailto", es256, priv, func(o string) map[string]any {
			return map[string]any{"aud": o, "exp": now.Add(time.Hour).Unix(), "sub": "mailto:mailto:ops@example.com"}
		}, http.StatusForbidden, "token sub"},
		{"HS256", `{"typ":"JWT","alg":"HS256"}`, priv, func(o string) map[string]any {
			return map[string]any{"aud": o, "exp": now.Add(time.Hour).Unix(), "sub": "mailto:ops@example.com"}
		}, http.StatusUnauthorized, "want ES256"},
		{"SignedByOtherKey", es256, otherPriv, func(o string) map[string]any {
			return map[string]any{"aud": o, "exp": now.Add(time.Hour).Unix(), "sub": "mailto:ops@example.com"}
		}, http.StatusForbidden, "does not verify"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			svc := webpushtest.New(t)
			svc.Now = func() time.Time { return now }
			svc.ExpectVAPIDKey(keys.Public)
			client := svc.Client()
			client.Transport = webpushtest.Tamper{Base: client.Transport, Change: func(r *http.Request, body []byte) []byte {
				tok := sign(t, tt.signer, tt.header, tt.claims(svc.URL))
				r.Header.Set("Authorization", "vapid t="+tok+", k="+keys.Public)
				return body
			}}
			sender, err := webpush.NewSender(webpush.Config{Keys: keys, Subscriber: "mailto:ops@example.com", Client: client})
			if err != nil {
				t.Fatal(err)
			}
			sub, _ := svc.NewSubscription()
			res, err := sender.Send(t.Context(), webpush.Message{Subscription: sub, Payload: []byte(`{"n":1}`)})
			if res.Status != tt.wantStatus {
				t.Fatalf("Send() = %+v, %v; want status %d", res, err, tt.wantStatus)
			}
			fails := svc.Failures()
			if tt.wantReason == "" {
				svc.RequireNoFailures(t)
				if got := svc.Next(t); string(got.Payload) != `{"n":1}` {
					t.Errorf("Payload=%q", got.Payload)
				}
				return
			}
			if len(fails) != 1 || !strings.Contains(fails[0].Reason, tt.wantReason) {
				t.Errorf("Failures()=%v, want one containing %q", fails, tt.wantReason)
			}
		})
	}
}

func TestService_NewSubscription(t *testing.T) {
	t.Parallel()
	svc := webpushtest.New(t)
	a, js := svc.NewSubscription()
	b, _ := svc.NewSubscription()
	if a.Endpoint == b.Endpoint || a.P256dh == b.P256dh || a.Auth == b.Auth {
		t.Errorf("two subscriptions share an endpoint or a key: %+v, %+v", a, b)
	}
	if !strings.HasPrefix(a.Endpoint, svc.URL+"/push/") {
		t.Errorf("Endpoint=%q, want one under %s/push/", a.Endpoint, svc.URL)
	}
	parsed, err := webpush.ParseSubscription(js)
	if err != nil || parsed != a {
		t.Fatalf("ParseSubscription(%s) = %+v, %v; want %+v", js, parsed, err, a)
	}
	var browser struct {
		ExpirationTime *int64 `json:"expirationTime"`
	}
	if err := json.Unmarshal(js, &browser); err != nil || !bytes.Contains(js, []byte(`"expirationTime":null`)) {
		t.Errorf("JSON %s lacks the browser's expirationTime null (%v)", js, err)
	}
}

func TestService_Methods(t *testing.T) {
	t.Parallel()
	svc := webpushtest.New(t)
	sub, _ := svc.NewSubscription()
	resp, err := svc.Client().Get(sub.Endpoint)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET %s = %d, want 405", sub.Endpoint, resp.StatusCode)
	}
	u, _ := url.Parse(svc.URL)
	if u.Scheme != "https" {
		t.Errorf("URL=%s, want https", svc.URL)
	}
}

// encrypted makes one message as webpush-go sends it, for the decrypt
// tests: the body, and the browser key and secret that open it.
func encrypted(t testing.TB, payload []byte) (body []byte, key *ecdh.PrivateKey, auth []byte) {
	t.Helper()
	keys, _ := mustKeys(t)
	key, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	auth = make([]byte, 16)
	rand.Read(auth)
	client := &http.Client{Transport: webpushtest.Tamper{Change: func(_ *http.Request, b []byte) []byte {
		body = b
		return b
	}}}
	sender, err := webpush.NewSender(webpush.Config{Keys: keys, Subscriber: "mailto:ops@example.com", Client: client})
	if err != nil {
		t.Fatal(err)
	}
	sub := webpush.Subscription{
		Endpoint: "https://push.example.com/1",
		P256dh:   base64.RawURLEncoding.EncodeToString(key.PublicKey().Bytes()),
		Auth:     base64.RawURLEncoding.EncodeToString(auth),
	}
	if _, err := sender.Send(t.Context(), webpush.Message{Subscription: sub, Payload: payload}); err != nil {
		t.Fatal(err)
	}
	return body, key, auth
}

func TestDecrypt(t *testing.T) {
	t.Parallel()
	body, key, auth := encrypted(t, []byte(`{"title":"hello"}`))
	otherKey, _ := ecdh.P256().GenerateKey(rand.Reader)
	change := func(f func(b []byte) []byte) []byte { return f(append([]byte(nil), body...)) }
	tests := []struct {
		name    string
		body    []byte
		key     *ecdh.PrivateKey
		auth    []byte
		wantErr string
	}{
		{"Valid", body, key, auth, ""},
		{"OtherKey", body, otherKey, auth, "does not authenticate"},
		{"OtherAuth", body, key, make([]byte, 16), "does not authenticate"},
		{"Empty", nil, key, auth, "shorter than the aes128gcm header"},
		{"KeyIDLength", change(func(b []byte) []byte { b[20] = 64; return b }), key, auth, "keyid is 64 bytes"},
		{"KeyIDOffCurve", change(func(b []byte) []byte { b[21+64] ^= 1; return b }), key, auth, "keyid"},
		{"SmallRecordSize", change(func(b []byte) []byte { b[16], b[17], b[18], b[19] = 0, 0, 0, 17; return b }), key, auth, "less than 18"},
		{"TwoRecords", change(func(b []byte) []byte { b[16], b[17], b[18], b[19] = 0, 0, 0, 100; return b }), key, auth, "more than one record"},
		{"ShortRecord", body[:21+65+16], key, auth, "too short"},
		{"Tag", change(func(b []byte) []byte { b[len(b)-1] ^= 1; return b }), key, auth, "does not authenticate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := webpushtest.Decrypt(tt.key, tt.auth, tt.body)
			if tt.wantErr == "" {
				if err != nil || string(got) != `{"title":"hello"}` {
					t.Fatalf("Decrypt() = %q, %v", got, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Decrypt() = %q, %v; want an error containing %q", got, err, tt.wantErr)
			}
		})
	}
}

// FuzzDecrypt checks that Decrypt, which reads what a sender posts,
// answers any body with a payload or an error, never a panic.
func FuzzDecrypt(f *testing.F) {
	body, key, auth := encrypted(f, []byte(`{"title":"hello"}`))
	f.Add(body)
	f.Add(body[:86])
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		webpushtest.Decrypt(key, auth, b)
	})
}
