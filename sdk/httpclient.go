package sdk

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"syscall"
	"time"
)

// HTTPPolicy is how a publication may fetch; the host sets it.
type HTTPPolicy struct {
	Timeout      time.Duration // for each request, whole; default 10 s
	MaxBytes     int64         // of each response body; default 5 MB
	AllowPrivate bool          // loopback, private and link-local addresses too
}

// Defaults of HTTPPolicy.
const (
	DefaultHTTPTimeout  = 10 * time.Second
	DefaultHTTPMaxBytes = 5 << 20
)

// ErrPrivateAddress is returned for a fetch of a loopback, private or
// link-local address when the policy does not allow it: a config must not
// make the server reach into its own network.
var ErrPrivateAddress = errors.New("address not allowed: it is private")

// PrivateIP reports whether an address is one a policy without
// AllowPrivate refuses: loopback, private, link-local, multicast or
// unspecified.
func PrivateIP(ip net.IP) bool {
	return ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsUnspecified() || ip.IsMulticast()
}

// NewHTTPClient is a client that keeps to a policy: Request.HTTP.
func NewHTTPClient(p HTTPPolicy) *http.Client {
	if p.Timeout <= 0 {
		p.Timeout = DefaultHTTPTimeout
	}
	if p.MaxBytes <= 0 {
		p.MaxBytes = DefaultHTTPMaxBytes
	}
	dialer := &net.Dialer{Timeout: p.Timeout}
	if !p.AllowPrivate {
		// Control sees the address after name resolution, so a name that
		// resolves to a private address is caught too.
		dialer.Control = func(_, address string, _ syscall.RawConn) error {
			host, _, err := net.SplitHostPort(address)
			if err != nil {
				return err
			}
			if ip := net.ParseIP(host); ip == nil || PrivateIP(ip) {
				return fmt.Errorf("%s: %w", host, ErrPrivateAddress)
			}
			return nil
		}
	}
	tr := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           dialer.DialContext,
		TLSHandshakeTimeout:   p.Timeout,
		ResponseHeaderTimeout: p.Timeout,
		MaxIdleConns:          16,
		IdleConnTimeout:       30 * time.Second,
	}
	return &http.Client{Timeout: p.Timeout, Transport: capped{tr, p.MaxBytes}}
}

// capped limits the size of response bodies.
type capped struct {
	rt  http.RoundTripper
	max int64
}

func (c capped) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := c.rt.RoundTrip(r)
	if err != nil {
		return nil, err
	}
	resp.Body = &cappedBody{ReadCloser: resp.Body, left: c.max, max: c.max, url: r.URL.String()}
	return resp, nil
}

type cappedBody struct {
	io.ReadCloser
	left, max int64
	url       string
}

// Read reads up to the cap; a body of exactly the cap is fine, and one byte
// more is an error.
func (b *cappedBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		// Past the cap: more than end-of-file is an error.
		var one [1]byte
		n, err := b.ReadCloser.Read(one[:])
		if n == 0 && err != nil {
			return 0, err
		}
		return 0, fmt.Errorf("%s: the answer is larger than %d KB", b.host(), b.max>>10)
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.ReadCloser.Read(p)
	b.left -= int64(n)
	return n, err
}

// host is the address without its path and query, which may be long or
// hold a key.
func (b *cappedBody) host() string {
	if u, err := url.Parse(b.url); err == nil && u.Host != "" {
		return u.Host
	}
	return "the site"
}
