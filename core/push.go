package core

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"paperboy/delivery"
	"paperboy/internal/oauth1"
	"paperboy/sdk"
	"paperboy/store"
)

// BERG's Push API (issue 17): a subscription to a push publication has an
// endpoint of its own, /v1/subscriptions/ID/publish, sent to the
// publication in /validate_config/ as BERG sent it (subscription_id and
// endpoint, as top-level fields and inside config). The publication POSTs
// an edition's HTML there, signed with its credentials (OAuth 1.0
// HMAC-SHA1 as BERG's clients signed, or a bearer token), and is answered
// as BERG answered: 202 {"accepted": true} with a Location to poll, 410
// once the subscription has ended, 429 when too many wait, 503 when the
// printer is offline and the publication asked not to queue.

// Push limits.
const (
	// maxWaitingPushes is how many pushed editions of one subscription
	// may wait to print: a publication that pushes faster than a printer
	// prints is told to slow down (429).
	maxWaitingPushes = 10
	// maxPushBytes bounds a pushed edition's HTML, BERG's practical 200 KB
	// and then some.
	maxPushBytes = 2 << 20
)

// newPushID is a push subscription's id: 40 hex characters, as BERG's
// were, and as secret as a key's code.
func newPushID() string {
	b := make([]byte, 20)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// pushEndpoint is a push subscription's endpoint on this server.
func pushEndpoint(base, pushID string) string {
	return base + "/v1/subscriptions/" + pushID + "/publish"
}

// PushCredentials are a publication's credentials as shown, once, to its
// author: OAuth 1.0's four, and a bearer token.
type PushCredentials struct {
	ConsumerKey    string `json:"consumer_key"`
	ConsumerSecret string `json:"consumer_secret"`
	Token          string `json:"access_token"`
	TokenSecret    string `json:"access_token_secret"`
	Bearer         string `json:"bearer_token"`
}

// NewPushCredentials gives a publication new credentials to push with,
// and returns them: the only time the bearer token is shown. Its old ones
// stop working.
func NewPushCredentials(ctx context.Context, st *store.Store, publication string) (PushCredentials, error) {
	c := PushCredentials{ConsumerKey: randomToken(12), ConsumerSecret: randomToken(24), Token: randomToken(12),
		TokenSecret: randomToken(24), Bearer: randomToken(32)}
	err := st.SetPublicationCredentials(ctx, store.PublicationCredentials{Publication: publication, ConsumerKey: c.ConsumerKey,
		ConsumerSecret: c.ConsumerSecret, Token: c.Token, TokenSecret: c.TokenSecret, BearerHash: HashToken(c.Bearer)})
	return c, err
}

// pushAuth is the publication a push request's credentials are of: a
// bearer token, or an OAuth 1.0 signature over the request and its body.
func (s *Server) pushAuth(r *http.Request, body []byte) (string, error) {
	auth := r.Header.Get("Authorization")
	if token, ok := strings.CutPrefix(auth, "Bearer "); ok {
		c, err := s.store.PublicationCredentialsBy(r.Context(), "bearer_hash", HashToken(strings.TrimSpace(token)))
		if errors.Is(err, store.ErrNotFound) {
			return "", errUnauthorized("the bearer token is not a publication's: see its credentials")
		}
		return c.Publication, err
	}
	var publication string
	var lookupErr error
	v := &oauth1.Verifier{BaseURL: s.publicBase(r), Nonces: &s.pushNonces,
		Lookup: func(consumerKey, token string) (oauth1.Credentials, bool) {
			c, err := s.store.PublicationCredentialsBy(r.Context(), "consumer_key", consumerKey)
			if err != nil {
				if !errors.Is(err, store.ErrNotFound) {
					lookupErr = err
				}
				return oauth1.Credentials{}, false
			}
			if c.Token != token {
				return oauth1.Credentials{}, false
			}
			publication = c.Publication
			return oauth1.Credentials{ConsumerKey: c.ConsumerKey, ConsumerSecret: c.ConsumerSecret, Token: c.Token, TokenSecret: c.TokenSecret}, true
		}}
	if auth == "" && r.URL.Query().Get("oauth_signature") == "" {
		return "", errUnauthorized("sign the request with the publication's credentials: OAuth 1.0 (HMAC-SHA1) or Authorization: Bearer TOKEN")
	}
	_, err := v.Verify(r, body, s.now())
	if lookupErr != nil {
		return "", lookupErr
	}
	var oe *oauth1.Error
	if errors.As(err, &oe) {
		return "", &httpError{status: oe.Status, msg: oe.Msg}
	}
	return publication, err
}

// publicBase is the scheme and host clients reach this server by, as they
// sign their requests: the request's own (isHTTPS believes only trusted
// proxies).
func (s *Server) publicBase(r *http.Request) *url.URL {
	u, _ := url.Parse(siteURL(r))
	return u
}

// pushSubscription is the push subscription a request's path names, if it
// is the publication's: any other, ended, or deleted one is gone (410), as
// BERG answered for an unsubscribed user.
func (s *Server) pushSubscription(ctx context.Context, pushID, publication string) (store.Subscription, error) {
	gone := &httpError{status: http.StatusGone, msg: "the subscription has ended: do not push to it again"}
	sub, err := s.store.SubscriptionByPushID(ctx, pushID)
	if errors.Is(err, store.ErrNotFound) || err == nil && (sub.Publication != publication || !sub.EndedAt.IsZero()) {
		return sub, gone
	}
	return sub, err
}

// pushedHTML is a pushed edition's HTML: the body (text/html), or the
// field html of a form, or the query's html, as BERG took it.
func pushedHTML(r *http.Request, body []byte) (string, error) {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch mt {
	case "application/x-www-form-urlencoded":
		vals, err := url.ParseQuery(string(body))
		if err != nil {
			return "", errBadRequest("the form cannot be read: " + err.Error())
		}
		return vals.Get("html"), nil
	case "multipart/form-data":
		// Read from the body already read (and signed).
		r2 := r.Clone(r.Context())
		r2.Body = io.NopCloser(strings.NewReader(string(body)))
		if err := r2.ParseMultipartForm(maxPushBytes); err != nil {
			return "", errBadRequest("the form cannot be read: " + err.Error())
		}
		defer r2.MultipartForm.RemoveAll()
		return r2.FormValue("html"), nil
	}
	if len(body) == 0 {
		return r.URL.Query().Get("html"), nil
	}
	return string(body), nil
}

// writePushAnswer answers as BERG did: {"accepted": …} and an error's words.
func writePushAnswer(w http.ResponseWriter, status int, accepted bool, msg string) {
	body := map[string]any{"accepted": accepted}
	if msg != "" {
		body["error"] = msg
	}
	writeJSON(w, status, body)
}

// handlePush takes an edition a publication pushes to a subscription.
func (s *Server) handlePush(w http.ResponseWriter, r *http.Request) error {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxPushBytes))
	if err != nil {
		return err
	}
	publication, err := s.pushAuth(r, body)
	if err == nil {
		err = s.push(w, r, publication, body)
	}
	var he *httpError
	if errors.As(err, &he) {
		if he.wait > 0 {
			w.Header().Set("Retry-After", retryAfter(he.wait))
		}
		writePushAnswer(w, he.status, false, he.msg)
		return nil
	}
	return err
}

