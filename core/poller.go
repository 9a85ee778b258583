package core

import (
	"errors"
	"syscall"
)

// A poller says when a bridge socket has something to read, so that an
// idle socket needs no goroutine waiting on it: on Linux the kernel's
// epoll does (poller_linux.go), elsewhere a goroutine per socket peeks
// (goroutinePoller). Either way it calls readable(c) once, then not again
// for c until rearm(c): between the two, one reader has c to itself.
type poller interface {
	// add watches a socket, armed.
	add(c *bridgeConn) error
	// rearm asks for the next readable(c), once c has been read.
	rearm(c *bridgeConn)
	// remove stops watching a socket that closes.
	remove(c *bridgeConn)
	// close stops watching every socket.
	close()
}

// pollHandle is what a poller keeps of a socket: the raw connection and
// the id epoll knows it by, or the signals of the goroutine that watches it.
type pollHandle struct {
	raw     syscall.RawConn
	id      uint64
	arm     chan struct{}
	quit    chan struct{}
	removed bool // the socket closed: add watches it no more
}

// errNoFD is why epoll cannot watch a connection that has no file
// descriptor to give; such a socket gets a goroutine.
var errNoFD = errors.New("connection without a file descriptor")

// goroutinePoller watches each socket with a goroutine of its own, blocked
// in a peek at its read buffer (which reads nothing away from gorilla):
// the portable way, and the one the tests compare epoll's with.
type goroutinePoller struct {
	readable func(*bridgeConn)
}

func (p goroutinePoller) add(c *bridgeConn) error {
	arm, quit := make(chan struct{}, 1), make(chan struct{})
	arm <- struct{}{}
	c.mu.Lock() // a close at once (Shutdown) reads them
	removed := c.poll.removed
	c.poll.arm, c.poll.quit = arm, quit
	c.mu.Unlock()
	if !removed {
		go p.watch(c, arm, quit)
	}
	return nil
}

func (p goroutinePoller) watch(c *bridgeConn, arm, quit chan struct{}) {
	for {
		select {
		case <-quit:
			return
		case <-arm:
		}
		// An error (the peer closed, or the socket did) is readable too: the
		// reader meets it and closes the socket.
		c.br.Peek(1)
		select {
		case <-quit:
			return
		default:
		}
		p.readable(c)
	}
}

func (goroutinePoller) rearm(c *bridgeConn) {
	select {
	case c.poll.arm <- struct{}{}:
	default:
	}
}

func (goroutinePoller) remove(c *bridgeConn) {
	c.mu.Lock()
	quit := c.poll.quit
	c.poll.removed = true
	c.mu.Unlock()
	if quit != nil {
		close(quit)
	}
}

func (goroutinePoller) close() {}
