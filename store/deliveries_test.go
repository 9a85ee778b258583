package store_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"paperboy/internal/storetest"
	"paperboy/store"
)

func TestStore_Deliveries(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		u, _ := s.CreateUser(ctx, "d@example.com")
		p, err := s.Claim(ctx, store.Claim{UserID: u.ID, HardwareXor: 1, Secret: 2})
		if err != nil {
			t.Fatal(err)
		}
		var ids []int64
		for i := range 3 {
			d, err := s.CreateDelivery(ctx, store.NewDelivery{PrinterID: p.ID, Kind: "message", Command: 1, Payload: []byte{byte(i), 0xFF}})
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, d.ID)
		}
		next, err := s.NextDelivery(ctx, p.ID, time.Now())
		if err != nil || next.ID != ids[0] || string(next.Payload) != "\x00\xff" {
			t.Fatalf("NextDelivery=%+v, %v; want the oldest with its payload", next, err)
		}
		if err := s.MarkSent(ctx, next.ID, 77); err != nil {
			t.Fatal(err)
		}
		if err := s.MarkSent(ctx, next.ID, 78); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("MarkSent twice err=%v, want ErrNotFound", err)
		}
		if next, _ = s.NextDelivery(ctx, p.ID, time.Now()); next.ID != ids[1] {
			t.Fatalf("after one sent, next is %d, want %d", next.ID, ids[1])
		}
		if err := s.MarkAnswered(ctx, 77, 0); err != nil {
			t.Fatal(err)
		}
		if err := s.MarkPrinted(ctx, p.ID, 77); err != nil {
			t.Fatal(err)
		}
		if err := s.MarkPrinted(ctx, p.ID, 77); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("MarkPrinted twice err=%v, want ErrNotFound", err)
		}
		if err := s.MarkPrinted(ctx, p.ID, 12345); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("MarkPrinted of an unknown id err=%v, want ErrNotFound", err)
		}
		// Requeue with a back-off: not sent before its time.
		if err := s.MarkSent(ctx, ids[1], 79); err != nil {
			t.Fatal(err)
		}
		later := time.Now().Add(time.Hour)
		if err := s.Requeue(ctx, ids[1], later, 0x30, "busy"); err != nil {
			t.Fatal(err)
		}
		if next, _ = s.NextDelivery(ctx, p.ID, time.Now()); next.ID != ids[2] {
			t.Fatalf("next is %d, want %d while %d waits", next.ID, ids[2], ids[1])
		}
		if next, _ = s.NextDelivery(ctx, p.ID, later); next.ID != ids[1] {
			t.Fatalf("later, next is %d, want %d", next.ID, ids[1])
		}
		if err := s.MarkFailed(ctx, ids[2], 0x80, "invalid size"); err != nil {
			t.Fatal(err)
		}
		list, err := s.DeliveriesByPrinter(ctx, p.ID, 0, 10)
		if err != nil {
			t.Fatal(err)
		}
		want := []struct {
			id    int64
			state store.State
		}{{ids[2], store.StateFailed}, {ids[1], store.StatePending}, {ids[0], store.StatePrinted}}
		if len(list) != len(want) {
			t.Fatalf("%d deliveries, want %d", len(list), len(want))
		}
		for i, w := range want {
			if list[i].ID != w.id || list[i].State != w.state || list[i].Payload != nil {
				t.Errorf("delivery %d = %d %s, want %d %s without payload", i, list[i].ID, list[i].State, w.id, w.state)
			}
		}
		if list[0].Reason != "invalid size" || list[0].ReturnCode != 0x80 || list[2].PrintedAt.IsZero() || list[2].Attempts != 1 {
			t.Errorf("details: %+v / %+v", list[0], list[2])
		}
	})
}

func TestStore_PrintedBeforeAnswered(t *testing.T) {
	// The did-print event can be handled before the answer: both stick.
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		u, _ := s.CreateUser(ctx, "e@example.com")
		p, _ := s.Claim(ctx, store.Claim{UserID: u.ID, HardwareXor: 1, Secret: 2})
		d, _ := s.CreateDelivery(ctx, store.NewDelivery{PrinterID: p.ID, Kind: "message", Command: 1, Payload: []byte{1}})
		if err := s.MarkSent(ctx, d.ID, 5); err != nil {
			t.Fatal(err)
		}
		if err := s.MarkPrinted(ctx, p.ID, 5); err != nil {
			t.Fatal(err)
		}
		if err := s.MarkAnswered(ctx, 5, 0); err != nil {
			t.Fatalf("MarkAnswered after MarkPrinted: %v", err)
		}
		got, _ := s.DeliveryByID(ctx, d.ID)
		if got.State != store.StatePrinted || got.ReturnCode != 0 || got.AnsweredAt.IsZero() {
			t.Errorf("delivery %+v", got)
		}
	})
}

