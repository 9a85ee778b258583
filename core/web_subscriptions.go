package core

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"paperboy/scheduler"
	"paperboy/sdk"
	"paperboy/store"
)

// subscriptionView is a subscription on its printer's page.
type subscriptionView struct {
	subscriptionJSON
	Title string // the publication's, or its name if it is not installed
}

// subscriptionViews are a printer's subscriptions, for its page.
func (s *Server) subscriptionViews(ctx context.Context, p store.Printer) ([]subscriptionView, error) {
	subs, err := s.store.SubscriptionsByPrinter(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	var out []subscriptionView
	for _, sub := range subs {
		out = append(out, s.subscriptionView(sub, p))
	}
	return out, nil
}

// subscriptionView is a subscription with its publication's title.
func (s *Server) subscriptionView(sub store.Subscription, p store.Printer) subscriptionView {
	v := subscriptionView{subscriptionJSON: s.subscriptionJSON(sub, p), Title: sub.Publication}
	if s.plugins != nil {
		if meta, err := s.plugins.Meta(sub.Publication); err == nil && meta.Title != "" {
			v.Title = meta.Title
		}
	}
	return v
}

// fieldView is a field of a publication's config form.
type fieldView struct {
	sdk.Field
	Kind     string // the input: text, textarea, number, bool, choice, url
	Input    string // the form field's name: config_ and the config key
	Value    string
	Min, Max string // of a number, when it has them
	Error    string
}

type dayView struct {
	Value, Label string
	Checked      bool
}

// subscribePage is a publication's config form for a printer: a new
// subscription's, or on a subscription's own page, its settings with its
// next edition's preview.
type subscribePage struct {
	Printer printerJSON
	Meta    sdk.Meta
	Days    string // when it publishes
	Fields  []fieldView
	// When is "times" (Times on DayBoxes) or "cron" (Schedule).
	When     string
	Times    []string // with a blank one to add
	Schedule string
	DayBoxes []dayView
	Mode     string
	Errors   map[string]string // by field: schedule, time, times, days, mode, form
	Action   string            // where the form is sent
	Submit   string            // its button
	// Sub is the subscription whose page this is; nil on the subscribe page.
	Sub *subscriptionView
	// Unavailable says why a subscription's settings cannot be changed
	// just now (its publication is not installed); "" when they can.
	Unavailable string
	// Refused are a URL publication's own sentences about the config,
	// shown above the form.
	Refused []string
	// Push: the publication pushes what it prints, so there is no schedule
	// to set.
	Push bool
}

// formValues are what a subscription form shows: a new subscription's
// defaults, what was sent, or a subscription's own settings.
type formValues struct {
	Config   map[string]string // by field name; a field absent shows its default
	When     string            // "times" or "cron"
	Times    []string
	Days     []string // the days ticked: mon … sun
	Schedule string
	Mode     string
}

// defaultSchedule is a new subscription's schedule when its publication
// says none.
const defaultSchedule = "0 7 * * *"

// formValuesOf are a form's values as sent, or for a new form the
// defaults: the publication's schedule.
func formValuesOf(r *http.Request, meta sdk.Meta) formValues {
	if r.Method != http.MethodPost {
		v := scheduleValues(cmp.Or(meta.Schedule, defaultSchedule))
		v.Mode = string(store.ModeButton)
		return v
	}
	v := formValues{Config: map[string]string{}, When: r.PostFormValue("when"), Times: r.PostForm["time"], Days: r.PostForm["days"],
		Schedule: r.PostFormValue("schedule"), Mode: r.PostFormValue("mode")}
	for _, f := range meta.Fields {
		v.Config[f.Name] = configValue(r, f)
	}
	return v
}

// scheduleValues are a schedule as the form shows it: times on days if it
// is that, else the spec.
func scheduleValues(schedule string) formValues {
	v := formValues{When: "cron", Schedule: schedule}
	spec, err := scheduler.ParseSpec(schedule)
	if err != nil {
		return v
	}
	if times, days, ok := spec.Times(); ok {
		v.When, v.Times, v.Days = "times", times, dayNamesOf(days)
	}
	return v
}

// subscriptionValues are a subscription's settings, for its form.
func subscriptionValues(sub subscriptionJSON) formValues {
	v := scheduleValues(sub.Schedule)
	v.Config, v.Mode = sub.Config, string(sub.Mode)
	return v
}

// subscribeForm is a publication's form with the values given and the
// errors found.
func subscribeForm(p printerJSON, meta sdk.Meta, vals formValues, fe sdk.FieldErrors, errs map[string]string) subscribePage {
	page := subscribePage{Printer: p, Meta: meta, Days: publishingDays(meta), When: vals.When, Schedule: vals.Schedule, Mode: vals.Mode,
		Errors: errs, Action: fmt.Sprintf("/printers/%d/subscribe?publication=%s", p.ID, meta.Name), Submit: "Subscribe",
		Refused: refusals(fe), Push: pushable(meta)}
	if page.When != "cron" {
		page.When = "times"
	}
	for _, t := range vals.Times {
		if t = strings.TrimSpace(t); t != "" {
			page.Times = append(page.Times, t)
		}
	}
	page.Times = append(page.Times, "") // one more, to add a time
	for _, f := range meta.Fields {
		v := fieldView{Field: f, Kind: string(f.Type), Input: "config_" + f.Name, Value: f.Default, Error: fe[f.Name]}
		if given, ok := vals.Config[f.Name]; ok {
			v.Value = given
		}
		if f.Min < f.Max {
			v.Min, v.Max = strconv.FormatFloat(f.Min, 'f', -1, 64), strconv.FormatFloat(f.Max, 'f', -1, 64)
		}
		page.Fields = append(page.Fields, v)
	}
	checked := map[string]bool{}
	for _, d := range vals.Days {
		checked[d] = true
	}
	for _, d := range weekOrder {
		if meta.PublishesOn(d) {
			name := dayNames[d]
			page.DayBoxes = append(page.DayBoxes, dayView{Value: name, Label: d.String(), Checked: checked[name]})
		}
	}
	return page
}

// configValue is a config field's value in the form: a box is "true" when
// ticked, "false" when not.
func configValue(r *http.Request, f sdk.Field) string {
	v := r.PostFormValue("config_" + f.Name)
	if f.Type == sdk.Bool {
		if v != "" {
			return "true"
		}
		return "false"
	}
	return v
}

// formSubscription is a subscription form as the API's request: every
// setting given, so a change sets them all.
func formSubscription(r *http.Request, meta sdk.Meta) subscriptionReq {
	cfg := map[string]string{}
	for _, f := range meta.Fields {
		if v := configValue(r, f); v != "" {
			cfg[f.Name] = v
		}
	}
	mode := r.PostFormValue("mode")
	req := subscriptionReq{Publication: meta.Name, Config: cfg, Mode: &mode}
	if pushable(meta) {
		return req // no schedule: it prints what is pushed
	}
	if r.PostFormValue("when") == "cron" {
		spec := r.PostFormValue("schedule")
		req.Schedule = &spec
		return req
	}
	req.Times = []string{} // none given: the schedule's error says so (nil would leave the times as they were)
	for _, t := range r.PostForm["time"] {
		if t = strings.TrimSpace(t); t != "" {
			req.Times = append(req.Times, t)
		}
	}
	req.Days = r.PostForm["days"]
	if req.Days == nil {
		req.Days = []string{} // none ticked: every day it publishes (nil would leave the days as they were)
	}
	return req
}

// subscriptionFormError shows what is wrong with a subscription form on
// it, through show: the config's errors next to their fields, another
// client's error next to its field or atop the form.
func (s *Server) subscriptionFormError(w http.ResponseWriter, r *http.Request, fe sdk.FieldErrors, err error, show func(status int, fe sdk.FieldErrors, errs map[string]string) error) error {
	if refusals(fe) != nil {
		return show(http.StatusBadRequest, fe, map[string]string{"form": "The publication says these settings are not right:"})
	}
	if fe != nil {
		return show(http.StatusBadRequest, fe, map[string]string{"form": "Some of the settings are not right: see below."})
	}
	return s.formError(w, r, err, func(status int, field, msg string) error {
		if field == "" {
			field = "form"
		}
		return show(status, nil, map[string]string{field: msg})
	})
}

// subscribeTo is the user's printer the path names and the publication the
// form names, for a page about subscribing it.
func (s *Server) subscribeTo(r *http.Request) (store.Printer, sdk.Meta, error) {
	p, err := s.pathPrinter(r)
	if err != nil {
		return p, sdk.Meta{}, err
	}
	meta, err := s.subscribeMeta(r.FormValue("publication"), p.OwnerID)
	return p, meta, err
}

func (s *Server) subscribeMeta(name string, owner int64) (sdk.Meta, error) {
	meta, err := s.subscribableOf(name, owner)
	var up unknownPublication
	if errors.As(err, &up) {
		return meta, errNotFound(up.Error())
	}
	return meta, err
}

func (s *Server) handleSubscribePage(w http.ResponseWriter, r *http.Request) error {
	p, meta, err := s.subscribeTo(r)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "subscribe", "Subscribe to "+meta.Title,
		subscribeForm(s.printerJSON(p), meta, formValuesOf(r, meta), nil, map[string]string{}))
}

