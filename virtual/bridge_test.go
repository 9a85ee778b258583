package virtual

import (
	"context"
	"errors"
	"fmt"
	"image/color"
	"image/png"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"paperboy/codec"
)

func TestBridge_PowerOnThenKeyRequests(t *testing.T) {
	srv := newFakeServer(t, Subprotocol)
	cfg := testConfig(t, srv.url)
	cfg.Printers = 2
	b := mustNew(t, cfg)
	start(t, b)

	var c *serverConn
	select {
	case c = <-srv.conns:
	case <-time.After(waitFor):
		t.Fatal("the bridge did not connect")
	}
	p := expect[codec.PowerOn](t, c.next(t))
	if p.Bridge != b.Address() || p.Model != "A" || p.FirmwareVersion != FirmwareVersion {
		t.Errorf("power_on bridge %s model %q firmware %q, want %s, A, %s", p.Bridge, p.Model, p.FirmwareVersion, b.Address(), FirmwareVersion)
	}
	if p.LocalIPAddress != "127.0.0.1" {
		t.Errorf("power_on local_ip_address %q, want 127.0.0.1", p.LocalIPAddress)
	}
	if !regexp.MustCompile(`^([0-9a-f]{2}:){5}[0-9a-f]{2}$`).MatchString(p.MACAddress) {
		t.Errorf("power_on mac_address %q", p.MACAddress)
	}
	if !regexp.MustCompile(`^[0-9]+\.[0-9]{2} [0-9]+\.[0-9]{2}$`).MatchString(p.Uptime) {
		t.Errorf("power_on uptime %q, want two numbers as /proc/uptime has them", p.Uptime)
	}

	// Each unpaired printer asks for its key, again and again, and sends
	// nothing else.
	devices := b.Devices()
	asked := map[codec.Address]int{}
	for asked[devices[0].Address] < 3 || asked[devices[1].Address] < 3 {
		k := expect[codec.EncryptionKeyRequired](t, c.next(t))
		if k.Bridge != b.Address() {
			t.Fatalf("key request from bridge %s", k.Bridge)
		}
		asked[k.Device]++
	}
	if len(asked) != 2 {
		t.Errorf("key requests from %v, want from the two printers %v", asked, devices)
	}
}

func TestBridge_AddDeviceEncryptionKey(t *testing.T) {
	tests := []struct {
		name   string
		key    func(d Device) codec.ClaimCode // the claim code the server uses
		device func(d Device) codec.Address   // the device it names
		rc     codec.ReturnCode
		paired bool
	}{
		{"right key", func(d Device) codec.ClaimCode { return d.ClaimCode }, func(d Device) codec.Address { return d.Address }, codec.ReturnSuccess, true},
		{"wrong key", func(d Device) codec.ClaimCode {
			c := d.ClaimCode
			c.Secret ^= 1
			return c
		}, func(d Device) codec.Address { return d.Address }, codec.ReturnSuccess, false},
		{"unknown device", func(d Device) codec.ClaimCode { return d.ClaimCode }, func(d Device) codec.Address { return d.Address ^ 0xff00 }, codec.ReturnDeviceNotFound, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newFakeServer(t, Subprotocol)
			cfg := testConfig(t, srv.url)
			b := mustNew(t, cfg)
			start(t, b)
			c := srv.accept(t, b)
			d := b.Devices()[0]
			expect[codec.EncryptionKeyRequired](t, c.next(t))

			c.send(t, codec.NewAddDeviceEncryptionKey(b.Address(), tt.device(d), 41, tt.key(d)))
			r := expect[codec.BridgeCommandResponse](t, c.next(t, isKeyRequest))
			if r.CommandID != 41 || r.ReturnCode != tt.rc {
				t.Fatalf("response: command %d, %v; want 41, %v", r.CommandID, r.ReturnCode, tt.rc)
			}
			if !tt.paired {
				// It keeps asking, and sends nothing else.
				for range 3 {
					k := expect[codec.EncryptionKeyRequired](t, c.next(t))
					if k.Device != d.Address {
						t.Fatalf("key request for %s, want %s", k.Device, d.Address)
					}
				}
				if b.Devices()[0].Paired {
					t.Error("Devices says paired")
				}
				return
			}
			dc := expect[codec.DeviceConnect](t, c.next(t, isKeyRequest))
			if dc.Device != d.Address {
				t.Fatalf("device_connect for %s, want %s", dc.Device, d.Address)
			}
			p := event[codec.DidPowerOn](t, c.next(t), d.Address)
			if p.ResetCause() != 0x04 || p.FirmwareBuild != FirmwareVersion {
				t.Errorf("did power on: cause %v firmware %q", p.ResetCause(), p.FirmwareBuild)
			}
			// Then heartbeats only: no more key requests.
			for range 3 {
				event[codec.Heartbeat](t, c.next(t), d.Address)
			}
			if !b.Devices()[0].Paired {
				t.Error("Devices says not paired")
			}
			// Saved: the same bridge read again is paired.
			if again := mustNew(t, cfg).Devices()[0]; !again.Paired || again.Address != d.Address {
				t.Errorf("state read again: %+v, want %s paired", again, d.Address)
			}
		})
	}
}

