package scheduler

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// Spec is a subscription's schedule: one or more standard 5-field cron
// specs ("0 7 * * 1-5"; the descriptors @daily, @weekly, @monthly, @yearly,
// @hourly), separated by ";" or new lines, matched by robfig/cron on the
// printer's wall clock. One extension: a weekday may be narrowed to its nth
// in the month, as in Quartz ("0 8 * * 1#1": the first Monday).
//
// The zero Spec never fires.
type Spec struct {
	text  string
	parts []specPart
	days  Days // the weekdays its publication publishes; 0: every day
}

// specPart is one cron spec.
type specPart struct {
	cron *cron.SpecSchedule // its Location is UTC: it matches wall clocks
	// nth, by weekday, holds bit n-1 if the spec asks for the nth such
	// weekday of the month; a weekday with 0 is not narrowed. hasNth says
	// whether any is.
	nth    [7]uint8
	hasNth bool
}

// MaxSpecParts is how many cron specs one schedule may join.
const MaxSpecParts = 8

// maxSpecLen bounds a schedule's text (the store's column holds 255).
const maxSpecLen = 255

var parser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// ParseSpec parses a schedule. Its errors say what is wrong in words a
// subscriber can act on.
func ParseSpec(text string) (Spec, error) {
	var parts []string
	for _, line := range strings.FieldsFunc(text, func(r rune) bool { return r == ';' || r == '\n' }) {
		if line = strings.Join(strings.Fields(line), " "); line != "" {
			parts = append(parts, line)
		}
	}
	joined := strings.Join(parts, "; ")
	switch {
	case len(parts) == 0:
		return Spec{}, errors.New("empty schedule: want a cron spec such as \"0 8 * * *\" (08:00 every day)")
	case len(parts) > MaxSpecParts:
		return Spec{}, fmt.Errorf("%d cron specs: at most %d", len(parts), MaxSpecParts)
	case len(joined) > maxSpecLen:
		return Spec{}, fmt.Errorf("schedule of %d characters: at most %d", len(joined), maxSpecLen)
	}
	s := Spec{text: joined}
	for _, p := range parts {
		sp, err := parsePart(p)
		if err != nil {
			if len(parts) > 1 {
				return Spec{}, fmt.Errorf("%q: %w", p, err)
			}
			return Spec{}, err
		}
		// Each part on its own: one that never comes round is a mistake,
		// and would cost every Next robfig's five-year search.
		if sp.next(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC), 0).IsZero() {
			return Spec{}, fmt.Errorf("%q never comes round (no such date)", p)
		}
		s.parts = append(s.parts, sp)
	}
	return s, nil
}

// MustParseSpec is ParseSpec for specs known to be good; it panics on a bad
// one.
func MustParseSpec(text string) Spec {
	s, err := ParseSpec(text)
	if err != nil {
		panic("scheduler: " + err.Error())
	}
	return s
}

func parsePart(p string) (specPart, error) {
	switch {
	case strings.HasPrefix(p, "TZ=") || strings.HasPrefix(p, "CRON_TZ="):
		return specPart{}, errors.New("a schedule is in its printer's time zone: leave out TZ=")
	case strings.HasPrefix(p, "@every"):
		return specPart{}, errors.New("@every is not a time of day: write it as a cron spec, e.g. \"0 */2 * * *\" for every two hours")
	}
	var sp specPart
	fields := strings.Fields(p)
	if len(fields) == 5 && strings.Contains(fields[4], "#") {
		if fields[2] != "*" && fields[2] != "?" {
			return specPart{}, errors.New("a weekday#n (the nth weekday of the month) goes with * for the day of the month")
		}
		dow, nth, err := parseNth(fields[4])
		if err != nil {
			return specPart{}, err
		}
		fields[4], sp.nth, sp.hasNth = dow, nth, true
		p = strings.Join(fields, " ")
	}
	sched, err := parser.Parse(p)
	if err != nil {
		return specPart{}, cronError(err)
	}
	spec, ok := sched.(*cron.SpecSchedule)
	if !ok { // only @every makes another kind, and it is refused above
		return specPart{}, fmt.Errorf("%q is not a calendar schedule", p)
	}
	// robfig takes an empty field ("0 , * * *") as no values, and then
	// searches five years minute by minute before it gives up.
	for _, f := range []uint64{spec.Minute, spec.Hour, spec.Dom, spec.Month, spec.Dow} {
		if f&^starBit == 0 {
			return specPart{}, errors.New("a field with no values: each of the 5 wants at least one")
		}
	}
	spec.Location = time.UTC
	sp.cron = spec
	return sp, nil
}

