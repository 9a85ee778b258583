package virtual

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/url"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"paperboy/codec"
)

// Subprotocol is the WebSocket subprotocol a bridge asks for; the server must
// echo it (protocol.md, "Topology").
const Subprotocol = "bergcloud-bridge-v1"

// FirmwareVersion is what the virtual bridge and printers say they run, so a
// server's log shows they are not hardware.
const FirmwareVersion = "paperboy-virtual"

// Defaults for the zero values of Config.
const (
	DefaultHeartbeatEvery  = 10 * time.Second // protocol.md, "Device events": a heartbeat about every 10 s
	DefaultKeyRequestEvery = 30 * time.Second // protocol.md: encryption_key_required about every 30 s
	DefaultReconnectMin    = time.Second
	DefaultReconnectMax    = 30 * time.Second
)

// Errors of Reset and Press.
var (
	// ErrNoPrinter is returned for a printer the bridge does not have.
	ErrNoPrinter = errors.New("virtual: no such printer")
	// ErrNotPaired is returned by Press for a printer without its key.
	ErrNotPaired = errors.New("virtual: printer not paired")
	// ErrNotConnected is returned by Press while the bridge has no socket.
	ErrNotConnected = errors.New("virtual: bridge not connected")
)

// Config says where a virtual bridge connects and how it behaves. The zero
// value of each field is its default.
type Config struct {
	// URL is the server's bridge endpoint, e.g.
	// ws://localhost:8080/api/v1/connection. Required.
	URL string
	// StatePath is the JSON state file, created with fresh addresses if
	// missing; "" keeps the state in memory only.
	StatePath string
	// Printers is how many printers sit behind a new bridge (default 1); a
	// bridge read from StatePath keeps the ones it has.
	Printers int
	// OutDir is where each print's images are saved as PNG files named
	// <device>-<command id>.png, or <device>-<command id>-<n>.png (n from 1)
	// for a command with several images; "" saves nothing.
	OutDir string
	// Show, if set, gets each delivery drawn with block characters, 96
	// columns wide, in one Write.
	Show io.Writer
	// Logger gets the bridge's log; nil discards it.
	Logger *slog.Logger
	// HeartbeatEvery is how often a paired printer sends a heartbeat
	// (default DefaultHeartbeatEvery).
	HeartbeatEvery time.Duration
	// KeyRequestEvery is how often a printer without its key asks for it
	// (default DefaultKeyRequestEvery).
	KeyRequestEvery time.Duration
	// ReconnectMin and ReconnectMax bound the back-off before dialling
	// again (default DefaultReconnectMin, DefaultReconnectMax): it starts at
	// ReconnectMin after a socket that was up, and doubles after each failed
	// dial.
	ReconnectMin, ReconnectMax time.Duration
	// Paired makes the printers of a new bridge start with their key, as if
	// claimed long ago: they connect and heartbeat at once. Load tests use it.
	Paired bool
	// AutoPress prints SetDelivery and SetDeliveryNoFace at once, as if the
	// button were pressed when they arrive. Without it they are held until
	// Press.
	AutoPress bool
	// OnPrint, if set, is called after each print, and after each
	// personality or quip is stored. It runs on the printer's own goroutine:
	// it must not block long.
	OnPrint func(Print)
	// LocalIP, if set, is the address the bridge dials from. A load test
	// spreads its sockets over several (127.0.0.2, 127.0.0.3, …): one
	// address has only about 28,000 ephemeral ports.
	LocalIP net.IP

	// Misbehaviour, for tests.

	// DropAfter, if positive, closes the socket abruptly (no close frame)
	// when the DropAfter-th DeviceCommand of the Bridge's life arrives,
	// without answering or printing it; the bridge then reconnects and
	// behaves. It happens once, so the server's re-sent command gets through.
	DropAfter int
	// NeverAnswer takes DeviceCommands and neither answers nor prints them.
	NeverAnswer bool
	// AnswerBusy answers every DeviceCommand with return code busy (0x30)
	// and prints nothing.
	AnswerBusy bool
	// AnswerDelay is how long each DeviceCommand waits before it is handled
	// and answered. A printer's answers keep the order of its commands.
	AnswerDelay time.Duration
	// PrintTime, if positive, makes the printers print as real ones do: a
	// command that prints at once is answered (success: the printer holds
	// it) as soon as it is handled, then printed PrintTime later, one after
	// another, whatever happens to the socket meanwhile; its did-print goes
	// out when it is printed, or, if the bridge has no socket then, once it
	// has one again. A printer holds printQueue prints; more are answered
	// busy. Without it a print is printed before its command is answered.
	PrintTime time.Duration
}

