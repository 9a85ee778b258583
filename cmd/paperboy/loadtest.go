package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"paperboy/virtual"
)

// runLoadtest attaches many virtual bridges, each with one printer that
// heartbeats, to a running server, and reads from the server's /metrics what
// an idle bridge costs it: memory per bridge, and the CPU its heartbeats
// take.
func runLoadtest(e env, args []string) error {
	fs := newFlags(e, "loadtest", "loadtest [--server URL] [--metrics URL | --metrics-token TOKEN] [--bridges N] [--heartbeat 10s] [--settle 20s] [--measure 60s]")
	server := fs.String("server", "ws://localhost:8080/api/v1/connection", "the server's bridge endpoint")
	bridges := fs.Int("bridges", 2000, "how many virtual bridges to attach")
	heartbeat := fs.Duration("heartbeat", virtual.DefaultHeartbeatEvery, "time between each printer's heartbeats")
	settle := fs.Duration("settle", 20*time.Second, "wait this long after all are online before measuring memory")
	measure := fs.Duration("measure", 60*time.Second, "measure CPU over this long")
	rate := fs.Int("rate", 500, "bridges connected per second")
	metrics := fs.String("metrics", "", "the server's metrics: http://ADDR/metrics of its --metrics-listen; default /metrics at --server's address, with --metrics-token")
	token := fs.String("metrics-token", "", "the server's --metrics-token, for /metrics at --server's address (or PAPERBOY_METRICS_TOKEN)")
	if err := fs.fromEnv(); err != nil {
		return err
	}
	rest, err := fs.parse(args)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return fmt.Errorf("unexpected argument %q", rest[0])
	}
	if *bridges < 1 || *rate < 1 {
		return errors.New("--bridges and --rate must be 1 or more")
	}
	metricsURL := *metrics
	if metricsURL == "" {
		if metricsURL, err = serverURL(*server, "/metrics"); err != nil {
			return err
		}
	}
	read := func() (map[string]float64, error) { return scrape(metricsURL, *token) }
	before, err := read()
	if err != nil {
		return err
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var wg sync.WaitGroup
	defer wg.Wait()
	defer cancel()
	quiet := slog.New(slog.DiscardHandler)
	tick := time.NewTicker(time.Second / time.Duration(*rate))
	for range *bridges {
		<-tick.C
		b, err := virtual.New(virtual.Config{URL: *server, Printers: 1, Paired: true, HeartbeatEvery: *heartbeat, Logger: quiet})
		if err != nil {
			return err
		}
		wg.Go(func() { b.Run(ctx) })
	}
	tick.Stop()
	fmt.Fprintf(e.stderr, "loadtest: %d bridges started; waiting for the server to see them\n", *bridges)
	deadline := time.Now().Add(2*time.Minute + *heartbeat)
	var m map[string]float64
	for {
		m, err = read()
		if err != nil {
			return err
		}
		if m["paperboy_bridges_online"]-before["paperboy_bridges_online"] >= float64(*bridges) &&
			m["paperboy_printers_online"]-before["paperboy_printers_online"] >= float64(*bridges) {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the server sees %v bridges and %v printers online, want %d (a server caps the connections from one address: "+
				"start it with --max-conns-per-address 0)", m["paperboy_bridges_online"], m["paperboy_printers_online"], *bridges)
		}
		time.Sleep(time.Second)
	}
	if n := m[`paperboy_bridge_refused_total{reason="too_many_new_devices"}`]; n > before[`paperboy_bridge_refused_total{reason="too_many_new_devices"}`] {
		fmt.Fprintf(e.stderr, "loadtest: the server did not store %v of the printers, new to it from one address: "+
			"start it with --new-devices-per-hour above %d to measure what storing them costs\n", n, *bridges)
	}
	fmt.Fprintf(e.stderr, "loadtest: all online; settling for %v, then measuring for %v\n", *settle, *measure)
	time.Sleep(*settle)
	mid, err := read()
	if err != nil {
		return err
	}
	time.Sleep(*measure)
	after, err := read()
	if err != nil {
		return err
	}
	n := float64(*bridges)
	per := func(name string) float64 { return (mid[name] - before[name]) / n }
	heartbeats := after[`paperboy_bridge_messages_total{type="DeviceHeartbeat"}`] - mid[`paperboy_bridge_messages_total{type="DeviceHeartbeat"}`]
	cpu := after["process_cpu_seconds_total"] - mid["process_cpu_seconds_total"]
	report := map[string]any{
		"bridges":                   *bridges,
		"rss_bytes_per_bridge":      int(per("process_resident_memory_bytes")),
		"go_heap_bytes_per_bridge":  int(per("go_memstats_heap_inuse_bytes")),
		"go_stack_bytes_per_bridge": int(per("go_memstats_stack_inuse_bytes")),
		"goroutines_per_bridge":     per("go_goroutines"),
		"heartbeats_per_second":     heartbeats / measure.Seconds(),
		"cpu_percent_of_one_core":   100 * cpu / measure.Seconds(),
		"cpu_microseconds_per_heartbeat": func() float64 {
			if heartbeats == 0 {
				return 0
			}
			return 1e6 * cpu / heartbeats
		}(),
	}
	enc := json.NewEncoder(e.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(report)
}

// serverURL is the address of path on the server a bridge URL (--server)
// names: ws://host:port/… becomes http://host:port/path.
func serverURL(server, path string) (string, error) {
	u, err := url.Parse(server)
	if err != nil || (u.Scheme != "ws" && u.Scheme != "wss") {
		return "", fmt.Errorf("--server %q: want a ws:// or wss:// URL", server)
	}
	u.Scheme = strings.Replace(u.Scheme, "ws", "http", 1)
	u.Path = path
	return u.String(), nil
}

// scrape reads the samples of a Prometheus text page: name (with labels)
// → value. A token, if any, goes as Authorization: Bearer.
func scrape(u, token string) (map[string]float64, error) {
	req, err := http.NewRequest("GET", u, nil)
	if err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK:
	case http.StatusNotFound, http.StatusUnauthorized:
		return nil, fmt.Errorf("metrics: %s at %s: give the server --metrics-listen ADDR (then --metrics http://ADDR/metrics here) "+
			"or --metrics-token TOKEN (then --metrics-token TOKEN here)", resp.Status, u)
	default:
		return nil, fmt.Errorf("metrics: %s", resp.Status)
	}
	out := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		if i < 0 {
			continue
		}
		if v, err := strconv.ParseFloat(line[i+1:], 64); err == nil {
			out[line[:i]] = v
		}
	}
	return out, sc.Err()
}
