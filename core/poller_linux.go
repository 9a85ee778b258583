package core

import (
	"errors"
	"log/slog"
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
// Go's own poller watches the same descriptors (the net package's reads
// and writes wait on it); the two do not disturb each other. Every epoll
// call on a socket's descriptor is made inside RawConn.Control, which
// keeps the descriptor open meanwhile: a socket closing at the same time
// cannot have its number handed to a new socket under us.
type epoller struct {
	fd       int
	wake     [2]int // a pipe: a byte written ends run
	readable func(*bridgeConn)
	log      *slog.Logger
	fallback goroutinePoller // for connections with no descriptor

	mu    sync.Mutex
	conns map[uint64]*bridgeConn // by the id epoll knows them by
	next  uint64
}

// wakeID is the pipe's id in the epoll set; sockets' ids start at 1.
const wakeID = 0

// newPoller is epoll, or goroutines if the kernel will not give one.
func newPoller(readable func(*bridgeConn), log *slog.Logger) poller {
	p, err := newEpoller(readable, log)
	if err != nil {
		log.Warn("no epoll: a goroutine watches each bridge socket", slog.Any("error", err))
		return goroutinePoller{readable: readable}
	}
	return p
}

func newEpoller(readable func(*bridgeConn), log *slog.Logger) (*epoller, error) {
	fd, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	if err != nil {
		return nil, err
	}
	p := &epoller{fd: fd, readable: readable, log: log, fallback: goroutinePoller{readable: readable}, conns: map[uint64]*bridgeConn{}}
	if err := syscall.Pipe2(p.wake[:], syscall.O_CLOEXEC|syscall.O_NONBLOCK); err != nil {
		syscall.Close(fd)
		return nil, err
	}
	ev := syscall.EpollEvent{Events: syscall.EPOLLIN}
	setEventID(&ev, wakeID)
	if err := syscall.EpollCtl(fd, syscall.EPOLL_CTL_ADD, p.wake[0], &ev); err != nil {
		p.closeFDs()
		return nil, err
	}
	go p.run()
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

// close ends run, which closes the epoll instance.
func (p *epoller) close() {
	syscall.Write(p.wake[1], []byte{0})
}

func (p *epoller) closeFDs() {
	syscall.Close(p.wake[0])
	syscall.Close(p.wake[1])
	syscall.Close(p.fd)
}

// run waits for sockets with something to read and hands each to readable,
// until close. EpollWait blocks its thread in the kernel; Go runs its other
// goroutines on other threads meanwhile.
func (p *epoller) run() {
	defer p.closeFDs()
	events := make([]syscall.EpollEvent, 256)
	ready := make([]*bridgeConn, 0, len(events))
	for {
		n, err := syscall.EpollWait(p.fd, events, -1)
		if errors.Is(err, syscall.EINTR) {
			continue
		}
		if err != nil {
			p.log.Error("epoll", slog.Any("error", err))
			return
		}
		ready = ready[:0]
		p.mu.Lock()
		for i := range events[:n] {
			id := eventID(&events[i])
			if id == wakeID {
				p.mu.Unlock()
				return
			}
			if c := p.conns[id]; c != nil {
				ready = append(ready, c)
			}
		}
		p.mu.Unlock()
		for i, c := range ready {
			p.readable(c)
			ready[i] = nil
		}
	}
}
