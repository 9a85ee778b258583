package main

import (
	"bufio"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"paperboy/virtual"
)

// Defaults of paperboy loadtest.
const (
	// defaultPerWorker keeps a worker process well under the machine's
	// 20,000 open files a process: a socket is one, and the binary, the
	// runtime and the pipes take a few more.
	defaultPerWorker = 15000
	// defaultClaimed is how many printers are claimed for the prints: enough
	// that each prints seldom, few enough to set up in a second or two.
	defaultClaimed = 1000
	// onlineWait bounds the wait for every bridge to be online, beyond the
	// time their dials take at the asked rate and a heartbeat.
	onlineWait = 2 * time.Minute
)

// loadConfig is what a load test was asked for.
type loadConfig struct {
	servers   []string // bridge endpoints, one per instance
	metrics   []string // their /metrics, in the same order
	token     string
	bridges   int
	heartbeat time.Duration
	settle    time.Duration
	measure   time.Duration
	every     time.Duration
	rate      int
	perWorker int
	source    string
	compare   bool
	json      bool
	pps       float64
	printsFor time.Duration
	printWait time.Duration
	claimed   int
}

// runLoadtest attaches many idle virtual bridges, each with one printer
// that heartbeats, to one or more running servers, spread over worker
// processes and source addresses; it reads from each server's /metrics
// what an idle bridge costs it (memory, goroutines, CPU per heartbeat),
// optionally beside the reference server, and sends prints through the
// API to time them from the API's answer to the printer.
func runLoadtest(e env, args []string) error {
	fs := newFlags(e, "loadtest", "loadtest [--server URL[,URL…]] [--metrics URL[,URL…] | --metrics-token TOKEN] [--bridges N] [--compare] "+
		"[--prints-per-second N --data DIR | --db DSN] [--json]\n\n"+
		"Attaches --bridges idle virtual bridges (a printer each, heartbeating) to the servers, spread over them in turn, and reports\n"+
		"what they cost each server: resident memory and goroutines per bridge, CPU per heartbeat, heartbeats lost, reconnects.\n"+
		"--compare runs a minimal reference server (gorilla/websocket, the read loop in the handler) with as many bridges beside it.\n"+
		"--prints-per-second claims --claimed of the printers (writing users and claims into the servers' database, --data or --db:\n"+
		"use a throwaway one) and, after the measuring, prints on them through every server's API, timing each from the API's\n"+
		"answer to the printer's printing it; --claimed alone claims them and prints nothing, to measure claimed printers idling. The servers need --max-conns-per-address 0, and --new-devices-per-hour above\n"+
		"--bridges to store every printer.")
	server := fs.String("server", "ws://localhost:8080/api/v1/connection", "the server's bridge endpoint; several, comma-separated, one per instance: the bridges go to each in turn")
	bridges := fs.Int("bridges", 2000, "how many virtual bridges to attach, over all the servers")
	heartbeat := fs.Duration("heartbeat", virtual.DefaultHeartbeatEvery, "time between each printer's heartbeats")
	settle := fs.Duration("settle", 20*time.Second, "wait this long after all are online before measuring memory")
	measure := fs.Duration("measure", 60*time.Second, "measure CPU over this long, with the bridges idle")
	rate := fs.Int("rate", 500, "bridges connected per second (as many again to the reference, with --compare)")
	metrics := fs.String("metrics", "", "each server's metrics, comma-separated as --server: http://ADDR/metrics of its --metrics-listen; default /metrics at the server's address, with --metrics-token")
	token := fs.String("metrics-token", "", "the servers' --metrics-token, for /metrics at their address (or PAPERBOY_METRICS_TOKEN)")
	compare := fs.Bool("compare", false, "run the reference server (a child process) and as many bridges on it, in the same run")
	jsonOut := fs.Bool("json", false, "print the report as one JSON object")
	every := fs.Duration("every", 2*time.Second, "a line of progress on stderr this often")
	perWorker := fs.Int("per-worker", defaultPerWorker, "sockets one worker process holds at most (a process may open 20,000 files here)")
	source := fs.String("source", "auto", `addresses the bridges dial from, comma-separated, one a worker in turn; "auto": 127.0.0.2, 127.0.0.3, … when every server is on loopback; "any": the system's choice`)
	pps := fs.Float64("prints-per-second", 0, "after measuring, send prints through the servers' API this many a second (needs --data or --db)")
	printsFor := fs.Duration("prints-for", 30*time.Second, "send prints for this long")
	printWait := fs.Duration("print-wait", 10*time.Second, "after the last print is sent, wait this long for all to print; those not printed then are lost")
	claimed := fs.Int("claimed", defaultClaimed, "printers claimed (before they connect) for the prints, or, given without prints, to idle claimed (needs --data or --db)")
	data := dataFlag(fs).withDB(fs)
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
	claimedSet := false
	fs.Visit(func(f *flag.Flag) { claimedSet = claimedSet || f.Name == "claimed" })
	cfg := loadConfig{servers: splitList(*server), metrics: splitList(*metrics), token: *token, bridges: *bridges,
		heartbeat: *heartbeat, settle: *settle, measure: *measure, every: *every, rate: *rate, perWorker: *perWorker,
		source: *source, compare: *compare, json: *jsonOut, pps: *pps, printsFor: *printsFor, printWait: *printWait, claimed: *claimed}
	if err := cfg.check(); err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	lt := &loadRun{cfg: cfg, log: &lockedWriter{w: e.stderr}}
	if cfg.pps > 0 || claimedSet {
		st, err := data.openStore(ctx)
		if err != nil {
			return err
		}
		defer st.Close()
		lt.prints = newPrintRun(st, cfg)
	}
	defer lt.stopAll()
	rep, err := lt.run(ctx)
	if err != nil {
		return err
	}
	if cfg.json {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	return rep.write(e.stdout)
}

// check checks the flags and fills the metrics URLs.
func (c *loadConfig) check() error {
	switch {
	case len(c.servers) == 0:
		return errors.New("--server: give at least one bridge endpoint")
	case c.bridges < 1 || c.rate < 1 || c.perWorker < 1:
		return errors.New("--bridges, --rate and --per-worker must be 1 or more")
	case c.bridges < len(c.servers):
		return fmt.Errorf("--bridges %d for %d servers: at least one each", c.bridges, len(c.servers))
	case c.heartbeat <= 0 || c.every <= 0 || c.settle < 0 || c.measure <= 0:
		return errors.New("--heartbeat, --every and --measure must be more than 0, --settle not negative")
	case c.pps < 0 || c.claimed < 0 || (c.pps > 0 && (c.printsFor <= 0 || c.printWait < 0 || c.claimed < 1)):
		return errors.New("--prints-per-second and --claimed must not be negative; with prints, --prints-for and --claimed more than 0, --print-wait not negative")
	}
	for _, s := range c.servers {
		if _, err := serverURL(s, "/"); err != nil {
			return err
		}
	}
	switch {
	case len(c.metrics) == 0:
		for _, s := range c.servers {
			m, _ := serverURL(s, "/metrics")
			c.metrics = append(c.metrics, m)
		}
	case len(c.metrics) != len(c.servers):
		return fmt.Errorf("--metrics names %d servers' metrics, --server %d: give one each, in the same order", len(c.metrics), len(c.servers))
	}
	c.claimed = min(c.claimed, c.bridges)
	return nil
}

// splitList splits a comma-separated flag, leaving out empty items.
func splitList(s string) []string {
	var out []string
	for f := range strings.SplitSeq(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// lockedWriter lets several goroutines share one writer, each write
// whole: the load tool's progress lines and its children's stderr, the
// virtual printers' output.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// target is a server the bridges attach to: a paperboy instance, or the
// reference server.
type target struct {
	name     string
	url      string // bridge endpoint
	metrics  string
	token    string
	ref      bool
	bridges  int
	sampled  int // printers claimed on it
	scrapes  map[string]map[string]float64
	children *exec.Cmd // the reference server's process
	stdin    io.WriteCloser
}

// scrape reads the target's metrics and keeps them as phase.
func (t *target) scrape(phase string) (map[string]float64, error) {
	m, err := scrape(t.metrics, t.token)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", t.name, err)
	}
	if t.scrapes == nil {
		t.scrapes = map[string]map[string]float64{}
	}
	t.scrapes[phase] = m
	return m, nil
}

// Metric names read from every server, paperboy's and the reference's.
const (
	mBridges    = "paperboy_bridges_online"
	mPrinters   = "paperboy_printers_online"
	mHeartbeats = `paperboy_bridge_messages_total{type="DeviceHeartbeat"}`
	mRSS        = "process_resident_memory_bytes"
	mCPU        = "process_cpu_seconds_total"
	mGoroutines = "go_goroutines"
	mHeap       = "go_memstats_heap_inuse_bytes"
	mStack      = "go_memstats_stack_inuse_bytes"
	mNewRefused = `paperboy_bridge_refused_total{reason="too_many_new_devices"}`
)

// loadRun is one load test: its servers, its workers and its prints.
type loadRun struct {
	cfg     loadConfig
	log     *lockedWriter
	targets []*target
	workers []*workerProc
	prints  *printRun // nil without --prints-per-second
	sources []string
}

func (lt *loadRun) printf(format string, args ...any) {
	fmt.Fprintf(lt.log, "loadtest: "+format+"\n", args...)
}

// run runs the test from start to report.
func (lt *loadRun) run(ctx context.Context) (*loadReport, error) {
	cfg := lt.cfg
	shares := split(cfg.bridges, len(cfg.servers))
	claims := split(cfg.claimed, len(cfg.servers))
	for i, s := range cfg.servers {
		name := "paperboy"
		if len(cfg.servers) > 1 {
			name = fmt.Sprintf("paperboy %d", i+1)
		}
		lt.targets = append(lt.targets, &target{name: name, url: s, metrics: cfg.metrics[i], token: cfg.token, bridges: shares[i]})
		if lt.prints != nil {
			lt.targets[i].sampled = claims[i]
		}
	}
	if cfg.compare {
		ref, err := startReference(lt.log)
		if err != nil {
			return nil, err
		}
		ref.bridges = cfg.bridges
		lt.targets = append(lt.targets, ref)
	}
	// The empty servers, before any bridge. A server's memory does not
	// go back down when bridges leave, so it must be a fresh one.
	for _, t := range lt.targets {
		m, err := t.scrape("empty")
		if err != nil {
			return nil, err
		}
		if n := m[mBridges]; n > 0 {
			lt.printf("%s holds %v bridges already: the figures per bridge are over what it holds now; measure a server started afresh", t.name, n)
		}
	}
	if err := lt.startWorkers(); err != nil {
		return nil, err
	}
	devices, err := lt.devices(ctx)
	if err != nil {
		return nil, err
	}
	if lt.prints != nil {
		if err := lt.prints.setUp(ctx, devices, lt.log); err != nil {
			return nil, err
		}
	}
	for _, w := range lt.workers {
		if _, err := io.WriteString(w.stdin, "go\n"); err != nil {
			return nil, fmt.Errorf("worker %d: %w", w.n, err)
		}
	}
	began := time.Now()
	if err := lt.waitOnline(ctx); err != nil {
		return nil, err
	}
	lt.printf("all %s bridges online in %v; settling for %v, then measuring for %v", commas(lt.sockets()),
		time.Since(began).Round(100*time.Millisecond), cfg.settle, cfg.measure)
	if lt.prints != nil {
		if err := lt.prints.checkStore(ctx); err != nil {
			return nil, err
		}
	}
	if err := lt.idle(ctx, "settling", cfg.settle); err != nil {
		return nil, err
	}
	for _, t := range lt.targets {
		if _, err := t.scrape("mid"); err != nil {
			return nil, err
		}
	}
	if err := lt.idle(ctx, "measuring", cfg.measure); err != nil {
		return nil, err
	}
	for _, t := range lt.targets {
		if _, err := t.scrape("after"); err != nil {
			return nil, err
		}
	}
	if lt.prints != nil && cfg.pps > 0 {
		if err := lt.printPhase(ctx); err != nil {
			return nil, err
		}
	}
	final, err := lt.stopWorkers()
	if err != nil {
		return nil, err
	}
	// Let the servers read the last frames the bridges wrote before they
	// closed, then count what they received.
	time.Sleep(time.Second)
	for _, t := range lt.targets {
		if _, err := t.scrape("end"); err != nil {
			return nil, err
		}
	}
	return lt.report(final), nil
}

// split divides n into k parts that differ by one at most, the larger first.
func split(n, k int) []int {
	out := make([]int, k)
	for i := range out {
		out[i] = n / k
		if i < n%k {
			out[i]++
		}
	}
	return out
}

// sockets is how many bridges the run attaches, over every target.
func (lt *loadRun) sockets() int {
	n := 0
	for _, t := range lt.targets {
		n += t.bridges
	}
	return n
}

// startReference starts the reference server as a child process.
func startReference(log io.Writer) (*target, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("reference: %w", err)
	}
	cmd := exec.Command(exe, "loadtest", "reference")
	cmd.Stderr = log
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("reference: %w", err)
	}
	t := &target{name: "reference", ref: true, children: cmd, stdin: stdin}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	addr, ok := strings.CutPrefix(strings.TrimSpace(line), "listening on ")
	if err != nil || !ok {
		stdin.Close()
		cmd.Wait()
		return nil, fmt.Errorf("reference: it said %q: %v", line, err)
	}
	t.url = "ws://" + addr + "/api/v1/connection"
	t.metrics = "http://" + addr + "/metrics"
	return t, nil
}

