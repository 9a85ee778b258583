package virtual

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"paperboy/codec"
)

const (
	handshakeTimeout = 10 * time.Second
	writeTimeout     = 10 * time.Second // a write that takes longer means the socket is dead
	closeTimeout     = time.Second      // for the close frame on shutdown
	// maxFrame bounds a frame from the server: a personality of five tall
	// dithered images is a few megabytes of base64.
	maxFrame = 64 << 20
	// cmdQueue is how many DeviceCommands a printer takes before the reader
	// waits for it.
	cmdQueue = 16
)

// What a virtual printer says about itself in did power on, as a real one
// does (golden/decode.json): device type 0, protocol version 4.
const (
	deviceType      = 0
	protocolVersion = 4
	resetPowerOn    = 0x04 // reset cause power on, the high byte of reset_description
)

// rssiStats is the signal strength the printers report: a good one.
var rssiStats = []int{-30, -29, -30}

// errDropped is why a socket closed by Config.DropAfter ended.
var errDropped = errors.New("socket dropped on purpose (DropAfter)")

// session is one socket to the server and the goroutines that serve it: the
// reader (the goroutine of connect), a closer, and one loop per printer. All
// writes go through send, under writeMu.
type session struct {
	b      *Bridge
	conn   *websocket.Conn
	log    *slog.Logger
	ctx    context.Context // ends when the socket does
	cancel context.CancelFunc
	wg     sync.WaitGroup

	writeMu sync.Mutex
	errMu   sync.Mutex
	err     error // the first write error

	// Guarded by b.mu.
	devices map[codec.Address]*device
	closed  bool // no device may start
}

// connect dials the server and serves the socket until it fails or ctx ends.
// connected says whether the socket was up, so Run knows how long to wait.
func (b *Bridge) connect(ctx context.Context) (connected bool, err error) {
	dialer := websocket.Dialer{Subprotocols: []string{Subprotocol}, HandshakeTimeout: handshakeTimeout}
	if b.cfg.LocalIP != nil {
		nd := &net.Dialer{LocalAddr: &net.TCPAddr{IP: b.cfg.LocalIP}}
		dialer.NetDialContext = nd.DialContext
	}
	conn, resp, err := dialer.DialContext(ctx, b.cfg.URL, nil)
	if err != nil {
		b.dialErrs.Add(1)
		if resp != nil {
			err = fmt.Errorf("%w (HTTP %s)", err, resp.Status)
		}
		return false, err
	}
	if got := conn.Subprotocol(); got != Subprotocol {
		conn.Close()
		b.dialErrs.Add(1)
		return false, fmt.Errorf("server answered subprotocol %q, want %q", got, Subprotocol)
	}
	conn.SetReadLimit(maxFrame)
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	s := &session{b: b, conn: conn, log: b.log, ctx: sctx, cancel: cancel, devices: map[codec.Address]*device{}}
	// protocol.md: power_on is always the first message on a new socket.
	if err := s.send(s.powerOn()); err != nil {
		conn.Close()
		b.dialErrs.Add(1)
		return false, err
	}
	b.log.Info("connected", "url", b.cfg.URL)
	b.connects.Add(1)
	b.online.Store(true)
	defer b.online.Store(false)

	b.mu.Lock()
	b.sess = s
	for _, p := range b.st.Printers {
		s.startDevice(p.Address, p.Paired)
	}
	b.mu.Unlock()
	s.wg.Go(func() {
		<-sctx.Done()
		if ctx.Err() != nil { // shutting down: say goodbye
			msg := websocket.FormatCloseMessage(websocket.CloseNormalClosure, "")
			conn.WriteControl(websocket.CloseMessage, msg, time.Now().Add(closeTimeout))
		}
		conn.Close()
	})

	err = s.read()
	cancel()
	b.mu.Lock()
	s.closed = true
	if b.sess == s {
		b.sess = nil
	}
	b.mu.Unlock()
	s.wg.Wait()
	if werr := s.writeErr(); werr != nil && !errors.Is(err, errDropped) {
		err = werr
	}
	return true, err
}

