package main

import (
	"encoding/json"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// loadServer is one server's part of a load test's report.
type loadServer struct {
	Bridges            int     `json:"bridges"`
	BridgesOnline      int     `json:"bridges_online"`
	RSSPerBridge       *int64  `json:"rss_per_bridge_bytes"`
	Goroutines         int     `json:"goroutines"`
	CPUPerHeartbeat    float64 `json:"cpu_per_heartbeat_us"`
	HeartbeatsPerS     float64 `json:"heartbeats_per_second"`
	HeartbeatsSent     int     `json:"heartbeats_sent"`
	HeartbeatsReceived int     `json:"heartbeats_received"`
	HeartbeatsLost     *int    `json:"heartbeats_lost"`
	Reconnects         *int    `json:"reconnects"`
}

// loadReportJSON is the report of paperboy loadtest --json, as a script
// reads it.
type loadReportJSON struct {
	loadServer
	Workers           int          `json:"workers"`
	Claimed           int          `json:"claimed_printers"`
	Sources           []string     `json:"sources"`
	HeartbeatCPURatio *float64     `json:"heartbeat_cpu_ratio"`
	Latency           *quantiles   `json:"latency_ms"`
	Prints            *printReport `json:"prints"`
	Servers           []loadServer `json:"servers"`
	Reference         *loadServer  `json:"reference"`
}

// TestLoadtest runs the load tool on a handful of bridges against one or
// two real servers (on one SQLite database), with and without the
// reference server and prints, and reads its report; the figures for
// issue 19 come from running it by hand with thousands (README).
func TestLoadtest(t *testing.T) {
	t.Parallel()
	const token = "loadtest-metrics-token"
	// Fast: 20 ms heartbeats (the server reads 100 messages a second from
	// a socket), no settling, a short measure.
	quick := []string{"--heartbeat", "20ms", "--settle", "0s", "--measure", "2s", "--every", "500ms", "--rate", "200", "--metrics-token", token}
	tests := []struct {
		name    string
		servers int
		args    []string
		json    bool
		workers int
		compare bool
		prints  bool
		claimed int
	}{
		{name: "one server, claimed printers idle", servers: 1, args: []string{"--bridges", "12", "--claimed", "4"}, json: true, workers: 1, claimed: 4},
		{name: "text report", servers: 1, args: []string{"--bridges", "4", "--measure", "1s"}, workers: 1},
		{name: "two servers, workers, compare and prints", servers: 2, json: true, workers: 3, compare: true, prints: true, claimed: 6,
			args: []string{"--bridges", "20", "--per-worker", "15", "--compare", "--prints-per-second", "10", "--prints-for", "1s", "--claimed", "6"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			db := filepath.Join(t.TempDir(), "p.db")
			var servers []string
			for range tt.servers {
				srv := start(t, nil, "serve", "--db", db, "--listen", "127.0.0.1:0", "--log-level", "warn", "--metrics-token", token,
					"--builtins", "friends")
				servers = append(servers, "ws://"+srv.waitLine(regexp.MustCompile(`serving on http://([0-9.:]+) `))[1]+"/api/v1/connection")
			}
			args := append([]string{"loadtest", "--server", strings.Join(servers, ","), "--db", db}, quick...)
			args = append(args, tt.args...)
			if tt.json {
				args = append(args, "--json")
			}
			r := paperboy(t, "", args...)
			if r.code != 0 {
				t.Fatalf("exit %d: %s", r.code, r.stderr)
			}
			if !strings.Contains(r.stderr, "bridges online in") || !strings.Contains(r.stderr, "measuring ") {
				t.Errorf("no progress on stderr: %q", r.stderr)
			}
			if !tt.json {
				for _, want := range []string{"RSS per bridge", "CPU per heartbeat", "heartbeats lost"} {
					if !strings.Contains(r.stdout, want) {
						t.Errorf("report has no %q:\n%s", want, r.stdout)
					}
				}
				return
			}
			rep := checkLoadReport(t, r.stdout, tt.servers, tt.workers, tt.compare, tt.prints)
			if rep.Claimed != tt.claimed {
				t.Errorf("%d printers claimed, want %d", rep.Claimed, tt.claimed)
			}
		})
	}
}

// checkLoadReport checks a --json report: its fields are all there, and
// hold what a handful of idle bridges give.
func checkLoadReport(t *testing.T, out string, servers, workers int, compare, prints bool) loadReportJSON {
	t.Helper()
	var fields map[string]json.RawMessage
	if err := json.Unmarshal([]byte(out), &fields); err != nil {
		t.Fatalf("report %q: %v", out, err)
	}
	for _, f := range []string{"bridges_online", "rss_per_bridge_bytes", "cpu_per_heartbeat_us", "heartbeat_cpu_ratio", "latency_ms",
		"heartbeats_lost", "reconnects", "goroutines", "servers", "reference", "prints"} {
		if _, ok := fields[f]; !ok {
			t.Errorf("report has no %s:\n%s", f, out)
		}
	}
	var rep loadReportJSON
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.BridgesOnline != rep.Bridges || rep.Workers != workers || len(rep.Servers) != servers {
		t.Errorf("%d of %d bridges online, %d workers, %d servers; want all, %d, %d", rep.BridgesOnline, rep.Bridges,
			rep.Workers, len(rep.Servers), workers, servers)
	}
	// Each worker dials from a loopback address of its own.
	if len(rep.Sources) != workers || rep.Sources[0] != "127.0.0.2" {
		t.Errorf("sources %q, want %d from 127.0.0.2", rep.Sources, workers)
	}
	all := append([]loadServer{rep.loadServer}, rep.Servers...)
	if compare {
		all = append(all, *rep.Reference)
	}
	for i, s := range all {
		// 50 heartbeats a second a printer, less the start of each.
		if s.BridgesOnline != s.Bridges || s.HeartbeatsPerS < float64(s.Bridges)*20 || s.Goroutines < 1 || s.RSSPerBridge == nil ||
			s.HeartbeatsLost == nil || *s.HeartbeatsLost != 0 || s.HeartbeatsReceived < s.Bridges*20 || s.Reconnects == nil || *s.Reconnects != 0 {
			t.Errorf("server %d: %+v", i, s)
		}
	}
	if compare != (rep.Reference != nil) || compare != (rep.HeartbeatCPURatio != nil) {
		t.Errorf("compare %v: reference %+v, heartbeat_cpu_ratio %v", compare, rep.Reference, rep.HeartbeatCPURatio)
	}
	if compare && (rep.CPUPerHeartbeat <= 0 || rep.Reference.CPUPerHeartbeat <= 0 || *rep.HeartbeatCPURatio <= 0) {
		t.Errorf("CPU per heartbeat %v µs, the reference's %v µs, ratio %v", rep.CPUPerHeartbeat, rep.Reference.CPUPerHeartbeat, *rep.HeartbeatCPURatio)
	}
	if prints != (rep.Prints != nil) || prints != (rep.Latency != nil) {
		t.Fatalf("prints %v: prints %+v, latency_ms %+v", prints, rep.Prints, rep.Latency)
	}
	if prints {
		// 10 prints, all through the API and all printed, none twice.
		p := rep.Prints
		if p.Sent != 10 || p.Accepted != 10 || p.Printed != 10 || p.Lost != 0 || p.Extra != 0 || p.Claimed != 6 || len(p.APIErrors) != 0 {
			t.Errorf("prints %+v", p)
		}
		if l := rep.Latency; l.Max <= 0 || l.P50 > l.P95 || l.P95 > l.P99 || l.P99 > l.Max {
			t.Errorf("latency_ms %+v", l)
		}
	}
	return rep
}

// FuzzParseMetrics: a metrics page read from a server is a map or an
// error, never a panic.
func FuzzParseMetrics(f *testing.F) {
	f.Add("# HELP go_goroutines Number.\n# TYPE go_goroutines gauge\ngo_goroutines 12\n")
	f.Add(`paperboy_bridge_messages_total{type="DeviceHeartbeat"} 1.5e+06` + "\n")
	f.Add("x NaN\ny +Inf\n\n z")
	f.Fuzz(func(t *testing.T, page string) {
		m, err := parseMetrics(strings.NewReader(page))
		if err == nil && m == nil {
			t.Fatal("no map and no error")
		}
	})
}
