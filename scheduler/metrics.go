package scheduler

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"paperboy/store"
)

// The results of claiming an edition (paperboy_scheduler_claims_total).
const (
	claimTaken = "claimed" // this run makes it
	claimHeld  = "held"    // another run makes it, or made it or a later one
	claimError = "error"   // the store failed (a subscription deleted meanwhile too)
)

// givenBack is an edition's outcome when the run stopped before it was
// made: its claim is given back for the next run.
const givenBack = "given_back"

// lagBuckets span an edition queued on time (0: the lead makes it ahead
// of its moment) to one made after hours of downtime, up to the catch-up
// window.
var lagBuckets = []float64{0.5, 1, 5, 10, 30, 60, 120, 300, 900, 1800, 3600, 3 * 3600}

// metrics are the scheduler's.
type metrics struct {
	lag      prometheus.Histogram
	claims   *prometheus.CounterVec
	editions *prometheus.CounterVec
}

func newMetrics() *metrics {
	m := &metrics{
		lag: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "paperboy_scheduler_lag_seconds",
			Help: "How long after its moment an edition was queued; 0 if before it (the lead).", Buckets: lagBuckets}),
		claims: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "paperboy_scheduler_claims_total",
			Help: "Editions claimed, by result: claimed (this run makes it), held (another run has it), error."}, []string{"result"}),
		editions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "paperboy_scheduler_editions_total",
			Help: "Editions claimed here, by outcome: delivered, nothing_today, finished, failed, given_back (the run stopped)."}, []string{"outcome"}),
	}
	for _, r := range []string{claimTaken, claimHeld, claimError} {
		m.claims.WithLabelValues(r)
	}
	for _, o := range []string{store.OutcomeDelivered, store.OutcomeNothingToday, store.OutcomeFinished, store.OutcomeFailed, givenBack} {
		m.editions.WithLabelValues(o)
	}
	return m
}

// queued records an edition queued at now, due at its moment.
func (m *metrics) queued(due, now time.Time) {
	m.lag.Observe(max(now.Sub(due), 0).Seconds())
}

// Describe is prometheus.Collector's.
func (s *Scheduler) Describe(ch chan<- *prometheus.Desc) {
	s.metrics.lag.Describe(ch)
	s.metrics.claims.Describe(ch)
	s.metrics.editions.Describe(ch)
}

// Collect is prometheus.Collector's.
func (s *Scheduler) Collect(ch chan<- prometheus.Metric) {
	s.metrics.lag.Collect(ch)
	s.metrics.claims.Collect(ch)
	s.metrics.editions.Collect(ch)
}

var _ prometheus.Collector = (*Scheduler)(nil)
