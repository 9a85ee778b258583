package store_test

import (
	"errors"
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
			Config: map[string]string{"feeds": "https://example.com/rss", "title": "Morning ☕"}, Hour: 8, Minute: 30, Days: 0b0111110})
		if err != nil {
			t.Fatal(err)
		}
		if a.Mode != store.ModeButton || a.Config["title"] != "Morning ☕" || a.TimeZone != "Europe/London" || a.Paused || a.DeliveryCount != 0 ||
			a.CreatedAt.IsZero() || !a.EndedAt.IsZero() {
			t.Fatalf("created %+v", a)
		}
		b, err := s.CreateSubscription(ctx, store.NewSubscription{PrinterID: p.ID, Publication: "weather", Hour: 7, Mode: store.ModeNow})
		if err != nil {
			t.Fatal(err)
		}
		if b.Config == nil || len(b.Config) != 0 {
			t.Errorf("no config reads back as %v, want an empty map", b.Config)
		}
		got, err := s.SubscriptionByID(ctx, a.ID)
		if err != nil || got.Hour != 8 || got.Minute != 30 || got.Days != 0b0111110 || got.Publication != "news" || got.Config["feeds"] == "" {
			t.Fatalf("SubscriptionByID=%+v, %v", got, err)
		}
		if _, err := s.SubscriptionByID(ctx, b.ID+100); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("unknown subscription err=%v, want ErrNotFound", err)
		}

		// Bad input is refused, naming what is wrong.
		bad := []store.NewSubscription{
			{PrinterID: p.ID, Publication: "news", Hour: 24},
			{PrinterID: p.ID, Publication: "news", Minute: -1},
			{PrinterID: p.ID, Publication: "news", Days: 0x80},
			{PrinterID: p.ID, Publication: "news", Mode: "later"},
			{PrinterID: p.ID},
		}
		for _, n := range bad {
			if _, err := s.CreateSubscription(ctx, n); err == nil {
				t.Errorf("%+v accepted", n)
			}
		}
		if _, err := s.CreateSubscription(ctx, store.NewSubscription{PrinterID: p.ID + 100, Publication: "news"}); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("unknown printer err=%v, want ErrNotFound", err)
		}

		// Update changes what it names and nothing else.
		nine, now := 9, store.ModeNow
		up, err := s.UpdateSubscription(ctx, a.ID, store.SubscriptionUpdate{Hour: &nine, Mode: &now, Config: map[string]string{"feeds": "x"}})
		if err != nil {
			t.Fatal(err)
		}
		if up.Hour != 9 || up.Minute != 30 || up.Mode != store.ModeNow || up.Days != 0b0111110 || up.Config["feeds"] != "x" || up.Config["title"] != "" {
			t.Fatalf("updated %+v", up)
		}
		if got, _ := s.SubscriptionByID(ctx, a.ID); got.Hour != 9 || got.Mode != store.ModeNow {
			t.Fatalf("read back after update %+v", got)
		}
		late := 61
		if _, err := s.UpdateSubscription(ctx, a.ID, store.SubscriptionUpdate{Minute: &late}); err == nil {
			t.Error("minute 61 accepted")
		}
		if _, err := s.UpdateSubscription(ctx, b.ID+100, store.SubscriptionUpdate{Hour: &nine}); !errors.Is(err, store.ErrNotFound) {
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
		sub, _ := s.CreateSubscription(ctx, store.NewSubscription{PrinterID: p.ID, Publication: "news", Hour: 8})
		due := time.Date(2026, 3, 29, 8, 0, 0, 0, time.UTC)

		e, ok, err := s.ClaimEdition(ctx, sub.ID, "2026-03-29", due, time.Time{})
		if err != nil || !ok {
			t.Fatalf("first claim ok=%v, %v", ok, err)
		}
		if in, ok, err := s.ClaimEdition(ctx, sub.ID, "2026-03-29", due, time.Time{}); err != nil || ok || in.Outcome != store.OutcomePending || in.LocalDate != "2026-03-29" {
			t.Fatalf("second claim ok=%v, %v, in the way %+v; want refused without error, by the pending claim", ok, err, in)
		}
		// Pending for long, but no take-over asked for; then asked for, but not stale yet.
		clock = clock.Add(time.Hour)
		if _, ok, _ := s.ClaimEdition(ctx, sub.ID, "2026-03-29", due, clock.Add(-2*time.Hour)); ok {
			t.Fatal("taken over a claim younger than the stale time")
		}
		// Stale: taken over, and the old holder can no longer finish it.
		e2, ok, err := s.ClaimEdition(ctx, sub.ID, "2026-03-29", due, clock.Add(-30*time.Minute))
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
		if in, ok, _ := s.ClaimEdition(ctx, sub.ID, "2026-03-29", due, clock.Add(time.Hour)); ok || in.Outcome != store.OutcomeDelivered {
			t.Fatalf("a delivered edition taken over (ok=%v, in the way %+v)", ok, in)
		}
		if got, _ := s.SubscriptionByID(ctx, sub.ID); got.DeliveryCount != 1 {
			t.Errorf("delivery count %d, want 1", got.DeliveryCount)
		}

		// Released claims can be made again.
		e3, ok, _ := s.ClaimEdition(ctx, sub.ID, "2026-03-30", due.Add(24*time.Hour), time.Time{})
		if !ok {
			t.Fatal("next day not claimed")
		}
		if err := s.ReleaseEdition(ctx, e3); err != nil {
			t.Fatal(err)
		}
		e3, ok, _ = s.ClaimEdition(ctx, sub.ID, "2026-03-30", due.Add(24*time.Hour), time.Time{})
		if !ok {
			t.Fatal("released claim not claimable")
		}
		if err := s.FinishEdition(ctx, e3, store.EditionResult{Outcome: store.OutcomeFinished, Reason: "the last puzzle"}); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.SubscriptionByID(ctx, sub.ID); got.EndedAt.IsZero() || got.EndReason != "the last puzzle" || got.DeliveryCount != 1 {
			t.Errorf("after finished: %+v", got)
		}
		// An earlier date than one made is refused (the zone moved west).
		if in, ok, err := s.ClaimEdition(ctx, sub.ID, "2026-03-28", due.Add(-24*time.Hour), time.Time{}); ok || err != nil || in.LocalDate != "2026-03-30" {
			t.Fatalf("earlier date ok=%v, %v; want refused", ok, err)
		}
		list, err := s.EditionsBySubscription(ctx, sub.ID, 10)
		if err != nil || len(list) != 2 {
			t.Fatalf("editions %+v, %v", list, err)
		}
		if list[0].LocalDate != "2026-03-30" || list[0].Outcome != store.OutcomeFinished || list[0].DoneAt.IsZero() ||
			list[1].Outcome != store.OutcomeDelivered || list[1].DeliveryID != 5 || !list[1].DueAt.Equal(due) {
			t.Errorf("editions %+v", list)
		}

		// Bad input.
		if _, _, err := s.ClaimEdition(ctx, sub.ID, "29/03/2026", due, time.Time{}); err == nil {
			t.Error("a bad date accepted")
		}
		if _, _, err := s.ClaimEdition(ctx, sub.ID+100, "2026-03-29", due, time.Time{}); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("unknown subscription err=%v, want ErrNotFound", err)
		}
		if err := s.FinishEdition(ctx, e3, store.EditionResult{Outcome: "maybe"}); err == nil {
			t.Error("unknown outcome accepted")
		}
		// A long reason is clipped to fit, not refused.
		e4, _, _ := s.ClaimEdition(ctx, sub.ID, "2026-03-31", due.Add(48*time.Hour), time.Time{})
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
			sub, err := s.CreateSubscription(ctx, store.NewSubscription{PrinterID: p.ID, Publication: "news", Hour: 8})
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
					_, ok, err := s.ClaimEdition(ctx, id, "2026-12-01", time.Now(), time.Time{})
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
		sub, err := s.CreateSubscription(ctx, store.NewSubscription{PrinterID: p.ID, Publication: "hello", Hour: 8})
		if err != nil {
			t.Fatal(err)
		}
		due := time.Now().Add(time.Minute)
		ed, ok, err := s.ClaimEdition(ctx, sub.ID, "2026-12-01", due, time.Now().Add(-time.Hour))
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
		sub, _ := s.CreateSubscription(ctx, store.NewSubscription{PrinterID: p.ID, Publication: "hello", Hour: 8})
		old := time.Now().Add(-100 * 24 * time.Hour)
		done, _, err := s.ClaimEdition(ctx, sub.ID, old.Format(time.DateOnly), old, old.Add(-time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if err := s.FinishEdition(ctx, done, store.EditionResult{Outcome: store.OutcomeNothingToday}); err != nil {
			t.Fatal(err)
		}
		today := time.Now()
		if _, _, err := s.ClaimEdition(ctx, sub.ID, today.Format(time.DateOnly), today, today.Add(-time.Hour)); err != nil {
			t.Fatal(err)
		}
		n, err := s.PruneEditions(ctx, time.Now().Add(-90*24*time.Hour))
		if err != nil || n != 1 {
			t.Fatalf("pruned %d, %v; want the one old done edition", n, err)
		}
		if eds, _ := s.EditionsBySubscription(ctx, sub.ID, 10); len(eds) != 1 || eds[0].LocalDate != today.Format(time.DateOnly) {
			t.Fatalf("left %+v, want today's", eds)
		}
	})
}
