package core_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"paperboy/codec"
	"paperboy/core"
	"paperboy/internal/storetest"
	"paperboy/store"
)

// The attacks of a stranger with a WebSocket and an account of their own,
// each against a real (fake) bridge and its owner's printer: none of them
// may forge, intercept or steal a print (core/doc.go).

func TestSecurity_ForgedOutcomes(t *testing.T) {
	// Attack 1: a socket with made-up addresses answers and says "printed"
	// for a range of command ids, and for another owner's device.
	t.Parallel()
	for _, kind := range storetest.Kinds {
		t.Run(kind, func(t *testing.T) {
			ts := newTestServer(t, kind, core.Config{})
			o := ownedPrinter(t, ts)
			first, second := ts.queuePrint(o.id, 1), ts.queuePrint(o.id, 2)
			c, n := printCommand(t, o.real, o.dev)
			if n != 1 {
				t.Fatalf("first command carries print %d", n)
			}
			rogue := ts.bridge(0xEE)
			made := device(9, 0x777777)
			rogue.send(codec.DeviceConnect{Header: rogue.h(), Device: made})
			// The ids around the one in flight: the key's (1), this one, and the
			// next few.
			var ids []uint32
			for id := uint32(1); id <= c.ID+5; id++ {
				ids = append(ids, id)
			}
			for _, id := range ids {
				for _, dev := range []codec.Address{made, o.dev} {
					rogue.send(codec.DeviceCommandResponse{Header: rogue.h(), Device: dev, CommandID: id, ReturnCode: codec.ReturnFilesystemError})
					rogue.event(dev, codec.DidPrint{PrintType: codec.PrintDelivery, PrintID: id})
				}
			}
			k := float64(len(ids))
			eventually(t, "the forgeries refused", func() bool {
				return ts.refused("answer_not_ours") == k && ts.refused("print_not_ours") == k && ts.refused("device_elsewhere") == 2*k
			})
			if d := ts.delivery(first); d.State != store.StateSent || !d.AnsweredAt.IsZero() {
				t.Fatalf("the first print is %s (answered %v): forged", d.State, d.AnsweredAt)
			}
			if d := ts.delivery(second); d.State != store.StatePending {
				t.Fatalf("the second print is %s: forged", d.State)
			}
			// The real printer's own answers still count.
			o.real.printIt(o.dev, c)
			c2, n := printCommand(t, o.real, o.dev)
			if n != 2 {
				t.Fatalf("second command carries print %d", n)
			}
			o.real.printIt(o.dev, c2)
			eventually(t, "both printed", func() bool {
				return ts.delivery(first).State == store.StatePrinted && ts.delivery(second).State == store.StatePrinted
			})
			rogue.noCommand(100 * time.Millisecond)
		})
	}
}

func TestSecurity_Interception(t *testing.T) {
	// Attack 2: sockets naming another owner's device, and its bridge's
	// address, to get its prints or cut it off.
	t.Parallel()
	ts := newTestServer(t, "sqlite", core.Config{})
	o := ownedPrinter(t, ts)
	stranger := ts.bridge(0xEE) // a bridge address of its own
	namesake := ts.bridge(0xB1) // the owner's bridge's address: power_on, closing nothing
	for _, rogue := range []*fakeBridge{stranger, namesake} {
		rogue.send(codec.DeviceConnect{Header: rogue.h(), Device: o.dev})
		rogue.event(o.dev, codec.Heartbeat{Uptime: 5})
		rogue.send(codec.PowerOn{Header: rogue.h(), Model: "A"})
	}
	eventually(t, "refused", func() bool { return ts.refused("device_elsewhere") == 4 })
	for i := range 3 {
		id := ts.queuePrint(o.id, i)
		c, n := printCommand(t, o.real, o.dev)
		if n != i {
			t.Fatalf("print %d arrived as %d", n, i)
		}
		o.real.printIt(o.dev, c)
		eventually(t, "printed", func() bool { return ts.delivery(id).State == store.StatePrinted })
	}
	stranger.noCommand(50 * time.Millisecond)
	namesake.noCommand(50 * time.Millisecond)
	select {
	case <-o.real.gone:
		t.Fatal("the real bridge was cut off")
	default:
	}
}

