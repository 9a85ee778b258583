package scheduler_test

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"image/png"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"paperboy/codec"
	"paperboy/delivery"
	"paperboy/internal/storetest"
	"paperboy/plugins"
	"paperboy/scheduler"
	"paperboy/sdk"
	"paperboy/store"
)

// The real parts fit the interfaces.
var (
	_ scheduler.Plugins = (*plugins.Host)(nil)
	_ scheduler.Printer = (*delivery.Queue)(nil)
)

// fakePlugins publishes "news" (every day), "weekly" (weekdays) and
// "friends" (push). What a render returns follows the config's "result":
// "" an edition, "nothing", "finished", "error", "narrow" (a picture of
// the wrong width), "block" (waits for ctx or release).
type fakePlugins struct {
	mu      sync.Mutex
	renders []render
	release chan struct{}
	started chan string // gets the publication of each render, if set
	running map[string]int
	most    map[string]int // the most renders at once, per publication and "" for all
}

type render struct {
	publication string
	args        sdk.RenderArgs
}

func newFakePlugins() *fakePlugins {
	return &fakePlugins{release: make(chan struct{}), running: map[string]int{}, most: map[string]int{}}
}

func (f *fakePlugins) Meta(name string) (sdk.Meta, error) {
	switch name {
	case "news", "weather":
		return sdk.Meta{Name: name, Kind: sdk.Scheduled}, nil
	case "weekly":
		return sdk.Meta{Name: name, Kind: sdk.Scheduled,
			Days: []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday}}, nil
	case "friends":
		return sdk.Meta{Name: name, Kind: sdk.Push}, nil
	}
	return sdk.Meta{}, plugins.ErrUnknown
}

func (f *fakePlugins) Render(ctx context.Context, name string, a sdk.RenderArgs) (sdk.Output, error) {
	f.mu.Lock()
	f.renders = append(f.renders, render{name, a})
	f.running[name]++
	f.running[""]++
	for k, v := range f.running {
		f.most[k] = max(f.most[k], v)
	}
	started := f.started
	f.mu.Unlock()
	defer func() {
		f.mu.Lock()
		f.running[name]--
		f.running[""]--
		f.mu.Unlock()
	}()
	if started != nil {
		started <- name
	}
	switch a.Config["result"] {
	case "nothing":
		return sdk.Output{NothingToday: true}, nil
	case "finished":
		return sdk.Output{Finished: "the series is complete"}, nil
	case "error":
		return sdk.Output{}, &plugins.Error{Publication: name, Msg: "the feed cannot be reached"}
	case "narrow":
		return sdk.Output{PNG: picture(100)}, nil
	case "block":
		select {
		case <-ctx.Done():
			return sdk.Output{}, ctx.Err()
		case <-f.release:
		}
	}
	return sdk.Output{PNG: picture(codec.PrintWidth)}, nil
}

func (f *fakePlugins) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.renders)
}

func picture(width int) []byte {
	img := image.NewGray(image.Rect(0, 0, width, 8))
	for i := range img.Pix {
		img.Pix[i] = 0xFF
	}
	img.Set(1, 1, color.Black)
	var b bytes.Buffer
	png.Encode(&b, img)
	return b.Bytes()
}

// fixture is a store on a fake clock with a real delivery queue.
type fixture struct {
	st      *store.Store
	clock   *delivery.FakeClock
	plugins *fakePlugins
	queue   *delivery.Queue
	user    store.User
	xor     uint32 // the last printer's hardware xor
}

func newFixture(t *testing.T, st *store.Store, start time.Time) *fixture {
	t.Helper()
	clock := delivery.NewFakeClock(start)
	st.Now = clock.Now
	// Deliveries made at fake times must not expire or be pruned by the
	// real clock while the test runs.
	q := delivery.New(st, delivery.Config{Expiry: 100 * 365 * 24 * time.Hour, Retention: 100 * 365 * 24 * time.Hour, JanitorEvery: time.Hour},
		slog.New(slog.DiscardHandler))
	t.Cleanup(q.Close)
	u, err := st.CreateUser(t.Context(), "owner@example.com")
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{st: st, clock: clock, plugins: newFakePlugins(), queue: q, user: u}
}

