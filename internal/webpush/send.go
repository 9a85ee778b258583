package webpush

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/mail"
	"net/url"
	"strconv"
	"strings"
	"time"

	webpushgo "github.com/SherClockHolmes/webpush-go"
)

// MaxPayloadBytes caps a message's payload. webpush-go pads every message
// into one 4096-byte record (RFC 8291 allows only one), which leaves 3993
// bytes for the payload; 3 KiB keeps clear of that limit and of push
// services that count it differently.
const MaxPayloadBytes = 3 * 1024

// DefaultTTL is how long a push service keeps a message for a browser that
// is offline when Message.TTL is zero: a day, after which a notification
// about a printer is stale.
const DefaultTTL = 24 * time.Hour

// MaxTTL is the longest TTL a Message may ask for: four weeks, the most
// that Firebase Cloud Messaging accepts.
const MaxTTL = 28 * 24 * time.Hour

// DefaultTimeout bounds a whole push when Config.Client is nil. A push
// service answers in well under a second; a caller's context may cut it
// shorter.
const DefaultTimeout = 30 * time.Second

// maxAnswerBytes is how much of a push service's answer is read: enough
// for the error message of a refusal, and no more from a server that
// streams.
const maxAnswerBytes = 2048

// Errors a Sender returns, wrapped; test them with errors.Is.
var (
	// ErrGone says the push service no longer knows the subscription
	// (404 or 410): the browser unsubscribed or the subscription expired,
	// and it should be deleted.
	ErrGone = errors.New("webpush: subscription gone")
	// ErrPayloadTooLarge says a payload is over MaxPayloadBytes.
	ErrPayloadTooLarge = errors.New("webpush: payload too large")
	// ErrInvalidMessage says a message's payload, TTL, urgency or topic is
	// not one that can be sent.
	ErrInvalidMessage = errors.New("webpush: invalid message")
)

// Urgency tells the push service how soon the browser must be woken
// (RFC 8030, section 5.3). The empty Urgency sends no header, which push
// services take as UrgencyNormal.
type Urgency string

// The urgencies of RFC 8030, section 5.3.
const (
	UrgencyVeryLow Urgency = "very-low" // on power and Wi-Fi
	UrgencyLow     Urgency = "low"      // on power or Wi-Fi
	UrgencyNormal  Urgency = "normal"   // not on low battery
	UrgencyHigh    Urgency = "high"     // even on low battery
)

// Config is what a Sender is made with.
type Config struct {
	// Keys is the server's VAPID key pair; it must be Valid.
	Keys Keys
	// Subscriber is how a push service's operator can reach the server's:
	// "mailto:ops@example.com" or an https URL. It goes in the VAPID token
	// (RFC 8292, section 2.1).
	Subscriber string
	// Client posts the messages; nil is a client with DefaultTimeout. It
	// is the caller's to restrict (to refuse private addresses, say). The
	// Sender uses a copy that does not follow redirects: a push service
	// answers a push itself, and a redirect would resend the message to a
	// host the subscription never named.
	Client *http.Client
	// AllowHTTP lets a subscription's endpoint be http, for tests.
	AllowHTTP bool
	// Now is the clock a Retry-After date is read against; nil is time.Now.
	Now func() time.Time
}

// Sender posts messages to push services. It is safe for concurrent use.
type Sender struct {
	keys       Keys
	subscriber string // as webpush-go takes it: an https URL or a bare address
	client     *http.Client
	allowHTTP  bool
	now        func() time.Time
}

// NewSender checks cfg and makes a Sender.
func NewSender(cfg Config) (*Sender, error) {
	if err := cfg.Keys.Valid(); err != nil {
		return nil, err
	}
	sub, err := subscriber(cfg.Subscriber)
	if err != nil {
		return nil, err
	}
	var client http.Client
	if cfg.Client != nil {
		client = *cfg.Client
	} else {
		client.Timeout = DefaultTimeout
	}
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	return &Sender{keys: cfg.Keys, subscriber: sub, client: &client, allowHTTP: cfg.AllowHTTP, now: now}, nil
}

// subscriber checks a VAPID contact and returns it as webpush-go takes it:
// webpush-go puts "mailto:" before anything that is not an https URL, so a
// mail address loses its own.
func subscriber(s string) (string, error) {
	if addr, ok := strings.CutPrefix(s, "mailto:"); ok {
		a, err := mail.ParseAddress(addr)
		if err != nil || a.Name != "" || a.Address != addr {
			return "", fmt.Errorf("webpush: subscriber %q: not a mail address", s)
		}
		return addr, nil
	}
	u, err := url.Parse(s)
	if err != nil || u.Scheme != "https" || u.Hostname() == "" {
		return "", fmt.Errorf("webpush: subscriber %q: want mailto:ADDRESS or an https URL", s)
	}
	return s, nil
}

// Message is one notification for one subscription.
type Message struct {
	Subscription Subscription
	// Payload is the JSON the app's service worker reads from the push
	// event, at most MaxPayloadBytes.
	Payload []byte
	// TTL is how long the push service keeps the message for a browser
	// that is offline, in whole seconds; zero is DefaultTTL.
	TTL time.Duration
	// Urgency is optional.
	Urgency Urgency
	// Topic, if set, replaces a message with the same topic that the push
	// service still holds: at most 32 characters of base64url's alphabet
	// (RFC 8030, section 5.4).
	Topic string
}

