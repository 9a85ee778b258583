package scheduler_test

import (
	"testing"

	"paperboy/internal/storetest"
	"paperboy/scheduler"
	"paperboy/store"
)

// TestScheduler_CheckZones: where the zone rules the due index was worked
// out with differ from the zone database's, that zone's subscriptions are
// worked out again; others are left alone.
func TestScheduler_CheckZones(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := t.Context()
		f := newFixture(t, st, at(t, "UTC", "2026-12-01 06:00:00"))
		london, tokyo := f.printer(t, "Europe/London"), f.printer(t, "Asia/Tokyo")
		a := f.subscribe(t, store.NewSubscription{PrinterID: london.ID, Schedule: "0 8 * * *"})
		b := f.subscribe(t, store.NewSubscription{PrinterID: tokyo.ID, Schedule: "0 8 * * *"})
		s := f.scheduler(scheduler.Config{Lead: scheduler.NoLead})
		if n, err := s.CheckZones(ctx); err != nil || n != 0 {
			t.Fatalf("first check: %d, %v; want the rules recorded, nothing worked out again", n, err)
		}
		f.tickAt(t, s, at(t, "UTC", "2026-12-01 06:00:01")) // both worked out: due tomorrow or later today
		for _, id := range []int64{a.ID, b.ID} {
			if sub, _ := st.SubscriptionByID(ctx, id); sub.NextAt.IsZero() {
				t.Fatalf("subscription %d not worked out", id)
			}
		}
		if n, err := s.CheckZones(ctx); err != nil || n != 0 {
			t.Fatalf("nothing changed: %d, %v", n, err)
		}
		// London's rules "were" otherwise when its moments were worked out.
		if _, err := st.SetZoneRules(ctx, store.ZoneRules{Zone: "Europe/London", Year: 2026, Fingerprint: "old rules"}, false); err != nil {
			t.Fatal(err)
		}
		if n, err := s.CheckZones(ctx); err != nil || n != 1 {
			t.Fatalf("London's rules changed: %d, %v; want its one subscription worked out again", n, err)
		}
		if sub, _ := st.SubscriptionByID(ctx, a.ID); !sub.NextAt.IsZero() {
			t.Errorf("London's subscription still at %v", sub.NextAt)
		}
		if sub, _ := st.SubscriptionByID(ctx, b.ID); sub.NextAt.IsZero() {
			t.Error("Tokyo's subscription worked out again")
		}
		// A new year: the fingerprint moves on, and nothing is worked out.
		f.clock.Set(at(t, "UTC", "2027-01-02 00:00:00"))
		if n, err := s.CheckZones(ctx); err != nil || n != 0 {
			t.Fatalf("a new year: %d, %v", n, err)
		}
		if r, err := st.ZoneRulesOf(ctx, "Asia/Tokyo"); err != nil || r.Year != 2027 {
			t.Errorf("Tokyo's rules %+v, %v; want them for 2027", r, err)
		}
	})
}
