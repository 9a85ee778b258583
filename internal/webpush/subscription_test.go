package webpush_test

import (
	"crypto/ecdh"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"testing"

	"paperboy/internal/webpush"
)

// browserKeys is a browser's p256dh and auth, in unpadded base64url.
func browserKeys(t testing.TB) (p256dh, auth string) {
	t.Helper()
	k, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	a := make([]byte, 16)
	rand.Read(a)
	return base64.RawURLEncoding.EncodeToString(k.PublicKey().Bytes()), base64.RawURLEncoding.EncodeToString(a)
}

func subJSON(endpoint, p256dh, auth string) string {
	return fmt.Sprintf(`{"endpoint":%q,"expirationTime":null,"keys":{"p256dh":%q,"auth":%q}}`, endpoint, p256dh, auth)
}

func TestParseSubscription(t *testing.T) {
	t.Parallel()
	p256dh, auth := browserKeys(t)
	raw, _ := base64.RawURLEncoding.DecodeString(p256dh)
	rawAuth, _ := base64.RawURLEncoding.DecodeString(auth)
	offCurve := append([]byte(nil), raw...)
	offCurve[64] ^= 1
	compressed := append([]byte{2}, raw[1:33]...)
	b64 := base64.RawURLEncoding.EncodeToString
	const ep = "https://push.example.com/wpush/v2/abc"
	tests := []struct {
		name    string
		in      string
		opts    []webpush.ParseOption
		want    webpush.Subscription // when wantErr is ""
		wantErr string
	}{
		{"Chrome", subJSON("https://fcm.googleapis.com/fcm/send/dx:APA91b", p256dh, auth), nil,
			webpush.Subscription{Endpoint: "https://fcm.googleapis.com/fcm/send/dx:APA91b", P256dh: p256dh, Auth: auth}, ""},
		{"PaddedKeys", subJSON(ep, base64.URLEncoding.EncodeToString(raw), base64.URLEncoding.EncodeToString(rawAuth)), nil,
			webpush.Subscription{Endpoint: ep, P256dh: p256dh, Auth: auth}, ""},
		{"NoExpirationTime", fmt.Sprintf(`{"endpoint":%q,"keys":{"auth":%q,"p256dh":%q}}`, ep, auth, p256dh), nil,
			webpush.Subscription{Endpoint: ep, P256dh: p256dh, Auth: auth}, ""},
		{"HTTPAllowed", subJSON("http://127.0.0.1:8080/push/1", p256dh, auth), []webpush.ParseOption{webpush.AllowHTTP},
			webpush.Subscription{Endpoint: "http://127.0.0.1:8080/push/1", P256dh: p256dh, Auth: auth}, ""},

		{"Empty", "", nil, webpush.Subscription{}, "not a PushSubscription's JSON"},
		{"NotJSON", "endpoint=https://x", nil, webpush.Subscription{}, "not a PushSubscription's JSON"},
		{"Array", "[]", nil, webpush.Subscription{}, "not a PushSubscription's JSON"},
		{"KeysNotObject", fmt.Sprintf(`{"endpoint":%q,"keys":"x"}`, ep), nil, webpush.Subscription{}, "not a PushSubscription's JSON"},
		{"TooBig", subJSON(ep+strings.Repeat("a", webpush.MaxSubscriptionBytes), p256dh, auth), nil, webpush.Subscription{}, "more than 4096"},
		{"NoEndpoint", subJSON("", p256dh, auth), nil, webpush.Subscription{}, "endpoint: missing"},
		{"LongEndpoint", subJSON(ep+strings.Repeat("a", webpush.MaxEndpointBytes), p256dh, auth), nil, webpush.Subscription{}, "endpoint: 2"},
		{"HTTP", subJSON("http://push.example.com/x", p256dh, auth), nil, webpush.Subscription{}, "endpoint: not https"},
		{"FTP", subJSON("ftp://push.example.com/x", p256dh, auth), nil, webpush.Subscription{}, "endpoint: not an https URL"},
		{"Relative", subJSON("/push/1", p256dh, auth), nil, webpush.Subscription{}, "endpoint: not an https URL"},
		{"NoHost", subJSON("https:///push/1", p256dh, auth), nil, webpush.Subscription{}, "endpoint: has no host"},
		{"PortOnly", subJSON("https://:443/push/1", p256dh, auth), nil, webpush.Subscription{}, "endpoint: has no host"},
		{"Opaque", subJSON("https:push.example.com", p256dh, auth), nil, webpush.Subscription{}, "endpoint: has no host"},
		{"UserInfo", subJSON("https://u:p@push.example.com/x", p256dh, auth), nil, webpush.Subscription{}, "endpoint: has a user name"},
		{"Fragment", subJSON(ep+"#f", p256dh, auth), nil, webpush.Subscription{}, "endpoint: has a fragment"},
		{"ControlChar", subJSON(ep+"\n", p256dh, auth), nil, webpush.Subscription{}, "endpoint: not a URL"},
		{"NoP256dh", subJSON(ep, "", auth), nil, webpush.Subscription{}, "keys.p256dh: empty"},
		{"P256dhStdBase64", subJSON(ep, "+/"+p256dh[2:], auth), nil, webpush.Subscription{}, "keys.p256dh: not base64url"},
		{"P256dhShort", subJSON(ep, b64(raw[:64]), auth), nil, webpush.Subscription{}, "keys.p256dh: 64 bytes, want 65"},
		{"P256dhCompressed", subJSON(ep, b64(compressed), auth), nil, webpush.Subscription{}, "keys.p256dh: 33 bytes, want 65"},
		{"P256dhOffCurve", subJSON(ep, b64(offCurve), auth), nil, webpush.Subscription{}, "not an uncompressed point on P-256"},
		{"P256dhZeros", subJSON(ep, b64(make([]byte, 65)), auth), nil, webpush.Subscription{}, "not an uncompressed point on P-256"},
		{"NoAuth", subJSON(ep, p256dh, ""), nil, webpush.Subscription{}, "keys.auth: empty"},
		{"AuthShort", subJSON(ep, p256dh, b64(rawAuth[:15])), nil, webpush.Subscription{}, "keys.auth: 15 bytes, want 16"},
		{"AuthLong", subJSON(ep, p256dh, b64(append(rawAuth, 0))), nil, webpush.Subscription{}, "keys.auth: 17 bytes, want 16"},
		{"AuthBadPadding", subJSON(ep, p256dh, auth+"==="), nil, webpush.Subscription{}, "keys.auth: not base64url"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := webpush.ParseSubscription([]byte(tt.in), tt.opts...)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParseSubscription() error = %v, want one containing %q", err, tt.wantErr)
				}
				if !errors.Is(err, webpush.ErrInvalidSubscription) {
					t.Errorf("error %v does not wrap ErrInvalidSubscription", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseSubscription() = %v", err)
			}
			if got != tt.want {
				t.Errorf("ParseSubscription() = %+v, want %+v", got, tt.want)
			}
			if err := got.Valid(tt.opts...); err != nil {
				t.Errorf("Valid() = %v for a parsed subscription", err)
			}
		})
	}
}
