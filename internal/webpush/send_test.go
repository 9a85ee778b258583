package webpush_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"paperboy/internal/webpush"
	"paperboy/internal/webpushtest"
)

func newSender(t testing.TB, cfg webpush.Config) *webpush.Sender {
	t.Helper()
	if cfg.Subscriber == "" {
		cfg.Subscriber = "mailto:ops@example.com"
	}
	s, err := webpush.NewSender(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSender_RoundTrip(t *testing.T) {
	t.Parallel()
	keys := mustKeys(t)
	largest := `"` + strings.Repeat("x", webpush.MaxPayloadBytes-2) + `"`
	tests := []struct {
		name        string
		plainHTTP   bool
		subscriber  string
		msg         webpush.Message // without its subscription
		wantTTL     int
		wantUrgency string
		wantTopic   string
	}{
		{name: "Defaults", msg: webpush.Message{Payload: []byte(`{"title":"Printer offline"}`)}, wantTTL: 86400},
		{name: "Unicode", msg: webpush.Message{Payload: []byte(`{"title":"Zeitung gedruckt ✓","body":"日本語"}`)}, wantTTL: 86400},
		{name: "Largest", msg: webpush.Message{Payload: []byte(largest)}, wantTTL: 86400},
		{name: "TTLUrgencyTopic", msg: webpush.Message{Payload: []byte(`[1,2,3]`), TTL: 90 * time.Second, Urgency: webpush.UrgencyHigh, Topic: "printer-offline_1"},
			wantTTL: 90, wantUrgency: "high", wantTopic: "printer-offline_1"},
		{name: "LongestTTL", msg: webpush.Message{Payload: []byte(`{}`), TTL: webpush.MaxTTL, Urgency: webpush.UrgencyVeryLow}, wantTTL: 28 * 86400, wantUrgency: "very-low"},
		{name: "HTTPSSubscriber", subscriber: "https://paperboy.example.com/contact", msg: webpush.Message{Payload: []byte(`true`)}, wantTTL: 86400},
		{name: "PlainHTTP", plainHTTP: true, msg: webpush.Message{Payload: []byte(`{"a":1}`), TTL: time.Minute}, wantTTL: 60},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			svc := webpushtest.New(t)
			cfg := webpush.Config{Keys: keys, Subscriber: tt.subscriber, Client: svc.Client()}
			var opts []webpush.ParseOption
			if tt.plainHTTP {
				svc = webpushtest.NewHTTP(t)
				cfg = webpush.Config{Keys: keys, Subscriber: tt.subscriber, AllowHTTP: true}
				opts = append(opts, webpush.AllowHTTP)
			}
			svc.ExpectVAPIDKey(keys.Public)
			sender := newSender(t, cfg)
			want, js := svc.NewSubscription()
			sub, err := webpush.ParseSubscription(js, opts...)
			if err != nil {
				t.Fatalf("ParseSubscription(%s) = %v", js, err)
			}
			if sub != want {
				t.Fatalf("ParseSubscription() = %+v, want %+v", sub, want)
			}

			m := tt.msg
			m.Subscription = sub
			res, err := sender.Send(t.Context(), m)
			if err != nil {
				t.Fatalf("Send() = %+v, %v", res, err)
			}
			if got, want := res, (webpush.Result{Status: http.StatusCreated}); got != want {
				t.Errorf("Result=%+v, want %+v", got, want)
			}
			got := svc.Next(t)
			svc.RequireNoFailures(t)
			if !bytes.Equal(got.Payload, m.Payload) {
				t.Errorf("Payload=%q, want %q", got.Payload, m.Payload)
			}
			if got.Endpoint != sub.Endpoint {
				t.Errorf("Endpoint=%q, want %q", got.Endpoint, sub.Endpoint)
			}
			if got.VAPIDKey != keys.Public {
				t.Errorf("VAPIDKey=%q, want %q", got.VAPIDKey, keys.Public)
			}
			wantSub := cmpOr(tt.subscriber, "mailto:ops@example.com")
			if got.Subscriber != wantSub {
				t.Errorf("Subscriber=%q, want %q", got.Subscriber, wantSub)
			}
			if got.TTL != tt.wantTTL {
				t.Errorf("TTL=%d, want %d", got.TTL, tt.wantTTL)
			}
			if u := got.Header.Get("Urgency"); u != tt.wantUrgency {
				t.Errorf("Urgency=%q, want %q", u, tt.wantUrgency)
			}
			if topic := got.Header.Get("Topic"); topic != tt.wantTopic {
				t.Errorf("Topic=%q, want %q", topic, tt.wantTopic)
			}
		})
	}
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// flipSignature changes one bit of the VAPID token's signature.
func flipSignature(t testing.TB, auth string) string {
	tok, k, ok := strings.Cut(strings.TrimPrefix(auth, "vapid t="), ", k=")
	dot := strings.LastIndex(tok, ".")
	sig, err := base64.RawURLEncoding.DecodeString(tok[dot+1:])
	if !ok || dot < 0 || err != nil {
		t.Errorf("Authorization %q is not vapid t=…, k=…", auth)
		return auth
	}
	sig[10] ^= 1
	return "vapid t=" + tok[:dot+1] + base64.RawURLEncoding.EncodeToString(sig) + ", k=" + k
}

// TestSender_Refused shows the test service catches what a real push
// service or browser would refuse, so the round trips prove something.
func TestSender_Refused(t *testing.T) {
	t.Parallel()
	keys, other := mustKeys(t), mustKeys(t)
	tests := []struct {
		name       string
		expect     webpush.Keys // the VAPID keys the service insists on
		otherKeys  bool         // encrypt for another browser's keys
		change     func(t testing.TB, r *http.Request, body []byte) []byte
		wantStatus int
		wantReason string
	}{
		{name: "OtherVAPIDKeys", expect: other, wantStatus: http.StatusForbidden, wantReason: "not the expected VAPID key"},
		{name: "OtherBrowserKeys", expect: keys, otherKeys: true, wantStatus: http.StatusBadRequest, wantReason: "does not authenticate"},
		{name: "CorruptCiphertext", expect: keys, change: func(_ testing.TB, _ *http.Request, b []byte) []byte {
			b[len(b)-20] ^= 1
			return b
		}, wantStatus: http.StatusBadRequest, wantReason: "does not authenticate"},
		{name: "CorruptSalt", expect: keys, change: func(_ testing.TB, _ *http.Request, b []byte) []byte {
			b[0] ^= 1
			return b
		}, wantStatus: http.StatusBadRequest, wantReason: "does not authenticate"},
		{name: "Truncated", expect: keys, change: func(_ testing.TB, _ *http.Request, b []byte) []byte {
			return b[:50]
		}, wantStatus: http.StatusBadRequest, wantReason: "ends inside the keyid"},
		{name: "CorruptSignature", expect: keys, change: func(t testing.TB, r *http.Request, b []byte) []byte {
			r.Header.Set("Authorization", flipSignature(t, r.Header.Get("Authorization")))
			return b
		}, wantStatus: http.StatusForbidden, wantReason: "does not verify"},
		{name: "OldAuthorizationForm", expect: keys, change: func(_ testing.TB, r *http.Request, b []byte) []byte {
			r.Header.Set("Authorization", "WebPush "+strings.TrimPrefix(r.Header.Get("Authorization"), "vapid "))
			return b
		}, wantStatus: http.StatusUnauthorized, wantReason: "is not vapid"},
		{name: "ContentEncoding", expect: keys, change: func(_ testing.TB, r *http.Request, b []byte) []byte {
			r.Header.Set("Content-Encoding", "aesgcm")
			return b
		}, wantStatus: http.StatusBadRequest, wantReason: "want aes128gcm"},
		{name: "NoTTL", expect: keys, change: func(_ testing.TB, r *http.Request, b []byte) []byte {
			r.Header.Del("TTL")
			return b
		}, wantStatus: http.StatusBadRequest, wantReason: "TTL header"},
		{name: "TooLarge", expect: keys, change: func(_ testing.TB, _ *http.Request, b []byte) []byte {
			return append(b, 0)
		}, wantStatus: http.StatusRequestEntityTooLarge, wantReason: "over 4096 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			svc := webpushtest.New(t)
			svc.ExpectVAPIDKey(tt.expect.Public)
			client := svc.Client()
			if tt.change != nil {
				client.Transport = webpushtest.Tamper{Base: client.Transport, Change: func(r *http.Request, b []byte) []byte { return tt.change(t, r, b) }}
			}
			sender := newSender(t, webpush.Config{Keys: keys, Client: client})
			sub, _ := svc.NewSubscription()
			if tt.otherKeys {
				s2, _ := svc.NewSubscription()
				sub.P256dh, sub.Auth = s2.P256dh, s2.Auth
			}
			res, err := sender.Send(t.Context(), webpush.Message{Subscription: sub, Payload: []byte(`{"n":1}`)})
			var se *webpush.StatusError
			if !errors.As(err, &se) || se.Status != tt.wantStatus {
				t.Fatalf("Send() = %v, want a StatusError %d", err, tt.wantStatus)
			}
			if got, want := res, (webpush.Result{Status: tt.wantStatus}); got != want {
				t.Errorf("Result=%+v, want %+v", got, want)
			}
			if !strings.Contains(se.Body, tt.wantReason) {
				t.Errorf("StatusError.Body=%q, want it to contain %q", se.Body, tt.wantReason)
			}
			fails := svc.Failures()
			if len(fails) != 1 || fails[0].Status != tt.wantStatus || !strings.Contains(fails[0].Reason, tt.wantReason) {
				t.Errorf("Failures()=%v, want one %d containing %q", fails, tt.wantStatus, tt.wantReason)
			}
			if got := svc.Received(); len(got) != 0 {
				t.Errorf("Received()=%v, want none", got)
			}
		})
	}
}