// printer makes a printer in a zone.
func (f *fixture) printer(t *testing.T, zone string) store.Printer {
	t.Helper()
	ctx := t.Context()
	f.xor++
	p, err := f.st.Claim(ctx, store.Claim{UserID: f.user.ID, HardwareXor: f.xor, Secret: 1})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.st.SetPrinterTimeZone(ctx, p.ID, zone); err != nil {
		t.Fatal(err)
	}
	return p
}

func (f *fixture) subscribe(t *testing.T, n store.NewSubscription) store.Subscription {
	t.Helper()
	if n.Publication == "" {
		n.Publication = "news"
	}
	sub, err := f.st.CreateSubscription(t.Context(), n)
	if err != nil {
		t.Fatal(err)
	}
	return sub
}

func (f *fixture) scheduler(cfg scheduler.Config) *scheduler.Scheduler {
	cfg.Clock = f.clock
	return scheduler.New(f.st, f.plugins, f.queue, cfg, slog.New(slog.DiscardHandler))
}

// tickAt moves the clock and makes one tick's editions.
func (f *fixture) tickAt(t *testing.T, s *scheduler.Scheduler, at time.Time) {
	t.Helper()
	f.clock.Set(at)
	if err := s.Tick(t.Context()); err != nil {
		t.Fatal(err)
	}
	s.Wait()
}

// tickThrough ticks every step from from to to, both included.
func (f *fixture) tickThrough(t *testing.T, s *scheduler.Scheduler, from, to time.Time, step time.Duration) {
	t.Helper()
	for at := from; !at.After(to); at = at.Add(step) {
		f.tickAt(t, s, at)
	}
}

