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

// Schedule is when a subscription's editions are due: at Hour:Minute, local
// time, on Days.
type Schedule struct {
	Hour, Minute int
	Days         Days // none: never
}

// ScheduleOf is a subscription's schedule: its hour and minute, on the days
// its publication publishes narrowed by its own (a subscription's 0 is every
// day the publication publishes). Days may come out empty, when the
// subscriber asked only for days the publication has nothing.
func ScheduleOf(sub store.Subscription, meta sdk.Meta) Schedule {
	pub := EveryDay
	if len(meta.Days) > 0 {
		pub = DaysOf(meta.Days...)
	}
	own := Days(sub.Days) & EveryDay
	if own == 0 {
		own = EveryDay
	}
	return Schedule{Hour: sub.Hour, Minute: sub.Minute, Days: pub & own}
}

// Next is the schedule's first delivery moment strictly after after, in
// loc; the zero time if the schedule has no days.
//
// It walks local dates and makes each date's moment with time.Date, so
// daylight-saving changes are taken as subscribers mean them:
//   - a time the clocks skip (01:30 on the night London goes from 01:00 to
//     02:00) is delivered at the first moment after the gap, that same local
//     day, once (02:00 BST);
//   - a time that happens twice (01:30 on the night the clocks go back) is
//     delivered once, at its first occurrence (01:30 BST, not 01:30 GMT).
func Next(s Schedule, loc *time.Location, after time.Time) time.Time {
	if s.Days&EveryDay == 0 {
		return time.Time{}
	}
	y, m, d := after.In(loc).Date()
	// From the day before (a moment pushed past a gap at midnight may fall
	// on the next date) to 8 days on (a one-day-a-week schedule whose moment
	// today has passed).
	for i := -1; i <= 8; i++ {
		day := time.Date(y, m, d+i, 12, 0, 0, 0, time.UTC) // calendar arithmetic only
		if !s.Days.Has(day.Weekday()) {
			continue
		}
		if t := Moment(day.Year(), day.Month(), day.Day(), s.Hour, s.Minute, loc); t.After(after) {
			return t
		}
	}
	return time.Time{}
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
