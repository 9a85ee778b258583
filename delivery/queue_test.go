package delivery_test

import (
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"paperboy/codec"
	"paperboy/delivery"
	"paperboy/internal/storetest"
	"paperboy/store"
)

// fakeBridge is a Sender that hands every command to the test.
type fakeBridge struct {
	frames chan codec.DeviceCommand
	fail   error
}

func newFakeBridge() *fakeBridge { return &fakeBridge{frames: make(chan codec.DeviceCommand, 64)} }

func (b *fakeBridge) Send(frame []byte) error {
	if b.fail != nil {
		return b.fail
	}
	c, err := codec.DecodeCommand(frame)
	if err != nil {
		return err
	}
	b.frames <- c.(codec.DeviceCommand)
	return nil
}

// next waits for the next command sent.
func (b *fakeBridge) next(t *testing.T) codec.DeviceCommand {
	t.Helper()
	select {
	case c := <-b.frames:
		return c
	case <-time.After(10 * time.Second):
		t.Fatal("no command sent within 10 s")
	}
	return codec.DeviceCommand{}
}

func (b *fakeBridge) nothing(t *testing.T, wait time.Duration) {
	t.Helper()
	select {
	case c := <-b.frames:
		t.Fatalf("unexpected command %d", c.ID)
	case <-time.After(wait):
	}
}

// fixture is a store with one claimed printer and a queue on it.
type fixture struct {
	store   *store.Store
	queue   *delivery.Queue
	printer int64
	bridge  *fakeBridge
}

func newFixture(t *testing.T, s *store.Store, cfg delivery.Config) *fixture {
	t.Helper()
	u, err := s.CreateUser(t.Context(), "q@example.com")
	if err != nil {
		t.Fatal(err)
	}
	p, err := s.Claim(t.Context(), store.Claim{UserID: u.ID, HardwareXor: 7, Secret: 9})
	if err != nil {
		t.Fatal(err)
	}
	q := delivery.New(s, cfg, slog.New(slog.DiscardHandler))
	t.Cleanup(q.Close)
	return &fixture{store: s, queue: q, printer: p.ID, bridge: newFakeBridge()}
}

func (f *fixture) online() {
	f.queue.Online(f.printer, delivery.Target{Bridge: 1, Device: 2, Sender: f.bridge})
}

// enqueue queues a one-row print whose payload tells n.
func (f *fixture) enqueue(t *testing.T, n int, cmd codec.CommandCode) int64 {
	t.Helper()
	bm := codec.NewBitmap(1)
	bm.Set(n%codec.PrintWidth, 0, true)
	images := make([]*codec.Bitmap, cmd.Images())
	for i := range images {
		images[i] = bm
	}
	payload, err := codec.EncodePayload(cmd, 0, images...)
	if err != nil {
		t.Fatal(err)
	}
	d, err := f.queue.Enqueue(t.Context(), store.NewDelivery{PrinterID: f.printer, Kind: "test", Command: uint16(cmd), Payload: payload})
	if err != nil {
		t.Fatal(err)
	}
	return d.ID
}

// which tells which enqueue a command carries.
func which(t *testing.T, c codec.DeviceCommand) int {
	t.Helper()
	p, err := codec.ParsePayload(c.Payload)
	if err != nil {
		t.Fatal(err)
	}
	if p.PrintID != c.ID {
		t.Fatalf("print id %d in a command %d", p.PrintID, c.ID)
	}
	for x := range codec.PrintWidth {
		if p.Images[0].Black(x, 0) {
			return x
		}
	}
	t.Fatal("no mark in the print")
	return -1
}

// state waits until a delivery is in a state, and returns it.
func (f *fixture) state(t *testing.T, id int64, want store.State) store.Delivery {
	t.Helper()
	return f.until(t, id, string(want), func(d store.Delivery) bool { return d.State == want })
}

