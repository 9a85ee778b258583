package core

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"paperboy/codec"
	"paperboy/delivery"
	"paperboy/store"
)

// bridgeAddressed is every well-formed message: it names its bridge.
type bridgeAddressed interface {
	BridgeAddress() codec.Address
}

// receive handles one message from a bridge, on the reader reading it: it
// keeps presence in memory and hands what needs the store to the bridge's
// worker, so the socket never waits on the database. Whatever a socket
// says is checked against what paperboy knows (core/doc.go): a message
// that may not be taken from it is refused, counted, and changes nothing.
func (s *Server) receive(c *bridgeConn, m codec.Message) {
	s.metrics.messagesIn.WithLabelValues(m.MessageType()).Inc()
	switch m := m.(type) {
	case codec.MalformedEvent:
		s.metrics.malformed.Inc()
		c.note(slog.LevelInfo, "malformed message", slog.Any("error", m.Err))
		return
	case codec.UnknownEvent:
		s.metrics.unknownMessages.Inc()
		c.note(slog.LevelInfo, "unknown message", "type", m.Type, "name", m.Name, "code", uint16(m.Code))
		return
	}
	if b, ok := m.(bridgeAddressed); ok && !s.identify(c, b.BridgeAddress()) {
		c.refuse("bridge_address_changed", "message naming another bridge than the socket's first", "named", b.BridgeAddress())
		return
	}
	now := s.now()
	switch m := m.(type) {
	case codec.PowerOn:
		s.work(c, func(ctx context.Context) { s.bridgePoweredOn(ctx, c, m) })
	case codec.DeviceConnect:
		s.heard(c, m.Device, heardNormal, now)
	case codec.DeviceDisconnect:
		s.wentOffline(s.presence.forget(c, m.Device))
	case codec.EncryptionKeyRequired:
		if s.heard(c, m.Device, heardKeyRequest, now) {
			s.work(c, func(ctx context.Context) { s.keyRequired(ctx, c, m.Device) })
		}
	case codec.DeviceEvent:
		if !s.heard(c, m.Device, heardNormal, now) {
			return
		}
		switch e := m.Event.(type) {
		case codec.Heartbeat:
			s.presence.setUptime(m.Device, e.Uptime)
		case codec.DidPrint:
			if e.PrintType != codec.PrintDelivery {
				break
			}
			// To the printer's dispatcher, which waits for it, at once: not
			// behind its bridge's other work, which may wait on the store.
			if ok, printerID := s.presence.speaksFor(c, m.Device); ok && printerID != 0 && s.queue.HandPrinted(printerID, e.PrintID) {
				break
			}
			s.work(c, func(ctx context.Context) { s.printed(ctx, c, m.Device, e.PrintID) })
		case codec.DidPowerOn:
			s.work(c, func(ctx context.Context) { s.devicePoweredOn(ctx, c, m.Device, e) })
		default:
			if s.log.Enabled(context.Background(), slog.LevelDebug) {
				c.logger().Debug("device event", "device", m.Device, "type", m.MessageType())
			}
		}
	case codec.DeviceCommandResponse:
		s.metrics.ack(int(m.ReturnCode))
		if !s.heard(c, m.Device, heardNormal, now) {
			return
		}
		if !s.queue.Answered(c, m.Device, m.CommandID, m.ReturnCode) {
			s.work(c, func(ctx context.Context) { s.answeredLate(ctx, c, m) })
		}
	case codec.BridgeCommandResponse:
		s.metrics.ack(int(m.ReturnCode))
		c.note(slog.LevelInfo, "bridge command answered", "command_id", m.CommandID, "return_code", m.ReturnCode.String())
	case codec.BridgeLog:
		if !s.log.Enabled(context.Background(), slog.LevelDebug) {
			return
		}
		log := c.logger()
		for _, r := range m.Records {
			log.Debug("bridge log", "logger", r.Name, "level", r.LevelName, "message", r.Message)
		}
	}
}

