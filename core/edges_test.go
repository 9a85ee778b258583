package core_test

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"paperboy/codec"
	"paperboy/core"
	"paperboy/delivery"
	"paperboy/internal/storetest"
)

// The HTTP edges, tried as attack 6 of issue 12 tried them: connections
// held idle or with a body trickled in, and many from one address.

// rawConn is a client connection spoken to byte by byte.
type rawConn struct {
	t  *testing.T
	c  net.Conn
	br *bufio.Reader
}

func (ts *testServer) dial() *rawConn {
	ts.t.Helper()
	c, err := net.Dial("tcp", ts.srv.Addr())
	if err != nil {
		ts.t.Fatal(err)
	}
	ts.t.Cleanup(func() { c.Close() })
	return &rawConn{t: ts.t, c: c, br: bufio.NewReader(c)}
}

// get sends a GET on the connection, keeping it open, and reads the answer.
func (rc *rawConn) get(path string) *http.Response {
	rc.t.Helper()
	fmt.Fprintf(rc.c, "GET %s HTTP/1.1\r\nHost: paperboy\r\n\r\n", path)
	return rc.response()
}

func (rc *rawConn) response() *http.Response {
	rc.t.Helper()
	rc.c.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(rc.br, nil)
	if err != nil {
		rc.t.Fatalf("no answer: %v", err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

// closedWithin waits for the server to close the connection, reading (and
// dropping) whatever it sends first; it fails if d passes first.
func (rc *rawConn) closedWithin(d time.Duration) {
	rc.t.Helper()
	rc.c.SetReadDeadline(time.Now().Add(d))
	_, err := io.Copy(io.Discard, rc.br)
	if errors.Is(err, os.ErrDeadlineExceeded) {
		rc.t.Fatalf("the server still holds the connection after %v", d)
	}
}

func TestServer_IdleConnectionClosed(t *testing.T) {
	t.Parallel()
	const idle = 300 * time.Millisecond
	ts := newTestServer(t, "sqlite", core.Config{HTTP: core.HTTPConfig{IdleTimeout: idle}})
	rc := ts.dial()
	if resp := rc.get("/healthz"); resp.StatusCode != http.StatusOK || resp.Close {
		t.Fatalf("healthz: %d, close %v", resp.StatusCode, resp.Close)
	}
	start := time.Now()
	rc.closedWithin(10 * time.Second)
	if took := time.Since(start); took < idle/2 {
		t.Errorf("closed after %v, before the idle timeout %v", took, idle)
	}
}

func TestServer_SlowBodyCut(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, "sqlite", core.Config{HTTP: core.HTTPConfig{ReadTimeout: 500 * time.Millisecond}})
	for _, path := range []string{"/signup", "/api/v1/printers/claim"} {
		t.Run(path, func(t *testing.T) {
			rc := ts.dial()
			fmt.Fprintf(rc.c, "POST %s HTTP/1.1\r\nHost: paperboy\r\nContent-Type: application/x-www-form-urlencoded\r\n"+
				"Authorization: Bearer %s\r\nContent-Length: 100000\r\n\r\n", path, ts.user(path+"@example.com"))
			stop := make(chan struct{})
			defer close(stop)
			go func() { // a byte every 50 ms, for as long as the server takes it
				tick := time.NewTicker(50 * time.Millisecond)
				defer tick.Stop()
				for {
					select {
					case <-stop:
						return
					case <-tick.C:
						if _, err := rc.c.Write([]byte("a")); err != nil {
							return
						}
					}
				}
			}()
			rc.closedWithin(10 * time.Second)
		})
	}
}

// TestServer_BridgeOutlivesHTTPTimeouts: the HTTP timeouts end with the
// upgrade; a bridge's socket lives on past all of them and still carries
// commands both ways.
func TestServer_BridgeOutlivesHTTPTimeouts(t *testing.T) {
	t.Parallel()
	const d = 200 * time.Millisecond
	ts := newTestServer(t, "sqlite", core.Config{HTTP: core.HTTPConfig{ReadHeaderTimeout: d, ReadTimeout: d, WriteTimeout: d, IdleTimeout: d}}, withPublications(pluginHost(t, "friends")))
	ann := ts.user("ann@example.com")
	code := codec.ClaimCode{HardwareXor: 0x0D0E0F, Secret: 41}
	dev := device(6, code.HardwareXor)
	p := ts.claim(ann, code)
	b := ts.bridge(0xB6)
	b.pair(dev, code)
	// A connection made after the bridge's is closed by the idle timeout,
	// and one with a body never sent by the read timeout: by then every
	// deadline the server set on the bridge's request has passed.
	idle, slow := ts.dial(), ts.dial()
	idle.get("/healthz")
	fmt.Fprintf(slow.c, "POST /signin HTTP/1.1\r\nHost: paperboy\r\nContent-Length: 10\r\n\r\n")
	idle.closedWithin(10 * time.Second)
	slow.closedWithin(10 * time.Second)
	time.Sleep(d) // the write timeout, counted from the upgrade's header
	b.event(dev, codec.Heartbeat{Uptime: 2})
	if st := ts.postJSON(fmt.Sprintf("/api/v1/printers/%d/print", p.ID), ann, map[string]string{"text": "still here"}, nil); st != http.StatusAccepted {
		t.Fatalf("print: status %d", st)
	}
	c, ok := b.command().(codec.DeviceCommand)
	if !ok || c.Device != dev {
		t.Fatalf("got %#v, want the print", c)
	}
	b.send(codec.DeviceCommandResponse{Header: b.h(), Device: dev, CommandID: c.ID, ReturnCode: codec.ReturnSuccess})
	eventually(t, "online", func() bool { return ts.printers(ann)[0].Online })
}

func TestServer_ConnectionsPerAddress(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, "sqlite", core.Config{HTTP: core.HTTPConfig{MaxConnsPerAddress: 3}})
	var held []*rawConn
	for range 3 {
		rc := ts.dial()
		if resp := rc.get("/healthz"); resp.StatusCode != http.StatusOK {
			t.Fatalf("connection %d: status %d", len(held)+1, resp.StatusCode)
		}
		held = append(held, rc)
	}
	over := ts.dial()
	resp := over.response()
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("a 4th connection: status %d, Retry-After %q; want 429 with Retry-After", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	over.closedWithin(10 * time.Second)
	// One closed, one more may come.
	held[0].c.Close()
	eventually(t, "a place given back", func() bool {
		c, err := net.Dial("tcp", ts.srv.Addr())
		if err != nil {
			return false
		}
		defer c.Close()
		fmt.Fprintf(c, "GET /healthz HTTP/1.1\r\nHost: paperboy\r\nConnection: close\r\n\r\n")
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		return err == nil && resp.StatusCode == http.StatusOK
	})
	// The others are still served.
	if resp := held[1].get("/healthz"); resp.StatusCode != http.StatusOK {
		t.Errorf("a held connection: status %d", resp.StatusCode)
	}
}

func TestServer_ConnectionsPerAddressNotForProxies(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, "sqlite", core.Config{HTTP: core.HTTPConfig{MaxConnsPerAddress: 1, TrustedProxies: mustPrefixes(t, "127.0.0.1/32")}})
	for i := range 3 {
		if resp := ts.dial().get("/healthz"); resp.StatusCode != http.StatusOK {
			t.Fatalf("connection %d from a trusted proxy: status %d", i+1, resp.StatusCode)
		}
	}
}

func TestServer_NoConnectionCap(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, "sqlite", core.Config{HTTP: core.HTTPConfig{MaxConnsPerAddress: -1}})
	for i := range core.DefaultMaxConnsPerAddress + 1 {
		if resp := ts.dial().get("/healthz"); resp.StatusCode != http.StatusOK {
			t.Fatalf("connection %d: status %d", i+1, resp.StatusCode)
		}
	}
}

