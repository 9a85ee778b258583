package sdk

import (
	"context"
	"fmt"
	"image"
	"math"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// Publication is what an author writes: a plugin that turns a subscriber's
// config into an edition. Run it with Serve.
type Publication interface {
	// Meta describes the publication: its name, when it publishes, and the
	// config form subscribers fill in.
	Meta() Meta
	// Validate checks a config beyond what the form's fields say (CheckConfig
	// has been applied already); it returns FieldErrors for what a
	// subscriber must change, or nil.
	Validate(ctx context.Context, c Config) error
	// Render makes one edition. It returns an error (with a message a
	// subscriber can read) when it cannot, e.g. when a site it reads is
	// down; NothingToday when there is nothing to print today; Finished to
	// end the subscription.
	Render(ctx context.Context, r Request) (Result, error)
}

// Kind says when editions are made.
type Kind string

// The kinds of publication.
const (
	// Scheduled editions are made for each subscriber's hour.
	Scheduled Kind = "scheduled"
	// Push editions are made the moment content arrives (Request.Push),
	// such as a friend's message.
	Push Kind = "push"
)

// Meta describes a publication.
type Meta struct {
	Name        string // short and unique: lower-case letters, digits and dashes
	Title       string // as subscribers see it
	Description string // a sentence or two
	Author      string
	Kind        Kind
	// Days are the weekdays it publishes on; none means every day.
	Days []time.Weekday
	// Personal editions differ per subscriber; otherwise one edition is
	// made per (config, local moment) and shared by all with that config.
	Personal bool
	// Schedule is when a new subscription prints unless its subscriber
	// says otherwise: a standard 5-field cron spec ("0 7 * * *": 07:00
	// every day) in the printer's time zone; "" for the server's default.
	Schedule string
	// MinInterval is the shortest time between two editions that makes
	// sense (the news may refresh hourly, a daily puzzle only daily): the
	// server refuses schedules that print more often. 0: no limit of its
	// own.
	MinInterval time.Duration
	// Fields are the config form.
	Fields []Field
}

var nameRE = regexp.MustCompile(`^[a-z][a-z0-9-]{0,31}$`)

// Check reports what is wrong with a Meta, or nil.
func (m Meta) Check() error {
	if !nameRE.MatchString(m.Name) {
		return fmt.Errorf("sdk: publication name %q: want lower-case letters, digits and dashes, starting with a letter, at most 32", m.Name)
	}
	if m.Title == "" {
		return fmt.Errorf("sdk: publication %s has no title", m.Name)
	}
	if m.Kind != Scheduled && m.Kind != Push {
		return fmt.Errorf("sdk: publication %s: kind %q, want %q or %q", m.Name, m.Kind, Scheduled, Push)
	}
	if m.Schedule != "" {
		if _, err := cron.ParseStandard(m.Schedule); err != nil || strings.HasPrefix(m.Schedule, "@every") || strings.Contains(m.Schedule, "TZ=") {
			return fmt.Errorf("sdk: publication %s: schedule %q: want a 5-field cron spec such as \"0 7 * * *\"", m.Name, m.Schedule)
		}
	}
	if m.MinInterval < 0 {
		return fmt.Errorf("sdk: publication %s: a negative MinInterval", m.Name)
	}
	seen := map[string]bool{}
	for _, f := range m.Fields {
		if err := f.check(); err != nil {
			return fmt.Errorf("sdk: publication %s: %w", m.Name, err)
		}
		if seen[f.Name] {
			return fmt.Errorf("sdk: publication %s: two fields named %q", m.Name, f.Name)
		}
		seen[f.Name] = true
	}
	return nil
}

// PublishesOn reports whether the publication has an edition on a weekday.
func (m Meta) PublishesOn(d time.Weekday) bool {
	if len(m.Days) == 0 {
		return true
	}
	for _, x := range m.Days {
		if x == d {
			return true
		}
	}
	return false
}

// FieldType is the kind of value a config field takes.
type FieldType string

// The field types.
const (
	Text     FieldType = "text"     // one line
	TextArea FieldType = "textarea" // several lines, e.g. a list of feed addresses
	Number   FieldType = "number"   // a decimal number, within Min and Max if they differ
	Bool     FieldType = "bool"     // "true" or "false"
	Select   FieldType = "choice"   // one of Choices
	URL      FieldType = "url"      // an http or https address
)

// Field is one entry of a config form.
type Field struct {
	Name     string // the config key: lower-case letters, digits and underscores
	Label    string
	Help     string
	Type     FieldType
	Default  string
	Required bool
	Choices  []Choice // for Select
	Min, Max float64  // for Number, when Min < Max
	// MaxLength bounds text; 0 means 1,000 characters.
	MaxLength int
	// Example is a value to show in the empty field, and what the server's
	// catalogue renders its sample print with when there is no Default: a
	// required field with no default needs one for the publication to have
	// a sample.
	Example string
}

// Choice is one option of a Select field.
type Choice struct {
	Value, Label string
}

var fieldNameRE = regexp.MustCompile(`^[a-z][a-z0-9_]{0,31}$`)

func (f Field) check() error {
	if !fieldNameRE.MatchString(f.Name) {
		return fmt.Errorf("field name %q: want lower-case letters, digits and underscores", f.Name)
	}
	switch f.Type {
	case Text, TextArea, Number, Bool, URL:
	case Select:
		if len(f.Choices) == 0 {
			return fmt.Errorf("field %s: a choice field needs choices", f.Name)
		}
	default:
		return fmt.Errorf("field %s: unknown type %q", f.Name, f.Type)
	}
	if f.Default != "" {
		if msg := f.problem(f.Default); msg != "" {
			return fmt.Errorf("field %s: its default %q: %s", f.Name, f.Default, msg)
		}
	}
	return nil
}

// problem says what is wrong with a value of the field, "" if nothing.
func (f Field) problem(v string) string {
	limit := f.MaxLength
	if limit == 0 {
		limit = 1000
	}
	if len([]rune(v)) > limit {
		return fmt.Sprintf("at most %d characters", limit)
	}
	switch f.Type {
	case Number:
		n, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil || math.IsNaN(n) || math.IsInf(n, 0) {
			return "not a number"
		}
		if f.Min < f.Max && (n < f.Min || n > f.Max) {
			return fmt.Sprintf("must be from %s to %s", strconv.FormatFloat(f.Min, 'f', -1, 64), strconv.FormatFloat(f.Max, 'f', -1, 64))
		}
	case Bool:
		if v != "true" && v != "false" {
			return `must be "true" or "false"`
		}
	case Select:
		for _, c := range f.Choices {
			if c.Value == v {
				return ""
			}
		}
		return "not one of the choices"
	case URL:
		u, err := url.Parse(strings.TrimSpace(v))
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return "not an http:// or https:// address"
		}
	}
	return ""
}

