package core_test

import (
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"paperboy/codec"
	"paperboy/core"
	"paperboy/store"
)

// fakeBridge is a bridge socket driven by the test.
type fakeBridge struct {
	t    *testing.T
	ws   *websocket.Conn
	addr codec.Address
	cmds chan codec.Command
	gone chan struct{}
}

func (ts *testServer) bridge(addr codec.Address) *fakeBridge {
	ts.t.Helper()
	d := websocket.Dialer{Subprotocols: []string{core.Subprotocol}}
	ws, _, err := d.Dial("ws://"+ts.srv.Addr()+"/api/v1/connection", nil)
	if err != nil {
		ts.t.Fatal(err)
	}
	if ws.Subprotocol() != core.Subprotocol {
		ts.t.Fatalf("subprotocol %q not echoed", ws.Subprotocol())
	}
	b := &fakeBridge{t: ts.t, ws: ws, addr: addr, cmds: make(chan codec.Command, 16), gone: make(chan struct{})}
	go func() {
		defer close(b.gone)
		for {
			_, data, err := ws.ReadMessage()
			if err != nil {
				return
			}
			c, err := codec.DecodeCommand(data)
			if err != nil {
				ts.t.Errorf("server sent a bad command: %v: %s", err, data)
				return
			}
			b.cmds <- c
		}
	}()
	ts.t.Cleanup(func() { ws.Close() })
	b.send(codec.PowerOn{Header: codec.Header{Bridge: addr}, Model: "A", FirmwareVersion: "test"})
	return b
}

func (b *fakeBridge) send(m codec.Message) {
	b.t.Helper()
	data, err := codec.EncodeMessage(m)
	if err != nil {
		b.t.Fatal(err)
	}
	b.raw(data)
}

func (b *fakeBridge) raw(data []byte) {
	b.t.Helper()
	if err := b.ws.WriteMessage(websocket.TextMessage, data); err != nil {
		b.t.Fatalf("bridge write: %v", err)
	}
}

func (b *fakeBridge) h() codec.Header { return codec.Header{Bridge: b.addr, Timestamp: 1} }

func (b *fakeBridge) event(dev codec.Address, ev codec.Event) {
	b.send(codec.DeviceEvent{Header: b.h(), Device: dev, Event: ev})
}

// command waits for the next command from the server.
func (b *fakeBridge) command() codec.Command {
	b.t.Helper()
	return b.commandWithin(10 * time.Second)
}

// commandWithin waits up to d for the next command from the server.
func (b *fakeBridge) commandWithin(d time.Duration) codec.Command {
	b.t.Helper()
	select {
	case c := <-b.cmds:
		return c
	case <-b.gone:
		b.t.Fatal("the server closed the socket")
	case <-time.After(d):
		b.t.Fatalf("no command from the server in %v", d)
	}
	return nil
}

// noCommand checks no command comes for a while.
func (b *fakeBridge) noCommand(wait time.Duration) {
	b.t.Helper()
	select {
	case c := <-b.cmds:
		b.t.Fatalf("unexpected command %#v", c)
	case <-time.After(wait):
	}
}

// expectKey waits for add_device_encryption_key and checks it carries the
// link key of code for dev.
func (b *fakeBridge) expectKey(dev codec.Address, code codec.ClaimCode) {
	b.t.Helper()
	c, ok := b.command().(codec.BridgeCommand)
	if !ok || c.Name != codec.BridgeAddDeviceEncryptionKey {
		b.t.Fatalf("got %#v, want add_device_encryption_key", c)
	}
	if c.Params["device_address"] != dev.String() || c.Params["encryption_key"] != code.LinkKeyBase64() {
		b.t.Fatalf("key params %v, want %s with the key of %s", c.Params, dev, code)
	}
	b.send(codec.BridgeCommandResponse{Header: b.h(), CommandID: c.ID})
}

