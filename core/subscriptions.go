package core

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"paperboy/scheduler"
	"paperboy/sdk"
	"paperboy/store"
)

// subscriptionJSON is a subscription as the API shows it.
type subscriptionJSON struct {
	ID          int64             `json:"id"`
	PrinterID   int64             `json:"printer_id"`
	Publication string            `json:"publication"`
	Config      map[string]string `json:"config"`
	// Schedule is when it prints: a cron spec, or several joined by "; ",
	// in the printer's time zone; ScheduleText says it in words.
	Schedule     string `json:"schedule"`
	ScheduleText string `json:"schedule_text"`
	// Time and Days are the simple form of a schedule that is one time of
	// day ("08:00") on some weekdays (none: every day the publication
	// publishes); absent for any other schedule.
	Time          string     `json:"time,omitempty"`
	Days          []string   `json:"days,omitempty"`
	TimeZone      string     `json:"time_zone"`
	Mode          store.Mode `json:"mode"`
	Paused        bool       `json:"paused"`
	DeliveryCount int        `json:"delivery_count"`
	CreatedAt     time.Time  `json:"created_at"`
	EndedAt       *time.Time `json:"ended_at,omitempty"`
	EndReason     string     `json:"end_reason,omitempty"`
	// Push: it prints what its publication pushes, when it pushes it; it
	// has no schedule.
	Push bool `json:"push,omitempty"`
	// NextAt is when the next edition is due, and Next the few after it,
	// in the printer's zone; absent for a paused or ended subscription, or
	// a publication not installed.
	NextAt *time.Time  `json:"next_at,omitempty"`
	Next   []time.Time `json:"next,omitempty"`
}

var dayNames = [7]string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

// nextMoments is how many moments a subscription shows.
const nextMoments = 5

func (s *Server) subscriptionJSON(sub store.Subscription, p store.Printer) subscriptionJSON {
	out := subscriptionJSON{
		ID: sub.ID, PrinterID: sub.PrinterID, Publication: sub.Publication, Config: sub.Config,
		Schedule: sub.Schedule, TimeZone: p.TimeZone,
		Mode: sub.Mode, Paused: sub.Paused, DeliveryCount: sub.DeliveryCount, CreatedAt: sub.CreatedAt,
		EndReason: sub.EndReason, Push: sub.PushID != "",
	}
	if out.Config == nil {
		out.Config = map[string]string{}
	}
	if out.Push {
		out.ScheduleText = "when its publication sends something"
		if !sub.EndedAt.IsZero() {
			out.EndedAt = &sub.EndedAt
		}
		return out
	}
	spec, installed, err := s.specOf(sub)
	if err == nil {
		out.ScheduleText = spec.Text()
		if times, days, ok := spec.Times(); ok && len(times) == 1 {
			out.Time, out.Days = times[0], dayNamesOf(days)
		}
		if installed && !sub.Paused && sub.EndedAt.IsZero() {
			if next := spec.Moments(p.Location(), s.now(), nextMoments); len(next) > 0 {
				out.NextAt, out.Next = &next[0], next
			}
		}
	}
	if !sub.EndedAt.IsZero() {
		out.EndedAt = &sub.EndedAt
	}
	return out
}

// dayNamesOf names the weekdays of a set, Sunday first; none for every day.
func dayNamesOf(days scheduler.Days) []string {
	out := []string{}
	for d, name := range dayNames {
		if days.Has(time.Weekday(d)) {
			out = append(out, name)
		}
	}
	return out
}

// specOf is a subscription's schedule on its publication's days, or only
// its own if the publication is not installed (installed says which).
func (s *Server) specOf(sub store.Subscription) (spec scheduler.Spec, installed bool, err error) {
	var meta sdk.Meta
	if s.plugins != nil {
		var merr error
		meta, merr = s.plugins.Meta(sub.Publication)
		installed = merr == nil
	}
	spec, err = scheduler.SpecOf(sub, meta)
	return spec, installed, err
}

// nextEdition is when a subscription's next edition is due, if it has one.
func (s *Server) nextEdition(sub store.Subscription, p store.Printer) (time.Time, bool) {
	spec, installed, err := s.specOf(sub)
	if err != nil || !installed || sub.Paused || !sub.EndedAt.IsZero() {
		return time.Time{}, false
	}
	next := spec.Next(p.Location(), s.now())
	return next, !next.IsZero()
}

