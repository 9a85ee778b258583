package core

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"paperboy/internal/webpush"
	"paperboy/sdk"
	"paperboy/store"
)

// The notices of the API: the list, the channels chosen for each kind,
// the webhook (its address, a test, its delivery log) and the browsers
// that take Web Push. The web app's pages (web_notices.go) do the same
// through the same functions.

// noticeLen is how many notices a list shows at a time.
const noticeLen = 50

// channel is a way a notice reaches its owner, by its name in the API and
// the settings form.
type channel struct {
	name string
	bit  store.Channels
}

var channels = []channel{{"list", store.ChannelList}, {"push", store.ChannelPush}, {"webhook", store.ChannelWebhook}}

// noticeJSON is a notice as the API and webhooks show it: in words, with
// its page (a path, or an address with --public-url).
type noticeJSON struct {
	ID        int64          `json:"id"`
	Kind      string         `json:"kind"`
	Title     string         `json:"title"`
	Body      string         `json:"body"`
	URL       string         `json:"url"`
	Printer   *noticePrinter `json:"printer,omitempty"`
	CreatedAt time.Time      `json:"created_at"`
}

type noticePrinter struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

func toNoticeJSON(n store.Notice, link func(string) string) noticeJSON {
	w := noticeWords(n)
	out := noticeJSON{ID: n.ID, Kind: n.Kind, Title: w.Title, Body: w.Body, URL: link(w.Link), CreatedAt: n.CreatedAt}
	if n.PrinterID != 0 {
		out.Printer = &noticePrinter{ID: n.PrinterID, Name: n.PrinterName}
	}
	return out
}

// listedNotice is a notice of the API's list.
type listedNotice struct {
	noticeJSON
	Read bool `json:"read"`
}

// handleNoticeList: GET /api/v1/notices, the user's notices in the list,
// newest first, a page at a time as every list (README, "Lists"), and how
// many are unread.
func (s *Server) handleNoticeList(w http.ResponseWriter, r *http.Request) error {
	pg, err := readPage(r)
	if err != nil {
		return err
	}
	before, err := beforeID(pg)
	if err != nil {
		return err
	}
	u := user(r)
	ns, err := s.store.Notices(r.Context(), u.ID, before, pg.limit+1)
	if err != nil {
		return err
	}
	next := ""
	if len(ns) > pg.limit {
		ns = ns[:pg.limit]
		next = idKey(ns[len(ns)-1].ID)
	}
	unread, err := s.store.UnreadNotices(r.Context(), u.ID)
	if err != nil {
		return err
	}
	out := make([]listedNotice, len(ns))
	for i, n := range ns {
		out[i] = listedNotice{toNoticeJSON(n, func(path string) string { return path }), !n.ReadAt.IsZero()}
	}
	list := listJSON("notices", out, next)
	list["unread"] = unread
	writeJSON(w, http.StatusOK, list)
	return nil
}

