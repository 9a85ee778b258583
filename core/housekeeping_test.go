package core_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"paperboy/core"
	"paperboy/delivery"
	"paperboy/internal/housekeeping"
	"paperboy/store"
)

// TestServer_PruneSessions: the sessions that have ended go, the others
// stay and still sign their user in.
func TestServer_PruneSessions(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	clock := delivery.NewFakeClock(now)
	ts := newTestServer(t, "sqlite", core.Config{}, withClock(clock))
	ctx := t.Context()
	u, err := ts.store.CreateUser(ctx, "ann@example.com")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		ends time.Duration // from now
		kept bool
	}{
		{"ended a month ago", -30 * 24 * time.Hour, false},
		{"ended a second ago", -time.Second, false},
		{"ends now", 0, false},
		{"ends in a second", time.Second, true},
		{"ends in a month", 30 * 24 * time.Hour, true},
	}
	for _, tt := range tests {
		if _, err := ts.store.CreateSession(ctx, core.HashToken(tt.name), u.ID, now.Add(tt.ends)); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := ts.srv.PruneSessions(ctx); err != nil || n != 3 {
		t.Fatalf("PruneSessions=%d, %v; want the 3 ended", n, err)
	}
	if n, err := ts.srv.PruneSessions(ctx); err != nil || n != 0 {
		t.Fatalf("PruneSessions again=%d, %v; want none", n, err)
	}
	// Seen from two months before, when none had ended, only the kept
	// ones are there.
	clock.Set(now.Add(-60 * 24 * time.Hour))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, got, err := ts.store.SessionByID(ctx, core.HashToken(tt.name))
			if kept := err == nil; kept != tt.kept || (kept && got.ID != u.ID) {
				t.Errorf("kept %v (%v, user %d), want %v", kept, err, got.ID, tt.kept)
			}
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				t.Errorf("SessionByID: %v", err)
			}
		})
	}
}

// TestServer_HousekeepingMetrics: the housekeeping jobs' metrics are on the
// server's /metrics, by job, from when they are added, and count their
// runs and errors.
func TestServer_HousekeepingMetrics(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	clock := delivery.NewFakeClock(now)
	jobs := housekeeping.New(slog.New(slog.DiscardHandler))
	ts := newTestServer(t, "sqlite", core.Config{}, withClock(clock), withMetrics(jobs))
	ctx := t.Context()
	u, err := ts.store.CreateUser(ctx, "ann@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ts.store.CreateSession(ctx, core.HashToken("old"), u.ID, now.Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := jobs.Add("prune_sessions", "@hourly", ts.srv.PruneSessions); err != nil {
		t.Fatal(err)
	}
	if err := jobs.Add("panics", "@hourly", func(context.Context) (int64, error) { panic("oops") }); err != nil {
		t.Fatal(err)
	}
	type want struct{ runs, errs float64 }
	check := func(when string, wants map[string]want) {
		t.Helper()
		for job, w := range wants {
			for name, v := range map[string]float64{"runs_total": w.runs, "errors_total": w.errs} {
				metric := fmt.Sprintf(`paperboy_housekeeping_%s{job=%q}`, name, job)
				if got, ok := ts.metricSample(metric); !ok || got != v {
					t.Errorf("%s: %s=%v (there: %v), want %v", when, metric, got, ok, v)
				}
			}
			last := fmt.Sprintf(`paperboy_housekeeping_last_run_timestamp_seconds{job=%q}`, job)
			if got, ok := ts.metricSample(last); !ok || (got > 0) != (w.runs > 0) {
				t.Errorf("%s: %s=%v (there: %v) after %v runs", when, last, got, ok, w.runs)
			}
			took := fmt.Sprintf(`paperboy_housekeeping_duration_seconds{job=%q}`, job)
			if _, ok := ts.metricSample(took); !ok {
				t.Errorf("%s: no %s", when, took)
			}
		}
	}
	check("before any run", map[string]want{"prune_sessions": {0, 0}, "panics": {0, 0}})
	for _, job := range []string{"prune_sessions", "panics", "panics"} {
		if err := jobs.Run(job); err != nil {
			t.Fatal(err)
		}
	}
	check("after the runs", map[string]want{"prune_sessions": {1, 0}, "panics": {2, 2}})
	if n, _ := ts.srv.PruneSessions(ctx); n != 0 {
		t.Errorf("%d sessions left to prune after the job ran, want 0", n)
	}
}
