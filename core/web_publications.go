package core

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"paperboy/sdk"
	"paperboy/store"
)

// subscriptionView is a subscription on its printer's page.
type subscriptionView struct {
	subscriptionJSON
	Title string // the publication's, or its name if it is not installed
}

// subscriptionViews are a printer's subscriptions, for its page.
func (s *Server) subscriptionViews(r *http.Request, p store.Printer) ([]subscriptionView, error) {
	subs, err := s.store.SubscriptionsByPrinter(r.Context(), p.ID)
	if err != nil {
		return nil, err
	}
	var out []subscriptionView
	for _, sub := range subs {
		v := subscriptionView{subscriptionJSON: s.subscriptionJSON(sub, p), Title: sub.Publication}
		if s.plugins != nil {
			if meta, err := s.plugins.Meta(sub.Publication); err == nil && meta.Title != "" {
				v.Title = meta.Title
			}
		}
		out = append(out, v)
	}
	return out, nil
}

// weekOrder is the order days are shown in: Monday first.
var weekOrder = []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday, time.Sunday}

// publishingDays says on which days a publication publishes, for people.
func publishingDays(m sdk.Meta) string {
	if len(m.Days) == 0 {
		return "every day"
	}
	var names []string
	for _, d := range weekOrder {
		if m.PublishesOn(d) {
			names = append(names, d.String())
		}
	}
	return strings.Join(names, ", ")
}

// catalogueEntry is a publication in the catalogue.
type catalogueEntry struct {
	Name, Title, Description, Days string
	Scheduled                      bool
	Running                        bool
}

type cataloguePage struct {
	Publications []catalogueEntry
	Printers     []store.Printer // the ones a subscribe link is offered for
}

func (s *Server) handlePublicationsPage(w http.ResponseWriter, r *http.Request) error {
	var page cataloguePage
	if s.plugins != nil {
		for _, info := range s.plugins.Publications() {
			m := info.Meta
			page.Publications = append(page.Publications, catalogueEntry{Name: m.Name, Title: m.Title, Description: m.Description,
				Days: publishingDays(m), Scheduled: m.Kind == sdk.Scheduled, Running: info.Running})
		}
	}
	ps, err := s.store.PrintersByOwner(r.Context(), user(r).ID)
	if err != nil {
		return err
	}
	only, _ := strconv.ParseInt(r.URL.Query().Get("printer"), 10, 64)
	for _, p := range ps {
		if only == 0 || p.ID == only {
			page.Printers = append(page.Printers, p)
		}
	}
	return s.render(w, r, http.StatusOK, "publications", "Publications", page)
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

// subscribePage is a publication's config form for a printer.
type subscribePage struct {
	Printer  printerJSON
	Meta     sdk.Meta
	Days     string // when it publishes
	Fields   []fieldView
	Time     string
	DayBoxes []dayView
	Mode     string
	Errors   map[string]string // by field: time, days, mode, form
}

// subscribeForm is a publication's form with the values given (none: the
// defaults) and the errors found.
func subscribeForm(p printerJSON, meta sdk.Meta, r *http.Request, fe sdk.FieldErrors, errs map[string]string) subscribePage {
	posted := r.Method == http.MethodPost
	page := subscribePage{Printer: p, Meta: meta, Days: publishingDays(meta), Time: "07:00", Mode: store.ModeButton, Errors: errs}
	if posted {
		page.Time, page.Mode = r.PostFormValue("time"), r.PostFormValue("mode")
	}
	for _, f := range meta.Fields {
		v := fieldView{Field: f, Kind: string(f.Type), Input: "config_" + f.Name, Value: f.Default, Error: fe[f.Name]}
		if posted {
			v.Value = configValue(r, f)
		}
		if f.Min < f.Max {
			v.Min, v.Max = strconv.FormatFloat(f.Min, 'f', -1, 64), strconv.FormatFloat(f.Max, 'f', -1, 64)
		}
		page.Fields = append(page.Fields, v)
	}
	checked := map[string]bool{}
	for _, d := range r.PostForm["days"] {
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

func (s *Server) subscribeMeta(r *http.Request) (sdk.Meta, error) {
	name := r.FormValue("publication")
	meta, err := s.publicationFor(name)
	var he *httpError
	if errors.As(err, &he) && he.status == http.StatusBadRequest {
		return meta, errNotFound(he.msg)
	}
	return meta, err
}

func (s *Server) handleSubscribePage(w http.ResponseWriter, r *http.Request) error {
	p, err := s.ownPrinter(r)
	if err != nil {
		return err
	}
	meta, err := s.subscribeMeta(r)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "subscribe", "Subscribe to "+meta.Title, subscribeForm(s.printerJSON(p), meta, r, nil, map[string]string{}))
}

// handleWebSubscribe subscribes a printer from the config form, by the
// API's path (subscribe).
func (s *Server) handleWebSubscribe(w http.ResponseWriter, r *http.Request) error {
	p, err := s.ownPrinter(r)
	if err != nil {
		return err
	}
	meta, err := s.subscribeMeta(r)
	if err != nil {
		return err
	}
	cfg := map[string]string{}
	for _, f := range meta.Fields {
		if v := configValue(r, f); v != "" {
			cfg[f.Name] = v
		}
	}
	tm, mode := r.PostFormValue("time"), r.PostFormValue("mode")
	_, fe, err := s.subscribe(r, p, subscriptionReq{Publication: meta.Name, Config: cfg, Time: &tm, Days: r.PostForm["days"], Mode: &mode})
	show := func(status int, errs map[string]string) error {
		return s.render(w, r, status, "subscribe", "Subscribe to "+meta.Title, subscribeForm(s.printerJSON(p), meta, r, fe, errs))
	}
	if fe != nil {
		return show(http.StatusBadRequest, map[string]string{"form": "Some of the settings are not right: see below."})
	}
	if err != nil {
		return s.formError(w, r, err, func(status int, field, msg string) error {
			if field == "" {
				field = "form"
			}
			return show(status, map[string]string{field: msg})
		})
	}
	return redirect(w, r, fmt.Sprintf("/printers/%d", p.ID), "subscribed")
}

// handleWebSubscriptionChange pauses, resumes or ends a subscription from
// its printer's page.
func (s *Server) handleWebSubscriptionChange(w http.ResponseWriter, r *http.Request) error {
	sub, p, err := s.ownSubscription(r)
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
			s.log.Info("unsubscribed", "printer", sub.PrinterID, "subscription", sub.ID, "publication", sub.Publication)
		}
	default:
		return errNotFound("no such change: " + r.PathValue("action"))
	}
	if err != nil {
		return err
	}
	return redirect(w, r, fmt.Sprintf("/printers/%d", p.ID), done)
}