// handleWebSubscribe subscribes a printer from the config form, by the
// API's path (subscribe), and shows the new subscription's page with its
// first edition's preview.
func (s *Server) handleWebSubscribe(w http.ResponseWriter, r *http.Request) error {
	p, meta, err := s.subscribeTo(r)
	if err != nil {
		return err
	}
	sub, fe, err := s.subscribe(r.Context(), siteURL(r), p, formSubscription(r, meta))
	if fe != nil || err != nil {
		return s.subscriptionFormError(w, r, fe, err, func(status int, fe sdk.FieldErrors, errs map[string]string) error {
			return s.render(w, r, status, "subscribe", "Subscribe to "+meta.Title, subscribeForm(s.printerJSON(p), meta, formValuesOf(r, meta), fe, errs))
		})
	}
	return redirect(w, r, fmt.Sprintf("/subscriptions/%d", sub.ID), "subscribed")
}

// subscriptionPage is a subscription's own page: its settings in the
// subscribe form, with vals shown (its own, or those sent back).
func (s *Server) subscriptionPage(sub store.Subscription, p store.Printer, vals *formValues, fe sdk.FieldErrors, errs map[string]string) (subscribePage, string, error) {
	v := s.subscriptionView(sub, p)
	if sub.PushID != "" {
		return subscribePage{Printer: s.printerJSON(p), Sub: &v, Errors: map[string]string{}, Push: true,
			Unavailable: "It prints what its publication sends, when it sends it. To change what it was told, unsubscribe and subscribe again."}, v.Title, nil
	}
	meta, err := s.publicationFor(sub.Publication)
	var he *httpError
	if err != nil && !errors.As(err, &he) {
		return subscribePage{}, "", err
	}
	if err != nil {
		return subscribePage{Printer: s.printerJSON(p), Sub: &v, Errors: map[string]string{},
			Unavailable: "Its settings cannot be changed just now: " + he.msg + "."}, v.Title, nil
	}
	if vals == nil {
		own := subscriptionValues(v.subscriptionJSON)
		vals = &own
	}
	page := subscribeForm(s.printerJSON(p), meta, *vals, fe, errs)
	page.Sub, page.Action, page.Submit = &v, fmt.Sprintf("/subscriptions/%d/change", sub.ID), "Save the settings"
	return page, v.Title, nil
}

