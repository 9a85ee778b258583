package plugins

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// urlLabel is the publication label of every URL publication's renders:
// their names are chosen by users, so each does not get series of its own.
const urlLabel = "url"

// renderBuckets span a built-in that draws text (tens of milliseconds) to
// a slow site and the call timeout (30 s).
var renderBuckets = []float64{0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60}

// metrics are the host's: how long renders take, and each plugin's
// restarts and whether it runs, read from the plugins when scraped.
type metrics struct {
	render   *prometheus.HistogramVec
	errors   *prometheus.CounterVec
	restarts *prometheus.Desc
	up       *prometheus.Desc
}

func newMetrics() *metrics {
	return &metrics{
		render: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "paperboy_plugin_render_seconds",
			Help:    "How long renders took, by publication (URL publications together as \"url\"); a shared edition is rendered once.",
			Buckets: renderBuckets}, []string{"publication"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "paperboy_plugin_render_errors_total", Help: "Renders that failed, by publication (URL publications together as \"url\")."},
			[]string{"publication"}),
		restarts: prometheus.NewDesc("paperboy_plugin_restarts_total",
			"Times a plugin was started again after it crashed, hung or grew too large, by publication.", []string{"publication"}, nil),
		up: prometheus.NewDesc("paperboy_plugin_up", "1 if a plugin's process runs, 0 if it is down (restarting), by publication.",
			[]string{"publication"}, nil),
	}
}

// rendered records one render.
func (m *metrics) rendered(publication string, took time.Duration, err error) {
	m.render.WithLabelValues(publication).Observe(took.Seconds())
	if err != nil {
		m.errors.WithLabelValues(publication).Inc()
	}
}

// Describe is prometheus.Collector's.
func (h *Host) Describe(ch chan<- *prometheus.Desc) {
	h.metrics.render.Describe(ch)
	h.metrics.errors.Describe(ch)
	ch <- h.metrics.restarts
	ch <- h.metrics.up
}

// Collect is prometheus.Collector's.
func (h *Host) Collect(ch chan<- prometheus.Metric) {
	h.metrics.render.Collect(ch)
	h.metrics.errors.Collect(ch)
	h.mu.Lock()
	ps := make([]*proc, 0, len(h.plugins))
	for _, p := range h.plugins {
		ps = append(ps, p)
	}
	h.mu.Unlock()
	for _, p := range ps {
		i := p.info()
		up := 0.0
		if i.Running {
			up = 1
		}
		ch <- prometheus.MustNewConstMetric(h.metrics.restarts, prometheus.CounterValue, float64(i.Restarts), i.Meta.Name)
		ch <- prometheus.MustNewConstMetric(h.metrics.up, prometheus.GaugeValue, up, i.Meta.Name)
	}
}

var _ prometheus.Collector = (*Host)(nil)