// editions lists a printer's queued editions (not the failed ones), oldest
// first.
func (f *fixture) editions(t *testing.T, printerID int64) []store.Delivery {
	t.Helper()
	list, err := f.st.DeliveriesByPrinter(t.Context(), printerID, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	var out []store.Delivery
	for i := len(list) - 1; i >= 0; i-- {
		if list[i].Kind == "edition" && list[i].State != store.StateFailed {
			out = append(out, list[i])
		}
	}
	return out
}

// history lists a printer's failed deliveries' reasons.
func (f *fixture) history(t *testing.T, printerID int64) []string {
	t.Helper()
	list, _ := f.st.DeliveriesByPrinter(t.Context(), printerID, 0, 1000)
	var out []string
	for _, d := range list {
		if d.State == store.StateFailed {
			out = append(out, d.Reason)
		}
	}
	return out
}

func (f *fixture) claims(t *testing.T, subID int64) []store.Edition {
	t.Helper()
	list, err := f.st.EditionsBySubscription(t.Context(), subID, 100)
	if err != nil {
		t.Fatal(err)
	}
	return list
}

func at(t *testing.T, zone, local string) time.Time {
	t.Helper()
	v, err := time.ParseInLocation("2006-01-02 15:04:05", local, mustZone(t, zone))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestScheduler_DaylightSavingDays(t *testing.T) {
	// Ticking minute by minute through a change day gives each subscription
	// one edition, at the moment Next promises.
	tests := []struct {
		name string
		zone string
		day  string
		want map[string]string // subscription time → the delivery moment, UTC
	}{
		{"London spring", "Europe/London", "2026-03-29", map[string]string{
			"00:30": "2026-03-29T00:30:00Z", "01:00": "2026-03-29T01:00:00Z", "01:30": "2026-03-29T01:00:00Z",
			"02:00": "2026-03-29T01:00:00Z", "02:30": "2026-03-29T01:30:00Z", "08:00": "2026-03-29T07:00:00Z"}},
		{"London fall", "Europe/London", "2026-10-25", map[string]string{
			"00:30": "2026-10-24T23:30:00Z", "01:00": "2026-10-25T00:00:00Z", "01:30": "2026-10-25T00:30:00Z",
			"02:00": "2026-10-25T02:00:00Z", "02:30": "2026-10-25T02:30:00Z", "08:00": "2026-10-25T08:00:00Z"}},
		{"New York spring", "America/New_York", "2026-03-08", map[string]string{
			"01:30": "2026-03-08T06:30:00Z", "02:00": "2026-03-08T07:00:00Z", "02:30": "2026-03-08T07:00:00Z",
			"03:00": "2026-03-08T07:00:00Z", "08:00": "2026-03-08T12:00:00Z"}},
		{"New York fall", "America/New_York", "2026-11-01", map[string]string{
			"01:00": "2026-11-01T05:00:00Z", "01:30": "2026-11-01T05:30:00Z", "02:00": "2026-11-01T07:00:00Z",
			"08:00": "2026-11-01T13:00:00Z"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, st *store.Store) {
				day, _ := time.Parse(time.DateOnly, tt.day)
				from := at(t, tt.zone, day.AddDate(0, 0, -1).Format(time.DateOnly)+" 12:00:00")
				to := at(t, tt.zone, day.AddDate(0, 0, 1).Format(time.DateOnly)+" 00:00:00")
				f := newFixture(t, st, from.Add(-time.Hour))
				subs := map[string]int64{}
				printers := map[string]int64{}
				for hm := range tt.want {
					hm0, err := time.Parse("15:04", hm)
					if err != nil {
						t.Fatal(err)
					}
					h, m := hm0.Hour(), hm0.Minute()
					p := f.printer(t, tt.zone)
					subs[hm] = f.subscribe(t, store.NewSubscription{PrinterID: p.ID, Hour: h, Minute: m}).ID
					printers[hm] = p.ID
				}
				s := f.scheduler(scheduler.Config{Lead: 2 * time.Minute})
				// Every minute through the night's changes, more coarsely
				// elsewhere.
				midnight := at(t, tt.zone, tt.day+" 00:00:00")
				f.tickThrough(t, s, from, midnight.Add(-time.Hour), 15*time.Minute)
				f.tickThrough(t, s, midnight.Add(-time.Hour), midnight.Add(5*time.Hour), time.Minute)
				f.tickThrough(t, s, midnight.Add(5*time.Hour), to, 5*time.Minute)
				for hm, want := range tt.want {
					eds := f.editions(t, printers[hm])
					if len(eds) != 1 {
						t.Errorf("%s: %d editions, want 1", hm, len(eds))
						continue
					}
					if got := eds[0].NotBefore.Format(time.RFC3339); got != want {
						t.Errorf("%s: due %s, want %s", hm, got, want)
					}
					if c := f.claims(t, subs[hm]); len(c) != 1 || c[0].LocalDate != tt.day || c[0].Outcome != store.OutcomeDelivered || c[0].DeliveryID != eds[0].ID {
						t.Errorf("%s: claims %+v", hm, c)
					}
				}
				if n := f.plugins.count(); n != len(tt.want) {
					t.Errorf("%d renders, want %d", n, len(tt.want))
				}
				// Each render was for its moment, in the printer's zone.
				for _, r := range f.plugins.renders {
					if r.args.Time.Location().String() != tt.zone {
						t.Errorf("rendered for %v, not in %s", r.args.Time, tt.zone)
					}
				}
			})
		})
	}
}

func TestScheduler_Restarts(t *testing.T) {
	// A scheduler ticks every second up to a moment, stops, and a new one
	// on the same store ticks on from another: one edition either way.
	const zone = "Europe/London"
	tests := []struct {
		name    string
		lead    time.Duration
		stop    string // the first scheduler's last tick
		restart string // the second's first
	}{
		{"no lead, stopped before, back at 07:59:59", scheduler.NoLead, "07:59:50", "07:59:59"},
		{"no lead, stopped before, back at 08:00:01", scheduler.NoLead, "07:59:59", "08:00:01"},
		{"no lead, stopped after, back at 08:00:01", scheduler.NoLead, "08:00:00", "08:00:01"},
		{"lead, rendered before the stop at 07:59:59", 2 * time.Minute, "07:59:59", "07:59:59"},
		{"lead, back at 08:00:01", 2 * time.Minute, "07:59:59", "08:00:01"},
		{"lead, stopped before the lead, back at 08:00:01", 2 * time.Minute, "07:57:00", "08:00:01"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, st *store.Store) {
				start := at(t, zone, "2026-12-01 07:50:00")
				f := newFixture(t, st, start)
				p := f.printer(t, zone)
				f.subscribe(t, store.NewSubscription{PrinterID: p.ID, Hour: 8})
				cfg := scheduler.Config{Lead: tt.lead}
				a := f.scheduler(cfg)
				f.tickThrough(t, a, start, at(t, zone, "2026-12-01 "+tt.stop), time.Second)
				b := f.scheduler(cfg)
				f.tickThrough(t, b, at(t, zone, "2026-12-01 "+tt.restart), at(t, zone, "2026-12-01 08:00:30"), time.Second)
				f.tickThrough(t, b, at(t, zone, "2026-12-01 08:01:00"), at(t, zone, "2026-12-01 12:00:00"), 5*time.Minute)
				eds := f.editions(t, p.ID)
				if len(eds) != 1 || !eds[0].NotBefore.Equal(at(t, zone, "2026-12-01 08:00:00")) {
					t.Fatalf("editions %+v, want one due at 08:00", eds)
				}
				if n := f.plugins.count(); n != 1 {
					t.Errorf("%d renders, want 1", n)
				}
			})
		})
	}
}

