package store_test

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"paperboy/internal/storetest"
	"paperboy/store"
)

// newPrinter makes a user with a claimed printer.
func newPrinter(t *testing.T, s *store.Store, email string) store.Printer {
	t.Helper()
	u, err := s.CreateUser(t.Context(), email)
	if err != nil {
		t.Fatal(err)
	}
	p, err := s.Claim(t.Context(), store.Claim{UserID: u.ID, HardwareXor: 1, Secret: 2})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestStore_PrinterTimeZone(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		p := newPrinter(t, s, "tz@example.com")
		if p.TimeZone != "UTC" {
			t.Fatalf("a new printer's zone is %q, want UTC", p.TimeZone)
		}
		if err := s.SetPrinterTimeZone(ctx, p.ID, "Pacific/Kiritimati"); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.PrinterByID(ctx, p.ID); got.TimeZone != "Pacific/Kiritimati" {
			t.Fatalf("zone %q after setting it", got.TimeZone)
		}
		for _, bad := range []string{"", "Local", "Mars/Olympus", "+02:00"} {
			if err := s.SetPrinterTimeZone(ctx, p.ID, bad); err == nil {
				t.Errorf("zone %q accepted", bad)
			}
		}
		if err := s.SetPrinterTimeZone(ctx, p.ID+100, "UTC"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("unknown printer err=%v, want ErrNotFound", err)
		}
		if err := s.SetPrinterName(ctx, p.ID, "Hall ☕"); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.PrinterByID(ctx, p.ID); got.Name != "Hall ☕" || got.TimeZone != "Pacific/Kiritimati" {
			t.Fatalf("after renaming: %q in %q", got.Name, got.TimeZone)
		}
		if err := s.SetPrinterName(ctx, p.ID+100, "x"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("renaming an unknown printer err=%v, want ErrNotFound", err)
		}
	})
}