func (s *Server) push(w http.ResponseWriter, r *http.Request, publication string, body []byte) error {
	ctx := r.Context()
	sub, err := s.pushSubscription(ctx, r.PathValue("push"), publication)
	if err != nil {
		return err
	}
	if sub.Paused {
		return &httpError{status: http.StatusServiceUnavailable, msg: "the subscriber has paused this subscription: nothing prints until they resume it"}
	}
	page, err := pushedHTML(r, body)
	if err != nil {
		return err
	}
	if strings.TrimSpace(page) == "" {
		return errBadRequest("there is nothing to print: send the edition's HTML as the body (text/html) or as the field html")
	}
	p, err := s.store.PrinterByID(ctx, sub.PrinterID)
	if err != nil {
		return err
	}
	if q := r.URL.Query().Get("queue"); (q == "false" || q == "0") && !s.printerJSON(p).Online {
		return &httpError{status: http.StatusServiceUnavailable, msg: "the printer is not online, and the request asked not to queue"}
	}
	waiting, err := s.store.WaitingPushes(ctx, sub.ID)
	if err != nil {
		return err
	}
	if waiting >= maxWaitingPushes {
		return &httpError{status: http.StatusTooManyRequests, msg: fmt.Sprintf("too many pushed editions wait to print (%d): push again once they have", waiting),
			wait: queueFullWait}
	}
	d, err := s.printHTML(ctx, delivery.Print{PrinterID: p.ID, Kind: "edition", Publication: publication, Mode: sub.Mode}, []byte(page))
	if err != nil {
		return err
	}
	if err := s.store.RecordPush(context.WithoutCancel(ctx), d.ID, sub.ID); err != nil {
		return err
	}
	s.log.Info("pushed edition queued", "publication", publication, "subscription_id", sub.ID, "delivery_id", d.ID)
	w.Header().Set("Location", pushStatusPath(r.PathValue("push"), d.ID))
	writePushAnswer(w, http.StatusAccepted, true, "")
	return nil
}

func pushStatusPath(pushID string, deliveryID int64) string {
	return "/v1/subscriptions/" + pushID + "/deliveries/" + strconv.FormatInt(deliveryID, 10)
}

// pushStatus is a pushed edition's state in BERG's words.
func pushStatus(d store.Delivery) string {
	switch d.State {
	case store.StatePrinted:
		return "printed"
	case store.StateFailed, store.StateExpired:
		return "failed"
	case store.StateSent:
		return "waiting"
	}
	if d.Attempts > 0 {
		return "waiting"
	}
	return "accepted"
}

// handlePushStatus answers the Location of a pushed edition:
// {"status": "accepted"|"waiting"|"printed"|"failed"}, to its publication.
func (s *Server) handlePushStatus(w http.ResponseWriter, r *http.Request) error {
	publication, err := s.pushAuth(r, nil)
	if err != nil {
		return err
	}
	sub, err := s.pushSubscription(r.Context(), r.PathValue("push"), publication)
	if err != nil {
		return err
	}
	id, err := strconv.ParseInt(r.PathValue("delivery"), 10, 64)
	if err != nil {
		return errNotFound("no such edition")
	}
	d, err := s.store.PushedDelivery(r.Context(), sub.ID, id)
	if errors.Is(err, store.ErrNotFound) {
		return errNotFound("no such edition pushed to this subscription (or it is older than the history kept)")
	}
	if err != nil {
		return err
	}
	out := map[string]any{"status": pushStatus(d)}
	if d.Reason != "" && pushStatus(d) == "failed" {
		out["reason"] = d.Reason
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// pushable reports whether a publication's subscriptions are push ones:
// a push publication other than the friends' messages.
func pushable(meta sdk.Meta) bool {
	return meta.Kind == sdk.Push && meta.Name != FriendsPublication
}