func TestSender_Answers(t *testing.T) {
	t.Parallel()
	keys := mustKeys(t)
	tests := []struct {
		name           string
		setup          func(svc *webpushtest.Service, sub *webpush.Subscription)
		wantStatus     int
		wantGone       bool
		wantRetryable  bool
		wantRetryAfter time.Duration
	}{
		{"Gone", func(svc *webpushtest.Service, sub *webpush.Subscription) { svc.AnswerNext(sub.Endpoint, 410) }, 410, true, false, 0},
		{"Unsubscribed", func(svc *webpushtest.Service, sub *webpush.Subscription) { svc.Unsubscribe(sub.Endpoint) }, 410, true, false, 0},
		{"UnknownEndpoint", func(_ *webpushtest.Service, sub *webpush.Subscription) { sub.Endpoint += "0" }, 404, true, false, 0},
		{"TooMany", func(svc *webpushtest.Service, sub *webpush.Subscription) { svc.AnswerNext(sub.Endpoint, 429) }, 429, false, true, time.Second},
		{"ServerError", func(svc *webpushtest.Service, sub *webpush.Subscription) { svc.AnswerNext(sub.Endpoint, 500) }, 500, false, true, 0},
		{"Unavailable", func(svc *webpushtest.Service, sub *webpush.Subscription) { svc.AnswerNext(sub.Endpoint, 503) }, 503, false, true, 0},
		{"BadRequest", func(svc *webpushtest.Service, sub *webpush.Subscription) { svc.AnswerNext(sub.Endpoint, 400) }, 400, false, false, 0},
		{"Unauthorized", func(svc *webpushtest.Service, sub *webpush.Subscription) { svc.AnswerNext(sub.Endpoint, 401) }, 401, false, false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			svc := webpushtest.New(t)
			sender := newSender(t, webpush.Config{Keys: keys, Client: svc.Client()})
			sub, _ := svc.NewSubscription()
			tt.setup(svc, &sub)
			msg := webpush.Message{Subscription: sub, Payload: []byte(`{"n":1}`)}
			res, err := sender.Send(t.Context(), msg)
			want := webpush.Result{Status: tt.wantStatus, Gone: tt.wantGone, Retryable: tt.wantRetryable, RetryAfter: tt.wantRetryAfter}
			if res != want {
				t.Errorf("Result=%+v, want %+v", res, want)
			}
			var se *webpush.StatusError
			if !errors.As(err, &se) || se.Status != tt.wantStatus {
				t.Fatalf("Send() error = %v, want a StatusError %d", err, tt.wantStatus)
			}
			if got := errors.Is(err, webpush.ErrGone); got != tt.wantGone {
				t.Errorf("errors.Is(%v, ErrGone)=%v, want %v", err, got, tt.wantGone)
			}
			svc.RequireNoFailures(t)
			if tt.wantGone {
				return
			}
			// One answer was queued; the next message goes through.
			if res, err := sender.Send(t.Context(), msg); err != nil || res.Status != http.StatusCreated {
				t.Fatalf("second Send() = %+v, %v; want 201", res, err)
			}
			if got := svc.Next(t); string(got.Payload) != `{"n":1}` {
				t.Errorf("Payload=%q", got.Payload)
			}
		})
	}
}

