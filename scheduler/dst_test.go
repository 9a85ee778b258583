package scheduler_test

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"paperboy/internal/storetest"
	"paperboy/scheduler"
	"paperboy/store"
)

// TestScheduler_SpecsThroughChangeDays ticks minute by minute through a
// day on which the clocks change (or a day at an end of the earth), with
// schedules of several moments a day, and checks that each scheduled
// moment made exactly one edition, when an oracle that knows nothing of
// Moment says: walking the day's real minutes, a wall-clock time is due
// when first seen, and those the clocks skip are due, together, at the
// first minute after the gap.
func TestScheduler_SpecsThroughChangeDays(t *testing.T) {
	zones := []struct{ zone, day string }{
		{"Europe/London", "2026-03-29"},       // 01:00 → 02:00
		{"Europe/London", "2026-10-25"},       // 02:00 → 01:00
		{"America/New_York", "2026-03-08"},    // 02:00 → 03:00
		{"America/New_York", "2026-11-01"},    // 02:00 → 01:00
		{"Australia/Sydney", "2026-04-05"},    // 03:00 → 02:00, the southern autumn
		{"Australia/Sydney", "2026-10-04"},    // 02:00 → 03:00
		{"Australia/Lord_Howe", "2026-04-05"}, // 02:00 → 01:30
		{"Australia/Lord_Howe", "2026-10-04"}, // 02:00 → 02:30
		{"Pacific/Kiritimati", "2026-12-06"},  // UTC+14
		{"Etc/GMT+12", "2026-12-06"},          // UTC−12
	}
	specs := []string{"*/30 * * * *", "0 7,18 * * *", "30 1,2 * * *", "*/15 1-3 * * *", "0 2 * * 0", "45 1 * * *; 15 2 * * *"}
	for _, z := range zones {
		t.Run(z.zone+" "+z.day, func(t *testing.T) {
			t.Parallel()
			storetest.Each(t, func(t *testing.T, st *store.Store) {
				loc := mustZone(t, z.zone)
				day, _ := time.ParseInLocation(time.DateOnly, z.day, loc)
				from := day.Add(-time.Hour)
				to := time.Date(day.Year(), day.Month(), day.Day()+1, 0, 0, 0, 0, loc)
				f := newFixture(t, st, from.Add(-time.Minute))
				printers := map[string]int64{}
				for _, spec := range specs {
					p := f.printer(t, z.zone)
					f.subscribe(t, store.NewSubscription{PrinterID: p.ID, Schedule: spec})
					printers[spec] = p.ID
				}
				s := f.scheduler(scheduler.Config{Lead: 2 * time.Minute})
				f.tickThrough(t, s, from, to.Add(-time.Minute), time.Minute)
				for _, spec := range specs {
					var got []string
					for _, d := range f.editions(t, printers[spec]) {
						got = append(got, d.NotBefore.UTC().Format(time.RFC3339))
					}
					want := oracle(t, spec, loc, from, to.Add(time.Minute)) // the last tick, and its lead
					if strings.Join(got, " ") != strings.Join(want, " ") {
						t.Errorf("%q: editions due\n  %v\nwant\n  %v", spec, got, want)
					}
				}
			})
		})
	}
}

// oracle lists the moments of a simple spec (minutes, hours: lists,
// ranges, steps and *; the other fields * or a weekday) in [from, to], by
// walking real minutes.
func oracle(t *testing.T, spec string, loc *time.Location, from, to time.Time) []string {
	t.Helper()
	var due []time.Time
	seen := map[string]bool{}
	var last time.Time // the previous minute's wall clock
	for at := from; !at.After(to); at = at.Add(time.Minute) {
		w := wallOf(at.In(loc))
		var walls []time.Time
		if !last.IsZero() && w.Sub(last) > time.Minute {
			for g := last.Add(time.Minute); g.Before(w); g = g.Add(time.Minute) {
				walls = append(walls, g) // skipped: due now
			}
		}
		walls = append(walls, w)
		last = w
		for _, x := range walls {
			key := x.Format(time.DateTime)
			if seen[key] || !matches(t, spec, x) {
				continue
			}
			seen[key] = true
			if len(due) == 0 || !due[len(due)-1].Equal(at) {
				due = append(due, at)
			}
		}
	}
	var out []string
	for _, d := range due {
		out = append(out, d.UTC().Format(time.RFC3339))
	}
	return out
}

func wallOf(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), 0, 0, time.UTC)
}

// matches is a small cron matcher for the oracle, written apart from
// robfig's.
func matches(t *testing.T, spec string, w time.Time) bool {
	for part := range strings.SplitSeq(spec, ";") {
		f := strings.Fields(part)
		if len(f) != 5 || f[2] != "*" || f[3] != "*" {
			t.Fatalf("oracle: %q is beyond it", part)
		}
		if field(t, f[0], w.Minute(), 59) && field(t, f[1], w.Hour(), 23) && (f[4] == "*" || field(t, f[4], int(w.Weekday()), 6)) {
			return true
		}
	}
	return false
}

func field(t *testing.T, f string, v, most int) bool {
	for item := range strings.SplitSeq(f, ",") {
		rng, step, _ := strings.Cut(item, "/")
		lo, hi := 0, most
		if rng != "*" {
			a, b, isRange := strings.Cut(rng, "-")
			lo = atoi(t, a)
			hi = lo
			if isRange {
				hi = atoi(t, b)
			}
		}
		by := 1
		if step != "" {
			by = atoi(t, step)
		}
		if v >= lo && v <= hi && (v-lo)%by == 0 {
			return true
		}
	}
	return false
}

func atoi(t *testing.T, s string) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatalf("oracle: %q: %v", s, err)
	}
	return n
}

