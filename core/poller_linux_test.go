package core

import (
	"errors"
	"io"
	"net"
	"syscall"
	"testing"
	"time"
)

// TestSocketReader: a bridge socket read raw gives what net.Conn would:
// the bytes, io.EOF when the peer closes, a timeout past the deadline, and
// the reset and closed errors the reader tells sessions' ends by.
func TestSocketReader(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		peer func(t *testing.T, server, client *net.TCPConn) // what happens before the read
		want func(n int, got []byte, err error) bool
		says string
	}{
		{"bytes", func(t *testing.T, _, c *net.TCPConn) { c.Write([]byte("hello")) },
			func(n int, got []byte, err error) bool { return err == nil && string(got[:n]) == "hello" }, `"hello", no error`},
		{"bytes arriving later", func(t *testing.T, _, c *net.TCPConn) {
			time.AfterFunc(20*time.Millisecond, func() { c.Write([]byte("later")) })
		}, func(n int, got []byte, err error) bool { return err == nil && string(got[:n]) == "later" }, `"later", no error`},
		{"peer closed", func(t *testing.T, _, c *net.TCPConn) { c.Close() },
			func(n int, _ []byte, err error) bool {
				return n == 0 && errors.Is(err, io.EOF) && readEnd(err) == sessionBridgeClosed
			}, "io.EOF"},
		{"peer reset", func(t *testing.T, _, c *net.TCPConn) { c.SetLinger(0); c.Close() },
			func(n int, _ []byte, err error) bool {
				return n == 0 && errors.Is(err, syscall.ECONNRESET) && readEnd(err) == sessionBridgeClosed
			}, "ECONNRESET"},
		{"deadline", func(t *testing.T, s, _ *net.TCPConn) { s.SetReadDeadline(time.Now().Add(20 * time.Millisecond)) },
			func(n int, _ []byte, err error) bool {
				return n == 0 && timeout(err) && readEnd(err) == sessionTimedOut
			}, "a timeout"},
		{"closed here", func(t *testing.T, s, _ *net.TCPConn) { time.AfterFunc(20*time.Millisecond, func() { s.Close() }) },
			func(n int, _ []byte, err error) bool { return n == 0 && errors.Is(err, net.ErrClosed) }, "net.ErrClosed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			server, client := tcpPair(t)
			r := socketReader(server)
			if _, ok := r.(rawReader); !ok {
				t.Fatalf("a TCP connection is read through %T, not raw", r)
			}
			tt.peer(t, server, client)
			buf := make([]byte, 64)
			n, err := r.Read(buf)
			if !tt.want(n, buf, err) {
				t.Errorf("Read = %d %q, %v; want %s", n, buf[:n], err, tt.says)
			}
		})
	}
	if _, ok := socketReader(struct{ net.Conn }{}).(rawReader); ok {
		t.Error("a connection without a descriptor is read raw")
	}
}

// tcpPair is a connected pair of loopback TCP sockets.
func tcpPair(t *testing.T) (server, client *net.TCPConn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	s, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(); s.Close() })
	return s.(*net.TCPConn), c.(*net.TCPConn)
}