func TestStore_Subscriptions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		p := newPrinter(t, s, "sub@example.com")
		s.SetPrinterTimeZone(ctx, p.ID, "Europe/London")
		a, err := s.CreateSubscription(ctx, store.NewSubscription{PrinterID: p.ID, Publication: "news",
			Config: map[string]string{"feeds": "https://example.com/rss", "title": "Morning ☕"}, Schedule: "30 8 * * 1-5"})
		if err != nil {
			t.Fatal(err)
		}
		if a.Mode != store.ModeButton || a.Config["title"] != "Morning ☕" || a.TimeZone != "Europe/London" || a.Paused || a.DeliveryCount != 0 ||
			a.CreatedAt.IsZero() || !a.EndedAt.IsZero() {
			t.Fatalf("created %+v", a)
		}
		b, err := s.CreateSubscription(ctx, store.NewSubscription{PrinterID: p.ID, Publication: "weather", Schedule: "0 7 * * *", Mode: store.ModeNow})
		if err != nil {
			t.Fatal(err)
		}
		if b.Config == nil || len(b.Config) != 0 {
			t.Errorf("no config reads back as %v, want an empty map", b.Config)
		}
		got, err := s.SubscriptionByID(ctx, a.ID)
		if err != nil || got.Schedule != "30 8 * * 1-5" || got.Publication != "news" || got.Config["feeds"] == "" {
			t.Fatalf("SubscriptionByID=%+v, %v", got, err)
		}
		if _, err := s.SubscriptionByID(ctx, b.ID+100); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("unknown subscription err=%v, want ErrNotFound", err)
		}

		// Bad input is refused, naming what is wrong.
		bad := []store.NewSubscription{
			{PrinterID: p.ID, Publication: "news"},
			{PrinterID: p.ID, Publication: "news", Schedule: "  "},
			{PrinterID: p.ID, Publication: "news", Schedule: strings.Repeat("0 8 * * *; ", 30)},
			{PrinterID: p.ID, Publication: "news", Schedule: "0 8 * * *", Mode: "later"},
			{PrinterID: p.ID},
		}
		for _, n := range bad {
			if _, err := s.CreateSubscription(ctx, n); err == nil {
				t.Errorf("%+v accepted", n)
			}
		}
		if _, err := s.CreateSubscription(ctx, store.NewSubscription{PrinterID: p.ID + 100, Publication: "news", Schedule: "0 8 * * *"}); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("unknown printer err=%v, want ErrNotFound", err)
		}

		// Update changes what it names and nothing else.
		nine, now := "30 9 * * 1-5", store.ModeNow
		up, err := s.UpdateSubscription(ctx, a.ID, store.SubscriptionUpdate{Schedule: &nine, Mode: &now, Config: map[string]string{"feeds": "x"}})
		if err != nil {
			t.Fatal(err)
		}
		if up.Schedule != nine || up.Mode != store.ModeNow || up.Config["feeds"] != "x" || up.Config["title"] != "" {
			t.Fatalf("updated %+v", up)
		}
		if got, _ := s.SubscriptionByID(ctx, a.ID); got.Schedule != nine || got.Mode != store.ModeNow {
			t.Fatalf("read back after update %+v", got)
		}
		empty := ""
		if _, err := s.UpdateSubscription(ctx, a.ID, store.SubscriptionUpdate{Schedule: &empty}); err == nil {
			t.Error("an empty schedule accepted")
		}
		if _, err := s.UpdateSubscription(ctx, b.ID+100, store.SubscriptionUpdate{Schedule: &nine}); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("update of unknown err=%v, want ErrNotFound", err)
		}

		// Paused and ended subscriptions are not active; they stay listed.
		active := func() []int64 {
			t.Helper()
			list, err := s.ActiveSubscriptions(ctx)
			if err != nil {
				t.Fatal(err)
			}
			var ids []int64
			for _, x := range list {
				if x.TimeZone != "Europe/London" {
					t.Errorf("active %d without its printer's zone: %q", x.ID, x.TimeZone)
				}
				ids = append(ids, x.ID)
			}
			return ids
		}
		if ids := active(); len(ids) != 2 {
			t.Fatalf("active %v, want both", ids)
		}
		if err := s.PauseSubscription(ctx, a.ID, true); err != nil {
			t.Fatal(err)
		}
		if ids := active(); len(ids) != 1 || ids[0] != b.ID {
			t.Fatalf("active %v, want only %d", ids, b.ID)
		}
		if got, _ := s.SubscriptionByID(ctx, a.ID); !got.Paused {
			t.Error("not paused")
		}
		s.PauseSubscription(ctx, a.ID, false)
		if err := s.EndSubscription(ctx, b.ID, "the series is over"); err != nil {
			t.Fatal(err)
		}
		if err := s.EndSubscription(ctx, b.ID, "again"); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.SubscriptionByID(ctx, b.ID); got.EndedAt.IsZero() || got.EndReason != "the series is over" {
			t.Errorf("ended %+v, want the first reason kept", got)
		}
		if ids := active(); len(ids) != 1 || ids[0] != a.ID {
			t.Fatalf("active %v, want only %d", ids, a.ID)
		}
		if list, _ := s.SubscriptionsByPrinter(ctx, p.ID); len(list) != 2 || list[0].ID != a.ID {
			t.Fatalf("by printer %+v", list)
		}
		if err := s.IncrementDeliveryCount(ctx, a.ID); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.SubscriptionByID(ctx, a.ID); got.DeliveryCount != 1 {
			t.Errorf("count %d, want 1", got.DeliveryCount)
		}
		for name, err := range map[string]error{
			"pause":     s.PauseSubscription(ctx, b.ID+100, true),
			"end":       s.EndSubscription(ctx, b.ID+100, "x"),
			"increment": s.IncrementDeliveryCount(ctx, b.ID+100),
		} {
			if !errors.Is(err, store.ErrNotFound) {
				t.Errorf("%s of unknown err=%v, want ErrNotFound", name, err)
			}
		}
		if err := s.DeleteSubscription(ctx, a.ID); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteSubscription(ctx, a.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("second delete err=%v, want ErrNotFound", err)
		}
		if ids := active(); len(ids) != 0 {
			t.Fatalf("active %v after delete", ids)
		}
	})
}

