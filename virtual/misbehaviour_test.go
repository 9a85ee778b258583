package virtual

import (
	"errors"
	"os"
	"testing"
	"time"

	"paperboy/codec"
)

func TestBridge_ReturnCodes(t *testing.T) {
	srv := newFakeServer(t, Subprotocol)
	cfg := testConfig(t, srv.url)
	cfg.Printers = 2
	prints := printsTo(&cfg)
	b := mustNew(t, cfg)
	start(t, b)
	c := srv.accept(t, b)
	paired := pair(t, c, b, 0)
	unpaired := b.Devices()[1].Address
	good := deviceCommand(t, b, paired, 1, codec.SetDeliveryAndPrint, testBitmap(8, 1)).Payload

	tests := []struct {
		name    string
		device  codec.Address
		payload []byte
		rc      codec.ReturnCode
	}{
		{"unknown device", paired ^ 1, good, codec.ReturnDeviceNotFound},
		{"unpaired device", unpaired, good, codec.ReturnDeviceNotFound},
		{"payload that does not parse", paired, good[:len(good)-3], codec.ReturnInvalidSize},
		{"payload of another device type", paired, append([]byte{0x02}, good[1:]...), codec.ReturnInvalidSize},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id := uint32(100 + i)
			c.send(t, codec.DeviceCommand{Bridge: b.Address(), Device: tt.device, ID: id, Payload: tt.payload})
			r := expect[codec.DeviceCommandResponse](t, c.next(t, isHeartbeat, isKeyRequest))
			if r.CommandID != id || r.ReturnCode != tt.rc || r.Device != tt.device {
				t.Fatalf("response: command %d device %s %v; want %d %s %v", r.CommandID, r.Device, r.ReturnCode, id, tt.device, tt.rc)
			}
		})
	}
	select {
	case p := <-prints:
		t.Errorf("printed %+v", p)
	default:
	}
}

func TestBridge_PressPrintsHeldDelivery(t *testing.T) {
	srv := newFakeServer(t, Subprotocol)
	cfg := testConfig(t, srv.url)
	prints := printsTo(&cfg)
	b := mustNew(t, cfg)
	start(t, b)
	c := srv.accept(t, b)
	dev := pair(t, c, b, 0)

	c.send(t, deviceCommand(t, b, dev, 21, codec.SetDelivery, testBitmap(16, 2)))
	expectResponse(t, c, 21, codec.ReturnSuccess)
	// Held, not printed: the next delivery's response and did print come first.
	c.send(t, deviceCommand(t, b, dev, 22, codec.SetDeliveryAndPrint, testBitmap(16, 3)))
	expectResponse(t, c, 22, codec.ReturnSuccess)
	expectDidPrint(t, c, dev, 22)
	if p := nextPrint(t, prints); p.CommandID != 22 {
		t.Fatalf("printed command %d, want 22", p.CommandID)
	}

	if err := b.Press(dev); err != nil {
		t.Fatal(err)
	}
	expectDidPrint(t, c, dev, 21)
	if p := nextPrint(t, prints); p.CommandID != 21 || !p.Images[0].Equal(testBitmap(16, 2)) {
		t.Fatalf("printed command %d, want 21 with its image", p.CommandID)
	}
	// Nothing held any more.
	if err := b.Press(dev); err != nil {
		t.Fatal(err)
	}
	if p := event[codec.DidPrint](t, c.next(t, isHeartbeat), dev); p.PrintType != codec.PrintNothing {
		t.Fatalf("did print type 0x%02x, want 0x10 (nothing to print)", p.PrintType)
	}
	if err := b.Press(dev ^ 1); !errors.Is(err, ErrNoPrinter) {
		t.Errorf("Press(unknown) = %v, want ErrNoPrinter", err)
	}
}

func TestBridge_DropAfter(t *testing.T) {
	srv := newFakeServer(t, Subprotocol)
	cfg := testConfig(t, srv.url)
	cfg.DropAfter = 2
	prints := printsTo(&cfg)
	b := mustNew(t, cfg)
	start(t, b)
	c := srv.accept(t, b)
	dev := pair(t, c, b, 0)

	c.send(t, deviceCommand(t, b, dev, 1, codec.SetDeliveryAndPrint, testBitmap(8, 1)))
	expectResponse(t, c, 1, codec.ReturnSuccess)
	expectDidPrint(t, c, dev, 1)
	c.send(t, deviceCommand(t, b, dev, 2, codec.SetDeliveryAndPrint, testBitmap(8, 2)))
	c.waitClosed(t)
	for len(c.msgs) > 0 {
		if m := <-c.msgs; !isHeartbeat(m) {
			t.Errorf("before the drop the bridge sent %T %+v", m, m)
		}
	}

	// It comes back, power_on first, paired, and command 2 gets through.
	c = srv.accept(t, b)
	expect[codec.DeviceConnect](t, c.next(t))
	event[codec.DidPowerOn](t, c.next(t), dev)
	for _, id := range []uint32{2, 3} {
		c.send(t, deviceCommand(t, b, dev, id, codec.SetDeliveryAndPrint, testBitmap(8, int(id))))
		expectResponse(t, c, id, codec.ReturnSuccess)
		expectDidPrint(t, c, dev, id)
	}
	for _, want := range []uint32{1, 2, 3} {
		if p := nextPrint(t, prints); p.CommandID != want {
			t.Errorf("printed command %d, want %d", p.CommandID, want)
		}
	}
}

