package virtual

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"paperboy/codec"
)

// waitFor bounds every wait of these tests: long enough for a loaded machine
// running -race, short enough to fail a hung test soon.
const waitFor = 5 * time.Second

// fakeServer plays the server's side of the bridge socket.
type fakeServer struct {
	url   string
	conns chan *serverConn // each socket a bridge opened
}

// serverConn is one socket as the fake server sees it: the messages the
// bridge sent, decoded, in order.
type serverConn struct {
	ws     *websocket.Conn
	msgs   chan codec.Message
	closed chan struct{} // the bridge closed the socket (or it broke)
	wmu    sync.Mutex
}

// newFakeServer starts a server that accepts the given subprotocols (none:
// it echoes no subprotocol).
func newFakeServer(t *testing.T, subprotocols ...string) *fakeServer {
	t.Helper()
	fs := &fakeServer{conns: make(chan *serverConn, 64)}
	up := websocket.Upgrader{Subprotocols: subprotocols}
	var mu sync.Mutex
	var all []*serverConn
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/v1/connection" {
			http.NotFound(w, r)
			return
		}
		ws, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		c := &serverConn{ws: ws, msgs: make(chan codec.Message, 4096), closed: make(chan struct{})}
		mu.Lock()
		all = append(all, c)
		mu.Unlock()
		go c.readLoop()
		select {
		case fs.conns <- c:
		default:
			t.Error("fake server: too many connections")
		}
	}))
	t.Cleanup(func() {
		srv.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range all {
			c.ws.Close()
			<-c.closed
		}
	})
	fs.url = "ws" + strings.TrimPrefix(srv.URL, "http") + "/api/v1/connection"
	return fs
}

func (c *serverConn) readLoop() {
	defer close(c.closed)
	for {
		_, data, err := c.ws.ReadMessage()
		if err != nil {
			return
		}
		c.msgs <- codec.DecodeMessage(data)
	}
}

// accept waits for the bridge's next socket and checks that power_on comes
// first on it.
func (fs *fakeServer) accept(t *testing.T, b *Bridge) *serverConn {
	t.Helper()
	var c *serverConn
	select {
	case c = <-fs.conns:
	case <-time.After(waitFor):
		t.Fatal("the bridge did not connect")
	}
	p := expect[codec.PowerOn](t, c.next(t))
	if p.Bridge != b.Address() {
		t.Fatalf("power_on bridge_address %s, want %s", p.Bridge, b.Address())
	}
	return c
}

// next returns the next message the bridge sent that none of skip skips.
func (c *serverConn) next(t *testing.T, skip ...func(codec.Message) bool) codec.Message {
	t.Helper()
	deadline := time.After(waitFor)
	for {
		var m codec.Message
		select {
		case m = <-c.msgs:
		case <-deadline:
			t.Fatal("no message from the bridge")
		case <-c.closed:
			select {
			case m = <-c.msgs:
			default:
				t.Fatal("the bridge closed the socket")
			}
		}
		if me, ok := m.(codec.MalformedEvent); ok {
			t.Fatalf("the bridge sent a malformed message: %v", me.Err)
		}
		skipped := false
		for _, s := range skip {
			skipped = skipped || s(m)
		}
		if !skipped {
			return m
		}
	}
}

// until returns the first message for which want is true, skipping all
// others.
func (c *serverConn) until(t *testing.T, want func(codec.Message) bool) codec.Message {
	t.Helper()
	return c.next(t, func(m codec.Message) bool { return !want(m) })
}

// send writes a command to the bridge.
func (c *serverConn) send(t *testing.T, cmd codec.Command) {
	t.Helper()
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if err := c.ws.WriteMessage(websocket.TextMessage, cmd.AppendFrame(nil)); err != nil {
		t.Fatalf("sending %T: %v", cmd, err)
	}
}

// waitClosed waits until the bridge has closed the socket.
func (c *serverConn) waitClosed(t *testing.T) {
	t.Helper()
	select {
	case <-c.closed:
	case <-time.After(waitFor):
		t.Fatal("the bridge did not close the socket")
	}
}

// expect asserts that m is a T.
func expect[T codec.Message](t *testing.T, m codec.Message) T {
	t.Helper()
	v, ok := m.(T)
	if !ok {
		var want T
		t.Fatalf("got %T %+v, want a %T", m, m, want)
	}
	return v
}

// event asserts that m is a DeviceEvent from device carrying a T.
func event[T codec.Event](t *testing.T, m codec.Message, device codec.Address) T {
	t.Helper()
	ev := expect[codec.DeviceEvent](t, m)
	v, ok := ev.Event.(T)
	if !ok {
		var want T
		t.Fatalf("got device event %T %+v, want a %T", ev.Event, ev.Event, want)
	}
	if ev.Device != device {
		t.Fatalf("%T from device %s, want %s", v, ev.Device, device)
	}
	return v
}

func isHeartbeat(m codec.Message) bool {
	ev, ok := m.(codec.DeviceEvent)
	if !ok {
		return false
	}
	_, ok = ev.Event.(codec.Heartbeat)
	return ok
}

