package core

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
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
	// The read buffer is the one bridgeHijacker hands over (gorilla keeps a
	// hijacked reader when ReadBufferSize is 0). Write buffers are lent
	// per write: an idle socket holds none.
	WriteBufferPool: &sync.Pool{},
}

// bridgeReadBuffer is the size of a bridge socket's read buffer, the one
// buffer an idle socket keeps: a heartbeat's frame (about 200 bytes) fits
// whole, larger frames are read through it. gorilla keeps a reader it is
// given only if it holds more than 256 bytes.
const bridgeReadBuffer = 512

// bridgeConn is one bridge's socket. No goroutine waits on it: the poller
// says when it has something to read, and a reader from the pool reads
// one message at a time (readBridge); whoever sends to it writes, through
// a goroutine that lives only while frames wait (Send).
type bridgeConn struct {
	srv  *Server
	ws   *websocket.Conn
	br   *bufio.Reader // ws's read buffer: the pollers peek at it
	ip   string        // the client address it came from
	poll pollHandle
	// lastRead is when its last message was read (unix nanoseconds): a
	// socket silent for BridgeIdleTimeout is closed (sweepIdle).
	lastRead atomic.Int64
	// handoff orders what one reader of the socket did before the next
	// reads it: the poller's word passes through the kernel, where Go's
	// memory model does not see it.
	handoff   atomic.Int64
	isClosed  atomic.Bool
	closeOnce sync.Once
	end       atomic.Pointer[string] // how it ended, for the metrics (endedBy)

	// devices are the devices this socket speaks for: a real bridge has a
	// few printers. Guarded by the presence's lock.
	devices []codec.Address

	// The reader's own (one reader at a time): its allowance of messages.
	messages bucket

	mu   sync.Mutex
	addr codec.Address // from its first message; 0 before
	// Its allowance of log lines, the lines dropped since the last one
	// logged, and whether it was said that lines are dropped.
	logLines   bucket
	logDropped int32
	logWarned  bool

	// Frames waiting to be written, and whether a goroutine writes them;
	// room is closed (and nil'ed) when one is taken, for sendWait: each is
	// nil unless something waits.
	wmu     sync.Mutex
	pending [][]byte
	writing bool
	room    chan struct{}
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

// logger is the socket's logger, made when a line is logged: a logger kept
// per socket would cost every idle socket its memory.
func (c *bridgeConn) logger() *slog.Logger {
	log := c.srv.log.With("remote", c.ws.RemoteAddr().String())
	if addr := c.address(); addr != 0 {
		log = log.With("bridge", addr)
	}
	return log
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
	c.mu.Unlock()
	switch {
	case ok && dropped > 0:
		c.logger().Log(context.Background(), level, msg, append(args, "log_lines_dropped_before", dropped)...)
	case ok:
		c.logger().Log(context.Background(), level, msg, args...)
	case warn:
		c.logger().Warn("bridge too talkative: lines about it are dropped beyond its allowance", "per_minute", c.srv.cfg.BridgeLogLinesPerMinute)
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

// Send queues a device command's frame without waiting: the delivery
// queue's way out.
func (c *bridgeConn) Send(frame []byte) error {
	if err := c.enqueue(frame, nil); err != nil {
		return err
	}
	c.srv.metrics.commandsSent.WithLabelValues("DeviceCommand").Inc()
	return nil
}

// enqueue queues a frame for writing, starting a writer if none runs. With
// the queue full it fails with ErrBridgeBusy, or, given wait, returns the
// channel closed when there may be room.
func (c *bridgeConn) enqueue(frame []byte, wait *chan struct{}) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	switch {
	case c.closed():
		return ErrBridgeGone
	case len(c.pending) >= c.srv.cfg.SendQueue:
		if wait == nil {
			return ErrBridgeBusy
		}
		if c.room == nil {
			c.room = make(chan struct{})
		}
		*wait = c.room
		return ErrBridgeBusy
	}
	c.pending = append(c.pending, frame)
	if !c.writing {
		c.writing = true
		go c.writeOut()
	}
	return nil
}

// writeOut writes the frames waiting, each within WriteTimeout, and ends
// when none waits: a socket nobody sends to has no writer.
func (c *bridgeConn) writeOut() {
	for {
		c.wmu.Lock()
		if len(c.pending) == 0 || c.closed() {
			c.pending, c.writing = nil, false
			c.wmu.Unlock()
			return
		}
		frame := c.pending[0]
		c.pending[0] = nil
		c.pending = c.pending[1:]
		if c.room != nil {
			close(c.room)
			c.room = nil
		}
		c.wmu.Unlock()
		c.ws.SetWriteDeadline(time.Now().Add(c.srv.cfg.WriteTimeout))
		if err := c.ws.WriteMessage(websocket.TextMessage, frame); err != nil {
			c.endedBy(sessionWriteFailed)
			c.note(slog.LevelInfo, "bridge write failed", slog.Any("error", err))
			c.close()
		}
	}
}

// sendWait queues a frame, waiting while the queue is full until ctx ends:
// for commands that must not be dropped, sent from a worker, never from
// the socket's reader.
func (c *bridgeConn) sendWait(ctx context.Context, frame []byte) error {
	for {
		var room chan struct{}
		err := c.enqueue(frame, &room)
		if !errors.Is(err, ErrBridgeBusy) {
			return err
		}
		select {
		case <-room:
		case <-ctx.Done():
			return fmt.Errorf("%w: %w", ErrBridgeBusy, ctx.Err())
		}
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

// close ends the socket: it is no longer watched or written, and presence
// and the hub forget it. It may be called many times, from anywhere but
// under the socket's locks.
func (c *bridgeConn) close() {
	c.closeOnce.Do(func() {
		c.isClosed.Store(true)
		c.srv.poller.remove(c)
		c.ws.Close()
		c.wmu.Lock()
		if c.room != nil {
			close(c.room)
			c.room = nil
		}
		c.pending = nil
		c.wmu.Unlock()
		c.srv.untrack(c)
	})
}

func (c *bridgeConn) closed() bool { return c.isClosed.Load() }

func (c *bridgeConn) address() codec.Address {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.addr
}

// bridgeHijacker hands gorilla's upgrade a read buffer of bridgeReadBuffer
// bytes in place of net/http's (4 KB), which is then dropped with the
// request: gorilla reads through it, and the pollers peek at it.
type bridgeHijacker struct {
	http.ResponseWriter
	br   *bufio.Reader
	conn net.Conn
}

func (h *bridgeHijacker) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, brw, err := http.NewResponseController(h.ResponseWriter).Hijack()
	if err != nil {
		return nil, nil, err
	}
	if brw.Reader.Buffered() > 0 {
		conn.Close()
		return nil, nil, errors.New("bridge sent data before the handshake completed")
	}
	h.br, h.conn = bufio.NewReaderSize(conn, bridgeReadBuffer), conn
	// The writer only lends gorilla a buffer for its 101 answer.
	return conn, bufio.NewReadWriter(h.br, bufio.NewWriterSize(conn, 256)), nil
}

// handleConnection upgrades GET /api/v1/connection and hands the socket to
// the poller; it returns at once, and with it net/http's buffers and the
// request.
func (s *Server) handleConnection(w http.ResponseWriter, r *http.Request) {
	h := &bridgeHijacker{ResponseWriter: w}
	ws, err := upgrader.Upgrade(h, r, nil)
	if err != nil {
		return // the upgrader has answered the client
	}
	// gorilla's upgrade set the buffer onto the connection (measuring its
	// size), and has read nothing through it: it now reads the socket
	// raw where it can (socketReader).
	if h.br.Buffered() == 0 {
		h.br.Reset(socketReader(h.conn))
	}
	now := time.Now()
	c := &bridgeConn{
		srv: s, ws: ws, br: h.br, ip: s.clientIP(r),
		messages: bucket{tokens: float64(s.cfg.BridgeMessagesPerSecond), last: now},
		logLines: bucket{tokens: float64(s.cfg.BridgeLogLinesPerMinute), last: now},
	}
	c.lastRead.Store(now.UnixNano())
	ws.SetReadLimit(s.cfg.MaxFrameBytes)
	if ws.Subprotocol() != Subprotocol {
		c.note(slog.LevelInfo, "bridge without subprotocol", "asked", r.Header.Get("Sec-WebSocket-Protocol"))
	}
	if !s.track(c) {
		s.metrics.sessionEnded(sessionRefused)
		c.close()
		return
	}
	if err := s.poller.add(c); err != nil {
		c.note(slog.LevelError, "bridge socket not watched", slog.Any("error", err))
		c.close()
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
	// releasing are the devices of closed sockets being let go in the
	// store (Server.release).
	releasing sync.WaitGroup
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

// untrack forgets a socket that closed, and marks offline the devices it
// spoke for. It holds the hub's lock until their release is counted, so
// that Shutdown, after closeBridges, waits for every release.
func (s *Server) untrack(c *bridgeConn) {
	s.hub.mu.Lock()
	if _, ok := s.hub.all[c]; ok { // not one track refused
		defer s.bridges.Done()
		s.metrics.sessionEnded(c.endOutcome())
		delete(s.hub.all, c)
		if addr := c.address(); addr != 0 {
			if s.hub.byAddr[addr]--; s.hub.byAddr[addr] <= 0 {
				delete(s.hub.byAddr, addr)
			}
			s.metrics.bridgesOnline.Set(float64(len(s.hub.byAddr)))
		}
	}
	gone, online := s.presence.bridgeGone(c)
	if len(gone) > 0 {
		s.hub.releasing.Add(1)
	}
	s.hub.mu.Unlock()
	s.wentOffline(gone, online)
	if len(gone) > 0 {
		// Whoever closes the socket (a reader, a writer, the sweep) does not
		// wait on the store.
		go func() {
			defer s.hub.releasing.Done()
			s.release(gone)
		}()
	}
}

// identify records the bridge address of a socket from its first message,
// and reports whether a message naming addr may be taken from it: a
// socket speaks for one bridge, the one it named first. The hub's lock is
// held throughout, so that a socket closing meanwhile is counted out as
// it was counted in.
func (s *Server) identify(c *bridgeConn, addr codec.Address) bool {
	c.mu.Lock()
	known := c.addr
	c.mu.Unlock()
	if known != 0 {
		return known == addr
	}
	s.hub.mu.Lock()
	c.mu.Lock()
	known = c.addr
	if known == 0 {
		c.addr = addr
	}
	c.mu.Unlock()
	if known != 0 {
		s.hub.mu.Unlock()
		return known == addr
	}
	others := -1
	if _, ok := s.hub.all[c]; ok {
		s.hub.byAddr[addr]++
		others = s.hub.byAddr[addr] - 1
		s.metrics.bridgesOnline.Set(float64(len(s.hub.byAddr)))
	}
	s.hub.mu.Unlock()
	if others >= 0 {
		c.note(slog.LevelInfo, "bridge connected", "other_sockets", others)
	}
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
