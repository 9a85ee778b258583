package scheduler

import (
	"fmt"
	mathbits "math/bits" // spec.go has a bits
	"strconv"
	"strings"
	"time"
)

// Text is the schedule in plain English, as a subscriber sees it next to a
// subscription: "at 07:00 and 18:00, Monday to Friday", "every 2 hours,
// on the hour", "at 08:00 on the first Monday of the month".
//
// Parts on the same days share one list of times; parts on different days
// are joined by "; ". Days are the ones that print: a Spec narrowed by On
// says only its publication's weekdays, and one left no day is "never".
// Weekdays run Monday to Sunday, times are 24-hour HH:MM on the printer's
// clock. A shape it cannot say well is given as its cron spec, and a long
// irregular list of times by its count and span, never by a guess.
func (s Spec) Text() string {
	var groups []textGroup
	for i, p := range s.parts {
		r := p.rule(s.days)
		m := p.minutes()
		if r.never() || m.count() == 0 {
			continue
		}
		if j := ruleIndex(groups, r); j >= 0 {
			groups[j].times.union(&m)
			groups[j].crons = append(groups[j].crons, s.partText(i))
			continue
		}
		groups = append(groups, textGroup{rule: r, times: m, crons: []string{s.partText(i)}})
	}
	groups = mergeWeekdays(groups)
	if len(groups) == 0 {
		return "never"
	}
	out := make([]string, len(groups))
	for i, g := range groups {
		out[i] = g.text(s.days)
	}
	return strings.Join(out, "; ")
}

// partText is the cron text of part i, as parsed.
func (s Spec) partText(i int) string {
	if texts := strings.Split(s.text, "; "); i < len(texts) {
		return texts[i]
	}
	return s.text
}

// textGroup is the parts of a schedule that print on the same days.
type textGroup struct {
	rule  dayRule
	times minuteSet
	crons []string // the parts' own specs, for a shape Text cannot say
}

func (g textGroup) text(days Days) string {
	times, at := timesText(&g.times)
	on, ok := g.rule.text(at)
	if !ok {
		cron := `cron "` + strings.Join(g.crons, "; ") + `"`
		if days != 0 {
			cron += onlyText(days)
		}
		return cron
	}
	return times + on
}

func ruleIndex(groups []textGroup, r dayRule) int {
	for i, g := range groups {
		if g.rule == r {
			return i
		}
	}
	return -1
}

// mergeWeekdays joins groups with the same times on plain weekdays: "at
// 08:00 on Monday; at 08:00 on Wednesday" is "at 08:00 on Monday and
// Wednesday".
func mergeWeekdays(groups []textGroup) []textGroup {
	var out []textGroup
next:
	for _, g := range groups {
		for i := range out {
			o := &out[i]
			if o.rule.plainWeekdays() && g.rule.plainWeekdays() && o.rule.months == g.rule.months && o.times == g.times {
				o.rule.dow |= g.rule.dow
				o.crons = append(o.crons, g.crons...)
				continue next
			}
		}
		out = append(out, g)
	}
	return out
}

// dayRule is the days a cron part prints on, after cron's rule for its two
// day fields, weekday#n and the publication's weekdays, in a form to
// compare and to put in words. In the months it holds, a date prints if
//   - it is one of dom and falls on a weekday in only, or
//   - it falls on a weekday in dow, and, if nth has bits for that weekday,
//     is its nth in the month for one of them.
//
// The zero dayRule never prints.
type dayRule struct {
	months uint16   // bits 1-12
	dom    uint32   // days of the month, bits 1-31
	dow    Days     // weekdays printed whatever the date
	nth    [7]uint8 // by weekday in dow: bit n-1 for the nth of the month only; 0: all
	only   Days     // with dom: the weekdays those dates must fall on
}

const (
	allMonths uint16 = 1<<13 - 2
	allDom    uint32 = 1<<32 - 2
	starBit   uint64 = 1 << 63
	allNth    uint8  = 1<<5 - 1
)