func TestScheduler_StopMidRender(t *testing.T) {
	// A run stopped while it renders gives the edition back: the next run
	// makes it.
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		start := at(t, "UTC", "2026-12-01 07:59:00")
		f := newFixture(t, st, start)
		p := f.printer(t, "UTC")
		sub := f.subscribe(t, store.NewSubscription{PrinterID: p.ID, Hour: 8, Config: map[string]string{"result": "block"}})
		f.plugins.started = make(chan string, 10)
		a := f.scheduler(scheduler.Config{Lead: scheduler.NoLead})
		ctx, cancel := context.WithCancel(t.Context())
		f.clock.Set(at(t, "UTC", "2026-12-01 08:00:00"))
		if err := a.Tick(ctx); err != nil {
			t.Fatal(err)
		}
		<-f.plugins.started
		if c := f.claims(t, sub.ID); len(c) != 1 || c[0].Outcome != store.OutcomePending {
			t.Fatalf("claims while rendering: %+v", c)
		}
		cancel()
		a.Wait()
		if c := f.claims(t, sub.ID); len(c) != 0 {
			t.Fatalf("claims after the stop: %+v, want it given back", c)
		}
		close(f.plugins.release)
		b := f.scheduler(scheduler.Config{Lead: scheduler.NoLead})
		f.tickAt(t, b, at(t, "UTC", "2026-12-01 08:00:01"))
		if eds := f.editions(t, p.ID); len(eds) != 1 {
			t.Fatalf("%d editions, want 1", len(eds))
		}
	})
}

func TestScheduler_DeadRunTakenOver(t *testing.T) {
	// A claim whose maker died without a word is taken over once Lease has
	// passed, within the window; until then nobody makes it.
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		start := at(t, "UTC", "2026-12-01 07:00:00")
		f := newFixture(t, st, start)
		p := f.printer(t, "UTC")
		sub := f.subscribe(t, store.NewSubscription{PrinterID: p.ID, Hour: 8})
		f.clock.Set(at(t, "UTC", "2026-12-01 08:00:00"))
		if _, ok, err := st.ClaimEdition(t.Context(), sub.ID, "2026-12-01", f.clock.Now(), time.Time{}); !ok || err != nil {
			t.Fatalf("claim ok=%v, %v", ok, err)
		}
		s := f.scheduler(scheduler.Config{Lead: scheduler.NoLead, Lease: 10 * time.Minute})
		f.tickThrough(t, s, at(t, "UTC", "2026-12-01 08:00:01"), at(t, "UTC", "2026-12-01 08:09:59"), 20*time.Second)
		if eds := f.editions(t, p.ID); len(eds) != 0 {
			t.Fatalf("%d editions while the claim is fresh", len(eds))
		}
		f.tickThrough(t, s, at(t, "UTC", "2026-12-01 08:10:01"), at(t, "UTC", "2026-12-01 09:00:00"), 20*time.Second)
		if eds := f.editions(t, p.ID); len(eds) != 1 {
			t.Fatalf("%d editions after the lease, want 1", len(eds))
		}
	})
}