// sourceIPs are the addresses the workers dial from, one each in turn; nil
// for the system's choice.
func (lt *loadRun) sourceIPs() ([]string, error) {
	switch lt.cfg.source {
	case "any", "":
		return nil, nil
	case "auto":
		for _, t := range lt.targets {
			u, _ := url.Parse(t.url)
			host := u.Hostname()
			if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
				return nil, nil
			}
		}
		n := len(lt.workerShares())
		if n > 253 {
			return nil, fmt.Errorf("%d workers: more than 127.0.0.2 to 127.0.0.254 can give one each; give --source", n)
		}
		out := make([]string, n)
		for i := range out {
			out[i] = fmt.Sprintf("127.0.0.%d", i+2)
		}
		return out, nil
	}
	out := splitList(lt.cfg.source)
	for _, s := range out {
		if net.ParseIP(s) == nil {
			return nil, fmt.Errorf("--source %q: want IP addresses, comma-separated, or auto or any", s)
		}
	}
	return out, nil
}

// workerShares splits each target's bridges over the workers: how many
// workers, and, for each, how many bridges of each target.
func (lt *loadRun) workerShares() [][]int {
	n := (lt.sockets() + lt.cfg.perWorker - 1) / lt.cfg.perWorker
	out := make([][]int, n)
	for w := range out {
		out[w] = make([]int, len(lt.targets))
	}
	for t, tg := range lt.targets {
		for w, k := range split(tg.bridges, n) {
			out[w][t] = k
		}
	}
	return out
}