// rule is the days p prints on, narrowed to days (0: not narrowed).
func (p specPart) rule(days Days) dayRule {
	c := p.cron
	only := days & EveryDay
	if only == 0 {
		only = EveryDay
	}
	r := dayRule{months: uint16(c.Month) & allMonths}
	dom := uint32(c.Dom) & allDom
	dow := Days(c.Dow) & EveryDay
	// robfig/cron: if either day field is * (or ?) a day must match both,
	// else either.
	and := c.Dom&starBit != 0 || c.Dow&starBit != 0
	switch {
	case and && dom == allDom, !and && (dom == allDom || dow == EveryDay || dom == 0):
		if !and && dom != 0 {
			dow = EveryDay
		}
		r.dow = dow & only
		if p.hasNth {
			for d := range 7 {
				if r.dow.Has(time.Weekday(d)) && p.nth[d]&allNth != allNth {
					r.nth[d] = p.nth[d]
				}
			}
		}
	case and && dow == EveryDay:
		r.dom, r.only = dom, only
	case and:
		// Not from a parsed spec (a star sets all of its field); both apply.
		r.dom, r.only = dom, only&dow
	default:
		r.dom, r.dow, r.only = dom, dow&only, only
		if only&^dow == 0 { // every weekday that prints is in dow anyway
			r.dom, r.only = 0, 0
		}
	}
	if r.dom != 0 {
		r.only &= EveryDay
		if r.only == 0 {
			r.dom = 0
		}
		// Dates no month of the rule has (the 31st of April) never come.
		var longest int
		var months uint16
		for m := 1; m <= 12; m++ {
			if n := daysIn(time.Month(m)); r.months&(1<<m) != 0 && r.dom&(1<<(n+1)-2) != 0 {
				months |= 1 << m
				longest = max(longest, n)
			}
		}
		r.dom &= 1<<(longest+1) - 2
		if r.dow == 0 {
			r.months = months
		}
	}
	if r.dom == 0 {
		r.only = 0
	}
	if r.never() {
		return dayRule{}
	}
	return r
}

// daysIn is the most days month m has (29 for February).
func daysIn(m time.Month) int { return monthLengths[m] }

var monthLengths = [13]int{0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}

func (r dayRule) never() bool { return r.months == 0 || r.dom == 0 && r.dow == 0 }

// plainWeekdays reports whether r is a set of weekdays, none narrowed.
func (r dayRule) plainWeekdays() bool { return r.dom == 0 && r.nth == [7]uint8{} }

// text is r in words, to follow a time ("at 08:00" if at, else "every
// hour" and the like); ok is false if it has no good words.
func (r dayRule) text(at bool) (string, bool) {
	inMonths := ""
	ofMonths := "the month"
	if r.months != allMonths {
		ofMonths = join(monthItems(r.months))
		inMonths = " in " + ofMonths
	}
	switch {
	case r.dom == 0 && r.dow == EveryDay && r.nth == [7]uint8{}:
		if at {
			return " every day" + inMonths, true
		}
		return inMonths, true
	case r.dom == 0 && r.nth == [7]uint8{}:
		return weekdaysText(r.dow) + inMonths, true
	case r.dom == 0:
		var nth []string
		var plain Days
		for _, d := range weekdayOrder {
			switch {
			case !r.dow.Has(d):
			case r.nth[d] == 0:
				plain |= 1 << d
			default:
				nth = append(nth, "the "+nthWords(r.nth[d])+" "+d.String())
			}
		}
		out := " on " + join(nth) + " of " + ofMonths
		if plain != 0 {
			out += " and on " + join(weekdayItems(plain, true)) + inMonths
		}
		return out, true
	}
	var out string
	if items := domItems(r.dom); len(items) <= maxItems {
		out = " on the " + join(items) + " of " + ofMonths
	} else if step, first, last, ok := progression(r.dom); ok && step > 1 {
		out = fmt.Sprintf(" on every %s day of %s from the %s to the %s", ordinal(step), ofMonths, ordinal(first), ordinal(last))
	} else {
		return "", false
	}
	if r.dow != 0 {
		out += " and on " + join(weekdayItems(r.dow, true)) + inMonths
	}
	if r.only != EveryDay {
		out += onlyText(r.only)
	}
	return out, true
}

// onlyText is the weekdays a date must fall on, to follow a date: " (only
// Monday to Friday)".
func onlyText(days Days) string {
	return " (only" + strings.TrimPrefix(weekdaysText(days), ",") + ")"
}

// weekdaysText is ", Monday to Friday" or " on Saturday and Sunday".
func weekdaysText(days Days) string {
	items := weekdayItems(days, false)
	if len(items) == 1 && strings.Contains(items[0], " to ") {
		return ", " + items[0]
	}
	return " on " + join(items)
}

// maxItems is the longest list Text writes out.
const maxItems = 6

// weekdayOrder is the week as people read it.
var weekdayOrder = [7]time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday, time.Sunday}

