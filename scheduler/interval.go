package scheduler

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// intervalStart is where ShortestInterval and CheckInterval start their
// walk: a Monday, 1 January of a leap year.
var intervalStart = time.Date(2024, time.January, 1, 0, 0, 0, 0, time.UTC)

// intervalEnd is where the walk from intervalStart may stop, having seen
// every gap the rules can make.
//   - On weekdays alone, the moments come round every week: four of them.
//   - On dates alone, every year (common or leap) has the same dates: to
//     April 2026, so a leap February, a common one and a common year's
//     dates a year apart are in it.
//   - Otherwise dates fall on every weekday in turn, and the calendar comes
//     round in 28 years (from 1901 to 2099, where every fourth year is a
//     leap year): to April 2052.
func intervalEnd(rules []dayRule) time.Time {
	weekly, yearly := true, true
	for _, r := range rules {
		if r.never() {
			continue
		}
		weekly = weekly && r.dom == 0 && r.nth == [7]uint8{} && r.months == allMonths
		yearly = yearly && (r.dow == 0 && r.only == EveryDay || r.dom == 0 && r.dow == EveryDay && r.nth == [7]uint8{})
	}
	switch {
	case weekly:
		return intervalStart.AddDate(0, 0, 28)
	case yearly:
		return time.Date(2026, time.April, 1, 0, 0, 0, 0, time.UTC)
	}
	return time.Date(2052, time.April, 1, 0, 0, 0, 0, time.UTC)
}

// Never is what ShortestInterval says of a schedule with fewer than two
// moments: the longest Duration, about 292 years.
const Never time.Duration = math.MaxInt64

// ShortestInterval is the shortest time between two moments of the
// schedule that follow each other, on the printer's wall clock (a
// daylight-saving change is not counted): 2 minutes for "*/2 * * * *", 11
// hours for "0 7,18 * * *", 28 days for "0 8 1 * *" (February), 1 day for
// "0 8 1 6 1" (the 1st of June and its Mondays: Sunday 1 June 2025).
//
// It walks the wall clock from 1 January 2024 for as long as the schedule
// needs to show every gap it has (intervalEnd: four weeks for weekdays
// alone, 28 years for dates that depend on their weekday), and past that
// to the next moment if it found fewer than two: "0 0 29 2 *" is 1461
// days, from 29 February 2024 to 29 February 2028. 2100, which is not a
// leap year, is not considered. Never if there are no two moments, as for
// a Spec that On left no day.
func (s Spec) ShortestInterval() time.Duration {
	return s.shortest(0)
}

// CheckInterval returns nil if no two moments of the schedule that follow
// each other are closer than min, on the printer's wall clock, as
// ShortestInterval measures them; else an error a subscriber can read,
// such as
//
//	"*/5 * * * *" prints every 5 minutes: at most once every 1 hour here
//
// It stops at the first gap shorter than min.
func (s Spec) CheckInterval(min time.Duration) error {
	if min <= time.Minute { // moments are whole minutes apart
		return nil
	}
	gap := s.shortest(min)
	if gap >= min {
		return nil
	}
	how := "twice within " + durationText(gap)
	if s.every(gap) {
		how = "every " + durationText(gap)
	}
	return fmt.Errorf("%q prints %s: at most once every %s here", s.text, how, durationText(min))
}

// every reports whether the schedule prints every gap, round the clock,
// every day.
func (s Spec) every(gap time.Duration) bool {
	var all minuteSet
	for _, p := range s.parts {
		r := p.rule(s.days)
		if r.never() {
			continue
		}
		if r != (dayRule{months: allMonths, dow: EveryDay}) {
			return false
		}
		m := p.minutes()
		all.union(&m)
	}
	step := int(gap / time.Minute)
	n, want := 0, -1
	ok := true
	all.each(func(t int) {
		ok = ok && (want < 0 || t == want)
		n, want = n+1, t+step
	})
	return ok && n*step == 24*60
}

