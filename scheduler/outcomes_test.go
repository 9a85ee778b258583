package scheduler_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"paperboy/codec"
	"paperboy/internal/storetest"
	"paperboy/scheduler"
	"paperboy/store"
)

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
			subs[result] = f.subscribe(t, store.NewSubscription{PrinterID: p.ID, Schedule: "0 8 * * *", Mode: store.ModeNow,
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
		f.subscribe(t, store.NewSubscription{PrinterID: p.ID, Schedule: "0 8 * * *"})
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
			f.subscribe(t, store.NewSubscription{PrinterID: p.ID, Publication: pub, Schedule: scheduler.SimpleSpec(8, 0, scheduler.Days(days))})
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
				f.subscribe(t, store.NewSubscription{PrinterID: p.ID, Schedule: "0 8 * * *"})
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
			f.subscribe(t, store.NewSubscription{PrinterID: p.ID, Publication: pub, Schedule: "0 8 * * *", Config: map[string]string{"result": "block"}})
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
		f.subscribe(t, store.NewSubscription{PrinterID: p.ID, Schedule: "0 8 * * *"})
		s := f.scheduler(scheduler.Config{Lead: scheduler.NoLead, Tick: 10 * time.Second})
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error, 1)
		go func() { done <- s.Run(ctx) }()
		for range 7 { // 07:59:00 to 08:00:00, a tick at each
			if err := f.clock.BlockUntil(t.Context(), 1); err != nil {
				t.Fatal(err)
			}
			// The loop waits for the clock; what its tick started is
			// done before the clock moves on.
			s.Wait()
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
		sub := f.subscribe(t, store.NewSubscription{PrinterID: p.ID, Schedule: "0 8 * * *"})
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

func TestScheduler_MaxQueued(t *testing.T) {
	// At most MaxQueued subscriptions are taken from the due index at once,
	// read Batch rows at a time; a tick goes on from where the last one
	// stopped, and every edition is made once. (A tick may take more than
	// MaxQueued in all when some it took are done before it ends: the cap
	// is on those waiting or being made.)
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		start := at(t, "UTC", "2026-12-01 07:59:00")
		f := newFixture(t, st, start)
		var printers []int64
		for range 10 {
			p := f.printer(t, "UTC")
			printers = append(printers, p.ID)
			f.subscribe(t, store.NewSubscription{PrinterID: p.ID, Schedule: "0 8 * * *", Config: map[string]string{"result": "block"}})
		}
		s := f.scheduler(scheduler.Config{Lead: time.Minute, MaxQueued: 3, Batch: 2})
		// While the renders block, ticks take 3 and then none.
		started := make(chan string, 10)
		f.plugins.mu.Lock()
		f.plugins.started = started
		f.plugins.mu.Unlock()
		f.clock.Set(start)
		if err := s.Tick(t.Context()); err != nil {
			t.Fatal(err)
		}
		for range 3 {
			select {
			case <-started:
			case <-time.After(10 * time.Second):
				t.Fatal("the first tick's 3 renders did not start")
			}
		}
		for range 2 {
			if err := s.Tick(t.Context()); err != nil {
				t.Fatal(err)
			}
		}
		if n := f.plugins.count(); n != 3 {
			t.Fatalf("while 3 are being made, %d made, want no more than MaxQueued (3)", n)
		}
		close(f.plugins.release)
		s.Wait()
		for i := 1; i <= 4; i++ {
			f.tickAt(t, s, start.Add(time.Duration(i)*time.Second))
		}
		for _, id := range printers {
			if eds := f.editions(t, id); len(eds) != 1 {
				t.Errorf("printer %d: %d editions", id, len(eds))
			}
		}
		f.tickThrough(t, s, start.Add(5*time.Second), start.Add(3*time.Minute), 10*time.Second)
		if n := f.plugins.count(); n != 10 {
			t.Errorf("%d made in all, want 10", n)
		}
	})
}
