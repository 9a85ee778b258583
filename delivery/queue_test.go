package delivery_test

import (
	"errors"
	"log/slog"
	"testing"
	"time"

	"paperboy/codec"
	"paperboy/delivery"
	"paperboy/internal/storetest"
	"paperboy/store"
)

func TestQueue_OrderAndCatchUp(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newFixture(t, s, fast)
		// Queued while offline, sent in order once online.
		var ids []int64
		for n := range 5 {
			ids = append(ids, f.enqueue(t, n, codec.SetDeliveryAndPrint))
		}
		f.bridge.nothing(t, 150*time.Millisecond)
		f.online()
		for n := range 5 {
			c := f.bridge.next(t)
			if got := which(t, c); got != n {
				t.Fatalf("command %d carries print %d, want %d", c.ID, got, n)
			}
			f.bridge.nothing(t, 30*time.Millisecond) // one at a time: the next waits for this answer
			f.answer(t, c, codec.ReturnSuccess)
			f.printed(t, c)
			f.state(t, ids[n], store.StatePrinted)
		}
		// Offline again: new work waits, and goes once it is back.
		f.queue.Offline(f.printer)
		id := f.enqueue(t, 9, codec.SetDelivery)
		f.bridge.nothing(t, 150*time.Millisecond)
		f.online()
		c := f.bridge.next(t)
		if which(t, c) != 9 {
			t.Fatal("not the print queued while offline")
		}
		f.answer(t, c, codec.ReturnSuccess)
		// A SetDelivery answered waits for the button: sent and answered.
		f.until(t, id, "sent and answered", func(d store.Delivery) bool { return d.State == store.StateSent && !d.AnsweredAt.IsZero() })
	})
}

func TestQueue_ReturnCodes(t *testing.T) {
	tests := []struct {
		name   string
		code   codec.ReturnCode
		state  store.State // after the first answer
		reason string
		retry  bool
	}{
		{"busy is retried", codec.ReturnBusy, store.StatePrinted, "", true},
		{"network failure is retried", codec.ReturnNetworkFailure, store.StatePrinted, "", true},
		{"invalid size fails with its reason", codec.ReturnInvalidSize, store.StateFailed, "invalid size", false},
		{"invalid device type fails", codec.ReturnInvalidDeviceType, store.StateFailed, "invalid device type", false},
		{"bridge error fails", codec.ReturnBridgeError, store.StateFailed, "bridge error", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, s *store.Store) {
				f := newFixture(t, s, fast)
				f.online()
				id := f.enqueue(t, 1, codec.SetDeliveryAndPrint)
				c := f.bridge.next(t)
				f.answer(t, c, tt.code)
				if !tt.retry {
					d := f.state(t, id, tt.state)
					if d.Reason != tt.reason || d.ReturnCode != int(tt.code) {
						t.Errorf("reason %q, code %d; want %q, %d", d.Reason, d.ReturnCode, tt.reason, tt.code)
					}
					f.bridge.nothing(t, 200*time.Millisecond)
					return
				}
				again := f.bridge.next(t) // after the back-off
				if again.ID == c.ID || which(t, again) != 1 {
					t.Fatalf("resent as command %d (first %d)", again.ID, c.ID)
				}
				f.answer(t, again, codec.ReturnSuccess)
				f.printed(t, again)
				if d := f.state(t, id, tt.state); d.Attempts != 2 {
					t.Errorf("%d attempts, want 2", d.Attempts)
				}
			})
		})
	}
}

func TestQueue_NoAnswerIsSentAgain(t *testing.T) {
	cfg := fast
	cfg.AnswerTimeout = 100 * time.Millisecond
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newFixture(t, s, cfg)
		f.online()
		id := f.enqueue(t, 3, codec.SetDeliveryAndPrint)
		first := f.bridge.next(t)
		second := f.bridge.next(t) // no answer: sent again with a new id
		if second.ID == first.ID || which(t, second) != 3 {
			t.Fatalf("second send %d, first %d", second.ID, first.ID)
		}
		// The late answer to the first is ignored; the second completes it.
		if f.queue.Answered(f.bridge, 2, first.ID, codec.ReturnSuccess) {
			t.Error("an answer to a command sent again was taken")
		}
		f.answer(t, second, codec.ReturnSuccess)
		f.printed(t, second)
		f.state(t, id, store.StatePrinted)
	})
}

func TestQueue_Expiry(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		cfg := fast
		cfg.Expiry = 50 * time.Millisecond
		f := newFixture(t, s, cfg)
		// Offline: the janitor expires it.
		offline := f.enqueue(t, 7, codec.SetDeliveryAndPrint)
		if d := f.state(t, offline, store.StateExpired); d.Reason == "" {
			t.Error("expired without a reason")
		}
		// Online, but due after its expiry: the dispatcher expires it rather than send it.
		payload, _ := codec.EncodePayload(codec.SetDeliveryAndPrint, 0, codec.NewBitmap(1))
		d, err := f.queue.Enqueue(t.Context(), store.NewDelivery{PrinterID: f.printer, Kind: "test", Command: 1, Payload: payload,
			NotBefore: time.Now().Add(100 * time.Millisecond), ExpiresAt: time.Now().Add(50 * time.Millisecond)})
		if err != nil {
			t.Fatal(err)
		}
		f.online()
		f.state(t, d.ID, store.StateExpired)
		f.bridge.nothing(t, 100*time.Millisecond)
	})
}