// Print is one print, or one stored personality or quip, as Config.OnPrint
// gets it.
type Print struct {
	Device    codec.Address
	CommandID uint32
	Command   codec.CommandCode
	Images    []*codec.Bitmap
	Files     []string // the PNG files written, if Config.OutDir is set
}

// Stats are counts of what a bridge has done since New, for load tests.
type Stats struct {
	Online     bool // a socket is up and power_on went out on it
	Connects   int  // sockets opened; each after the first is a reconnect
	DialErrors int  // dials that failed
	Heartbeats int  // heartbeats written to a socket
}

// Device is a printer behind the bridge.
type Device struct {
	Address   codec.Address
	ClaimCode codec.ClaimCode // what the printer printed at its last reset
	Paired    bool            // it has its link key
}

// Bridge is a virtual bridge and its printers. Make one with New.
type Bridge struct {
	cfg    Config
	addr   codec.Address
	log    *slog.Logger
	start  time.Time // when the bridge "powered on", for power_on's uptime
	showMu sync.Mutex

	mu        sync.Mutex
	st        state
	poweredOn map[codec.Address]time.Time // per printer, for heartbeat uptimes
	held      map[codec.Address]heldDelivery
	sess      *session // the live socket, or nil
	running   bool
	received  int // DeviceCommands received, for DropAfter
	// With PrintTime: the prints each printer holds, its printing loop's
	// context, and the did-prints made while the bridge had no socket.
	jobs     map[codec.Address]chan heldDelivery
	runCtx   context.Context
	printers sync.WaitGroup
	unsent   map[codec.Address][]uint32

	// For Stats.
	online                         atomic.Bool
	connects, dialErrs, heartbeats atomic.Int64
}

// heldDelivery is a SetDelivery waiting for the button.
type heldDelivery struct {
	commandID uint32
	payload   codec.Payload
}

// New checks cfg and loads the bridge from cfg.StatePath, or makes a new one
// with cfg.Printers fresh printers and saves it there.
func New(cfg Config) (*Bridge, error) {
	if err := cfg.fill(); err != nil {
		return nil, err
	}
	var st state
	var err error
	if cfg.StatePath != "" {
		st, err = loadState(cfg.StatePath)
	}
	switch {
	case cfg.StatePath == "" || errors.Is(err, fs.ErrNotExist):
		st = newState(cfg.Printers)
		for i := range st.Printers {
			st.Printers[i].Paired = cfg.Paired
		}
		if cfg.StatePath != "" {
			if err := saveState(cfg.StatePath, st); err != nil {
				return nil, err
			}
		}
	case err != nil:
		return nil, err
	}
	if cfg.OutDir != "" {
		if err := os.MkdirAll(cfg.OutDir, 0o755); err != nil {
			return nil, fmt.Errorf("virtual: %w", err)
		}
	}
	now := time.Now()
	b := &Bridge{
		cfg:       cfg,
		addr:      st.Bridge,
		log:       cfg.Logger.With("bridge", st.Bridge.String()),
		start:     now,
		st:        st,
		poweredOn: map[codec.Address]time.Time{},
		held:      map[codec.Address]heldDelivery{},
		jobs:      map[codec.Address]chan heldDelivery{},
		unsent:    map[codec.Address][]uint32{},
	}
	for _, p := range st.Printers {
		b.poweredOn[p.Address] = now
	}
	return b, nil
}