func TestStore_ClaimEdition(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		clock := time.Date(2026, 3, 29, 7, 55, 0, 0, time.UTC)
		s.Now = func() time.Time { return clock }
		p := newPrinter(t, s, "claim@example.com")
		sub, _ := s.CreateSubscription(ctx, store.NewSubscription{PrinterID: p.ID, Publication: "news", Schedule: "0 8 * * *"})
		due := time.Date(2026, 3, 29, 8, 0, 0, 0, time.UTC)

		e, ok, err := s.ClaimEdition(ctx, sub.ID, "2026-03-29T08:00", due, time.Time{})
		if err != nil || !ok {
			t.Fatalf("first claim ok=%v, %v", ok, err)
		}
		if in, ok, err := s.ClaimEdition(ctx, sub.ID, "2026-03-29T08:00", due, time.Time{}); err != nil || ok || in.Outcome != store.OutcomePending || in.LocalMoment != "2026-03-29T08:00" {
			t.Fatalf("second claim ok=%v, %v, in the way %+v; want refused without error, by the pending claim", ok, err, in)
		}
		// Pending for long, but no take-over asked for; then asked for, but not stale yet.
		clock = clock.Add(time.Hour)
		if _, ok, _ := s.ClaimEdition(ctx, sub.ID, "2026-03-29T08:00", due, clock.Add(-2*time.Hour)); ok {
			t.Fatal("taken over a claim younger than the stale time")
		}
		// Stale: taken over, and the old holder can no longer finish it.
		e2, ok, err := s.ClaimEdition(ctx, sub.ID, "2026-03-29T08:00", due, clock.Add(-30*time.Minute))
		if err != nil || !ok || e2.Token == e.Token {
			t.Fatalf("take-over ok=%v, %v, token %d (was %d)", ok, err, e2.Token, e.Token)
		}
		if err := s.FinishEdition(ctx, e, store.EditionResult{Outcome: store.OutcomeDelivered, DeliveryID: 5}); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("old holder's finish err=%v, want ErrNotFound", err)
		}
		if err := s.ReleaseEdition(ctx, e); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("old holder's release err=%v, want ErrNotFound", err)
		}
		if err := s.FinishEdition(ctx, e2, store.EditionResult{Outcome: store.OutcomeDelivered, DeliveryID: 5}); err != nil {
			t.Fatal(err)
		}
		if err := s.FinishEdition(ctx, e2, store.EditionResult{Outcome: store.OutcomeFailed}); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("finishing twice err=%v, want ErrNotFound", err)
		}
		// A finished claim is never taken over.
		if in, ok, _ := s.ClaimEdition(ctx, sub.ID, "2026-03-29T08:00", due, clock.Add(time.Hour)); ok || in.Outcome != store.OutcomeDelivered {
			t.Fatalf("a delivered edition taken over (ok=%v, in the way %+v)", ok, in)
		}
		if got, _ := s.SubscriptionByID(ctx, sub.ID); got.DeliveryCount != 1 {
			t.Errorf("delivery count %d, want 1", got.DeliveryCount)
		}

		// Released claims can be made again.
		e3, ok, _ := s.ClaimEdition(ctx, sub.ID, "2026-03-30T08:00", due.Add(24*time.Hour), time.Time{})
		if !ok {
			t.Fatal("next day not claimed")
		}
		if err := s.ReleaseEdition(ctx, e3); err != nil {
			t.Fatal(err)
		}
		e3, ok, _ = s.ClaimEdition(ctx, sub.ID, "2026-03-30T08:00", due.Add(24*time.Hour), time.Time{})
		if !ok {
			t.Fatal("released claim not claimable")
		}
		if err := s.FinishEdition(ctx, e3, store.EditionResult{Outcome: store.OutcomeFinished, Reason: "the last puzzle"}); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.SubscriptionByID(ctx, sub.ID); got.EndedAt.IsZero() || got.EndReason != "the last puzzle" || got.DeliveryCount != 1 {
			t.Errorf("after finished: %+v", got)
		}
		// An earlier moment than one made is refused (the zone moved west).
		if in, ok, err := s.ClaimEdition(ctx, sub.ID, "2026-03-28T08:00", due.Add(-24*time.Hour), time.Time{}); ok || err != nil || in.LocalMoment != "2026-03-30T08:00" {
			t.Fatalf("earlier moment ok=%v, %v; want refused", ok, err)
		}
		list, err := s.EditionsBySubscription(ctx, sub.ID, 10)
		if err != nil || len(list) != 2 {
			t.Fatalf("editions %+v, %v", list, err)
		}
		if list[0].LocalMoment != "2026-03-30T08:00" || list[0].Outcome != store.OutcomeFinished || list[0].DoneAt.IsZero() ||
			list[1].Outcome != store.OutcomeDelivered || list[1].DeliveryID != 5 || !list[1].DueAt.Equal(due) {
			t.Errorf("editions %+v", list)
		}

		// Bad input.
		if _, _, err := s.ClaimEdition(ctx, sub.ID, "2026-03-29", due, time.Time{}); err == nil {
			t.Error("a date without a time accepted")
		}
		if _, _, err := s.ClaimEdition(ctx, sub.ID+100, "2026-03-29T08:00", due, time.Time{}); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("unknown subscription err=%v, want ErrNotFound", err)
		}
		if err := s.FinishEdition(ctx, e3, store.EditionResult{Outcome: "maybe"}); err == nil {
			t.Error("unknown outcome accepted")
		}
		// A long reason is clipped to fit, not refused.
		e4, _, _ := s.ClaimEdition(ctx, sub.ID, "2026-03-31T08:00", due.Add(48*time.Hour), time.Time{})
		if err := s.FinishEdition(ctx, e4, store.EditionResult{Outcome: store.OutcomeFailed, Reason: strings.Repeat("é", 2000)}); err != nil {
			t.Fatalf("long reason: %v", err)
		}
		// Deleting the subscription deletes its claims.
		if err := s.DeleteSubscription(ctx, sub.ID); err != nil {
			t.Fatal(err)
		}
		if list, _ := s.EditionsBySubscription(ctx, sub.ID, 10); len(list) != 0 {
			t.Errorf("%d claims left after delete", len(list))
		}
	})
}

