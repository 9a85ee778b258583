package delivery_test

import (
	"log/slog"
	"testing"
	"time"

	"paperboy/codec"
	"paperboy/delivery"
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