// until waits until a delivery is as cond wants, and returns it.
func (f *fixture) until(t *testing.T, id int64, what string, cond func(store.Delivery) bool) store.Delivery {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		d, err := f.store.DeliveryByID(t.Context(), id)
		if err != nil {
			t.Fatal(err)
		}
		if cond(d) {
			return d
		}
		if time.Now().After(deadline) {
			t.Fatalf("delivery %d is %s (%s), want %s", id, d.State, d.Reason, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// answer answers a command as the bridge would, and for a success reports
// the print.
func (f *fixture) answer(t *testing.T, c codec.DeviceCommand, code codec.ReturnCode) {
	t.Helper()
	if !f.queue.Answered(f.bridge, 2, c.ID, code) {
		t.Fatalf("nobody waits for command %d", c.ID)
	}
}

func (f *fixture) printed(t *testing.T, c codec.DeviceCommand) {
	t.Helper()
	if ok, err := f.queue.Printed(t.Context(), f.printer, c.ID); !ok || err != nil {
		t.Fatalf("Printed(%d)=%v, %v", c.ID, ok, err)
	}
}

var fast = delivery.Config{RetryMin: 50 * time.Millisecond, RetryMax: 200 * time.Millisecond, Poll: 100 * time.Millisecond,
	ChangePoll: 20 * time.Millisecond, JanitorEvery: 20 * time.Millisecond}

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

func TestQueue_DuplicateAndUnknownAnswers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newFixture(t, s, fast)
		f.online()
		id := f.enqueue(t, 4, codec.SetDeliveryAndPrint)
		c := f.bridge.next(t)
		f.answer(t, c, codec.ReturnSuccess)
		f.until(t, id, "answered", func(d store.Delivery) bool { return !d.AnsweredAt.IsZero() })
		ctx := t.Context()
		// The same answer again: nobody waits for it, and the store has it.
		if f.queue.Answered(f.bridge, 2, c.ID, codec.ReturnSuccess) {
			t.Error("a duplicate answer was taken")
		}
		if ok, err := f.queue.AnswerLate(ctx, f.printer, c.ID, codec.ReturnInvalidSize); ok || err != nil {
			t.Errorf("a duplicate late answer was applied: %v %v", ok, err)
		}
		// An id no one ever sent.
		if f.queue.Answered(f.bridge, 2, 424242, codec.ReturnSuccess) {
			t.Error("an unknown answer was taken")
		}
		if ok, err := f.queue.AnswerLate(ctx, f.printer, 424242, codec.ReturnSuccess); ok || err != nil {
			t.Errorf("an unknown late answer was applied: %v %v", ok, err)
		}
		if ok, _ := f.queue.Printed(ctx, f.printer, 424242); ok {
			t.Error("a did-print for an unknown id was applied")
		}
		f.printed(t, c)
		if ok, _ := f.queue.Printed(ctx, f.printer, c.ID); ok {
			t.Error("a duplicate did-print was applied")
		}
		if d := f.state(t, id, store.StatePrinted); d.ReturnCode != 0 {
			t.Errorf("the duplicate changed the return code to %d", d.ReturnCode)
		}
	})
}

func TestQueue_AnswerFromBeforeARestart(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newFixture(t, s, fast)
		f.online()
		id := f.enqueue(t, 5, codec.SetDeliveryAndPrint)
		c := f.bridge.next(t)
		f.queue.Close() // the server stops with the command in flight
		restarted := delivery.New(s, fast, slog.New(slog.DiscardHandler))
		defer restarted.Close()
		if ok, err := restarted.AnswerLate(t.Context(), f.printer, c.ID, codec.ReturnSuccess); !ok || err != nil {
			t.Fatalf("AnswerLate=%v, %v; want it applied", ok, err)
		}
		if d := f.state(t, id, store.StateSent); d.AnsweredAt.IsZero() || d.ReturnCode != 0 {
			t.Errorf("delivery %+v", d)
		}
		if ok, _ := restarted.Printed(t.Context(), f.printer, c.ID); !ok {
			t.Error("its did-print was not applied")
		}
		f.state(t, id, store.StatePrinted)
	})
}

func TestQueue_RestartSendsWhatWasInFlight(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newFixture(t, s, fast)
		f.online()
		unanswered := f.enqueue(t, 6, codec.SetDeliveryAndPrint)
		c := f.bridge.next(t)
		f.queue.Close() // killed before any answer
		restarted := delivery.New(s, fast, slog.New(slog.DiscardHandler))
		defer restarted.Close()
		b := newFakeBridge()
		restarted.Online(f.printer, delivery.Target{Bridge: 1, Device: 2, Sender: b})
		again := b.next(t)
		if again.ID == c.ID || which(t, again) != 6 {
			t.Fatalf("after restart sent %d (was %d)", again.ID, c.ID)
		}
		if !restarted.Answered(b, 2, again.ID, codec.ReturnSuccess) {
			t.Fatal("nobody waits")
		}
		restarted.Printed(t.Context(), f.printer, again.ID)
		f.state(t, unanswered, store.StatePrinted)
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

func TestQueue_AnswersBelongToTheirCommand(t *testing.T) {
	// An answer or a did-print counts only from the socket and the device
	// its command was sent to: anything else changes nothing.
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newFixture(t, s, fast)
		u, _ := s.CreateUser(t.Context(), "mallory@example.com")
		other, err := s.Claim(t.Context(), store.Claim{UserID: u.ID, HardwareXor: 8, Secret: 10})
		if err != nil {
			t.Fatal(err)
		}
		f.online()
		id := f.enqueue(t, 1, codec.SetDeliveryAndPrint)
		c := f.bridge.next(t)
		rogue := newFakeBridge()
		for _, tt := range []struct {
			name   string
			from   delivery.Sender
			device codec.Address
		}{
			{"another socket, the same device", rogue, 2},
			{"the same socket, another device", f.bridge, 3},
			{"another socket and device", rogue, 99},
		} {
			if f.queue.Answered(tt.from, tt.device, c.ID, codec.ReturnInvalidSize) {
				t.Errorf("%s: its answer was taken", tt.name)
			}
		}
		if ok, err := f.queue.AnswerLate(t.Context(), other.ID, c.ID, codec.ReturnFilesystemError); ok || err != nil {
			t.Errorf("another printer's late answer was applied: %v %v", ok, err)
		}
		if ok, err := f.queue.Printed(t.Context(), other.ID, c.ID); ok || err != nil {
			t.Errorf("another printer's did-print was applied: %v %v", ok, err)
		}
		if d := f.state(t, id, store.StateSent); !d.AnsweredAt.IsZero() {
			t.Fatalf("delivery %+v was changed by answers from elsewhere", d)
		}
		f.answer(t, c, codec.ReturnSuccess)
		f.printed(t, c)
		f.state(t, id, store.StatePrinted)
	})
}