func TestBridge_PairedPrinterReconnects(t *testing.T) {
	srv := newFakeServer(t, Subprotocol)
	cfg := testConfig(t, srv.url)
	b := mustNew(t, cfg)
	start(t, b)
	c := srv.accept(t, b)
	dev := pair(t, c, b, 0)
	c.ws.Close() // the server goes away

	// On the new socket: power_on, then device_connect and did power on,
	// then heartbeats; no key request.
	c = srv.accept(t, b)
	if dc := expect[codec.DeviceConnect](t, c.next(t)); dc.Device != dev {
		t.Fatalf("device_connect for %s, want %s", dc.Device, dev)
	}
	event[codec.DidPowerOn](t, c.next(t), dev)
	event[codec.Heartbeat](t, c.next(t), dev)
	event[codec.Heartbeat](t, c.next(t), dev)
}

func TestBridge_DeviceCommand(t *testing.T) {
	tests := []struct {
		cmd       codec.CommandCode
		autoPress bool
		didPrint  bool
	}{
		{codec.SetDeliveryAndPrint, false, true},
		{codec.SetDeliveryAndPrintNoFace, false, true},
		{codec.SetDelivery, true, true},
		{codec.SetDeliveryNoFace, true, true},
		{codec.SetPersonality, false, false},
		{codec.SetPersonalityWithMessage, false, false},
		{codec.SetQuip, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.cmd.String(), func(t *testing.T) {
			srv := newFakeServer(t, Subprotocol)
			cfg := testConfig(t, srv.url)
			cfg.AutoPress = tt.autoPress
			show := &syncBuffer{}
			cfg.Show = show
			prints := printsTo(&cfg)
			b := mustNew(t, cfg)
			start(t, b)
			c := srv.accept(t, b)
			dev := pair(t, c, b, 0)

			var images []*codec.Bitmap
			for i := range tt.cmd.Images() {
				images = append(images, testBitmap(40+17*i, i))
			}
			c.send(t, deviceCommand(t, b, dev, 17, tt.cmd, images...))
			r := expectResponse(t, c, 17, codec.ReturnSuccess)
			if r.Device != dev || len(r.RSSI) != 3 {
				t.Errorf("response device %s rssi %v, want %s and 3 numbers", r.Device, r.RSSI, dev)
			}
			if tt.didPrint {
				expectDidPrint(t, c, dev, 17)
			} else {
				// No did print: the next command's response comes next.
				c.send(t, deviceCommand(t, b, dev, 18, codec.SetDeliveryAndPrint, testBitmap(8, 0)))
				expectResponse(t, c, 18, codec.ReturnSuccess)
			}

			p := nextPrint(t, prints)
			if p.Device != dev || p.CommandID != 17 || p.Command != tt.cmd || len(p.Images) != len(images) {
				t.Fatalf("OnPrint got device %s command %d %v with %d images; want %s 17 %v with %d",
					p.Device, p.CommandID, p.Command, len(p.Images), dev, tt.cmd, len(images))
			}
			if len(p.Files) != len(images) {
				t.Fatalf("files %v, want %d", p.Files, len(images))
			}
			for i, want := range images {
				if !p.Images[i].Equal(want) {
					t.Errorf("image %d differs from the one sent", i+1)
				}
				name := fmt.Sprintf("%s-17.png", dev)
				if len(images) > 1 {
					name = fmt.Sprintf("%s-17-%d.png", dev, i+1)
				}
				if got, want := p.Files[i], filepath.Join(cfg.OutDir, name); got != want {
					t.Errorf("file %d is %s, want %s", i+1, got, want)
				}
				checkPNG(t, p.Files[i], want)
			}
			if drawn := strings.Contains(show.String(), fmt.Sprintf("command 17 on %s", dev)); drawn != tt.didPrint {
				t.Errorf("drawn on Show: %v, want %v", drawn, tt.didPrint)
			}
		})
	}
}