// weekdayItems are days as runs ("Monday to Friday") and single days, from
// Monday; plural says "Mondays".
func weekdayItems(days Days, plural bool) []string {
	name := func(d time.Weekday) string {
		if plural {
			return d.String() + "s"
		}
		return d.String()
	}
	var in [7]bool
	for i, d := range weekdayOrder {
		in[i] = days.Has(d)
	}
	return runItems(in[:], func(i int) string { return name(weekdayOrder[i]) })
}

// monthItems are months (bits 1-12) as runs and single months.
func monthItems(months uint16) []string {
	var in [12]bool
	for i := range in {
		in[i] = months&(1<<(i+1)) != 0
	}
	return runItems(in[:], func(i int) string { return time.Month(i + 1).String() })
}

// domItems are days of the month (bits 1-31) as runs and ordinals.
func domItems(dom uint32) []string {
	var in [31]bool
	for i := range in {
		in[i] = dom&(1<<(i+1)) != 0
	}
	return runItems(in[:], func(i int) string { return ordinal(i + 1) })
}

// runItems names the members of a set in order, three or more in a row
// as "first to last".
func runItems(in []bool, name func(int) string) []string {
	var out []string
	for i := 0; i < len(in); {
		if !in[i] {
			i++
			continue
		}
		e := i
		for e+1 < len(in) && in[e+1] {
			e++
		}
		if e-i >= 2 {
			out = append(out, name(i)+" to "+name(e))
		} else {
			for j := i; j <= e; j++ {
				out = append(out, name(j))
			}
		}
		i = e + 1
	}
	return out
}

// progression reports whether the bits set in f (at least four) are evenly
// spaced, and how.
func progression(f uint32) (step, first, last int, ok bool) {
	if mathbits.OnesCount32(f) < 4 {
		return 0, 0, 0, false
	}
	first = mathbits.TrailingZeros32(f)
	last = 31 - mathbits.LeadingZeros32(f)
	rest := f &^ (1 << first)
	step = mathbits.TrailingZeros32(rest) - first
	for i := first; i <= last; i += step {
		if f&(1<<i) == 0 {
			return 0, 0, 0, false
		}
	}
	if (last-first)/step+1 != mathbits.OnesCount32(f) {
		return 0, 0, 0, false
	}
	return step, first, last, true
}

func ordinal(n int) string {
	suffix := "th"
	switch {
	case n%100/10 == 1:
	case n%10 == 1:
		suffix = "st"
	case n%10 == 2:
		suffix = "nd"
	case n%10 == 3:
		suffix = "rd"
	}
	return strconv.Itoa(n) + suffix
}

// nthWords says which nths of the month bits (bit n-1: the nth) are:
// "first and third".
func nthWords(mask uint8) string {
	names := [5]string{"first", "second", "third", "fourth", "fifth"}
	var out []string
	for i, n := range names {
		if mask&(1<<i) != 0 {
			out = append(out, n)
		}
	}
	return join(out)
}

