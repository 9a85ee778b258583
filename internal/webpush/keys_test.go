package webpush_test

import (
	"encoding/base64"
	"strings"
	"testing"

	"paperboy/internal/webpush"
)

func mustKeys(t testing.TB) webpush.Keys {
	t.Helper()
	k, err := webpush.GenerateKeys()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestGenerateKeys(t *testing.T) {
	t.Parallel()
	a, b := mustKeys(t), mustKeys(t)
	if err := a.Valid(); err != nil {
		t.Fatalf("Valid() = %v for generated keys", err)
	}
	if a == b {
		t.Fatal("two generated key pairs are equal")
	}
	pub, _ := base64.RawURLEncoding.DecodeString(a.Public)
	priv, _ := base64.RawURLEncoding.DecodeString(a.Private)
	if got, want := len(pub), 65; got != want {
		t.Errorf("len(public)=%d, want %d", got, want)
	}
	if got, want := len(priv), 32; got != want {
		t.Errorf("len(private)=%d, want %d", got, want)
	}
}

func TestKeys_Valid(t *testing.T) {
	t.Parallel()
	k, other := mustKeys(t), mustKeys(t)
	pub, _ := base64.RawURLEncoding.DecodeString(k.Public)
	offCurve := append([]byte(nil), pub...)
	offCurve[64] ^= 1
	priv, _ := base64.RawURLEncoding.DecodeString(k.Private)
	compressed := append([]byte{2 + pub[64]&1}, pub[1:33]...)
	b64 := base64.RawURLEncoding.EncodeToString
	tests := []struct {
		name    string
		keys    webpush.Keys
		wantErr string // "" for valid
	}{
		{"Generated", k, ""},
		{"Padded", webpush.Keys{Public: base64.URLEncoding.EncodeToString(pub), Private: base64.URLEncoding.EncodeToString(priv)}, ""},
		{"EmptyPublic", webpush.Keys{Private: k.Private}, "public key: empty"},
		{"EmptyPrivate", webpush.Keys{Public: k.Public}, "private key: empty"},
		{"StandardBase64", webpush.Keys{Public: strings.NewReplacer("-", "+", "_", "/").Replace(k.Public) + "+/", Private: k.Private}, "not base64url"},
		{"LineBreak", webpush.Keys{Public: k.Public[:40] + "\n" + k.Public[40:], Private: k.Private}, "not base64url"},
		{"PublicOffCurve", webpush.Keys{Public: b64(offCurve), Private: k.Private}, "not an uncompressed P-256 point"},
		{"PublicCompressedLength", webpush.Keys{Public: b64(compressed), Private: k.Private}, "not an uncompressed P-256 point"},
		{"PrivateShort", webpush.Keys{Public: k.Public, Private: b64(make([]byte, 31))}, "31 bytes, want 32"},
		{"PrivateZero", webpush.Keys{Public: k.Public, Private: b64(make([]byte, 32))}, "not a P-256 scalar"},
		{"Mismatched", webpush.Keys{Public: k.Public, Private: other.Private}, "not the private key's"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := tt.keys.Valid()
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("Valid() = %v, want nil", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("Valid() = %v, want an error containing %q", err, tt.wantErr)
			}
		})
	}
}
