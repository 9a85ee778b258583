// Package metricstest reads a Prometheus collector's metrics in tests.
package metricstest

import (
	"fmt"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

// Scrape gathers a collector's metrics as name{label="value"} → value; a
// histogram gives its _count and _sum. The registry is pedantic, so a
// collector that describes its metrics wrongly fails the test.
func Scrape(t testing.TB, c prometheus.Collector) map[string]float64 {
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
			switch {
			case m.GetHistogram() != nil:
				out[mf.GetName()+"_count{"+labels+"}"] = float64(m.GetHistogram().GetSampleCount())
				out[mf.GetName()+"_sum{"+labels+"}"] = m.GetHistogram().GetSampleSum()
			case m.GetGauge() != nil:
				out[mf.GetName()+"{"+labels+"}"] = m.GetGauge().GetValue()
			default:
				out[mf.GetName()+"{"+labels+"}"] = m.GetCounter().GetValue()
			}
		}
	}
	return out
}
