// Package webpush sends notifications to an owner's installed app or browser
// by Web Push (RFC 8030), encrypted for the browser (RFC 8291) and signed
// with the server's VAPID key (RFC 8292).
//
// The server makes one VAPID key pair with GenerateKeys and keeps it: the
// browser subscribes with its public half as applicationServerKey, and a
// push service refuses messages signed by any other key. A browser's
// subscription arrives as the JSON of PushSubscription.toJSON() and is read
// by ParseSubscription; a Sender posts a Message to it and says in a Result
// whether the subscription is gone and whether a failure is worth retrying.
//
// The encryption and the VAPID header are made by
// github.com/SherClockHolmes/webpush-go; this package checks what goes into
// it and reads what comes back. internal/webpushtest is a push service for
// tests that decrypts and checks what a Sender posts.
package webpush

import (
	"crypto/ecdh"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// Keys is the server's VAPID key pair (RFC 8292), each half in unpadded
// base64url as webpush-go and the browser's applicationServerKey take them:
// Public is the 65-byte uncompressed P-256 point, Private the 32-byte
// scalar.
type Keys struct {
	Public  string `json:"public"`
	Private string `json:"private"`
}

// GenerateKeys makes a new VAPID key pair. The server makes it once and
// keeps it: every browser subscribed with the old public key stops
// receiving when it changes.
func GenerateKeys() (Keys, error) {
	priv, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		return Keys{}, fmt.Errorf("webpush: generate keys: %w", err)
	}
	return Keys{
		Public:  base64.RawURLEncoding.EncodeToString(priv.PublicKey().Bytes()),
		Private: base64.RawURLEncoding.EncodeToString(priv.Bytes()),
	}, nil
}

// Valid says whether k is a P-256 key pair: both halves decode, each is a
// valid key, and Public is the public key of Private.
func (k Keys) Valid() error {
	pubBytes, err := decodeBase64URL(k.Public)
	if err != nil {
		return fmt.Errorf("webpush: VAPID public key: %w", err)
	}
	pub, err := ecdh.P256().NewPublicKey(pubBytes)
	if err != nil {
		return errors.New("webpush: VAPID public key: not an uncompressed P-256 point")
	}
	privBytes, err := decodeBase64URL(k.Private)
	if err != nil {
		return fmt.Errorf("webpush: VAPID private key: %w", err)
	}
	if len(privBytes) != 32 {
		return fmt.Errorf("webpush: VAPID private key: %d bytes, want 32", len(privBytes))
	}
	priv, err := ecdh.P256().NewPrivateKey(privBytes)
	if err != nil {
		return errors.New("webpush: VAPID private key: not a P-256 scalar")
	}
	if subtle.ConstantTimeCompare(priv.PublicKey().Bytes(), pub.Bytes()) != 1 {
		return errors.New("webpush: VAPID public key is not the private key's")
	}
	return nil
}

// decodeBase64URL reads base64url with or without its padding, the forms
// browsers and key tools write. Standard base64 ('+' and '/') and line
// breaks, which Go's decoder would skip, are refused.
func decodeBase64URL(s string) ([]byte, error) {
	if s == "" {
		return nil, errors.New("empty")
	}
	enc := base64.RawURLEncoding
	if strings.HasSuffix(s, "=") {
		enc = base64.URLEncoding
	}
	b, err := enc.Strict().DecodeString(s)
	if err != nil || strings.ContainsAny(s, "\r\n") {
		return nil, errors.New("not base64url")
	}
	return b, nil
}
