package main

import (
	"encoding/json"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestLoadtestBurst keeps the burst tool working on 3 printers × 2
// subscriptions against a child paperboy serve; the figures for the issue
// come from running it by hand with 10,000 × 10 (see README).
//
// A burst due at the next minute would keep the test waiting up to a
// minute, and a moment within this minute cannot be scheduled (schedules
// have minute resolution), so the test uses --due-now: the editions are due
// at the minute that has just begun and the subscriptions are dated before
// it, so the server makes them at its next tick (at most 5 s), as after
// downtime. The times are still from the minute: each is at least the time
// setting up ended.
func TestLoadtestBurst(t *testing.T) {
	t.Parallel()
	const token = "burst-metrics-token-0123456789"
	db := filepath.Join(t.TempDir(), "p.db")
	srv := start(t, nil, "serve", "--db", db, "--listen", "127.0.0.1:0", "--log-level", "warn", "--metrics-token", token)
	base := srv.waitLine(regexp.MustCompile(`serving on http://([0-9.:]+) `))[1]
	args := []string{"loadtest", "burst", "--db", db, "--server", "ws://" + base + "/api/v1/connection", "--metrics-token", token,
		"--printers", "3", "--subscriptions", "2", "--due-now", "--every", "200ms", "--deadline", "3m"}
	r := paperboy(t, "", args...)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var report burstReport
	if err := json.Unmarshal([]byte(r.stdout), &report); err != nil {
		t.Fatalf("report %q: %v", r.stdout, err)
	}
	if report.Printers != 3 || report.PerPrinter != 2 || report.Editions != 6 || report.Printed != 6 || report.Extra != 0 {
		t.Errorf("counts: %+v, want 3 printers × 2 = 6 editions, 6 printed", report)
	}
	// Due at the minute that had begun when setting up ended: every print
	// came after both, and the quantiles are in order.
	if report.ReadySeconds < 0 || report.ReadySeconds >= 60 {
		t.Errorf("ready %.3f s after the minute, want within it", report.ReadySeconds)
	}
	q := []float64{report.ReadySeconds, report.P50Seconds, report.P90Seconds, report.P99Seconds, report.MaxSeconds}
	for i := 1; i < len(q); i++ {
		if q[i] < q[i-1] {
			t.Errorf("ready, p50, p90, p99, max = %v: not in order", q)
		}
	}
	if report.MaxSeconds != report.LastSeconds || report.MaxSeconds > report.ReadySeconds+60 {
		t.Errorf("max %.3f s, last %.3f s, ready %.3f s: want max = last, within a minute of ready", report.MaxSeconds, report.LastSeconds, report.ReadySeconds)
	}
	if report.PrintsPerSec <= 0 || report.QueuedAtDue > 6 {
		t.Errorf("%.3f prints a second, %d queued at the minute", report.PrintsPerSec, report.QueuedAtDue)
	}
	if !regexp.MustCompile(`(?m)^t\+[\dhms]+: 6 printed \([\d,]+/s\), 0 to go$`).MatchString(r.stderr) || !strings.Contains(r.stderr, "all 3 printers online") {
		t.Errorf("stderr does not show the progress:\n%s", r.stderr)
	}

	// Again on the same database: refused, as it has subscriptions now.
	r = paperboy(t, "", args...)
	r.mustFailWithOneLine(t)
	if !strings.Contains(r.stderr, "--force") {
		t.Errorf("stderr %q does not say how to run it anyway", r.stderr)
	}
}

func TestFlags_BurstRefused(t *testing.T) {
	tests := [][]string{
		{"--printers", "0"},
		{"--subscriptions", "-1"},
		{"--deadline", "0s"},
		{"--server", "http://localhost:8080/"},
	}
	for _, args := range tests {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			r := paperboy(t, "", append([]string{"loadtest", "burst", "--db", filepath.Join(t.TempDir(), "p.db")}, args...)...)
			r.mustFailWithOneLine(t)
			if !strings.Contains(r.stderr, args[0]) {
				t.Errorf("stderr %q does not name %s", r.stderr, args[0])
			}
		})
	}
	// Its help says what it writes where, and is not loadtest's.
	r := paperboy(t, "", "loadtest", "burst", "-h")
	if r.code != 0 || !strings.Contains(r.stdout, "throwaway data folder") || !strings.Contains(r.stdout, "--subscriptions") {
		t.Errorf("loadtest burst -h: exit %d, %q", r.code, r.stdout)
	}
}

func TestCommas(t *testing.T) {
	tests := map[int]string{0: "0", 999: "999", 1000: "1,000", 41233: "41,233", 100000: "100,000", 1234567: "1,234,567", -5000: "-5,000"}
	for n, want := range tests {
		if got := commas(n); got != want {
			t.Errorf("commas(%d) = %q, want %q", n, got, want)
		}
	}
}