func TestSecurity_Takeover(t *testing.T) {
	// Attack 3: asking for an owned device's key, then claiming a code made
	// up for its hardware, or an old code.
	t.Parallel()
	for _, kind := range storetest.Kinds {
		t.Run(kind, func(t *testing.T) {
			ts := newTestServer(t, kind, core.Config{})
			o := ownedPrinter(t, ts)
			stranger, namesake := ts.bridge(0xEE), ts.bridge(0xB1)
			for _, rogue := range []*fakeBridge{stranger, namesake} {
				rogue.send(codec.EncryptionKeyRequired{Header: rogue.h(), Device: o.dev})
			}
			eventually(t, "refused", func() bool { return ts.refused("device_elsewhere") == 2 })
			stranger.noCommand(100 * time.Millisecond)
			namesake.noCommand(10 * time.Millisecond)

			// Mallory claims a code made up for the same hardware xor, and
			// the owner's own code.
			mallory := ts.user("mallory@example.com")
			made := codec.ClaimCode{HardwareXor: o.code.HardwareXor, Secret: 0xBAD}
			mp := ts.claim(mallory, made)
			if mp.DeviceAddress != "" {
				t.Fatalf("mallory's printer has the device %s", mp.DeviceAddress)
			}
			var e errorOut
			if st := ts.postJSON("/api/v1/printers/claim", mallory, map[string]string{"claim_code": o.code.String()}, &e); st != http.StatusBadRequest ||
				!strings.Contains(e.Error, "used already") {
				t.Fatalf("claiming the owner's code: %d %q, want 400 saying it is used", st, e.Error)
			}
			// A device made up with that hardware xor asks for a key: it gets
			// mallory's own, and pairs with mallory's printer; nothing of the
			// owner's changes, and the owner is not told of a reset that was
			// not (their device is online).
			fake := device(7, o.code.HardwareXor)
			stranger.send(codec.EncryptionKeyRequired{Header: stranger.h(), Device: fake})
			stranger.expectKey(fake, made)
			stranger.send(codec.DeviceConnect{Header: stranger.h(), Device: fake})
			eventually(t, "mallory's printer online", func() bool { return ts.printers(mallory)[0].Online })
			if p := ts.printers(o.token)[0]; p.DeviceAddress != o.dev.String() || !p.Online {
				t.Fatalf("ann's printer %+v", p)
			}
			var events struct{ Events []struct{ Kind string } }
			ts.do("GET", fmt.Sprintf("/api/v1/printers/%d/events", o.id), o.token, "", nil, &events)
			for _, e := range events.Events {
				if e.Kind == store.EventHandedOn {
					t.Error("ann was told her printer was handed on")
				}
			}
			id := ts.queuePrint(o.id, 4)
			c, _ := printCommand(t, o.real, o.dev)
			o.real.printIt(o.dev, c)
			eventually(t, "ann's print printed", func() bool { return ts.delivery(id).State == store.StatePrinted })
			stranger.noCommand(50 * time.Millisecond)
		})
	}
}

