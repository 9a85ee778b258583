package webpush_test

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"testing"

	"paperboy/internal/webpush"
)

// FuzzParseSubscription feeds ParseSubscription what a browser, or anyone
// posting to the subscription API, might send: a subscription or an error,
// never a panic, and a subscription it returns is one it reads back the
// same.
func FuzzParseSubscription(f *testing.F) {
	p256dh, auth := browserKeys(f)
	raw, _ := base64.RawURLEncoding.DecodeString(p256dh)
	for _, seed := range []string{
		subJSON("https://fcm.googleapis.com/fcm/send/dx:APA91b", p256dh, auth),
		subJSON("https://updates.push.services.mozilla.com/wpush/v2/gAAAAA", p256dh, auth),
		subJSON("https://web.push.apple.com/QGuQyavXutnMH", base64.URLEncoding.EncodeToString(raw), auth+"=="),
		subJSON("http://127.0.0.1:1/push/1", p256dh, auth),
		subJSON("https://u@x/#f", p256dh, auth),
		subJSON("https://x", "BAAA", "AAAA"),
		`{"endpoint":"https://x","keys":{"p256dh":null,"auth":1}}`,
		`{"endpoint":"https://x","keys":[]}`,
		`{"endpoint":"https://x"}`,
		`{}`, `null`, `[]`, `"x"`, ``, `{"endpoint":"\u0000"}`,
	} {
		f.Add([]byte(seed), false)
		f.Add([]byte(seed), true)
	}
	f.Fuzz(func(t *testing.T, data []byte, allowHTTP bool) {
		var opts []webpush.ParseOption
		if allowHTTP {
			opts = append(opts, webpush.AllowHTTP)
		}
		s, err := webpush.ParseSubscription(data, opts...)
		if err != nil {
			if !errors.Is(err, webpush.ErrInvalidSubscription) {
				t.Fatalf("error %v does not wrap ErrInvalidSubscription", err)
			}
			return
		}
		if err := s.Valid(opts...); err != nil {
			t.Fatalf("parsed %+v, then Valid() = %v", s, err)
		}
		again, err := json.Marshal(map[string]any{
			"endpoint": s.Endpoint,
			"keys":     map[string]string{"p256dh": s.P256dh, "auth": s.Auth},
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(again) > webpush.MaxSubscriptionBytes {
			return // escapes like \u2028 can grow an endpoint past the cap
		}
		s2, err := webpush.ParseSubscription(again, opts...)
		if err != nil || s2 != s {
			t.Fatalf("read back %+v, %v; want %+v", s2, err, s)
		}
	})
}
