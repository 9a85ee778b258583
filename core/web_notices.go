package core

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"paperboy/store"
)

// The web app's notices: the list (with its count in the header), and the
// settings page: channels by kind, the webhook with its test button and
// delivery log, and the browsers that take Web Push (the page's script
// subscribes this one).

// noticesPage is the notice list.
type noticesPage struct {
	Notices []webNotice
	Before  int64 // the next page's, 0 if none
}

// webNotice is a notice as the list shows it.
type webNotice struct {
	store.Notice
	Words words
}

func (s *Server) handleNoticesPage(w http.ResponseWriter, r *http.Request) error {
	before, err := optionalID(r.URL.Query().Get("before"), "before")
	if err != nil {
		return err
	}
	ns, err := s.store.Notices(r.Context(), user(r).ID, before, noticeLen+1)
	if err != nil {
		return err
	}
	page := noticesPage{}
	if len(ns) > noticeLen {
		ns = ns[:noticeLen]
		page.Before = ns[len(ns)-1].ID
	}
	for _, n := range ns {
		page.Notices = append(page.Notices, webNotice{n, noticeWords(n)})
	}
	return s.render(w, r, http.StatusOK, "notices", "Notices", page)
}

// handleWebNoticesRead marks the notices up to the newest shown read.
func (s *Server) handleWebNoticesRead(w http.ResponseWriter, r *http.Request) error {
	upTo, err := optionalID(r.PostFormValue("up_to"), "up_to")
	if err != nil {
		return err
	}
	if err := s.store.MarkNoticesRead(r.Context(), user(r).ID, upTo); err != nil {
		return err
	}
	return redirect(w, r, "/notices", "")
}

// noticeSettingsPage is the settings page.
type noticeSettingsPage struct {
	Kinds    []kindRow
	Webhook  *store.Webhook
	URL      string // the address given, kept when it was refused
	Log      []store.NoticeSend
	Browsers []store.PushEndpoint
	PushKey  string
	Errors   map[string]string // by field: url, subscription
}

// kindRow is one kind of notice and its channels.
type kindRow struct {
	Kind, Label                 string
	List, Push, Webhook, Locked bool
}

// kindLabels name the kinds in the settings.
var kindLabels = map[string]string{
	store.NoticePrintFailed:        "A print failed",
	store.NoticePrintExpired:       "A print expired before the printer was back",
	store.NoticePrinterOffline:     "A printer is offline for longer than its page says",
	store.NoticeSubscriptionEnded:  "A subscription ended",
	store.NoticePublicationFailing: "A publication keeps failing, days running",
	store.NoticeFriendAdded:        "Someone added you as a friend",
	store.NoticeKeyFirstUse:        "A print key printed for the first time",
}

func (s *Server) renderNoticeSettings(w http.ResponseWriter, r *http.Request, status int, page noticeSettingsPage) error {
	ctx, u := r.Context(), user(r)
	prefs, err := s.store.NoticePrefs(ctx, u.ID)
	if err != nil {
		return err
	}
	for _, k := range store.NoticeKinds {
		c := prefs[k]
		page.Kinds = append(page.Kinds, kindRow{Kind: k, Label: kindLabels[k],
			List: c&store.ChannelList != 0, Push: c&store.ChannelPush != 0, Webhook: c&store.ChannelWebhook != 0})
	}
	if wh, err := s.store.WebhookOf(ctx, u.ID); err == nil {
		page.Webhook = &wh
		if page.URL == "" {
			page.URL = wh.URL
		}
	} else if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	if page.Log, err = s.store.WebhookLog(ctx, u.ID, 20); err != nil {
		return err
	}
	if page.Browsers, err = s.store.PushEndpoints(ctx, u.ID); err != nil {
		return err
	}
	page.PushKey = s.notify.pushKey
	if page.Errors == nil {
		page.Errors = map[string]string{}
	}
	return s.render(w, r, status, "notice-settings", "Notice settings", page)
}

func (s *Server) handleNoticeSettingsPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderNoticeSettings(w, r, http.StatusOK, noticeSettingsPage{})
}

