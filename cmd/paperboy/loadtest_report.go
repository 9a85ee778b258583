package main

import (
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"strings"
	"text/tabwriter"
)

// serverReport is what one server spent on its bridges. Memory and
// goroutines are read after --settle, over the server's own before any
// bridge came; CPU and heartbeats over --measure, while the bridges idle;
// heartbeats lost over the whole run, once the bridges have closed.
type serverReport struct {
	Name     string `json:"name"`
	URL      string `json:"url"`
	RSSEmpty int64  `json:"rss_empty_bytes"`
	RSS      int64  `json:"rss_bytes"`
	figures
}

// figures are what bridges cost a server, or several together: the
// deltas its scrapes gave, summed over servers, and what derive works out
// from them per bridge and per second.
type figures struct {
	Bridges             int     `json:"bridges"`
	BridgesOnline       int     `json:"bridges_online"`
	RSSPerBridge        int64   `json:"rss_per_bridge_bytes"`
	HeapPerBridge       int64   `json:"heap_per_bridge_bytes"`
	StackPerBridge      int64   `json:"stack_per_bridge_bytes"`
	Goroutines          int     `json:"goroutines"`
	GoroutinesPerBridge float64 `json:"goroutines_per_bridge"`
	HeartbeatsPerSecond float64 `json:"heartbeats_per_second"`
	CPUPercent          float64 `json:"cpu_percent_of_one_core"`
	CPUPerHeartbeat     float64 `json:"cpu_per_heartbeat_us"`
	HeartbeatsSent      int     `json:"heartbeats_sent"`
	HeartbeatsReceived  int     `json:"heartbeats_received"`
	HeartbeatsLost      int     `json:"heartbeats_lost"`
	Reconnects          int     `json:"reconnects"`
	DialErrors          int     `json:"dial_errors"`

	rssDelta, heapDelta, stackDelta, goDelta, cpu, heartbeats float64
}

// add sums another server's figures into f (derive then works out the
// totals' per-bridge ones).
func (f *figures) add(o figures) {
	f.BridgesOnline += o.BridgesOnline
	f.Goroutines += o.Goroutines
	f.HeartbeatsSent += o.HeartbeatsSent
	f.HeartbeatsReceived += o.HeartbeatsReceived
	f.Reconnects += o.Reconnects
	f.DialErrors += o.DialErrors
	f.rssDelta, f.heapDelta, f.stackDelta = f.rssDelta+o.rssDelta, f.heapDelta+o.heapDelta, f.stackDelta+o.stackDelta
	f.goDelta, f.cpu, f.heartbeats = f.goDelta+o.goDelta, f.cpu+o.cpu, f.heartbeats+o.heartbeats
}

// derive works out the per-bridge and per-second figures from the
// deltas, over a measure of secs seconds.
func (f *figures) derive(secs float64) {
	n := float64(f.Bridges)
	f.HeartbeatsLost = f.HeartbeatsSent - f.HeartbeatsReceived
	f.RSSPerBridge, f.HeapPerBridge, f.StackPerBridge = int64(f.rssDelta/n), int64(f.heapDelta/n), int64(f.stackDelta/n)
	f.GoroutinesPerBridge = round3(f.goDelta / n)
	f.HeartbeatsPerSecond = round3(f.heartbeats / secs)
	f.CPUPercent = round3(100 * f.cpu / secs)
	if f.heartbeats > 0 {
		f.CPUPerHeartbeat = round3(1e6 * f.cpu / f.heartbeats)
	}
}