// TestSpec_Moments pins what a few schedules mean through change days, in
// words a reader can check against a calendar.
func TestSpec_Moments(t *testing.T) {
	tests := []struct {
		spec, zone, after string
		want              []string // local RFC 3339
	}{
		{"30 1 * * *", "Europe/London", "2026-03-29T00:00:00Z", []string{"2026-03-29T02:00:00+01:00", "2026-03-30T01:30:00+01:00"}},
		{"*/15 1 * * *", "Europe/London", "2026-03-29T00:00:00Z", []string{"2026-03-29T02:00:00+01:00", "2026-03-30T01:00:00+01:00"}},
		{"*/20 1 * * *", "Europe/London", "2026-10-24T23:00:00Z", []string{"2026-10-25T01:00:00+01:00", "2026-10-25T01:20:00+01:00", "2026-10-25T01:40:00+01:00", "2026-10-26T01:00:00Z"}},
		{"15 2 * * *", "Australia/Lord_Howe", "2026-10-03T12:00:00Z", []string{"2026-10-04T02:30:00+11:00", "2026-10-05T02:15:00+11:00"}},
		{"45 1 * * *", "Australia/Lord_Howe", "2026-04-04T12:00:00Z", []string{"2026-04-05T01:45:00+11:00", "2026-04-06T01:45:00+10:30"}},
		{"0 8 * * 1#1", "UTC", "2026-12-06T00:00:00Z", []string{"2026-12-07T08:00:00Z", "2027-01-04T08:00:00Z"}}, // December starts on a Tuesday
		{"0 8 1 * 1", "UTC", "2026-12-06T00:00:00Z", []string{"2026-12-07T08:00:00Z", "2026-12-14T08:00:00Z"}},
		{"0 7 * * *; 30 18 * * 1-5", "UTC", "2026-12-04T12:00:00Z", []string{"2026-12-04T18:30:00Z", "2026-12-05T07:00:00Z", "2026-12-06T07:00:00Z"}},
		{"@weekly", "Pacific/Kiritimati", "2026-12-06T00:00:00Z", []string{"2026-12-12T10:00:00Z"}},
	}
	for _, tt := range tests {
		t.Run(tt.spec+" "+tt.zone, func(t *testing.T) {
			loc := mustZone(t, tt.zone)
			var got []string
			for _, m := range scheduler.MustParseSpec(tt.spec).Moments(loc, mustTime(t, tt.after), len(tt.want)) {
				got = append(got, m.In(loc).Format(time.RFC3339))
			}
			for i, w := range tt.want { // the same instants, written in the zone or in UTC
				if i < len(got) && mustTime(t, w).Equal(mustTime(t, got[i])) {
					got[i] = w
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Fatalf("moments %v, want %v", got, tt.want)
			}
		})
	}
}

func TestParseSpec_Errors(t *testing.T) {
	tests := []struct{ spec, want string }{
		{"", "empty schedule"},
		{"0 8 * *", "want 5 fields"},
		{"61 8 * * *", "above maximum"},
		{"@every 1h", "@every"},
		{"TZ=Europe/London 0 8 * * *", "time zone"},
		{"0 0 30 2 *", "never comes round"},
		{"0 8 1 * 1#1", "weekday#n"},
		{"0 8 * * 1#6", "n 1 to 5"},
		{"0 8 * * x#1", "weekday"},
		{strings.Repeat("0 8 * * *;", 9), "at most 8"},
		{"0 8 * * *; 0 25 * * *", `"0 25 * * *"`},
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			_, err := scheduler.ParseSpec(tt.spec)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err=%v, want one saying %q", err, tt.want)
			}
		})
	}
	for _, good := range []string{"0 8 * * *", "@daily", "0 7,18 * * 1-5", "*/2 * * * *", "0 8 * * MON#1,FRI", "0 9 1 1 *\n0 9 1 7 *"} {
		if _, err := scheduler.ParseSpec(good); err != nil {
			t.Errorf("%q: %v", good, err)
		}
	}
}

func TestSimpleSpec(t *testing.T) {
	tests := []struct {
		hour, minute int
		days         scheduler.Days
		want         string
	}{
		{8, 0, 0, "0 8 * * *"},
		{8, 0, scheduler.EveryDay, "0 8 * * *"},
		{7, 30, scheduler.Weekdays, "30 7 * * 1-5"},
		{6, 5, scheduler.DaysOf(time.Saturday, time.Sunday), "5 6 * * 0,6"},
		{23, 59, scheduler.DaysOf(0, 2, 4, 6), "59 23 * * 0,2,4,6"},
		{0, 0, scheduler.DaysOf(1, 2, 3, 5), "0 0 * * 1-3,5"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			got := scheduler.SimpleSpec(tt.hour, tt.minute, tt.days)
			if got != tt.want {
				t.Fatalf("SimpleSpec=%q, want %q", got, tt.want)
			}
			times, d, ok := scheduler.MustParseSpec(got).Times()
			wantDays := tt.days
			if wantDays == scheduler.EveryDay {
				wantDays = 0
			}
			if want := fmt.Sprintf("%02d:%02d", tt.hour, tt.minute); !ok || len(times) != 1 || times[0] != want || d != wantDays {
				t.Fatalf("Times()=%q, %v, %v; want one time, %s on %v", times, d, ok, want, wantDays)
			}
		})
	}
	for _, notSimple := range []string{"0 7,18 * * *", "0 8 1 * *", "0 8 * * 1#1", "0 8 * * *; 0 9 * * *", "*/5 8 * * *"} {
		if times, _, ok := scheduler.MustParseSpec(notSimple).Times(); ok && len(times) == 1 {
			t.Errorf("%q is one time a day: %q", notSimple, times)
		}
	}
}