func isKeyRequest(m codec.Message) bool {
	_, ok := m.(codec.EncryptionKeyRequired)
	return ok
}

// testConfig is a bridge config with millisecond intervals, its state and
// prints in a temporary folder, and its log in the test's output.
func testConfig(t *testing.T, url string) Config {
	dir := t.TempDir()
	return Config{
		URL:             url,
		StatePath:       filepath.Join(dir, "state.json"),
		OutDir:          filepath.Join(dir, "prints"),
		Logger:          slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelDebug})),
		HeartbeatEvery:  20 * time.Millisecond,
		KeyRequestEvery: 20 * time.Millisecond,
		ReconnectMin:    5 * time.Millisecond,
		ReconnectMax:    50 * time.Millisecond,
	}
}

// mustNew makes a bridge or fails the test.
func mustNew(t *testing.T, cfg Config) *Bridge {
	t.Helper()
	b, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return b
}

// start runs b until the test ends, and then checks that Run returns nil.
func start(t *testing.T, b *Bridge) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- b.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(waitFor):
			t.Error("Run did not return after its context ended")
		}
	})
}

// pair waits for printer i to ask for its key, sends the right one, and
// checks what comes back: the response, device_connect, did power on.
func pair(t *testing.T, c *serverConn, b *Bridge, i int) codec.Address {
	t.Helper()
	d := b.Devices()[i]
	c.until(t, func(m codec.Message) bool {
		k, ok := m.(codec.EncryptionKeyRequired)
		return ok && k.Device == d.Address
	})
	id := uint32(900 + i)
	c.send(t, codec.NewAddDeviceEncryptionKey(b.Address(), d.Address, id, d.ClaimCode))
	r := expect[codec.BridgeCommandResponse](t, c.next(t, isKeyRequest, isHeartbeat))
	if r.CommandID != id || r.ReturnCode != codec.ReturnSuccess {
		t.Fatalf("response to the key: command %d, %v; want %d, success", r.CommandID, r.ReturnCode, id)
	}
	dc := expect[codec.DeviceConnect](t, c.next(t, isKeyRequest, isHeartbeat))
	if dc.Device != d.Address {
		t.Fatalf("device_connect for %s, want %s", dc.Device, d.Address)
	}
	p := event[codec.DidPowerOn](t, c.next(t, isKeyRequest, isHeartbeat), d.Address)
	if p.ResetCause() != 0x04 {
		t.Errorf("did power on: reset cause %v, want power on", p.ResetCause())
	}
	return d.Address
}

// testBitmap is a print of the given height with a pattern that has long and
// short runs of both colours.
func testBitmap(height, seed int) *codec.Bitmap {
	bm := codec.NewBitmap(height)
	for y := range height {
		for x := range codec.PrintWidth {
			bm.Set(x, y, (x/7+y/3+seed)%5 < 2 || (x > 300 && y%11 == seed%11))
		}
	}
	return bm
}

// deviceCommand builds a DeviceCommand the way the server does.
func deviceCommand(t *testing.T, b *Bridge, device codec.Address, id uint32, cmd codec.CommandCode, images ...*codec.Bitmap) codec.DeviceCommand {
	t.Helper()
	payload, err := codec.EncodePayload(cmd, id, images...)
	if err != nil {
		t.Fatal(err)
	}
	return codec.DeviceCommand{Bridge: b.Address(), Device: device, ID: id, Payload: payload}
}

// expectResponse waits for the response to command id, skipping heartbeats.
func expectResponse(t *testing.T, c *serverConn, id uint32, rc codec.ReturnCode) codec.DeviceCommandResponse {
	t.Helper()
	r := expect[codec.DeviceCommandResponse](t, c.next(t, isHeartbeat))
	if r.CommandID != id || r.ReturnCode != rc {
		t.Fatalf("response: command %d, %v; want command %d, %v", r.CommandID, r.ReturnCode, id, rc)
	}
	return r
}

// expectDidPrint waits for the did-print of a delivery, skipping heartbeats.
func expectDidPrint(t *testing.T, c *serverConn, device codec.Address, id uint32) {
	t.Helper()
	p := event[codec.DidPrint](t, c.next(t, isHeartbeat), device)
	if p.PrintType != codec.PrintDelivery || p.PrintID != id {
		t.Fatalf("did print: type 0x%02x id %d, want 0x01 id %d", p.PrintType, p.PrintID, id)
	}
}

// printsTo makes cfg report prints on a channel.
func printsTo(cfg *Config) chan Print {
	ch := make(chan Print, 64)
	cfg.OnPrint = func(p Print) { ch <- p }
	return ch
}

func nextPrint(t *testing.T, ch chan Print) Print {
	t.Helper()
	select {
	case p := <-ch:
		return p
	case <-time.After(waitFor):
		t.Fatal("no print")
		return Print{}
	}
}

// syncBuffer is a bytes.Buffer safe for the bridge and the test at once.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