// startDevice starts the loop of the printer at addr. b.mu must be held.
func (s *session) startDevice(addr codec.Address, paired bool) {
	if s.closed {
		return
	}
	ctx, cancel := context.WithCancel(s.ctx)
	d := &device{
		addr:      addr,
		poweredOn: s.b.poweredOn[addr],
		paired:    make(chan struct{}, 1),
		press:     make(chan struct{}, 1),
		cmds:      make(chan pending, cmdQueue),
		done:      ctx.Done(),
		cancel:    cancel,
	}
	s.devices[addr] = d
	s.wg.Go(func() { s.runDevice(ctx, d, paired) })
}

// stopDevice ends the loop of a printer that was reset. b.mu must be held.
func (s *session) stopDevice(addr codec.Address) {
	if d := s.devices[addr]; d != nil {
		d.leave.Store(true)
		d.cancel()
		delete(s.devices, addr)
	}
}

// send writes one message. A failed write ends the session.
func (s *session) send(m codec.Message) error {
	data, err := codec.EncodeMessage(m)
	if err != nil {
		return err // a bug: every message sent here encodes
	}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	if err := s.conn.SetWriteDeadline(time.Now().Add(writeTimeout)); err != nil {
		return s.fail(err)
	}
	if err := s.conn.WriteMessage(websocket.TextMessage, data); err != nil {
		return s.fail(err)
	}
	return nil
}

// fail records the first write error and ends the session.
func (s *session) fail(err error) error {
	s.errMu.Lock()
	if s.err == nil && s.ctx.Err() == nil {
		s.err = fmt.Errorf("write: %w", err)
	}
	s.errMu.Unlock()
	s.cancel()
	return err
}

func (s *session) writeErr() error {
	s.errMu.Lock()
	defer s.errMu.Unlock()
	return s.err
}

func (s *session) header() codec.Header {
	return codec.Header{Bridge: s.b.addr, Timestamp: float64(time.Now().UnixMicro()) / 1e6}
}

func (s *session) deviceEvent(addr codec.Address, ev codec.Event) error {
	return s.send(codec.DeviceEvent{Header: s.header(), Device: addr, RSSI: rssiStats, Event: ev})
}

// powerOn is the bridge's power_on, with what a real bridge puts in it.
func (s *session) powerOn() codec.PowerOn {
	b := s.b
	up := time.Since(b.start).Seconds()
	var a [8]byte
	binary.BigEndian.PutUint64(a[:], uint64(b.addr))
	ip, _, _ := net.SplitHostPort(s.conn.LocalAddr().String())
	return codec.PowerOn{
		Header:          s.header(),
		Model:           "A",
		FirmwareVersion: FirmwareVersion,
		NCPVersion:      FirmwareVersion,
		LocalIPAddress:  ip,
		// A locally administered MAC address from the bridge address's
		// last five bytes.
		MACAddress: fmt.Sprintf("02:%02x:%02x:%02x:%02x:%02x", a[3], a[4], a[5], a[6], a[7]),
		// As /proc/uptime has it: seconds up, seconds idle.
		Uptime:      fmt.Sprintf("%.2f %.2f", up, up/2),
		NetworkInfo: json.RawMessage(fmt.Sprintf(`{"node_eui64":"0x%s","channel":11}`, b.addr)),
	}
}

// read reads commands until the socket fails.
func (s *session) read() error {
	for {
		_, data, err := s.conn.ReadMessage()
		if err != nil {
			return err
		}
		cmd, err := codec.DecodeCommand(data)
		if err != nil {
			s.log.Warn("bad command from server", slog.Any("error", err))
			continue
		}
		switch c := cmd.(type) {
		case codec.BridgeCommand:
			s.bridgeCommand(c)
		case codec.DeviceCommand:
			if err := s.deviceCommand(c); err != nil {
				return err
			}
		}
	}
}

