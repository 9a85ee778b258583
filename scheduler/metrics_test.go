package scheduler_test

import (
	"fmt"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"paperboy/internal/storetest"
	"paperboy/scheduler"
	"paperboy/store"
)

// scrape gathers a collector's metrics as name{label="value"} → value; a
// histogram gives its _count and _sum.
func scrape(t *testing.T, c prometheus.Collector) map[string]float64 {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(c)
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			labels := ""
			for _, l := range m.GetLabel() {
				labels += fmt.Sprintf("%s=%q", l.GetName(), l.GetValue())
			}
			if h := m.GetHistogram(); h != nil {
				out[mf.GetName()+"_count{"+labels+"}"] = float64(h.GetSampleCount())
				out[mf.GetName()+"_sum{"+labels+"}"] = h.GetSampleSum()
				continue
			}
			out[mf.GetName()+"{"+labels+"}"] = m.GetCounter().GetValue()
		}
	}
	return out
}

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
		got := scrape(t, s)
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