// heard updates presence with a message about a device from c, and reports
// whether the message may be taken from c. When the device became ready
// to print, its printer is checked (through the worker: that needs the
// store).
func (s *Server) heard(c *bridgeConn, dev codec.Address, kind heardKind, now time.Time) bool {
	h := s.presence.heard(c, dev, kind, now)
	s.metrics.printersOnline.Set(float64(h.online))
	if h.refused != "" {
		c.refuse(h.refused, "message about a device refused", "device", dev)
		return false
	}
	if h.stop != 0 {
		s.queue.Offline(h.stop)
	}
	if h.ready {
		s.work(c, func(ctx context.Context) { s.deviceReady(ctx, c, dev) })
	}
	return true
}

// work runs f on the worker of c's bridge; one bridge's work runs in order.
// If the worker is behind, the reader waits here: the backlog is bounded.
func (s *Server) work(c *bridgeConn, f func(ctx context.Context)) {
	shard := s.shards[uint64(c.address())%uint64(len(s.shards))]
	select {
	case shard <- f:
	case <-s.ctx.Done():
	}
}

// runWorker runs the work of one shard until the server stops.
func (s *Server) runWorker(ch chan func(context.Context)) {
	for {
		select {
		case <-s.ctx.Done():
			return
		case f := <-ch:
			ctx, cancel := context.WithTimeout(s.ctx, 30*time.Second)
			f(ctx)
			cancel()
		}
	}
}

func (s *Server) bridgePoweredOn(ctx context.Context, c *bridgeConn, m codec.PowerOn) {
	err := s.store.UpsertBridge(ctx, store.Bridge{
		Address: m.Bridge.String(), Model: m.Model, FirmwareVersion: m.FirmwareVersion, NCPVersion: m.NCPVersion,
		LocalIPAddress: m.LocalIPAddress, MACAddress: m.MACAddress,
	})
	if err != nil {
		c.logger().Error("store bridge", slog.Any("error", err))
	}
}

// storable reports whether a device c speaks for may be written to the
// store: one the store has, or a new one within the allowance of new
// devices of c's client address (the rows of devices that never were are
// not for anyone to fill).
func (s *Server) storable(ctx context.Context, c *bridgeConn, dev codec.Address) bool {
	if st, ok := s.presence.state(dev); ok && st.stored {
		return true
	}
	_, err := s.store.DeviceByAddress(ctx, dev.String())
	switch {
	case err == nil:
	case !errors.Is(err, store.ErrNotFound):
		c.logger().Error("device", "device", dev, slog.Any("error", err))
		return false
	case !s.newDevices.allow(c.ip, s.now()):
		c.refuse("too_many_new_devices", "new device not recorded: too many from this address", "device", dev,
			"per_hour", s.cfg.NewDevicesPerHour)
		return false
	}
	s.presence.setStored(dev)
	return true
}

// deviceReady checks the printer of a device heard with its key through c
// and, if c may print on it, starts its dispatcher: a device attached to a
// printer and not yet paired is paired through c's bridge; a paired one
// prints only behind the bridge it was paired through, or another its
// owner confirmed (core/doc.go).
func (s *Server) deviceReady(ctx context.Context, c *bridgeConn, dev codec.Address) {
	if ok, _ := s.presence.speaksFor(c, dev); !ok || !s.storable(ctx, c, dev) || !s.hold(ctx, c, dev) {
		return // it went away, or moved, meanwhile, or is heard elsewhere
	}
	bridge := c.address().String()
	if err := s.store.DeviceSeen(ctx, dev.String(), dev.HardwareXor(), bridge); err != nil {
		c.logger().Error("store device", "device", dev, slog.Any("error", err))
		return
	}
	p, err := s.store.PrinterByDevice(ctx, dev.String())
	if errors.Is(err, store.ErrNotFound) {
		c.note(slog.LevelInfo, "device online, not claimed", "device", dev)
		return
	}
	if err != nil {
		c.logger().Error("printer of device", "device", dev, slog.Any("error", err))
		return
	}
	switch {
	case p.Device.PairedBridge == "":
		before, err := s.store.ConfirmPairing(ctx, p.ID, dev.String(), bridge)
		if err != nil {
			c.logger().Error("pair device", "device", dev, "printer", p.ID, slog.Any("error", err))
			return
		}
		c.note(slog.LevelInfo, "printer paired", "device", dev, "printer", p.ID)
		s.handOn(ctx, p, before)
	case p.Device.PairedBridge != bridge:
		s.movedBehind(ctx, c, p, dev)
		return
	case p.Device.MovedBridge != "":
		if err := s.store.ClearMove(ctx, dev.String()); err != nil {
			c.logger().Error("device back behind its bridge", "device", dev, slog.Any("error", err))
		}
	}
	if !s.presence.dispatching(c, dev, p.ID) {
		return // it went away, moved or asked for a key meanwhile
	}
	s.queue.Online(p.ID, delivery.Target{Bridge: c.address(), Device: dev, Sender: c})
	c.note(slog.LevelInfo, "printer online", "device", dev, "printer", p.ID)
}

