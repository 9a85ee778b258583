package core

import (
	"cmp"
	"slices"
	"sync"
	"time"

	"paperboy/codec"
	"paperboy/store"
)

// presence is who is online, in memory, and which socket speaks for each
// device (core/doc.go, "What a bridge can and cannot prove"): a device is
// online while the socket that speaks for it is open and it was heard from
// through it within the presence timeout (protocol.md, "Presence").
// Heartbeats only touch this; the store gets their last seen times in
// batches.
type presence struct {
	mu      sync.Mutex
	timeout time.Duration
	// maxDevices is how many devices one socket may speak for.
	maxDevices int
	devices    map[codec.Address]*deviceState
	online     int // devices online
}

// deviceState is what presence knows of a device.
type deviceState struct {
	conn        *bridgeConn // the socket that speaks for it; nil if none
	lastHeard   time.Time   // through conn
	uptime      uint32
	awaitingKey bool  // asked for its key and not heard otherwise since
	online      bool  // counted online
	printerID   int64 // its printer's dispatcher runs, sending to conn; 0 if none
	dirty       bool  // heard since the last flush
	stored      bool  // the store has it
	held        bool  // this instance holds it in the store (Server.hold)
	// checkAfter: another instance held it; its socket here is not checked
	// again before then (each check is a write to the store).
	checkAfter time.Time
}

// heardKind says what a device's message tells of it.
type heardKind int

const (
	heardNormal     heardKind = iota // it has its key: connect, events, answers
	heardKeyRequest                  // it asks for its key
)

// hearing is what presence made of a message about a device.
type hearing struct {
	// refused says why the message is not taken from this socket ("" if
	// it is): another socket speaks for the device, or this one speaks
	// for too many.
	refused string
	// ready: the device became ready to print through this socket (it came
	// online, moved here, or got its key); its printer is to be checked.
	ready bool
	// stop is the printer whose dispatcher must stop: the device moved off
	// the socket it sent to. 0 if none.
	stop   int64
	online int // devices online
}

// heard takes a message about a device from c, if c speaks for it: it
// does if it did already, or if no other socket does (none has, or the one
// that did closed or has been silent about it for the presence timeout).
// A socket may speak for maxDevices devices at most.
func (p *presence) heard(c *bridgeConn, dev codec.Address, kind heardKind, now time.Time) hearing {
	p.mu.Lock()
	defer p.mu.Unlock()
	d := p.devices[dev]
	var h hearing
	if d == nil || d.conn != c {
		if d != nil && d.conn != nil && !d.conn.closed() && now.Sub(d.lastHeard) < p.timeout {
			return hearing{refused: "device_elsewhere", online: p.online}
		}
		if len(c.devices) >= p.maxDevices {
			return hearing{refused: "too_many_devices", online: p.online}
		}
		if d == nil {
			d = &deviceState{}
			p.devices[dev] = d
		}
		if d.conn != nil {
			d.conn.dropDevice(dev)
			if d.printerID != 0 {
				h.stop = d.printerID
				d.printerID = 0
			}
			if d.online {
				d.online = false
				p.online--
			}
		}
		d.conn, d.checkAfter = c, time.Time{}
		c.devices = append(c.devices, dev)
	}
	if !d.online {
		p.online++
	}
	wasReady := d.online && !d.awaitingKey
	d.lastHeard, d.online, d.dirty = now, true, true
	d.awaitingKey = kind == heardKeyRequest
	h.ready = !wasReady && !d.awaitingKey && !now.Before(d.checkAfter)
	h.online = p.online
	return h
}

// speaksFor reports whether c speaks for a device that is online, and the
// printer whose dispatcher sends to it through c (0 if none).
func (p *presence) speaksFor(c *bridgeConn, dev codec.Address) (bool, int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	d := p.devices[dev]
	if d == nil || d.conn != c || !d.online || c.closed() {
		return false, 0
	}
	return true, d.printerID
}

// unready marks offline here a device c speaks for that another instance
// holds: it is checked again when it is next heard after checkAfter.
func (p *presence) unready(c *bridgeConn, dev codec.Address, checkAfter time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if d := p.devices[dev]; d != nil && d.conn == c {
		d.held, d.checkAfter = false, checkAfter
		if d.online {
			d.online, d.printerID = false, 0
			p.online--
		}
	}
}

// setHeld records that this instance holds a device in the store: its
// heartbeats are written there.
func (p *presence) setHeld(dev codec.Address) {
	p.mu.Lock()
	if d := p.devices[dev]; d != nil {
		d.held = true
	}
	p.mu.Unlock()
}

// setUptime records a heartbeat's uptime.
func (p *presence) setUptime(dev codec.Address, uptime uint32) {
	p.mu.Lock()
	if d := p.devices[dev]; d != nil {
		d.uptime = uptime
	}
	p.mu.Unlock()
}