func TestStore_ClaimEditionRace(t *testing.T) {
	// Many runs claiming the same editions at once: each is won once.
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		p := newPrinter(t, s, "race@example.com")
		var subs []int64
		for range 5 {
			sub, err := s.CreateSubscription(ctx, store.NewSubscription{PrinterID: p.ID, Publication: "news", Schedule: "0 8 * * *"})
			if err != nil {
				t.Fatal(err)
			}
			subs = append(subs, sub.ID)
		}
		var mu sync.Mutex
		won := map[int64]int{}
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				for _, id := range subs {
					_, ok, err := s.ClaimEdition(ctx, id, "2026-12-01T08:00", time.Now(), time.Time{})
					if err != nil {
						t.Error(err)
						return
					}
					if ok {
						mu.Lock()
						won[id]++
						mu.Unlock()
					}
				}
			})
		}
		wg.Wait()
		for _, id := range subs {
			if won[id] != 1 {
				t.Errorf("subscription %d claimed %d times", id, won[id])
			}
		}
	})
}

func TestStore_DeliverEdition(t *testing.T) {
	// The delivery and the claim's outcome go in together, or neither does.
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		u, _ := s.CreateUser(ctx, "g@example.com")
		p, _ := s.Claim(ctx, store.Claim{UserID: u.ID, HardwareXor: 3, Secret: 4})
		sub, err := s.CreateSubscription(ctx, store.NewSubscription{PrinterID: p.ID, Publication: "hello", Schedule: "0 8 * * *"})
		if err != nil {
			t.Fatal(err)
		}
		due := time.Now().Add(time.Minute)
		ed, ok, err := s.ClaimEdition(ctx, sub.ID, "2026-12-01T08:00", due, time.Now().Add(-time.Hour))
		if err != nil || !ok {
			t.Fatalf("claim: %v %v", ok, err)
		}
		n := store.NewDelivery{PrinterID: p.ID, Kind: "edition", Command: 1, Payload: []byte{1}, NotBefore: due}
		stale := ed
		stale.Token++
		if _, err := s.DeliverEdition(ctx, stale, n); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("another run's claim: %v, want ErrNotFound", err)
		}
		if k, _ := s.CountDeliveries(ctx, store.StatePending); k != 0 {
			t.Fatalf("%d deliveries queued for a claim that was not ours", k)
		}
		d, err := s.DeliverEdition(ctx, ed, n)
		if err != nil {
			t.Fatal(err)
		}
		eds, err := s.EditionsBySubscription(ctx, sub.ID, 1)
		if err != nil || len(eds) != 1 || eds[0].Outcome != store.OutcomeDelivered || eds[0].DeliveryID != d.ID {
			t.Fatalf("the claim after delivery: %+v %v", eds, err)
		}
		if got, _ := s.SubscriptionByID(ctx, sub.ID); got.DeliveryCount != 1 {
			t.Fatalf("delivery count %d, want 1", got.DeliveryCount)
		}
		if _, err := s.DeliverEdition(ctx, ed, n); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("delivering it twice: %v, want ErrNotFound", err)
		}
	})
}

