package core

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image/png"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"paperboy/codec"
	"paperboy/plugins"
	"paperboy/scheduler"
	"paperboy/sdk"
	"paperboy/store"
)

// subscriptionJSON is a subscription as the API shows it.
type subscriptionJSON struct {
	ID            int64             `json:"id"`
	PrinterID     int64             `json:"printer_id"`
	Publication   string            `json:"publication"`
	Config        map[string]string `json:"config"`
	Time          string            `json:"time"` // "08:00", in the printer's time zone
	TimeZone      string            `json:"time_zone"`
	Days          []string          `json:"days"` // empty: every day the publication publishes
	Mode          store.Mode        `json:"mode"`
	Paused        bool              `json:"paused"`
	DeliveryCount int               `json:"delivery_count"`
	CreatedAt     time.Time         `json:"created_at"`
	EndedAt       *time.Time        `json:"ended_at,omitempty"`
	EndReason     string            `json:"end_reason,omitempty"`
	// NextAt is when the next edition is due, in the printer's zone; absent
	// for a paused or ended subscription, or a publication not installed.
	NextAt *time.Time `json:"next_at,omitempty"`
}

var dayNames = [7]string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

func (s *Server) subscriptionJSON(sub store.Subscription, p store.Printer) subscriptionJSON {
	out := subscriptionJSON{
		ID: sub.ID, PrinterID: sub.PrinterID, Publication: sub.Publication, Config: sub.Config,
		Time: fmt.Sprintf("%02d:%02d", sub.Hour, sub.Minute), TimeZone: p.TimeZone, Days: []string{},
		Mode: sub.Mode, Paused: sub.Paused, DeliveryCount: sub.DeliveryCount, CreatedAt: sub.CreatedAt,
		EndReason: sub.EndReason,
	}
	if out.Config == nil {
		out.Config = map[string]string{}
	}
	for d, name := range dayNames {
		if sub.Days&(1<<d) != 0 {
			out.Days = append(out.Days, name)
		}
	}
	if !sub.EndedAt.IsZero() {
		out.EndedAt = &sub.EndedAt
	}
	if next, ok := s.nextEdition(sub, p); ok {
		out.NextAt = &next
	}
	return out
}

// nextEdition is when a subscription's next edition is due, if it has one.
func (s *Server) nextEdition(sub store.Subscription, p store.Printer) (time.Time, bool) {
	if sub.Paused || !sub.EndedAt.IsZero() || s.plugins == nil {
		return time.Time{}, false
	}
	meta, err := s.plugins.Meta(sub.Publication)
	if err != nil {
		return time.Time{}, false
	}
	next := scheduler.Next(scheduler.ScheduleOf(sub, meta), p.Location(), s.now())
	return next, !next.IsZero()
}

// subscriptionReq is what a subscriber sets; nil fields are left as they
// are when changing one.
type subscriptionReq struct {
	Publication string            `json:"publication"`
	Config      map[string]string `json:"config"`
	Time        *string           `json:"time"`
	Days        []string          `json:"days"`
	Mode        *string           `json:"mode"`
	Paused      *bool             `json:"paused"`
}

// parseTime reads "08:00".
func parseTime(v string) (hour, minute int, err error) {
	t, perr := time.Parse("15:04", strings.TrimSpace(v))
	if perr != nil {
		return 0, 0, errField("time", fmt.Sprintf("time %q: want hours and minutes, such as 08:00", v))
	}
	return t.Hour(), t.Minute(), nil
}

// parseDays reads weekday names ("mon", "Monday") into a mask, each one a
// day the publication publishes on.
func parseDays(names []string, meta sdk.Meta) (uint8, error) {
	var mask uint8
	for _, n := range names {
		d := -1
		for i, name := range dayNames {
			if l := strings.ToLower(strings.TrimSpace(n)); l == name || l == strings.ToLower(time.Weekday(i).String()) {
				d = i
			}
		}
		if d < 0 {
			return 0, errField("days", fmt.Sprintf("day %q: want mon, tue, wed, thu, fri, sat or sun", n))
		}
		if !meta.PublishesOn(time.Weekday(d)) {
			return 0, errField("days", fmt.Sprintf("%s does not publish on %s", meta.Name, time.Weekday(d)))
		}
		mask |= 1 << d
	}
	return mask, nil
}

