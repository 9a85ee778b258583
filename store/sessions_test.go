package store_test

import (
	"errors"
	"testing"
	"time"

	"paperboy/internal/storetest"
	"paperboy/store"
)

func TestStore_Passwords(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		u, err := s.CreateUserWithPassword(ctx, "ann@example.com", "$2a$10$hash")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreateUserWithPassword(ctx, "ann@example.com", "x"); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("the same email again: err=%v, want ErrConflict", err)
		}
		cli, err := s.CreateUser(ctx, "cli@example.com")
		if err != nil {
			t.Fatal(err)
		}
		tests := []struct {
			email    string
			wantID   int64
			wantHash string
			wantErr  error
		}{
			{"ann@example.com", u.ID, "$2a$10$hash", nil},
			{"cli@example.com", cli.ID, "", nil}, // made by "paperboy user add": no password
			{"nobody@example.com", 0, "", store.ErrNotFound},
		}
		for _, tt := range tests {
			got, hash, err := s.UserPassword(ctx, tt.email)
			if !errors.Is(err, tt.wantErr) || got.ID != tt.wantID || hash != tt.wantHash {
				t.Errorf("UserPassword(%s)=%+v, %q, %v; want id %d, %q, %v", tt.email, got, hash, err, tt.wantID, tt.wantHash, tt.wantErr)
			}
		}
		if err := s.SetPassword(ctx, cli.ID, "new"); err != nil {
			t.Fatal(err)
		}
		if _, hash, _ := s.UserPassword(ctx, "cli@example.com"); hash != "new" {
			t.Errorf("after SetPassword the hash is %q", hash)
		}
		if err := s.SetPassword(ctx, 99999, "new"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("SetPassword of no user: err=%v, want ErrNotFound", err)
		}
	})
}

func TestStore_Sessions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		u, _ := s.CreateUserWithPassword(ctx, "ann@example.com", "h")
		now := time.Now()
		ss, err := s.CreateSession(ctx, "id1", u.ID, now.Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreateSession(ctx, "id1", u.ID, now.Add(time.Hour)); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("the same id again: err=%v, want ErrConflict", err)
		}
		if _, err := s.CreateSession(ctx, "id2", 99999, now.Add(time.Hour)); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("a session of no user: err=%v, want ErrNotFound", err)
		}
		got, gu, err := s.SessionByID(ctx, "id1")
		if err != nil || got.UserID != u.ID || gu.Email != "ann@example.com" || gu.ID != u.ID || !got.ExpiresAt.Equal(ss.ExpiresAt) {
			t.Fatalf("SessionByID=%+v, %+v, %v", got, gu, err)
		}
		if _, err := s.CreateSession(ctx, "old", u.ID, now.Add(-time.Minute)); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.SessionByID(ctx, "old"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("an expired session: err=%v, want ErrNotFound", err)
		}
		later := now.Add(48 * time.Hour).Truncate(time.Millisecond)
		if err := s.TouchSession(ctx, "id1", later); err != nil {
			t.Fatal(err)
		}
		if got, _, _ := s.SessionByID(ctx, "id1"); !got.ExpiresAt.Equal(later) {
			t.Errorf("after TouchSession it expires at %v, want %v", got.ExpiresAt, later)
		}
		if err := s.TouchSession(ctx, "nope", later); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("TouchSession of no session: err=%v, want ErrNotFound", err)
		}
		if n, err := s.PruneSessions(ctx, now); err != nil || n != 1 {
			t.Errorf("PruneSessions=%d, %v; want the expired one", n, err)
		}
		if err := s.DeleteSession(ctx, "id1"); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteSession(ctx, "id1"); err != nil {
			t.Errorf("deleting it again: %v", err)
		}
		if _, _, err := s.SessionByID(ctx, "id1"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("a deleted session: err=%v, want ErrNotFound", err)
		}
	})
}

func TestStore_DeleteDelivery(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		u, _ := s.CreateUser(ctx, "d@example.com")
		p, _ := s.Claim(ctx, store.Claim{UserID: u.ID, HardwareXor: 1, Secret: 2})
		other, _ := s.Claim(ctx, store.Claim{UserID: u.ID, HardwareXor: 3, Secret: 4})
		pending, _ := s.CreateDelivery(ctx, store.NewDelivery{PrinterID: p.ID, Kind: "message", Command: 1, Payload: []byte{1}})
		sent, _ := s.CreateDelivery(ctx, store.NewDelivery{PrinterID: p.ID, Kind: "message", Command: 1, Payload: []byte{2}})
		if err := s.MarkSent(ctx, sent.ID, 5); err != nil {
			t.Fatal(err)
		}
		printed, _ := s.CreateDelivery(ctx, store.NewDelivery{PrinterID: p.ID, Kind: "message", Command: 1, Payload: []byte{3}})
		s.MarkSent(ctx, printed.ID, 6)
		if err := s.MarkPrinted(ctx, p.ID, 6); err != nil {
			t.Fatal(err)
		}
		failed, _ := s.CreateFailedDelivery(ctx, p.ID, "edition", "not printed: it broke")
		tests := []struct {
			name      string
			printerID int64
			id        int64
			want      error
		}{
			{"pending", p.ID, pending.ID, store.ErrUnfinished},
			{"sent", p.ID, sent.ID, store.ErrUnfinished},
			{"another printer's", other.ID, printed.ID, store.ErrNotFound},
			{"printed", p.ID, printed.ID, nil},
			{"printed, again", p.ID, printed.ID, store.ErrNotFound},
			{"failed", p.ID, failed.ID, nil},
			{"none", p.ID, 99999, store.ErrNotFound},
		}
		for _, tt := range tests {
			if err := s.DeleteDelivery(ctx, tt.printerID, tt.id); !errors.Is(err, tt.want) || (err == nil) != (tt.want == nil) {
				t.Errorf("%s: err=%v, want %v", tt.name, err, tt.want)
			}
		}
		ds, _ := s.DeliveriesByPrinter(ctx, p.ID, 0, 10)
		if len(ds) != 2 || ds[0].ID != sent.ID || ds[1].ID != pending.ID {
			t.Errorf("left %+v, want the sent and the pending one", ds)
		}
	})
}