// workerProc is a worker process, and what it last said.
type workerProc struct {
	n       int
	cmd     *exec.Cmd
	stdin   io.WriteCloser
	targets []int // the target of each group of its plan
	first   chan []sampleDevice
	exited  chan struct{}

	mu    sync.Mutex
	stats []groupStats
	final bool
	err   error
}

// startWorkers starts the worker processes and gives each its plan.
func (lt *loadRun) startWorkers() error {
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("workers: %w", err)
	}
	sources, err := lt.sourceIPs()
	if err != nil {
		return err
	}
	lt.sources = sources
	shares := lt.workerShares()
	// The claimed printers are spread as the bridges are.
	claims := make([][]int, len(lt.targets))
	for t, tg := range lt.targets {
		claims[t] = split(tg.sampled, len(shares))
	}
	// Each worker connects its share of --rate; the reference's bridges
	// come as fast again.
	rate := float64(lt.cfg.rate) / float64(len(shares))
	if lt.cfg.compare {
		rate *= 2
	}
	for w, share := range shares {
		plan := workerPlan{Heartbeat: lt.cfg.heartbeat, Rate: rate, Every: min(lt.cfg.every/2, 500*time.Millisecond)}
		wp := &workerProc{n: w + 1, first: make(chan []sampleDevice, 1), exited: make(chan struct{})}
		for t, k := range share {
			if k == 0 {
				continue
			}
			g := workerGroup{URL: lt.targets[t].url, Bridges: k, Claimed: min(claims[t][w], k)}
			if len(sources) > 0 {
				g.Source = sources[w%len(sources)]
			}
			plan.Groups = append(plan.Groups, g)
			wp.targets = append(wp.targets, t)
		}
		line, err := json.Marshal(plan)
		if err != nil {
			return err
		}
		cmd := exec.Command(exe, "loadtest", "worker")
		cmd.Stderr = lt.log
		if wp.stdin, err = cmd.StdinPipe(); err != nil {
			return err
		}
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			return err
		}
		if err := cmd.Start(); err != nil {
			return fmt.Errorf("worker %d: %w", wp.n, err)
		}
		wp.cmd = cmd
		lt.workers = append(lt.workers, wp)
		go wp.read(stdout, lt.prints)
		if _, err := wp.stdin.Write(append(line, '\n')); err != nil {
			return fmt.Errorf("worker %d: %w", wp.n, err)
		}
	}
	lt.printf("%s bridges in %s%s", commas(lt.sockets()), plural(len(lt.workers), "worker process", "worker processes"), lt.fromWhere())
	return nil
}

