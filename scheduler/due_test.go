package scheduler_test

import (
	"fmt"
	"testing"
	"time"

	"paperboy/scheduler"
	"paperboy/sdk"
	"paperboy/store"
)

func mustZone(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func mustTime(t testing.TB, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestNext(t *testing.T) {
	every := scheduler.EveryDay
	tests := []struct {
		name   string
		zone   string
		hour   int
		minute int
		days   scheduler.Days
		after  string // RFC 3339
		want   string // RFC 3339 in the zone; "" for never
	}{
		// London springs forward on 2026-03-29: 01:00 GMT becomes 02:00 BST.
		{"London spring: before the gap", "Europe/London", 0, 30, every, "2026-03-28T12:00:00Z", "2026-03-29T00:30:00+00:00"},
		{"London spring: the gap's start", "Europe/London", 1, 0, every, "2026-03-28T12:00:00Z", "2026-03-29T02:00:00+01:00"},
		{"London spring: in the gap", "Europe/London", 1, 30, every, "2026-03-28T12:00:00Z", "2026-03-29T02:00:00+01:00"},
		{"London spring: the gap's end", "Europe/London", 2, 0, every, "2026-03-28T12:00:00Z", "2026-03-29T02:00:00+01:00"},
		{"London spring: after the gap", "Europe/London", 2, 30, every, "2026-03-28T12:00:00Z", "2026-03-29T02:30:00+01:00"},
		{"London spring: a normal hour", "Europe/London", 8, 0, every, "2026-03-28T12:00:00Z", "2026-03-29T08:00:00+01:00"},
		{"London spring: in the gap, once", "Europe/London", 1, 30, every, "2026-03-29T01:00:00Z", "2026-03-30T01:30:00+01:00"},
		// London falls back on 2026-10-25: 02:00 BST becomes 01:00 GMT; 01:00–02:00 happens twice.
		{"London fall: the repeat's start", "Europe/London", 1, 0, every, "2026-10-24T12:00:00Z", "2026-10-25T01:00:00+01:00"},
		{"London fall: in the repeat, the first", "Europe/London", 1, 30, every, "2026-10-24T12:00:00Z", "2026-10-25T01:30:00+01:00"},
		{"London fall: in the repeat, once", "Europe/London", 1, 30, every, "2026-10-25T00:30:00Z", "2026-10-26T01:30:00+00:00"},
		{"London fall: between the two", "Europe/London", 1, 30, every, "2026-10-25T01:10:00Z", "2026-10-26T01:30:00+00:00"},
		{"London fall: after the repeat", "Europe/London", 2, 0, every, "2026-10-24T12:00:00Z", "2026-10-25T02:00:00+00:00"},
		{"London fall: a normal hour", "Europe/London", 8, 0, every, "2026-10-24T12:00:00Z", "2026-10-25T08:00:00+00:00"},
		// New York springs forward on 2026-03-08 (02:00 EST becomes 03:00 EDT)
		// and falls back on 2026-11-01 (02:00 EDT becomes 01:00 EST).
		{"New York spring: in the gap", "America/New_York", 2, 30, every, "2026-03-07T12:00:00Z", "2026-03-08T03:00:00-04:00"},
		{"New York spring: before the gap", "America/New_York", 1, 59, every, "2026-03-07T12:00:00Z", "2026-03-08T01:59:00-05:00"},
		{"New York spring: the gap's end", "America/New_York", 3, 0, every, "2026-03-07T12:00:00Z", "2026-03-08T03:00:00-04:00"},
		{"New York spring: a normal hour", "America/New_York", 8, 0, every, "2026-03-07T18:00:00Z", "2026-03-08T08:00:00-04:00"},
		{"New York fall: in the repeat, the first", "America/New_York", 1, 30, every, "2026-10-31T12:00:00Z", "2026-11-01T01:30:00-04:00"},
		{"New York fall: in the repeat, once", "America/New_York", 1, 30, every, "2026-11-01T05:30:00Z", "2026-11-02T01:30:00-05:00"},
		{"New York fall: after the repeat", "America/New_York", 2, 0, every, "2026-10-31T12:00:00Z", "2026-11-01T02:00:00-05:00"},
		{"New York fall: a normal hour", "America/New_York", 8, 0, every, "2026-10-31T12:00:00Z", "2026-11-01T08:00:00-05:00"},
		// The ends of the earth: a day ahead and a day behind UTC.
		{"UTC+14", "Pacific/Kiritimati", 8, 0, every, "2026-12-01T00:00:00Z", "2026-12-02T08:00:00+14:00"},
		{"UTC+14 just before", "Pacific/Kiritimati", 8, 0, every, "2026-12-01T17:59:59Z", "2026-12-02T08:00:00+14:00"},
		{"UTC+14 at the moment", "Pacific/Kiritimati", 8, 0, every, "2026-12-01T18:00:00Z", "2026-12-03T08:00:00+14:00"},
		{"UTC-12", "Etc/GMT+12", 8, 0, every, "2026-12-01T00:00:00Z", "2026-12-01T08:00:00-12:00"},
		{"UTC-12 midnight", "Etc/GMT+12", 0, 0, every, "2026-12-01T11:59:00Z", "2026-12-01T00:00:00-12:00"},
		// Weekdays only (2026-12-04 is a Friday).
		{"weekdays: Friday to Monday", "UTC", 8, 0, scheduler.Weekdays, "2026-12-04T09:00:00Z", "2026-12-07T08:00:00Z"},
		{"weekdays: Friday before", "UTC", 8, 0, scheduler.Weekdays, "2026-12-04T07:00:00Z", "2026-12-04T08:00:00Z"},
		{"weekdays in UTC+14: the local weekday counts", "Pacific/Kiritimati", 8, 0, scheduler.Weekdays, "2026-12-04T18:00:00Z", "2026-12-07T08:00:00+14:00"},
		{"weekdays in UTC-12", "Etc/GMT+12", 8, 0, scheduler.Weekdays, "2026-12-05T19:00:00Z", "2026-12-07T08:00:00-12:00"},
		{"Sundays, at the moment: a week on", "UTC", 8, 0, scheduler.DaysOf(time.Sunday), "2026-12-06T08:00:00Z", "2026-12-13T08:00:00Z"},
		{"never: Sundays of a weekday publication", "UTC", 8, 0, scheduler.DaysOf(time.Sunday) | 1<<7, "2026-12-06T08:00:00Z", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			loc := mustZone(t, tt.zone)
			spec := scheduler.MustParseSpec(scheduler.SimpleSpec(tt.hour, tt.minute, tt.days&scheduler.EveryDay))
			if tt.days&(1<<7) != 0 { // the publication's days: Monday to Friday
				spec = spec.On(scheduler.Weekdays)
			}
			got := spec.Next(loc, mustTime(t, tt.after))
			if tt.want == "" {
				if !got.IsZero() {
					t.Fatalf("Next=%v, want never", got)
				}
				return
			}
			want := mustTime(t, tt.want)
			if !got.Equal(want) {
				t.Fatalf("Next=%s (%s), want %s", got.In(loc).Format(time.RFC3339), got.UTC().Format(time.RFC3339), tt.want)
			}
			if got.Location() != loc {
				t.Errorf("Next is in %v, want %v", got.Location(), loc)
			}
		})
	}
}

func TestNext_OncePerLocalDate(t *testing.T) {
	// A year of moments in zones with odd changes: Lord Howe moves 30
	// minutes, Santiago and Havana change at midnight, Kathmandu is +05:45.
	// Each local date gets one moment, in order, at the time asked for or,
	// in a gap, at the gap's end.
	zones := []string{"Europe/London", "America/New_York", "Australia/Lord_Howe", "America/Santiago", "America/Havana",
		"Asia/Kathmandu", "Pacific/Kiritimati", "Etc/GMT+12", "UTC"}
	times := [][2]int{{0, 0}, {0, 30}, {1, 30}, {2, 0}, {2, 15}, {8, 0}, {23, 59}}
	for _, zone := range zones {
		loc := mustZone(t, zone)
		for _, hm := range times {
			t.Run(fmt.Sprintf("%s %02d:%02d", zone, hm[0], hm[1]), func(t *testing.T) {
				s := scheduler.MustParseSpec(scheduler.SimpleSpec(hm[0], hm[1], scheduler.EveryDay))
				date := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
				at := time.Date(2025, 12, 31, 23, 59, 30, 0, loc)
				for range 366 {
					next := s.Next(loc, at)
					if !next.After(at) {
						t.Fatalf("Next(%v)=%v, not after", at, next)
					}
					local := next.In(loc)
					if y, m, d := local.Date(); y != date.Year() || m != date.Month() || d != date.Day() {
						t.Fatalf("after %v: %v, want a moment on %s", at.In(loc), local, date.Format(time.DateOnly))
					}
					wantWall := time.Date(date.Year(), date.Month(), date.Day(), hm[0], hm[1], 0, 0, time.UTC)
					gotWall := time.Date(local.Year(), local.Month(), local.Day(), local.Hour(), local.Minute(), local.Second(), 0, time.UTC)
					if !gotWall.Equal(wantWall) {
						// Only in a gap: the moment before was before the time asked for.
						just := next.Add(-time.Second).In(loc)
						justWall := time.Date(just.Year(), just.Month(), just.Day(), just.Hour(), just.Minute(), just.Second(), 0, time.UTC)
						if gotWall.Before(wantWall) || !justWall.Before(wantWall) {
							t.Fatalf("on %s: %v, want %02d:%02d or the end of a gap over it", date.Format(time.DateOnly), local, hm[0], hm[1])
						}
					} else if earlier := next.Add(-time.Hour).In(loc); earlier.Hour() == hm[0] && earlier.Minute() == hm[1] && earlier.Day() == local.Day() {
						t.Fatalf("on %s: %v, but %v shows the same time first", date.Format(time.DateOnly), local, earlier)
					}
					at = next
					date = date.AddDate(0, 0, 1)
				}
			})
		}
	}
}

func TestSpecOf(t *testing.T) {
	// A subscription's schedule on the days its publication publishes.
	weekdays := []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday}
	thursday := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name     string
		pubDays  []time.Weekday
		schedule string
		want     []string // the next moments after Thursday 2026-12-03 noon, UTC
	}{
		{"every day", nil, "0 7 * * *", []string{"Fri 04 07:00", "Sat 05 07:00", "Sun 06 07:00"}},
		{"the publication's days", weekdays, "0 7 * * *", []string{"Fri 04 07:00", "Mon 07 07:00", "Tue 08 07:00"}},
		{"the subscriber's days", nil, "5 7 * * 6", []string{"Sat 05 07:05", "Sat 12 07:05", "Sat 19 07:05"}},
		{"narrowed", []time.Weekday{time.Monday, time.Wednesday}, "0 7 * * 1,2", []string{"Mon 07 07:00", "Mon 14 07:00", "Mon 21 07:00"}},
		{"twice a day", weekdays, "0 7,18 * * *", []string{"Thu 03 18:00", "Fri 04 07:00", "Fri 04 18:00"}},
		{"the first of the month, if a weekday", weekdays, "0 9 1 * *", []string{"Fri 01 09:00", "Mon 01 09:00", "Mon 01 09:00"}},
		{"nothing left", weekdays, "0 7 * * 0,6", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec, err := scheduler.SpecOf(store.Subscription{Schedule: tt.schedule}, sdk.Meta{Days: tt.pubDays})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, m := range spec.Moments(time.UTC, thursday, 3) {
				got = append(got, m.Format("Mon 02 15:04"))
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Fatalf("moments %v, want %v", got, tt.want)
			}
		})
	}
	if _, err := scheduler.SpecOf(store.Subscription{Schedule: "0 25 * * *"}, sdk.Meta{}); err == nil {
		t.Error("a bad schedule read")
	}
	if s := scheduler.Weekdays.String(); s != "Mon,Tue,Wed,Thu,Fri" {
		t.Errorf("Weekdays.String()=%q", s)
	}
}