// cronError rewords robfig's errors a little: they name fields by their
// position.
func cronError(err error) error {
	msg := err.Error()
	if strings.HasPrefix(msg, "expected exactly 5 fields") {
		return fmt.Errorf("want 5 fields, minute hour day-of-month month weekday (%s)", msg)
	}
	return errors.New(msg)
}

var weekdayNames = map[string]int{"sun": 0, "mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6}

// parseNth takes the weekday#n entries out of a weekday field: it returns
// the field with each D#N as D, for robfig, and which nths each weekday
// allows.
func parseNth(field string) (string, [7]uint8, error) {
	var nth [7]uint8
	var plain, out []string
	for _, tok := range strings.Split(field, ",") {
		d, n, ok := strings.Cut(tok, "#")
		if !ok {
			plain = append(plain, tok)
			out = append(out, tok)
			continue
		}
		day, err := strconv.Atoi(d)
		if err != nil {
			w, known := weekdayNames[strings.ToLower(d)]
			if !known {
				return "", nth, fmt.Errorf("%q: want a weekday (0-7 or sun-sat) before #", tok)
			}
			day = w
		}
		k, err := strconv.Atoi(n)
		if day < 0 || day > 7 || err != nil || k < 1 || k > 5 {
			return "", nth, fmt.Errorf("%q: want weekday#n with a weekday 0-7 and n 1 to 5", tok)
		}
		nth[day%7] |= 1 << (k - 1)
		out = append(out, strconv.Itoa(day%7))
	}
	// A weekday also named plainly is not narrowed.
	if len(plain) > 0 {
		s, err := parser.Parse("0 0 * * " + strings.Join(plain, ","))
		if err != nil {
			return "", nth, cronError(err)
		}
		for d := range 7 {
			if s.(*cron.SpecSchedule).Dow&(1<<d) != 0 {
				nth[d] = 0
			}
		}
	}
	return strings.Join(out, ","), nth, nil
}

// String is the schedule as parsed: its specs joined by "; ".
func (s Spec) String() string { return s.text }

// IsZero reports whether the spec is the zero Spec, which never fires.
func (s Spec) IsZero() bool { return len(s.parts) == 0 }

// On narrows the schedule to the weekdays a publication publishes (none or
// every day: not narrowed).
func (s Spec) On(days Days) Spec {
	if days&EveryDay == EveryDay {
		days = 0
	}
	s.days = days & EveryDay
	return s
}

// Next is the schedule's first moment strictly after after, on loc's wall
// clock, with paperboy's daylight-saving rules: a moment the clocks skip is
// at the end of the gap (and several skipped in one gap are one moment), a
// moment the clocks show twice is at its first occurrence only. It is the
// zero time if the schedule does not come round within five years.
//
// robfig/cron matches the fields on the wall clock, as if it were UTC,
// where every local time happens once; Moment then places each wall-clock
// moment in loc.
func (s Spec) Next(loc *time.Location, after time.Time) time.Time {
	w := wall(after, loc)
	// Past a repeated hour's wall clock, which comes round again, up to
	// one moment a minute for an hour or two.
	for range 1000 {
		if w = s.nextWall(w); w.IsZero() {
			return time.Time{}
		}
		if t := Moment(w.Year(), w.Month(), w.Day(), w.Hour(), w.Minute(), loc); t.After(after) {
			return t
		}
	}
	return time.Time{}
}

// nextWall is the first wall-clock moment after w of any of the parts.
func (s Spec) nextWall(w time.Time) time.Time {
	var first time.Time
	for _, p := range s.parts {
		if s.days != 0 && p.rule(s.days).never() {
			continue // On left it no weekday: next would try 1200 days in vain
		}
		if t := p.next(w, s.days); !t.IsZero() && (first.IsZero() || t.Before(first)) {
			first = t
		}
	}
	return first
}

// next is the part's first wall-clock moment after w on a day it allows.
func (p specPart) next(w time.Time, days Days) time.Time {
	// Each try that misses skips the rest of its day: about three years of
	// days at most.
	for range 1200 {
		if w = p.cron.Next(w); w.IsZero() {
			return w
		}
		if p.dayAllowed(w, days) {
			return w
		}
		w = time.Date(w.Year(), w.Month(), w.Day(), 23, 59, 59, 0, time.UTC)
	}
	return time.Time{}
}

// dayAllowed applies what robfig's fields cannot say: the publication's
// weekdays and the nth weekday of the month.
func (p specPart) dayAllowed(w time.Time, days Days) bool {
	if days != 0 && !days.Has(w.Weekday()) {
		return false
	}
	if p.hasNth {
		if n := p.nth[w.Weekday()]; n != 0 && n&(1<<((w.Day()-1)/7)) == 0 {
			return false
		}
	}
	return true
}

// Moments are the schedule's next n moments after after, in loc.
func (s Spec) Moments(loc *time.Location, after time.Time, n int) []time.Time {
	var out []time.Time
	for t := after; len(out) < n; {
		if t = s.Next(loc, t); t.IsZero() {
			break
		}
		out = append(out, t)
	}
	return out
}

// SimpleSpec is the cron spec of the simple form of a schedule: one time
// of day on some weekdays (none or all: every day).
func SimpleSpec(hour, minute int, days Days) string {
	return fmt.Sprintf("%d %d * * %s", minute, hour, dowField(days))
}

// dowField writes a weekday set as cron's weekday field, runs as ranges.
func dowField(days Days) string {
	days &= EveryDay
	if days == 0 || days == EveryDay {
		return "*"
	}
	var out []string
	for d := 0; d < 7; {
		if !days.Has(time.Weekday(d)) {
			d++
			continue
		}
		e := d
		for e+1 < 7 && days.Has(time.Weekday(e+1)) {
			e++
		}
		switch {
		case e == d:
			out = append(out, strconv.Itoa(d))
		case e == d+1:
			out = append(out, strconv.Itoa(d), strconv.Itoa(e))
		default:
			out = append(out, fmt.Sprintf("%d-%d", d, e))
		}
		d = e + 1
	}
	return strings.Join(out, ",")
}

// bits counts the values set in a robfig field.
func bits(f uint64) int {
	n := 0
	for f &^= 1 << 63; f != 0; f &= f - 1 {
		n++
	}
	return n
}

// Times reports the schedule as times of day on some weekdays (days 0:
// every day), if it is that: each spec has * for the day of the month and
// the month, the same weekdays, and together at most MaxSpecParts times.
// The times are "HH:MM", in order.
func (s Spec) Times() (times []string, days Days, ok bool) {
	const star = 1 << 63
	for i, p := range s.parts {
		c := p.cron
		if p.hasNth || c.Dom&star == 0 || c.Month&star == 0 {
			return nil, 0, false
		}
		d := Days(c.Dow) & EveryDay
		if d == EveryDay {
			d = 0
		}
		if i > 0 && d != days {
			return nil, 0, false
		}
		days = d
		if len(times)+bits(c.Hour)*bits(c.Minute) > MaxSpecParts {
			return nil, 0, false
		}
		for h := range 24 {
			for m := range 60 {
				if c.Hour&(1<<h) != 0 && c.Minute&(1<<m) != 0 {
					times = append(times, fmt.Sprintf("%02d:%02d", h, m))
				}
			}
		}
	}
	if len(times) == 0 {
		return nil, 0, false
	}
	slices.Sort(times)
	return slices.Compact(times), days, true
}
