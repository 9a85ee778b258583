package core

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// The HTTP edges: who a client is (its address, or the one a trusted proxy
// names), and how many connections one address may hold.

// clientKey is what limits count a client address by: an IPv4 address
// itself, an IPv6 one by its /64, which one household or one machine holds
// whole.
func clientKey(a netip.Addr) string {
	a = a.Unmap().WithZone("")
	if a.Is6() {
		return netip.PrefixFrom(a, 64).Masked().String()
	}
	return a.String()
}

// trustedProxy says whether a is one of the reverse proxies whose
// X-Forwarded-For is believed.
func (s *Server) trustedProxy(a netip.Addr) bool {
	a = a.Unmap().WithZone("")
	for _, p := range s.cfg.HTTP.TrustedProxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// clientIP is the address a request came from, as clientKey counts it.
// X-Forwarded-For is believed only from a trusted proxy (anyone can send
// it): read from the right, the first address that is not a trusted proxy
// is the client.
func (s *Server) clientIP(r *http.Request) string {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	a := ap.Addr()
	if !s.trustedProxy(a) {
		return clientKey(a)
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		h, ok := parseHop(hops[i])
		if !ok {
			break // not an address: the proxy's word ends here
		}
		a = h
		if !s.trustedProxy(h) {
			break
		}
	}
	return clientKey(a)
}

// parseHop reads one address of X-Forwarded-For, with or without a port.
func parseHop(v string) (netip.Addr, bool) {
	v = strings.TrimSpace(v)
	if a, err := netip.ParseAddr(v); err == nil {
		return a, true
	}
	if ap, err := netip.ParseAddrPort(v); err == nil {
		return ap.Addr(), true
	}
	return netip.Addr{}, false
}

// connRetryAfter is the Retry-After of a connection refused over the cap:
// browsers close idle connections within a minute or so.
const connRetryAfter = 10 * time.Second

// capListener accepts at most max open connections from each client
// address; one more is answered 429 and closed. A reverse proxy carries
// everyone's connections, so trusted proxies are not capped.
type capListener struct {
	net.Listener
	max     int
	exempt  func(netip.Addr) bool
	refused prometheus.Counter
	mu      sync.Mutex
	open    map[string]int // by clientKey
}

func newCapListener(ln net.Listener, max int, exempt func(netip.Addr) bool, refused prometheus.Counter) *capListener {
	return &capListener{Listener: ln, max: max, exempt: exempt, refused: refused, open: map[string]int{}}
}

func (l *capListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		ap, err := netip.ParseAddrPort(c.RemoteAddr().String())
		if err != nil || l.exempt(ap.Addr()) {
			return c, nil
		}
		key := clientKey(ap.Addr())
		l.mu.Lock()
		n := l.open[key]
		if n >= l.max {
			l.mu.Unlock()
			l.refused.Inc()
			go refuseConn(c, l.max)
			continue
		}
		l.open[key] = n + 1
		l.mu.Unlock()
		return &cappedConn{Conn: c, l: l, key: key}, nil
	}
}

func (l *capListener) release(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.open[key]--; l.open[key] <= 0 {
		delete(l.open, key)
	}
}

// refuseConn answers a connection over the cap with a 429 and closes it,
// without reading its request: the answer is a courtesy, sent within a
// second or not at all.
func refuseConn(c net.Conn, max int) {
	defer c.Close()
	body := fmt.Sprintf("Too many connections from your address: at most %d at once. Close some and try again.\n", max)
	c.SetWriteDeadline(time.Now().Add(time.Second))
	fmt.Fprintf(c, "HTTP/1.1 429 Too Many Requests\r\nContent-Type: text/plain; charset=utf-8\r\nRetry-After: %d\r\n"+
		"Connection: close\r\nContent-Length: %d\r\n\r\n%s", int(connRetryAfter.Seconds()), len(body), body)
}

// cappedConn gives its place back when it closes, once; a bridge's socket
// (hijacked by the WebSocket upgrade) closes through it too.
type cappedConn struct {
	net.Conn
	l    *capListener
	key  string
	once sync.Once
}

func (c *cappedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() { c.l.release(c.key) })
	return err
}

// SyscallConn is the connection's own, for the poller (poller_linux.go).
func (c *cappedConn) SyscallConn() (syscall.RawConn, error) {
	if sc, ok := c.Conn.(syscall.Conn); ok {
		return sc.SyscallConn()
	}
	return nil, errNoFD
}

// CloseWrite half-closes a TCP connection, as net/http does after an
// answer it sends before the whole request was read (a 413), so the client
// reads the answer rather than a reset.
func (c *cappedConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}