// handleWebNoticeChannels saves the channels form: a box per kind and
// channel, named KIND.CHANNEL; one not ticked is off.
func (s *Server) handleWebNoticeChannels(w http.ResponseWriter, r *http.Request) error {
	prefs := map[string]store.Channels{}
	for _, k := range store.NoticeKinds {
		var c store.Channels
		for _, ch := range channels {
			if r.PostFormValue(k+"."+ch.name) != "" {
				c |= ch.bit
			}
		}
		prefs[k] = c
	}
	if err := s.store.SetNoticePrefs(r.Context(), user(r).ID, prefs); err != nil {
		return err
	}
	return redirect(w, r, "/notices/settings", "changed")
}

// handleWebWebhook sets the webhook's address, or removes it, or tests
// it, by the button pressed.
func (s *Server) handleWebWebhook(w http.ResponseWriter, r *http.Request) error {
	u := user(r)
	switch r.PostFormValue("action") {
	case "remove":
		if err := s.store.DeleteWebhook(r.Context(), u.ID); err != nil {
			return err
		}
		return redirect(w, r, "/notices/settings", "webhookremoved")
	case "test":
		err := s.testWebhook(r.Context(), u.ID)
		if err != nil {
			return s.formError(w, r, err, func(status int, _, msg string) error {
				return s.renderNoticeSettings(w, r, status, noticeSettingsPage{Errors: map[string]string{"url": msg}})
			})
		}
		return redirect(w, r, "/notices/settings", "webhooktest")
	}
	given := r.PostFormValue("url")
	if _, err := s.setWebhook(r.Context(), u.ID, given); err != nil {
		return s.formError(w, r, err, func(status int, _, msg string) error {
			return s.renderNoticeSettings(w, r, status, noticeSettingsPage{URL: given, Errors: map[string]string{"url": msg}})
		})
	}
	return redirect(w, r, "/notices/settings", "webhookset")
}

// handleWebPushAdd keeps this browser's push subscription, sent by the
// settings page's script as a form field (with the form's CSRF token).
// The script reads the answer's status only.
func (s *Server) handleWebPushAdd(w http.ResponseWriter, r *http.Request) error {
	_, err := s.addPushEndpoint(r.Context(), user(r).ID, []byte(r.PostFormValue("subscription")), r.UserAgent())
	if err != nil {
		return s.formError(w, r, err, func(status int, _, msg string) error {
			return s.renderNoticeSettings(w, r, status, noticeSettingsPage{Errors: map[string]string{"subscription": msg}})
		})
	}
	return redirect(w, r, "/notices/settings", "pushon")
}

// handleWebPushRemove forgets one of the user's browsers.
func (s *Server) handleWebPushRemove(w http.ResponseWriter, r *http.Request) error {
	if err := s.removePushEndpoint(r.Context(), user(r).ID, r.PathValue("id")); err != nil {
		return err
	}
	return redirect(w, r, "/notices/settings", "pushoff")
}

// handleWebOfflineNotice sets how long a printer may be offline before
// its owner is told, in hours (0: never).
func (s *Server) handleWebOfflineNotice(w http.ResponseWriter, r *http.Request) error {
	p, err := s.ownPrinter(r.Context(), user(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	hours, err := strconv.Atoi(strings.TrimSpace(r.PostFormValue("hours")))
	if err != nil {
		hours = -1 // not a number: refused as one out of range
	}
	after, err := offlineAfter(hours, "hours")
	if err != nil {
		return s.formError(w, r, err, func(status int, _, msg string) error {
			return s.renderPrinter(w, r, status, p, printerPage{Errors: map[string]string{"hours": msg}})
		})
	}
	if err := s.store.SetOfflineNotice(r.Context(), p.ID, after); err != nil {
		return err
	}
	return redirect(w, r, "/printers/"+strconv.FormatInt(p.ID, 10), "changed")
}

// maxOfflineHours is the longest a printer may be quiet before its owner
// is told: four weeks.
const maxOfflineHours = 24 * 28

// offlineAfter is how long a printer may be offline before its owner is
// told, given in whole hours from 0 (never tell) to four weeks; field
// names the hours in the error.
func offlineAfter(hours int, field string) (time.Duration, error) {
	if hours < 0 || hours > maxOfflineHours {
		return 0, errField(field, fmt.Sprintf("Give the hours as a whole number from 1 to %d (four weeks), or 0 never to be told.", maxOfflineHours))
	}
	return time.Duration(hours) * time.Hour, nil
}