// loadReport is a load test's report: the paperboy servers together at the
// top, each server in servers, and the reference server's figures and the
// ratio with --compare (else null). latency_ms is null without prints.
type loadReport struct {
	figures
	Workers           int             `json:"workers"`
	Sources           []string        `json:"sources"`
	HeartbeatSeconds  float64         `json:"heartbeat_seconds"`
	MeasureSeconds    float64         `json:"measure_seconds"`
	Claimed           int             `json:"claimed_printers"`    // printers claimed by accounts; the others were never claimed
	HeartbeatCPURatio *float64        `json:"heartbeat_cpu_ratio"` // paperboy's CPU per heartbeat ÷ the reference's
	RSSPerBridgeRatio *float64        `json:"rss_per_bridge_ratio"`
	Latency           *quantiles      `json:"latency_ms"` // API answer → printed
	Prints            *printReport    `json:"prints"`
	Servers           []*serverReport `json:"servers"`
	Reference         *serverReport   `json:"reference"`
}

// serverFigures works out one target's figures from its scrapes and the
// workers' last stats for it.
func (lt *loadRun) serverFigures(t *target, st groupStats) *serverReport {
	empty, mid, after, end := t.scrapes["empty"], t.scrapes["mid"], t.scrapes["after"], t.scrapes["end"]
	r := &serverReport{Name: t.name, URL: t.url, RSSEmpty: int64(empty[mRSS]), RSS: int64(mid[mRSS]), figures: figures{
		Bridges:            t.bridges,
		BridgesOnline:      int(after[mBridges] - empty[mBridges]),
		Goroutines:         int(mid[mGoroutines]),
		HeartbeatsSent:     st.Heartbeats,
		HeartbeatsReceived: int(end[mHeartbeats] - empty[mHeartbeats]),
		Reconnects:         st.Reconnects, DialErrors: st.DialErrors,
		rssDelta: mid[mRSS] - empty[mRSS], heapDelta: mid[mHeap] - empty[mHeap], stackDelta: mid[mStack] - empty[mStack],
		goDelta: mid[mGoroutines] - empty[mGoroutines], cpu: after[mCPU] - mid[mCPU], heartbeats: after[mHeartbeats] - mid[mHeartbeats],
	}}
	r.derive(lt.cfg.measure.Seconds())
	return r
}

// report sums up the run.
func (lt *loadRun) report(final []groupStats) *loadReport {
	rep := &loadReport{figures: figures{Bridges: lt.cfg.bridges}, Workers: len(lt.workers), Sources: lt.sources,
		HeartbeatSeconds: lt.cfg.heartbeat.Seconds(), MeasureSeconds: lt.cfg.measure.Seconds(), Servers: []*serverReport{}}
	for i, t := range lt.targets {
		r := lt.serverFigures(t, final[i])
		if t.ref {
			rep.Reference = r
			continue
		}
		rep.Servers = append(rep.Servers, r)
		rep.add(r.figures)
	}
	rep.derive(lt.cfg.measure.Seconds())
	if ref := rep.Reference; ref != nil {
		if ref.CPUPerHeartbeat > 0 {
			ratio := round3(rep.CPUPerHeartbeat / ref.CPUPerHeartbeat)
			rep.HeartbeatCPURatio = &ratio
		}
		if ref.RSSPerBridge > 0 {
			ratio := round3(float64(rep.RSSPerBridge) / float64(ref.RSSPerBridge))
			rep.RSSPerBridgeRatio = &ratio
		}
	}
	if lt.prints != nil {
		rep.Claimed = lt.prints.claimedCount()
	}
	if lt.prints != nil && lt.cfg.pps > 0 {
		pr, lat := lt.prints.report()
		rep.Prints, rep.Latency = &pr, &lat
	}
	return rep
}