func TestSecurity_ResetAndNewOwner(t *testing.T) {
	// A factory reset and a new claim by another account: the printer
	// prints for them, the old owner is told, and the old owner's code
	// cannot take it back.
	t.Parallel()
	for _, kind := range storetest.Kinds {
		t.Run(kind, func(t *testing.T) {
			ts := newTestServer(t, kind, core.Config{})
			o := ownedPrinter(t, ts)
			// Reset: the old address leaves, a new one asks for its key.
			reset := device(2, o.code.HardwareXor)
			o.real.send(codec.DeviceDisconnect{Header: o.real.h(), Device: o.dev})
			o.real.send(codec.EncryptionKeyRequired{Header: o.real.h(), Device: reset})
			o.real.noCommand(200 * time.Millisecond) // the only code is spent
			bob := ts.user("bob@example.com")
			newCode := codec.ClaimCode{HardwareXor: o.code.HardwareXor, Secret: 0x0A0B0C0D0E}
			bp := ts.claim(bob, newCode)
			o.real.expectKey(reset, newCode)
			o.real.send(codec.DeviceConnect{Header: o.real.h(), Device: reset})
			eventually(t, "bob's printer online", func() bool { return ts.printers(bob)[0].Online })
			eventually(t, "ann told", func() bool { return ts.printers(o.token)[0].Status == "reset and claimed by someone else" })
			var events struct {
				Events []struct{ Kind, Message string }
			}
			ts.do("GET", fmt.Sprintf("/api/v1/printers/%d/events", o.id), o.token, "", nil, &events)
			if len(events.Events) == 0 || events.Events[0].Kind != store.EventHandedOn {
				t.Fatalf("ann's events %+v, want handed_on first", events.Events)
			}
			// Ann's old code changes nothing.
			if p := ts.claim(o.token, o.code); p.ID != o.id || p.DeviceAddress != o.dev.String() {
				t.Fatalf("ann's old code gave %+v", p)
			}
			id := ts.queuePrint(bp.ID, 3)
			c, _ := printCommand(t, o.real, reset)
			o.real.printIt(reset, c)
			eventually(t, "bob's print printed", func() bool { return ts.delivery(id).State == store.StatePrinted })
		})
	}
}

func TestSecurity_BridgeSwapConfirmedByOwner(t *testing.T) {
	// The printer shows up behind another bridge: no key and no print
	// there until its owner confirms the move; then both.
	t.Parallel()
	ts := newTestServer(t, "sqlite", core.Config{})
	o := ownedPrinter(t, ts)
	o.real.ws.Close() // the old bridge is gone
	eventually(t, "offline", func() bool { return !ts.printers(o.token)[0].Online })
	id := ts.queuePrint(o.id, 5)
	swap := ts.bridge(0xB2)
	swap.send(codec.EncryptionKeyRequired{Header: swap.h(), Device: o.dev}) // the new bridge needs its key
	eventually(t, "behind another bridge", func() bool {
		p := ts.printers(o.token)[0]
		return p.Status == "behind another bridge" && p.MovedToBridge == "00000000000000b2"
	})
	swap.noCommand(200 * time.Millisecond)
	var e errorOut
	path := fmt.Sprintf("/api/v1/printers/%d/move", o.id)
	if st := ts.postJSON(path, o.token, map[string]string{"bridge_address": "00000000000000b3"}, &e); st != http.StatusConflict {
		t.Errorf("confirming another bridge: %d %q, want 409", st, e.Error)
	}
	mallory := ts.user("mallory@example.com")
	if st := ts.postJSON(path, mallory, map[string]string{"bridge_address": "00000000000000b2"}, &e); st != http.StatusNotFound {
		t.Errorf("someone else confirming: %d, want 404", st)
	}
	var p printerOut
	if st := ts.postJSON(path, o.token, map[string]string{"bridge_address": "00000000000000b2"}, &p); st != http.StatusOK {
		t.Fatalf("confirm: %d", st)
	}
	swap.expectKey(o.dev, o.code)
	swap.send(codec.DeviceConnect{Header: swap.h(), Device: o.dev})
	c, _ := printCommand(t, swap, o.dev)
	swap.printIt(o.dev, c)
	eventually(t, "printed behind the new bridge", func() bool { return ts.delivery(id).State == store.StatePrinted })
	if p := ts.printers(o.token)[0]; p.Status != "online" || p.PairedBridge != "00000000000000b2" {
		t.Errorf("after the move %+v", p)
	}
}

