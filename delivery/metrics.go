package delivery

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"paperboy/store"
)

// The stages of a delivery's latency (paperboy_delivery_latency_seconds).
const (
	// stageQueuedToSent: from when it was due (made, or its not-before
	// if later: an edition made ahead of its hour) to its first send. It
	// includes any time its printer was away.
	stageQueuedToSent = "queued_to_sent"
	// stageSentToPrinted: from its last send to the printer's word that
	// it printed.
	stageSentToPrinted = "sent_to_printed"
	// stageQueuedToPrinted: from when it was due to its print, all told.
	stageQueuedToPrinted = "queued_to_printed"
)

// latencyBuckets span a print sent at once to a busy printer (tenths of a
// second), a photo over ZigBee (tens of seconds), and a printer away for
// a day.
var latencyBuckets = []float64{0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800, 3600, 6 * 3600, 24 * 3600}

// depthCacheFor is how long a reading of the queue's depth serves scrapes:
// several Prometheus servers scraping often read the store once.
const depthCacheFor = 5 * time.Second

// metrics are the queue's: how long deliveries take, from the
// dispatchers, and the depth of the queue, read from the store when
// scraped.
type metrics struct {
	latency  *prometheus.HistogramVec
	depth    *prometheus.Desc
	oldest   *prometheus.Desc
	depthErr prometheus.Counter

	mu     sync.Mutex // held while the store is read: one scrape reads it
	read   time.Time  // when depths were read; zero: never
	depths []store.QueueDepth
}

func newMetrics() *metrics {
	m := &metrics{
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "paperboy_delivery_latency_seconds",
			Help:    "How long deliveries that print as they arrive took, by stage: queued_to_sent (to the first send), sent_to_printed, queued_to_printed.",
			Buckets: latencyBuckets}, []string{"stage"}),
		depth: prometheus.NewDesc("paperboy_delivery_queue_depth",
			"Unfinished deliveries, by state: pending (waiting to be sent) and sent (waiting to print).", []string{"state"}, nil),
		oldest: prometheus.NewDesc("paperboy_delivery_queue_oldest_age_seconds",
			"Age of the oldest unfinished delivery in each state; 0 if there is none.", []string{"state"}, nil),
		depthErr: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "paperboy_delivery_queue_depth_errors_total", Help: "Scrapes whose reading of the queue's depth from the store failed."}),
	}
	// Every stage is scraped from the start, at zero.
	for _, s := range []string{stageQueuedToSent, stageSentToPrinted, stageQueuedToPrinted} {
		m.latency.WithLabelValues(s)
	}
	return m
}

// Describe is prometheus.Collector's.
func (q *Queue) Describe(ch chan<- *prometheus.Desc) {
	q.metrics.latency.Describe(ch)
	q.metrics.depthErr.Describe(ch)
	ch <- q.metrics.depth
	ch <- q.metrics.oldest
}

// Collect is prometheus.Collector's. The queue's depth is read from the
// store (one short query on the unfinished deliveries), at most once in
// depthCacheFor.
func (q *Queue) Collect(ch chan<- prometheus.Metric) {
	m := q.metrics
	m.latency.Collect(ch)
	now := q.cfg.Clock.Now()
	m.mu.Lock()
	if m.read.IsZero() || now.Sub(m.read) >= depthCacheFor {
		ctx, cancel := context.WithTimeout(q.ctx, 5*time.Second)
		depths, err := q.store.QueueDepths(ctx)
		cancel()
		if err != nil {
			m.depthErr.Inc()
			if q.ctx.Err() == nil {
				q.log.Warn("read the queue's depth for the metrics", slog.Any("error", err))
			}
		} else {
			m.depths, m.read = depths, now
		}
	}
	depths := m.depths
	m.mu.Unlock()
	m.depthErr.Collect(ch)
	for _, d := range depths {
		age := 0.0
		if d.Count > 0 {
			age = max(now.Sub(d.Oldest).Seconds(), 0)
		}
		ch <- prometheus.MustNewConstMetric(m.depth, prometheus.GaugeValue, float64(d.Count), string(d.State))
		ch <- prometheus.MustNewConstMetric(m.oldest, prometheus.GaugeValue, age, string(d.State))
	}
}

var _ prometheus.Collector = (*Queue)(nil)

// observe records a stage of a delivery's latency.
func (m *metrics) observe(stage string, d time.Duration) {
	m.latency.WithLabelValues(stage).Observe(max(d, 0).Seconds())
}

// dueAt is when a delivery became due: when it was made, or its
// not-before if later.
func dueAt(d store.Delivery) time.Time {
	if d.NotBefore.After(d.CreatedAt) {
		return d.NotBefore
	}
	return d.CreatedAt
}