// pair asks for a key as a reset printer does and answers it, then
// connects and heartbeats: the printer is online.
func (b *fakeBridge) pair(dev codec.Address, code codec.ClaimCode) {
	b.t.Helper()
	b.send(codec.EncryptionKeyRequired{Header: b.h(), Device: dev})
	b.expectKey(dev, code)
	b.send(codec.DeviceConnect{Header: b.h(), Device: dev})
	b.event(dev, codec.Heartbeat{Uptime: 1})
}

// device makes a device address with a given hardware xor (as a reset
// printer has: new address, same xor).
func device(n byte, xor uint32) codec.Address {
	b := [8]byte{n, 0x11, n ^ 0x5A, 0x33, 0x44, 0, 0, 0} // little-endian bytes b0..b7
	b[5] = b[0] ^ byte(xor)
	b[6] = b[1] ^ b[3] ^ byte(xor>>8)
	b[7] = b[2] ^ b[4] ^ byte(xor>>16)
	var a uint64
	for i := 7; i >= 0; i-- {
		a = a<<8 | uint64(b[i])
	}
	return codec.Address(a)
}

// printIt answers a command with success and says it printed, as a
// printer does.
func (b *fakeBridge) printIt(dev codec.Address, c codec.DeviceCommand) {
	b.t.Helper()
	b.send(codec.DeviceCommandResponse{Header: b.h(), Device: dev, CommandID: c.ID, ReturnCode: codec.ReturnSuccess})
	b.event(dev, codec.DidPrint{PrintType: codec.PrintDelivery, PrintID: c.ID})
}

// printCommand waits for the next DeviceCommand on b, for dev, and says
// which queuePrint it carries.
func printCommand(t *testing.T, b *fakeBridge, dev codec.Address) (codec.DeviceCommand, int) {
	t.Helper()
	c, p := deviceCommand(t, b, dev)
	for x := range codec.PrintWidth {
		if p.Images[0].Black(x, 0) {
			return c, x
		}
	}
	t.Fatal("a print without its mark")
	return c, -1
}

// owned is an owner's printer online behind its real bridge.
type owned struct {
	token string
	id    int64
	real  *fakeBridge
	dev   codec.Address
	code  codec.ClaimCode
}

// ownedPrinter claims a printer for ann and brings it online behind bridge
// 0xB1.
func ownedPrinter(t *testing.T, ts *testServer) owned {
	t.Helper()
	o := owned{token: ts.user("ann@example.com"), code: codec.ClaimCode{HardwareXor: 0x3C2B1A, Secret: 0x0102030405}}
	o.dev = device(1, o.code.HardwareXor)
	o.id = ts.claim(o.token, o.code).ID
	o.real = ts.bridge(0xB1)
	o.real.pair(o.dev, o.code)
	// Online, and paired: its socket is checked and its printer prints.
	eventually(t, "ann's printer online", func() bool { p := ts.printers(o.token)[0]; return p.Online && p.PairedBridge != "" })
	return o
}

// queuePrint stores a print for a printer, marked with n, as any door of
// the print path would; the queue finds it in the store.
func (ts *testServer) queuePrint(printerID int64, n int) int64 {
	ts.t.Helper()
	bm := codec.NewBitmap(1)
	bm.Set(n, 0, true)
	payload, err := codec.EncodePayload(codec.SetDeliveryAndPrint, 0, bm)
	if err != nil {
		ts.t.Fatal(err)
	}
	d, err := ts.store.CreateDelivery(ts.t.Context(), store.NewDelivery{PrinterID: printerID, Kind: "message",
		Command: uint16(codec.SetDeliveryAndPrint), Payload: payload})
	if err != nil {
		ts.t.Fatal(err)
	}
	return d.ID
}

// delivery reads a delivery from the store.
func (ts *testServer) delivery(id int64) store.Delivery {
	ts.t.Helper()
	d, err := ts.store.DeliveryByID(ts.t.Context(), id)
	if err != nil {
		ts.t.Fatal(err)
	}
	return d
}

// refused is how many bridge messages were refused for a reason.
func (ts *testServer) refused(reason string) float64 {
	return ts.metric(`paperboy_bridge_refused_total{reason="` + reason + `"}`)
}
