package main

import (
	"encoding/json"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestLoadtest keeps the load tool working on a few bridges, reading the
// metrics with the server's token; the figures for the issue come from
// running it by hand with 2,000 (see README).
func TestLoadtest(t *testing.T) {
	t.Parallel()
	const token = "loadtest-metrics-token"
	srv := start(t, nil, "serve", "--db", filepath.Join(t.TempDir(), "p.db"), "--listen", "127.0.0.1:0", "--log-level", "warn", "--metrics-token", token)
	base := srv.waitLine(regexp.MustCompile(`serving on http://([0-9.:]+) `))[1]
	r := paperboy(t, "", "loadtest", "--server", "ws://"+base+"/api/v1/connection", "--bridges", "40",
		"--heartbeat", "100ms", "--settle", "0s", "--measure", "1s", "--rate", "200", "--metrics-token", token)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var report struct {
		Bridges        int     `json:"bridges"`
		RSSPerBridge   float64 `json:"rss_bytes_per_bridge"`
		HeartbeatsPerS float64 `json:"heartbeats_per_second"`
		Goroutines     float64 `json:"goroutines_per_bridge"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &report); err != nil {
		t.Fatalf("report %q: %v", r.stdout, err)
	}
	// 40 printers heartbeating every 100 ms: about 400 a second. (An idle
	// bridge holds no goroutine where the server has epoll, one elsewhere.)
	if report.Bridges != 40 || report.HeartbeatsPerS < 100 || report.Goroutines > 1.5 {
		t.Errorf("report %+v", report)
	}
	if !strings.Contains(r.stderr, "all online") {
		t.Errorf("stderr %q", r.stderr)
	}
}