func mustPrefixes(t *testing.T, vs ...string) []netip.Prefix {
	t.Helper()
	var out []netip.Prefix
	for _, v := range vs {
		p, err := netip.ParsePrefix(v)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, p)
	}
	return out
}

// checkRetryAfter fails unless an answer is a 429 that says in whole
// seconds when to try again.
func checkRetryAfter(t *testing.T, what string, status int, h http.Header) int {
	t.Helper()
	if status != http.StatusTooManyRequests {
		t.Fatalf("%s: status %d, want 429", what, status)
	}
	n, err := strconv.Atoi(h.Get("Retry-After"))
	if err != nil || n < 1 {
		t.Fatalf("%s: Retry-After %q, want whole seconds", what, h.Get("Retry-After"))
	}
	return n
}

// TestServer_RetryAfterOnEvery429: each way to a 429, in the API and in
// the web app, says when to try again (issue 12, attack 9).
func TestServer_RetryAfterOnEvery429(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, "sqlite", core.Config{ClaimsPerMinute: 1, PrintsPerMinute: 1, SignInsPerMinute: 1}, withPublications(pluginHost(t, "friends")))
	token, id, _, _ := onlinePrinter(t, ts) // its claim takes the one claim of the minute
	json := "application/json"
	twice := func(what, method, path, body string) {
		t.Helper()
		ts.call(method, path, token, json, body)
		resp, msg := ts.call(method, path, token, json, body)
		checkRetryAfter(t, what+": "+msg, resp.StatusCode, resp.Header)
	}
	resp, msg := ts.call("POST", "/api/v1/printers/claim", token, json, `{"claim_code": "0kxx-j4eq-c152-4sej"}`)
	checkRetryAfter(t, "API claim: "+msg, resp.StatusCode, resp.Header)
	twice("API print", "POST", fmt.Sprintf("/api/v1/printers/%d/print", id), `{"text": "hi"}`)
	twice("API friend code", "POST", "/api/v1/friends", `{"code": "K7QM-3XPD"}`)

	bob := ts.browser()
	bob.signUp("bob@example.com")
	bob.submit("/friends", "/friends/add", url.Values{"code": {"K7QM-3XPD"}})
	p := bob.submit("/friends", "/friends/add", url.Values{"code": {"K7QM-3XPD"}})
	checkRetryAfter(t, "web friend code", p.status, p.header)
	out := ts.browser()
	out.submit("/signin", "/signin", url.Values{"email": {"bob@example.com"}, "password": {"wrong horse"}})
	p = out.submit("/signin", "/signin", url.Values{"email": {"bob@example.com"}, "password": {"wrong horse"}})
	checkRetryAfter(t, "web sign-in", p.status, p.header)

	// A full queue: no wait is known, a minute is said.
	full := newTestServer(t, "sqlite", core.Config{}, withPublications(pluginHost(t, "friends")), withDelivery(delivery.Config{MaxPending: 1}))
	token, id, _, _ = onlinePrinter(t, full)
	path := fmt.Sprintf("/api/v1/printers/%d/print", id)
	full.call("POST", path, token, json, `{"text": "one"}`)
	resp, msg = full.call("POST", path, token, json, `{"text": "two"}`)
	if n := checkRetryAfter(t, "full queue: "+msg, resp.StatusCode, resp.Header); n != 60 {
		t.Errorf("full queue: Retry-After %d, want 60", n)
	}
}