// Config is a subscriber's answers to the config form: field name → value.
type Config map[string]string

// FieldErrors says, per field, what is wrong with a config.
type FieldErrors map[string]string

func (e FieldErrors) Error() string {
	keys := make([]string, 0, len(e))
	for k := range e {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + ": " + e[k]
	}
	return "config: " + strings.Join(parts, "; ")
}

// CheckConfig fills in defaults and checks a config against the form: required
// fields, types, choices, ranges. It returns the full config, and
// FieldErrors if any field is wrong; keys not in the form are errors too.
func (m Meta) CheckConfig(c Config) (Config, error) {
	out := Config{}
	errs := FieldErrors{}
	known := map[string]bool{}
	for _, f := range m.Fields {
		known[f.Name] = true
		v, ok := c[f.Name]
		if !ok || v == "" {
			v = f.Default
		}
		if v == "" {
			if f.Required {
				errs[f.Name] = "required"
			}
			continue
		}
		if msg := f.problem(v); msg != "" {
			errs[f.Name] = msg
			continue
		}
		out[f.Name] = v
	}
	for k := range c {
		if !known[k] {
			errs[k] = "not a field of this publication"
		}
	}
	if len(errs) > 0 {
		return out, errs
	}
	return out, nil
}

// Request is what Render gets.
type Request struct {
	Config Config
	// Time is the moment the edition is for, in the subscriber's time zone
	// (Time.Location() is their IANA zone).
	Time time.Time
	// Count is how many editions the subscription has had before this one.
	Count int
	// HTTP is the client to fetch with: the host sets its timeout, a size
	// cap and refuses private addresses. Use it, not http.DefaultClient.
	HTTP *http.Client
	// Push is the item that arrived, for a Push publication.
	Push *PushItem
}

// PushItem is content pushed to a Push publication, such as a friend's
// message.
type PushItem struct {
	Sender string
	Text   string
	Image  []byte // a picture, or nil: paperboy sends a grey PNG at most Width wide, made from the sender's upload
	SentAt time.Time
}

// Result is what Render returns: an edition, or nothing today, or the end.
type Result struct {
	Document *Document
	Image    image.Image // instead of a document: a picture, 384 pixels wide or scaled to it
	// HTML, instead of a document or a picture: a web page the server
	// renders 384 pixels wide in black and white, as BERG Cloud rendered
	// its publications' (sdk/htmlrender says what it draws). BaseURL is
	// what relative URLs in it resolve against; images are fetched by the
	// server under the same policy as Request.HTTP.
	HTML    string
	BaseURL string
	// NothingToday: there is no edition today; nothing is printed.
	NothingToday bool
	// Finished ends the subscription; the reason is told to the subscriber.
	Finished string
}

// Print is a Result with a document.
func Print(d *Document) Result { return Result{Document: d} }

// PrintImage is a Result with a picture.
func PrintImage(img image.Image) Result { return Result{Image: img} }

// PrintHTML is a Result with a web page, which the server renders; base
// is what relative URLs in it resolve against ("" for none).
func PrintHTML(html, base string) Result { return Result{HTML: html, BaseURL: base} }

// NothingToday is a Result without an edition today.
func NothingToday() Result { return Result{NothingToday: true} }

// Finished is a Result that ends the subscription, saying why.
func Finished(reason string) Result { return Result{Finished: reason} }
