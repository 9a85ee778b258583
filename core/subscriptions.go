package core

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

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

// subscribe checks a new subscription and makes it: the subscribing of the
// API and of the web app. A config the publication refuses is returned as
// its errors per field.
func (s *Server) subscribe(ctx context.Context, p store.Printer, req subscriptionReq) (store.Subscription, sdk.FieldErrors, error) {
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
	if fe, err := s.checkConfig(ctx, req.Publication, req.Config); fe != nil || err != nil {
		return store.Subscription{}, fe, err
	}
	sub, err := s.store.CreateSubscription(ctx, store.NewSubscription{
		PrinterID: p.ID, Publication: req.Publication, Config: req.Config, Hour: hour, Minute: minute, Days: days, Mode: mode,
	})
	if err != nil {
		return store.Subscription{}, nil, err
	}
	s.log.Info("subscribed", "printer", p.ID, "subscription_id", sub.ID, "publication", sub.Publication)
	return sub, nil, nil
}

// ownSubscription is the subscription named in the path, if it is on one of
// the user's printers; any other is not found.
func (s *Server) ownSubscription(ctx context.Context, u store.User, v string) (store.Subscription, store.Printer, error) {
	notFound := errNotFound("no such subscription: " + v)
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return store.Subscription{}, store.Printer{}, notFound
	}
	sub, err := s.store.SubscriptionByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return sub, store.Printer{}, notFound
	}
	if err != nil {
		return sub, store.Printer{}, err
	}
	p, err := s.store.PrinterByID(ctx, sub.PrinterID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && p.OwnerID != u.ID) {
		return sub, p, notFound
	}
	return sub, p, err
}

// changeSubscription checks a change of a subscription and makes it: the
// change of the API and of the web app. Nil fields of req are left as they
// are; a config the publication refuses is returned as its errors per
// field, and nothing is changed.
func (s *Server) changeSubscription(ctx context.Context, sub store.Subscription, req subscriptionReq) (store.Subscription, sdk.FieldErrors, error) {
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
		if fe, err := s.checkConfig(ctx, sub.Publication, req.Config); fe != nil || err != nil {
			return sub, fe, err
		}
		upd.Config = req.Config
	}
	sub, err := s.store.UpdateSubscription(ctx, sub.ID, upd)
	if err != nil {
		return sub, nil, err
	}
	if req.Paused != nil {
		if err := s.store.PauseSubscription(ctx, sub.ID, *req.Paused); err != nil {
			return sub, nil, err
		}
		sub.Paused = *req.Paused
	}
	return sub, nil, nil
}