// join lists items as people do: "a", "a and b", "a, b and c".
func join(items []string) string {
	if len(items) < 2 {
		return strings.Join(items, "")
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}

// minuteSet holds minutes of the day: bit h*60+m for hh:mm.
type minuteSet [(24*60 + 63) / 64]uint64

func (m *minuteSet) add(i int)      { m[i/64] |= 1 << (i % 64) }
func (m *minuteSet) has(i int) bool { return m[i/64]&(1<<(i%64)) != 0 }
func (m *minuteSet) union(o *minuteSet) {
	for i := range m {
		m[i] |= o[i]
	}
}

func (m *minuteSet) count() int {
	n := 0
	for _, w := range m {
		n += mathbits.OnesCount64(w)
	}
	return n
}

// each calls f with each minute in m, in order.
func (m *minuteSet) each(f func(int)) {
	for i, w := range m {
		for ; w != 0; w &= w - 1 {
			f(i*64 + mathbits.TrailingZeros64(w))
		}
	}
}

// list is the minutes in order.
func (m *minuteSet) list() []int {
	out := make([]int, 0, m.count())
	m.each(func(t int) { out = append(out, t) })
	return out
}

// minutes is when in a day p prints, on a day it does.
func (p specPart) minutes() minuteSet {
	var m minuteSet
	for h := range 24 {
		if p.cron.Hour&(1<<h) == 0 {
			continue
		}
		for mi := p.cron.Minute &^ starBit; mi != 0; mi &= mi - 1 {
			m.add(h*60 + mathbits.TrailingZeros64(mi))
		}
	}
	return m
}

// timesText says when in the day the minutes of m come: "at 07:00 and
// 18:00", "every 2 hours, on the hour", "every 30 minutes from 09:00 to
// 17:30". at reports whether it names the times ("at …") rather than a
// rhythm, to choose between "at 08:00 every day" and "every minute".
func timesText(m *minuteSet) (text string, at bool) {
	ts := m.list()
	n := len(ts)
	if n <= 4 {
		return atText(ts), true
	}
	first, last := ts[0], ts[n-1]
	if step, ok := evenStep(ts); ok {
		if n*step == 24*60 { // round the clock
			switch {
			case step%60 != 0 && first == 0:
				return "every " + stepText(step), false
			case step%60 != 0:
			case first == 0:
				return "every " + stepText(step) + ", on the hour", false
			case first < 60:
				return "every " + stepText(step) + " at " + minuteText(first), false
			}
		}
		return "every " + stepText(step) + " from " + clock(first) + " to " + clock(last), false
	}
	if n <= maxItems {
		return atText(ts), true
	}
	// The same minutes past every hour: "every hour at :00 and :05".
	var mins []int
	for _, t := range ts {
		if t >= 60 {
			break
		}
		mins = append(mins, t)
	}
	if n == 24*len(mins) && everyHour(m, mins) {
		if len(mins) <= maxItems {
			items := make([]string, len(mins))
			for i, mi := range mins {
				items[i] = minuteText(mi)
			}
			return "every hour at " + join(items), false
		}
		if step, ok := evenStep(mins); ok {
			return fmt.Sprintf("every %s past each hour, from %s to %s", stepText(step), minuteText(mins[0]), minuteText(mins[len(mins)-1])), false
		}
		return fmt.Sprintf("%d times an hour, from %s to %s", len(mins), minuteText(mins[0]), minuteText(mins[len(mins)-1])), false
	}
	// A few evenly spaced runs: "every hour from 08:00 to 12:00 and from
	// 14:00 to 17:00".
	if text, ok := runsText(ts); ok {
		return text, false
	}
	return fmt.Sprintf("%d times a day from %s to %s", n, clock(first), clock(last)), false
}

// everyHour reports whether m holds minutes mins past every hour.
func everyHour(m *minuteSet, mins []int) bool {
	for h := range 24 {
		for _, mi := range mins {
			if !m.has(h*60 + mi) {
				return false
			}
		}
	}
	return true
}

// runsText says sorted minutes of the day as up to three runs, each evenly
// spaced by the shortest step between any two.
func runsText(ts []int) (string, bool) {
	step := 24 * 60
	for i := 1; i < len(ts); i++ {
		step = min(step, ts[i]-ts[i-1])
	}
	var runs [][]int
	for i, t := range ts {
		if i > 0 && t-ts[i-1] == step {
			runs[len(runs)-1] = append(runs[len(runs)-1], t)
			continue
		}
		if len(runs) == 3 {
			return "", false
		}
		runs = append(runs, []int{t})
	}
	long := true
	for _, r := range runs {
		long = long && len(r) >= 3
	}
	var items []string
	for i, r := range runs {
		switch {
		case long && i > 0:
			items = append(items, "from "+clock(r[0])+" to "+clock(r[len(r)-1]))
		case len(r) >= 3:
			items = append(items, "every "+stepText(step)+" from "+clock(r[0])+" to "+clock(r[len(r)-1]))
		default:
			items = append(items, atText(r))
		}
	}
	return join(items), true
}

// evenStep reports whether sorted ts are evenly spaced, and by how much.
func evenStep(ts []int) (int, bool) {
	if len(ts) < 2 {
		return 0, false
	}
	step := ts[1] - ts[0]
	for i := 2; i < len(ts); i++ {
		if ts[i]-ts[i-1] != step {
			return 0, false
		}
	}
	return step, true
}

func atText(ts []int) string {
	items := make([]string, len(ts))
	for i, t := range ts {
		items[i] = clock(t)
	}
	return "at " + join(items)
}

// stepText is a step between times: "minute", "2 minutes", "hour", "90
// minutes", "2 hours".
func stepText(minutes int) string {
	switch {
	case minutes == 1:
		return "minute"
	case minutes == 60:
		return "hour"
	case minutes%60 == 0:
		return strconv.Itoa(minutes/60) + " hours"
	}
	return strconv.Itoa(minutes) + " minutes"
}

// clock is a minute of the day as HH:MM.
func clock(t int) string { return fmt.Sprintf("%02d:%02d", t/60, t%60) }

// minuteText is a minute past the hour as :MM.
func minuteText(m int) string { return fmt.Sprintf(":%02d", m) }
