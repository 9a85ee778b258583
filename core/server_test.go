package core_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"paperboy/codec"
	"paperboy/core"
	"paperboy/delivery"
	"paperboy/internal/storetest"
	"paperboy/plugins"
	"paperboy/scheduler"
	"paperboy/store"
)

// testServer is a real server on 127.0.0.1:0 over a fresh store.
type testServer struct {
	t     *testing.T
	srv   *core.Server
	store *store.Store
	base  string
}

// testMetricsToken lets the tests read their server's /metrics.
const testMetricsToken = "metrics-for-the-tests"

// part is something a test server runs on besides its config.
type part func(*testParts)

type testParts struct {
	publications *plugins.Host
	delivery     delivery.Config
	scheduler    *scheduler.Config // nil: no scheduler
	clock        delivery.Clock    // nil: the real one
}

// withPublications gives a test server publications.
func withPublications(h *plugins.Host) part { return func(p *testParts) { p.publications = h } }

// withDelivery tunes a test server's queue.
func withDelivery(c delivery.Config) part { return func(p *testParts) { p.delivery = c } }

// withScheduler runs a scheduler beside a test server, on its queue and
// publications, as cmd/paperboy does.
func withScheduler(c scheduler.Config) part { return func(p *testParts) { p.scheduler = &c } }

// withClock gives the server, its queue, its scheduler and its store one
// clock.
func withClock(c delivery.Clock) part { return func(p *testParts) { p.clock = c } }

// startServer wires a server on a store as cmd/paperboy does (a queue, the
// server, and a scheduler if asked for), starts it on 127.0.0.1:0, and
// stops it all when the test ends.
func startServer(tb testing.TB, cfg core.Config, st *store.Store, parts ...part) *core.Server {
	tb.Helper()
	var tp testParts
	for _, p := range parts {
		p(&tp)
	}
	if cfg.Listen == "" {
		cfg.Listen = "127.0.0.1:0"
	}
	log := slog.New(slog.DiscardHandler)
	if tp.clock != nil {
		st.Now, tp.delivery.Clock = tp.clock.Now, tp.clock
		if tp.scheduler != nil {
			tp.scheduler.Clock = tp.clock
		}
	}
	queue := delivery.New(st, tp.delivery, log)
	srv := core.New(cfg, core.Parts{Store: st, Queue: queue, Publications: tp.publications, Clock: tp.clock}, log)
	if err := srv.Start(); err != nil {
		queue.Close()
		tb.Fatal(err)
	}
	stopSched := func() {}
	if tp.scheduler != nil {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		sched := scheduler.New(st, tp.publications, queue, *tp.scheduler, log)
		go func() {
			defer close(done)
			sched.Run(ctx)
		}()
		stopSched = func() { cancel(); <-done }
	}
	tb.Cleanup(func() {
		stopSched()
		srv.Shutdown(context.Background())
		queue.Close()
	})
	return srv
}

func newTestServer(t *testing.T, kind string, cfg core.Config, parts ...part) *testServer {
	t.Helper()
	st := storetest.Open(t, kind)
	if cfg.MetricsToken == "" {
		cfg.MetricsToken = testMetricsToken
	}
	srv := startServer(t, cfg, st, parts...)
	return &testServer{t: t, srv: srv, store: st, base: "http://" + srv.Addr()}
}

// sibling is a second server on ts's store, as another instance sharing
// its database.
func (ts *testServer) sibling(cfg core.Config, parts ...part) *testServer {
	ts.t.Helper()
	if cfg.MetricsToken == "" {
		cfg.MetricsToken = testMetricsToken
	}
	srv := startServer(ts.t, cfg, ts.store, parts...)
	return &testServer{t: ts.t, srv: srv, store: ts.store, base: "http://" + srv.Addr()}
}

// user adds a user and returns their token.
func (ts *testServer) user(email string) string {
	ts.t.Helper()
	_, token, err := core.AddUser(ts.t.Context(), ts.store, email)
	if err != nil {
		ts.t.Fatal(err)
	}
	return token
}

