package delivery_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"paperboy/codec"
	"paperboy/delivery"
	"paperboy/internal/storetest"
	"paperboy/store"
)

// TestQueue_NoLostWakeups races a dispatcher's "nothing left, stop"
// against new deliveries for its printer: each printer is sent a print,
// answers it, and is queued the next at once, while its dispatcher is
// deciding to stop; some are queued two at a time, in batches, or with a
// reconnect in between. The clock never moves, so neither the timer nor
// the watcher's look in the store can make up for a lost wake-up: every
// print must arrive through the pokes alone, once, in order.
func TestQueue_NoLostWakeups(t *testing.T) {
	const printers, prints = 16, 24
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		clock := delivery.NewFakeClock(time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC))
		s.Now = clock.Now
		f := newFixture(t, s, delivery.Config{Clock: clock})
		u, err := s.CreateUser(t.Context(), "many@example.com")
		if err != nil {
			t.Fatal(err)
		}
		payloads := make([][]byte, prints)
		for n := range payloads {
			bm := codec.NewBitmap(1)
			bm.Set(n, 0, true)
			if payloads[n], err = codec.EncodePayload(codec.SetDelivery, 0, bm); err != nil {
				t.Fatal(err)
			}
		}
		var wg sync.WaitGroup
		ids := make([]int64, printers)
		for i := range printers {
			p, err := s.Claim(t.Context(), store.Claim{UserID: u.ID, HardwareXor: uint32(100 + i), Secret: 1})
			if err != nil {
				t.Fatal(err)
			}
			ids[i] = p.ID
			dev := codec.Address(100 + i)
			b := newFakeBridge()
			target := delivery.Target{Bridge: 1, Device: dev, Sender: b}
			f.queue.Online(p.ID, target)
			queue := func(ns ...int) error {
				ds := make([]store.NewDelivery, len(ns))
				for k, n := range ns {
					ds[k] = store.NewDelivery{PrinterID: p.ID, Kind: "test", Command: uint16(codec.SetDelivery), Payload: payloads[n]}
				}
				if len(ds) == 1 {
					_, err := f.queue.Enqueue(t.Context(), ds[0])
					return err
				}
				_, err := f.queue.EnqueueBatch(t.Context(), ds)
				return err
			}
			// receive takes the next print, checks it is print n, and
			// answers it.
			receive := func(n int) error {
				var c codec.DeviceCommand
				select {
				case c = <-b.frames:
				case <-time.After(10 * time.Second):
					return fmt.Errorf("print %d never came: a wake-up was lost", n)
				}
				if got := which(t, c); got != n {
					return fmt.Errorf("print %d came, want %d", got, n)
				}
				if len(b.frames) > 0 {
					return fmt.Errorf("print %d came before %d was answered", n+1, n)
				}
				if !f.queue.Answered(b, dev, c.ID, codec.ReturnSuccess) {
					return fmt.Errorf("nobody waits for print %d", n)
				}
				return nil
			}
			wg.Go(func() {
				for n := 0; n < prints; {
					var err error
					switch {
					case (i+n)%5 == 0 && n+1 < prints: // two at once, in a batch
						err = queue(n, n+1)
						if err == nil {
							err = receive(n)
						}
						if err == nil {
							err = receive(n + 1)
						}
						n += 2
					case (i+n)%7 == 0: // a reconnect: a poke with nothing new
						f.queue.Online(p.ID, target)
						fallthrough
					default:
						err = queue(n)
						if err == nil {
							err = receive(n)
						}
						n++
					}
					if err != nil {
						t.Errorf("printer %d: %v", i, err)
						return
					}
				}
			})
		}
		wg.Wait()
		for i, id := range ids {
			ds, err := s.DeliveriesByPrinter(t.Context(), id, 0, prints+1)
			if err != nil {
				t.Fatal(err)
			}
			if len(ds) != prints {
				t.Errorf("printer %d has %d deliveries, want %d", i, len(ds), prints)
			}
			for _, d := range ds {
				if d.State != store.StateSent || d.AnsweredAt.IsZero() || d.Attempts != 1 {
					t.Errorf("printer %d: delivery %d is %s, %d attempts, answered %v; want sent once and answered",
						i, d.ID, d.State, d.Attempts, !d.AnsweredAt.IsZero())
				}
			}
		}
		f.queue.Close()
		if n := f.queue.Dispatching(); n != 0 {
			t.Errorf("%d dispatchers run after Close", n)
		}
	})
}