// shortest is ShortestInterval, but it stops at the first gap shorter than
// below.
//
// It walks dates, asks each part's dayRule (the days Text says) whether it
// prints on the date, and takes the date's times from the parts' hour and
// minute fields: a date costs the same for "* * * * *" as for "0 8 * * *",
// a few nanoseconds. Past intervalEnd, if it found fewer than two moments,
// it takes the next ones from nextWall.
func (s Spec) shortest(below time.Duration) time.Duration {
	rules := make([]dayRule, len(s.parts))
	minutes := make([]minuteSet, len(s.parts))
	for i, p := range s.parts {
		rules[i], minutes[i] = p.rule(s.days), p.minutes()
	}
	// What a date holds depends only on which parts print on it.
	type daySummary struct {
		n, first, last, gap int // gap: the shortest within the day, 0 if none
	}
	var summaries []daySummary
	var index [1 << MaxSpecParts]int // by which parts print: 1 + its summary's index, 0 if none yet
	best := Never
	prev := -1 // the last moment so far, in minutes from intervalStart
	count := 0
	end := intervalEnd(rules)
	stop := int(end.Sub(intervalStart) / time.Minute)
	c := intervalStart
	y, m, d, wd := c.Year(), c.Month(), c.Day(), c.Weekday()
	for at := 0; at < stop; at += 24 * 60 {
		var which uint
		for i, r := range rules {
			if r.has(m, d, wd) {
				which |= 1 << i
			}
		}
		if d++; d > monthDays(y, m) {
			d, m = 1, m+1
			if m > time.December {
				m, y = time.January, y+1
			}
		}
		wd = (wd + 1) % 7
		if which == 0 {
			continue
		}
		i := index[which] - 1
		if i < 0 {
			var all minuteSet
			for j := range s.parts {
				if which&(1<<j) != 0 {
					all.union(&minutes[j])
				}
			}
			sum := daySummary{first: -1}
			all.each(func(t int) {
				if sum.n++; sum.first < 0 {
					sum.first = t
				} else if g := t - sum.last; sum.gap == 0 || g < sum.gap {
					sum.gap = g
				}
				sum.last = t
			})
			summaries = append(summaries, sum)
			i = len(summaries) - 1
			index[which] = i + 1
		}
		sum := summaries[i]
		if prev >= 0 {
			best = min(best, time.Duration(at+sum.first-prev)*time.Minute)
		}
		if sum.gap > 0 {
			best = min(best, time.Duration(sum.gap)*time.Minute)
		}
		if best < below || best == time.Minute { // none is shorter than a minute
			return best
		}
		count += sum.n
		prev = at + sum.last
	}
	if count >= 2 {
		return best
	}
	// Fewer than two moments: the next ones, however far.
	w := intervalStart.Add(time.Duration(prev) * time.Minute)
	if count == 0 {
		if w = s.nextWall(end.Add(-time.Second)); w.IsZero() {
			return Never
		}
	}
	next := s.nextWall(w)
	if next.IsZero() {
		return Never
	}
	return next.Sub(w)
}

// has reports whether r prints on day d of month m, a weekday wd.
func (r dayRule) has(m time.Month, d int, wd time.Weekday) bool {
	if r.months&(1<<m) == 0 {
		return false
	}
	if r.dom&(1<<d) != 0 && r.only.Has(wd) {
		return true
	}
	return r.dow.Has(wd) && (r.nth[wd] == 0 || r.nth[wd]&(1<<((d-1)/7)) != 0)
}

// monthDays is how many days month m of year y has.
func monthDays(y int, m time.Month) int {
	if m == time.February && (y%4 != 0 || y%100 == 0 && y%400 != 0) {
		return 28
	}
	return daysIn(m)
}

// durationText is a duration in words: "1 hour", "30 minutes", "1 day 6
// hours". A part of a second is left to time.Duration's own String.
func durationText(d time.Duration) string {
	if d <= 0 || d%time.Second != 0 {
		return d.String()
	}
	units := []struct {
		size time.Duration
		name string
	}{{24 * time.Hour, "day"}, {time.Hour, "hour"}, {time.Minute, "minute"}, {time.Second, "second"}}
	var out []string
	for _, u := range units {
		n := d / u.size
		if n == 0 {
			continue
		}
		d -= n * u.size
		word := strconv.FormatInt(int64(n), 10) + " " + u.name
		if n != 1 {
			word += "s"
		}
		out = append(out, word)
	}
	return strings.Join(out, " ")
}