func TestStore_PruneEditions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		u, _ := s.CreateUser(ctx, "h@example.com")
		p, _ := s.Claim(ctx, store.Claim{UserID: u.ID, HardwareXor: 5, Secret: 6})
		sub, _ := s.CreateSubscription(ctx, store.NewSubscription{PrinterID: p.ID, Publication: "hello", Schedule: "0 8 * * *"})
		old := time.Now().Add(-100 * 24 * time.Hour)
		done, _, err := s.ClaimEdition(ctx, sub.ID, old.Format(store.LocalMomentLayout), old, old.Add(-time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if err := s.FinishEdition(ctx, done, store.EditionResult{Outcome: store.OutcomeNothingToday}); err != nil {
			t.Fatal(err)
		}
		today := time.Now()
		if _, _, err := s.ClaimEdition(ctx, sub.ID, today.Format(store.LocalMomentLayout), today, today.Add(-time.Hour)); err != nil {
			t.Fatal(err)
		}
		n, err := s.PruneEditions(ctx, time.Now().Add(-90*24*time.Hour))
		if err != nil || n != 1 {
			t.Fatalf("pruned %d, %v; want the one old done edition", n, err)
		}
		if eds, _ := s.EditionsBySubscription(ctx, sub.ID, 10); len(eds) != 1 || eds[0].LocalMoment != today.Format(store.LocalMomentLayout) {
			t.Fatalf("left %+v, want today's", eds)
		}
	})
}

// TestStore_DueSubscriptions: the due index holds each active
// subscription's next moment, 0 (to be worked out) after anything that may
// change it, and nothing for one that makes nothing.
func TestStore_DueSubscriptions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		p := newPrinter(t, s, "due@example.com")
		now := time.Date(2026, 12, 6, 7, 0, 0, 0, time.UTC)
		due := func(by time.Time) []int64 {
			t.Helper()
			list, err := s.DueSubscriptions(ctx, by, store.Subscription{}, 100)
			if err != nil {
				t.Fatal(err)
			}
			var ids []int64
			for _, x := range list {
				ids = append(ids, x.ID)
			}
			return ids
		}
		a, _ := s.CreateSubscription(ctx, store.NewSubscription{PrinterID: p.ID, Publication: "news", Schedule: "0 8 * * *"})
		b, _ := s.CreateSubscription(ctx, store.NewSubscription{PrinterID: p.ID, Publication: "hello", Schedule: "0 9 * * *"})
		if ids := due(now); len(ids) != 2 {
			t.Fatalf("new subscriptions due %v, want both (to be worked out)", ids)
		}
		eight, nine := now.Add(time.Hour), now.Add(2*time.Hour)
		for id, at := range map[int64]time.Time{a.ID: eight, b.ID: nine} {
			if ok, err := s.SetNextAt(ctx, id, time.Time{}, at); !ok || err != nil {
				t.Fatalf("set next of %d: %v, %v", id, ok, err)
			}
		}
		// A rival that moved it first wins.
		if ok, _ := s.SetNextAt(ctx, a.ID, time.Time{}, nine); ok {
			t.Fatal("next moment moved from a value it no longer has")
		}
		tests := []struct {
			by   time.Time
			want int
		}{{now, 0}, {eight.Add(-time.Millisecond), 0}, {eight, 1}, {nine, 2}}
		for _, tt := range tests {
			if ids := due(tt.by); len(ids) != tt.want || len(ids) > 0 && ids[0] != a.ID {
				t.Errorf("due by %s: %v, want %d, soonest first", tt.by.Format("15:04"), ids, tt.want)
			}
		}
		if got, _ := s.SubscriptionByID(ctx, a.ID); !got.NextAt.Equal(eight) {
			t.Errorf("next at %v, want %v", got.NextAt, eight)
		}

		// What may change the next moment sets it to be worked out; what
		// stops a subscription takes it out of the index.
		sched, mode := "0 10 * * *", store.ModeNow
		steps := []struct {
			name string
			do   func() error
			want []int64 // due now
		}{
			{"mode changed", func() error {
				_, err := s.UpdateSubscription(ctx, a.ID, store.SubscriptionUpdate{Mode: &mode})
				return err
			}, nil},
			{"schedule changed", func() error {
				_, err := s.UpdateSubscription(ctx, a.ID, store.SubscriptionUpdate{Schedule: &sched})
				return err
			}, []int64{a.ID}},
			{"paused", func() error { return s.PauseSubscription(ctx, a.ID, true) }, nil},
			{"resumed", func() error { return s.PauseSubscription(ctx, a.ID, false) }, []int64{a.ID}},
			{"zone changed", func() error { return s.SetPrinterTimeZone(ctx, p.ID, "Asia/Tokyo") }, []int64{a.ID, b.ID}},
			{"ended", func() error { return s.EndSubscription(ctx, b.ID, "over") }, []int64{a.ID}},
			{"ended one resumed", func() error { return s.PauseSubscription(ctx, b.ID, false) }, []int64{a.ID}},
		}
		for _, st := range steps {
			if err := st.do(); err != nil {
				t.Fatalf("%s: %v", st.name, err)
			}
			if ids := due(now); fmt.Sprint(ids) != fmt.Sprint(st.want) {
				t.Errorf("%s: due now %v, want %v", st.name, ids, st.want)
			}
		}
		if err := s.PauseSubscription(ctx, a.ID, true); err != nil {
			t.Fatal(err)
		}
		if err := s.SetPrinterTimeZone(ctx, p.ID, "Europe/London"); err != nil {
			t.Fatal(err)
		}
		if ids := due(now); len(ids) != 0 {
			t.Errorf("a zone change made paused or ended subscriptions due: %v", ids)
		}
	})
}

