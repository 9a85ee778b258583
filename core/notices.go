package core

import (
	"cmp"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"paperboy/internal/webpush"
	"paperboy/sdk"
	"paperboy/store"
)

// Notices reach owners through three channels: the web app's list (read
// from the store), Web Push to their browsers and installed app, and a
// webhook of their own. The store raises each notice where what it tells
// of happens; here its sends are made, at least once: every few seconds
// (and at once when this instance raised one) the notices not fanned out
// are, and the sends due are claimed, made, and recorded as sent, to try
// again later, or given up.

// Notice sending's figures.
const (
	noticeEvery     = 5 * time.Second  // how often sends are looked for
	noticeLease     = 2 * time.Minute  // a claimed send's, longer than a try takes
	noticeBatch     = 50               // sends claimed at a time
	noticeParallel  = 8                // sends made at once
	noticeTimeout   = 15 * time.Second // a try's
	noticeRetention = 90 * 24 * time.Hour
	// offlineGrace is how long after starting an instance waits before
	// telling owners their printers are offline: the bridges reconnect
	// and their presence is written first.
	offlineGrace = 10 * time.Minute
	// maxWebhookURL bounds a webhook's address.
	maxWebhookURL = 2000
	// SignatureHeader carries a webhook's body's HMAC-SHA256 under its
	// secret, as "sha256=" and hex.
	SignatureHeader = "X-Paperboy-Signature"
)

// noticeBackoff is how long after each failed try the next is made; after
// the last, the send is given up (about a day after the first).
var noticeBackoff = []time.Duration{30 * time.Second, 2 * time.Minute, 10 * time.Minute, 30 * time.Minute,
	2 * time.Hour, 6 * time.Hour, 12 * time.Hour}

// noticeRetry is how long a send that failed at its attempt-th try waits
// before the next: its back-off, or longer if the push service asked
// (Retry-After), up to the longest back-off. It reports false once the
// tries are used up.
func noticeRetry(attempt int, retryAfter time.Duration) (time.Duration, bool) {
	if attempt < 1 || attempt > len(noticeBackoff) {
		return 0, false
	}
	return max(noticeBackoff[attempt-1], min(retryAfter, noticeBackoff[len(noticeBackoff)-1])), true
}

// notifier is the server's part that sends notices.
type notifier struct {
	poke    chan struct{} // a notice was raised here: look now
	running sync.Mutex    // one round at a time
	push    *webpush.Sender
	pushKey string // the VAPID public key, for the browsers' subscribe
	webhook *http.Client
	started time.Time
	sends   *prometheus.CounterVec // by channel and outcome
}

// init makes the sender's wake-up and its metric, registered with m: New
// does it.
func (n *notifier) init(m *metrics) {
	n.poke = make(chan struct{}, 1)
	n.sends = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "paperboy_notice_sends_total", Help: "Tries to send notices to owners' push endpoints and webhooks, by channel and outcome."},
		[]string{"channel", "outcome"})
	m.register(n.sends)
}

// startNotices makes the VAPID keys (once for all instances: they are the
// store's) and the clients notices are sent with; Start then runs
// runNotices.
func (s *Server) startNotices() error {
	n := &s.notify
	n.started = s.now()
	v, err := s.store.ServerKey(s.ctx, "vapid", func() (string, error) {
		k, err := webpush.GenerateKeys()
		if err != nil {
			return "", err
		}
		b, err := json.Marshal(k)
		return string(b), err
	})
	if err != nil {
		return err
	}
	var keys webpush.Keys
	if err := json.Unmarshal([]byte(v), &keys); err != nil {
		return fmt.Errorf("the stored VAPID keys: %w", err)
	}
	policy := sdk.HTTPPolicy{Timeout: noticeTimeout, MaxBytes: 64 << 10, AllowPrivate: s.cfg.NoticesAllowPrivate}
	n.webhook = sdk.NewHTTPClient(policy)
	n.webhook.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	if n.push, err = webpush.NewSender(webpush.Config{Keys: keys, Subscriber: s.pushContact(), Client: sdk.NewHTTPClient(policy),
		AllowHTTP: s.cfg.NoticesAllowPrivate, Now: s.now}); err != nil {
		return err
	}
	n.pushKey = keys.Public
	return nil
}

// pushContact is who push services may write to about this server's
// messages: its public address if https, else the mail sender, else a
// placeholder.
func (s *Server) pushContact() string {
	if strings.HasPrefix(s.cfg.PublicURL, "https://") {
		return s.cfg.PublicURL
	}
	if s.cfg.SMTP.From != "" {
		return "mailto:" + s.cfg.SMTP.From
	}
	return "mailto:paperboy@example.com"
}