// hold takes a device c speaks for for this instance, in the store, unless
// another instance sharing the database has heard it within the presence
// timeout (and the time it takes to say so): there, a socket already
// speaks for it, and this one may not (core/doc.go). Refused, the device
// is offline here, and checked again when it is next heard.
func (s *Server) hold(ctx context.Context, c *bridgeConn, dev codec.Address) bool {
	ok, err := s.store.HoldDevice(ctx, dev.String(), s.instance, s.now().Add(-s.cfg.PresenceTimeout-s.cfg.FlushEvery))
	switch {
	case errors.Is(err, store.ErrNotFound):
		ok = true // new: nobody holds it, and the caller records it
	case err != nil:
		c.logger().Error("hold device", "device", dev, slog.Any("error", err))
		return false
	case !ok:
		s.presence.unready(c, dev, s.now().Add(holdRetry))
		c.refuse("device_elsewhere", "device heard through another server instance", "device", dev)
		return false
	}
	s.presence.setHeld(dev)
	return true
}

// holdRetry is how long a socket that named a device another instance
// holds waits before it is checked again.
const holdRetry = 5 * time.Second

// handOn tells the owners of the printers a device just paired may have
// been (the same hardware xor, their device silent) that it was reset and
// claimed by another account; not if their device is online here: then
// it is another printer whose xor is the same (24 bits are shared by
// many), or a made-up device.
func (s *Server) handOn(ctx context.Context, now store.Printer, before []store.Predecessor) {
	for _, b := range before {
		if addr, err := codec.ParseAddress(b.DeviceAddress); err == nil {
			if st, ok := s.presence.state(addr); ok && st.online {
				continue
			}
		}
		if err := s.store.HandOn(ctx, b.PrinterID); err != nil {
			s.log.Error("hand on printer", "printer", b.PrinterID, slog.Any("error", err))
			continue
		}
		s.log.Info("printer handed on: its hardware was reset and paired with another account", "printer", b.PrinterID, "now", now.ID)
	}
}

// movedBehind records that a paired device is heard through another bridge
// than its own: it gets no key and no prints there until its owner
// confirms the move.
func (s *Server) movedBehind(ctx context.Context, c *bridgeConn, p store.Printer, dev codec.Address) {
	news, err := s.store.DeviceMoved(ctx, p.ID, dev.String(), c.address().String())
	if err != nil {
		c.logger().Error("device moved", "device", dev, slog.Any("error", err))
		return
	}
	if news {
		s.log.Warn("printer behind another bridge: it waits for its owner to confirm the move", "printer", p.ID, "device", dev,
			"bridge", c.address(), "paired_bridge", p.Device.PairedBridge)
	}
	c.refuse("other_bridge", "printer behind another bridge than its own", "device", dev, "printer", p.ID)
}

// wentOffline stops the dispatchers of devices that went offline; online is
// how many remain.
func (s *Server) wentOffline(gone []offline, online int) {
	for _, o := range gone {
		if o.printerID != 0 {
			s.queue.Offline(o.printerID)
			o.conn.note(slog.LevelInfo, "printer offline", "device", o.dev, "printer", o.printerID)
		}
	}
	s.metrics.printersOnline.Set(float64(online))
}

// release lets other instances sharing the database speak for the devices
// of a socket that closed at once, rather than after the presence timeout.
func (s *Server) release(gone []offline) {
	var addrs []string
	for _, o := range gone {
		if o.printerID != 0 {
			addrs = append(addrs, o.dev.String())
		}
	}
	if len(addrs) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(s.ctx), 10*time.Second)
	defer cancel()
	if err := s.store.ReleaseDevices(ctx, s.instance, addrs); err != nil {
		s.log.Error("release devices", slog.Any("error", err))
	}
}

