package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"regexp"
	"strings"
	"testing"

	"paperboy/core"
	"paperboy/delivery"
	"paperboy/internal/housekeeping"
	"paperboy/internal/storetest"
	"paperboy/plugins"
	"paperboy/scheduler"
)

// TestDashboard_NamesMetricsThatExist: deploy/grafana-dashboard.json is
// JSON, every panel has a query, and every metric its queries name is one
// paperboy serves, as serve wires it (a histogram's _bucket, _sum and
// _count included).
func TestDashboard_NamesMetricsThatExist(t *testing.T) {
	data, err := os.ReadFile("../../deploy/grafana-dashboard.json")
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Panels []struct {
			Type    string
			Title   string
			Targets []struct{ Expr string }
		}
	}
	if err := json.Unmarshal(data, &dash); err != nil {
		t.Fatalf("the dashboard is not JSON: %v", err)
	}

	log := slog.New(slog.DiscardHandler)
	st := storetest.Open(t, "sqlite")
	host := plugins.New(plugins.Config{Dir: t.TempDir()}, log)
	t.Cleanup(host.Close)
	queue := delivery.New(st, delivery.Config{}, log)
	t.Cleanup(queue.Close)
	sched := scheduler.New(st, host, queue, scheduler.Config{}, log)
	jobs := housekeeping.New(log)
	srv := core.New(core.Config{}, core.Parts{Store: st, Queue: queue, Publications: host, Metrics: partMetrics(jobs, queue, sched, host)}, log)
	t.Cleanup(func() { srv.Shutdown(context.Background()) })
	served := map[string]bool{}
	for _, n := range srv.MetricNames() {
		served[n] = true
	}

	name := regexp.MustCompile(`\b(?:paperboy|process|go)_[a-zA-Z0-9_:]*`)
	used := 0
	for _, p := range dash.Panels {
		if p.Type == "row" {
			continue
		}
		if len(p.Targets) == 0 {
			t.Errorf("panel %q has no query", p.Title)
		}
		for _, tg := range p.Targets {
			for _, m := range name.FindAllString(tg.Expr, -1) {
				used++
				base := m
				for _, suffix := range []string{"_bucket", "_sum", "_count"} {
					if b, ok := strings.CutSuffix(m, suffix); ok && served[b] {
						base = b
					}
				}
				if !served[base] {
					t.Errorf("panel %q: %s is no metric paperboy serves, in %s", p.Title, m, tg.Expr)
				}
			}
		}
	}
	if used < 30 {
		t.Errorf("the dashboard's queries name %d metrics: too few to be the dashboard", used)
	}
}
