package core

import (
	"sync"
	"time"

	"paperboy/codec"
	"paperboy/store"
)

// presence is who is online, in memory: a device is online while its
// bridge's socket is open and it was heard from within the presence timeout
// (protocol.md, "Presence"). Heartbeats only touch this; the store gets
// their last seen times in batches.
type presence struct {
	mu      sync.Mutex
	devices map[codec.Address]*deviceState
	online  int // devices online
}

// deviceState is what presence knows of a device.
type deviceState struct {
	conn        *bridgeConn // the socket it was last heard through
	lastHeard   time.Time
	uptime      uint32
	awaitingKey bool  // asked for its key and not heard otherwise since
	online      bool  // counted online
	printerID   int64 // its printer's dispatcher runs; 0 if none
	dirty       bool  // heard since the last flush
}

// heardKind says what a device's message tells of it.
type heardKind int

const (
	heardNormal     heardKind = iota // it has its key: connect, events, answers
	heardKeyRequest                  // it asks for its key
)

// heard records a message from a device through c. It reports whether the
// device became ready to print (it came online, moved to another socket, or
// got its key), and how many devices are online.
func (p *presence) heard(c *bridgeConn, dev codec.Address, kind heardKind, now time.Time) (ready bool, online int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	d := p.devices[dev]
	if d == nil {
		d = &deviceState{}
		p.devices[dev] = d
	}
	if !d.online {
		p.online++
	}
	wasReady := d.online && d.conn == c && !d.awaitingKey
	d.conn, d.lastHeard, d.online, d.dirty = c, now, true, true
	d.awaitingKey = kind == heardKeyRequest
	return !wasReady && !d.awaitingKey, p.online
}

// setUptime records a heartbeat's uptime.
func (p *presence) setUptime(dev codec.Address, uptime uint32) {
	p.mu.Lock()
	if d := p.devices[dev]; d != nil {
		d.uptime = uptime
	}
	p.mu.Unlock()
}

// dispatching records that a device's printer has a running dispatcher.
func (p *presence) dispatching(dev codec.Address, printerID int64) {
	p.mu.Lock()
	if d := p.devices[dev]; d != nil {
		d.printerID = printerID
	}
	p.mu.Unlock()
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
}

// sweep marks offline the devices not heard from since before deadline, or
// whose socket closed (or only those of conn, if it is not nil), and returns
// them with the number still online.
func (p *presence) sweep(deadline time.Time, conn *bridgeConn) (gone []offline, online int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for addr, d := range p.devices {
		if d.online && (conn == nil || d.conn == conn) &&
			(d.lastHeard.Before(deadline) || d.conn.closed() || d.conn == conn) {
			gone = append(gone, offline{addr, d.printerID})
			d.online, d.printerID = false, 0
			p.online--
		}
	}
	return gone, p.online
}

// forget marks one device offline at once (it said it disconnected), and
// says how many remain online.
func (p *presence) forget(dev codec.Address) (gone []offline, online int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	d := p.devices[dev]
	if d == nil || !d.online {
		return nil, p.online
	}
	gone = []offline{{dev, d.printerID}}
	d.online, d.printerID = false, 0
	p.online--
	return gone, p.online
}

// touches takes the heartbeats not yet written.
func (p *presence) touches() []store.DeviceTouch {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []store.DeviceTouch
	for addr, d := range p.devices {
		if d.dirty && !d.awaitingKey {
			out = append(out, store.DeviceTouch{Address: addr.String(), Uptime: d.uptime, SeenAt: d.lastHeard})
		}
		d.dirty = false
	}
	return out
}

// bridgeGone marks offline every device heard through a socket that closed.
func (p *presence) bridgeGone(c *bridgeConn) {
	gone, online := p.sweep(time.Time{}, c)
	c.srv.wentOffline(gone, online)
}
