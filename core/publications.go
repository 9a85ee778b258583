package core

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"paperboy/delivery"
	"paperboy/plugins"
	"paperboy/sdk"
)

// publicationJSON is a publication as the API shows it.
type publicationJSON struct {
	Name        string      `json:"name"`
	Title       string      `json:"title"`
	Description string      `json:"description"`
	Kind        sdk.Kind    `json:"kind"`
	Days        []string    `json:"days"`
	Personal    bool        `json:"personal"`
	Fields      []fieldJSON `json:"fields"`
	BuiltIn     bool        `json:"built_in"` // inside paperboy, not a plugin of the folder
	Running     bool        `json:"running"`
	Restarts    int         `json:"restarts"`
	LastError   string      `json:"last_error,omitempty"`
	// A URL publication's: its address, whether the user added it (for
	// their own printers), meta.json's delivered_on, and since when it has
	// not been answering.
	URL          string     `json:"url,omitempty"`
	Yours        bool       `json:"yours,omitempty"`
	DeliveredOn  string     `json:"delivered_on,omitempty"`
	Icon         string     `json:"icon,omitempty"`
	FailingSince *time.Time `json:"failing_since,omitempty"`
}

// choiceJSON is an option of a choice field.
type choiceJSON struct {
	Value string `json:"value"`
	Label string `json:"label"`
}

type fieldJSON struct {
	Name      string       `json:"name"`
	Label     string       `json:"label"`
	Help      string       `json:"help,omitempty"`
	Type      string       `json:"type"`
	Default   string       `json:"default,omitempty"`
	Required  bool         `json:"required,omitempty"`
	Choices   []choiceJSON `json:"choices,omitempty"`
	Min       *float64     `json:"min,omitempty"`
	Max       *float64     `json:"max,omitempty"`
	MaxLength int          `json:"max_length,omitempty"`
	Example   string       `json:"example,omitempty"`
}

func publicationToJSON(info plugins.Info, userID int64) publicationJSON {
	m := info.Meta
	out := publicationJSON{Name: m.Name, Title: m.Title, Description: m.Description, Kind: m.Kind, Personal: m.Personal,
		BuiltIn: info.Builtin, Running: info.Running, Restarts: info.Restarts, LastError: info.LastError, Days: []string{}, Fields: []fieldJSON{},
		URL: info.URL, Yours: info.Owner != 0 && info.Owner == userID, DeliveredOn: info.DeliveredOn}
	if info.HasIcon {
		out.Icon = "/api/v1/publications/" + m.Name + "/icon.png"
	}
	if !info.FailingSince.IsZero() {
		out.FailingSince = &info.FailingSince
	}
	for _, d := range m.Days {
		out.Days = append(out.Days, d.String())
	}
	for _, f := range m.Fields {
		fj := fieldJSON{Name: f.Name, Label: f.Label, Help: f.Help, Type: string(f.Type), Default: f.Default,
			Required: f.Required, MaxLength: f.MaxLength, Example: f.Example}
		for _, c := range f.Choices {
			fj.Choices = append(fj.Choices, choiceJSON{Value: c.Value, Label: c.Label})
		}
		if f.Min < f.Max {
			fj.Min, fj.Max = &f.Min, &f.Max
		}
		out.Fields = append(out.Fields, fj)
	}
	return out
}

// publicationFor is a scheduled publication's Meta, or the error to answer.
func (s *Server) publicationFor(name string) (sdk.Meta, error) {
	if s.plugins == nil {
		return sdk.Meta{}, errUnavailable(ErrNoPublications.Error())
	}
	meta, err := s.plugins.Meta(name)
	if errors.Is(err, plugins.ErrUnknown) {
		return sdk.Meta{}, unknownPublication{errBadRequest(fmt.Sprintf("no publication %q", name))}
	}
	if err != nil {
		return sdk.Meta{}, err
	}
	if meta.Kind != sdk.Scheduled {
		return sdk.Meta{}, unknownPublication{errBadRequest(fmt.Sprintf("%s is a push publication: it prints what is sent to it, not on a schedule", name))}
	}
	return meta, nil
}

