package store_test

import (
	"errors"
	"testing"
	"time"

	"paperboy/internal/storetest"
	"paperboy/store"
)

func TestStore_PrintKeys(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		clock := time.UnixMilli(1_700_000_000_000).UTC()
		s.Now = func() time.Time { clock = clock.Add(time.Second); return clock }
		ann, _ := s.CreateUser(ctx, "ann@example.com")
		p, err := s.Claim(ctx, store.Claim{UserID: ann.ID, HardwareXor: 1, Secret: 2})
		if err != nil {
			t.Fatal(err)
		}
		doorbell, err := s.CreatePrintKey(ctx, store.PrintKey{PrinterID: p.ID, Name: "doorbell", CodeHash: "h1", Hint: "ABCD", PerHour: 5, Formats: []string{"text"}})
		if err != nil {
			t.Fatal(err)
		}
		if doorbell.ID == 0 || doorbell.Name != "doorbell" || doorbell.PerHour != 5 || len(doorbell.Formats) != 1 || doorbell.Uses != 0 || !doorbell.LastUsed.IsZero() {
			t.Errorf("created %+v", doorbell)
		}
		if _, err := s.CreatePrintKey(ctx, store.PrintKey{PrinterID: p.ID, Name: "again", CodeHash: "h1", Hint: "ABCD"}); !errors.Is(err, store.ErrConflict) {
			t.Errorf("a code's hash twice: %v, want ErrConflict", err)
		}
		if _, err := s.CreatePrintKey(ctx, store.PrintKey{PrinterID: 99999, Name: "x", CodeHash: "h2", Hint: "x"}); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("no printer: %v, want ErrNotFound", err)
		}
		script, _ := s.CreatePrintKey(ctx, store.PrintKey{PrinterID: p.ID, Name: "script", CodeHash: "h3", Hint: "EFGH"})

		// Senders: newest first, each once, at most five.
		for _, who := range []string{"alice", "bob", "alice", "carol", "dan", "erin", "fay"} {
			if err := s.PrintKeyUsed(ctx, doorbell.ID, who); err != nil {
				t.Fatal(err)
			}
		}
		k, err := s.PrintKeyByHash(ctx, "h1")
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, ks := range k.RecentSenders {
			names = append(names, ks.Name)
		}
		if k.Uses != 7 || k.LastUsed.IsZero() || len(names) != 5 || names[0] != "fay" || names[4] != "alice" {
			t.Errorf("after 7 prints: uses %d, last %v, senders %v", k.Uses, k.LastUsed, names)
		}
		keys, err := s.PrintKeysByPrinter(ctx, p.ID)
		if err != nil || len(keys) != 2 || keys[0].ID != doorbell.ID || keys[1].ID != script.ID {
			t.Fatalf("PrintKeysByPrinter %+v, %v", keys, err)
		}
		revokes := []struct {
			name    string
			printer int64
			id      int64
			wantErr error
		}{
			{"another printer's", 99999, doorbell.ID, store.ErrNotFound},
			{"the doorbell's", p.ID, doorbell.ID, nil},
			{"again", p.ID, doorbell.ID, store.ErrNotFound},
		}
		for _, tt := range revokes {
			if err := s.DeletePrintKey(ctx, tt.printer, tt.id); !errors.Is(err, tt.wantErr) {
				t.Errorf("%s: %v, want %v", tt.name, err, tt.wantErr)
			}
		}
		if _, err := s.PrintKeyByHash(ctx, "h1"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("a revoked key is still found: %v", err)
		}
		if err := s.PrintKeyUsed(ctx, doorbell.ID, "late"); err != nil {
			t.Errorf("a use of a key revoked meanwhile: %v", err)
		}
	})
}