func TestScheduler_CatchUp(t *testing.T) {
	// After downtime, an edition less than Window late is made (and sent
	// at once); an older one is not, and the next day's is.
	tests := []struct {
		back string
		want int // editions on 2026-12-01
	}{
		{"2026-12-01 08:00:01", 1},
		{"2026-12-01 08:59:59", 1},
		{"2026-12-01 09:00:01", 0},
		{"2026-12-01 23:00:00", 0},
	}
	for _, tt := range tests {
		t.Run("back at "+tt.back, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, st *store.Store) {
				const zone = "America/New_York"
				start := at(t, zone, "2026-11-30 12:00:00")
				f := newFixture(t, st, start)
				p := f.printer(t, zone)
				f.subscribe(t, store.NewSubscription{PrinterID: p.ID, Hour: 8})
				cfg := scheduler.Config{Lead: scheduler.NoLead, Window: time.Hour}
				a := f.scheduler(cfg)
				f.tickThrough(t, a, start, at(t, zone, "2026-12-01 07:00:00"), time.Hour)
				b := f.scheduler(cfg)
				f.tickAt(t, b, at(t, zone, tt.back))
				eds := f.editions(t, p.ID)
				if len(eds) != tt.want {
					t.Fatalf("%d editions, want %d", len(eds), tt.want)
				}
				if tt.want == 1 && !eds[0].NotBefore.Equal(at(t, zone, "2026-12-01 08:00:00")) {
					t.Errorf("made late with not-before %v, want the moment", eds[0].NotBefore)
				}
				f.tickThrough(t, b, at(t, zone, "2026-12-02 07:59:00"), at(t, zone, "2026-12-02 08:01:00"), time.Minute)
				if got := f.editions(t, p.ID); len(got) != tt.want+1 {
					t.Fatalf("%d editions after the next day, want %d", len(got), tt.want+1)
				}
			})
		})
	}
}

func TestScheduler_CreatedAfterTheMoment(t *testing.T) {
	// A subscription made after today's moment waits for tomorrow's.
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st, at(t, "UTC", "2026-12-01 08:30:00"))
		p := f.printer(t, "UTC")
		f.subscribe(t, store.NewSubscription{PrinterID: p.ID, Hour: 8})
		s := f.scheduler(scheduler.Config{Lead: scheduler.NoLead})
		f.tickAt(t, s, at(t, "UTC", "2026-12-01 08:30:01"))
		if eds := f.editions(t, p.ID); len(eds) != 0 {
			t.Fatalf("%d editions from before the subscription", len(eds))
		}
		f.tickAt(t, s, at(t, "UTC", "2026-12-02 08:00:00"))
		if eds := f.editions(t, p.ID); len(eds) != 1 {
			t.Fatalf("%d editions the next day, want 1", len(eds))
		}
	})
}

func TestScheduler_TwoInstances(t *testing.T) {
	// Two schedulers on one database tick at the same instants: each
	// edition is made once, by one of them.
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		start := at(t, "UTC", "2026-12-01 07:55:00")
		f := newFixture(t, st, start)
		zones := []string{"UTC", "Europe/London", "Etc/GMT+1", "Etc/GMT+2"} // 08:00 there is 08:00 to 10:00 UTC
		var printers []int64
		for i := range 12 {
			p := f.printer(t, zones[i%len(zones)])
			printers = append(printers, p.ID)
			f.subscribe(t, store.NewSubscription{PrinterID: p.ID, Hour: 8, Minute: i % 3})
		}
		cfg := scheduler.Config{Lead: time.Minute}
		a, b := f.scheduler(cfg), f.scheduler(cfg)
		for now := start; now.Before(start.Add(2*time.Hour + 15*time.Minute)); now = now.Add(20 * time.Second) {
			f.clock.Set(now)
			var wg sync.WaitGroup
			for _, s := range []*scheduler.Scheduler{a, b} {
				wg.Go(func() {
					if err := s.Tick(t.Context()); err != nil {
						t.Error(err)
					}
					s.Wait()
				})
			}
			wg.Wait()
		}
		for _, id := range printers {
			if eds := f.editions(t, id); len(eds) != 1 {
				t.Errorf("printer %d: %d editions, want 1", id, len(eds))
			}
		}
		if n := f.plugins.count(); n != len(printers) {
			t.Errorf("%d renders, want %d", n, len(printers))
		}
	})
}

