package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"paperboy/internal/loadref"
	"paperboy/virtual"
)

// The load tool's children: paperboy loadtest re-runs its own binary as
// "loadtest worker" for each batch of bridges, so that no process holds
// more sockets than the machine lets it open, and as "loadtest reference"
// for the reference server of --compare. Each reads its parent on stdin
// and ends when stdin does, so none outlives a parent that dies.

// workerPlan is what a worker is told, as the first line on its stdin.
type workerPlan struct {
	Groups    []workerGroup `json:"groups"`
	Heartbeat time.Duration `json:"heartbeat"`
	Rate      float64       `json:"rate"` // bridges started a second, over all groups
	Every     time.Duration `json:"every"`
}

// workerGroup is a worker's bridges to one server.
type workerGroup struct {
	URL     string `json:"url"`
	Source  string `json:"source,omitempty"` // the IP to dial from; "" any
	Bridges int    `json:"bridges"`
	// Claimed is how many of them (the first ones) the parent claims for
	// prints: the worker tells it their printers before it connects.
	Claimed int `json:"claimed,omitempty"`
}

// workerMsg is what a worker says, one JSON object a line on its stdout:
// first its Devices (the printers to claim), then, once it is told "go",
// its Stats (one per group, in the plan's order) and what it printed
// since the last line, every plan.Every, and a last line with Final.
type workerMsg struct {
	Devices []sampleDevice `json:"devices,omitempty"`
	Stats   []groupStats   `json:"stats,omitempty"`
	Printed []printedAt    `json:"printed,omitempty"`
	Final   bool           `json:"final,omitempty"`
}

// sampleDevice is a printer the parent claims, so that it can print on it.
type sampleDevice struct {
	Group  int    `json:"group"`
	Bridge string `json:"bridge"`
	Device string `json:"device"`
	Xor    uint32 `json:"xor"`
	Secret uint64 `json:"secret"`
}

// groupStats sums the bridges of a group.
type groupStats struct {
	Online     int `json:"online"`
	Reconnects int `json:"reconnects"` // sockets opened again after a bridge's first
	DialErrors int `json:"dial_errors"`
	Heartbeats int `json:"heartbeats"`
}

// printedAt is a delivery a printer printed, and when (Unix nanoseconds:
// the parent matches it to the API's answer across processes).
type printedAt struct {
	Device string `json:"device"`
	At     int64  `json:"at"`
}

// add sums two groups' stats.
func (g groupStats) add(o groupStats) groupStats {
	return groupStats{Online: g.Online + o.Online, Reconnects: g.Reconnects + o.Reconnects,
		DialErrors: g.DialErrors + o.DialErrors, Heartbeats: g.Heartbeats + o.Heartbeats}
}

// runLoadtestWorker is "paperboy loadtest worker": it runs the bridges its
// plan (stdin's first line) asks for, reports them on stdout, and stops
// them when stdin ends.
func runLoadtestWorker(e env, args []string) error {
	if len(args) > 0 {
		return fmt.Errorf("unexpected argument %q: the worker reads its plan on stdin", args[0])
	}
	in := bufio.NewReader(e.stdin)
	line, err := in.ReadBytes('\n')
	if err != nil {
		return fmt.Errorf("read the plan: %w", err)
	}
	var plan workerPlan
	if err := json.Unmarshal(line, &plan); err != nil {
		return fmt.Errorf("the plan: %w", err)
	}
	if plan.Rate <= 0 || plan.Every <= 0 || plan.Heartbeat <= 0 {
		return errors.New("the plan: rate, every and heartbeat must be more than 0")
	}
	w := &worker{plan: plan, out: json.NewEncoder(e.stdout)}
	if err := w.make(); err != nil {
		return err
	}
	if err := w.say(workerMsg{Devices: w.devices()}); err != nil {
		return err
	}
	// The parent claims the devices, then says go; or it ends stdin.
	if line, err := in.ReadString('\n'); err != nil || line != "go\n" {
		return nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		io.Copy(io.Discard, in)
		cancel()
	}()
	return w.run(ctx)
}

// worker is one worker process's bridges.
type worker struct {
	plan    workerPlan
	bridges []*virtual.Bridge
	group   []int // the group of each bridge
	outMu   sync.Mutex
	out     *json.Encoder

	mu      sync.Mutex
	printed []printedAt
}