func TestSecurity_ReconnectAfterANetworkFault(t *testing.T) {
	// The real bridge's socket goes half-open (silent, never closed) and
	// it dials again: the new socket is refused the device while the old
	// one may still be alive, then takes it and prints within about the
	// presence timeout.
	t.Parallel()
	ts := newTestServer(t, "sqlite", core.Config{PresenceTimeout: 1500 * time.Millisecond})
	o := ownedPrinter(t, ts)
	o.real.event(o.dev, codec.Heartbeat{Uptime: 2})
	id := ts.queuePrint(o.id, 6)
	c, _ := printCommand(t, o.real, o.dev) // sent into the dead socket, never answered
	again := ts.bridge(0xB1)
	heartbeat := time.NewTicker(100 * time.Millisecond)
	defer heartbeat.Stop()
	again.send(codec.DeviceConnect{Header: again.h(), Device: o.dev})
	for {
		again.event(o.dev, codec.Heartbeat{Uptime: 1})
		select {
		case cmd := <-again.cmds:
			dc, ok := cmd.(codec.DeviceCommand)
			if !ok || dc.ID == c.ID {
				t.Fatalf("got %#v", cmd)
			}
			if ts.refused("device_elsewhere") == 0 {
				t.Error("the new socket was not made to wait for the old one")
			}
			again.printIt(o.dev, dc)
			eventually(t, "printed", func() bool { return ts.delivery(id).State == store.StatePrinted })
			return
		case <-heartbeat.C:
		case <-time.After(10 * time.Second):
			t.Fatal("the reconnected bridge never got the print")
		}
	}
}

func TestSecurity_ReconnectReprintsAtMostOne(t *testing.T) {
	// The bridge drops its socket in the middle of a queue: what the
	// printer answered (it holds it) is not sent again; the one on its way,
	// unanswered, is, once.
	t.Parallel()
	for _, kind := range storetest.Kinds {
		t.Run(kind, func(t *testing.T) {
			ts := newTestServer(t, kind, core.Config{})
			o := ownedPrinter(t, ts)
			var ids []int64
			for i := range 5 {
				ids = append(ids, ts.queuePrint(o.id, i))
			}
			got := map[int]int{}
			c, n := printCommand(t, o.real, o.dev)
			got[n]++
			o.real.printIt(o.dev, c)
			// Answered: the printer holds it and prints it, but the socket
			// drops before its did-print.
			held, n := printCommand(t, o.real, o.dev)
			got[n]++
			o.real.send(codec.DeviceCommandResponse{Header: o.real.h(), Device: o.dev, CommandID: held.ID})
			eventually(t, "answered", func() bool { return !ts.delivery(ids[1]).AnsweredAt.IsZero() })
			o.real.ws.Close()
			eventually(t, "offline", func() bool { return !ts.printers(o.token)[0].Online })

			b := ts.bridge(0xB1)
			b.send(codec.DeviceConnect{Header: b.h(), Device: o.dev})
			_, n = printCommand(t, b, o.dev) // not the held one again
			got[n]++
			b.event(o.dev, codec.DidPrint{PrintType: codec.PrintDelivery, PrintID: held.ID})
			eventually(t, "the held one printed", func() bool { return ts.delivery(ids[1]).State == store.StatePrinted })
			// Printed, but the socket drops before its answer.
			b.ws.Close()
			eventually(t, "offline", func() bool { return !ts.printers(o.token)[0].Online })

			b = ts.bridge(0xB1)
			b.send(codec.DeviceConnect{Header: b.h(), Device: o.dev})
			for range 3 {
				c, n := printCommand(t, b, o.dev)
				got[n]++
				b.printIt(o.dev, c)
			}
			for _, id := range ids {
				eventually(t, "all printed", func() bool { return ts.delivery(id).State == store.StatePrinted })
			}
			twice := 0
			for n, k := range got {
				if k > 1 {
					twice++
					if n != 2 {
						t.Errorf("print %d sent %d times; only the unanswered one (2) may go twice", n, k)
					}
				}
			}
			if twice > 1 || len(got) != 5 {
				t.Errorf("sent %v: want each of 5 prints, one at most twice", got)
			}
		})
	}
}

