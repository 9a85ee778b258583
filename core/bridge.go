package core

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"paperboy/codec"
	"paperboy/delivery"
)

// Subprotocol is what a bridge asks for and the server echoes
// (protocol.md, "Topology").
const Subprotocol = "bergcloud-bridge-v1"

// ErrBridgeGone is returned by Send when the bridge's socket is closed.
var ErrBridgeGone = errors.New("bridge disconnected")

// ErrBridgeBusy is returned by Send when the bridge's send queue is full.
var ErrBridgeBusy = errors.New("bridge send queue full")

var upgrader = websocket.Upgrader{
	Subprotocols: []string{Subprotocol},
	// Bridges are not browsers: there is no Origin to check.
	CheckOrigin: func(*http.Request) bool { return true },
	// Idle sockets hold a small read buffer and no write buffer: write
	// buffers are lent per write. Bridge frames are small.
	ReadBufferSize:  1024,
	WriteBufferPool: &sync.Pool{},
}

// bridgeConn is one bridge's socket. The reader goroutine is the one that
// called handleConnection; the writer owns every write.
type bridgeConn struct {
	srv       *Server
	ws        *websocket.Conn
	send      chan []byte
	done      chan struct{}
	closeOnce sync.Once

	mu   sync.Mutex
	addr codec.Address // from its first message; 0 before
	log  *slog.Logger  // with the bridge's address once known
}

// logger is the socket's logger.
func (c *bridgeConn) logger() *slog.Logger {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.log
}

var _ delivery.Sender = (*bridgeConn)(nil)

// Send queues a device command's frame for the writer without waiting: the
// delivery queue's way out.
func (c *bridgeConn) Send(frame []byte) error {
	select {
	case <-c.done:
		return ErrBridgeGone
	default:
	}
	select {
	case c.send <- frame:
		c.srv.metrics.commandsSent.WithLabelValues("DeviceCommand").Inc()
		return nil
	case <-c.done:
		return ErrBridgeGone
	default:
		return ErrBridgeBusy
	}
}

// sendWait queues a frame, waiting while the queue is full until ctx ends:
// for commands that must not be dropped, sent from a worker, never from
// the socket's reader.
func (c *bridgeConn) sendWait(ctx context.Context, frame []byte) error {
	select {
	case c.send <- frame:
		return nil
	case <-c.done:
		return ErrBridgeGone
	case <-ctx.Done():
		return fmt.Errorf("%w: %w", ErrBridgeBusy, ctx.Err())
	}
}

// sendCommand queues a command, waiting for room as sendWait, and counts
// it.
func (c *bridgeConn) sendCommand(ctx context.Context, cmd codec.Command, kind string) error {
	if err := c.sendWait(ctx, cmd.AppendFrame(nil)); err != nil {
		return err
	}
	c.srv.metrics.commandsSent.WithLabelValues(kind).Inc()
	return nil
}

// close ends the socket; both loops return. It may be called many times.
func (c *bridgeConn) close() {
	c.closeOnce.Do(func() {
		close(c.done)
		c.ws.Close()
	})
}

func (c *bridgeConn) closed() bool {
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}

func (c *bridgeConn) address() codec.Address {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.addr
}

// handleConnection upgrades GET /api/v1/connection and runs the bridge's
// reader until the socket ends.
func (s *Server) handleConnection(w http.ResponseWriter, r *http.Request) {
	ws, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return // the upgrader has answered the client
	}
	if ws.Subprotocol() != Subprotocol {
		s.log.Info("bridge without subprotocol", "remote", r.RemoteAddr, "asked", r.Header.Get("Sec-WebSocket-Protocol"))
	}
	c := &bridgeConn{
		srv: s, ws: ws, send: make(chan []byte, s.cfg.SendQueue), done: make(chan struct{}),
		log: s.log.With("remote", r.RemoteAddr),
	}
	if !s.track(c) {
		c.close()
		return
	}
	defer s.untrack(c)
	go c.writeLoop()
	c.readLoop()
}

func (c *bridgeConn) writeLoop() {
	defer c.close()
	for {
		select {
		case <-c.done:
			return
		case frame := <-c.send:
			c.ws.SetWriteDeadline(time.Now().Add(c.srv.cfg.WriteTimeout))
			if err := c.ws.WriteMessage(websocket.TextMessage, frame); err != nil {
				c.logger().Info("bridge write failed", slog.Any("error", err))
				return
			}
		}
	}
}

func (c *bridgeConn) readLoop() {
	defer c.close()
	s := c.srv
	c.ws.SetReadLimit(s.cfg.MaxFrameBytes)
	for {
		c.ws.SetReadDeadline(time.Now().Add(s.cfg.BridgeIdleTimeout))
		kind, data, err := c.ws.ReadMessage()
		if err != nil {
			if !c.closed() {
				c.logger().Info("bridge disconnected", "bridge", c.address(), slog.Any("error", err))
			}
			return
		}
		if kind != websocket.TextMessage {
			s.metrics.malformed.Inc()
			continue
		}
		s.receive(c, codec.DecodeMessage(data))
	}
}

// hub is the registry of bridge sockets: every open one, and by address
// the current one of each bridge.
type hub struct {
	mu      sync.RWMutex
	all     map[*bridgeConn]struct{}
	byAddr  map[codec.Address]*bridgeConn
	closing bool
}

func (s *Server) track(c *bridgeConn) bool {
	s.hub.mu.Lock()
	defer s.hub.mu.Unlock()
	if s.hub.closing {
		return false
	}
	s.hub.all[c] = struct{}{}
	return true
}

func (s *Server) untrack(c *bridgeConn) {
	s.hub.mu.Lock()
	delete(s.hub.all, c)
	addr := c.address()
	if s.hub.byAddr[addr] == c {
		delete(s.hub.byAddr, addr)
		s.metrics.bridgesOnline.Set(float64(len(s.hub.byAddr)))
	}
	s.hub.mu.Unlock()
	s.presence.bridgeGone(c)
}

// identify records the bridge address of a socket from its first message.
// A bridge that reconnects replaces its old socket, which is closed.
func (s *Server) identify(c *bridgeConn, addr codec.Address) {
	c.mu.Lock()
	known := c.addr != 0
	if !known {
		c.addr = addr
		c.log = c.log.With("bridge", addr)
	}
	c.mu.Unlock()
	if known {
		return
	}
	s.hub.mu.Lock()
	old := s.hub.byAddr[addr]
	s.hub.byAddr[addr] = c
	s.metrics.bridgesOnline.Set(float64(len(s.hub.byAddr)))
	s.hub.mu.Unlock()
	if old != nil && old != c {
		c.logger().Info("bridge reconnected: closing its old socket")
		old.close()
	} else {
		c.logger().Info("bridge connected")
	}
}

// bridge is the current socket of a bridge, or nil.
func (s *Server) bridge(addr codec.Address) *bridgeConn {
	s.hub.mu.RLock()
	defer s.hub.mu.RUnlock()
	return s.hub.byAddr[addr]
}

// closeBridges closes every socket and refuses new ones.
func (s *Server) closeBridges() {
	s.hub.mu.Lock()
	s.hub.closing = true
	conns := make([]*bridgeConn, 0, len(s.hub.all))
	for c := range s.hub.all {
		conns = append(conns, c)
	}
	s.hub.mu.Unlock()
	for _, c := range conns {
		c.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseGoingAway, "server stopping"), time.Now().Add(time.Second))
		c.close()
	}
}
