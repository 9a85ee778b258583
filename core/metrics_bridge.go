package core

import (
	"errors"
	"io"
	"net"
	"syscall"

	"github.com/gorilla/websocket"
	"github.com/prometheus/client_golang/prometheus"
)

// How a bridge's socket ended (paperboy_bridge_sessions_total).
const (
	sessionBridgeClosed = "bridge_closed" // the bridge closed it, or its connection broke (EOF, reset)
	sessionTimedOut     = "timed_out"     // silent for BridgeIdleTimeout
	sessionRefused      = "refused"       // upgraded, then refused: the server was stopping
	sessionShutdown     = "shutdown"      // closed by the server stopping
	sessionWriteFailed  = "write_failed"  // a write to it failed or timed out
	sessionError        = "error"         // anything else: a frame too large, a bad frame, closed for no reason said
)

func newSessionMetrics() *prometheus.CounterVec {
	c := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "paperboy_bridge_sessions_total",
		Help: "Bridge sockets ended, by how: bridge_closed, timed_out, refused, shutdown, write_failed, error."}, []string{"outcome"})
	for _, o := range []string{sessionBridgeClosed, sessionTimedOut, sessionRefused, sessionShutdown, sessionWriteFailed, sessionError} {
		c.WithLabelValues(o)
	}
	return c
}

// sessionEnded counts a bridge socket that ended.
func (m *metrics) sessionEnded(outcome string) { m.sessions.WithLabelValues(outcome).Inc() }

// endedBy records how a bridge's socket ended, if nothing has yet: the
// first to see it end says how (the server closing it comes before the
// read error that follows).
func (c *bridgeConn) endedBy(outcome string) { c.end.CompareAndSwap(nil, &outcome) }

// endOutcome is how the socket ended: error if nothing said.
func (c *bridgeConn) endOutcome() string {
	if o := c.end.Load(); o != nil {
		return *o
	}
	return sessionError
}

// readEnd says how a socket ended from the error its read returned.
func readEnd(err error) string {
	var ce *websocket.CloseError
	var ne net.Error
	switch {
	case errors.As(err, &ce), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, syscall.ECONNRESET):
		return sessionBridgeClosed
	case errors.As(err, &ne) && ne.Timeout():
		return sessionTimedOut
	}
	return sessionError
}
