package delivery_test

import (
	"log/slog"
	"strings"
	"testing"
	"time"

	"paperboy/codec"
	"paperboy/delivery"
	"paperboy/internal/storetest"
	"paperboy/store"
)

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

func TestQueue_HandPrinted(t *testing.T) {
	// A did-print handed to the dispatcher is recorded by it, in order
	// with the answer, whether it comes before the answer (a printer that
	// prints, then answers) or after; the next print follows at once. With
	// no dispatcher running it is not taken, and the caller records it.
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newFixture(t, s, fast)
		if f.queue.HandPrinted(f.printer, 1) {
			t.Error("a did-print was taken for a printer that is not online")
		}
		f.online()
		first := f.enqueue(t, 1, codec.SetDeliveryAndPrint)
		second := f.enqueue(t, 2, codec.SetDeliveryAndPrint)
		for _, tt := range []struct {
			name        string
			id          int64
			printsFirst bool
		}{
			{"printed, then answered", first, true},
			{"answered, then printed", second, false},
		} {
			c := f.bridge.next(t)
			if tt.printsFirst && !f.queue.HandPrinted(f.printer, c.ID) {
				t.Fatalf("%s: the did-print was not taken", tt.name)
			}
			f.answer(t, c, codec.ReturnSuccess)
			if !tt.printsFirst {
				f.state(t, tt.id, store.StateSent)
				if !f.queue.HandPrinted(f.printer, c.ID) {
					t.Fatalf("%s: the did-print was not taken", tt.name)
				}
			}
			if d := f.state(t, tt.id, store.StatePrinted); d.AnsweredAt.IsZero() {
				t.Errorf("%s: %+v, want answered and printed", tt.name, d)
			}
		}
	})
}