func TestScheduler_Outcomes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := t.Context()
		f := newFixture(t, st, at(t, "UTC", "2026-12-01 07:00:00"))
		type want struct {
			outcome string
			printed bool
			history string // in a failed delivery's reason
			ended   bool
		}
		cases := map[string]want{
			"":         {outcome: store.OutcomeDelivered, printed: true},
			"nothing":  {outcome: store.OutcomeNothingToday},
			"finished": {outcome: store.OutcomeFinished, history: "news: the subscription has ended: the series is complete", ended: true},
			"error":    {outcome: store.OutcomeFailed, history: "not printed: news: the feed cannot be reached"},
			"narrow":   {outcome: store.OutcomeFailed, history: "not printed: news: the publication sent a picture 100 pixels wide, not 384"},
		}
		subs := map[string]store.Subscription{}
		for result := range cases {
			p := f.printer(t, "UTC")
			subs[result] = f.subscribe(t, store.NewSubscription{PrinterID: p.ID, Hour: 8, Mode: store.ModeNow,
				Config: map[string]string{"result": result}})
		}
		s := f.scheduler(scheduler.Config{Lead: scheduler.NoLead})
		f.tickAt(t, s, at(t, "UTC", "2026-12-01 08:00:00"))
		for result, w := range cases {
			sub := subs[result]
			c := f.claims(t, sub.ID)
			if len(c) != 1 || c[0].Outcome != w.outcome {
				t.Errorf("%q: claims %+v, want outcome %q", result, c, w.outcome)
			}
			eds := f.editions(t, sub.PrinterID)
			if w.printed != (len(eds) == 1) || len(eds) > 1 {
				t.Errorf("%q: %d editions", result, len(eds))
			}
			if w.printed && codec.CommandCode(eds[0].Command) != codec.SetDeliveryAndPrint {
				t.Errorf("%q: command %#x, want SetDeliveryAndPrint for mode now", result, eds[0].Command)
			}
			h := f.history(t, sub.PrinterID)
			if (w.history == "") != (len(h) == 0) || len(h) > 1 || (w.history != "" && h[0] != w.history) {
				t.Errorf("%q: history %q, want %q", result, h, w.history)
			}
			got, _ := st.SubscriptionByID(ctx, sub.ID)
			if w.ended != !got.EndedAt.IsZero() || (w.ended && got.EndReason != "the series is complete") {
				t.Errorf("%q: subscription %+v", result, got)
			}
			if wantCount := map[bool]int{true: 1}[w.printed]; got.DeliveryCount != wantCount {
				t.Errorf("%q: delivery count %d, want %d", result, got.DeliveryCount, wantCount)
			}
		}
		// The next day: the finished one is not rendered again; the others
		// are, the delivered one with its count.
		n := f.plugins.count()
		f.tickAt(t, s, at(t, "UTC", "2026-12-02 08:00:00"))
		if got := f.plugins.count() - n; got != len(cases)-1 {
			t.Errorf("%d renders the next day, want %d", got, len(cases)-1)
		}
		for _, r := range f.plugins.renders[n:] {
			if r.args.Config["result"] == "" && r.args.Count != 1 {
				t.Errorf("the second edition rendered with count %d, want 1", r.args.Count)
			}
		}
	})
}

func TestScheduler_ButtonMode(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st, at(t, "UTC", "2026-12-01 07:00:00"))
		p := f.printer(t, "UTC")
		f.subscribe(t, store.NewSubscription{PrinterID: p.ID, Hour: 8})
		f.tickAt(t, f.scheduler(scheduler.Config{Lead: scheduler.NoLead}), at(t, "UTC", "2026-12-01 08:00:00"))
		eds := f.editions(t, p.ID)
		if len(eds) != 1 || codec.CommandCode(eds[0].Command) != codec.SetDelivery {
			t.Fatalf("editions %+v, want one SetDelivery", eds)
		}
	})
}