// fill checks c and sets the defaults.
func (c *Config) fill() error {
	u, err := url.Parse(c.URL)
	if err != nil || (u.Scheme != "ws" && u.Scheme != "wss") || u.Host == "" {
		return fmt.Errorf("virtual: URL %q: want ws://host/path or wss://host/path", c.URL)
	}
	if c.Printers < 0 || c.DropAfter < 0 {
		return errors.New("virtual: Printers and DropAfter must not be negative")
	}
	if c.HeartbeatEvery < 0 || c.KeyRequestEvery < 0 || c.ReconnectMin < 0 || c.ReconnectMax < 0 || c.AnswerDelay < 0 || c.PrintTime < 0 {
		return errors.New("virtual: durations must not be negative")
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	def(&c.HeartbeatEvery, DefaultHeartbeatEvery)
	def(&c.KeyRequestEvery, DefaultKeyRequestEvery)
	def(&c.ReconnectMin, DefaultReconnectMin)
	def(&c.ReconnectMax, DefaultReconnectMax)
	c.ReconnectMax = max(c.ReconnectMax, c.ReconnectMin)
	if c.Printers == 0 {
		c.Printers = 1
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return nil
}

// Address is the bridge's address.
func (b *Bridge) Address() codec.Address {
	return b.addr
}

// Devices lists the printers behind the bridge, in the state file's order.
func (b *Bridge) Devices() []Device {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make([]Device, len(b.st.Printers))
	for i, p := range b.st.Printers {
		out[i] = Device{Address: p.Address, ClaimCode: p.claimCode(), Paired: p.Paired}
	}
	return out
}

// Stats says what the bridge has done since New.
func (b *Bridge) Stats() Stats {
	return Stats{
		Online:     b.online.Load(),
		Connects:   int(b.connects.Load()),
		DialErrors: int(b.dialErrs.Load()),
		Heartbeats: int(b.heartbeats.Load()),
	}
}

// Reset factory-resets printer i (from 0, in the order of Devices): it gets a
// new device address with the same hardware xor, a new secret, so a new
// claim code, and is not paired; its held delivery is gone. The state is
// saved. If the bridge is connected, the old device leaves
// (device_disconnect, if it was paired) and the new one asks for its key.
// It returns ErrNoPrinter for an i out of range, or the error of saving.
func (b *Bridge) Reset(i int) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if i < 0 || i >= len(b.st.Printers) {
		return fmt.Errorf("%w: printer %d of %d", ErrNoPrinter, i, len(b.st.Printers))
	}
	old := b.st.Printers[i]
	next := b.st
	next.Printers = append([]printerState(nil), b.st.Printers...)
	next.Printers[i] = printerState{Address: b.st.freeAddress(old.Address.HardwareXor(), true), Secret: randomSecret()}
	if b.cfg.StatePath != "" {
		if err := saveState(b.cfg.StatePath, next); err != nil {
			return err
		}
	}
	b.st = next
	addr := next.Printers[i].Address
	delete(b.poweredOn, old.Address)
	delete(b.held, old.Address)
	delete(b.unsent, old.Address)
	if jobs := b.jobs[old.Address]; jobs != nil {
		close(jobs) // its loop drops what it held: a reset clears the printer
		delete(b.jobs, old.Address)
	}
	b.poweredOn[addr] = time.Now()
	b.log.Info("printer reset", "device", addr.String(), "old_device", old.Address.String(),
		"claim_code", next.Printers[i].claimCode().String())
	if s := b.sess; s != nil {
		s.stopDevice(old.Address)
		s.startDevice(addr, false)
	}
	return nil
}

// Press presses the button of the printer at addr: it prints the delivery
// held since SetDelivery or SetDeliveryNoFace (when Config.AutoPress is off)
// and sends did-print for it, or, with nothing held, did-print "nothing to
// print" (0x10). It returns ErrNoPrinter, ErrNotPaired or ErrNotConnected
// when it cannot.
func (b *Bridge) Press(addr codec.Address) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	i := b.st.index(addr)
	switch {
	case i < 0:
		return fmt.Errorf("%w: %s", ErrNoPrinter, addr)
	case !b.st.Printers[i].Paired:
		return fmt.Errorf("%w: %s", ErrNotPaired, addr)
	case b.sess == nil || b.sess.devices[addr] == nil:
		return ErrNotConnected
	}
	select {
	case b.sess.devices[addr].press <- struct{}{}:
	default: // a press is already waiting; the button is only so fast
	}
	return nil
}

// Run connects to the server and keeps the bridge connected, dialling again
// with back-off after any failure, until ctx ends; then it closes the socket
// and returns nil once every goroutine it started has ended. Calling Run
// while it runs is an error.
func (b *Bridge) Run(ctx context.Context) error {
	b.mu.Lock()
	if b.running {
		b.mu.Unlock()
		return errors.New("virtual: Run is already running")
	}
	b.running = true
	b.runCtx = ctx
	b.mu.Unlock()
	defer func() {
		b.printers.Wait()
		b.mu.Lock()
		b.running = false
		for addr, jobs := range b.jobs {
			close(jobs)
			delete(b.jobs, addr)
		}
		b.mu.Unlock()
	}()

	backoff := b.cfg.ReconnectMin
	for {
		connected, err := b.connect(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if connected {
			backoff = b.cfg.ReconnectMin
		}
		wait := jitter(backoff, b.cfg.ReconnectMin).Round(time.Millisecond)
		if connected {
			b.log.Warn("connection lost", "retry_in", wait, slog.Any("error", err))
		} else {
			b.log.Warn("cannot connect", "retry_in", wait, slog.Any("error", err))
			backoff = min(2*backoff, b.cfg.ReconnectMax)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
	}
}

// jitter takes up to a quarter off d, never going below floor, so that many
// bridges dropped at once do not all dial again at once.
func jitter(d, floor time.Duration) time.Duration {
	if q := int64(d / 4); q > 0 {
		d -= time.Duration(rand.Int64N(q + 1))
	}
	return max(d, floor)
}
