package core_test

import (
	"encoding/binary"
	"fmt"
	"net/http"
	"testing"
	"time"

	"paperboy/codec"
	"paperboy/core"
)

// bridgeIOs are the server's two ways of watching bridge sockets: the
// system's poller (epoll on Linux) and a goroutine per socket (elsewhere).
// The tests of the bridge's rules run on both.
var bridgeIOs = []struct {
	name string
	cfg  func(core.Config) core.Config
}{
	{"poller", func(c core.Config) core.Config { return c }},
	{"goroutines", core.WithGoroutinePoller},
}

// upgrade opens a bridge socket on a raw connection, so that the test
// writes its frames byte by byte.
func (rc *rawConn) upgrade() {
	rc.t.Helper()
	fmt.Fprintf(rc.c, "GET /api/v1/connection HTTP/1.1\r\nHost: paperboy\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: %s\r\n\r\n", core.Subprotocol)
	if resp := rc.response(); resp.StatusCode != http.StatusSwitchingProtocols {
		rc.t.Fatalf("upgrade: status %d", resp.StatusCode)
	}
}

// clientFrame is a text frame as a client sends it: masked (with a zero
// key, which leaves the payload as it is).
func clientFrame(payload []byte) []byte {
	f := []byte{0x81}
	switch n := len(payload); {
	case n < 126:
		f = append(f, 0x80|byte(n))
	default:
		f = append(f, 0x80|126)
		f = binary.BigEndian.AppendUint16(f, uint16(n))
	}
	f = append(f, 0, 0, 0, 0)
	return append(f, payload...)
}

func encoded(t *testing.T, m codec.Message) []byte {
	t.Helper()
	data, err := codec.EncodeMessage(m)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestBridge_FramesInOneWrite(t *testing.T) {
	// Several frames in one packet, and a frame split over several: each
	// message is read once, whole, whatever the packets.
	t.Parallel()
	for _, io := range bridgeIOs {
		t.Run(io.name, func(t *testing.T) {
			t.Parallel()
			ts := newTestServer(t, "sqlite", io.cfg(core.Config{}))
			rc := ts.dial()
			rc.upgrade()
			h := codec.Header{Bridge: 0xB1, Timestamp: 1}
			var all []byte
			all = append(all, clientFrame(encoded(t, codec.PowerOn{Header: h, Model: "A"}))...)
			for range 5 {
				all = append(all, clientFrame(encoded(t, codec.BridgeLog{Header: h}))...)
			}
			if _, err := rc.c.Write(all); err != nil {
				t.Fatal(err)
			}
			eventually(t, "five logs", func() bool { return ts.metric(`paperboy_bridge_messages_total{type="BridgeLog"}`) == 5 })
			// One frame in three parts, each a moment apart.
			f := clientFrame(encoded(t, codec.BridgeLog{Header: h}))
			for _, part := range [][]byte{f[:1], f[1:20], f[20:]} {
				if _, err := rc.c.Write(part); err != nil {
					t.Fatal(err)
				}
				time.Sleep(5 * time.Millisecond)
			}
			eventually(t, "six logs", func() bool { return ts.metric(`paperboy_bridge_messages_total{type="BridgeLog"}`) == 6 })
			if ts.refused("slow_frame") != 0 {
				t.Error("a frame in parts was taken for a slow loris")
			}
		})
	}
}

func TestBridge_SlowFrames(t *testing.T) {
	// Strangers' sockets each send half a frame and wait (a slow loris),
	// more of them than the server has readers: the other bridges are
	// read meanwhile, the sockets beyond the few slow frames one address
	// may have are closed at once, and the rest when their frames are not
	// whole in time.
	t.Parallel()
	for _, io := range bridgeIOs {
		t.Run(io.name, func(t *testing.T) {
			t.Parallel()
			const frameTimeout = 3 * time.Second
			ts := newTestServer(t, "sqlite", io.cfg(core.Config{BridgeFrameTimeout: frameTimeout}))
			const slow = 12
			f := clientFrame(encoded(t, codec.BridgeLog{Header: codec.Header{Bridge: 0xEE}}))
			var lorises []*rawConn
			for range slow {
				rc := ts.dial()
				rc.upgrade()
				if _, err := rc.c.Write(f[:len(f)/2]); err != nil {
					t.Fatal(err)
				}
				lorises = append(lorises, rc)
			}
			b := ts.bridge(0xB1)
			for range 3 {
				b.send(codec.BridgeLog{Header: b.h()})
			}
			eventually(t, "the bridge read", func() bool { return ts.metric(`paperboy_bridge_messages_total{type="BridgeLog"}`) == 3 })
			if ts.refused("slow_frame") == slow {
				t.Error("the bridge was read only once the slow frames timed out")
			}
			eventually(t, "slow sockets closed", func() bool { return ts.refused("slow_frame") == slow })
			for _, rc := range lorises {
				rc.closedWithin(10 * time.Second)
			}
			b.send(codec.BridgeLog{Header: b.h()})
			eventually(t, "the bridge read still", func() bool { return ts.metric(`paperboy_bridge_messages_total{type="BridgeLog"}`) == 4 })
		})
	}
}

func TestBridge_IdleClosed(t *testing.T) {
	// A socket silent for BridgeIdleTimeout is closed; one that talks is
	// not.
	t.Parallel()
	for _, io := range bridgeIOs {
		t.Run(io.name, func(t *testing.T) {
			t.Parallel()
			const idle = 400 * time.Millisecond
			ts := newTestServer(t, "sqlite", io.cfg(core.Config{BridgeIdleTimeout: idle}))
			silent, talker := ts.bridge(0xB1), ts.bridge(0xB2)
			tick := time.NewTicker(idle / 8)
			defer tick.Stop()
			for {
				select {
				case <-silent.gone:
					select {
					case <-talker.gone:
						t.Fatal("the bridge that talks was closed")
					default:
					}
					return
				case <-tick.C:
					talker.send(codec.BridgeLog{Header: talker.h()})
				case <-time.After(10 * time.Second):
					t.Fatal("the silent socket is still open")
				}
			}
		})
	}
}
