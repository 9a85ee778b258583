//go:build !linux

package core

import (
	"io"
	"net"
)

// newPoller is a goroutine per socket: epoll is Linux's.
func newPoller(s *Server) poller {
	return goroutinePoller{readable: s.readable}
}

// socketReader is the connection itself: raw reads are Linux's.
func socketReader(conn net.Conn) io.Reader { return conn }