// subscriptionReq is what a subscriber sets; nil fields are left as they
// are when changing one. A schedule is a cron spec (Schedule), or its
// simple form: a time of day (Time) or several (Times), on some weekdays
// (Days).
type subscriptionReq struct {
	Publication string            `json:"publication"`
	Config      map[string]string `json:"config"`
	Schedule    *string           `json:"schedule"`
	Time        *string           `json:"time"`
	Times       []string          `json:"times"`
	Days        []string          `json:"days"`
	Mode        *string           `json:"mode"`
	Paused      *bool             `json:"paused"`
}

// parseTime reads "08:00".
func parseTime(field, v string) (hour, minute int, err error) {
	t, perr := time.Parse("15:04", strings.TrimSpace(v))
	if perr != nil {
		return 0, 0, errField(field, fmt.Sprintf("time %q: want hours and minutes, such as 08:00", v))
	}
	return t.Hour(), t.Minute(), nil
}

// parseDays reads weekday names ("mon", "Monday") into a set, each one a
// day the publication publishes on; none is every day.
func parseDays(names []string, meta sdk.Meta) (scheduler.Days, error) {
	var days scheduler.Days
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
		days |= scheduler.DaysOf(time.Weekday(d))
	}
	return days, nil
}

// timesSpec is the cron spec of the simple form: times of day on some
// weekdays, one spec per minute past the hour.
func timesSpec(field string, times []string, days scheduler.Days) (string, error) {
	if len(times) == 0 {
		return "", errField(field, "at least one time of day is needed, such as 08:00")
	}
	hours := map[int][]int{} // by minute
	var minutes []int
	for _, v := range times {
		h, m, err := parseTime(field, v)
		if err != nil {
			return "", err
		}
		if _, ok := hours[m]; !ok {
			minutes = append(minutes, m)
		}
		if !slices.Contains(hours[m], h) {
			hours[m] = append(hours[m], h)
		}
	}
	if len(minutes) > scheduler.MaxSpecParts {
		return "", errField(field, fmt.Sprintf("times at %d different minutes past the hour: at most %d", len(minutes), scheduler.MaxSpecParts))
	}
	slices.Sort(minutes)
	var parts []string
	for _, m := range minutes {
		slices.Sort(hours[m])
		var hs []string
		for _, h := range hours[m] {
			hs = append(hs, strconv.Itoa(h))
		}
		simple := scheduler.SimpleSpec(0, m, days) // "m 0 * * days"
		f := strings.Fields(simple)
		f[1] = strings.Join(hs, ",")
		parts = append(parts, strings.Join(f, " "))
	}
	return strings.Join(parts, "; "), nil
}

// schedule works out the schedule a request asks for, given the current
// one ("" for a new subscription), checks it against its publication and
// the server's limit, and returns it; "" if the request leaves it as it is.
func (s *Server) schedule(req subscriptionReq, current string, meta sdk.Meta) (string, error) {
	field, spec := "schedule", ""
	switch {
	case req.Schedule != nil && (req.Time != nil || req.Times != nil || req.Days != nil):
		return "", errField("schedule", "give a schedule, or a time (or times) and days, not both")
	case req.Time != nil && req.Times != nil:
		return "", errField("times", "give a time or times, not both")
	case req.Schedule != nil:
		spec = *req.Schedule
	case req.Time != nil || req.Times != nil || req.Days != nil:
		// The simple form: what is not given is kept from the current
		// schedule, which must be simple too.
		field = "time"
		times := req.Times
		if req.Times != nil {
			field = "times"
		}
		if req.Time != nil {
			times = []string{*req.Time}
		}
		days, err := parseDays(req.Days, meta)
		if err != nil {
			return "", err
		}
		if times == nil || req.Days == nil {
			cur, err := scheduler.ParseSpec(current)
			curTimes, curDays, ok := cur.Times()
			if current == "" || err != nil || !ok {
				if times == nil {
					return "", errField("time", "a time is needed with days, such as 08:00; or write a schedule")
				}
			} else {
				if times == nil {
					times = curTimes
				}
				if req.Days == nil {
					days = curDays
				}
			}
		}
		if spec, err = timesSpec(field, times, days); err != nil {
			return "", err
		}
	case current != "":
		return "", nil
	case meta.Schedule != "":
		spec = meta.Schedule
	default:
		return "", errField("schedule", `a schedule is required: a time such as "08:00", or a cron spec such as "0 7 * * 1-5"`)
	}
	parsed, err := scheduler.ParseSpec(spec)
	if err != nil {
		return "", errField(field, field+": "+err.Error())
	}
	if parsed.On(scheduler.PublicationDays(meta)).Next(time.UTC, s.now()).IsZero() {
		return "", errField(field, fmt.Sprintf("%s: %q never prints: %s publishes %s", field, parsed, meta.Name, publishingDays(meta)))
	}
	limit := max(meta.MinInterval, s.cfg.MinScheduleInterval)
	if err := parsed.CheckInterval(limit); err != nil {
		who := "this server"
		if meta.MinInterval >= s.cfg.MinScheduleInterval {
			who = meta.Name
		}
		return "", errField(field, fmt.Sprintf("%s: %v (the limit of %s)", field, err, who))
	}
	return parsed.String(), nil
}

