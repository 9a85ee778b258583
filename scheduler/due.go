package scheduler

import (
	"strings"
	"time"

	"paperboy/sdk"
	"paperboy/store"
)

// Days is a set of weekdays: bit d for time.Weekday d (Sunday is bit 0).
type Days uint8

// EveryDay holds all seven weekdays.
const EveryDay Days = 1<<7 - 1

// Weekdays are Monday to Friday.
const Weekdays = EveryDay &^ (1<<time.Saturday | 1<<time.Sunday)

// DaysOf is the set of the weekdays given.
func DaysOf(ws ...time.Weekday) Days {
	var d Days
	for _, w := range ws {
		d |= 1 << (w % 7)
	}
	return d
}

// Has reports whether a weekday is in the set.
func (d Days) Has(w time.Weekday) bool { return d&(1<<(w%7)) != 0 }

func (d Days) String() string {
	if d&EveryDay == EveryDay {
		return "every day"
	}
	var out []string
	for w := time.Monday; w <= time.Saturday+1; w++ {
		if d.Has(w % 7) {
			out = append(out, (w % 7).String()[:3])
		}
	}
	if len(out) == 0 {
		return "never"
	}
	return strings.Join(out, ",")
}

// SpecOf is a subscription's schedule, narrowed to the weekdays its
// publication publishes (sdk.Meta.Days, none meaning every day).
func SpecOf(sub store.Subscription, meta sdk.Meta) (Spec, error) {
	spec, err := ParseSpec(sub.Schedule)
	if err != nil {
		return Spec{}, err
	}
	return spec.On(PublicationDays(meta)), nil
}

// PublicationDays are the weekdays a publication publishes.
func PublicationDays(meta sdk.Meta) Days {
	if len(meta.Days) == 0 {
		return EveryDay
	}
	return DaysOf(meta.Days...)
}

// Moment is when the wall clock in loc shows hour:minute on a local date:
// its first occurrence if it shows it twice, and the end of the gap if the
// clocks skip it.
func Moment(year int, month time.Month, day, hour, minute int, loc *time.Location) time.Time {
	t := time.Date(year, month, day, hour, minute, 0, 0, loc)
	want := time.Date(year, month, day, hour, minute, 0, 0, time.UTC)
	start, end := t.ZoneBounds()
	switch w := wall(t, loc); {
	case w.Equal(want):
		// time.Date may pick either occurrence of a repeated time: the one
		// under the previous zone offset, if it shows the same wall clock
		// before this zone began, is the first.
		if !start.IsZero() {
			_, off := t.Zone()
			_, prev := start.Add(-time.Nanosecond).Zone()
			if u := t.Add(time.Duration(off-prev) * time.Second); u.Before(start) && wall(u, loc).Equal(want) {
				return u
			}
		}
		return t
	case start.IsZero() || end.IsZero():
		return t // no transition near: cannot happen for a gap
	case w.After(want):
		// In a gap, and time.Date went past it: the gap ends where t's zone
		// starts.
		return start
	default:
		// In a gap, and time.Date stayed before it: it ends where t's zone
		// ends.
		return end
	}
}

// wall is t's wall clock in loc, as a UTC time to compare with.
func wall(t time.Time, loc *time.Location) time.Time {
	t = t.In(loc)
	return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC)
}