// TestQueue_QueuedWhileStopping queues a print in the narrowest gap there
// is: after the dispatcher has found nothing to send and worked out when
// to look next, before it stops. The print must still go, at once, with
// the clock standing still.
func TestQueue_QueuedWhileStopping(t *testing.T) {
	const prints = 5
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		clock := delivery.NewFakeClock(time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC))
		s.Now = clock.Now
		f := newFixture(t, s, delivery.Config{Clock: clock})
		payloads := make([][]byte, prints)
		for n := range payloads {
			bm := codec.NewBitmap(1)
			bm.Set(n, 0, true)
			payloads[n], _ = codec.EncodePayload(codec.SetDelivery, 0, bm)
		}
		queued := 0
		delivery.SetTestParking(f.queue, func(printerID int64) {
			// On the dispatcher's goroutine: the rest of the test waits
			// for the print it queues, so nothing else touches queued.
			if printerID != f.printer || queued == prints {
				return
			}
			n := store.NewDelivery{PrinterID: printerID, Kind: "test", Command: uint16(codec.SetDelivery), Payload: payloads[queued]}
			if _, err := f.queue.Enqueue(t.Context(), n); err != nil {
				t.Error(err)
			}
			queued++
		})
		f.online()
		for n := range prints {
			c := f.bridge.next(t)
			if got := which(t, c); got != n {
				t.Fatalf("print %d came, want %d", got, n)
			}
			f.answer(t, c, codec.ReturnSuccess)
		}
	})
}

// TestQueue_TimerStartsDispatchers: a print not due yet, or a retry's
// back-off, leaves its printer's dispatcher stopped with the time on the
// queue's one timer, which starts it when the clock gets there. The
// watcher is told to look so seldom that only the timer can.
func TestQueue_TimerStartsDispatchers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		start := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
		clock := delivery.NewFakeClock(start)
		s.Now = clock.Now
		never := 1000 * time.Hour
		f := newFixture(t, s, delivery.Config{Clock: clock, Poll: never, ChangePoll: never, RetryMin: time.Minute})
		parked := make(chan int64, 16)
		delivery.SetTestParking(f.queue, func(printerID int64) { parked <- printerID })
		u, err := s.CreateUser(t.Context(), "later@example.com")
		if err != nil {
			t.Fatal(err)
		}
		// Three printers, each with a print due an hour after the last.
		const printers = 3
		bridges := make([]*fakeBridge, printers)
		for i := range printers {
			p, err := s.Claim(t.Context(), store.Claim{UserID: u.ID, HardwareXor: uint32(200 + i), Secret: 1})
			if err != nil {
				t.Fatal(err)
			}
			payload, _ := codec.EncodePayload(codec.SetDelivery, 0, codec.NewBitmap(1))
			if _, err := f.queue.Enqueue(t.Context(), store.NewDelivery{PrinterID: p.ID, Kind: "test", Command: uint16(codec.SetDelivery),
				Payload: payload, NotBefore: start.Add(time.Duration(printers-i) * time.Hour)}); err != nil {
				t.Fatal(err)
			}
			bridges[i] = newFakeBridge()
			f.queue.Online(p.ID, delivery.Target{Bridge: 1, Device: codec.Address(200 + i), Sender: bridges[i]})
			<-parked // it looked, and found nothing due
		}
		for i := printers - 1; i >= 0; i-- {
			for k, b := range bridges {
				if len(b.frames) > 0 {
					t.Fatalf("printer %d was sent a print before its time", k)
				}
			}
			clock.Advance(time.Hour)
			c := bridges[i].next(t)
			if i == 0 {
				// The last is answered busy, and sent again a minute on.
				if !f.queue.Answered(bridges[i], c.Device, c.ID, codec.ReturnBusy) {
					t.Fatal("nobody waits for the answer")
				}
				<-parked // the retry is on the timer
				if len(bridges[i].frames) > 0 {
					t.Fatal("the retry went before its back-off")
				}
				clock.Advance(time.Minute)
				if again := bridges[i].next(t); again.ID == c.ID {
					t.Fatal("the retry has the first command's id")
				}
				continue
			}
			if !f.queue.Answered(bridges[i], c.Device, c.ID, codec.ReturnSuccess) {
				t.Fatal("nobody waits for the answer")
			}
			<-parked // it sent its print and found nothing more
		}
	})
}