// fromWhere says where the bridges dial from.
func (lt *loadRun) fromWhere() string {
	switch len(lt.sources) {
	case 0:
		return ""
	case 1:
		return ", from " + lt.sources[0]
	}
	return fmt.Sprintf(", from %s to %s", lt.sources[0], lt.sources[len(lt.sources)-1])
}

// read takes a worker's lines until it exits.
func (wp *workerProc) read(stdout io.Reader, prints *printRun) {
	dec := json.NewDecoder(stdout)
	first := true
	var err error
	for {
		var m workerMsg
		if err = dec.Decode(&m); err != nil {
			break
		}
		if first {
			first = false
			wp.first <- m.Devices
			continue
		}
		if prints != nil {
			for _, p := range m.Printed {
				prints.printed(p)
			}
		}
		wp.mu.Lock()
		wp.stats, wp.final = m.Stats, m.Final
		wp.mu.Unlock()
	}
	werr := wp.cmd.Wait()
	wp.mu.Lock()
	if !wp.final {
		wp.err = fmt.Errorf("worker %d ended early: %v", wp.n, cmp.Or(werr, err))
	}
	wp.mu.Unlock()
	if first {
		close(wp.first)
	}
	close(wp.exited)
}

// devices collects the printers each worker will claim, with the target
// each is attached to.
func (lt *loadRun) devices(ctx context.Context) ([]claimDevice, error) {
	var out []claimDevice
	for _, w := range lt.workers {
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case ds, ok := <-w.first:
			if !ok {
				<-w.exited
				return nil, w.error()
			}
			for _, d := range ds {
				out = append(out, claimDevice{sampleDevice: d, target: w.targets[d.Group]})
			}
		}
	}
	return out, nil
}

