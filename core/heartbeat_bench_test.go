package core

import (
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"paperboy/codec"
	"paperboy/delivery"
	"paperboy/internal/storetest"
)

// BenchmarkHeartbeat is the time a bridge's heartbeat takes, from the
// bridge's write to the server having handled it, with 200 bridges online
// sending in turn, on each of the server's ways of watching sockets; and,
// beside them, a minimal gorilla/websocket server reading the same frames
// (a goroutine per socket, each frame read and dropped): the floor
// paperboy's figure is compared with. The client's side of each is the
// same, so the difference is the server's.
func BenchmarkHeartbeat(b *testing.B) {
	const bridges = 200
	b.Run("epoll", func(b *testing.B) { benchHeartbeat(b, bridges, Config{}) })
	b.Run("goroutines", func(b *testing.B) { benchHeartbeat(b, bridges, WithGoroutinePoller(Config{})) })
	b.Run("minimal", func(b *testing.B) { benchHeartbeatMinimal(b, bridges) })
}

// heartbeatFrames dials n bridges to url, each with one device, and
// returns their sockets and each one's heartbeat frame.
func heartbeatFrames(b *testing.B, url string, n int) ([]*websocket.Conn, [][]byte) {
	b.Helper()
	conns := make([]*websocket.Conn, n)
	frames := make([][]byte, n)
	for i := range n {
		ws, _, err := (&websocket.Dialer{Subprotocols: []string{Subprotocol}}).Dial(url, nil)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { ws.Close() })
		go func() { // commands, if any, are read and dropped
			for {
				if _, _, err := ws.ReadMessage(); err != nil {
					return
				}
			}
		}()
		h := codec.Header{Bridge: codec.Address(0xB0000 + i), Timestamp: 1}
		dev := codec.Address(0xD0000 + i)
		for _, m := range []codec.Message{codec.PowerOn{Header: h}, codec.DeviceConnect{Header: h, Device: dev}} {
			data, _ := codec.EncodeMessage(m)
			if err := ws.WriteMessage(websocket.TextMessage, data); err != nil {
				b.Fatal(err)
			}
		}
		frames[i], _ = codec.EncodeMessage(codec.DeviceEvent{Header: h, Device: dev, Event: codec.Heartbeat{Uptime: 100}})
		conns[i] = ws
	}
	return conns, frames
}

// sendHeartbeats sends b.N heartbeats in turn over conns and waits until
// handled reports them all.
func sendHeartbeats(b *testing.B, conns []*websocket.Conn, frames [][]byte, handled func() int) {
	b.Helper()
	start := handled()
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		if err := conns[i%len(conns)].WriteMessage(websocket.TextMessage, frames[i%len(conns)]); err != nil {
			b.Fatal(err)
		}
	}
	deadline := time.Now().Add(time.Minute)
	for handled()-start < b.N {
		if time.Now().After(deadline) {
			b.Fatalf("%d of %d heartbeats handled", handled()-start, b.N)
		}
		time.Sleep(time.Millisecond)
	}
}

func benchHeartbeat(b *testing.B, bridges int, cfg Config) {
	st := storetest.Open(b, "sqlite")
	queue := delivery.New(st, delivery.Config{}, slog.New(slog.DiscardHandler))
	defer queue.Close()
	cfg.Listen, cfg.HTTP.MaxConnsPerAddress, cfg.NewDevicesPerHour = "127.0.0.1:0", -1, 10*bridges
	srv := New(cfg, Parts{Store: st, Queue: queue}, slog.New(slog.DiscardHandler))
	if err := srv.Start(); err != nil {
		b.Fatal(err)
	}
	defer srv.Shutdown(b.Context())
	conns, frames := heartbeatFrames(b, "ws://"+srv.Addr()+"/api/v1/connection", bridges)
	deadline := time.Now().Add(time.Minute)
	for srv.presence.onlineCount() < bridges {
		if time.Now().After(deadline) {
			b.Fatal("devices not online")
		}
		time.Sleep(time.Millisecond)
	}
	sendHeartbeats(b, conns, frames, srv.heartbeatsIn)
}

// benchHeartbeatMinimal serves the bridges as the least a gorilla server
// does: the handler returns, a goroutine per socket reads each frame.
func benchHeartbeatMinimal(b *testing.B, bridges int) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	var read atomic.Int64
	up := websocket.Upgrader{Subprotocols: []string{Subprotocol}, ReadBufferSize: 1024, WriteBufferPool: &sync.Pool{}}
	hs := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		go func() {
			defer ws.Close()
			for {
				if _, _, err := ws.ReadMessage(); err != nil {
					return
				}
				read.Add(1)
			}
		}()
	})}
	go hs.Serve(ln)
	defer hs.Close()
	conns, frames := heartbeatFrames(b, "ws://"+ln.Addr().String()+"/", bridges)
	for read.Load() < int64(2*bridges) {
		time.Sleep(time.Millisecond)
	}
	sendHeartbeats(b, conns, frames, func() int { return int(read.Load()) })
}

func (p *presence) onlineCount() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.online
}

// heartbeatsIn is how many heartbeats the server has counted.
func (s *Server) heartbeatsIn() int {
	mfs, _ := s.metrics.reg.Gather()
	for _, mf := range mfs {
		if mf.GetName() != "paperboy_bridge_messages_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "type" && l.GetValue() == "DeviceHeartbeat" {
					return int(m.GetCounter().GetValue())
				}
			}
		}
	}
	return 0
}