// publicationFor is a scheduled publication's Meta, or the error to answer.
func (s *Server) publicationFor(name string) (sdk.Meta, error) {
	if s.plugins == nil {
		return sdk.Meta{}, &httpError{http.StatusServiceUnavailable, ErrNoPublications.Error()}
	}
	meta, err := s.plugins.Meta(name)
	if errors.Is(err, plugins.ErrUnknown) {
		return sdk.Meta{}, errBadRequest(fmt.Sprintf("no publication %q", name))
	}
	if err != nil {
		return sdk.Meta{}, err
	}
	if meta.Kind != sdk.Scheduled {
		return sdk.Meta{}, errBadRequest(fmt.Sprintf("%s is a push publication: it prints what is sent to it, not on a schedule", name))
	}
	return meta, nil
}

// validateConfig asks the publication about a config; FieldErrors are
// answered with an error per field.
func (s *Server) validateConfig(w http.ResponseWriter, r *http.Request, name string, cfg map[string]string) (bool, error) {
	fe, err := s.checkConfig(r, name, cfg)
	if fe != nil {
		writeConfigErrors(w, fe)
		return false, nil
	}
	return err == nil, err
}

func writeConfigErrors(w http.ResponseWriter, fe sdk.FieldErrors) {
	writeJSON(w, http.StatusBadRequest, map[string]any{"error": "the config is not right", "fields": fe})
}

// checkConfig asks the publication about a config: its errors per field,
// or the error of asking.
func (s *Server) checkConfig(r *http.Request, name string, cfg map[string]string) (sdk.FieldErrors, error) {
	// A form may carry bytes that are not text; the plugin protocol (and the
	// publication) takes only text, so they are the sender's error here.
	for k, v := range cfg {
		if !utf8.ValidString(k) {
			return nil, errBadRequest("a config field's name is not valid text (UTF-8)")
		}
		if !utf8.ValidString(v) {
			return sdk.FieldErrors{k: "this is not valid text (UTF-8): type it again"}, nil
		}
	}
	err := s.plugins.Validate(r.Context(), name, sdk.Config(cfg))
	var fe sdk.FieldErrors
	if errors.As(err, &fe) {
		return fe, nil
	}
	var pe *plugins.Error
	if errors.As(err, &pe) {
		return nil, &httpError{http.StatusBadGateway, pe.Error()}
	}
	return nil, err
}

func (s *Server) handleSubscriptionList(w http.ResponseWriter, r *http.Request) error {
	p, err := s.ownPrinter(r)
	if err != nil {
		return err
	}
	subs, err := s.store.SubscriptionsByPrinter(r.Context(), p.ID)
	if err != nil {
		return err
	}
	out := []subscriptionJSON{}
	for _, sub := range subs {
		out = append(out, s.subscriptionJSON(sub, p))
	}
	writeJSON(w, http.StatusOK, map[string]any{"subscriptions": out})
	return nil
}

func (s *Server) handleSubscriptionCreate(w http.ResponseWriter, r *http.Request) error {
	p, err := s.ownPrinter(r)
	if err != nil {
		return err
	}
	var req subscriptionReq
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	sub, fe, err := s.subscribe(r, p, req)
	if fe != nil {
		writeConfigErrors(w, fe)
		return nil
	}
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, s.subscriptionJSON(sub, p))
	return nil
}

// subscribe checks a new subscription and makes it: the subscribing of the
// API and of the web app. A config the publication refuses is returned as
// its errors per field.
func (s *Server) subscribe(r *http.Request, p store.Printer, req subscriptionReq) (store.Subscription, sdk.FieldErrors, error) {
	meta, err := s.publicationFor(req.Publication)
	if err != nil {
		return store.Subscription{}, nil, err
	}
	if req.Time == nil {
		return store.Subscription{}, nil, errField("time", `time is required: when to print, such as "08:00"`)
	}
	hour, minute, err := parseTime(*req.Time)
	if err != nil {
		return store.Subscription{}, nil, err
	}
	days, err := parseDays(req.Days, meta)
	if err != nil {
		return store.Subscription{}, nil, err
	}
	var v string
	if req.Mode != nil {
		v = *req.Mode
	}
	mode, err := parseMode(v, store.ModeButton)
	if err != nil {
		return store.Subscription{}, nil, err
	}
	if req.Paused != nil {
		return store.Subscription{}, nil, errBadRequest("a new subscription runs; pause it afterwards")
	}
	if fe, err := s.checkConfig(r, req.Publication, req.Config); fe != nil || err != nil {
		return store.Subscription{}, fe, err
	}
	sub, err := s.store.CreateSubscription(r.Context(), store.NewSubscription{
		PrinterID: p.ID, Publication: req.Publication, Config: req.Config, Hour: hour, Minute: minute, Days: days, Mode: mode,
	})
	if err != nil {
		return store.Subscription{}, nil, err
	}
	s.log.Info("subscribed", "printer", p.ID, "subscription", sub.ID, "publication", sub.Publication)
	return sub, nil, nil
}