// keyRequired answers a device's key request, when c may have its key: a
// paired device gets it behind its own bridge only; a device not paired
// gets the key of the newest claim code for its hardware xor, and is
// attached to that code's printer (core/doc.go).
func (s *Server) keyRequired(ctx context.Context, c *bridgeConn, dev codec.Address) {
	if ok, _ := s.presence.speaksFor(c, dev); !ok || !s.storable(ctx, c, dev) || !s.hold(ctx, c, dev) {
		return
	}
	xor := dev.HardwareXor()
	if err := s.store.DeviceKeyRequested(ctx, dev.String(), xor, c.address().String()); err != nil {
		c.logger().Error("store device", "device", dev, slog.Any("error", err))
		return
	}
	p, err := s.store.PrinterByDevice(ctx, dev.String())
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		c.logger().Error("printer of device", "device", dev, slog.Any("error", err))
		return
	}
	var claim store.ClaimRecord
	if err == nil && p.Device.PairedBridge != "" {
		if p.Device.PairedBridge != c.address().String() {
			s.movedBehind(ctx, c, p, dev)
			return
		}
		if claim, err = s.store.PairedClaim(ctx, p.Device, p.ID); err != nil {
			c.logger().Error("claim code of device", "device", dev, slog.Any("error", err))
			return
		}
	} else {
		claim, err = s.store.NewestClaim(ctx, xor)
		if errors.Is(err, store.ErrNotFound) {
			c.note(slog.LevelInfo, "printer asks for its key; no claim code for it yet", "device", dev, "hardware_xor", xor)
			return
		}
		if err != nil {
			c.logger().Error("claim code for device", "device", dev, slog.Any("error", err))
			return
		}
		if err := s.store.AttachDevice(ctx, claim, dev.String()); err != nil {
			c.logger().Error("attach device", "device", dev, slog.Any("error", err))
			return
		}
	}
	s.sendKey(ctx, c, dev, codec.ClaimCode{HardwareXor: xor, Secret: claim.Secret})
}

// sendKey sends a device its link key, waiting a little for room in the
// bridge's queue: a bridge with many printers claimed at once gets many.
func (s *Server) sendKey(ctx context.Context, c *bridgeConn, dev codec.Address, code codec.ClaimCode) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	id, err := s.queue.CommandID(ctx)
	if err != nil {
		c.logger().Error("command id", slog.Any("error", err))
		return
	}
	if err := c.sendCommand(ctx, codec.NewAddDeviceEncryptionKey(c.address(), dev, id, code), codec.BridgeAddDeviceEncryptionKey); err != nil {
		c.note(slog.LevelWarn, "key not sent", "device", dev, slog.Any("error", err))
		return
	}
	c.note(slog.LevelInfo, "key sent", "device", dev, "command_id", id)
}

func (s *Server) devicePoweredOn(ctx context.Context, c *bridgeConn, dev codec.Address, e codec.DidPowerOn) {
	if ok, _ := s.presence.speaksFor(c, dev); !ok || !s.storable(ctx, c, dev) {
		return
	}
	err := s.store.DevicePoweredOn(ctx, store.Device{
		Address: dev.String(), HardwareXor: dev.HardwareXor(), BridgeAddress: c.address().String(),
		DeviceType: e.DeviceType, FirmwareBuild: e.FirmwareBuild, LoaderBuild: e.LoaderBuild,
		ProtocolVersion: e.ProtocolVersion, ResetDescription: e.ResetDescription,
	})
	if err != nil {
		c.logger().Error("store device", "device", dev, slog.Any("error", err))
	}
	c.note(slog.LevelInfo, "printer started", "device", dev, "firmware", e.FirmwareBuild, "reset_cause", e.ResetCause().String())
}