// optionalID reads an id parameter that may be absent (0).
func optionalID(v, field string) (int64, error) {
	if v == "" {
		return 0, nil
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id <= 0 {
		return 0, errField(field, field+" must be a notice's id")
	}
	return id, nil
}

// handleNoticesRead: POST /api/v1/notices/read {"up_to": ID} marks the
// user's notices up to that one read (all without it).
func (s *Server) handleNoticesRead(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		UpTo int64 `json:"up_to"`
	}
	if r.ContentLength != 0 {
		if err := decodeJSON(w, r, &req); err != nil {
			return err
		}
	}
	if err := s.store.MarkNoticesRead(r.Context(), user(r).ID, req.UpTo); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// noticeSettingsJSON is what a user chose for their notices.
type noticeSettingsJSON struct {
	Channels       map[string][]string `json:"channels"`
	Webhook        *webhookJSON        `json:"webhook"`
	PushEndpoints  []pushEndpointJSON  `json:"push_endpoints"`
	VAPIDPublicKey string              `json:"vapid_public_key"`
}

type webhookJSON struct {
	URL       string    `json:"url"`
	Secret    string    `json:"secret"`
	CreatedAt time.Time `json:"created_at"`
}

type pushEndpointJSON struct {
	ID        int64     `json:"id"`
	Agent     string    `json:"agent"`
	CreatedAt time.Time `json:"created_at"`
}

// noticeSettings reads a user's settings.
func (s *Server) noticeSettings(ctx context.Context, userID int64) (noticeSettingsJSON, error) {
	out := noticeSettingsJSON{Channels: map[string][]string{}, PushEndpoints: []pushEndpointJSON{}, VAPIDPublicKey: s.notify.pushKey}
	prefs, err := s.store.NoticePrefs(ctx, userID)
	if err != nil {
		return out, err
	}
	for _, k := range store.NoticeKinds {
		names := []string{}
		for _, c := range channels {
			if prefs[k]&c.bit != 0 {
				names = append(names, c.name)
			}
		}
		out.Channels[k] = names
	}
	if wh, err := s.store.WebhookOf(ctx, userID); err == nil {
		out.Webhook = &webhookJSON{URL: wh.URL, Secret: wh.Secret, CreatedAt: wh.CreatedAt}
	} else if !errors.Is(err, store.ErrNotFound) {
		return out, err
	}
	es, err := s.store.PushEndpoints(ctx, userID)
	if err != nil {
		return out, err
	}
	for _, e := range es {
		out.PushEndpoints = append(out.PushEndpoints, pushEndpointJSON{ID: e.ID, Agent: e.Agent, CreatedAt: e.CreatedAt})
	}
	return out, nil
}

// handleNoticeSettings: GET /api/v1/notices/settings.
func (s *Server) handleNoticeSettings(w http.ResponseWriter, r *http.Request) error {
	out, err := s.noticeSettings(r.Context(), user(r).ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// handleNoticeSettingsChange: PUT /api/v1/notices/settings {"channels":
// {"print_failed": ["list", "webhook"], …}} sets the channels of the kinds
// given; the others keep theirs.
func (s *Server) handleNoticeSettingsChange(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Channels map[string][]string `json:"channels"`
	}
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	prefs, err := parseChannels(req.Channels)
	if err != nil {
		return err
	}
	if err := s.store.SetNoticePrefs(r.Context(), user(r).ID, prefs); err != nil {
		return err
	}
	return s.handleNoticeSettings(w, r)
}

// parseChannels reads channels by kind, by their names.
func parseChannels(in map[string][]string) (map[string]store.Channels, error) {
	out := map[string]store.Channels{}
	for kind, names := range in {
		if !slices.Contains(store.NoticeKinds, kind) {
			return nil, errField("channels", fmt.Sprintf("%q is not a kind of notice: the kinds are %s", kind, strings.Join(store.NoticeKinds, ", ")))
		}
		var c store.Channels
		for _, name := range names {
			i := slices.IndexFunc(channels, func(ch channel) bool { return ch.name == name })
			if i < 0 {
				return nil, errField("channels", fmt.Sprintf("%q is not a channel: they are list, push and webhook", name))
			}
			c |= channels[i].bit
		}
		out[kind] = c
	}
	return out, nil
}

// checkWebhookURL says what is wrong with a webhook's address, if
// anything, and returns it trimmed.
func checkWebhookURL(v string, allowPrivate bool) (string, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return "", errField("url", "Enter the address notices are to be POSTed to, such as https://ntfy.sh/your-topic.")
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || len(v) > maxWebhookURL {
		return "", errField("url", fmt.Sprintf("That is not a web address: it starts with https:// and is at most %d characters.", maxWebhookURL))
	}
	if !allowPrivate && privateHost(u.Hostname()) {
		return "", errField("url", "That address is on a private network, which this server does not post to. "+
			"Its operator can allow it with --notices-allow-private.")
	}
	return v, nil
}

// privateHost says whether a host is named as an address the HTTP
// policy refuses (sdk.PrivateIP), or localhost. A name that resolves to
// one is refused when the webhook is called.
func privateHost(h string) bool {
	if h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && sdk.PrivateIP(ip)
}

// setWebhook sets a user's webhook address; its secret is kept if it had
// one, made if not.
func (s *Server) setWebhook(ctx context.Context, userID int64, rawURL string) (store.Webhook, error) {
	v, err := checkWebhookURL(rawURL, s.cfg.NoticesAllowPrivate)
	if err != nil {
		return store.Webhook{}, err
	}
	// The secret is made here for a first webhook; the store keeps the one
	// there is.
	if err := s.store.SetWebhook(ctx, store.Webhook{UserID: userID, URL: v, Secret: NewWebhookSecret()}); err != nil {
		return store.Webhook{}, err
	}
	return s.store.WebhookOf(ctx, userID)
}

// handleWebhookSet: PUT /api/v1/notices/webhook {"url": …}.
func (s *Server) handleWebhookSet(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		URL string `json:"url"`
	}
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	wh, err := s.setWebhook(r.Context(), user(r).ID, req.URL)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, webhookJSON{URL: wh.URL, Secret: wh.Secret, CreatedAt: wh.CreatedAt})
	return nil
}