// TestServer_MetricsOnlyForTheOperator: /metrics is served only where the
// operator says, a listener of its own or with a token (issue 12, "Low").
func TestServer_MetricsOnlyForTheOperator(t *testing.T) {
	t.Parallel()
	start := func(cfg core.Config) *core.Server { return startServer(t, cfg, storetest.Open(t, "sqlite")) }
	get := func(url, token string) int {
		t.Helper()
		req, _ := http.NewRequest("GET", url, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode == http.StatusOK && !strings.Contains(string(body), "paperboy_bridges_online") {
			t.Errorf("%s: 200 without the metrics", url)
		}
		return resp.StatusCode
	}
	plain := start(core.Config{})
	if st := get("http://"+plain.Addr()+"/metrics", ""); st != http.StatusNotFound {
		t.Errorf("no flag: /metrics %d, want 404", st)
	}
	if plain.MetricsAddr() != "" {
		t.Errorf("no flag: metrics on %s", plain.MetricsAddr())
	}
	tokened := start(core.Config{MetricsToken: "s3cret-metrics-token"})
	for token, want := range map[string]int{"": 401, "wrong": 401, "s3cret-metrics-token": 200} {
		if st := get("http://"+tokened.Addr()+"/metrics", token); st != want {
			t.Errorf("a token %q: %d, want %d", token, st, want)
		}
	}
	own := start(core.Config{MetricsListen: "127.0.0.1:0"})
	if st := get("http://"+own.MetricsAddr()+"/metrics", ""); st != http.StatusOK {
		t.Errorf("its own listener: %d, want 200", st)
	}
	if st := get("http://"+own.Addr()+"/metrics", ""); st != http.StatusNotFound {
		t.Errorf("the main listener with a listener of its own: %d, want 404", st)
	}
	if st := get("http://"+own.MetricsAddr()+"/healthz", ""); st != http.StatusNotFound {
		t.Errorf("the metrics listener serves /healthz: %d, want only /metrics", st)
	}
}