// notified tells the sender a notice was raised here, to be sent now.
func (s *Server) notified() {
	select {
	case s.notify.poke <- struct{}{}:
	default:
	}
}

func (s *Server) runNotices() {
	for {
		select {
		case <-s.ctx.Done():
			return
		case <-s.notify.poke:
		case <-time.After(noticeEvery):
		}
		if _, err := s.SendNotices(s.ctx); err != nil && s.ctx.Err() == nil {
			s.log.Warn("send notices", "error", err)
		}
	}
}

// SendNotices fans the notices raised out to their channels and makes the
// sends due, and returns how many it made (sent or not). It is what the
// sender does every few seconds; tests call it.
func (s *Server) SendNotices(ctx context.Context) (int64, error) {
	s.notify.running.Lock()
	defer s.notify.running.Unlock()
	if _, err := s.store.FanOutNotices(ctx, 1000); err != nil {
		return 0, err
	}
	var made int64
	for {
		sends, err := s.store.ClaimNoticeSends(ctx, s.now(), noticeLease, noticeBatch)
		if err != nil || len(sends) == 0 {
			return made, err
		}
		var wg sync.WaitGroup
		limit := make(chan struct{}, noticeParallel)
		for _, ns := range sends {
			limit <- struct{}{}
			wg.Go(func() {
				defer func() { <-limit }()
				s.sendNotice(ctx, ns)
			})
		}
		wg.Wait()
		made += int64(len(sends))
		if len(sends) < noticeBatch {
			return made, nil
		}
	}
}

// sendNotice makes one send and records how it went.
func (s *Server) sendNotice(ctx context.Context, ns store.NoticeSend) {
	ctx, cancel := context.WithTimeout(ctx, noticeTimeout)
	defer cancel()
	var status int
	var target string
	var err error
	retry := true
	var retryAfter time.Duration // what a push service asked us to wait
	switch ns.Channel {
	case "push":
		target = ns.Push.Endpoint
		var res webpush.Result
		res, err = s.notify.push.Send(ctx, webpush.Message{
			Subscription: webpush.Subscription{Endpoint: ns.Push.Endpoint, P256dh: ns.Push.P256dh, Auth: ns.Push.Auth},
			Payload:      s.pushPayload(ns.Notice), TTL: 24 * time.Hour, Urgency: webpush.UrgencyNormal,
		})
		status, retry, retryAfter = res.Status, err == nil || res.Retryable, res.RetryAfter
		if res.Gone {
			if derr := s.store.DeletePushEndpoint(context.WithoutCancel(ctx), 0, ns.Push.ID); derr != nil && !errors.Is(derr, store.ErrNotFound) {
				s.log.Warn("forget a push endpoint", "error", derr)
			}
		}
	default:
		target = ns.Webhook.URL
		status, err = s.postWebhook(ctx, ns)
	}
	s.notify.sends.WithLabelValues(ns.Channel, sendOutcome(err)).Inc()
	var next time.Time
	if wait, ok := noticeRetry(ns.Attempts, retryAfter); err != nil && retry && ok {
		next = s.now().Add(wait)
	}
	if err != nil {
		s.log.Info("notice not sent", "channel", ns.Channel, "send", ns.ID, "attempt", ns.Attempts, "status", status, "error", err, "retry", !next.IsZero())
	}
	if derr := s.store.NoticeSendDone(context.WithoutCancel(ctx), ns.ID, status, redactURL(target), err, next); derr != nil {
		s.log.Warn("record a notice send", "send", ns.ID, "error", derr)
	}
}

func sendOutcome(err error) string {
	if err != nil {
		return "failed"
	}
	return "sent"
}

// redactURL is an address as the delivery log shows it: without its
// query, which may hold a token.
func redactURL(v string) string {
	u, err := url.Parse(v)
	if err != nil {
		return ""
	}
	u.RawQuery, u.Fragment, u.User = "", "", nil
	return u.String()
}

// webhookBody is what a webhook is POSTed: the notice as the API shows
// it, its page an address with --public-url. Its id is the notice's: a
// receiver told twice (sends are at least once) sees the same id.
type webhookBody struct {
	noticeJSON
	Test bool `json:"test,omitempty"`
}

// postWebhook POSTs a notice to its owner's webhook, signed.
func (s *Server) postWebhook(ctx context.Context, ns store.NoticeSend) (int, error) {
	n := ns.Notice
	body, err := json.Marshal(webhookBody{toNoticeJSON(n, s.absolute), n.Kind == store.NoticeTest})
	if err != nil {
		return 0, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, ns.Webhook.URL, strings.NewReader(string(body)))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "paperboy")
	req.Header.Set("X-Paperboy-Event", n.Kind)
	req.Header.Set("X-Paperboy-Delivery", strconv.FormatInt(ns.ID, 10))
	req.Header.Set(SignatureHeader, Sign(ns.Webhook.Secret, body))
	resp, err := s.notify.webhook.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	head, _ := io.ReadAll(io.LimitReader(resp.Body, 256))
	if resp.StatusCode/100 != 2 {
		msg := resp.Status
		if t := strings.TrimSpace(strings.ToValidUTF8(string(head), "")); t != "" && utf8Printable(t) {
			msg += ": " + t
		}
		return resp.StatusCode, errors.New(msg)
	}
	return resp.StatusCode, nil
}

