package webpush

import (
	"crypto/ecdh"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
)

// MaxSubscriptionBytes caps the JSON that ParseSubscription reads. A
// browser's subscription is an endpoint of a few hundred bytes and two short
// keys; 4 KiB leaves room for long endpoints and the fields browsers add.
const MaxSubscriptionBytes = 4096

// MaxEndpointBytes caps an endpoint URL. Push services' endpoints are well
// under 1 KiB; the cap keeps a stored subscription small.
const MaxEndpointBytes = 2048

// ErrInvalidSubscription is wrapped by every error that says a
// subscription is malformed, so a handler can answer 400 with its message.
var ErrInvalidSubscription = errors.New("webpush: invalid subscription")

// Subscription is where and for whom a message is encrypted: the push
// service's endpoint URL, the browser's P-256 public key (65 bytes,
// uncompressed) and its 16-byte authentication secret, the keys in unpadded
// base64url as PushSubscription.toJSON() gives them.
type Subscription struct {
	Endpoint string
	P256dh   string
	Auth     string
}

// ParseOption changes what ParseSubscription and Subscription.Valid accept.
type ParseOption int

// AllowHTTP accepts an http endpoint as well as https. Real push services
// are all https; tests and local push servers may not be.
const AllowHTTP ParseOption = 1

// subscriptionJSON is PushSubscription.toJSON(): the fields a subscription
// needs. expirationTime and any others are ignored.
type subscriptionJSON struct {
	Endpoint string `json:"endpoint"`
	Keys     struct {
		P256dh string `json:"p256dh"`
		Auth   string `json:"auth"`
	} `json:"keys"`
}

// ParseSubscription reads a browser's subscription, the JSON of
// PushSubscription.toJSON():
//
//	{"endpoint": "https://…", "expirationTime": null,
//	 "keys": {"p256dh": "BN…", "auth": "…"}}
//
// The endpoint must be an https URL (or http with AllowHTTP), p256dh a
// P-256 point and auth 16 bytes; the keys are returned in unpadded
// base64url whichever form they came in. Errors wrap ErrInvalidSubscription.
func ParseSubscription(data []byte, opts ...ParseOption) (Subscription, error) {
	if len(data) > MaxSubscriptionBytes {
		return Subscription{}, fmt.Errorf("%w: %d bytes, more than %d", ErrInvalidSubscription, len(data), MaxSubscriptionBytes)
	}
	var j subscriptionJSON
	if err := json.Unmarshal(data, &j); err != nil {
		return Subscription{}, fmt.Errorf("%w: not a PushSubscription's JSON: %v", ErrInvalidSubscription, err)
	}
	s := Subscription{Endpoint: j.Endpoint, P256dh: j.Keys.P256dh, Auth: j.Keys.Auth}
	if err := s.Valid(opts...); err != nil {
		return Subscription{}, err
	}
	// Valid has decoded both keys once; these cannot fail.
	p256dh, _ := decodeBase64URL(s.P256dh)
	auth, _ := decodeBase64URL(s.Auth)
	s.P256dh = base64.RawURLEncoding.EncodeToString(p256dh)
	s.Auth = base64.RawURLEncoding.EncodeToString(auth)
	return s, nil
}

// Valid says whether s can be sent to: the checks of ParseSubscription, for
// a subscription read back from storage. Errors wrap ErrInvalidSubscription.
func (s Subscription) Valid(opts ...ParseOption) error {
	allowHTTP := false
	for _, o := range opts {
		if o == AllowHTTP {
			allowHTTP = true
		}
	}
	if err := validEndpoint(s.Endpoint, allowHTTP); err != nil {
		return fmt.Errorf("%w: endpoint: %s", ErrInvalidSubscription, err)
	}
	p256dh, err := decodeBase64URL(s.P256dh)
	if err != nil {
		return fmt.Errorf("%w: keys.p256dh: %s", ErrInvalidSubscription, err)
	}
	if len(p256dh) != 65 {
		return fmt.Errorf("%w: keys.p256dh: %d bytes, want 65", ErrInvalidSubscription, len(p256dh))
	}
	if _, err := ecdh.P256().NewPublicKey(p256dh); err != nil {
		return fmt.Errorf("%w: keys.p256dh: not an uncompressed point on P-256", ErrInvalidSubscription)
	}
	auth, err := decodeBase64URL(s.Auth)
	if err != nil {
		return fmt.Errorf("%w: keys.auth: %s", ErrInvalidSubscription, err)
	}
	if len(auth) != 16 {
		return fmt.Errorf("%w: keys.auth: %d bytes, want 16", ErrInvalidSubscription, len(auth))
	}
	return nil
}

// validEndpoint checks that endpoint is an absolute https (or http) URL
// with a host. It does not resolve the host: the HTTP client the Sender is
// given decides which addresses it may reach.
func validEndpoint(endpoint string, allowHTTP bool) error {
	if endpoint == "" {
		return errors.New("missing")
	}
	if len(endpoint) > MaxEndpointBytes {
		return fmt.Errorf("%d bytes, more than %d", len(endpoint), MaxEndpointBytes)
	}
	u, err := url.Parse(endpoint)
	if err != nil {
		return errors.New("not a URL")
	}
	switch {
	case u.Scheme == "https":
	case u.Scheme == "http" && allowHTTP:
	case u.Scheme == "http":
		return errors.New("not https")
	default:
		return errors.New("not an https URL")
	}
	switch {
	case u.Opaque != "" || u.Hostname() == "":
		return errors.New("has no host")
	case u.User != nil:
		return errors.New("has a user name or password")
	case u.Fragment != "":
		return errors.New("has a fragment")
	}
	return nil
}
