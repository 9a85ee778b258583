package core

import (
	"errors"
	"io"
	"log/slog"
	"net"
	"os"
	"sync"
	"syscall"
	"unsafe"
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
// itself: a heartbeat wakes one thread, as it would a goroutine blocked on
// its socket. A loop held up by one socket (a slow frame, a busy store
// worker) gives its place to a new loop (reader.overdue), on a copy of the
// descriptor of its own.
//
// Go's poller watches the sockets too (the net package's reads and writes
// wait on it); the two do not disturb each other. Every epoll call is made
// inside RawConn.Control of the socket and of the epoll instance, which
// keeps both descriptors open meanwhile: one closing at the same time
// cannot have its number handed to another under us.
type epoller struct {
	srv      *Server
	file     *os.File // the epoll instance, for epoll_ctl
	raw      syscall.RawConn
	fallback goroutinePoller // for connections with no descriptor

	mu     sync.Mutex
	conns  map[uint64]*bridgeConn // by the id epoll knows them by
	next   uint64
	loops  map[*os.File]struct{} // each loop's descriptor of the instance
	closed bool
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
	p := &epoller{srv: s, file: os.NewFile(uintptr(fd), "bridge-epoll"), fallback: goroutinePoller{readable: s.readable},
		conns: map[uint64]*bridgeConn{}, loops: map[*os.File]struct{}{}}
	if p.raw, err = p.file.SyscallConn(); err != nil {
		p.file.Close()
		return nil, err
	}
	// Non-blocking (after os.NewFile: the instance's own descriptor is not
	// Go's poller's), so that os.NewFile hands the loops' copies to Go's
	// poller.
	if err := syscall.SetNonblock(fd, true); err != nil {
		p.file.Close()
		return nil, err
	}
	// One loop: two would wake each other's threads at every event, taking
	// turns at the descriptor. A loop held up gives its place to another.
	if err := p.startLoop(); err != nil {
		p.file.Close()
		return nil, err
	}
	return p, nil
}

// startLoop starts a loop on a descriptor of its own, so that a loop held
// up (serving, it holds its descriptor's read lock) stops no other.
func (p *epoller) startLoop() error {
	var dup uintptr
	var errno syscall.Errno
	err := p.raw.Control(func(fd uintptr) {
		dup, _, errno = syscall.Syscall(syscall.SYS_FCNTL, fd, syscall.F_DUPFD_CLOEXEC, 0)
	})
	if err != nil {
		return err
	}
	if errno != 0 {
		return errno
	}
	f := os.NewFile(dup, "bridge-epoll")
	raw, err := f.SyscallConn()
	if err != nil {
		f.Close()
		return err
	}
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		f.Close()
		return nil
	}
	p.loops[f] = struct{}{}
	p.mu.Unlock()
	p.srv.wg.Go(func() { p.loop(f, raw) })
	return nil
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
	p.mu.Unlock()
	c.mu.Lock() // a close at once (Shutdown) reads them
	removed := c.poll.removed
	c.poll.raw, c.poll.id = raw, id
	c.mu.Unlock()
	if removed {
		return nil
	}
	p.mu.Lock()
	p.conns[id] = c
	p.mu.Unlock()
	if err := p.ctl(c, syscall.EPOLL_CTL_ADD); err != nil {
		p.mu.Lock()
		delete(p.conns, id)
		p.mu.Unlock()
		return err
	}
	return nil
}

// ctl adds or rearms a socket's entry, while its descriptor and the
// epoll instance's are held open.
func (p *epoller) ctl(c *bridgeConn, op int) error {
	var err error
	ev := syscall.EpollEvent{Events: socketEvents}
	setEventID(&ev, c.poll.id)
	perr := p.raw.Control(func(epfd uintptr) {
		if cerr := c.poll.raw.Control(func(fd uintptr) {
			err = epollCtl(epfd, op, fd, &ev)
		}); cerr != nil {
			err = cerr
		}
	})
	return errors.Join(perr, err)
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
	c.mu.Lock()
	h := c.poll
	c.poll.removed = true
	c.mu.Unlock()
	if h.raw == nil {
		p.fallback.remove(c)
		return
	}
	p.mu.Lock()
	delete(p.conns, h.id)
	p.mu.Unlock()
	// Closing the descriptor takes it out of the set; done here too so
	// that no event comes for a socket being closed.
	p.raw.Control(func(epfd uintptr) {
		h.raw.Control(func(fd uintptr) {
			epollCtl(epfd, syscall.EPOLL_CTL_DEL, fd, nil)
		})
	})
}