// utf8Printable says whether a text is fit to show in the delivery log.
func utf8Printable(t string) bool {
	for _, r := range t {
		if r < ' ' && r != '\n' && r != '\t' || r == 0x7f {
			return false
		}
	}
	return true
}

// Sign is a webhook body's signature under its secret, as the header
// carries it: "sha256=" and the HMAC-SHA256 in hex. A receiver computes
// the same over the raw body and compares in constant time.
func Sign(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// pushPayload is what the service worker gets: the notice in words and
// the page to open.
func (s *Server) pushPayload(n store.Notice) []byte {
	w := noticeWords(n)
	b, _ := json.Marshal(map[string]string{"title": w.Title, "body": w.Body, "url": w.Link, "tag": n.Kind + ":" + strconv.FormatInt(n.ID, 10)})
	return b
}

// absolute is a path of the web app as an address, with --public-url
// when there is one.
func (s *Server) absolute(path string) string {
	if s.cfg.PublicURL == "" {
		return path
	}
	return s.cfg.PublicURL + path
}

// words is a notice as people read it.
type words struct {
	Title, Body string
	Link        string // the page to open, a path
}

// noticeWords makes a notice's sentences. Only names are used: never an
// email (a friend is their name, or "Someone").
func noticeWords(n store.Notice) words {
	printer := cmp.Or(n.PrinterName, n.Subject, "your printer")
	link := "/notices"
	if n.PrinterID != 0 {
		link = "/printers/" + strconv.FormatInt(n.PrinterID, 10)
	}
	switch n.Kind {
	case store.NoticePrintFailed:
		return words{"A print to " + printer + " failed", n.Detail, link}
	case store.NoticePrintExpired:
		c, _ := strconv.Atoi(n.Detail)
		if c <= 1 {
			return words{"A print to " + printer + " expired", "It was not printed in time: the printer was away.", link}
		}
		return words{fmt.Sprintf("%d prints to %s expired", c, printer), "They were not printed in time: the printer was away.", link}
	case store.NoticePrinterOffline:
		since := ""
		if ms, err := strconv.ParseInt(n.Detail, 10, 64); err == nil {
			since = " since " + time.UnixMilli(ms).UTC().Format("Mon 2 Jan 15:04 MST")
		}
		return words{printer + " is offline", "paperboy has not heard from it" + since + ". Is its bridge plugged in and online?", link}
	case store.NoticeSubscriptionEnded:
		return words{n.Subject + " has ended on " + printer, cmp.Or(n.Detail, "The publication ended the subscription."), link}
	case store.NoticePublicationFailing:
		return words{n.Subject + " keeps failing on " + printer,
			"Its editions have failed " + n.Detail + " days running; the printer's history says why.", link}
	case store.NoticeFriendAdded:
		return words{cmp.Or(n.Subject, "Someone") + " added you as a friend",
			"You can choose, printer by printer, whether they may print on yours.", "/friends"}
	case store.NoticeKeyFirstUse:
		return words{"The print key “" + n.Subject + "” printed for the first time",
			"On " + printer + ", from " + cmp.Or(n.Detail, "someone") + ".", link + "/keys"}
	case store.NoticeTest:
		return words{"A test from paperboy", "Your webhook works.", "/notices/settings"}
	}
	return words{"Something happened", n.Detail, link}
}

// NewWebhookSecret is a webhook's signing secret: 32 random bytes in hex.
func NewWebhookSecret() string {
	b := make([]byte, 32)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// RaiseOfflineNotices tells owners whose printers have been offline for
// longer than they chose. It is housekeeping, every few minutes; an
// instance just started waits for its bridges to come back first.
func (s *Server) RaiseOfflineNotices(ctx context.Context) (int64, error) {
	if s.now().Sub(s.notify.started) < offlineGrace {
		return 0, nil
	}
	n, err := s.store.RaiseOfflineNotices(ctx, s.now())
	if n > 0 {
		s.notified()
	}
	return n, err
}

// PruneNotices deletes notices older than 90 days, with their sends. It
// is housekeeping.
func (s *Server) PruneNotices(ctx context.Context) (int64, error) {
	return s.store.PruneNotices(ctx, s.now().Add(-noticeRetention))
}