// handleWebhookDelete: DELETE /api/v1/notices/webhook.
func (s *Server) handleWebhookDelete(w http.ResponseWriter, r *http.Request) error {
	if err := s.store.DeleteWebhook(r.Context(), user(r).ID); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// testWebhook sends a test notice to a user's webhook.
func (s *Server) testWebhook(ctx context.Context, userID int64) error {
	if _, err := s.store.WebhookOf(ctx, userID); errors.Is(err, store.ErrNotFound) {
		return errConflict("There is no webhook to test: set its address first.")
	} else if err != nil {
		return err
	}
	if err := s.store.RaiseTestNotice(ctx, userID); err != nil {
		return err
	}
	s.notified()
	return nil
}

// handleWebhookTest: POST /api/v1/notices/webhook/test sends a test
// notice; its delivery shows in the log.
func (s *Server) handleWebhookTest(w http.ResponseWriter, r *http.Request) error {
	if err := s.testWebhook(r.Context(), user(r).ID); err != nil {
		return err
	}
	w.WriteHeader(http.StatusAccepted)
	return nil
}

// webhookSendJSON is one delivery of the log.
type webhookSendJSON struct {
	ID         int64      `json:"id"`
	Kind       string     `json:"kind"`
	State      string     `json:"state"`
	Attempts   int        `json:"attempts"`
	LastStatus int        `json:"last_status,omitempty"`
	LastError  string     `json:"last_error,omitempty"`
	URL        string     `json:"url,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
	NextAt     *time.Time `json:"next_at,omitempty"`
	DoneAt     *time.Time `json:"done_at,omitempty"`
}

// handleWebhookLog: GET /api/v1/notices/webhook/deliveries, the last 50.
func (s *Server) handleWebhookLog(w http.ResponseWriter, r *http.Request) error {
	log, err := s.store.WebhookLog(r.Context(), user(r).ID, noticeLen)
	if err != nil {
		return err
	}
	out := make([]webhookSendJSON, len(log))
	for i, ns := range log {
		out[i] = webhookSendJSON{ID: ns.ID, Kind: ns.Notice.Kind, State: ns.State, Attempts: ns.Attempts, LastStatus: ns.LastStatus,
			LastError: ns.LastError, URL: ns.Target, CreatedAt: ns.CreatedAt, DoneAt: timePtr(ns.DoneAt)}
		if ns.State == store.SendPending {
			out[i].NextAt = timePtr(ns.NextAt)
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"deliveries": out})
	return nil
}

// maxPushEndpoints bounds a user's browsers.
const maxPushEndpoints = 20

// addPushEndpoint keeps a browser's push subscription (its toJSON()) for
// a user.
func (s *Server) addPushEndpoint(ctx context.Context, userID int64, data []byte, agent string) (store.PushEndpoint, error) {
	var opts []webpush.ParseOption
	if s.cfg.NoticesAllowPrivate {
		opts = append(opts, webpush.AllowHTTP)
	}
	sub, err := webpush.ParseSubscription(data, opts...)
	if err != nil {
		return store.PushEndpoint{}, errField("subscription", "That is not a browser's push subscription: "+err.Error())
	}
	if u, _ := url.Parse(sub.Endpoint); !s.cfg.NoticesAllowPrivate && privateHost(u.Hostname()) {
		return store.PushEndpoint{}, errField("subscription", "That push service is on a private network, which this server does not post to.")
	}
	es, err := s.store.PushEndpoints(ctx, userID)
	if err != nil {
		return store.PushEndpoint{}, err
	}
	if len(es) >= maxPushEndpoints && !slices.ContainsFunc(es, func(e store.PushEndpoint) bool { return e.Endpoint == sub.Endpoint }) {
		return store.PushEndpoint{}, errConflict(fmt.Sprintf("You have %d browsers taking notices, the most there may be: remove one first.", len(es)))
	}
	return s.store.AddPushEndpoint(ctx, store.PushEndpoint{UserID: userID, Endpoint: sub.Endpoint, P256dh: sub.P256dh, Auth: sub.Auth, Agent: agentName(agent)})
}

// agentName is a browser as the settings list it: its product, from its
// User-Agent, or "A browser".
func agentName(ua string) string {
	for _, b := range []string{"Edg", "OPR", "Firefox", "Chrome", "Safari"} {
		if strings.Contains(ua, b+"/") {
			name := cmp.Or(map[string]string{"Edg": "Edge", "OPR": "Opera"}[b], b)
			for _, os := range []string{"Android", "iPhone", "iPad", "Windows", "Mac OS X", "Linux"} {
				if strings.Contains(ua, os) {
					return name + " on " + strings.TrimSuffix(os, " OS X")
				}
			}
			return name
		}
	}
	return "A browser"
}

// handlePushAdd: POST /api/v1/notices/push with a browser's
// PushSubscription.toJSON().
func (s *Server) handlePushAdd(w http.ResponseWriter, r *http.Request) error {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxJSONBytes))
	if err != nil {
		return err
	}
	e, err := s.addPushEndpoint(r.Context(), user(r).ID, body, r.UserAgent())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, pushEndpointJSON{ID: e.ID, Agent: e.Agent, CreatedAt: e.CreatedAt})
	return nil
}

// handlePushDelete: DELETE /api/v1/notices/push/{id}.
func (s *Server) handlePushDelete(w http.ResponseWriter, r *http.Request) error {
	if err := s.removePushEndpoint(r.Context(), user(r).ID, r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// removePushEndpoint forgets one of a user's browsers, by its id as the
// path gives it.
func (s *Server) removePushEndpoint(ctx context.Context, userID int64, v string) error {
	notFound := errNotFound("no such browser: " + v)
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return notFound
	}
	err = s.store.DeletePushEndpoint(ctx, userID, id)
	if errors.Is(err, store.ErrNotFound) {
		return notFound
	}
	return err
}