// refusedKey is the key, in a config's FieldErrors, of a publication's
// refusal that names no field: a URL publication's /validate_config/
// sentences, one a line.
const refusedKey = ""

// refusals are the sentences of a publication's refusal that names no
// field.
func refusals(fe sdk.FieldErrors) []string {
	v, ok := fe[refusedKey]
	if !ok {
		return nil
	}
	return strings.Split(v, "\n")
}

// visible reports whether a publication is in a user's catalogue: every
// publication but the URL publications other users added for themselves.
func visible(info plugins.Info, userID int64) bool {
	return info.Owner == 0 || info.Owner == userID
}

// subscribableOf is a publication's Meta for a printer's owner to
// subscribe to: a scheduled one, or a push one but the friends' messages.
// A URL publication another user added for themselves is not theirs, and
// is answered as no publication at all.
func (s *Server) subscribableOf(name string, owner int64) (sdk.Meta, error) {
	meta, err := s.publicationFor(name)
	if s.plugins != nil {
		if m, merr := s.plugins.Meta(name); merr == nil && pushable(m) {
			meta, err = m, nil
		}
	}
	if err != nil {
		return meta, err
	}
	if o := s.plugins.URLOwner(name); o != 0 && o != owner {
		return sdk.Meta{}, unknownPublication{errBadRequest(fmt.Sprintf("no publication %q", name))}
	}
	return meta, nil
}

// unknownPublication is the error of a publication that is not one to
// subscribe to: the API answers it 400 (the request names it), a page
// about it 404.
type unknownPublication struct{ error }

func (e unknownPublication) Unwrap() error { return e.error }

// checkConfig asks the publication about a config: its errors per field,
// or the error of asking.
func (s *Server) checkConfig(ctx context.Context, name string, cfg map[string]string) (sdk.FieldErrors, error) {
	return s.checkConfigWith(ctx, name, cfg, nil)
}

// checkConfigWith is checkConfig telling a URL publication more than the
// config: a push subscription's subscription_id and endpoint.
func (s *Server) checkConfigWith(ctx context.Context, name string, cfg map[string]string, extra url.Values) (sdk.FieldErrors, error) {
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
	err := s.plugins.ValidateWith(ctx, name, sdk.Config(cfg), extra)
	var fe sdk.FieldErrors
	if errors.As(err, &fe) {
		return fe, nil
	}
	var ce plugins.ConfigErrors
	if errors.As(err, &ce) {
		// A URL publication's own sentences, about no field in particular.
		return sdk.FieldErrors{refusedKey: strings.Join(ce, "\n")}, nil
	}
	var pe *plugins.Error
	if errors.As(err, &pe) {
		return nil, errPublication(pe.Error())
	}
	return nil, err
}

// samples are the sample prints, one for each installed publication at
// most. A view makes one when there is none or it is too old (get);
// RefreshSamples makes them all again ahead of the views (put).
type samples struct {
	mu sync.Mutex
	by map[string]*sample
}

// sample is one publication's sample print, or why there is none.
type sample struct {
	mu    sync.Mutex // held while it is made: one view makes it, the others wait for it
	until time.Time  // kept until then
	png   []byte     // nil, with no error: nothing to print that day
	err   error
}

// of is a publication's sample, empty at first.
func (c *samples) of(name string) *sample {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.by == nil {
		c.by = map[string]*sample{}
	}
	sm := c.by[name]
	if sm == nil {
		sm = &sample{}
		c.by[name] = sm
	}
	return sm
}