// write prints the report for people: a column a server.
func (rep *loadReport) write(w io.Writer) error {
	cols := rep.Servers
	if len(cols) > 1 {
		cols = append(cols, &serverReport{Name: "paperboy, all", figures: rep.figures})
	}
	if rep.Reference != nil {
		cols = append(cols, rep.Reference)
	}
	var b strings.Builder
	from := ""
	if len(rep.Sources) > 0 {
		from = ", from " + strings.Join(rep.Sources, ", ")
	}
	fmt.Fprintf(&b, "%s of %s bridges online on paperboy (%s of their printers claimed), %s%s; a heartbeat every %gs, measured over %gs idle\n\n",
		commas(rep.BridgesOnline), commas(rep.Bridges), commas(rep.Claimed), plural(rep.Workers, "worker process", "worker processes"), from, rep.HeartbeatSeconds, rep.MeasureSeconds)
	tw := tabwriter.NewWriter(&b, 0, 0, 3, ' ', 0)
	row := func(label string, f func(r *serverReport) string) {
		fmt.Fprint(tw, label)
		for _, c := range cols {
			fmt.Fprint(tw, "\t"+f(c))
		}
		fmt.Fprintln(tw, "\t")
	}
	row("", func(r *serverReport) string { return r.Name })
	row("bridges online", func(r *serverReport) string { return commas(r.BridgesOnline) + " of " + commas(r.Bridges) })
	row("RSS per bridge", func(r *serverReport) string { return kb(r.RSSPerBridge) })
	row("  Go heap, stacks", func(r *serverReport) string { return kb(r.HeapPerBridge) + ", " + kb(r.StackPerBridge) })
	row("goroutines (per bridge)", func(r *serverReport) string {
		return fmt.Sprintf("%s (%.2f)", commas(r.Goroutines), r.GoroutinesPerBridge)
	})
	row("heartbeats a second", func(r *serverReport) string { return fmt.Sprintf("%.0f", r.HeartbeatsPerSecond) })
	row("CPU per heartbeat", func(r *serverReport) string { return fmt.Sprintf("%.1f µs", r.CPUPerHeartbeat) })
	row("CPU, % of one core", func(r *serverReport) string { return fmt.Sprintf("%.2f", r.CPUPercent) })
	row("heartbeats lost", func(r *serverReport) string { return commas(r.HeartbeatsLost) })
	row("reconnects, dial errors", func(r *serverReport) string { return commas(r.Reconnects) + ", " + commas(r.DialErrors) })
	tw.Flush()
	if rep.HeartbeatCPURatio != nil {
		fmt.Fprintf(&b, "\nheartbeat CPU ratio %.2f, RSS per bridge ratio %.2f (paperboy ÷ reference)\n", *rep.HeartbeatCPURatio, deref(rep.RSSPerBridgeRatio))
	}
	if p := rep.Prints; p != nil {
		fmt.Fprintf(&b, "\nprints: %s sent at %g a second for %gs through the API, to %s claimed printers of %d users (the other printers idled);\n"+
			"  %s accepted, %s printed, %s lost, %s printed twice; API errors: %s\n",
			commas(p.Sent), p.PerSecond, p.Seconds, commas(p.Claimed), p.Users, commas(p.Accepted), commas(p.Printed), commas(p.Lost), commas(p.Extra),
			errorCounts(p.APIErrors))
		if p.APIError != "" {
			fmt.Fprintf(&b, "  first API error: %s\n", p.APIError)
		}
		l := rep.Latency
		fmt.Fprintf(&b, "  API answer → printed: p50 %.1f ms, p95 %.1f ms, p99 %.1f ms, max %.1f ms\n", l.P50, l.P95, l.P99, l.Max)
		fmt.Fprintf(&b, "  API answer itself:    p50 %.1f ms, p95 %.1f ms, p99 %.1f ms, max %.1f ms\n", p.APIms.P50, p.APIms.P95, p.APIms.P99, p.APIms.Max)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// errorCounts writes API errors by kind, "none" if there were none.
func errorCounts(m map[string]int) string {
	if len(m) == 0 {
		return "none"
	}
	var out []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		out = append(out, fmt.Sprintf("%s × %s", commas(m[k]), k))
	}
	return strings.Join(out, ", ")
}

// plural is n and the noun, in the singular for 1.
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return commas(n) + " " + many
}

// kb writes bytes as kilobytes with one decimal.
func kb(n int64) string { return fmt.Sprintf("%.1f KB", float64(n)/1024) }

func deref(f *float64) float64 {
	if f == nil {
		return math.NaN()
	}
	return *f
}