// do sends a request and decodes a JSON answer into out (if not nil).
func (ts *testServer) do(method, path, token, contentType string, body io.Reader, out any) int {
	ts.t.Helper()
	var text []byte
	if body != nil {
		text, _ = io.ReadAll(body)
	}
	resp, data := ts.call(method, path, token, contentType, string(text))
	if out != nil {
		if err := json.Unmarshal([]byte(data), out); err != nil {
			ts.t.Fatalf("%s %s: %d %q is not JSON: %v", method, path, resp.StatusCode, data, err)
		}
	}
	return resp.StatusCode
}

// call sends a request and returns the answer, its body read; a redirect
// is not followed.
func (ts *testServer) call(method, path, token, contentType, body string) (*http.Response, string) {
	ts.t.Helper()
	req, err := http.NewRequest(method, ts.base+path, strings.NewReader(body))
	if err != nil {
		ts.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := noRedirects.Do(req)
	if err != nil {
		ts.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp, string(data)
}

func (ts *testServer) postJSON(path, token string, v any, out any) int {
	ts.t.Helper()
	b, _ := json.Marshal(v)
	return ts.do("POST", path, token, "application/json", bytes.NewReader(b), out)
}

type printerOut struct {
	ID            int64  `json:"id"`
	Name          string `json:"name"`
	Status        string `json:"status"`
	Online        bool   `json:"online"`
	DeviceAddress string `json:"device_address"`
	TimeZone      string `json:"time_zone"`
	PairedBridge  string `json:"paired_bridge"`
	MovedToBridge string `json:"moved_to_bridge"`
}

type errorOut struct {
	Error string `json:"error"`
}

// claim claims a code and returns the printer.
func (ts *testServer) claim(token string, code codec.ClaimCode) printerOut {
	ts.t.Helper()
	var p printerOut
	if status := ts.postJSON("/api/v1/printers/claim", token, map[string]string{"claim_code": code.String(), "name": "Kitchen"}, &p); status != http.StatusCreated {
		ts.t.Fatalf("claim: status %d", status)
	}
	return p
}

func (ts *testServer) printers(token string) []printerOut {
	ts.t.Helper()
	var out struct{ Printers []printerOut }
	if status := ts.do("GET", "/api/v1/printers", token, "", nil, &out); status != http.StatusOK {
		ts.t.Fatalf("printers: status %d", status)
	}
	return out.Printers
}

// metric reads one sample of /metrics, 0 if absent.
func (ts *testServer) metric(name string) float64 {
	ts.t.Helper()
	req, _ := http.NewRequest("GET", ts.base+"/metrics", nil)
	req.Header.Set("Authorization", "Bearer "+testMetricsToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		ts.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	for line := range strings.Lines(string(data)) {
		if rest, ok := strings.CutPrefix(line, name+" "); ok {
			var v float64
			fmt.Sscan(rest, &v)
			return v
		}
	}
	return 0
}

// fakeBridge is a bridge socket driven by the test.
type fakeBridge struct {
	t    *testing.T
	ws   *websocket.Conn
	addr codec.Address
	cmds chan codec.Command
	gone chan struct{}
}

func (ts *testServer) bridge(addr codec.Address) *fakeBridge {
	ts.t.Helper()
	d := websocket.Dialer{Subprotocols: []string{core.Subprotocol}}
	ws, _, err := d.Dial("ws://"+ts.srv.Addr()+"/api/v1/connection", nil)
	if err != nil {
		ts.t.Fatal(err)
	}
	if ws.Subprotocol() != core.Subprotocol {
		ts.t.Fatalf("subprotocol %q not echoed", ws.Subprotocol())
	}
	b := &fakeBridge{t: ts.t, ws: ws, addr: addr, cmds: make(chan codec.Command, 16), gone: make(chan struct{})}
	go func() {
		defer close(b.gone)
		for {
			_, data, err := ws.ReadMessage()
			if err != nil {
				return
			}
			c, err := codec.DecodeCommand(data)
			if err != nil {
				ts.t.Errorf("server sent a bad command: %v: %s", err, data)
				return
			}
			b.cmds <- c
		}
	}()
	ts.t.Cleanup(func() { ws.Close() })
	b.send(codec.PowerOn{Header: codec.Header{Bridge: addr}, Model: "A", FirmwareVersion: "test"})
	return b
}

func (b *fakeBridge) send(m codec.Message) {
	b.t.Helper()
	data, err := codec.EncodeMessage(m)
	if err != nil {
		b.t.Fatal(err)
	}
	b.raw(data)
}

func (b *fakeBridge) raw(data []byte) {
	b.t.Helper()
	if err := b.ws.WriteMessage(websocket.TextMessage, data); err != nil {
		b.t.Fatalf("bridge write: %v", err)
	}
}

func (b *fakeBridge) h() codec.Header { return codec.Header{Bridge: b.addr, Timestamp: 1} }

func (b *fakeBridge) event(dev codec.Address, ev codec.Event) {
	b.send(codec.DeviceEvent{Header: b.h(), Device: dev, Event: ev})
}

// command waits for the next command from the server.
func (b *fakeBridge) command() codec.Command {
	b.t.Helper()
	return b.commandWithin(10 * time.Second)
}

// commandWithin waits up to d for the next command from the server.
func (b *fakeBridge) commandWithin(d time.Duration) codec.Command {
	b.t.Helper()
	select {
	case c := <-b.cmds:
		return c
	case <-b.gone:
		b.t.Fatal("the server closed the socket")
	case <-time.After(d):
		b.t.Fatalf("no command from the server in %v", d)
	}
	return nil
}

// noCommand checks no command comes for a while.
func (b *fakeBridge) noCommand(wait time.Duration) {
	b.t.Helper()
	select {
	case c := <-b.cmds:
		b.t.Fatalf("unexpected command %#v", c)
	case <-time.After(wait):
	}
}

// expectKey waits for add_device_encryption_key and checks it carries the
// link key of code for dev.
func (b *fakeBridge) expectKey(dev codec.Address, code codec.ClaimCode) {
	b.t.Helper()
	c, ok := b.command().(codec.BridgeCommand)
	if !ok || c.Name != codec.BridgeAddDeviceEncryptionKey {
		b.t.Fatalf("got %#v, want add_device_encryption_key", c)
	}
	if c.Params["device_address"] != dev.String() || c.Params["encryption_key"] != code.LinkKeyBase64() {
		b.t.Fatalf("key params %v, want %s with the key of %s", c.Params, dev, code)
	}
	b.send(codec.BridgeCommandResponse{Header: b.h(), CommandID: c.ID})
}

// pair asks for a key as a reset printer does and answers it, then
// connects and heartbeats: the printer is online.
func (b *fakeBridge) pair(dev codec.Address, code codec.ClaimCode) {
	b.t.Helper()
	b.send(codec.EncryptionKeyRequired{Header: b.h(), Device: dev})
	b.expectKey(dev, code)
	b.send(codec.DeviceConnect{Header: b.h(), Device: dev})
	b.event(dev, codec.Heartbeat{Uptime: 1})
}

// eventually polls cond until it holds or 10 s pass.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 10 s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// device makes a device address with a given hardware xor (as a reset
// printer has: new address, same xor).
func device(n byte, xor uint32) codec.Address {
	b := [8]byte{n, 0x11, n ^ 0x5A, 0x33, 0x44, 0, 0, 0} // little-endian bytes b0..b7
	b[5] = b[0] ^ byte(xor)
	b[6] = b[1] ^ b[3] ^ byte(xor>>8)
	b[7] = b[2] ^ b[4] ^ byte(xor>>16)
	var a uint64
	for i := 7; i >= 0; i-- {
		a = a<<8 | uint64(b[i])
	}
	return codec.Address(a)
}

func TestServer_Claim(t *testing.T) {
	const xor = 0x4A3B2C
	code1 := codec.ClaimCode{HardwareXor: xor, Secret: 0x1122334455}
	code2 := codec.ClaimCode{HardwareXor: xor, Secret: 0x5544332211}
	dev1, dev2 := device(1, xor), device(2, xor)
	if dev1.HardwareXor() != xor || dev2.HardwareXor() != xor || dev1 == dev2 {
		t.Fatal("test devices are wrong")
	}
	for _, kind := range storetest.Kinds {
		t.Run(kind, func(t *testing.T) {
			t.Run("before the printer calls home", func(t *testing.T) {
				ts := newTestServer(t, kind, core.Config{})
				ann := ts.user("ann@example.com")
				p := ts.claim(ann, code1)
				if p.Status != "never seen" || p.Online {
					t.Fatalf("printer %+v, want never seen", p)
				}
				b := ts.bridge(0xB1)
				b.pair(dev1, code1)
				eventually(t, "printer online", func() bool { ps := ts.printers(ann); return ps[0].Online && ps[0].DeviceAddress == dev1.String() })
			})
			t.Run("after the printer calls home", func(t *testing.T) {
				ts := newTestServer(t, kind, core.Config{})
				ann := ts.user("ann@example.com")
				b := ts.bridge(0xB1)
				b.send(codec.EncryptionKeyRequired{Header: b.h(), Device: dev1})
				b.noCommand(200 * time.Millisecond) // nobody has claimed it
				p := ts.claim(ann, code1)
				if p.DeviceAddress != dev1.String() || p.Status != "waiting for its key" {
					t.Fatalf("printer %+v, want %s waiting for its key", p, dev1)
				}
				b.expectKey(dev1, code1) // sent at once, not at the next request
				b.send(codec.DeviceConnect{Header: b.h(), Device: dev1})
				eventually(t, "printer online", func() bool { return ts.printers(ann)[0].Online })
			})
			t.Run("a mistyped code is refused and says so", func(t *testing.T) {
				ts := newTestServer(t, kind, core.Config{})
				ann := ts.user("ann@example.com")
				typo := []byte(code1.String())
				typo[3] = map[bool]byte{true: 'z', false: 'y'}[typo[3] != 'z']
				var e errorOut
				if status := ts.postJSON("/api/v1/printers/claim", ann, map[string]string{"claim_code": string(typo)}, &e); status != http.StatusBadRequest {
					t.Fatalf("status %d, want 400", status)
				}
				if !strings.Contains(e.Error, "typo") {
					t.Errorf("error %q does not say it is a typo", e.Error)
				}
				for _, bad := range []string{"", "abcd-efgh", "aaaa-aaaa-aaaa-aaaa"} {
					if status := ts.postJSON("/api/v1/printers/claim", ann, map[string]string{"claim_code": bad}, &e); status != http.StatusBadRequest || e.Error == "" {
						t.Errorf("%q: status %d %q, want 400 with a message", bad, status, e.Error)
					}
				}
				if len(ts.printers(ann)) != 0 {
					t.Error("a refused code made a printer")
				}
			})
			t.Run("two codes for one hardware xor: the newest wins", func(t *testing.T) {
				ts := newTestServer(t, kind, core.Config{})
				ann, bob := ts.user("ann@example.com"), ts.user("bob@example.com")
				ts.claim(ann, code1)
				ts.claim(bob, code2)
				b := ts.bridge(0xB1)
				b.pair(dev1, code2)
				eventually(t, "bob's printer online", func() bool { return ts.printers(bob)[0].Online })
				if p := ts.printers(ann)[0]; p.DeviceAddress != "" || p.Online {
					t.Errorf("ann's printer %+v has the device", p)
				}
			})
			t.Run("a reset printer is found again", func(t *testing.T) {
				ts := newTestServer(t, kind, core.Config{})
				ann := ts.user("ann@example.com")
				first := ts.claim(ann, code1)
				b := ts.bridge(0xB1)
				b.pair(dev1, code1)
				eventually(t, "online", func() bool { return ts.printers(ann)[0].Online })
				// Reset: a new address with the same xor asks for its key. The
				// only code is spent (the old address was paired with it): it
				// gets none until the new code is entered.
				b.send(codec.EncryptionKeyRequired{Header: b.h(), Device: dev2})
				b.noCommand(200 * time.Millisecond)
				again := ts.claim(ann, code2)
				if again.ID != first.ID || again.DeviceAddress != dev2.String() {
					t.Fatalf("after reset: printer %+v, want printer %d with %s", again, first.ID, dev2)
				}
				b.expectKey(dev2, code2)
				b.send(codec.DeviceConnect{Header: b.h(), Device: dev2})
				eventually(t, "online again", func() bool { ps := ts.printers(ann); return len(ps) == 1 && ps[0].Online })
			})
		})
	}
}

func TestServer_Presence(t *testing.T) {
	ts := newTestServer(t, "sqlite", core.Config{PresenceTimeout: 400 * time.Millisecond})
	ann := ts.user("ann@example.com")
	code := codec.ClaimCode{HardwareXor: 0x010203, Secret: 7}
	dev := device(1, code.HardwareXor)
	ts.claim(ann, code)
	b := ts.bridge(0xB1)
	b.pair(dev, code)
	eventually(t, "online", func() bool { return ts.printers(ann)[0].Online })
	if got := ts.metric("paperboy_printers_online"); got != 1 {
		t.Errorf("printers online metric %v, want 1", got)
	}
	// A second power_on on the same socket is harmless.
	b.send(codec.PowerOn{Header: b.h(), Model: "A"})
	// Silence: offline after the presence timeout, with the socket still open.
	eventually(t, "offline after silence", func() bool { return !ts.printers(ann)[0].Online })
	b.event(dev, codec.Heartbeat{Uptime: 9})
	eventually(t, "online after a heartbeat", func() bool { return ts.printers(ann)[0].Online })
	// The socket closing takes it offline at once.
	b.ws.Close()
	eventually(t, "offline with the socket gone", func() bool { return !ts.printers(ann)[0].Online })
}

func TestServer_SecondSocketOfABridge(t *testing.T) {
	// A bridge cannot prove its address: a second socket naming it closes
	// nothing, and both are counted as one bridge online.
	ts := newTestServer(t, "sqlite", core.Config{})
	first := ts.bridge(0xB1)
	eventually(t, "one bridge", func() bool { return ts.metric("paperboy_bridges_online") == 1 })
	second := ts.bridge(0xB1)
	second.send(codec.BridgeLog{Header: second.h()})
	first.send(codec.BridgeLog{Header: first.h()})
	eventually(t, "still one bridge", func() bool { return ts.metric("paperboy_bridges_online") == 1 })
	for _, b := range []*fakeBridge{first, second} {
		select {
		case <-b.gone:
			t.Fatal("a socket was closed")
		default:
		}
	}
	second.ws.Close()
	first.send(codec.BridgeLog{Header: first.h()})
	eventually(t, "the first still online", func() bool { return ts.metric("paperboy_bridges_online") == 1 })
}

func TestServer_UnknownAndMalformed(t *testing.T) {
	ts := newTestServer(t, "sqlite", core.Config{})
	b := ts.bridge(0xB1)
	b.raw([]byte(`not json`))
	b.raw([]byte(`{"type":"BridgeEvent","bridge_address":"00000000000000b1","json_payload":{}}`))
	b.raw([]byte(`{"type":"SomethingNew","bridge_address":"00000000000000b1"}`))
	b.raw([]byte(`{"type":"BridgeEvent","bridge_address":"00000000000000b1","json_payload":{"name":"firmware_update"}}`))
	// A response for a command id the server never sent is ignored.
	b.send(codec.DeviceCommandResponse{Header: b.h(), Device: 5, CommandID: 987654, ReturnCode: codec.ReturnSuccess})
	eventually(t, "counted", func() bool {
		return ts.metric("paperboy_bridge_malformed_messages_total") == 2 &&
			ts.metric("paperboy_bridge_unknown_messages_total") == 2 &&
			ts.metric("paperboy_command_responses_unknown_total") == 1
	})
	select {
	case <-b.gone:
		t.Fatal("the socket was closed")
	default:
	}
	if ts.metric("paperboy_bridges_online") != 1 {
		t.Error("the bridge is not online")
	}
}

func TestServer_PrintEndToEnd(t *testing.T) {
	for _, kind := range storetest.Kinds {
		t.Run(kind, func(t *testing.T) {
			ts := newTestServer(t, kind, core.Config{}, withPublications(pluginHost(t, "friends")))
			ann := ts.user("ann@example.com")
			code := codec.ClaimCode{HardwareXor: 0x0A0B0C, Secret: 99}
			dev := device(3, code.HardwareXor)
			p := ts.claim(ann, code)
			b := ts.bridge(0xB2)
			b.pair(dev, code)
			var queued struct {
				DeliveryID int64 `json:"delivery_id"`
			}
			if status := ts.postJSON(fmt.Sprintf("/api/v1/printers/%d/print", p.ID), ann, map[string]string{"text": "hello"}, &queued); status != http.StatusAccepted {
				t.Fatalf("print: status %d", status)
			}
			c, ok := b.command().(codec.DeviceCommand)
			if !ok || c.Device != dev || c.Bridge != 0xB2 {
				t.Fatalf("got %#v, want a DeviceCommand for %s", c, dev)
			}
			payload, err := codec.ParsePayload(c.Payload)
			if err != nil {
				t.Fatal(err)
			}
			if payload.PrintID != c.ID || payload.Command != codec.SetDeliveryAndPrint || len(payload.Images) != 1 || payload.Images[0].Height < 20 {
				t.Fatalf("payload %+v", payload)
			}
			b.send(codec.DeviceCommandResponse{Header: b.h(), Device: dev, CommandID: c.ID, ReturnCode: codec.ReturnSuccess})
			b.event(dev, codec.DidPrint{PrintType: codec.PrintDelivery, PrintID: c.ID})
			eventually(t, "printed", func() bool {
				var out struct {
					Deliveries []struct {
						ID    int64  `json:"id"`
						State string `json:"state"`
					}
				}
				ts.do("GET", fmt.Sprintf("/api/v1/printers/%d/deliveries", p.ID), ann, "", nil, &out)
				return len(out.Deliveries) == 1 && out.Deliveries[0].ID == queued.DeliveryID && out.Deliveries[0].State == "printed"
			})
		})
	}
}

func TestServer_APIErrors(t *testing.T) {
	ts := newTestServer(t, "sqlite", core.Config{MaxUploadBytes: 64 << 10, ClaimsPerMinute: 3, PrintsPerMinute: 2}, withPublications(pluginHost(t, "friends")))
	ann, bob := ts.user("ann@example.com"), ts.user("bob@example.com")
	annsPrinter := ts.claim(ann, codec.ClaimCode{HardwareXor: 1, Secret: 1})
	bobsPath := fmt.Sprintf("/api/v1/printers/%d", annsPrinter.ID)
	big := &bytes.Buffer{}
	mw := multipart.NewWriter(big)
	fw, _ := mw.CreateFormFile("image", "big.png")
	fw.Write(make([]byte, 100<<10))
	mw.Close()
	tests := []struct {
		name        string
		method      string
		path        string
		token       string
		contentType string
		body        string
		status      int
	}{
		{"no token", "GET", "/api/v1/printers", "", "", "", http.StatusUnauthorized},
		{"bad token", "GET", "/api/v1/printers", "pb_nope", "", "", http.StatusUnauthorized},
		{"another user's printer: print", "POST", bobsPath + "/print", bob, "application/json", `{"text":"hi"}`, http.StatusNotFound},
		{"another user's printer: deliveries", "GET", bobsPath + "/deliveries", bob, "", "", http.StatusNotFound},
		{"no such printer", "GET", "/api/v1/printers/99999/deliveries", ann, "", "", http.StatusNotFound},
		{"printer id not a number", "GET", "/api/v1/printers/abc/deliveries", ann, "", "", http.StatusNotFound},
		{"unknown endpoint", "GET", "/api/v1/nothing", ann, "", "", http.StatusNotFound},
		{"empty text", "POST", bobsPath + "/print", ann, "application/json", `{"text":"  "}`, http.StatusBadRequest},
		{"not json", "POST", bobsPath + "/print", ann, "application/json", `{"text":`, http.StatusBadRequest},
		{"unknown field", "POST", bobsPath + "/print", ann, "application/json", `{"txt":"hi"}`, http.StatusBadRequest},
		{"wrong content type", "POST", bobsPath + "/print", ann, "text/plain", `hi`, http.StatusBadRequest},
		{"upload too large", "POST", bobsPath + "/print", ann, mw.FormDataContentType(), big.String(), http.StatusRequestEntityTooLarge},
		{"not an image", "POST", bobsPath + "/print", ann, "", "", http.StatusBadRequest},
		{"name too long", "POST", "/api/v1/printers/claim", ann, "application/json", `{"claim_code":"0kxx-j4eq-c152-4sej","name":"` + strings.Repeat("n", 65) + `"}`, http.StatusBadRequest},
		{"claim 2", "POST", "/api/v1/printers/claim", ann, "application/json", `{"claim_code":"0kxx-j4eq-c152-4sej"}`, http.StatusCreated},
		{"claim 3", "POST", "/api/v1/printers/claim", ann, "application/json", `{"claim_code":"0kxx-j4eq-c152-4sej"}`, http.StatusCreated},
		{"claim 4: too many", "POST", "/api/v1/printers/claim", ann, "application/json", `{"claim_code":"0kxx-j4eq-c152-4sej"}`, http.StatusTooManyRequests},
		{"print 1", "POST", bobsPath + "/print", ann, "application/json", `{"text":"one"}`, http.StatusAccepted},
		{"print 2", "POST", bobsPath + "/print", ann, "application/json", `{"text":"two"}`, http.StatusAccepted},
		{"print 3: too many", "POST", bobsPath + "/print", ann, "application/json", `{"text":"three"}`, http.StatusTooManyRequests},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body, ct := tt.body, tt.contentType
			if tt.name == "not an image" {
				var buf bytes.Buffer
				w := multipart.NewWriter(&buf)
				f, _ := w.CreateFormFile("image", "notes.txt")
				f.Write([]byte("not a picture"))
				w.Close()
				body, ct = buf.String(), w.FormDataContentType()
			}
			var e errorOut
			status := ts.do(tt.method, tt.path, tt.token, ct, strings.NewReader(body), &e)
			if status != tt.status {
				t.Fatalf("status %d (%q), want %d", status, e.Error, tt.status)
			}
			if status >= 400 && e.Error == "" {
				t.Errorf("no error message")
			}
		})
	}
}

func TestServer_PersonalityModeAndPreview(t *testing.T) {
	ts := newTestServer(t, "sqlite", core.Config{}, withPublications(pluginHost(t, "friends")), withDelivery(delivery.Config{MaxPending: 3}))
	ann := ts.user("ann@example.com")
	code := codec.ClaimCode{HardwareXor: 0x0C0D0E, Secret: 5}
	dev := device(4, code.HardwareXor)
	p := ts.claim(ann, code)
	b := ts.bridge(0xB3)
	b.pair(dev, code)
	path := fmt.Sprintf("/api/v1/printers/%d", p.ID)

	// A personality: four pictures, one SetPersonality, done on success.
	var form bytes.Buffer
	w := multipart.NewWriter(&form)
	for i, field := range []string{"face", "nothing_to_print", "cannot_see_bridge", "cannot_see_internet"} {
		img := image.NewGray(image.Rect(0, 0, 384, 10+i))
		var buf bytes.Buffer
		png.Encode(&buf, img)
		f, _ := w.CreateFormFile(field, field+".png")
		f.Write(buf.Bytes())
	}
	w.WriteField("dither", "threshold")
	w.Close()
	var queued struct {
		DeliveryID int64 `json:"delivery_id"`
	}
	if st := ts.do("POST", path+"/personality", ann, w.FormDataContentType(), &form, &queued); st != http.StatusAccepted {
		t.Fatalf("personality: status %d", st)
	}
	c := b.command().(codec.DeviceCommand)
	pl, err := codec.ParsePayload(c.Payload)
	if err != nil || pl.Command != codec.SetPersonality || len(pl.Images) != 4 || pl.Images[3].Height != 13 {
		t.Fatalf("personality payload %v %+v", err, pl)
	}
	b.send(codec.DeviceCommandResponse{Header: b.h(), Device: dev, CommandID: c.ID})

	// "button": waits for the button (SetDelivery).
	if st := ts.postJSON(path+"/print", ann, map[string]string{"text": "later", "mode": "button"}, &queued); st != http.StatusAccepted {
		t.Fatalf("print: status %d", st)
	}
	c = b.command().(codec.DeviceCommand)
	if pl, _ := codec.ParsePayload(c.Payload); pl.Command != codec.SetDelivery {
		t.Fatalf("mode button sent %v", pl.Command)
	}
	var e errorOut
	if st := ts.postJSON(path+"/print", ann, map[string]string{"text": "x", "mode": "soon"}, &e); st != http.StatusBadRequest {
		t.Errorf("bad mode: status %d", st)
	}

	// The preview is the print.
	resp, err := http.DefaultClient.Do(func() *http.Request {
		r, _ := http.NewRequest("GET", ts.base+fmt.Sprintf("%s/deliveries/%d/preview.png", path, queued.DeliveryID), nil)
		r.Header.Set("Authorization", "Bearer "+ann)
		return r
	}())
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(resp.Body)
	resp.Body.Close()
	if err != nil || resp.Header.Get("Content-Type") != "image/png" {
		t.Fatalf("preview: %v, %s", err, resp.Header.Get("Content-Type"))
	}
	sent, _ := codec.ParsePayload(c.Payload)
	for y := range sent.Images[0].Height {
		for x := range codec.PrintWidth {
			if r, _, _, _ := img.At(x, y).RGBA(); (r == 0) != sent.Images[0].Black(x, y) {
				t.Fatalf("preview differs from the print at (%d,%d)", x, y)
			}
		}
	}
	if st := ts.do("GET", fmt.Sprintf("%s/deliveries/%d/preview.png", path, 999999), ann, "", nil, &e); st != http.StatusNotFound {
		t.Errorf("preview of no delivery: %d", st)
	}

	// The queue limit: the personality is done, the button print waits;
	// with 3 open at most, the 3rd more is refused with 429 and a message.
	b.send(codec.DeviceCommandResponse{Header: b.h(), Device: dev, CommandID: c.ID})
	ts.postJSON(path+"/print", ann, map[string]string{"text": "one"}, &queued)
	ts.postJSON(path+"/print", ann, map[string]string{"text": "two"}, &queued)
	if st := ts.postJSON(path+"/print", ann, map[string]string{"text": "three"}, &e); st != http.StatusTooManyRequests || !strings.Contains(e.Error, "queue is full") {
		t.Errorf("over the queue limit: status %d %q", st, e.Error)
	}
}