func TestBridge_NeverAnswer(t *testing.T) {
	srv := newFakeServer(t, Subprotocol)
	cfg := testConfig(t, srv.url)
	cfg.NeverAnswer = true
	cfg.HeartbeatEvery = 5 * time.Millisecond
	prints := printsTo(&cfg)
	b := mustNew(t, cfg)
	start(t, b)
	c := srv.accept(t, b)
	dev := pair(t, c, b, 0)

	c.send(t, deviceCommand(t, b, dev, 7, codec.SetDeliveryAndPrint, testBitmap(8, 1)))
	// Heartbeats go on; the answer never comes.
	for range 20 {
		event[codec.Heartbeat](t, c.next(t), dev)
	}
	select {
	case p := <-prints:
		t.Errorf("printed %+v", p)
	default:
	}
}

func TestBridge_AnswerBusy(t *testing.T) {
	srv := newFakeServer(t, Subprotocol)
	cfg := testConfig(t, srv.url)
	cfg.AnswerBusy = true
	prints := printsTo(&cfg)
	b := mustNew(t, cfg)
	start(t, b)
	c := srv.accept(t, b)
	dev := pair(t, c, b, 0)

	for _, id := range []uint32{7, 8} { // no did print between the two
		c.send(t, deviceCommand(t, b, dev, id, codec.SetDeliveryAndPrint, testBitmap(8, 1)))
		expectResponse(t, c, id, codec.ReturnBusy)
	}
	select {
	case p := <-prints:
		t.Errorf("printed %+v", p)
	default:
	}
	if files, _ := os.ReadDir(cfg.OutDir); len(files) > 0 {
		t.Errorf("saved %d files", len(files))
	}
}

func TestBridge_AnswerDelay(t *testing.T) {
	const delay = 50 * time.Millisecond
	srv := newFakeServer(t, Subprotocol)
	cfg := testConfig(t, srv.url)
	cfg.AnswerDelay = delay
	b := mustNew(t, cfg)
	start(t, b)
	c := srv.accept(t, b)
	dev := pair(t, c, b, 0)

	sent := time.Now()
	ids := []uint32{31, 32, 33, 34}
	for _, id := range ids {
		c.send(t, deviceCommand(t, b, dev, id, codec.SetDeliveryAndPrint, testBitmap(8, int(id))))
	}
	for i, id := range ids {
		expectResponse(t, c, id, codec.ReturnSuccess)
		if i == 0 {
			if waited := time.Since(sent); waited < delay {
				t.Errorf("answered after %v, want at least %v", waited, delay)
			}
		}
		expectDidPrint(t, c, dev, id)
	}
}

func TestBridge_PrintTime(t *testing.T) {
	// As a real printer: answered at once, printed later one after another,
	// and a print made while the socket is down is said once it is back.
	srv := newFakeServer(t, Subprotocol)
	cfg := testConfig(t, srv.url)
	cfg.PrintTime = 100 * time.Millisecond
	cfg.DropAfter = 3
	prints := printsTo(&cfg)
	b := mustNew(t, cfg)
	start(t, b)
	c := srv.accept(t, b)
	dev := pair(t, c, b, 0)

	for _, id := range []uint32{1, 2} {
		c.send(t, deviceCommand(t, b, dev, id, codec.SetDeliveryAndPrint, testBitmap(8, int(id))))
	}
	expectResponse(t, c, 1, codec.ReturnSuccess)
	expectResponse(t, c, 2, codec.ReturnSuccess) // both held before either printed
	select {
	case p := <-prints:
		t.Fatalf("printed %d before its print time", p.CommandID)
	default:
	}
	expectDidPrint(t, c, dev, 1)
	c.send(t, deviceCommand(t, b, dev, 3, codec.SetDeliveryAndPrint, testBitmap(8, 3))) // drops the socket
	c.waitClosed(t)
	if p := nextPrint(t, prints); p.CommandID != 1 {
		t.Fatalf("printed %d first", p.CommandID)
	}
	if p := nextPrint(t, prints); p.CommandID != 2 {
		t.Fatalf("printed %d second", p.CommandID) // printed with no socket
	}
	c = srv.accept(t, b)
	expect[codec.DeviceConnect](t, c.next(t))
	event[codec.DidPowerOn](t, c.next(t), dev)
	expectDidPrint(t, c, dev, 2)
}
