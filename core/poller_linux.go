package core

import (
	"errors"
	"log/slog"
	"os"
	"sync"
	"syscall"
)

// epoller watches bridge sockets with an epoll instance of its own: an idle
// socket costs an entry in the kernel's set and one here, no goroutine and
// no buffer. Each socket is registered one-shot, so the kernel reports it
// once and then waits for rearm: one reader has it at a time, and a socket
// that is not read (over its allowance of messages) is not reported again
// and again meanwhile.
//
// The epoll instance is itself watched by Go's poller (an epoll descriptor
// is readable while it has events), so a loop waits for it as any
// goroutine waits for a socket, and serves the sockets it reports
// itself: a heartbeat wakes one thread, as it would a goroutine
// blocked on its socket. A loop held up by one socket (a slow frame) gives
// its place to a new loop (reader.overdue).
//
// Go's poller watches the sockets too (the net package's reads and writes
// wait on it); the two do not disturb each other. Every epoll call on a
// socket's descriptor is made inside RawConn.Control, which keeps the
// descriptor open meanwhile: a socket closing at the same time cannot have
// its number handed to a new socket under us.
type epoller struct {
	srv      *Server
	fd       int
	file     *os.File // fd, for Go's poller
	raw      syscall.RawConn
	fallback goroutinePoller // for connections with no descriptor

	mu    sync.Mutex
	conns map[uint64]*bridgeConn // by the id epoll knows them by
	next  uint64
}

// newPoller is epoll, or goroutines if the kernel will not give one.
func newPoller(s *Server) poller {
	p, err := newEpoller(s)
	if err != nil {
		s.log.Warn("no epoll: a goroutine watches each bridge socket", slog.Any("error", err))
		return goroutinePoller{readable: s.readable}
	}
	return p
}

func newEpoller(s *Server) (*epoller, error) {
	fd, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	if err != nil {
		return nil, err
	}
	// Non-blocking, so that os.NewFile hands it to Go's poller.
	if err := syscall.SetNonblock(fd, true); err != nil {
		syscall.Close(fd)
		return nil, err
	}
	p := &epoller{srv: s, fd: fd, file: os.NewFile(uintptr(fd), "bridge-epoll"), fallback: goroutinePoller{readable: s.readable},
		conns: map[uint64]*bridgeConn{}}
	if p.raw, err = p.file.SyscallConn(); err != nil {
		p.file.Close()
		return nil, err
	}
	// One loop: two would wake each other's threads at every event, taking
	// turns at the descriptor. A loop held up gives its place to another.
	s.wg.Go(p.loop)
	return p, nil
}

// The 64 bits of an event's data are the socket's id (Fd and Pad are its
// halves on every architecture).
func setEventID(ev *syscall.EpollEvent, id uint64) {
	ev.Fd, ev.Pad = int32(uint32(id)), int32(uint32(id>>32))
}

func eventID(ev *syscall.EpollEvent) uint64 {
	return uint64(uint32(ev.Fd)) | uint64(uint32(ev.Pad))<<32
}

// socketEvents is what a socket is watched for: something to read, or the
// peer gone; once.
const socketEvents = syscall.EPOLLIN | syscall.EPOLLRDHUP | syscall.EPOLLONESHOT

func (p *epoller) add(c *bridgeConn) error {
	sc, ok := c.ws.UnderlyingConn().(syscall.Conn)
	if !ok {
		return p.fallback.add(c)
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		if errors.Is(err, errNoFD) {
			return p.fallback.add(c)
		}
		return err
	}
	p.mu.Lock()
	p.next++
	id := p.next
	p.conns[id] = c
	p.mu.Unlock()
	c.poll.raw, c.poll.id = raw, id
	if err := p.ctl(c, syscall.EPOLL_CTL_ADD); err != nil {
		p.mu.Lock()
		delete(p.conns, id)
		p.mu.Unlock()
		return err
	}
	return nil
}

// ctl adds or rearms a socket's entry, while its descriptor is held open.
func (p *epoller) ctl(c *bridgeConn, op int) error {
	var err error
	ev := syscall.EpollEvent{Events: socketEvents}
	setEventID(&ev, c.poll.id)
	cerr := c.poll.raw.Control(func(fd uintptr) {
		err = syscall.EpollCtl(p.fd, op, int(fd), &ev)
	})
	return errors.Join(cerr, err)
}

func (p *epoller) rearm(c *bridgeConn) {
	if c.poll.raw == nil {
		p.fallback.rearm(c)
		return
	}
	// An error means the socket closed meanwhile: nothing to watch.
	p.ctl(c, syscall.EPOLL_CTL_MOD)
}

func (p *epoller) remove(c *bridgeConn) {
	if c.poll.raw == nil {
		p.fallback.remove(c)
		return
	}
	p.mu.Lock()
	delete(p.conns, c.poll.id)
	p.mu.Unlock()
	// Closing the descriptor takes it out of the set; done here too so
	// that no event comes for a socket being closed.
	c.poll.raw.Control(func(fd uintptr) {
		syscall.EpollCtl(p.fd, syscall.EPOLL_CTL_DEL, int(fd), nil)
	})
}

// close ends the loops and closes the epoll instance.
func (p *epoller) close() {
	p.file.Close()
}

// loop waits for sockets with something to read and serves them, until
// close, or until it gives its place to another loop.
func (p *epoller) loop() {
	s := p.srv
	w := s.newReader(func(rest []*bridgeConn) {
		s.wg.Go(p.loop)
		if len(rest) > 0 {
			go func() {
				for _, c := range rest {
					s.readable(c) // to the pool
				}
			}()
		}
	})
	defer w.stop()
	events := make([]syscall.EpollEvent, 64)
	var ready []*bridgeConn
	for {
		var n int
		var werr error
		// Asked without waiting; when there is nothing, Go's poller waits
		// for the epoll descriptor to be readable, and asks again.
		err := p.raw.Read(func(uintptr) bool {
			n, werr = syscall.EpollWait(p.fd, events, 0)
			return n > 0 || (werr != nil && !errors.Is(werr, syscall.EINTR))
		})
		if err != nil {
			return // closed
		}
		if werr != nil {
			s.log.Error("epoll", slog.Any("error", werr))
			return
		}
		ready = ready[:0]
		p.mu.Lock()
		for i := range events[:n] {
			if c := p.conns[eventID(&events[i])]; c != nil {
				ready = append(ready, c)
			}
		}
		p.mu.Unlock()
		if !w.serveAll(ready) {
			return
		}
		clear(ready)
	}
}