func TestScheduler_Days(t *testing.T) {
	// A weekday publication prints Monday to Friday; a subscriber's mask
	// narrows it; push publications and unknown ones are never scheduled.
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		const zone = "Pacific/Kiritimati"
		start := at(t, zone, "2026-12-03 12:00:00") // a Thursday
		f := newFixture(t, st, start)
		mk := func(pub string, days uint8) int64 {
			p := f.printer(t, zone)
			f.subscribe(t, store.NewSubscription{PrinterID: p.ID, Publication: pub, Hour: 8, Days: days})
			return p.ID
		}
		weekly := mk("weekly", 0)
		mondays := mk("weekly", uint8(scheduler.DaysOf(time.Monday)))
		weekends := mk("weekly", uint8(scheduler.DaysOf(time.Saturday, time.Sunday)))
		everyDay := mk("news", 0)
		saturdays := mk("news", uint8(scheduler.DaysOf(time.Saturday)))
		push := mk("friends", 0)
		gone := mk("uninstalled", 0)
		s := f.scheduler(scheduler.Config{Lead: scheduler.NoLead})
		f.tickThrough(t, s, start, at(t, zone, "2026-12-08 12:00:00"), 30*time.Minute)
		dates := func(printerID int64) string {
			var out []string
			for _, d := range f.editions(t, printerID) {
				out = append(out, d.NotBefore.In(mustZone(t, zone)).Format("Mon 02"))
			}
			return strings.Join(out, ",")
		}
		for name, tc := range map[string]struct {
			printer int64
			want    string
		}{
			"weekly":    {weekly, "Fri 04,Mon 07,Tue 08"},
			"mondays":   {mondays, "Mon 07"},
			"weekends":  {weekends, ""},
			"every day": {everyDay, "Fri 04,Sat 05,Sun 06,Mon 07,Tue 08"},
			"saturdays": {saturdays, "Sat 05"},
			"push":      {push, ""},
			"gone":      {gone, ""},
		} {
			if got := dates(tc.printer); got != tc.want {
				t.Errorf("%s: editions on %q, want %q", name, got, tc.want)
			}
		}
	})
}

func TestScheduler_ZoneChanges(t *testing.T) {
	// The claim's local date is the moment's date in the printer's zone
	// when it is claimed, and editions never go back in date (doc.go,
	// "Same day").
	tests := []struct {
		name     string
		from, to string
		change   string // when the zone changes, UTC
		until    string // ticking ends, UTC
		want     []string
	}{
		// Made at 08:00 London; at 09:00 London (04:00 in New York) the
		// printer moves; 08:00 in New York is the same date: nothing more
		// until the next day.
		{"west within a date", "Europe/London", "America/New_York", "2026-12-01 09:00:00", "2026-12-02 14:00:00",
			[]string{"2026-12-01T08:00:00Z", "2026-12-02T13:00:00Z"}},
		// Made at 08:00 New York (13:00 UTC); at 14:00 UTC it is already
		// 04:00 on the 2nd in Kiritimati: a new date, whose edition is made
		// at 08:00 there.
		{"east past midnight", "America/New_York", "Pacific/Kiritimati", "2026-12-01 14:00:00", "2026-12-02 19:00:00",
			[]string{"2026-12-01T13:00:00Z", "2026-12-01T18:00:00Z", "2026-12-02T18:00:00Z"}},
		// Made at 08:00 on the 2nd in Kiritimati (18:00 UTC on the 1st);
		// moved to UTC−12, where it is 07:00 on the 1st: the 1st is not made
		// again, nor the 2nd; the 3rd is.
		{"west back past midnight", "Pacific/Kiritimati", "Etc/GMT+12", "2026-12-01 19:00:00", "2026-12-03 21:00:00",
			[]string{"2026-12-01T18:00:00Z", "2026-12-03T20:00:00Z"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, st *store.Store) {
				start := at(t, "UTC", "2026-11-30 20:00:00") // after the 30th's moment in each zone
				f := newFixture(t, st, start)
				p := f.printer(t, tt.from)
				f.subscribe(t, store.NewSubscription{PrinterID: p.ID, Hour: 8})
				s := f.scheduler(scheduler.Config{Lead: scheduler.NoLead})
				change := at(t, "UTC", tt.change)
				f.tickThrough(t, s, start, change.Add(-time.Minute), 10*time.Minute)
				if err := st.SetPrinterTimeZone(t.Context(), p.ID, tt.to); err != nil {
					t.Fatal(err)
				}
				f.tickThrough(t, s, change, at(t, "UTC", tt.until), 10*time.Minute)
				var got []string
				for _, d := range f.editions(t, p.ID) {
					got = append(got, d.NotBefore.UTC().Format(time.RFC3339))
				}
				if strings.Join(got, " ") != strings.Join(tt.want, " ") {
					t.Fatalf("editions due %v, want %v", got, tt.want)
				}
			})
		})
	}
}