func TestStore_CreateDeliveries(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		u, _ := s.CreateUser(ctx, "b@example.com")
		p, _ := s.Claim(ctx, store.Claim{UserID: u.ID, HardwareXor: 1, Secret: 2})
		// More rows than one statement takes, with payloads that tell them apart.
		ns := make([]store.NewDelivery, 1203)
		for i := range ns {
			ns[i] = store.NewDelivery{PrinterID: p.ID, Kind: "edition", Command: 2, Payload: []byte{byte(i), byte(i >> 8)}}
		}
		ids, err := s.CreateDeliveries(ctx, ns)
		if err != nil {
			t.Fatal(err)
		}
		if len(ids) != len(ns) {
			t.Fatalf("%d ids for %d deliveries", len(ids), len(ns))
		}
		for _, i := range []int{0, 1, 499, 500, 501, 1202} {
			d, err := s.DeliveryByID(ctx, ids[i])
			if err != nil {
				t.Fatal(err)
			}
			if d.Payload[0] != byte(i) || d.Payload[1] != byte(i>>8) || d.State != store.StatePending {
				t.Fatalf("id %d (number %d) holds delivery %d", ids[i], i, int(d.Payload[0])|int(d.Payload[1])<<8)
			}
		}
	})
}

func TestStore_ExpireAndPrune(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		clock := time.Now()
		s.Now = func() time.Time { return clock }
		u, _ := s.CreateUser(ctx, "j@example.com")
		p, _ := s.Claim(ctx, store.Claim{UserID: u.ID, HardwareXor: 1, Secret: 2})
		mk := func(expires time.Time) int64 {
			d, err := s.CreateDelivery(ctx, store.NewDelivery{PrinterID: p.ID, Kind: "m", Command: 1, Payload: []byte{1}, ExpiresAt: expires})
			if err != nil {
				t.Fatal(err)
			}
			return d.ID
		}
		stale, fresh, never := mk(clock.Add(time.Hour)), mk(clock.Add(3*time.Hour)), mk(time.Time{})
		printed := mk(time.Time{})
		s.MarkSent(ctx, printed, 1)
		s.MarkPrinted(ctx, p.ID, 1)
		if n, err := s.ExpireDue(ctx, clock.Add(2*time.Hour)); err != nil || n != 1 {
			t.Fatalf("ExpireDue=%d, %v; want 1", n, err)
		}
		for id, want := range map[int64]store.State{stale: store.StateExpired, fresh: store.StatePending, never: store.StatePending, printed: store.StatePrinted} {
			if d, _ := s.DeliveryByID(ctx, id); d.State != want || (want == store.StateExpired && d.Reason == "") {
				t.Errorf("delivery %d is %s (%q), want %s", id, d.State, d.Reason, want)
			}
		}
		// Pruning takes the finished ones made before the time, not the open ones.
		if n, err := s.PruneDeliveries(ctx, clock.Add(time.Minute)); err != nil || n != 2 {
			t.Fatalf("PruneDeliveries=%d, %v; want 2 (expired and printed)", n, err)
		}
		if list, _ := s.DeliveriesByPrinter(ctx, p.ID, 0, 10); len(list) != 2 {
			t.Errorf("%d deliveries left, want the 2 pending", len(list))
		}
	})
}

func TestStore_CreateFailedDelivery(t *testing.T) {
	// An edition that could not be made is in the history with its reason,
	// and is never sent.
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		u, _ := s.CreateUser(ctx, "f@example.com")
		p, _ := s.Claim(ctx, store.Claim{UserID: u.ID, HardwareXor: 1, Secret: 2})
		d, err := s.CreateFailedDelivery(ctx, p.ID, "edition", "not printed: weather: the weather service cannot be reached")
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.DeliveryByID(ctx, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.State != store.StateFailed || got.Kind != "edition" || !strings.Contains(got.Reason, "cannot be reached") || got.Attempts != 0 {
			t.Fatalf("delivery %+v", got)
		}
		if next, err := s.NextDelivery(ctx, p.ID, time.Now()); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("NextDelivery = %+v, %v; want nothing to send", next, err)
		}
	})
}