// answeredLate applies an answer no dispatcher waits for, if c speaks for
// the device and prints on its printer: it completes a delivery of that
// printer sent before a restart or a reconnect if that is still open; any
// other is ignored.
func (s *Server) answeredLate(ctx context.Context, c *bridgeConn, m codec.DeviceCommandResponse) {
	ok, printerID := s.presence.speaksFor(c, m.Device)
	if !ok || printerID == 0 {
		s.metrics.unknownAcks.Inc()
		c.refuse("answer_not_ours", "answer from a socket that does not print on the device", "device", m.Device, "command_id", m.CommandID)
		return
	}
	applied, err := s.queue.AnswerLate(ctx, printerID, m.CommandID, m.ReturnCode)
	switch {
	case err != nil:
		c.logger().Error("late answer", "command_id", m.CommandID, slog.Any("error", err))
	case applied:
		c.note(slog.LevelInfo, "answer for a command sent before: applied", "device", m.Device, "command_id", m.CommandID,
			"return_code", m.ReturnCode.String())
	default:
		s.metrics.unknownAcks.Inc()
		c.note(slog.LevelInfo, "answer for a command no one waits for: ignored", "device", m.Device, "command_id", m.CommandID,
			"return_code", m.ReturnCode.String())
	}
}

// printed applies a did-print event, if c speaks for the device and prints
// on its printer: only that printer's delivery of the command id counts.
func (s *Server) printed(ctx context.Context, c *bridgeConn, dev codec.Address, commandID uint32) {
	ok, printerID := s.presence.speaksFor(c, dev)
	if !ok || printerID == 0 {
		c.refuse("print_not_ours", "did-print from a socket that does not print on the device", "device", dev, "command_id", commandID)
		return
	}
	applied, err := s.queue.Printed(ctx, printerID, commandID)
	switch {
	case err != nil:
		c.logger().Error("mark printed", "command_id", commandID, slog.Any("error", err))
	case !applied:
		c.note(slog.LevelInfo, "printed a command no delivery waits for", "device", dev, "command_id", commandID)
	default:
		c.note(slog.LevelInfo, "printed", "device", dev, "command_id", commandID)
	}
}

// recheck looks again at a device's printer, after a claim or a confirmed
// move: one waiting for its key gets it now if it may; one heard with it
// starts printing if it may.
func (s *Server) recheck(addr string) {
	dev, err := codec.ParseAddress(addr)
	if err != nil {
		return // not called home yet: the key goes out when it asks
	}
	st, ok := s.presence.state(dev)
	if !ok || !st.online || st.conn == nil || st.conn.closed() {
		return
	}
	c := st.conn
	if st.awaitingKey {
		s.work(c, func(ctx context.Context) { s.keyRequired(ctx, c, dev) })
		return
	}
	s.work(c, func(ctx context.Context) { s.deviceReady(ctx, c, dev) })
}

// runPresence sweeps presence and flushes heartbeats to the store until the
// server stops; Shutdown flushes once more, when nothing is heard any more.
func (s *Server) runPresence() {
	every := min(s.cfg.PresenceTimeout/4, time.Second*5)
	sweep, flush := s.clock.After(every), s.clock.After(s.cfg.FlushEvery)
	for {
		select {
		case <-s.ctx.Done():
			return
		case now := <-sweep:
			s.wentOffline(s.presence.sweep(now.Add(-s.cfg.PresenceTimeout), now.Add(-forgetOffline)))
			sweep = s.clock.After(every)
		case <-flush:
			if err := s.flush(s.ctx); err != nil && s.ctx.Err() == nil {
				s.log.Error("flush heartbeats: kept for the next flush", slog.Any("error", err))
			}
			flush = s.clock.After(s.cfg.FlushEvery)
		}
	}
}

// forgetOffline is how long presence remembers a device gone offline: the
// store has its last seen time.
const forgetOffline = time.Hour

// flush writes the heartbeats heard since the last flush to the store,
// store.TouchBatch at a time: each batch holds the store's writer only
// briefly, and other writers get it in between. A batch is marked written
// only once the store has it; what an error leaves is written by the next
// flush.
func (s *Server) flush(ctx context.Context) error {
	ts, addrs := s.presence.touches()
	for len(ts) > 0 {
		n := min(len(ts), store.TouchBatch)
		if err := s.store.TouchDevices(ctx, s.instance, ts[:n]); err != nil {
			return err
		}
		s.presence.written(ts[:n], addrs[:n])
		ts, addrs = ts[n:], addrs[n:]
	}
	return nil
}

// lastFlushTimeout bounds the flush at shutdown: a few hundred batches of
// heartbeats take well under a second.
const lastFlushTimeout = 30 * time.Second