// TestSender_Invalid shows a message that cannot be sent is refused before
// anything is posted.
func TestSender_Invalid(t *testing.T) {
	t.Parallel()
	keys := mustKeys(t)
	svc := webpushtest.New(t)
	sender := newSender(t, webpush.Config{Keys: keys, Client: svc.Client()})
	sub, _ := svc.NewSubscription()
	tooLarge := []byte(`"` + strings.Repeat("x", webpush.MaxPayloadBytes-1) + `"`)
	httpSub := sub
	httpSub.Endpoint = "http" + strings.TrimPrefix(sub.Endpoint, "https")
	badKey := sub
	badKey.P256dh = sub.Auth
	tests := []struct {
		name    string
		msg     webpush.Message
		wantErr error
	}{
		{"PayloadTooLarge", webpush.Message{Subscription: sub, Payload: tooLarge}, webpush.ErrPayloadTooLarge},
		{"PayloadNotJSON", webpush.Message{Subscription: sub, Payload: []byte(`hello`)}, webpush.ErrInvalidMessage},
		{"PayloadEmpty", webpush.Message{Subscription: sub}, webpush.ErrInvalidMessage},
		{"NegativeTTL", webpush.Message{Subscription: sub, Payload: []byte(`{}`), TTL: -time.Second}, webpush.ErrInvalidMessage},
		{"LongTTL", webpush.Message{Subscription: sub, Payload: []byte(`{}`), TTL: webpush.MaxTTL + time.Second}, webpush.ErrInvalidMessage},
		{"Urgency", webpush.Message{Subscription: sub, Payload: []byte(`{}`), Urgency: "urgent"}, webpush.ErrInvalidMessage},
		{"TopicLong", webpush.Message{Subscription: sub, Payload: []byte(`{}`), Topic: strings.Repeat("a", 33)}, webpush.ErrInvalidMessage},
		{"TopicPadded", webpush.Message{Subscription: sub, Payload: []byte(`{}`), Topic: "abc="}, webpush.ErrInvalidMessage},
		{"HTTPEndpoint", webpush.Message{Subscription: httpSub, Payload: []byte(`{}`)}, webpush.ErrInvalidSubscription},
		{"BadP256dh", webpush.Message{Subscription: badKey, Payload: []byte(`{}`)}, webpush.ErrInvalidSubscription},
		{"NoSubscription", webpush.Message{Payload: []byte(`{}`)}, webpush.ErrInvalidSubscription},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := sender.Send(t.Context(), tt.msg)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Send() = %v, want %v", err, tt.wantErr)
			}
			if res != (webpush.Result{}) {
				t.Errorf("Result=%+v, want zero", res)
			}
		})
	}
	if got := svc.Received(); len(got) != 0 {
		t.Errorf("Received()=%v, want none", got)
	}
	svc.RequireNoFailures(t)
}

