package plugins

import (
	"log/slog"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"paperboy/internal/plugintest"
	"paperboy/sdk"
)

// BenchmarkHost_Render is a plugin call's round trip: hello renders its
// edition in its own process and the host gets the PNG back over gRPC
// (hello is personal, so nothing is shared). The figures are the p50 and
// p99 of one call, in milliseconds.
func BenchmarkHost_Render(b *testing.B) {
	dir := plugintest.Folder(b, "hello")
	h := New(Config{Dir: dir}, slog.New(slog.DiscardHandler))
	defer h.Close()
	if _, err := h.Add(b.Context(), filepath.Join(dir, "hello")); err != nil {
		b.Fatal(err)
	}
	loc, _ := time.LoadLocation("Europe/London")
	args := sdk.RenderArgs{Config: sdk.Config{"name": "Ada"}, Time: time.Date(2026, 12, 1, 8, 0, 0, 0, loc)}
	var took []time.Duration
	b.ReportAllocs()
	for b.Loop() {
		began := time.Now()
		out, err := h.Render(b.Context(), "hello", args)
		if err != nil || len(out.PNG) == 0 {
			b.Fatalf("render: %v", err)
		}
		took = append(took, time.Since(began))
	}
	slices.Sort(took)
	ms := func(q float64) float64 { return float64(took[int(q*float64(len(took)-1))]) / float64(time.Millisecond) }
	b.ReportMetric(ms(0.50), "p50-ms")
	b.ReportMetric(ms(0.99), "p99-ms")
}
