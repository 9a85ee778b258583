package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"sync"
	"syscall"
	"time"

	"paperboy/codec"
	"paperboy/scheduler"
	"paperboy/store"
	"paperboy/virtual"
)

// The burst's two publications: hello is personal (one render for each
// subscription), puzzle is the same for everyone on a day (the plugin host
// renders it once per config and local date).
const (
	burstPersonal = "hello"
	burstShared   = "puzzle"
	burstEmail    = "burst-%d@example.com" // a new user each run: --force may run it again
)

// burstConfig is what a burst run was asked for.
type burstConfig struct {
	server, metrics, token string
	printers, subs, rate   int
	margin, deadline       time.Duration
	every, printTime       time.Duration
	dueNow                 bool
}

// runBurst measures the morning burst: it sets up, in the database of a
// running server, one user with --printers printers, each behind a
// virtual bridge of its own, and --subscriptions subscriptions on each, all
// due at one minute; then it connects the bridges, waits for the minute,
// and times each print from the minute to the moment the virtual printer
// has sent its did-print.
func runBurst(e env, args []string) error {
	fs := newFlags(e, "loadtest burst", "loadtest burst [--server URL] [--data DIR | --db DSN] [--metrics URL | --metrics-token TOKEN] "+
		"[--printers 10000] [--subscriptions 10] [--force]\n\n"+
		"The morning burst: one user, --printers virtual printers (a bridge each) and --subscriptions subscriptions on each, half to\n"+
		burstPersonal+" (rendered for each) and half to "+burstShared+" (rendered once), all due at one minute. It writes them into\n"+
		"the database of the running server (--data or --db, as serve's) and deletes nothing: run it against a server on a\n"+
		"throwaway data folder (README, \"Running the server\"). It refuses a database with subscriptions, unless --force.")
	data := dataFlag(fs).withDB(fs)
	server := fs.String("server", "ws://localhost:8080/api/v1/connection", "the server's bridge endpoint")
	metrics := fs.String("metrics", "", "the server's metrics: http://ADDR/metrics of its --metrics-listen; default /metrics at --server's address, with --metrics-token")
	token := fs.String("metrics-token", "", "the server's --metrics-token, for /metrics at --server's address (or PAPERBOY_METRICS_TOKEN)")
	printers := fs.Int("printers", 10000, "virtual printers, each behind a bridge (a socket) of its own")
	subs := fs.Int("subscriptions", 10, "subscriptions on each printer, every other one shared")
	rate := fs.Int("rate", 500, "bridges connected per second")
	// By default the subscriptions are older than the server's lead, as on
	// a real morning: every edition is made in the lead before the minute.
	margin := fs.Duration("margin", scheduler.DefaultLead+30*time.Second,
		"at least this long between the end of setting up and the minute the editions are due (less than serve's --edition-lead: some are made after the minute)")
	deadline := fs.Duration("deadline", 10*time.Minute, "fail unless every edition has printed this long after the minute")
	every := fs.Duration("every", 2*time.Second, "a line of progress on stderr this often")
	printTime := fs.Duration("print-time", 0, "each print takes this long, as on a real printer (answered at once, did-print after); 0: at once")
	force := fs.Bool("force", false, "run even though the database has subscriptions already")
	dueNow := fs.Bool("due-now", false, "make the editions due at the minute that has just begun, so that they are made at once as after downtime "+
		"(serve's --catch-up), not ahead of the minute: a quick check, as the tests do")
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
	if *printers < 1 || *subs < 1 || *rate < 1 {
		return errors.New("--printers, --subscriptions and --rate must be 1 or more")
	}
	if *deadline <= 0 || *every <= 0 || *margin < 0 || *printTime < 0 {
		return errors.New("--deadline and --every must be more than 0, --margin and --print-time not negative")
	}
	cfg := burstConfig{server: *server, metrics: *metrics, token: *token, printers: *printers, subs: *subs, rate: *rate,
		margin: *margin, deadline: *deadline, every: *every, printTime: *printTime, dueNow: *dueNow}
	if cfg.metrics == "" {
		if cfg.metrics, err = serverURL(cfg.server, "/metrics"); err != nil {
			return err
		}
	}
	// The server first: is it there, and are its metrics readable?
	before, err := scrape(cfg.metrics, cfg.token)
	if err != nil {
		return err
	}
	if path, ok := store.SQLiteFile(data.DB()); ok {
		if _, err := os.Stat(path); err != nil {
			return fmt.Errorf("no database at %s: give the --data (or --db) of the paperboy serve at %s", abs(path), cfg.server)
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	st, err := data.openStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	if have, err := st.ActiveSubscriptions(ctx); err != nil {
		return err
	} else if len(have) > 0 && !*force {
		return fmt.Errorf("the database at %s has %d subscriptions already: run the burst on a throwaway data folder, or give --force",
			st.Where(), len(have))
	}
	b := &burst{cfg: cfg, st: st, log: e.stderr, baseline: before}
	report, err := b.run(ctx)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(e.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(report)
}

// burstSubscription is the subscription a burst gives a printer: due once
// a day at due's hour and minute, where due is in the printer's time zone,
// printed at once.
func burstSubscription(printerID int64, pub string, cfg map[string]string, due time.Time) store.NewSubscription {
	return store.NewSubscription{PrinterID: printerID, Publication: pub, Config: cfg, Schedule: fmt.Sprintf("%d %d * * *", due.Minute(), due.Hour()), Mode: store.ModeNow}
}

// burst is one run: its printers, and what they have printed.
type burst struct {
	cfg      burstConfig
	st       *store.Store
	log      io.Writer
	baseline map[string]float64 // the server's metrics before
	start    time.Time
	due      time.Time

	bridges  []*virtual.Bridge
	printers []store.Printer

	mu       sync.Mutex
	byDevice map[codec.Address]int // delivery prints so far
	latency  []time.Duration       // due → did-print, one a print
	last     time.Time
	complete int           // printers with all their editions printed
	done     chan struct{} // closed when complete reaches cfg.printers
}

// burstReport is what a run measured, on stdout as JSON. Times are in
// seconds from the minute the editions were due.
type burstReport struct {
	Printers     int     `json:"printers"`
	PerPrinter   int     `json:"subscriptions_per_printer"`
	Editions     int     `json:"editions"`
	Printed      int     `json:"printed"`
	Extra        int     `json:"extra_prints"` // printed more than once (at-least-once delivery)
	Due          string  `json:"due"`
	SetupSeconds float64 `json:"setup_seconds"`
	ReadySeconds float64 `json:"ready_seconds"` // when set up: negative, before the minute
	QueuedAtDue  int     `json:"queued_at_due"` // editions made ahead of the minute (serve's --edition-lead)
	LastSeconds  float64 `json:"last_print_seconds"`
	P50Seconds   float64 `json:"p50_seconds"`
	P90Seconds   float64 `json:"p90_seconds"`
	P99Seconds   float64 `json:"p99_seconds"`
	MaxSeconds   float64 `json:"max_seconds"`
	PrintsPerSec float64 `json:"prints_per_second"` // from the minute (or from ready, if later) to the last print
}

func (b *burst) printf(format string, args ...any) {
	fmt.Fprintf(b.log, "loadtest burst: "+format+"\n", args...)
}

// run sets up, connects, waits for the minute and times the prints.
func (b *burst) run(ctx context.Context) (burstReport, error) {
	b.start = time.Now()
	b.byDevice = make(map[codec.Address]int, b.cfg.printers)
	b.latency = make([]time.Duration, 0, b.cfg.printers*b.cfg.subs)
	b.done = make(chan struct{})
	perClaim, err := b.claim(ctx)
	if err != nil {
		return burstReport{}, err
	}
	runCtx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer wg.Wait()
	defer cancel()
	if err := b.connect(runCtx, &wg); err != nil {
		return burstReport{}, err
	}
	if err := b.subscribe(ctx, perClaim); err != nil {
		return burstReport{}, err
	}
	ready := time.Now()
	b.printf("set up in %v; %s editions due at %s", ready.Sub(b.start).Round(time.Second), commas(b.editions()), b.due.Format("15:04:05 MST"))
	queued, err := b.waitMinute(ctx)
	if err != nil {
		return burstReport{}, err
	}
	if err := b.waitPrinted(ctx); err != nil {
		return burstReport{}, err
	}
	return b.report(ready, queued), nil
}

func (b *burst) editions() int { return b.cfg.printers * b.cfg.subs }

// claim makes the user and the printers: a virtual bridge for each, its
// device recorded as heard and claimed with its claim code, as a person
// claiming a printer does. It returns the time a claim took, to judge how
// long the subscriptions will take.
func (b *burst) claim(ctx context.Context) (time.Duration, error) {
	u, err := b.st.CreateUser(ctx, fmt.Sprintf(burstEmail, time.Now().UnixNano()))
	if err != nil {
		return 0, err
	}
	quiet := slog.New(slog.DiscardHandler)
	// A user's printers are told apart by hardware xor (a claim of a xor
	// the user has finds that printer again, as after a reset), and xors
	// have 24 bits: among 10,000 random ones a few repeat. A bridge whose
	// printer repeats one is not used.
	xors := make(map[uint32]bool, b.cfg.printers)
	began := time.Now()
	for len(b.printers) < b.cfg.printers {
		br, err := virtual.New(virtual.Config{URL: b.cfg.server, Printers: 1, Paired: true, AutoPress: true,
			PrintTime: b.cfg.printTime, Logger: quiet, OnPrint: b.printed})
		if err != nil {
			return 0, err
		}
		d := br.Devices()[0]
		if xors[d.ClaimCode.HardwareXor] {
			continue
		}
		xors[d.ClaimCode.HardwareXor] = true
		if err := b.st.DeviceSeen(ctx, d.Address.String(), d.Address.HardwareXor(), br.Address().String()); err != nil {
			return 0, err
		}
		p, err := b.st.Claim(ctx, store.Claim{UserID: u.ID, HardwareXor: d.ClaimCode.HardwareXor, Secret: d.ClaimCode.Secret})
		if err != nil {
			return 0, err
		}
		b.bridges = append(b.bridges, br)
		b.printers = append(b.printers, p)
		if n := len(b.printers); n%1000 == 0 && n < b.cfg.printers {
			b.printf("%s of %s printers claimed", commas(n), commas(b.cfg.printers))
		}
	}
	took := time.Since(began)
	b.printf("%s printers claimed by user %d in %v", commas(b.cfg.printers), u.ID, took.Round(time.Millisecond))
	return took / time.Duration(b.cfg.printers), nil
}

// connect starts the bridges, --rate a second, and waits until the server
// has them and their printers online.
func (b *burst) connect(ctx context.Context, wg *sync.WaitGroup) error {
	tick := time.NewTicker(time.Second / time.Duration(b.cfg.rate))
	defer tick.Stop()
	for _, br := range b.bridges {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
		wg.Go(func() { br.Run(ctx) })
	}
	b.printf("%s bridges started; waiting for the server to see them", commas(len(b.bridges)))
	want := float64(b.cfg.printers)
	deadline := time.Now().Add(2 * time.Minute)
	shown := time.Now()
	for {
		m, err := scrape(b.cfg.metrics, b.cfg.token)
		if err != nil {
			return err
		}
		bridges := m["paperboy_bridges_online"] - b.baseline["paperboy_bridges_online"]
		printers := m["paperboy_printers_online"] - b.baseline["paperboy_printers_online"]
		if bridges >= want && printers >= want {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the server sees %v of %v bridges and %v printers online: start it with --max-conns-per-address 0 "+
				"(they all come from this address), and see that ulimit -n is well above --printers here and there", bridges, want, printers)
		}
		if time.Since(shown) >= b.cfg.every {
			shown = time.Now()
			b.printf("%s of %s printers online", commas(int(printers)), commas(b.cfg.printers))
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
	if err := waitRecorded(ctx, b.st, b.bridges[0].Devices()[0].Address.String()); err != nil {
		return err
	}
	b.printf("all %s printers online", commas(b.cfg.printers))
	return nil
}

// subscribe picks the minute and gives each printer its subscriptions. The
// minute is the first at least --margin after the subscriptions will be
// in, judged from the time a claim took; with --due-now it is the one that
// has just begun, and the subscriptions are dated a minute before it, so
// that the server makes them at once, as after downtime.
func (b *burst) subscribe(ctx context.Context, perClaim time.Duration) error {
	now := time.Now()
	due := now.Truncate(time.Minute)
	if b.cfg.dueNow {
		b.st.Now = func() time.Time { return due.Add(-time.Minute) }
		defer func() { b.st.Now = time.Now }()
	} else {
		// A subscription is one write where a claim is a few, but the
		// server's scheduler writes the first editions meanwhile: 10,000
		// claims took 2.5 s and 100,000 subscriptions 19 s.
		expect := time.Duration(b.editions()) * perClaim
		due = now.Add(expect + b.cfg.margin).Add(time.Minute - 1).Truncate(time.Minute)
		b.printf("subscribing, for %s (in %v)", due.Format("15:04:05 MST"), time.Until(due).Round(time.Second))
	}
	// The printers are online: OnPrint reads the minute under mu.
	b.mu.Lock()
	b.due = due
	b.mu.Unlock()
	began := time.Now()
	for i, p := range b.printers {
		due := due.In(p.Location())
		for j := range b.cfg.subs {
			pub, cfg := burstPersonal, map[string]string{"name": "reader"}
			if (i+j)%2 == 1 {
				pub, cfg = burstShared, map[string]string{"difficulty": "easy"}
			}
			if _, err := b.st.CreateSubscription(ctx, burstSubscription(p.ID, pub, cfg, due)); err != nil {
				return err
			}
		}
		if n := i + 1; n%1000 == 0 && n < len(b.printers) {
			b.printf("%s of %s subscriptions made", commas(n*b.cfg.subs), commas(b.editions()))
		}
	}
	b.printf("%s subscriptions made in %v", commas(b.editions()), time.Since(began).Round(time.Millisecond))
	if !b.cfg.dueNow && time.Now().After(b.due.Add(-time.Second)) {
		return fmt.Errorf("setting up took until %s, too close to the minute the editions are due at (%s): give more --margin",
			time.Now().Format("15:04:05"), b.due.Format("15:04:05"))
	}
	return nil
}

// printed is each virtual printer's OnPrint: it records a delivery's time
// from the minute.
func (b *burst) printed(p virtual.Print) {
	if !p.Command.IsDelivery() {
		return // a personality or a quip
	}
	now := time.Now()
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.due.IsZero() {
		return // not one of the burst's: the printer printed before it had subscriptions
	}
	b.latency = append(b.latency, now.Sub(b.due))
	b.last = now
	b.byDevice[p.Device]++
	if b.byDevice[p.Device] == b.cfg.subs {
		b.complete++
		if b.complete == b.cfg.printers {
			close(b.done)
		}
	}
}

// progress is what has printed: prints, and printers with all theirs.
func (b *burst) progress() (prints, complete int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.latency), b.complete
}

// waitMinute shows, until the minute, how many editions the server has
// made ahead of it; it returns how many it had made at the minute.
func (b *burst) waitMinute(ctx context.Context) (int, error) {
	for {
		wait := time.Until(b.due)
		if wait <= 0 {
			break
		}
		queued, err := b.st.CountDeliveries(ctx, store.StatePending)
		if err != nil {
			return 0, err
		}
		fmt.Fprintf(b.log, "t-%v: %s of %s editions queued\n", wait.Round(time.Second), commas(queued), commas(b.editions()))
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(min(wait, b.cfg.every)):
		}
	}
	// Made by the minute: queued, and (with --due-now, which starts
	// after it) sent or printed already.
	var made int
	for _, state := range []store.State{store.StatePending, store.StateSent, store.StatePrinted} {
		n, err := b.st.CountDeliveries(ctx, state)
		if err != nil {
			return 0, err
		}
		made += n
	}
	return made, nil
}

// waitPrinted shows the progress every --every until every printer has
// printed all its editions, or the deadline passes.
func (b *burst) waitPrinted(ctx context.Context) error {
	tick := time.NewTicker(b.cfg.every)
	defer tick.Stop()
	deadline := time.NewTimer(time.Until(b.due.Add(b.cfg.deadline)))
	defer deadline.Stop()
	total := b.editions()
	var before int
	lastLine := time.Now()
	line := func(now time.Time) {
		prints, _ := b.progress()
		rate := float64(prints-before) / now.Sub(lastLine).Seconds()
		before, lastLine = prints, now
		fmt.Fprintf(b.log, "t+%v: %s printed (%s/s), %s to go\n", now.Sub(b.due).Round(time.Second), commas(prints),
			commas(int(rate+0.5)), commas(max(total-prints, 0)))
	}
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-b.done:
			line(time.Now())
			return nil
		case <-deadline.C:
			prints, complete := b.progress()
			pending, _ := b.st.CountDeliveries(ctx, store.StatePending)
			failed, _ := b.st.CountDeliveries(ctx, store.StateFailed)
			return fmt.Errorf("%s of %s editions printed %v after the minute (%s of %s printers have all theirs; %s deliveries pending, %s failed)",
				commas(prints), commas(total), b.cfg.deadline, commas(complete), commas(b.cfg.printers), commas(pending), commas(failed))
		case now := <-tick.C:
			line(now)
		}
	}
}