func TestScheduler_Pool(t *testing.T) {
	// At most Workers renders at once, and PerPublication of one
	// publication; one publication's crowd does not hold up another's.
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st, at(t, "UTC", "2026-12-01 07:00:00"))
		for i := range 9 {
			pub := "news"
			if i%3 == 0 {
				pub = "weather"
			}
			p := f.printer(t, "UTC")
			f.subscribe(t, store.NewSubscription{PrinterID: p.ID, Publication: pub, Hour: 8, Config: map[string]string{"result": "block"}})
		}
		f.plugins.started = make(chan string, 20)
		s := f.scheduler(scheduler.Config{Lead: scheduler.NoLead, Workers: 3, PerPublication: 2})
		f.clock.Set(at(t, "UTC", "2026-12-01 08:00:00"))
		if err := s.Tick(t.Context()); err != nil {
			t.Fatal(err)
		}
		pubs := map[string]int{}
		for range 3 {
			select {
			case p := <-f.plugins.started:
				pubs[p]++
			case <-time.After(10 * time.Second):
				t.Fatal("fewer than 3 renders started")
			}
		}
		if pubs["weather"] == 0 {
			t.Errorf("renders started %v: weather waits behind news", pubs)
		}
		close(f.plugins.release)
		s.Wait()
		f.plugins.mu.Lock()
		most := f.plugins.most
		f.plugins.mu.Unlock()
		if most[""] != 3 || most["news"] > 2 || most["weather"] > 2 {
			t.Errorf("most at once: %v, want 3 in all, at most 2 of each", most)
		}
		if n := f.plugins.count(); n != 9 {
			t.Errorf("%d renders, want 9", n)
		}
	})
}

func TestScheduler_Run(t *testing.T) {
	// The loop ticks on the clock and stops with its context.
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st, at(t, "UTC", "2026-12-01 07:59:00"))
		p := f.printer(t, "UTC")
		f.subscribe(t, store.NewSubscription{PrinterID: p.ID, Hour: 8})
		s := f.scheduler(scheduler.Config{Lead: scheduler.NoLead, Tick: 10 * time.Second})
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error, 1)
		go func() { done <- s.Run(ctx) }()
		for range 7 { // 07:59:00 to 08:00:00, a tick at each
			if err := f.clock.BlockUntil(t.Context(), 1); err != nil {
				t.Fatal(err)
			}
			f.clock.Advance(10 * time.Second)
		}
		if err := f.clock.BlockUntil(t.Context(), 1); err != nil {
			t.Fatal(err)
		}
		s.Wait()
		if eds := f.editions(t, p.ID); len(eds) != 1 {
			t.Errorf("%d editions, want 1", len(eds))
		}
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("Run returned %v, want context.Canceled", err)
		}
	})
}

func TestScheduler_Paused(t *testing.T) {
	// A paused subscription makes nothing; resumed within the window of a
	// moment, it makes that edition (doc.go, "Catch-up").
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := t.Context()
		f := newFixture(t, st, at(t, "UTC", "2026-12-01 07:00:00"))
		p := f.printer(t, "UTC")
		sub := f.subscribe(t, store.NewSubscription{PrinterID: p.ID, Hour: 8})
		if err := st.PauseSubscription(ctx, sub.ID, true); err != nil {
			t.Fatal(err)
		}
		s := f.scheduler(scheduler.Config{Lead: scheduler.NoLead, Window: time.Hour})
		f.tickThrough(t, s, at(t, "UTC", "2026-12-01 07:55:00"), at(t, "UTC", "2026-12-01 08:30:00"), time.Minute)
		if eds := f.editions(t, p.ID); len(eds) != 0 {
			t.Fatalf("%d editions while paused", len(eds))
		}
		st.PauseSubscription(ctx, sub.ID, false)
		f.tickAt(t, s, at(t, "UTC", "2026-12-01 08:31:00"))
		if eds := f.editions(t, p.ID); len(eds) != 1 {
			t.Fatalf("%d editions once resumed, want 1", len(eds))
		}
	})
}