// ownSubscription is the subscription named in the path, if it is on one of
// the user's printers; any other is not found.
func (s *Server) ownSubscription(r *http.Request) (store.Subscription, store.Printer, error) {
	id, err := strconv.ParseInt(r.PathValue("sub"), 10, 64)
	if err != nil {
		return store.Subscription{}, store.Printer{}, errNotFound("no such subscription: " + r.PathValue("sub"))
	}
	sub, err := s.store.SubscriptionByID(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		return sub, store.Printer{}, errNotFound("no such subscription: " + r.PathValue("sub"))
	}
	if err != nil {
		return sub, store.Printer{}, err
	}
	p, err := s.store.PrinterByID(r.Context(), sub.PrinterID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && p.OwnerID != user(r).ID) {
		return sub, p, errNotFound("no such subscription: " + r.PathValue("sub"))
	}
	return sub, p, err
}

func (s *Server) handleSubscriptionGet(w http.ResponseWriter, r *http.Request) error {
	sub, p, err := s.ownSubscription(r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.subscriptionJSON(sub, p))
	return nil
}

func (s *Server) handleSubscriptionChange(w http.ResponseWriter, r *http.Request) error {
	sub, p, err := s.ownSubscription(r)
	if err != nil {
		return err
	}
	var req subscriptionReq
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	sub, fe, err := s.changeSubscription(r, sub, req)
	if fe != nil {
		writeConfigErrors(w, fe)
		return nil
	}
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.subscriptionJSON(sub, p))
	return nil
}

// changeSubscription checks a change of a subscription and makes it: the
// change of the API and of the web app. Nil fields of req are left as they
// are; a config the publication refuses is returned as its errors per
// field, and nothing is changed.
func (s *Server) changeSubscription(r *http.Request, sub store.Subscription, req subscriptionReq) (store.Subscription, sdk.FieldErrors, error) {
	if req.Publication != "" && req.Publication != sub.Publication {
		return sub, nil, errBadRequest("a subscription's publication cannot change: subscribe to the other one")
	}
	var upd store.SubscriptionUpdate
	meta, metaErr := s.publicationFor(sub.Publication)
	if req.Time != nil {
		hour, minute, err := parseTime(*req.Time)
		if err != nil {
			return sub, nil, err
		}
		upd.Hour, upd.Minute = &hour, &minute
	}
	if req.Days != nil {
		if metaErr != nil {
			return sub, nil, metaErr
		}
		days, err := parseDays(req.Days, meta)
		if err != nil {
			return sub, nil, err
		}
		upd.Days = &days
	}
	if req.Mode != nil {
		mode, err := parseMode(*req.Mode, store.ModeButton)
		if err != nil {
			return sub, nil, err
		}
		upd.Mode = &mode
	}
	if req.Config != nil {
		if metaErr != nil {
			return sub, nil, metaErr
		}
		if fe, err := s.checkConfig(r, sub.Publication, req.Config); fe != nil || err != nil {
			return sub, fe, err
		}
		upd.Config = req.Config
	}
	sub, err := s.store.UpdateSubscription(r.Context(), sub.ID, upd)
	if err != nil {
		return sub, nil, err
	}
	if req.Paused != nil {
		if err := s.store.PauseSubscription(r.Context(), sub.ID, *req.Paused); err != nil {
			return sub, nil, err
		}
		sub.Paused = *req.Paused
	}
	return sub, nil, nil
}

