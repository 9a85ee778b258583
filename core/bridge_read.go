package core

import (
	"bytes"
	"errors"
	"log/slog"
	"net"
	"runtime"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"paperboy/codec"
)

// Reading bridge sockets: the poller says a socket has something to read
// (readable), and a reader of a small pool reads its next message with
// gorilla and handles it (serve), then asks the poller for the next. So a
// socket costs a goroutine only while it is read.
//
// A frame that arrives in parts (slow, or a stranger's slow loris) keeps
// its reader waiting for the rest. Such a reader gives its place in the
// pool to a new one after readHandoff, and finishes the frame on its own,
// within BridgeFrameTimeout of its start; a client address may have
// maxSlowReadsPerAddress such frames at once, and a socket that begins one
// more is closed. A reader that waits on anything else (the bridge's
// store worker, busy) gives its place up the same way. So the pool always
// has readers free, and a stranger holds no more goroutines than the
// sockets they may open.

// readHandoff is how long a reader may spend on one message before another
// takes its place in the pool: a frame whose parts all arrived is read in
// microseconds.
const readHandoff = 50 * time.Millisecond

// maxSlowReadsPerAddress is how many sockets of one client address may be
// in the middle of a slow frame at once: a household's bridges on a poor
// line, not a stranger's hundred.
const maxSlowReadsPerAddress = 4

// keptReadBuffer is the largest message buffer a reader keeps for the
// next message; a larger one (a big log) goes back to the garbage
// collector.
const keptReadBuffer = 16 << 10

// readers is the pool's shared state: the sockets waiting for a reader,
// and the slow frames by client address.
type readers struct {
	ready chan *bridgeConn
	mu    sync.Mutex
	slow  map[string]int
}

// poolSize is how many readers there are: reading is work for the CPU, so
// a few per CPU keep it busy.
func poolSize() int { return max(4, 2*runtime.GOMAXPROCS(0)) }

// startReaders starts the pool and the poller that feeds it.
func (s *Server) startReaders() {
	s.readers.ready = make(chan *bridgeConn, 1024)
	s.readers.slow = map[string]int{}
	if s.cfg.goroutinePoller {
		s.poller = goroutinePoller{readable: s.readable}
	} else {
		s.poller = newPoller(s)
	}
	for range poolSize() {
		s.wg.Go(s.runReader)
	}
	s.wg.Go(s.runIdleSweep)
}

// readable is the pollers' callback: c has something to read.
func (s *Server) readable(c *bridgeConn) {
	select {
	case s.readers.ready <- c:
	case <-s.ctx.Done():
	}
}

// reader is one goroutine of the pool. Its timer fires readHandoff after a
// message's read began, if it is not done by then (overdue).
type reader struct {
	s     *Server
	timer *time.Timer
	buf   []byte // the last message's buffer, kept for the next
	// replace starts a reader in this one's place, given the sockets it
	// had yet to serve.
	replace func(rest []*bridgeConn)

	mu       sync.Mutex
	conn     *bridgeConn   // the socket whose message it reads; nil between
	batch    []*bridgeConn // the sockets it has yet to serve (serveAll)
	started  time.Time
	reading  bool   // in the read of the message, not its handling
	released bool   // another reader took its place
	exited   bool   // it returned: no reader takes its place any more
	slowIP   string // counted as a slow frame of this client address
}

func (s *Server) newReader(replace func(rest []*bridgeConn)) *reader {
	w := &reader{s: s, replace: replace}
	w.timer = time.AfterFunc(time.Hour, w.overdue)
	w.timer.Stop()
	return w
}

// stop is the end of a reader's goroutine.
func (w *reader) stop() {
	w.timer.Stop()
	w.mu.Lock()
	w.exited = true
	w.mu.Unlock()
}

// runReader is a reader of the pool, which serves the sockets the
// goroutine poller finds readable.
func (s *Server) runReader() {
	w := s.newReader(func([]*bridgeConn) { s.wg.Go(s.runReader) })
	defer w.stop()
	for {
		select {
		case <-s.ctx.Done():
			return
		case c := <-s.readers.ready:
			w.serve(c)
			w.mu.Lock()
			released := w.released
			w.mu.Unlock()
			if released {
				return
			}
		}
	}
}

// serveAll serves sockets in turn, and reports whether the reader is still
// one of its pool's: if not, the one in its place has those it did not
// get to.
func (w *reader) serveAll(conns []*bridgeConn) bool {
	w.mu.Lock()
	w.batch = conns
	w.mu.Unlock()
	for {
		w.mu.Lock()
		if len(w.batch) == 0 {
			w.batch = nil
			released := w.released
			w.mu.Unlock()
			return !released
		}
		c := w.batch[0]
		w.batch = w.batch[1:]
		w.mu.Unlock()
		w.serve(c)
	}
}