// report sums up the run.
func (b *burst) report(ready time.Time, queued int) burstReport {
	b.mu.Lock()
	lat := slices.Clone(b.latency)
	last := b.last
	b.mu.Unlock()
	slices.Sort(lat)
	// quantile is the nearest-rank q-quantile of lat.
	quantile := func(q float64) float64 {
		i := int(q*float64(len(lat))+0.999999) - 1
		return lat[min(max(i, 0), len(lat)-1)].Seconds()
	}
	from := b.due
	if ready.After(from) {
		from = ready
	}
	r := burstReport{
		Printers: b.cfg.printers, PerPrinter: b.cfg.subs, Editions: b.editions(), Printed: len(lat), Extra: len(lat) - b.editions(),
		Due: b.due.UTC().Format(time.RFC3339), SetupSeconds: round3(ready.Sub(b.start).Seconds()), ReadySeconds: round3(ready.Sub(b.due).Seconds()),
		QueuedAtDue: queued, LastSeconds: round3(last.Sub(b.due).Seconds()),
		P50Seconds: round3(quantile(0.50)), P90Seconds: round3(quantile(0.90)), P99Seconds: round3(quantile(0.99)), MaxSeconds: round3(lat[len(lat)-1].Seconds()),
	}
	if d := last.Sub(from).Seconds(); d > 0 {
		r.PrintsPerSec = round3(float64(len(lat)) / d)
	}
	b.printf("%s editions printed; the last %.1f s after the minute; due → printed p50 %.1f s, p99 %.1f s; %s prints/s",
		commas(r.Printed), r.LastSeconds, r.P50Seconds, r.P99Seconds, commas(int(r.PrintsPerSec+0.5)))
	return r
}

// round3 keeps milliseconds of seconds.
func round3(f float64) float64 { return math.Round(f*1000) / 1000 }

// commas writes n with a comma between each three digits: 41,233.
func commas(n int) string {
	s := strconv.Itoa(n)
	neg := n < 0
	if neg {
		s = s[1:]
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	if neg {
		s = "-" + s
	}
	return s
}

// waitRecorded waits until a server holds device in st, the database the
// tool claimed its printers in: a server serving from another one never
// does, and is named so within 10 s.
func waitRecorded(ctx context.Context, st *store.Store, device string) error {
	deadline := time.Now().Add(10 * time.Second)
	for {
		d, err := st.DeviceByAddress(ctx, device)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		if err == nil && d.SeenBy != "" {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the server does not record its printers in %s: give the --data (or --db) it serves from", st.Where())
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}
