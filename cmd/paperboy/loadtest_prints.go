package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	"paperboy/core"
	"paperboy/store"
)

// The prints of a load test. A print needs a printer an account has
// claimed, and a user's API token; the tool makes both in the servers'
// database, as paperboy user add and a claim with the printer's code do:
// users (each with the token user add gives) and, for each of the
// --claimed printers, the device as its bridge will announce it and the
// claim of its code. The servers' limits are kept: a user has at most
// core.DefaultMaxPrinters printers and is sent at most printsPerUserMinute
// prints a minute, under the default --prints-per-minute, so there are
// as many users as that takes.
//
// The printers are taken in turn, and each print goes through the API of
// one server (each in turn) to a printer whose bridge is attached to
// another, when there are several: it reaches the printer through the
// database, as across a fleet. A print is timed from the API's answer
// (202, read by the tool) to the moment the virtual printer prints it, as
// its worker saw it. The server sends a printer its prints one at a time,
// oldest first, so the n-th print a printer prints is the n-th the API
// accepted for it.

// printsPerUserMinute is how many prints a minute one user is sent: two
// thirds of the server's default allowance, so bursts stay under it.
const printsPerUserMinute = core.DefaultPrintsPerMinute * 2 / 3

// claimDevice is a printer to claim, and the target its bridge is on.
type claimDevice struct {
	sampleDevice
	target int
}

// printTarget is a claimed printer, and its owner's token.
type printTarget struct {
	printer int64
	device  string
	token   string
}

// printRun is the prints of one load test.
type printRun struct {
	st       *store.Store
	cfg      loadConfig
	users    int
	byTarget [][]printTarget // the claimed printers, by the target their bridge is on
	client   *http.Client

	mu       sync.Mutex
	next     []int                  // per target, the next printer to print on
	pending  map[string][]time.Time // per device, when the API accepted what it has not printed yet
	early    map[string][]time.Time // per device, prints seen before their answer was read
	latency  []time.Duration        // API answer → printed
	api      []time.Duration        // request → answer
	sent     int
	inflight int
	accepted int
	printedN int
	failed   map[string]int // API errors: by HTTP status, or "network"
	firstErr string
}

func newPrintRun(st *store.Store, cfg loadConfig) *printRun {
	return &printRun{st: st, cfg: cfg, pending: map[string][]time.Time{}, early: map[string][]time.Time{}, failed: map[string]int{},
		client: &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 256}}}
}

// setUp makes the users and claims the printers.
func (p *printRun) setUp(ctx context.Context, devices []claimDevice, log io.Writer) error {
	if len(devices) == 0 {
		return nil // --claimed 0
	}
	began := time.Now()
	perUser := math.Ceil(p.cfg.pps * 60 / printsPerUserMinute)
	p.users = min(max(int(perUser), (len(devices)+core.DefaultMaxPrinters-1)/core.DefaultMaxPrinters, 1), len(devices))
	run := time.Now().UnixNano()
	users := make([]store.User, p.users)
	tokens := make([]string, p.users)
	for i := range users {
		u, token, err := core.AddUser(ctx, p.st, fmt.Sprintf("loadtest-%d-%d@example.com", run, i))
		if err != nil {
			return fmt.Errorf("prints: a user: %w", err)
		}
		users[i], tokens[i] = u, token
	}
	targets := 0
	for _, d := range devices {
		targets = max(targets, d.target+1)
	}
	p.byTarget = make([][]printTarget, targets)
	p.next = make([]int, targets)
	// A user's printers are told apart by hardware xor (a claim of a xor
	// the user has finds that printer again, as after a reset), and xors
	// have 24 bits: a device whose xor another of its user's has is not
	// claimed.
	xors := make([]map[uint32]bool, p.users)
	for i, d := range devices {
		u := i % p.users
		if xors[u] == nil {
			xors[u] = map[uint32]bool{}
		}
		if xors[u][d.Xor] {
			continue
		}
		xors[u][d.Xor] = true
		if err := p.st.DeviceSeen(ctx, d.Device, d.Xor, d.Bridge); err != nil {
			return fmt.Errorf("prints: %w", err)
		}
		pr, err := p.st.Claim(ctx, store.Claim{UserID: users[u].ID, HardwareXor: d.Xor, Secret: d.Secret, Name: "loadtest"})
		if err != nil {
			return fmt.Errorf("prints: %w", err)
		}
		p.byTarget[d.target] = append(p.byTarget[d.target], printTarget{printer: pr.ID, device: d.Device, token: tokens[u]})
	}
	fmt.Fprintf(log, "loadtest: %s printers claimed by %d users in %v, in %s\n", commas(p.claimedCount()), p.users,
		time.Since(began).Round(time.Millisecond), p.st.Where())
	return nil
}

func (p *printRun) claimedCount() int {
	n := 0
	for _, ts := range p.byTarget {
		n += len(ts)
	}
	return n
}

// checkStore checks that the servers record their printers in the
// database the tool claimed them in.
func (p *printRun) checkStore(ctx context.Context) error {
	for _, ts := range p.byTarget {
		if len(ts) > 0 {
			return waitRecorded(ctx, p.st, ts[0].device)
		}
	}
	return nil
}