// handleSubscriptionPage shows a subscription: when its next edition is
// due and a preview of it, its buttons, and its settings to change.
func (s *Server) handleSubscriptionPage(w http.ResponseWriter, r *http.Request) error {
	sub, p, err := s.ownSubscription(r.Context(), user(r), r.PathValue("sub"))
	if err != nil {
		return err
	}
	page, title, err := s.subscriptionPage(sub, p, nil, nil, map[string]string{})
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "subscribe", title, page)
}

// handleWebSubscriptionSave changes a subscription from the form on its
// page, by the API's path (changeSubscription).
func (s *Server) handleWebSubscriptionSave(w http.ResponseWriter, r *http.Request) error {
	sub, p, err := s.ownSubscription(r.Context(), user(r), r.PathValue("sub"))
	if err != nil {
		return err
	}
	meta, err := s.publicationFor(sub.Publication)
	if err != nil {
		return err
	}
	if _, fe, err := s.changeSubscription(r.Context(), sub, formSubscription(r, meta)); fe != nil || err != nil {
		return s.subscriptionFormError(w, r, fe, err, func(status int, fe sdk.FieldErrors, errs map[string]string) error {
			vals := formValuesOf(r, meta)
			page, title, err := s.subscriptionPage(sub, p, &vals, fe, errs)
			if err != nil {
				return err
			}
			return s.render(w, r, status, "subscribe", title, page)
		})
	}
	s.log.Info("subscription changed", "printer", p.ID, "subscription_id", sub.ID, "publication", sub.Publication)
	return redirect(w, r, fmt.Sprintf("/subscriptions/%d", sub.ID), "changed")
}

// handleWebSubscriptionChange pauses, resumes or ends a subscription from
// its printer's page or its own (which it goes back to, but after an end).
func (s *Server) handleWebSubscriptionChange(w http.ResponseWriter, r *http.Request) error {
	sub, p, err := s.ownSubscription(r.Context(), user(r), r.PathValue("sub"))
	if err != nil {
		return err
	}
	var done string
	switch r.PathValue("action") {
	case "pause":
		done, err = "paused", s.store.PauseSubscription(r.Context(), sub.ID, true)
	case "resume":
		done, err = "resumed", s.store.PauseSubscription(r.Context(), sub.ID, false)
	case "delete":
		done, err = "unsubscribed", s.store.DeleteSubscription(r.Context(), sub.ID)
		if err == nil {
			s.log.Info("unsubscribed", "printer", sub.PrinterID, "subscription_id", sub.ID, "publication", sub.Publication)
		}
	default:
		return errNotFound("no such change: " + r.PathValue("action"))
	}
	if err != nil {
		return err
	}
	if r.PostFormValue("from") == "subscription" && done != "unsubscribed" {
		return redirect(w, r, fmt.Sprintf("/subscriptions/%d", sub.ID), done)
	}
	return redirect(w, r, fmt.Sprintf("/printers/%d", p.ID), done)
}