// close ends the loops and closes the epoll instance.
func (p *epoller) close() {
	p.mu.Lock()
	p.closed = true
	loops := make([]*os.File, 0, len(p.loops))
	for f := range p.loops {
		loops = append(loops, f)
	}
	p.mu.Unlock()
	for _, f := range loops {
		f.Close()
	}
	p.file.Close()
}

// loop waits for sockets with something to read and serves them, until
// close, or until it gives its place to another loop. It serves them
// within the read of its descriptor, which it then goes on waiting on:
// Go's poller keeps what it said meanwhile, so that a loop woken for one
// socket asks epoll once.
func (p *epoller) loop(f *os.File, raw syscall.RawConn) {
	s := p.srv
	defer func() {
		p.mu.Lock()
		delete(p.loops, f)
		p.mu.Unlock()
		f.Close()
	}()
	w := s.newReader(func(rest []*bridgeConn) {
		if err := p.startLoop(); err != nil {
			s.log.Error("epoll loop", slog.Any("error", err))
		}
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
	raw.Read(func(epfd uintptr) bool {
		for {
			n, err := epollWaitNow(epfd, events)
			switch {
			case errors.Is(err, syscall.EINTR):
				continue
			case err != nil:
				s.log.Error("epoll", slog.Any("error", err))
				return true
			case n == 0:
				return false // wait
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
				return true // another loop has taken its place
			}
			clear(ready)
			if n < len(events) {
				return false
			}
		}
	})
}

// epollCtl and epollWaitNow are epoll_ctl and epoll_wait with no timeout:
// calls that never block, made raw (as the runtime's own poller makes
// them), so that a heartbeat does not pay twice for a blocking system
// call's bookkeeping, nor wake the runtime's monitor thread for it.
func epollCtl(epfd uintptr, op int, fd uintptr, ev *syscall.EpollEvent) error {
	_, _, errno := syscall.RawSyscall6(syscall.SYS_EPOLL_CTL, epfd, uintptr(op), fd, uintptr(unsafe.Pointer(ev)), 0, 0)
	if errno != 0 {
		return errno
	}
	return nil
}

func epollWaitNow(epfd uintptr, events []syscall.EpollEvent) (int, error) {
	n, _, errno := syscall.RawSyscall6(syscall.SYS_EPOLL_PWAIT, epfd, uintptr(unsafe.Pointer(&events[0])), uintptr(len(events)), 0, 0, 0)
	if errno != 0 {
		return 0, errno
	}
	return int(n), nil
}

// socketReader reads a bridge socket with raw read calls, as epollCtl
// calls epoll: the socket is non-blocking, so a read never blocks, and
// when there is nothing to read the reader waits in Go's poller as a
// net.Conn read would (deadlines included). A heartbeat read through
// net.Conn paid for a blocking call's bookkeeping, and woke the runtime's
// monitor thread each time the process had been idle: a sixth of the CPU
// of a heartbeat. A connection without a descriptor is read as it is.
func socketReader(conn net.Conn) io.Reader {
	sc, ok := conn.(syscall.Conn)
	if !ok {
		return conn
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return conn
	}
	return rawReader{raw}
}

type rawReader struct{ raw syscall.RawConn }

func (r rawReader) Read(b []byte) (int, error) {
	if len(b) == 0 {
		return 0, nil
	}
	var n uintptr
	var errno syscall.Errno
	err := r.raw.Read(func(fd uintptr) bool {
		for {
			n, _, errno = syscall.RawSyscall(syscall.SYS_READ, fd, uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)))
			if errno != syscall.EINTR {
				return errno != syscall.EAGAIN
			}
		}
	})
	switch {
	case err != nil:
		return 0, err // closed, or past the read deadline
	case errno != 0:
		return 0, os.NewSyscallError("read", errno)
	case n == 0:
		return 0, io.EOF
	}
	return int(n), nil
}