func TestSecurity_Limits(t *testing.T) {
	// Limits a real bridge never reaches: each refusal counted, the socket
	// kept, the store not filled; on both ways of reading sockets.
	t.Parallel()
	for _, io := range bridgeIOs {
		t.Run(io.name, func(t *testing.T) {
			t.Parallel()
			ts := newTestServer(t, "sqlite", io.cfg(core.Config{MaxDevicesPerBridge: 3, BridgeMessagesPerSecond: 40,
				BridgeLogLinesPerMinute: 5, NewDevicesPerHour: 2}))
			rogue := ts.bridge(0xEE)
			for i := range 6 {
				rogue.send(codec.EncryptionKeyRequired{Header: rogue.h(), Device: device(byte(i), 0x010101)})
			}
			rogue.send(codec.DeviceConnect{Header: codec.Header{Bridge: 0xEF}, Device: device(9, 1)}) // another bridge's name
			eventually(t, "too many devices refused", func() bool {
				return ts.refused("too_many_devices") == 3 && ts.refused("too_many_new_devices") == 1 &&
					ts.refused("bridge_address_changed") == 1
			})
			for i := range 6 {
				_, err := ts.store.DeviceByAddress(t.Context(), device(byte(i), 0x010101).String())
				if stored := err == nil; stored != (i < 2) {
					t.Errorf("device %d stored: %v", i, stored)
				}
			}
			for range 60 {
				rogue.send(codec.BridgeLog{Header: rogue.h()})
			}
			eventually(t, "a flood slowed", func() bool { return ts.refused("rate_limited") > 0 })
			// Slowed, not lost: every message is read.
			eventually(t, "the flood read", func() bool { return ts.metric(`paperboy_bridge_messages_total{type="BridgeLog"}`) == 60 })
			if ts.metric("paperboy_bridge_log_lines_dropped_total") == 0 {
				t.Error("no log line dropped")
			}
			select {
			case <-rogue.gone:
				t.Fatal("the socket was closed")
			default:
			}
		})
	}
}

func TestSecurity_TwoInstances(t *testing.T) {
	// Two servers on one database: a socket on one naming a device that a
	// socket on the other speaks for is refused there too; once that
	// socket closes, a bridge dialling the other instance prints at once.
	t.Parallel()
	for _, kind := range storetest.Kinds {
		t.Run(kind, func(t *testing.T) {
			a := newTestServer(t, kind, core.Config{})
			b := a.sibling(core.Config{})
			o := ownedPrinter(t, a)
			// A print first: the first instance holds the printer once it
			// prints on it.
			id := a.queuePrint(o.id, 6)
			c, _ := printCommand(t, o.real, o.dev)
			o.real.printIt(o.dev, c)
			eventually(t, "printed", func() bool { return a.delivery(id).State == store.StatePrinted })
			rogue := b.bridge(0xB1) // the owner's bridge's address, on the other instance
			rogue.send(codec.DeviceConnect{Header: rogue.h(), Device: o.dev})
			rogue.event(o.dev, codec.Heartbeat{Uptime: 1})
			eventually(t, "refused on the other instance", func() bool { return b.refused("device_elsewhere") >= 1 })
			id = a.queuePrint(o.id, 7)
			c, _ = printCommand(t, o.real, o.dev)
			o.real.printIt(o.dev, c)
			eventually(t, "printed", func() bool { return a.delivery(id).State == store.StatePrinted })
			rogue.noCommand(300 * time.Millisecond)

			// The bridge's socket on the first instance closes (and the
			// stranger's); it dials the second, which may speak for its
			// printer at once.
			rogue.ws.Close()
			o.real.ws.Close()
			eventually(t, "offline on the first", func() bool { return !a.printers(o.token)[0].Online })
			id = a.queuePrint(o.id, 8)
			again := b.bridge(0xB1)
			again.send(codec.DeviceConnect{Header: again.h(), Device: o.dev})
			c, n := printCommand(t, again, o.dev)
			if n != 8 {
				t.Fatalf("the second instance sent print %d", n)
			}
			again.printIt(o.dev, c)
			eventually(t, "printed through the second", func() bool { return a.delivery(id).State == store.StatePrinted })
		})
	}
}