func TestQueue_Limits(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		cfg := fast
		cfg.MaxPending = 3
		cfg.MaxPayloadBytes = 1000
		f := newFixture(t, s, cfg)
		for n := range 3 {
			f.enqueue(t, n, codec.SetDeliveryAndPrint)
		}
		payload, _ := codec.EncodePayload(codec.SetDeliveryAndPrint, 0, codec.NewBitmap(1))
		_, err := f.queue.Enqueue(t.Context(), store.NewDelivery{PrinterID: f.printer, Kind: "test", Command: 1, Payload: payload})
		if !errors.Is(err, delivery.ErrQueueFull) {
			t.Fatalf("a 4th delivery: %v, want ErrQueueFull", err)
		}
		_, err = f.queue.Enqueue(t.Context(), store.NewDelivery{PrinterID: f.printer, Kind: "test", Command: 1, Payload: make([]byte, 1001)})
		if !errors.Is(err, delivery.ErrTooLarge) {
			t.Fatalf("a large delivery: %v, want ErrTooLarge", err)
		}
		_, err = f.queue.EnqueueBatch(t.Context(), []store.NewDelivery{{PrinterID: f.printer, Kind: "test", Command: 1, Payload: payload}})
		if !errors.Is(err, delivery.ErrQueueFull) {
			t.Fatalf("a batch over the limit: %v, want ErrQueueFull", err)
		}
	})
}

func TestQueue_TwoInstances(t *testing.T) {
	// A delivery queued on one instance reaches a printer online on another
	// through the shared database.
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newFixture(t, s, fast) // instance A: where the work is queued
		b := delivery.New(s, fast, slog.New(slog.DiscardHandler))
		defer b.Close()
		bridge := newFakeBridge()
		b.Online(f.printer, delivery.Target{Bridge: 1, Device: 2, Sender: bridge})
		for n := range 10 {
			f.enqueue(t, n, codec.SetDeliveryAndPrint)
		}
		for n := range 10 {
			c := bridge.next(t)
			if which(t, c) != n {
				t.Fatalf("print %d arrived as number %d", which(t, c), n)
			}
			if !b.Answered(bridge, 2, c.ID, codec.ReturnSuccess) {
				t.Fatal("instance B does not wait for its answer")
			}
			if ok, err := b.Printed(t.Context(), f.printer, c.ID); !ok || err != nil {
				t.Fatalf("Printed=%v, %v", ok, err)
			}
		}
	})
}

// TestQueue_PruneDeliveries: the finished deliveries made longer than
// Retention ago leave the history; open ones stay, however old.
func TestQueue_PruneDeliveries(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		start := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
		clock := delivery.NewFakeClock(start)
		s.Now = clock.Now
		// Nothing expires on its own while the clock moves.
		f := newFixture(t, s, delivery.Config{Retention: 90 * 24 * time.Hour, Expiry: 100 * 365 * 24 * time.Hour, Clock: clock})
		ctx := t.Context()
		tests := []struct {
			name  string
			made  time.Duration // after start
			state store.State
			kept  bool
		}{
			{"failed, 100 days old", 0, store.StateFailed, false},
			{"expired, 100 days old", 0, store.StateExpired, false},
			{"pending, 100 days old", 0, store.StatePending, true},
			{"failed, a minute under 90 days old", 10*24*time.Hour + time.Minute, store.StateFailed, true},
			{"failed, a day old", 99 * 24 * time.Hour, store.StateFailed, true},
		}
		ids := make([]int64, len(tests))
		for i, tt := range tests {
			clock.Set(start.Add(tt.made))
			var d store.Delivery
			var err error
			if tt.state == store.StateFailed {
				d, err = s.CreateFailedDelivery(ctx, f.printer, "test", "not printed: the publication failed")
			} else {
				d, err = s.CreateDelivery(ctx, store.NewDelivery{PrinterID: f.printer, Kind: "test", Command: 1, Payload: []byte{1}})
			}
			if err == nil && tt.state == store.StateExpired {
				err = s.MarkExpired(ctx, d.ID, "expired")
			}
			if err != nil {
				t.Fatal(err)
			}
			ids[i] = d.ID
		}
		clock.Set(start.Add(100 * 24 * time.Hour))
		if n, err := f.queue.PruneDeliveries(ctx); err != nil || n != 2 {
			t.Fatalf("PruneDeliveries=%d, %v; want the 2 finished ones over 90 days old", n, err)
		}
		for i, tt := range tests {
			_, err := s.DeliveryByID(ctx, ids[i])
			if kept := err == nil; kept != tt.kept {
				t.Errorf("%s: kept %v (%v), want %v", tt.name, kept, err, tt.kept)
			}
		}
	})
}
