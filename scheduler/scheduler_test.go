package scheduler_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"paperboy/delivery"
	"paperboy/internal/storetest"
	"paperboy/plugins"
	"paperboy/scheduler"
	"paperboy/store"
)

// The real parts fit the interfaces.
var (
	_ scheduler.Plugins = (*plugins.Host)(nil)
	_ scheduler.Printer = (*delivery.Queue)(nil)
)

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
					subs[hm] = f.subscribe(t, store.NewSubscription{PrinterID: p.ID, Schedule: scheduler.SimpleSpec(h, m, 0)}).ID
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
					if c := f.claims(t, subs[hm]); len(c) != 1 || c[0].LocalMoment[:10] != tt.day || c[0].Outcome != store.OutcomeDelivered || c[0].DeliveryID != eds[0].ID {
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
				f.subscribe(t, store.NewSubscription{PrinterID: p.ID, Schedule: "0 8 * * *"})
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
		sub := f.subscribe(t, store.NewSubscription{PrinterID: p.ID, Schedule: "0 8 * * *", Config: map[string]string{"result": "block"}})
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
		sub := f.subscribe(t, store.NewSubscription{PrinterID: p.ID, Schedule: "0 8 * * *"})
		f.clock.Set(at(t, "UTC", "2026-12-01 08:00:00"))
		if _, ok, err := st.ClaimEdition(t.Context(), sub.ID, "2026-12-01T08:00", f.clock.Now(), time.Time{}); !ok || err != nil {
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
				f.subscribe(t, store.NewSubscription{PrinterID: p.ID, Schedule: "0 8 * * *"})
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

func TestScheduler_CatchUpLatestOnly(t *testing.T) {
	// After downtime over several moments of a schedule, only the latest
	// passed within Window is made, at once; then the schedule goes on.
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		const zone = "Europe/London"
		start := at(t, zone, "2026-12-01 06:00:00")
		f := newFixture(t, st, start)
		p := f.printer(t, zone)
		f.subscribe(t, store.NewSubscription{PrinterID: p.ID, Schedule: "0 7,8,9,12 * * *"})
		cfg := scheduler.Config{Lead: scheduler.NoLead, Window: 3 * time.Hour}
		a := f.scheduler(cfg)
		f.tickAt(t, a, start)
		b := f.scheduler(cfg) // back at 09:30, after 07:00, 08:00 and 09:00
		f.tickThrough(t, b, at(t, zone, "2026-12-01 09:30:00"), at(t, zone, "2026-12-01 12:30:00"), 10*time.Minute)
		var got []string
		for _, d := range f.editions(t, p.ID) {
			got = append(got, d.NotBefore.In(mustZone(t, zone)).Format("15:04"))
		}
		if strings.Join(got, " ") != "09:00 12:00" {
			t.Fatalf("editions due %v, want 09:00 (late) and 12:00", got)
		}
	})
}

func TestScheduler_PublicationBack(t *testing.T) {
	// A subscription to a publication not available waits, looked at again
	// every Retry; back within Window, the moment it missed is made.
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		start := at(t, "UTC", "2026-12-01 07:50:00")
		f := newFixture(t, st, start)
		p := f.printer(t, "UTC")
		f.subscribe(t, store.NewSubscription{PrinterID: p.ID, Publication: "later", Schedule: "0 8 * * *"})
		s := f.scheduler(scheduler.Config{Lead: scheduler.NoLead, Retry: 5 * time.Minute})
		f.tickThrough(t, s, start, at(t, "UTC", "2026-12-01 08:20:00"), time.Minute)
		if eds := f.editions(t, p.ID); len(eds) != 0 {
			t.Fatalf("%d editions of a missing publication", len(eds))
		}
		f.plugins.mu.Lock()
		f.plugins.extra = "later"
		f.plugins.mu.Unlock()
		f.tickThrough(t, s, at(t, "UTC", "2026-12-01 08:21:00"), at(t, "UTC", "2026-12-01 08:30:00"), time.Minute)
		if eds := f.editions(t, p.ID); len(eds) != 1 || !eds[0].NotBefore.Equal(at(t, "UTC", "2026-12-01 08:00:00")) {
			t.Fatalf("editions %+v, want 08:00's, made late", eds)
		}
	})
}

func TestScheduler_CreatedAfterTheMoment(t *testing.T) {
	// A subscription made after today's moment waits for tomorrow's.
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st, at(t, "UTC", "2026-12-01 08:30:00"))
		p := f.printer(t, "UTC")
		f.subscribe(t, store.NewSubscription{PrinterID: p.ID, Schedule: "0 8 * * *"})
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
		want := map[int64]int{}
		for i := range 12 {
			p := f.printer(t, zones[i%len(zones)])
			printers = append(printers, p.ID)
			f.subscribe(t, store.NewSubscription{PrinterID: p.ID, Schedule: scheduler.SimpleSpec(8, i%3, 0)})
			want[p.ID] = 1
		}
		// Several moments a day: 08:00 to 09:40 every 20 minutes, and 08:05
		// and 08:50, in London.
		for _, spec := range []string{"*/20 8-9 * * *", "5 8 * * *; 50 8 * * *"} {
			p := f.printer(t, "Europe/London")
			printers = append(printers, p.ID)
			f.subscribe(t, store.NewSubscription{PrinterID: p.ID, Schedule: spec})
			want[p.ID] = map[string]int{"*/20 8-9 * * *": 6, "5 8 * * *; 50 8 * * *": 2}[spec]
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
		renders := 0
		for _, id := range printers {
			if eds := f.editions(t, id); len(eds) != want[id] {
				t.Errorf("printer %d: %d editions, want %d", id, len(eds), want[id])
			}
			renders += want[id]
		}
		if n := f.plugins.count(); n != renders {
			t.Errorf("%d renders, want %d", n, renders)
		}
	})
}

func TestScheduler_RestartsSeveralADay(t *testing.T) {
	// A schedule of six moments an hour, the scheduler stopped at each
	// point of the hour and another started: each moment once.
	for _, stop := range []string{"08:09:59", "08:10:00", "08:10:05", "08:33:20"} {
		t.Run("stopped at "+stop, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, st *store.Store) {
				const zone = "Australia/Lord_Howe"
				start := at(t, zone, "2026-12-01 07:55:00")
				f := newFixture(t, st, start)
				p := f.printer(t, zone)
				f.subscribe(t, store.NewSubscription{PrinterID: p.ID, Schedule: "*/10 8 * * *"})
				cfg := scheduler.Config{Lead: time.Minute}
				f.tickThrough(t, f.scheduler(cfg), start, at(t, zone, "2026-12-01 "+stop), 5*time.Second)
				b := f.scheduler(cfg)
				f.tickThrough(t, b, at(t, zone, "2026-12-01 "+stop).Add(time.Second), at(t, zone, "2026-12-01 09:05:00"), 5*time.Second)
				var got []string
				for _, d := range f.editions(t, p.ID) {
					got = append(got, d.NotBefore.In(mustZone(t, zone)).Format("15:04"))
				}
				if strings.Join(got, " ") != "08:00 08:10 08:20 08:30 08:40 08:50" {
					t.Fatalf("editions due %v, want each ten minutes of 08:00 once", got)
				}
			})
		})
	}
}