// pick is the printer the k-th print goes to, sent through server a: one
// attached to another server if there are several.
func (p *printRun) pick(a int) printTarget {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := len(p.byTarget)
	h := a
	for j := 1; j <= n; j++ {
		if h = (a + j) % n; len(p.byTarget[h]) > 0 {
			break
		}
	}
	ts := p.byTarget[h]
	t := ts[p.next[h]%len(ts)]
	p.next[h]++
	return t
}

// send sends the prints at --prints-per-second for --prints-for, each
// through the API of the servers in turn, and returns when every request
// has its answer.
func (p *printRun) send(ctx context.Context, api []string) {
	interval := time.Duration(float64(time.Second) / p.cfg.pps)
	count := max(int(p.cfg.pps*p.cfg.printsFor.Seconds()), 1)
	began := time.Now()
	var wg sync.WaitGroup
	defer wg.Wait()
	for k := range count {
		if d := time.Until(began.Add(time.Duration(k) * interval)); d > 0 {
			t := time.NewTimer(d)
			select {
			case <-ctx.Done():
				t.Stop()
				return
			case <-t.C:
			}
		}
		a := k % len(api)
		t := p.pick(a)
		p.mu.Lock()
		p.sent++
		p.inflight++
		p.mu.Unlock()
		wg.Go(func() { p.post(ctx, api[a], t, k) })
	}
}

// post sends one print and records its answer.
func (p *printRun) post(ctx context.Context, api string, t printTarget, k int) {
	body, _ := json.Marshal(map[string]string{"text": fmt.Sprintf("loadtest print %d", k+1)})
	req, err := http.NewRequestWithContext(ctx, "POST", fmt.Sprintf("%s/api/v1/printers/%d/print", api, t.printer), bytes.NewReader(body))
	if err != nil {
		p.fail("network", err.Error())
		return
	}
	req.Header.Set("Authorization", "Bearer "+t.token)
	req.Header.Set("Content-Type", "application/json")
	began := time.Now()
	resp, err := p.client.Do(req)
	if err != nil {
		p.fail("network", err.Error())
		return
	}
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	at := time.Now()
	if resp.StatusCode != http.StatusAccepted {
		p.fail(strconv.Itoa(resp.StatusCode), string(answer))
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.inflight--
	p.accepted++
	p.api = append(p.api, at.Sub(began))
	if q := p.early[t.device]; len(q) > 0 {
		p.latency = append(p.latency, max(q[0].Sub(at), 0))
		p.early[t.device] = q[1:]
		return
	}
	p.pending[t.device] = append(p.pending[t.device], at)
}

func (p *printRun) fail(kind, msg string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.inflight--
	p.failed[kind]++
	if p.firstErr == "" {
		p.firstErr = kind + ": " + oneLine(msg)
	}
}

// printed takes a print a worker saw, and matches it to the oldest answer
// its printer has not printed yet.
func (p *printRun) printed(pa printedAt) {
	at := time.Unix(0, pa.At)
	p.mu.Lock()
	defer p.mu.Unlock()
	p.printedN++
	if q := p.pending[pa.Device]; len(q) > 0 {
		p.latency = append(p.latency, max(at.Sub(q[0]), 0))
		p.pending[pa.Device] = q[1:]
		return
	}
	p.early[pa.Device] = append(p.early[pa.Device], at)
}

// outstanding is how many prints are sent and not answered, or accepted
// and not printed.
func (p *printRun) outstanding() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := p.inflight
	for _, q := range p.pending {
		n += len(q)
	}
	return n
}

// progress is a line about the prints so far.
func (p *printRun) progress() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	q := quantilesOf(p.latency)
	errs := 0
	for _, n := range p.failed {
		errs += n
	}
	return fmt.Sprintf("%s sent, %s accepted, %s printed, API → printed p50 %.1f ms, p99 %.1f ms; %s API errors",
		commas(p.sent), commas(p.accepted), commas(p.printedN), q.P50, q.P99, commas(errs))
}

// printReport is what the prints measured.
type printReport struct {
	PerSecond float64        `json:"per_second"`
	Seconds   float64        `json:"seconds"`
	Claimed   int            `json:"claimed_printers"`
	Users     int            `json:"users"`
	Sent      int            `json:"sent"`
	Accepted  int            `json:"accepted"`
	Printed   int            `json:"printed"`
	Lost      int            `json:"lost"`  // accepted, not printed within --print-wait
	Extra     int            `json:"extra"` // printed with no answer left to match: printed again
	APIErrors map[string]int `json:"api_errors"`
	APIError  string         `json:"first_api_error,omitempty"`
	APIms     quantiles      `json:"api_ms"`
}

// report sums up the prints, and the latency API answer → printed.
func (p *printRun) report() (printReport, quantiles) {
	p.mu.Lock()
	defer p.mu.Unlock()
	r := printReport{PerSecond: p.cfg.pps, Seconds: p.cfg.printsFor.Seconds(), Claimed: p.claimedCount(), Users: p.users,
		Sent: p.sent, Accepted: p.accepted, Printed: p.printedN, APIErrors: p.failed, APIError: p.firstErr, APIms: quantilesOf(p.api)}
	for _, q := range p.pending {
		r.Lost += len(q)
	}
	for _, q := range p.early {
		r.Extra += len(q)
	}
	return r, quantilesOf(p.latency)
}
