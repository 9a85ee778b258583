package store_test

import (
	"errors"
	"testing"
	"time"

	"paperboy/internal/storetest"
	"paperboy/store"
)

func TestStore_Tokens(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		clock := time.UnixMilli(1_700_000_000_000).UTC()
		s.Now = func() time.Time { clock = clock.Add(time.Second); return clock }
		ann, _ := s.CreateUser(ctx, "ann@example.com")
		bob, _ := s.CreateUser(ctx, "bob@example.com")
		for _, name := range []string{"laptop", "script"} {
			if err := s.CreateToken(ctx, ann.ID, "ann-"+name, name); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.CreateToken(ctx, bob.ID, "bob-cli", "cli"); err != nil {
			t.Fatal(err)
		}
		if got, err := s.TokensByUser(ctx, 99999); err != nil || len(got) != 0 {
			t.Fatalf("TokensByUser(no user)=%+v, %v; want none", got, err)
		}
		got, err := s.TokensByUser(ctx, ann.ID)
		if err != nil || len(got) != 2 {
			t.Fatalf("TokensByUser(ann)=%+v, %v; want 2", got, err)
		}
		if got[0].Name != "script" || got[1].Name != "laptop" || got[0].UserID != ann.ID {
			t.Errorf("tokens %+v: want newest first, ann's", got)
		}
		if want := clock.Add(-time.Second); !got[0].CreatedAt.Equal(want) {
			t.Errorf("CreatedAt=%v, want %v", got[0].CreatedAt, want)
		}
		bobs, _ := s.TokensByUser(ctx, bob.ID)
		tests := []struct {
			name    string
			user    int64
			id      int64
			wantErr error
		}{
			{"another user's token", bob.ID, got[0].ID, store.ErrNotFound},
			{"no such token", ann.ID, 99999, store.ErrNotFound},
			{"one's own", ann.ID, got[0].ID, nil},
			{"one's own again", ann.ID, got[0].ID, store.ErrNotFound},
			{"bob's own", bob.ID, bobs[0].ID, nil},
		}
		for _, tt := range tests {
			if err := s.DeleteToken(ctx, tt.user, tt.id); !errors.Is(err, tt.wantErr) {
				t.Errorf("%s: DeleteToken err=%v, want %v", tt.name, err, tt.wantErr)
			}
		}
		if _, err := s.UserByTokenHash(ctx, "ann-script"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("a revoked token still finds its user: %v", err)
		}
		if u, err := s.UserByTokenHash(ctx, "ann-laptop"); err != nil || u.ID != ann.ID {
			t.Errorf("the other token: %+v, %v", u, err)
		}
		if left, _ := s.TokensByUser(ctx, ann.ID); len(left) != 1 || left[0].Name != "laptop" {
			t.Errorf("left %+v, want laptop", left)
		}
	})
}
