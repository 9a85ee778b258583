package scheduler

import (
	"testing"
	"time"
)

const day = 24 * time.Hour

func TestSpec_ShortestInterval(t *testing.T) {
	tests := []struct {
		spec string
		on   Days // the publication's days; 0: every day
		want time.Duration
	}{
		{"* * * * *", 0, time.Minute},
		{"*/2 * * * *", 0, 2 * time.Minute},
		{"*/7 * * * *", 0, 4 * time.Minute}, // :56 to the next hour's :00
		{"0 * * * *", 0, time.Hour},
		{"0 7,18 * * *", 0, 11 * time.Hour},
		{"30 7 * * 1-5; 0 18 * * 1-5", 0, 10*time.Hour + 30*time.Minute},
		{"0 8 * * *", 0, day},
		{"0 8 * * 1-5", 0, day},
		{"0 8 * * 1,3,5", 0, 2 * day},
		{"0 8 * * 1", 0, 7 * day},
		{"0 8 1 * *", 0, 28 * day}, // 1 February to 1 March 2025
		{"0 8 31 * *", 0, 31 * day},
		{"0 8 1,15 * *", 0, 14 * day},
		{"0 8 * * 1#1", 0, 28 * day},
		{"0 8 * * 1#5", 0, 63 * day},
		{"0 8 1 * 1", 0, day},
		{"0 0 29 2 *", 0, 1461 * day}, // 2024 to 2028
		{"0 23 * * *; 0 0 * * *", 0, time.Hour},
		{"59 23 * * 0; 0 0 * * 1", 0, time.Minute},
		{"0 8 1 6 1", 0, day},       // Sunday 1 June 2025
		{"0 0 1 7 0", 0, day},       // Saturday 1 July 2028
		{"0 0 1 1 *", 0, 365 * day}, // 2025 to 2026
		{"@yearly", 0, 365 * day},
		{"0 0 31 12 *", 0, 365 * day},
		{"0 8 * 2 0#5", 0, 10227 * day}, // 29 February 2032 and 2060
		// The publication's days.
		{"0 8 * * *", Weekdays, day},
		{"0 8 * * *", DaysOf(time.Monday), 7 * day},
		{"0 8 1 * *", DaysOf(time.Monday), 28 * day}, // 1 February and 1 March 2027
		{"0 8 * * 1", DaysOf(time.Tuesday), Never},
	}
	for _, tt := range tests {
		t.Run(specName(tt.spec, tt.on), func(t *testing.T) {
			s := MustParseSpec(tt.spec).On(tt.on)
			if got := s.ShortestInterval(); got != tt.want {
				t.Errorf("ShortestInterval()=%v, want %v", got, tt.want)
			}
		})
	}
	if got := (Spec{}).ShortestInterval(); got != Never {
		t.Errorf("zero Spec: ShortestInterval()=%v, want Never", got)
	}
}

// TestSpec_ShortestInterval_Walk checks the date walk against the plain
// one, every moment nextWall gives over the whole 28-year calendar, and so
// dayRule against robfig/cron and intervalEnd's shortcuts.
func TestSpec_ShortestInterval_Walk(t *testing.T) {
	specs := []string{
		"0 7,18 * * 1-5; 0 9 * * 0,6",
		"0 8-20/4 * * *; 30 21 * * 5",
		"0 23 1 * *; 0 0 * * 1",
		"0 8 1,15 * 3",
		"0 12 * * 1#1,5#2; 0 13 * * 3#3",
		"0 8 * * 0#5",
		"0 8 * 2 0#5",
		"@monthly; @weekly",
		"0 8 31 * *",
		"59 23 28-31 * *; 0 0 1 * *",
		"0 8 1 6 1",
		"0 0 1 7 0",
		"@yearly",
		"0 0 29 2 *",
		"0 9 * 12 *; 0 8 25 12 *",
	}
	end := time.Date(2052, time.April, 1, 0, 0, 0, 0, time.UTC)
	for _, text := range specs {
		for _, on := range []Days{0, Weekdays, DaysOf(time.Sunday, time.Wednesday), DaysOf(time.Monday)} {
			t.Run(specName(text, on), func(t *testing.T) {
				s := MustParseSpec(text).On(on)
				if got, want := s.ShortestInterval(), walkShortest(t, s, end); got != want {
					t.Errorf("ShortestInterval()=%v, want %v (nextWall)", got, want)
				}
			})
		}
	}
}