// make makes the bridges, a printer each, paired as if claimed long ago,
// taking the groups in turn so that each server's fill at the same pace.
func (w *worker) make() error {
	quiet := slog.New(slog.DiscardHandler)
	left := make([]int, len(w.plan.Groups))
	for g, grp := range w.plan.Groups {
		left[g] = grp.Bridges
	}
	for more := true; more; {
		more = false
		for g, grp := range w.plan.Groups {
			if left[g] == 0 {
				continue
			}
			left[g]--
			more = true
			cfg := virtual.Config{URL: grp.URL, Printers: 1, Paired: true, AutoPress: true, HeartbeatEvery: w.plan.Heartbeat,
				Logger: quiet, OnPrint: w.onPrint}
			if grp.Source != "" {
				if cfg.LocalIP = net.ParseIP(grp.Source); cfg.LocalIP == nil {
					return fmt.Errorf("the plan: source %q is not an IP address", grp.Source)
				}
			}
			b, err := virtual.New(cfg)
			if err != nil {
				return err
			}
			w.bridges = append(w.bridges, b)
			w.group = append(w.group, g)
		}
	}
	return nil
}

// devices lists the printers of the first Claimed bridges of each group.
func (w *worker) devices() []sampleDevice {
	out := []sampleDevice{}
	seen := make([]int, len(w.plan.Groups))
	for i, b := range w.bridges {
		g := w.group[i]
		if seen[g] >= w.plan.Groups[g].Claimed {
			continue
		}
		seen[g]++
		d := b.Devices()[0]
		out = append(out, sampleDevice{Group: g, Bridge: b.Address().String(), Device: d.Address.String(),
			Xor: d.ClaimCode.HardwareXor, Secret: d.ClaimCode.Secret})
	}
	return out
}

func (w *worker) say(m workerMsg) error {
	w.outMu.Lock()
	defer w.outMu.Unlock()
	return w.out.Encode(m)
}

// onPrint notes each delivery printed; personalities and quips are not
// the tool's.
func (w *worker) onPrint(p virtual.Print) {
	if !p.Command.IsDelivery() {
		return
	}
	at := time.Now().UnixNano()
	w.mu.Lock()
	w.printed = append(w.printed, printedAt{Device: p.Device.String(), At: at})
	w.mu.Unlock()
}

// run starts the bridges at the plan's rate and reports every plan.Every
// until ctx ends; then it stops them, waits for them to close their
// sockets, and reports once more.
func (w *worker) run(ctx context.Context) error {
	var wg sync.WaitGroup
	wg.Go(func() {
		begin := time.Now()
		for i, b := range w.bridges {
			at := begin.Add(time.Duration(float64(i) / w.plan.Rate * float64(time.Second)))
			if d := time.Until(at); d > 0 {
				t := time.NewTimer(d)
				select {
				case <-ctx.Done():
					t.Stop()
					return
				case <-t.C:
				}
			}
			if ctx.Err() != nil {
				return
			}
			wg.Go(func() { b.Run(ctx) })
		}
	})
	report := func(final bool) error {
		stats := make([]groupStats, len(w.plan.Groups))
		for i, b := range w.bridges {
			s := b.Stats()
			g := &stats[w.group[i]]
			g.Reconnects += max(s.Connects-1, 0)
			g.DialErrors += s.DialErrors
			g.Heartbeats += s.Heartbeats
			if s.Online {
				g.Online++
			}
		}
		w.mu.Lock()
		printed := w.printed
		w.printed = nil
		w.mu.Unlock()
		return w.say(workerMsg{Stats: stats, Printed: printed, Final: final})
	}
	tick := time.NewTicker(w.plan.Every)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			// Each bridge sends a close frame and closes; Run returns when
			// all its goroutines have.
			wg.Wait()
			return report(true)
		case <-tick.C:
			if err := report(false); err != nil {
				return err
			}
		}
	}
}

// runLoadtestReference is "paperboy loadtest reference": the reference
// server (internal/loadref) on --listen, its address on stdout, until
// stdin ends.
func runLoadtestReference(e env, args []string) error {
	fs := newFlags(e, "loadtest reference", "loadtest reference [--listen 127.0.0.1:0]")
	listen := fs.String("listen", "127.0.0.1:0", "the address to listen on")
	rest, err := fs.parse(args)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return fmt.Errorf("unexpected argument %q", rest[0])
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: loadref.New().Handler(), ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	defer srv.Close()
	if _, err := fmt.Fprintf(e.stdout, "listening on %s\n", ln.Addr()); err != nil {
		return err
	}
	io.Copy(io.Discard, e.stdin)
	return nil
}