// bridgeCommand answers a BridgeCommand; add_device_encryption_key may pair
// a printer.
func (s *session) bridgeCommand(c codec.BridgeCommand) {
	log := s.log.With("command_id", c.ID)
	rc := codec.ReturnSuccess
	var d *device
	if c.Name == codec.BridgeAddDeviceEncryptionKey {
		rc, d = s.addKey(c, log)
	} else {
		log.Info("bridge command", "name", c.Name, "params", c.Params)
	}
	s.send(codec.BridgeCommandResponse{Header: s.header(), CommandID: c.ID, ReturnCode: rc})
	if d != nil { // after the response, as a bridge does
		select {
		case d.paired <- struct{}{}:
		default:
		}
	}
}

// addKey checks an add_device_encryption_key command. The key is installed
// (return code success) whether or not it is right; only the right one, the
// printer's link key, pairs the printer, whose loop it returns. A device the
// bridge does not have is not found.
func (s *session) addKey(c codec.BridgeCommand, log *slog.Logger) (codec.ReturnCode, *device) {
	b := s.b
	addr, err := codec.ParseAddress(c.Params["device_address"])
	if err != nil {
		log.Warn("add_device_encryption_key without a device", slog.Any("error", err))
		return codec.ReturnDeviceNotFound, nil
	}
	log = log.With("device", addr.String())
	b.mu.Lock()
	defer b.mu.Unlock()
	i := b.st.index(addr)
	if i < 0 {
		log.Warn("key for an unknown device")
		return codec.ReturnDeviceNotFound, nil
	}
	p := &b.st.Printers[i]
	want := p.claimCode().LinkKey()
	key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(c.Params["encryption_key"]))
	switch {
	case err != nil || !bytes.Equal(key, want[:]):
		log.Warn("wrong encryption key")
		return codec.ReturnSuccess, nil
	case p.Paired:
		log.Debug("key again for a paired printer")
		return codec.ReturnSuccess, nil
	}
	p.Paired = true
	if b.cfg.StatePath != "" {
		if err := saveState(b.cfg.StatePath, b.st); err != nil {
			log.Error("cannot save state", slog.Any("error", err))
		}
	}
	log.Info("paired")
	return codec.ReturnSuccess, s.devices[addr]
}

// deviceCommand hands a DeviceCommand to its printer's loop, or answers it
// at once if there is no such printer. It returns an error to end the
// session (DropAfter).
func (s *session) deviceCommand(c codec.DeviceCommand) error {
	b := s.b
	log := s.log.With("device", c.Device.String(), "command_id", c.ID)
	b.mu.Lock()
	b.received++
	drop := b.cfg.DropAfter > 0 && b.received == b.cfg.DropAfter
	d := s.devices[c.Device]
	i := b.st.index(c.Device)
	paired := i >= 0 && b.st.Printers[i].Paired
	b.mu.Unlock()
	switch {
	case drop:
		log.Warn("dropping the socket on purpose", "drop_after", b.cfg.DropAfter)
		s.conn.Close() // no close frame: abrupt
		return errDropped
	case d == nil || !paired:
		// A printer without its key has not joined the bridge's network.
		log.Warn("command for an unknown device")
		s.respond(c, codec.ReturnDeviceNotFound, time.Now())
		return nil
	case b.cfg.NeverAnswer:
		log.Info("command not answered on purpose")
		return nil
	}
	select {
	case d.cmds <- pending{cmd: c, received: time.Now()}:
	case <-d.done: // reset meanwhile
		s.respond(c, codec.ReturnDeviceNotFound, time.Now())
	case <-s.ctx.Done():
	}
	return nil
}

func (s *session) respond(c codec.DeviceCommand, rc codec.ReturnCode, received time.Time) error {
	return s.send(codec.DeviceCommandResponse{
		Header:       s.header(),
		Device:       c.Device,
		CommandID:    c.ID,
		ReturnCode:   rc,
		TransferTime: time.Since(received).Seconds(),
		RSSI:         rssiStats,
	})
}