func (s *Server) handleSubscriptionDelete(w http.ResponseWriter, r *http.Request) error {
	sub, _, err := s.ownSubscription(r)
	if err != nil {
		return err
	}
	if err := s.store.DeleteSubscription(r.Context(), sub.ID); err != nil {
		return err
	}
	s.log.Info("unsubscribed", "printer", sub.PrinterID, "subscription", sub.ID, "publication", sub.Publication)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// handleSubscriptionPreview renders the next edition now, as the printer
// will print it: a PNG, or 204 when there is nothing to print that day.
func (s *Server) handleSubscriptionPreview(w http.ResponseWriter, r *http.Request) error {
	sub, p, err := s.ownSubscription(r)
	if err != nil {
		return err
	}
	if _, err := s.publicationFor(sub.Publication); err != nil {
		return err
	}
	if ok, wait := s.subPreviews.take(user(r).ID, s.now()); !ok {
		return errTooMany(fmt.Sprintf("Too many previews: at most %d a minute. Try again in %s.", s.cfg.SubscriptionPreviewsPerMinute, wait), wait)
	}
	at, ok := s.nextEdition(sub, p)
	if !ok {
		at = s.now().In(p.Location())
	}
	data, err := s.editionPNG(r.Context(), sub.Publication, sdk.RenderArgs{Config: sdk.Config(sub.Config), Time: at, Count: sub.DeliveryCount})
	if err != nil {
		return err
	}
	// Not kept by the browser: the page shows it again after a change.
	w.Header().Set("Cache-Control", "private, no-cache")
	if data == nil {
		w.Header().Set("X-Paperboy-Edition", "nothing today")
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("X-Paperboy-Edition-At", at.Format(time.RFC3339))
	_, err = w.Write(data)
	return err
}

// editionPNG renders an edition of a publication and returns it as the
// printer prints it, a 1-bit PNG; nil, and no error, when the publication
// has nothing that day. The plugin's failures are 502s; a publication that
// says the subscription is finished, 409.
func (s *Server) editionPNG(ctx context.Context, name string, a sdk.RenderArgs) ([]byte, error) {
	out, err := s.plugins.Render(ctx, name, a)
	var pe *plugins.Error
	if errors.As(err, &pe) {
		return nil, &httpError{http.StatusBadGateway, pe.Error()}
	}
	if err != nil {
		return nil, err
	}
	switch {
	case out.NothingToday:
		return nil, nil
	case out.Finished != "":
		return nil, &httpError{http.StatusConflict, fmt.Sprintf("%s says the subscription is finished: %s", name, out.Finished)}
	}
	bm, err := codec.DecodeEdition(out.PNG)
	if err != nil {
		return nil, &httpError{http.StatusBadGateway, name + ": " + err.Error()}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, bm); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// handlePrinterChange sets what an owner may change of a printer: its name
// and its time zone, {"name": "Kitchen", "time_zone": "Europe/London"}
// (either or both).
func (s *Server) handlePrinterChange(w http.ResponseWriter, r *http.Request) error {
	p, err := s.ownPrinter(r)
	if err != nil {
		return err
	}
	var req struct {
		Name     *string `json:"name"`
		TimeZone *string `json:"time_zone"`
	}
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	if req.Name == nil && req.TimeZone == nil {
		return errBadRequest(`nothing to change: send {"name": "Kitchen"} or {"time_zone": "Europe/London"}`)
	}
	if err := s.changePrinter(r.Context(), &p, req.Name, req.TimeZone); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.printerJSON(p))
	return nil
}

// changePrinter renames a printer or sets its time zone, or both (nil:
// left as it is), each checked before either is changed: the change of the
// API and of the web app.
func (s *Server) changePrinter(ctx context.Context, p *store.Printer, name, zone *string) error {
	var newName string
	if name != nil {
		var err error
		if newName, err = checkPrinterName(*name); err != nil {
			return err
		}
	}
	if zone != nil {
		if err := store.CheckTimeZone(*zone); err != nil {
			return zoneError(*zone, err)
		}
	}
	if name != nil {
		if err := s.store.SetPrinterName(ctx, p.ID, newName); err != nil {
			return err
		}
		p.Name = newName
	}
	if zone != nil {
		if err := s.store.SetPrinterTimeZone(ctx, p.ID, *zone); err != nil {
			return err
		}
		p.TimeZone = *zone
	}
	return nil
}

// zoneError says why a time zone is refused, and which to use instead
// when the store knows: US/Pacific is America/Los_Angeles now.
func zoneError(zone string, err error) error {
	var ze *store.ZoneError
	if errors.As(err, &ze) && ze.Use != "" {
		return errField("time_zone", fmt.Sprintf("time_zone %q is not a canonical IANA name: use %s", zone, ze.Use))
	}
	return errField("time_zone", fmt.Sprintf("time_zone %q is not an IANA time zone of a place, such as Europe/London", zone))
}

// checkPrinterName is a printer's name trimmed, or what is wrong with it.
func checkPrinterName(name string) (string, error) {
	name = strings.TrimSpace(name)
	switch {
	case name == "":
		return "", errField("name", "name is empty: give the printer a name, such as Kitchen")
	case utf8.RuneCountInString(name) > maxNameLen:
		return "", errField("name", fmt.Sprintf("name is too long: at most %d characters", maxNameLen))
	}
	if msg := nameProblem("name", name); msg != "" {
		return "", errField("name", msg)
	}
	return name, nil
}
