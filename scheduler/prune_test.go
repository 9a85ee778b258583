package scheduler_test

import (
	"testing"
	"time"

	"paperboy/internal/storetest"
	"paperboy/scheduler"
	"paperboy/store"
)

// TestScheduler_PruneEditions: the claims of editions done and due longer
// than Keep ago go; a pending one stays, however old, and so do recent
// ones.
func TestScheduler_PruneEditions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
		f := newFixture(t, st, now)
		sub := f.subscribe(t, store.NewSubscription{PrinterID: f.printer(t, "UTC").ID, Schedule: "0 8 * * *"})
		ctx := t.Context()
		tests := []struct {
			name    string
			due     time.Duration // before now
			outcome string        // store.OutcomePending: left pending
			kept    bool
		}{
			{"nothing that day, 100 days ago", 100 * 24 * time.Hour, store.OutcomeNothingToday, false},
			{"pending, 40 days ago", 40 * 24 * time.Hour, store.OutcomePending, true},
			{"failed, 31 days ago", 31 * 24 * time.Hour, store.OutcomeFailed, false},
			{"nothing that day, 29 days ago", 29 * 24 * time.Hour, store.OutcomeNothingToday, true},
			{"failed, yesterday", 24 * time.Hour, store.OutcomeFailed, true},
		}
		dates := map[string]bool{}
		for _, tt := range tests { // oldest first: claims never go back in date
			due := now.Add(-tt.due)
			ed, ok, err := st.ClaimEdition(ctx, sub.ID, due.Format(store.LocalMomentLayout), due, due.Add(-time.Hour))
			if err != nil || !ok {
				t.Fatalf("%s: claim: %v, %v", tt.name, ok, err)
			}
			if tt.outcome != store.OutcomePending {
				if err := st.FinishEdition(ctx, ed, store.EditionResult{Outcome: tt.outcome, Reason: "a test"}); err != nil {
					t.Fatal(err)
				}
			}
			if tt.kept {
				dates[ed.LocalMoment] = true
			}
		}
		s := f.scheduler(scheduler.Config{Keep: 30 * 24 * time.Hour})
		if n, err := s.PruneEditions(ctx); err != nil || n != 2 {
			t.Fatalf("PruneEditions=%d, %v; want the 2 done over 30 days ago", n, err)
		}
		eds, err := st.EditionsBySubscription(ctx, sub.ID, 100)
		if err != nil {
			t.Fatal(err)
		}
		for _, ed := range eds {
			if !dates[ed.LocalMoment] {
				t.Errorf("the claim of %s (%s) is left", ed.LocalMoment, ed.Outcome)
			}
			delete(dates, ed.LocalMoment)
		}
		for d := range dates {
			t.Errorf("the claim of %s was pruned", d)
		}
	})
}
