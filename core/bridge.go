package core

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
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
	ip        string // the client address it came from
	send      chan []byte
	done      chan struct{}
	closeOnce sync.Once
	end       atomic.Pointer[string] // how it ended, for the metrics (endedBy)

	// devices are the devices this socket speaks for: a real bridge has a
	// few printers. Guarded by the presence's lock.
	devices []codec.Address

	// The reader's own: its allowance of messages.
	messages bucket

	mu   sync.Mutex
	addr codec.Address // from its first message; 0 before
	log  *slog.Logger  // with the bridge's address once known
	// Its allowance of log lines, the lines dropped since the last one
	// logged, and whether it was said that lines are dropped.
	logLines   bucket
	logDropped int
	logWarned  bool
}

// dropDevice forgets that the socket speaks for a device; the presence's
// lock must be held.
func (c *bridgeConn) dropDevice(dev codec.Address) {
	for i, d := range c.devices {
		if d == dev {
			c.devices[i] = c.devices[len(c.devices)-1]
			c.devices = c.devices[:len(c.devices)-1]
			return
		}
	}
}

// logger is the socket's logger.
func (c *bridgeConn) logger() *slog.Logger {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.log
}

// note logs a line about the socket if its allowance of log lines has
// room: a socket's messages come from anyone, and must not flood the log.
// A line dropped is counted; the next line logged says how many were, and
// the first time lines are dropped is said once.
func (c *bridgeConn) note(level slog.Level, msg string, args ...any) {
	c.mu.Lock()
	ok, _ := c.logLines.take(float64(c.srv.cfg.BridgeLogLinesPerMinute), time.Minute, time.Now())
	dropped, warn := c.logDropped, !ok && !c.logWarned
	if ok {
		c.logDropped = 0
	} else {
		c.logDropped++
		c.logWarned = true
	}
	log := c.log
	c.mu.Unlock()
	switch {
	case ok && dropped > 0:
		log.Log(context.Background(), level, msg, append(args, "log_lines_dropped_before", dropped)...)
	case ok:
		log.Log(context.Background(), level, msg, args...)
	case warn:
		log.Warn("bridge too talkative: lines about it are dropped beyond its allowance", "per_minute", c.srv.cfg.BridgeLogLinesPerMinute)
		fallthrough
	default:
		c.srv.metrics.logDropped.Inc()
	}
}

// refuse counts a message refused, and notes why.
func (c *bridgeConn) refuse(reason, msg string, args ...any) {
	c.srv.metrics.refused.WithLabelValues(reason).Inc()
	c.note(slog.LevelInfo, msg, append(args, "refused", reason)...)
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
	now := time.Now()
	c := &bridgeConn{
		srv: s, ws: ws, ip: s.clientIP(r), send: make(chan []byte, s.cfg.SendQueue), done: make(chan struct{}),
		log:      s.log.With("remote", r.RemoteAddr),
		messages: bucket{tokens: float64(s.cfg.BridgeMessagesPerSecond), last: now},
		logLines: bucket{tokens: float64(s.cfg.BridgeLogLinesPerMinute), last: now},
	}
	if ws.Subprotocol() != Subprotocol {
		c.note(slog.LevelInfo, "bridge without subprotocol", "asked", r.Header.Get("Sec-WebSocket-Protocol"))
	}
	if !s.track(c) {
		s.metrics.sessionEnded(sessionRefused)
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
				c.endedBy(sessionWriteFailed)
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
			c.endedBy(readEnd(err))
			if !c.closed() {
				c.note(slog.LevelInfo, "bridge disconnected", slog.Any("error", err))
			}
			return
		}
		// A real bridge sends a message every few seconds: a socket that
		// sends more than its allowance is read no faster than that.
		if !c.throttle() {
			return
		}
		if kind != websocket.TextMessage {
			s.metrics.malformed.Inc()
			c.note(slog.LevelInfo, "malformed message: not a text frame")
			continue
		}
		s.receive(c, codec.DecodeMessage(data))
	}
}

// throttle takes one of the socket's allowance of messages, waiting for it
// if there is none (each wait counted). It reports false if the socket
// closed meanwhile.
func (c *bridgeConn) throttle() bool {
	rate := float64(c.srv.cfg.BridgeMessagesPerSecond)
	for {
		ok, wait := c.messages.take(rate, time.Second, time.Now())
		if ok {
			return true
		}
		c.refuse("rate_limited", "bridge reads slowed: too many messages a second", "per_second", c.srv.cfg.BridgeMessagesPerSecond)
		t := time.NewTimer(wait)
		select {
		case <-c.done:
			t.Stop()
			return false
		case <-t.C:
		}
	}
}

// hub is the registry of bridge sockets: every open one, and how many
// there are of each bridge address. A socket that names a bridge address
// another socket has named closes nothing: a bridge cannot prove its
// address, so a stranger could name it (core/doc.go).
type hub struct {
	mu      sync.RWMutex
	all     map[*bridgeConn]struct{}
	byAddr  map[codec.Address]int
	closing bool
}

func (s *Server) track(c *bridgeConn) bool {
	s.hub.mu.Lock()
	defer s.hub.mu.Unlock()
	if s.hub.closing {
		return false
	}
	s.hub.all[c] = struct{}{}
	s.bridges.Add(1) // under the hub's lock: never after closeBridges
	return true
}

func (s *Server) untrack(c *bridgeConn) {
	defer s.bridges.Done()
	s.metrics.sessionEnded(c.endOutcome())
	s.hub.mu.Lock()
	delete(s.hub.all, c)
	if addr := c.address(); addr != 0 {
		if s.hub.byAddr[addr]--; s.hub.byAddr[addr] <= 0 {
			delete(s.hub.byAddr, addr)
		}
		s.metrics.bridgesOnline.Set(float64(len(s.hub.byAddr)))
	}
	s.hub.mu.Unlock()
	gone, online := s.presence.bridgeGone(c)
	s.wentOffline(gone, online)
	s.release(gone)
}

// identify records the bridge address of a socket from its first message,
// and reports whether a message naming addr may be taken from it: a
// socket speaks for one bridge, the one it named first.
func (s *Server) identify(c *bridgeConn, addr codec.Address) bool {
	c.mu.Lock()
	known := c.addr
	if known == 0 {
		c.addr = addr
		c.log = c.log.With("bridge", addr)
	}
	c.mu.Unlock()
	if known != 0 {
		return known == addr
	}
	s.hub.mu.Lock()
	s.hub.byAddr[addr]++
	others := s.hub.byAddr[addr] - 1
	s.metrics.bridgesOnline.Set(float64(len(s.hub.byAddr)))
	s.hub.mu.Unlock()
	c.note(slog.LevelInfo, "bridge connected", "other_sockets", others)
	return true
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
		c.endedBy(sessionShutdown)
		c.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseGoingAway, "server stopping"), time.Now().Add(time.Second))
		c.close()
	}
}
