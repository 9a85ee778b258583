package scheduler_test

import (
	"strings"
	"testing"
	"time"

	"paperboy/scheduler"
)

// FuzzParseSpec: a Spec or an error, never a panic or a hang; and a Spec
// says itself in words, prints again, reads back the same and comes round.
func FuzzParseSpec(f *testing.F) {
	for _, s := range []string{
		"0 8 * * *",
		"0 7,18 * * 1-5",
		"30 7 * * 1-5; 0 18 * * 1-5",
		"0 7 * * 1-5\n0 9 * * 0,6",
		"*/2 * * * *",
		"*/30 9-17 * * MON-FRI",
		"0 8 * * 1#1",
		"0 8 * 2 0#5,3",
		"0 8 1 * 1",
		"0 0 29 2 *",
		"@weekly; @monthly",
		"@yearly",
		"",
		" ; \n ",
		"@every 1h",
		"TZ=x 0 8 * * *",
		"CRON_TZ=Europe/London 0 8 * * *",
		"0 8 * * 1#9",
		"0 8 1 * 1#1",
		"1#1",
		"0 0 30 2 *",
		"0 8 , * *",
		"0 8 * * *; , * * * *",
		"0 8 * * *; 0 0 30 2 *",
		"60 24 32 13 7",
		"0 8 * * *; " + strings.Repeat("0 9 * * *; ", 8),
		strings.Repeat("1,", 200) + " * * * *",
	} {
		f.Add(s)
	}
	times := []time.Time{
		time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2026, 12, 31, 23, 59, 59, 0, time.UTC),
	}
	f.Fuzz(func(t *testing.T, text string) {
		s, err := scheduler.ParseSpec(text)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("an error with no words")
			}
			return
		}
		if got := s.Text(); got == "" || strings.Contains(got, "%!") {
			t.Errorf("Text()=%q", got)
		}
		if got := s.ShortestInterval(); got <= 0 {
			t.Errorf("ShortestInterval()=%v, want > 0", got)
		}
		_ = s.CheckInterval(time.Hour)
		again, err := scheduler.ParseSpec(s.String())
		if err != nil {
			t.Fatalf("String()=%q does not parse again: %v", s.String(), err)
		}
		if again.String() != s.String() {
			t.Errorf("String()=%q parses to String()=%q", s.String(), again.String())
		}
		for _, after := range times {
			if next := s.Next(time.UTC, after); !next.IsZero() && !next.After(after) {
				t.Errorf("Next(UTC, %v)=%v, not after", after, next)
			}
		}
		on := s.On(scheduler.Weekdays)
		if got := on.Text(); got == "" || strings.Contains(got, "%!") {
			t.Errorf("On(Weekdays).Text()=%q", got)
		}
		if got := on.ShortestInterval(); got <= 0 {
			t.Errorf("On(Weekdays).ShortestInterval()=%v, want > 0", got)
		}
	})
}