// subscribe checks a new subscription and makes it: the subscribing of the
// API and of the web app. A config the publication refuses is returned as
// its errors per field.
func (s *Server) subscribe(ctx context.Context, base string, p store.Printer, req subscriptionReq) (store.Subscription, sdk.FieldErrors, error) {
	meta, err := s.subscribableOf(req.Publication, p.OwnerID)
	if err != nil {
		return store.Subscription{}, nil, err
	}
	if pushable(meta) {
		return s.subscribePush(ctx, base, p, req, meta)
	}
	spec, err := s.schedule(req, "", meta)
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
		PrinterID: p.ID, Publication: req.Publication, Config: req.Config, Schedule: spec, Mode: mode,
	})
	if err != nil {
		return store.Subscription{}, nil, err
	}
	s.log.Info("subscribed", "printer", p.ID, "subscription_id", sub.ID, "publication", sub.Publication, "schedule", sub.Schedule)
	return sub, nil, nil
}

// subscribePush makes a subscription to a push publication: no schedule,
// an endpoint of its own, told to the publication as BERG told it, in
// /validate_config/.
func (s *Server) subscribePush(ctx context.Context, base string, p store.Printer, req subscriptionReq, meta sdk.Meta) (store.Subscription, sdk.FieldErrors, error) {
	if req.Schedule != nil || req.Time != nil || req.Times != nil || len(req.Days) > 0 {
		return store.Subscription{}, nil, errField("schedule", fmt.Sprintf("%s prints what it sends when it sends it: a subscription to it has no schedule", meta.Title))
	}
	if req.Paused != nil {
		return store.Subscription{}, nil, errBadRequest("a new subscription runs; pause it afterwards")
	}
	var v string
	if req.Mode != nil {
		v = *req.Mode
	}
	mode, err := parseMode(v, store.ModeNow)
	if err != nil {
		return store.Subscription{}, nil, err
	}
	pushID := newPushID()
	if fe, err := s.checkConfigWith(ctx, req.Publication, req.Config, url.Values{
		"subscription_id": {pushID}, "endpoint": {pushEndpoint(base, pushID)}}); fe != nil || err != nil {
		return store.Subscription{}, fe, err
	}
	sub, err := s.store.CreateSubscription(ctx, store.NewSubscription{
		PrinterID: p.ID, Publication: req.Publication, Config: req.Config, Mode: mode, PushID: pushID,
	})
	if err != nil {
		return store.Subscription{}, nil, err
	}
	s.log.Info("subscribed to a push publication", "printer", p.ID, "subscription_id", sub.ID, "publication", sub.Publication)
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
	if sub.PushID != "" && (req.Schedule != nil || req.Time != nil || req.Times != nil || req.Days != nil || req.Config != nil) {
		return sub, nil, errBadRequest("a push subscription has no schedule, and its config went to its publication when it was made: " +
			"unsubscribe and subscribe again to change it")
	}
	var upd store.SubscriptionUpdate
	meta, metaErr := s.publicationFor(sub.Publication)
	if req.Schedule != nil || req.Time != nil || req.Times != nil || req.Days != nil {
		if metaErr != nil {
			return sub, nil, metaErr
		}
		spec, err := s.schedule(req, sub.Schedule, meta)
		if err != nil {
			return sub, nil, err
		}
		upd.Schedule = &spec
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