// Result is what a push service answered.
type Result struct {
	// Status is the answer's HTTP status, 0 if there was none.
	Status int
	// Gone says the subscription is no more (404 or 410): delete it.
	Gone bool
	// Retryable says the failure may pass: 429, a 5xx or no answer at all.
	Retryable bool
	// RetryAfter is the answer's Retry-After, 0 if it had none.
	RetryAfter time.Duration
}

// StatusError is a push service's refusal of a message.
type StatusError struct {
	Status int
	Body   string // the start of the answer's body
}

func (e *StatusError) Error() string {
	msg := fmt.Sprintf("webpush: push service answered %d %s", e.Status, http.StatusText(e.Status))
	if e.Body != "" {
		msg += ": " + e.Body
	}
	return msg
}

// Is makes errors.Is(err, ErrGone) true for 404 and 410.
func (e *StatusError) Is(target error) bool {
	return target == ErrGone && gone(e.Status)
}

func gone(status int) bool {
	return status == http.StatusNotFound || status == http.StatusGone
}

// Send encrypts m's payload for its subscription and posts it. A nil error
// means the push service took it (a 2xx). Otherwise Result says whether to
// delete the subscription or to try again later; a refusal is a
// *StatusError, which wraps ErrGone for 404 and 410. A message that cannot
// be sent is refused before anything is posted, with an error wrapping
// ErrInvalidSubscription, ErrInvalidMessage or ErrPayloadTooLarge. Send
// returns when ctx is done.
func (s *Sender) Send(ctx context.Context, m Message) (Result, error) {
	if err := ctx.Err(); err != nil {
		return Result{}, fmt.Errorf("webpush: send: %w", err)
	}
	var opts []ParseOption
	if s.allowHTTP {
		opts = append(opts, AllowHTTP)
	}
	if err := m.Subscription.Valid(opts...); err != nil {
		return Result{}, err
	}
	ttl, err := checkMessage(m)
	if err != nil {
		return Result{}, err
	}
	resp, err := webpushgo.SendNotificationWithContext(ctx, m.Payload, &webpushgo.Subscription{
		Endpoint: m.Subscription.Endpoint,
		Keys:     webpushgo.Keys{P256dh: m.Subscription.P256dh, Auth: m.Subscription.Auth},
	}, &webpushgo.Options{
		HTTPClient:      s.client,
		Subscriber:      s.subscriber,
		TTL:             ttl,
		Urgency:         webpushgo.Urgency(m.Urgency),
		Topic:           m.Topic,
		VAPIDPublicKey:  s.keys.Public,
		VAPIDPrivateKey: s.keys.Private,
	})
	if err != nil {
		// The message was checked above, so this is the network or ctx.
		return Result{Retryable: ctx.Err() == nil}, fmt.Errorf("webpush: send: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswerBytes))
	if err != nil && ctx.Err() != nil {
		return Result{}, fmt.Errorf("webpush: send: %w", ctx.Err())
	}
	res := Result{
		Status:     resp.StatusCode,
		Gone:       gone(resp.StatusCode),
		Retryable:  resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500,
		RetryAfter: retryAfter(resp.Header.Get("Retry-After"), s.now()),
	}
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return res, nil
	}
	return res, &StatusError{Status: resp.StatusCode, Body: printable(body)}
}

// checkMessage checks m's payload, TTL, urgency and topic, and returns the
// TTL in seconds.
func checkMessage(m Message) (int, error) {
	if len(m.Payload) > MaxPayloadBytes {
		return 0, fmt.Errorf("%w: %d bytes, more than %d", ErrPayloadTooLarge, len(m.Payload), MaxPayloadBytes)
	}
	if !json.Valid(m.Payload) {
		return 0, fmt.Errorf("%w: payload is not JSON", ErrInvalidMessage)
	}
	ttl := m.TTL
	if ttl == 0 {
		ttl = DefaultTTL
	}
	if ttl < 0 || ttl > MaxTTL {
		return 0, fmt.Errorf("%w: TTL %v is not between 0 and %v", ErrInvalidMessage, m.TTL, MaxTTL)
	}
	switch m.Urgency {
	case "", UrgencyVeryLow, UrgencyLow, UrgencyNormal, UrgencyHigh:
	default:
		return 0, fmt.Errorf("%w: urgency %q", ErrInvalidMessage, m.Urgency)
	}
	if len(m.Topic) > 32 || strings.TrimLeft(m.Topic, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") != "" {
		return 0, fmt.Errorf("%w: topic %q is not up to 32 characters of base64url", ErrInvalidMessage, m.Topic)
	}
	return int(ttl / time.Second), nil
}

// retryAfter reads a Retry-After header, seconds or an HTTP date
// (RFC 9110, section 10.2.3); anything else, or a time past, is 0.
func retryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(v); err == nil {
		if n < 0 {
			return 0
		}
		return time.Duration(min(n, int(MaxTTL/time.Second))) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return min(t.Sub(now), MaxTTL)
	}
	return 0
}

// printable makes the start of an answer's body fit an error message: one
// line of printable text.
func printable(b []byte) string {
	s := strings.ToValidUTF8(string(b), "?")
	s = strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f {
			return ' '
		}
		return r
	}, s)
	return strings.TrimSpace(s)
}