func (wp *workerProc) error() error {
	wp.mu.Lock()
	defer wp.mu.Unlock()
	return wp.err
}

// totals sums the workers' last stats for each target.
func (lt *loadRun) totals() ([]groupStats, error) {
	out := make([]groupStats, len(lt.targets))
	for _, w := range lt.workers {
		w.mu.Lock()
		err := w.err
		for g, s := range w.stats {
			out[w.targets[g]] = out[w.targets[g]].add(s)
		}
		w.mu.Unlock()
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// sum adds up the stats of every target.
func sum(stats []groupStats) groupStats {
	var s groupStats
	for _, g := range stats {
		s = s.add(g)
	}
	return s
}

// dialTime is how long the bridges' dials take at the asked rate.
func (lt *loadRun) dialTime() time.Duration {
	return time.Duration(float64(lt.cfg.bridges) / float64(lt.cfg.rate) * float64(time.Second))
}

// waitOnline shows the bridges connecting, and waits until every server
// says it has its share online (and, paperboy, their printers).
func (lt *loadRun) waitOnline(ctx context.Context) error {
	wait := lt.dialTime() + onlineWait + lt.cfg.heartbeat
	deadline := time.Now().Add(wait)
	shown, lastOnline := time.Now(), 0
	for {
		done := true
		var where []string
		for _, t := range lt.targets {
			m, err := t.scrape("online")
			if err != nil {
				return err
			}
			empty := t.scrapes["empty"]
			bridges := int(m[mBridges] - empty[mBridges])
			printers := bridges
			if !t.ref {
				printers = int(m[mPrinters] - empty[mPrinters])
			}
			if bridges < t.bridges || printers < t.bridges {
				done = false
			}
			where = append(where, fmt.Sprintf("%s %s", t.name, commas(min(bridges, printers))))
		}
		stats, err := lt.totals()
		if err != nil {
			return err
		}
		s := sum(stats)
		if done {
			lt.warnNewDevices()
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("after %v the servers see %s of %s bridges online (%s), %s dials failed: start paperboy serve with "+
				"--max-conns-per-address 0 (the bridges come from a few addresses)", wait.Round(time.Second),
				commas(s.Online), commas(lt.sockets()), strings.Join(where, ", "), commas(s.DialErrors))
		}
		if now := time.Now(); now.Sub(shown) >= lt.cfg.every {
			rate := float64(s.Online-lastOnline) / now.Sub(shown).Seconds()
			shown, lastOnline = now, s.Online
			lt.printf("connecting: %s of %s online (%s), %s/s, %s errors", commas(s.Online), commas(lt.sockets()),
				strings.Join(where, ", "), commas(int(rate+0.5)), commas(s.DialErrors))
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// warnNewDevices says when a server did not store printers new to it.
func (lt *loadRun) warnNewDevices() {
	for _, t := range lt.targets {
		if n := t.scrapes["online"][mNewRefused] - t.scrapes["empty"][mNewRefused]; n > 0 && !t.ref {
			lt.printf("%s did not store %v printers new to it from one address: start it with --new-devices-per-hour above %d "+
				"to measure what storing them costs", t.name, n, t.bridges)
		}
	}
}

// idle waits d while the bridges idle, with a line of progress every
// --every.
func (lt *loadRun) idle(ctx context.Context, what string, d time.Duration) error {
	began := time.Now()
	end := began.Add(d)
	first, err := lt.totals()
	if err != nil {
		return err
	}
	for {
		left := time.Until(end)
		if left <= 0 {
			return nil
		}
		wait := min(left, lt.cfg.every)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
		if wait < lt.cfg.every {
			return nil
		}
		stats, err := lt.totals()
		if err != nil {
			return err
		}
		// Heartbeats over the whole phase: bridges that connected within a
		// second or two heartbeat in step, in bursts.
		elapsed := time.Since(began)
		s, b := sum(stats), sum(first)
		lt.printf("%s %v of %v: %s of %s online, %s heartbeats/s, %s reconnects, %s errors", what,
			elapsed.Round(time.Second), d, commas(s.Online), commas(lt.sockets()),
			commas(int(float64(s.Heartbeats-b.Heartbeats)/elapsed.Seconds()+0.5)), commas(s.Reconnects), commas(s.DialErrors))
	}
}

// printPhase sends the prints and waits for them, with progress.
func (lt *loadRun) printPhase(ctx context.Context) error {
	p := lt.prints
	var api []string
	for _, t := range lt.targets {
		if !t.ref {
			u, _ := serverURL(t.url, "")
			api = append(api, u)
		}
	}
	lt.printf("printing %v a second for %v through the API of %s on %s claimed printers (%d users); the other printers idle",
		lt.cfg.pps, lt.cfg.printsFor, plural(len(api), "server", "servers"), commas(p.claimedCount()), p.users)
	done := make(chan struct{})
	go func() {
		defer close(done)
		p.send(ctx, api)
	}()
	began := time.Now()
	tick := time.NewTicker(lt.cfg.every)
	defer tick.Stop()
	var drained <-chan time.Time
	for {
		select {
		case <-ctx.Done():
			<-done
			return ctx.Err()
		case <-done:
			done = nil
			t := time.NewTimer(lt.cfg.printWait)
			defer t.Stop()
			drained = t.C
			if p.outstanding() == 0 {
				return nil
			}
		case <-drained:
			return nil
		case now := <-tick.C:
			lt.printf("printing %v: %s", now.Sub(began).Round(time.Second), p.progress())
			if done == nil && p.outstanding() == 0 {
				return nil
			}
		}
	}
}

// stopWorkers ends the workers' stdin, so they close their sockets, and
// waits for their last word.
func (lt *loadRun) stopWorkers() ([]groupStats, error) {
	for _, w := range lt.workers {
		w.stdin.Close()
	}
	timeout := time.After(30 * time.Second)
	for _, w := range lt.workers {
		select {
		case <-w.exited:
		case <-timeout:
			return nil, fmt.Errorf("worker %d did not stop in 30 s", w.n)
		}
	}
	return lt.totals()
}

// stopAll ends every child still running: on success they have ended.
func (lt *loadRun) stopAll() {
	for _, w := range lt.workers {
		w.stdin.Close()
	}
	for _, t := range lt.targets {
		if t.children != nil {
			t.stdin.Close()
			t.children.Wait()
		}
	}
	for _, w := range lt.workers {
		select {
		case <-w.exited:
		case <-time.After(30 * time.Second):
			w.cmd.Process.Kill()
		}
	}
}

// serverURL is the address of path on the server a bridge URL (--server)
// names: ws://host:port/… becomes http://host:port/path.
func serverURL(server, path string) (string, error) {
	u, err := url.Parse(server)
	if err != nil || (u.Scheme != "ws" && u.Scheme != "wss") || u.Host == "" {
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
	return parseMetrics(resp.Body)
}

// parseMetrics reads Prometheus's text format: each sample's name, with
// its labels, and value. Comments and lines it cannot read are skipped.
func parseMetrics(r io.Reader) (map[string]float64, error) {
	out := map[string]float64{}
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, 1<<20)
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
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	return out, nil
}

// quantiles are the nearest-rank p50, p95, p99 and max of some durations,
// in milliseconds.
type quantiles struct {
	P50 float64 `json:"p50"`
	P95 float64 `json:"p95"`
	P99 float64 `json:"p99"`
	Max float64 `json:"max"`
}

func quantilesOf(ds []time.Duration) quantiles {
	if len(ds) == 0 {
		return quantiles{}
	}
	ds = slices.Clone(ds)
	slices.Sort(ds)
	at := func(q float64) float64 {
		i := int(math.Ceil(q*float64(len(ds)))) - 1
		return round3(float64(ds[min(max(i, 0), len(ds)-1)]) / 1e6)
	}
	return quantiles{P50: at(0.50), P95: at(0.95), P99: at(0.99), Max: at(1)}
}