// checkPNG fails unless the PNG file holds exactly the pixels of want.
func checkPNG(t *testing.T, path string, want *codec.Bitmap) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if got := img.Bounds(); got != want.Bounds() {
		t.Fatalf("%s: bounds %v, want %v", path, got, want.Bounds())
	}
	bad := 0
	for y := range want.Height {
		for x := range codec.PrintWidth {
			black := color.GrayModel.Convert(img.At(x, y)).(color.Gray).Y < 128
			if black != want.Black(x, y) {
				bad++
			}
		}
	}
	if bad > 0 {
		t.Errorf("%s: %d pixels differ from the bitmap sent", path, bad)
	}
}

func TestBridge_Reset(t *testing.T) {
	srv := newFakeServer(t, Subprotocol)
	cfg := testConfig(t, srv.url)
	cfg.Printers = 2
	b := mustNew(t, cfg)
	start(t, b)
	c := srv.accept(t, b)
	old := b.Devices()[0]
	pair(t, c, b, 0)

	if err := b.Reset(0); err != nil {
		t.Fatal(err)
	}
	now := b.Devices()[0]
	if now.Address == old.Address {
		t.Fatal("Reset kept the device address")
	}
	if got, want := now.Address.HardwareXor(), old.Address.HardwareXor(); got != want || now.ClaimCode.HardwareXor != want {
		t.Fatalf("hardware xor %06x (claim code %06x) after Reset, want %06x", got, now.ClaimCode.HardwareXor, want)
	}
	if now.Paired || now.ClaimCode.Secret == old.ClaimCode.Secret {
		t.Errorf("after Reset: paired %v, secret %x (was %x)", now.Paired, now.ClaimCode.Secret, old.ClaimCode.Secret)
	}
	if other := b.Devices()[1]; other.Address == now.Address {
		t.Error("Reset gave printer 1 the address of printer 2")
	}
	// The old device leaves, the new one asks for its key.
	left := expect[codec.DeviceDisconnect](t, c.next(t, isHeartbeat, isKeyRequest))
	if left.Device != old.Address {
		t.Errorf("device_disconnect for %s, want %s", left.Device, old.Address)
	}
	c.until(t, func(m codec.Message) bool {
		k, ok := m.(codec.EncryptionKeyRequired)
		return ok && k.Device == now.Address
	})
	// Saved.
	if again := mustNew(t, cfg).Devices()[0]; again != now {
		t.Errorf("state read again: %+v, want %+v", again, now)
	}
	// The new claim code pairs it.
	pair(t, c, b, 0)

	if err := b.Reset(2); !errors.Is(err, ErrNoPrinter) {
		t.Errorf("Reset(2) of 2 printers = %v, want ErrNoPrinter", err)
	}
}

func TestBridge_NoSubprotocol(t *testing.T) {
	srv := newFakeServer(t) // echoes no subprotocol
	b := mustNew(t, testConfig(t, srv.url))
	start(t, b)
	// The bridge refuses each socket, sends nothing on it, and tries again.
	for range 3 {
		var c *serverConn
		select {
		case c = <-srv.conns:
		case <-time.After(waitFor):
			t.Fatal("the bridge did not try again")
		}
		c.waitClosed(t)
		if len(c.msgs) > 0 {
			t.Errorf("the bridge sent %T on a socket without the subprotocol", <-c.msgs)
		}
	}
}