// serve reads and handles c's messages while its read buffer holds some,
// then rearms the poller for it; or, over its allowance of messages, has
// it read again once there is room (a socket over its allowance is read
// slower, nothing is lost). It closes c on a read error.
func (w *reader) serve(c *bridgeConn) {
	s := w.s
	c.handoff.Load() // what the last reader of c did happens before
	for !c.closed() {
		now := time.Now()
		if ok, wait := c.messages.take(float64(s.cfg.BridgeMessagesPerSecond), time.Second, now); !ok {
			c.refuse("rate_limited", "bridge reads slowed: too many messages a second", "per_second", s.cfg.BridgeMessagesPerSecond)
			c.handoff.Add(1)
			time.AfterFunc(wait, func() { s.readable(c) })
			return
		}
		w.begin(c, now)
		kind, data, err := w.read(c)
		slow := w.endRead(c)
		if err != nil {
			w.end()
			switch {
			case c.closed():
			case slow && timeout(err):
				c.endedBy(sessionRefused)
				c.refuse("slow_frame", "bridge socket closed: a frame not whole in time, or too many slow ones from its address",
					"within", s.cfg.BridgeFrameTimeout, "max_per_address", maxSlowReadsPerAddress)
			default:
				c.endedBy(readEnd(err))
				c.note(slog.LevelInfo, "bridge disconnected", slog.Any("error", err))
			}
			c.close()
			return
		}
		c.lastRead.Store(now.UnixNano())
		if kind != websocket.TextMessage {
			s.metrics.malformed.Inc()
			c.note(slog.LevelInfo, "malformed message: not a text frame")
		} else {
			s.receive(c, codec.DecodeMessage(data))
		}
		w.end()
		if c.br.Buffered() == 0 {
			c.handoff.Add(1)
			s.poller.rearm(c)
			return
		}
	}
}

// timeout reports whether a read failed at its deadline (gorilla hides
// the error's chain: its Timeout says it).
func timeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// read reads c's next message into the reader's buffer: valid until the
// next read.
func (w *reader) read(c *bridgeConn) (int, []byte, error) {
	kind, r, err := c.ws.NextReader()
	if err != nil {
		return 0, nil, err
	}
	b := bytes.NewBuffer(w.buf[:0])
	_, err = b.ReadFrom(r)
	data := b.Bytes()
	w.buf = nil
	if cap(data) <= keptReadBuffer {
		w.buf = data[:0]
	}
	return kind, data, err
}

// begin marks the start of a message's read.
func (w *reader) begin(c *bridgeConn, now time.Time) {
	w.mu.Lock()
	w.conn, w.started, w.reading = c, now, true
	w.mu.Unlock()
	w.timer.Reset(readHandoff)
}

// endRead marks the end of a message's read, and of its slow frame if it
// was one (it says so).
func (w *reader) endRead(c *bridgeConn) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.reading = false
	if w.slowIP == "" {
		return false
	}
	w.s.slowDone(w.slowIP)
	w.slowIP = ""
	c.ws.UnderlyingConn().SetReadDeadline(time.Time{})
	return true
}

// end marks the end of a message's handling.
func (w *reader) end() {
	w.timer.Stop()
	w.mu.Lock()
	w.conn = nil
	w.mu.Unlock()
}

// overdue runs readHandoff after a message's read began, if the reader is
// still at it: a new reader takes its place in the pool, and if it is
// still reading, the frame is a slow one: it must end within
// BridgeFrameTimeout of its start, and one too many of its client address
// ends at once (the read fails, and the reader closes the socket).
func (w *reader) overdue() {
	w.mu.Lock()
	defer w.mu.Unlock()
	c := w.conn
	if c == nil || w.exited || time.Since(w.started) < readHandoff {
		return
	}
	if !w.released {
		w.released = true
		rest := w.batch
		w.batch = nil
		w.replace(rest)
	}
	if !w.reading || w.slowIP != "" {
		return
	}
	w.slowIP = c.ip
	deadline := w.started.Add(w.s.cfg.BridgeFrameTimeout)
	if !w.s.slowFrame(c.ip) {
		deadline = time.Now()
	}
	c.ws.UnderlyingConn().SetReadDeadline(deadline)
}

// slowFrame counts a slow frame of a client address, and reports whether
// it is within the address's allowance.
func (s *Server) slowFrame(ip string) bool {
	s.readers.mu.Lock()
	defer s.readers.mu.Unlock()
	s.readers.slow[ip]++
	return s.readers.slow[ip] <= maxSlowReadsPerAddress
}

// slowDone counts a slow frame's end.
func (s *Server) slowDone(ip string) {
	s.readers.mu.Lock()
	defer s.readers.mu.Unlock()
	if s.readers.slow[ip]--; s.readers.slow[ip] <= 0 {
		delete(s.readers.slow, ip)
	}
}

// runIdleSweep closes the sockets silent for BridgeIdleTimeout, until the
// server stops: the bridge sends no pings, so a half-open connection is
// only noticed by silence.
func (s *Server) runIdleSweep() {
	t := time.NewTicker(min(s.cfg.BridgeIdleTimeout/4, 30*time.Second))
	defer t.Stop()
	for {
		select {
		case <-s.ctx.Done():
			return
		case now := <-t.C:
			s.closeIdle(now)
		}
	}
}

func (s *Server) closeIdle(now time.Time) {
	before := now.Add(-s.cfg.BridgeIdleTimeout).UnixNano()
	var idle []*bridgeConn
	s.hub.mu.RLock()
	for c := range s.hub.all {
		if c.lastRead.Load() < before {
			idle = append(idle, c)
		}
	}
	s.hub.mu.RUnlock()
	for _, c := range idle {
		c.endedBy(sessionTimedOut)
		c.note(slog.LevelInfo, "bridge silent: socket closed", "for", s.cfg.BridgeIdleTimeout)
		c.close()
	}
}