// TestStore_MigrateSchedules: subscriptions and claims made by the schema
// before cron specs keep their times, days and editions.
func TestStore_MigrateSchedules(t *testing.T) {
	for _, kind := range storetest.Kinds {
		t.Run(kind, func(t *testing.T) {
			ctx := t.Context()
			old, err := store.OpenAtVersion(ctx, storetest.DSN(t, kind), 6)
			if err != nil {
				t.Fatal(err)
			}
			defer old.Close()
			exec := func(q string, args ...any) {
				t.Helper()
				if err := old.ExecForTest(ctx, q, args...); err != nil {
					t.Fatal(err)
				}
			}
			exec(`INSERT INTO users (id, email, created_at) VALUES (1, 'old@example.com', 0)`)
			exec(`INSERT INTO printers (id, owner_id, name, hardware_xor, created_at, time_zone) VALUES (1, 1, 'Old', 7, 0, 'Europe/London')`)
			subs := []struct {
				hour, minute, days int
				paused, ended      bool
				want               string
			}{
				{8, 0, 0, false, false, "0 8 * * *"},
				{7, 30, 127, false, false, "30 7 * * *"},
				{6, 5, 62, false, false, "5 6 * * 1-5"},
				{9, 15, 65, true, false, "15 9 * * 0,6"},
				{23, 59, 0b1010101, false, true, "59 23 * * 0,2,4,6"},
				{0, 0, 2, false, false, "0 0 * * 1"},
			}
			for i, x := range subs {
				var ended any
				if x.ended {
					ended = 1000
				}
				exec(`INSERT INTO subscriptions (id, printer_id, publication, config, hour, minute, days, mode, paused, created_at, ended_at)
					VALUES (?, 1, 'news', '{}', ?, ?, ?, 'now', ?, 0, ?)`, i+1, x.hour, x.minute, x.days, x.paused, ended)
			}
			exec(`INSERT INTO edition_claims (subscription_id, local_date, due_at, claimed_at, token, outcome, delivery_id)
				VALUES (3, '2026-12-04', 1, 1, 1, 'delivered', 9)`)
			if err := old.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			for i, x := range subs {
				got, err := old.SubscriptionByID(ctx, int64(i+1))
				if err != nil {
					t.Fatal(err)
				}
				if got.Schedule != x.want || got.Mode != store.ModeNow || got.Paused != x.paused || got.EndedAt.IsZero() == x.ended {
					t.Errorf("%02d:%02d days %#b became %+v, want schedule %q", x.hour, x.minute, x.days, got, x.want)
				}
			}
			// Only the active ones are due (to be worked out).
			due, err := old.DueSubscriptions(ctx, time.Now(), store.Subscription{}, 10)
			if err != nil || len(due) != 4 {
				t.Errorf("due after migration: %d, %v; want the 4 active ones", len(due), err)
			}
			eds, err := old.EditionsBySubscription(ctx, 3, 10)
			if err != nil || len(eds) != 1 || eds[0].LocalMoment != "2026-12-04T06:05" || eds[0].DeliveryID != 9 {
				t.Errorf("claims after migration %+v, %v; want the one of 2026-12-04 at 06:05", eds, err)
			}
		})
	}
}
