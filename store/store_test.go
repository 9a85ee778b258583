package store_test

import (
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"paperboy/internal/storetest"
	"paperboy/store"
)

func TestOpen_MigratesAndReopens(t *testing.T) {
	for _, kind := range storetest.Kinds {
		t.Run(kind, func(t *testing.T) {
			dsn := storetest.DSN(t, kind)
			ctx := t.Context()
			s, err := store.Open(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.CreateUser(ctx, "a@example.com"); err != nil {
				t.Fatal(err)
			}
			s.Close()
			// Opening again applies nothing and keeps the data.
			s, err = store.Open(ctx, dsn)
			if err != nil {
				t.Fatalf("reopen: %v", err)
			}
			defer s.Close()
			if _, err := s.UserByEmail(ctx, "a@example.com"); err != nil {
				t.Fatalf("after reopen: %v", err)
			}
		})
	}
}

func TestOpen_RefusesNewerSchema(t *testing.T) {
	for _, kind := range storetest.Kinds {
		t.Run(kind, func(t *testing.T) {
			dsn := storetest.DSN(t, kind)
			s, err := store.Open(t.Context(), dsn)
			if err != nil {
				t.Fatal(err)
			}
			if err := s.ExecForTest(t.Context(), `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, 'from the future', 0)`,
				store.SchemaVersion()+1); err != nil {
				t.Fatal(err)
			}
			s.Close()
			_, err = store.Open(t.Context(), dsn)
			if err == nil || !strings.Contains(err.Error(), "newer") {
				t.Fatalf("Open err=%v, want a refusal of the newer schema", err)
			}
		})
	}
}

func TestOpen_BadDSN(t *testing.T) {
	tests := []string{
		"postgres://x@localhost/db",
		"mysql://not a dsn",
		"mysql://user:pass@tcp(127.0.0.1:1)/",
	}
	for _, dsn := range tests {
		t.Run(dsn, func(t *testing.T) {
			if _, err := store.Open(t.Context(), dsn); err == nil {
				t.Fatal("Open succeeded")
			}
		})
	}
	// A SQLite path gets its folder made.
	dir := filepath.Join(t.TempDir(), "a", "b")
	s, err := store.Open(t.Context(), filepath.Join(dir, "p.db"))
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
}

func TestStore_Users(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		u, err := s.CreateUser(ctx, "ann@example.com")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreateUser(ctx, "ann@example.com"); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("second CreateUser err=%v, want ErrConflict", err)
		}
		if err := s.CreateToken(ctx, u.ID, "hash1", "cli"); err != nil {
			t.Fatal(err)
		}
		got, err := s.UserByTokenHash(ctx, "hash1")
		if err != nil || got.ID != u.ID {
			t.Fatalf("UserByTokenHash=%+v, %v", got, err)
		}
		if _, err := s.UserByTokenHash(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("unknown token err=%v, want ErrNotFound", err)
		}
	})
}

func TestStore_ReserveCommandIDs(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		// Concurrent reservations never overlap and never include 0.
		var mu sync.Mutex
		seen := map[uint32]bool{}
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				for range 10 {
					first, err := s.ReserveCommandIDs(ctx, 5)
					if err != nil {
						t.Error(err)
						return
					}
					mu.Lock()
					for id := first; id < first+5; id++ {
						if id == 0 || seen[id] {
							t.Errorf("id %d handed out twice or zero", id)
						}
						seen[id] = true
					}
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if len(seen) != 400 {
			t.Errorf("%d ids, want 400", len(seen))
		}
	})
}