func TestNewSender(t *testing.T) {
	t.Parallel()
	keys := mustKeys(t)
	tests := []struct {
		name    string
		cfg     webpush.Config
		wantErr string
	}{
		{"Mailto", webpush.Config{Keys: keys, Subscriber: "mailto:ops@example.com"}, ""},
		{"HTTPS", webpush.Config{Keys: keys, Subscriber: "https://example.com/about"}, ""},
		{"NoKeys", webpush.Config{Subscriber: "mailto:ops@example.com"}, "public key: empty"},
		{"MismatchedKeys", webpush.Config{Keys: webpush.Keys{Public: keys.Public, Private: mustKeys(t).Private}, Subscriber: "mailto:ops@example.com"}, "not the private key's"},
		{"NoSubscriber", webpush.Config{Keys: keys}, "want mailto:ADDRESS or an https URL"},
		{"BareAddress", webpush.Config{Keys: keys, Subscriber: "ops@example.com"}, "want mailto:ADDRESS or an https URL"},
		{"NamedAddress", webpush.Config{Keys: keys, Subscriber: "mailto:Ops <ops@example.com>"}, "not a mail address"},
		{"DoubleMailto", webpush.Config{Keys: keys, Subscriber: "mailto:mailto:ops@example.com"}, "not a mail address"},
		{"HTTPSubscriber", webpush.Config{Keys: keys, Subscriber: "http://example.com"}, "want mailto:ADDRESS or an https URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := webpush.NewSender(tt.cfg)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("NewSender() = %v", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("NewSender() = %v, want an error containing %q", err, tt.wantErr)
			}
		})
	}
}

// plainSubscription is a valid subscription to a server of the test's own.
func plainSubscription(t testing.TB, srv *httptest.Server) webpush.Subscription {
	p256dh, auth := browserKeys(t)
	return webpush.Subscription{Endpoint: srv.URL + "/push/1", P256dh: p256dh, Auth: auth}
}