func TestBridge_Run(t *testing.T) {
	t.Run("returns when its context ends, though never connected", func(t *testing.T) {
		srv := newFakeServer(t, Subprotocol)
		cfg := testConfig(t, strings.Replace(srv.url, "/api/v1/connection", "/nowhere", 1))
		b := mustNew(t, cfg)
		start(t, b) // checks Run returns nil at the end
	})
	t.Run("leaves no goroutine behind", func(t *testing.T) {
		srv := newFakeServer(t, Subprotocol)
		cfg := testConfig(t, srv.url)
		cfg.Printers = 2
		// A print callback still running when the context ends: Run must
		// wait for it.
		entered, release := make(chan struct{}), make(chan struct{})
		var finished atomic.Bool
		cfg.OnPrint = func(Print) {
			close(entered)
			<-release
			finished.Store(true)
		}
		b := mustNew(t, cfg)
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error, 1)
		go func() { done <- b.Run(ctx) }()
		c := srv.accept(t, b)
		dev := pair(t, c, b, 0)
		c.send(t, deviceCommand(t, b, dev, 5, codec.SetDeliveryAndPrint, testBitmap(8, 1)))
		select {
		case <-entered:
		case <-time.After(waitFor):
			t.Fatal("no print")
		}
		cancel()
		time.AfterFunc(50*time.Millisecond, func() { close(release) })
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
		case <-time.After(waitFor):
			t.Fatal("Run did not return after its context ended")
		}
		if !finished.Load() {
			t.Error("Run returned while a print callback was still running")
		}
		c.waitClosed(t)
		buf := make([]byte, 1<<20)
		stacks := string(buf[:runtime.Stack(buf, true)])
		// A frame of a Bridge or session method (not a "created by" line).
		if m := regexp.MustCompile(`(?m)^paperboy/virtual\.\(\*\w+\)\.\S+\(`).FindString(stacks); m != "" {
			t.Errorf("after Run returned, a goroutine is still in %s\n%s", m, stacks)
		}
	})
	t.Run("once at a time", func(t *testing.T) {
		srv := newFakeServer(t, Subprotocol)
		b := mustNew(t, testConfig(t, srv.url))
		start(t, b)
		srv.accept(t, b)
		if err := b.Run(t.Context()); err == nil {
			t.Error("a second Run returned nil")
		}
	})
}

// TestBridge_StatsAndLocalIP checks what a load test reads of a bridge: it
// dials from Config.LocalIP, and Stats counts its sockets and heartbeats,
// across a reconnect.
func TestBridge_StatsAndLocalIP(t *testing.T) {
	srv := newFakeServer(t, Subprotocol)
	cfg := testConfig(t, srv.url)
	cfg.Paired = true
	cfg.LocalIP = net.IPv4(127, 0, 0, 2)
	b := mustNew(t, cfg)
	if got := b.Stats(); got != (Stats{}) {
		t.Fatalf("Stats before Run = %+v, want zero", got)
	}
	start(t, b)
	dev := b.Devices()[0].Address
	for sock := 1; sock <= 2; sock++ {
		c := srv.accept(t, b)
		if ip := c.ws.RemoteAddr().(*net.TCPAddr).IP; !ip.Equal(cfg.LocalIP) {
			t.Fatalf("socket %d from %v, want %v", sock, ip, cfg.LocalIP)
		}
		expect[codec.DeviceConnect](t, c.next(t))
		event[codec.DidPowerOn](t, c.next(t), dev)
		event[codec.Heartbeat](t, c.next(t), dev)
		event[codec.Heartbeat](t, c.next(t), dev)
		// A heartbeat is counted once written: the server may read it
		// before the count goes up.
		deadline := time.Now().Add(waitFor)
		for s := b.Stats(); s.Heartbeats < 2*sock-1 || !s.Online; s = b.Stats() {
			if time.Now().After(deadline) {
				t.Fatalf("socket %d: Stats = %+v, want online with %d heartbeats or more", sock, s, 2*sock-1)
			}
			time.Sleep(time.Millisecond)
		}
		if s := b.Stats(); s.Connects != sock || s.DialErrors != 0 {
			t.Fatalf("socket %d: Stats = %+v, want %d connects and no dial errors", sock, s, sock)
		}
		c.ws.Close() // the server goes away; the bridge dials again
	}
}