func TestQueue_OnePrintAtATime(t *testing.T) {
	// After an answer the printer holds the print: the next command waits
	// for its did-print, or for PrintTimeout if that never comes.
	cfg := fast
	cfg.PrintTimeout = 300 * time.Millisecond
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newFixture(t, s, cfg)
		f.online()
		for n := range 3 {
			f.enqueue(t, n, codec.SetDeliveryAndPrint)
		}
		first := f.bridge.next(t)
		f.answer(t, first, codec.ReturnSuccess)
		f.bridge.nothing(t, 100*time.Millisecond) // printing: the next waits
		f.printed(t, first)
		second := f.bridge.next(t)
		if which(t, second) != 1 {
			t.Fatalf("second command carries %d", which(t, second))
		}
		f.answer(t, second, codec.ReturnSuccess)
		third := f.bridge.next(t) // no did-print: sent after PrintTimeout
		if which(t, third) != 2 {
			t.Fatalf("third command carries %d", which(t, third))
		}
		// The printer took the second and its did-print was lost: after
		// PrintTimeout it is taken as printed, and says so.
		ds, err := s.DeliveriesByPrinter(t.Context(), f.printer, 0, 10)
		if err != nil {
			t.Fatal(err)
		}
		var secondID int64
		for _, d := range ds {
			if d.CommandID == second.ID {
				secondID = d.ID
			}
		}
		if d := f.state(t, secondID, store.StatePrinted); !strings.Contains(d.Reason, "lost") {
			t.Errorf("taken as printed with the reason %q", d.Reason)
		}
	})
}

func TestQueue_RestartKeepsWhatThePrinterHolds(t *testing.T) {
	// A print answered with success is on the printer: after a restart it
	// is not sent again (it would print twice); one never answered is.
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newFixture(t, s, fast)
		f.online()
		held := f.enqueue(t, 1, codec.SetDeliveryAndPrint)
		onItsWay := f.enqueue(t, 2, codec.SetDeliveryAndPrint)
		c := f.bridge.next(t)
		f.answer(t, c, codec.ReturnSuccess)
		f.until(t, held, "answered", func(d store.Delivery) bool { return !d.AnsweredAt.IsZero() })
		f.printed(t, c)
		f.state(t, held, store.StatePrinted)
		c2 := f.bridge.next(t)
		if which(t, c2) != 2 {
			t.Fatal("second print not sent")
		}
		f.answer(t, c2, codec.ReturnSuccess) // held by the printer, not yet printed
		f.until(t, onItsWay, "answered", func(d store.Delivery) bool { return !d.AnsweredAt.IsZero() })
		third := f.enqueue(t, 3, codec.SetDeliveryAndPrint)
		f.queue.Close() // the server dies while the printer prints
		restarted := delivery.New(s, fast, slog.New(slog.DiscardHandler))
		defer restarted.Close()
		b := newFakeBridge()
		restarted.Online(f.printer, delivery.Target{Bridge: 1, Device: 2, Sender: b})
		next := b.next(t)
		if which(t, next) != 3 {
			t.Fatalf("after the restart the first command carries %d, want the third print", which(t, next))
		}
		if ok, _ := restarted.Printed(t.Context(), f.printer, c2.ID); !ok {
			t.Error("the held print's did-print after the restart was not applied")
		}
		f.state(t, onItsWay, store.StatePrinted)
		restarted.Answered(b, 2, next.ID, codec.ReturnSuccess)
		restarted.Printed(t.Context(), f.printer, next.ID)
		f.state(t, third, store.StatePrinted)
	})
}
