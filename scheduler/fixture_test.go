package scheduler_test

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"log/slog"
	"sync"
	"testing"
	"time"

	"paperboy/codec"
	"paperboy/delivery"
	"paperboy/plugins"
	"paperboy/scheduler"
	"paperboy/sdk"
	"paperboy/store"
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
	extra   string         // another publication like news, once installed
}

type render struct {
	publication string
	args        sdk.RenderArgs
}

func newFakePlugins() *fakePlugins {
	return &fakePlugins{release: make(chan struct{}), running: map[string]int{}, most: map[string]int{}}
}

func (f *fakePlugins) Meta(name string) (sdk.Meta, error) {
	f.mu.Lock()
	extra := f.extra
	f.mu.Unlock()
	if name == extra {
		return sdk.Meta{Name: name, Kind: sdk.Scheduled}, nil
	}
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
	// Deliveries made at fake times must not expire by the real clock
	// while the test runs.
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
