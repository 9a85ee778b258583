package scheduler_test

import (
	"testing"

	"paperboy/internal/metricstest"
	"paperboy/internal/storetest"
	"paperboy/scheduler"
	"paperboy/store"
)

// TestScheduler_Metrics: each edition's claim and outcome is counted, and
// one queued 90 s after its moment has that lag.
func TestScheduler_Metrics(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st, at(t, "UTC", "2026-12-01 07:00:00"))
		for _, result := range []string{"", "nothing", "error"} {
			p := f.printer(t, "UTC")
			f.subscribe(t, store.NewSubscription{PrinterID: p.ID, Schedule: "0 8 * * *", Mode: store.ModeNow,
				Config: map[string]string{"result": result}})
		}
		s := f.scheduler(scheduler.Config{Lead: scheduler.NoLead})
		f.tickAt(t, s, at(t, "UTC", "2026-12-01 08:01:30"))
		got := metricstest.Scrape(t, s)
		for name, want := range map[string]float64{
			`paperboy_scheduler_claims_total{result="claimed"}`:          3,
			`paperboy_scheduler_claims_total{result="error"}`:            0,
			`paperboy_scheduler_editions_total{outcome="delivered"}`:     1,
			`paperboy_scheduler_editions_total{outcome="nothing_today"}`: 1,
			`paperboy_scheduler_editions_total{outcome="failed"}`:        1,
			`paperboy_scheduler_editions_total{outcome="given_back"}`:    0,
			`paperboy_scheduler_lag_seconds_count{}`:                     1,
			`paperboy_scheduler_lag_seconds_sum{}`:                       90,
		} {
			if got[name] != want {
				t.Errorf("%s = %v, want %v", name, got[name], want)
			}
		}
	})
}