func TestSender_Context(t *testing.T) {
	t.Parallel()
	keys := mustKeys(t)
	var hits atomic.Int32
	arrived := make(chan struct{}, 1)
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		// The server notices the client going only once the body is read.
		io.Copy(io.Discard, r.Body)
		arrived <- struct{}{}
		select { // answers only when the sender gives up, or the test ends
		case <-r.Context().Done():
		case <-release:
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) }) // runs first
	sender := newSender(t, webpush.Config{Keys: keys, AllowHTTP: true})
	msg := webpush.Message{Subscription: plainSubscription(t, srv), Payload: []byte(`{}`)}

	t.Run("CanceledBefore", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		res, err := sender.Send(ctx, msg)
		if !errors.Is(err, context.Canceled) || res.Retryable {
			t.Fatalf("Send() = %+v, %v; want context.Canceled, not retryable", res, err)
		}
		if n := hits.Load(); n != 0 {
			t.Fatalf("the server had %d requests, want 0", n)
		}
	})
	t.Run("CanceledWaiting", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		go func() {
			<-arrived
			cancel()
		}()
		res, err := sender.Send(ctx, msg)
		if !errors.Is(err, context.Canceled) || res.Retryable {
			t.Fatalf("Send() = %+v, %v; want context.Canceled, not retryable", res, err)
		}
	})
}

func TestSender_AnswerBody(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, "bad\r\nthing\x00\xff")
		w.Write(bytes.Repeat([]byte("x"), 1<<20))
	}))
	t.Cleanup(srv.Close)
	sender := newSender(t, webpush.Config{Keys: mustKeys(t), AllowHTTP: true})
	_, err := sender.Send(t.Context(), webpush.Message{Subscription: plainSubscription(t, srv), Payload: []byte(`{}`)})
	var se *webpush.StatusError
	if !errors.As(err, &se) {
		t.Fatalf("Send() = %v, want a StatusError", err)
	}
	if len(se.Body) > 2048 {
		t.Errorf("len(Body)=%d, want at most 2048", len(se.Body))
	}
	if want := "webpush: push service answered 400 Bad Request: bad  thing ?xxx"; !strings.HasPrefix(err.Error(), want) {
		t.Errorf("Error()=%.80q…, want it to start %q", err.Error(), want)
	}
}

func TestSender_NoRedirect(t *testing.T) {
	t.Parallel()
	var hits atomic.Int32
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.WriteHeader(http.StatusCreated)
	}))
	t.Cleanup(target.Close)
	srv := httptest.NewServer(http.RedirectHandler(target.URL+"/elsewhere", http.StatusTemporaryRedirect))
	t.Cleanup(srv.Close)
	// The caller's client follows redirects; the Sender's copy must not.
	sender := newSender(t, webpush.Config{Keys: mustKeys(t), AllowHTTP: true, Client: &http.Client{}})
	res, err := sender.Send(t.Context(), webpush.Message{Subscription: plainSubscription(t, srv), Payload: []byte(`{}`)})
	if err == nil || res.Status != http.StatusTemporaryRedirect || res.Retryable {
		t.Fatalf("Send() = %+v, %v; want a 307 error, not retryable", res, err)
	}
	if n := hits.Load(); n != 0 {
		t.Fatalf("the redirect was followed %d times", n)
	}
}

func TestSender_RetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		header string
		want   time.Duration
	}{
		{"", 0},
		{"120", 2 * time.Minute},
		{"0", 0},
		{"-5", 0},
		{"soon", 0},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second},
		{now.Add(-time.Hour).Format(http.TimeFormat), 0},
		{"99999999999", webpush.MaxTTL},
	}
	keys := mustKeys(t)
	for _, tt := range tests {
		t.Run(tt.header, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tt.header != "" {
					w.Header().Set("Retry-After", tt.header)
				}
				w.WriteHeader(http.StatusServiceUnavailable)
			}))
			t.Cleanup(srv.Close)
			sender := newSender(t, webpush.Config{Keys: keys, AllowHTTP: true, Now: func() time.Time { return now }})
			res, _ := sender.Send(t.Context(), webpush.Message{Subscription: plainSubscription(t, srv), Payload: []byte(`{}`)})
			if want := (webpush.Result{Status: 503, Retryable: true, RetryAfter: tt.want}); res != want {
				t.Errorf("Result=%+v, want %+v", res, want)
			}
		})
	}
}