func specName(spec string, on Days) string {
	if on == 0 {
		return spec
	}
	return spec + " on " + on.String()
}

// walkShortest is ShortestInterval the slow way.
func walkShortest(t *testing.T, s Spec, end time.Time) time.Duration {
	t.Helper()
	best, count := Never, 0
	var prev time.Time
	for w := intervalStart.Add(-time.Second); ; count++ {
		if count > 1e6 {
			t.Fatal("too many moments")
		}
		if w = s.nextWall(w); w.IsZero() || !w.Before(end) && count >= 2 {
			return best
		}
		if !prev.IsZero() {
			best = min(best, w.Sub(prev))
		}
		prev = w
	}
}

func TestSpec_CheckInterval(t *testing.T) {
	tests := []struct {
		spec string
		min  time.Duration
		want string // "" for nil
	}{
		{"*/5 * * * *", time.Hour, `"*/5 * * * *" prints every 5 minutes: at most once every 1 hour here`},
		{"* * * * *", 30 * time.Minute, `"* * * * *" prints every 1 minute: at most once every 30 minutes here`},
		{"0 */2 * * *", 3 * time.Hour, `"0 */2 * * *" prints every 2 hours: at most once every 3 hours here`},
		{"0 7,18 * * *", 12 * time.Hour, `"0 7,18 * * *" prints twice within 11 hours: at most once every 12 hours here`},
		{"*/5 9-17 * * 1-5", time.Hour, `"*/5 9-17 * * 1-5" prints twice within 5 minutes: at most once every 1 hour here`},
		{"0 8 * * 1,3", 3 * day, `"0 8 * * 1,3" prints twice within 2 days: at most once every 3 days here`},
		{"0 23 * * *; 0 0 * * *", 90 * time.Minute, `"0 23 * * *; 0 0 * * *" prints twice within 1 hour: at most once every 1 hour 30 minutes here`},
		{"0 8 * * *", time.Hour, ""},
		{"0 8 * * *", day, ""},
		{"0 * * * *", time.Hour, ""},
		{"* * * * *", time.Minute, ""},
		{"* * * * *", 0, ""},
		{"0 8 1 * *", 28 * day, ""},
		{"0 8 1 * *", 29 * day, `"0 8 1 * *" prints twice within 28 days: at most once every 29 days here`},
	}
	for _, tt := range tests {
		t.Run(tt.spec+" "+tt.min.String(), func(t *testing.T) {
			err := MustParseSpec(tt.spec).CheckInterval(tt.min)
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("CheckInterval(%v)=%q, want nil", tt.min, err)
			case tt.want != "" && err == nil:
				t.Errorf("CheckInterval(%v)=nil, want %q", tt.min, tt.want)
			case tt.want != "" && err.Error() != tt.want:
				t.Errorf("CheckInterval(%v)=%q, want %q", tt.min, err, tt.want)
			}
		})
	}
}

func TestDurationText(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{time.Minute, "1 minute"},
		{30 * time.Minute, "30 minutes"},
		{time.Hour, "1 hour"},
		{90 * time.Minute, "1 hour 30 minutes"},
		{day, "1 day"},
		{7 * day, "7 days"},
		{day + 2*time.Hour, "1 day 2 hours"},
		{45 * time.Second, "45 seconds"},
		{1500 * time.Millisecond, "1.5s"},
		{0, "0s"},
	}
	for _, tt := range tests {
		if got := durationText(tt.d); got != tt.want {
			t.Errorf("durationText(%v)=%q, want %q", tt.d, got, tt.want)
		}
	}
}

func BenchmarkSpec_CheckInterval(b *testing.B) {
	for _, text := range []string{"* * * * *", "0 8 * * *"} {
		s := MustParseSpec(text)
		b.Run(text, func(b *testing.B) {
			for b.Loop() {
				_ = s.CheckInterval(time.Hour)
			}
		})
	}
}

func BenchmarkSpec_ShortestInterval(b *testing.B) {
	for _, text := range []string{"* * * * *", "0 8 * * *", "*/2 * * * *", "@monthly", "0 8 1 * 1", "0 7 * * 1-5; 0 9 * * 0,6; 0 12 1 * *"} {
		s := MustParseSpec(text)
		b.Run(text, func(b *testing.B) {
			for b.Loop() {
				_ = s.ShortestInterval()
			}
		})
	}
}
