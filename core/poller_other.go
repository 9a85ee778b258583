//go:build !linux

package core

// newPoller is a goroutine per socket: epoll is Linux's.
func newPoller(s *Server) poller {
	return goroutinePoller{readable: s.readable}
}