// get is the sample of a publication, made by render when there is none
// or it is too old.
func (c *samples) get(name string, now time.Time, render func() ([]byte, error)) ([]byte, error) {
	sm := c.of(name)
	sm.mu.Lock()
	defer sm.mu.Unlock()
	if now.Before(sm.until) {
		return sm.png, sm.err
	}
	sm.png, sm.err = render()
	sm.until = now.Add(sampleFor)
	if sm.err != nil {
		sm.until = now.Add(sampleRetry)
	}
	return sm.png, sm.err
}

// put keeps a sample made ahead of its views, at now, for sampleAhead. A
// failure replaces only a sample that failed too or is due: until then,
// views see the good one there is.
func (c *samples) put(name string, now time.Time, png []byte, err error) {
	sm := c.of(name)
	sm.mu.Lock()
	defer sm.mu.Unlock()
	if err == nil {
		sm.png, sm.err, sm.until = png, nil, now.Add(sampleAhead)
		return
	}
	if sm.err == nil && now.Before(sm.until) {
		return
	}
	sm.png, sm.err, sm.until = nil, err, now.Add(sampleRetry)
}

// RefreshSamples makes the sample print of every installed publication
// again, ahead of the catalogue's views, so that none waits on a render:
// a view is shown the sample there is while the next is made. It returns
// how many were made, and the failures, each naming its publication (the
// sample of one that failed is kept while it is good). It is housekeeping,
// run by the server's cron every hour (cmd/paperboy).
func (s *Server) RefreshSamples(ctx context.Context) (int64, error) {
	if s.plugins == nil {
		return 0, nil
	}
	var made int64
	var errs []error
	for _, info := range s.plugins.Publications() {
		if err := ctx.Err(); err != nil {
			return made, err
		}
		meta, now := info.Meta, s.now()
		png, err := s.editionPNG(ctx, meta.Name, sampleArgs(meta, now))
		if err != nil && ctx.Err() != nil {
			return made, ctx.Err() // stopping: not the publication's failure
		}
		s.samples.put(meta.Name, now, png, err)
		if err != nil {
			errs = append(errs, delivery.Named(meta.Name, err))
			continue
		}
		made++
	}
	return made, errors.Join(errs...)
}

// sampleArgs are what a publication's sample is rendered with: its
// fields' defaults (or examples, for fields with none), now in UTC (or on
// the next day it publishes, so a weekly one has a sample every day), and
// for a push publication a short message from "a friend"; a URL
// publication's is its /sample/.
func sampleArgs(meta sdk.Meta, now time.Time) sdk.RenderArgs {
	cfg := sdk.Config{}
	for _, f := range meta.Fields {
		switch {
		case f.Default != "":
			cfg[f.Name] = f.Default
		case f.Example != "":
			cfg[f.Name] = f.Example
		}
	}
	at := now.UTC()
	for i := 0; i < 7 && !meta.PublishesOn(at.Weekday()); i++ {
		at = at.AddDate(0, 0, 1)
	}
	// A URL publication has a sample of its own (/sample/); a plugin
	// renders an edition for these args.
	a := sdk.RenderArgs{Config: cfg, Time: at, Sample: true}
	if meta.Kind == sdk.Push {
		a.Push = &sdk.PushItem{Sender: "a friend", Text: sampleMessage, SentAt: at}
	}
	return a
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

// Sample prints: the catalogue shows each publication's edition for its
// default config, made every hour ahead of the views (RefreshSamples), or
// by a view when there is none.
const (
	// sampleFor is how long a sample a view made is kept: rendering every
	// publication on each view of the catalogue would be slow, and unkind
	// to the sites the ones that fetch read from.
	sampleFor = time.Hour
	// sampleAhead is how long a sample RefreshSamples made is kept: past
	// its next run, an hour on, so that no view finds it due first; and if
	// that run fails, views are shown this one for another hour.
	sampleAhead = 2 * time.Hour
	// sampleRetry is how long a failed sample is kept: the network that
	// was down may be back soon.
	sampleRetry = 5 * time.Minute
	// sampleMessage is what a push publication's sample says.
	sampleMessage = "Hello! This is what a note from a friend looks like."
)