// setStored records that the store has a device.
func (p *presence) setStored(dev codec.Address) {
	p.mu.Lock()
	if d := p.devices[dev]; d != nil {
		d.stored = true
	}
	p.mu.Unlock()
}

// dispatching records that a device's printer has a running dispatcher
// sending to c, if c still speaks for the device and it waits for no key.
// It reports whether it did.
func (p *presence) dispatching(c *bridgeConn, dev codec.Address, printerID int64) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	d := p.devices[dev]
	if d == nil || d.conn != c || !d.online || d.awaitingKey || c.closed() {
		return false
	}
	d.printerID = printerID
	return true
}

// stopPrinters forgets the dispatchers of printers that are gone (their
// account deleted): their devices stay online, with no printer, until one
// is claimed again.
func (p *presence) stopPrinters(ids []int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, d := range p.devices {
		if d.printerID != 0 && slices.Contains(ids, d.printerID) {
			d.printerID = 0
		}
	}
}

// state is a copy of what presence knows of a device, and whether it knows
// anything.
func (p *presence) state(dev codec.Address) (deviceState, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	d := p.devices[dev]
	if d == nil {
		return deviceState{}, false
	}
	return *d, true
}

// offline is a device that went offline, with the printer whose dispatcher
// must stop.
type offline struct {
	dev       codec.Address
	printerID int64
	conn      *bridgeConn // the socket it was on
}

// sweep marks offline the devices not heard from since before deadline, or
// whose socket closed, and returns them with the number still online. It
// forgets devices offline since before forgetBefore: they cost memory,
// and the store has their last seen time.
func (p *presence) sweep(deadline, forgetBefore time.Time) (gone []offline, online int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for addr, d := range p.devices {
		if d.online && (d.lastHeard.Before(deadline) || d.conn.closed()) {
			gone = append(gone, offline{addr, d.printerID, d.conn})
			d.online, d.printerID = false, 0
			p.online--
		}
		if !d.online && d.lastHeard.Before(forgetBefore) {
			if d.conn != nil {
				d.conn.dropDevice(addr)
			}
			delete(p.devices, addr)
		}
	}
	return gone, p.online
}

// forget marks a device offline at once, if c speaks for it (it said it
// disconnected): any socket may speak for it now. It says how many remain
// online.
func (p *presence) forget(c *bridgeConn, dev codec.Address) (gone []offline, online int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	d := p.devices[dev]
	if d == nil || d.conn != c {
		return nil, p.online
	}
	if d.online {
		gone = []offline{{dev, d.printerID, c}}
		d.online = false
		p.online--
	}
	d.printerID, d.conn = 0, nil
	c.dropDevice(dev)
	return gone, p.online
}

// touches gives the heartbeats not yet written, with their devices'
// addresses, and leaves them marked unwritten: written marks them once the
// store has them, so a write that fails (or is cut short by shutdown)
// loses none. Heartbeats that are not to be written (a device waiting for
// its key, or held by another instance) are dropped here.
func (p *presence) touches() ([]store.DeviceTouch, []codec.Address) {
	type touch struct {
		addr   codec.Address
		uptime uint32
		seen   time.Time
	}
	var ts []touch
	p.mu.Lock()
	for addr, d := range p.devices {
		if !d.dirty {
			continue
		}
		if d.awaitingKey || !d.held {
			d.dirty = false
			continue
		}
		ts = append(ts, touch{addr, d.uptime, d.lastHeard})
	}
	p.mu.Unlock()
	// In address order, the store's order of devices: a batch is written
	// to neighbouring rows (store migration 0013).
	slices.SortFunc(ts, func(a, b touch) int { return cmp.Compare(a.addr, b.addr) })
	out, addrs := make([]store.DeviceTouch, len(ts)), make([]codec.Address, len(ts))
	for i, t := range ts {
		out[i] = store.DeviceTouch{Address: t.addr.String(), Uptime: t.uptime, SeenAt: t.seen}
		addrs[i] = t.addr
	}
	return out, addrs
}

// written marks heartbeats touches gave as in the store, but for a device
// heard again since: its newer heartbeat is still to be written.
func (p *presence) written(ts []store.DeviceTouch, addrs []codec.Address) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for i, addr := range addrs {
		if d := p.devices[addr]; d != nil && d.lastHeard.Equal(ts[i].SeenAt) && d.uptime == ts[i].Uptime {
			d.dirty = false
		}
	}
}

// bridgeGone marks offline every device a socket that closed spoke for:
// any socket may speak for them now.
func (p *presence) bridgeGone(c *bridgeConn) (gone []offline, online int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, addr := range c.devices {
		d := p.devices[addr]
		if d == nil || d.conn != c {
			continue
		}
		if d.online {
			gone = append(gone, offline{addr, d.printerID, c})
			d.online = false
			p.online--
		}
		d.printerID, d.conn = 0, nil
	}
	c.devices = nil
	return gone, p.online
}
