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

// receive handles one message from a bridge, on its reader goroutine: it
// keeps presence in memory and hands what needs the store to the bridge's
// worker, so the socket never waits on the database.
func (s *Server) receive(c *bridgeConn, m codec.Message) {
	s.metrics.messagesIn.WithLabelValues(m.MessageType()).Inc()
	switch m := m.(type) {
	case codec.MalformedEvent:
		s.metrics.malformed.Inc()
		c.logger().Info("malformed message", slog.Any("error", m.Err))
		return
	case codec.UnknownEvent:
		s.metrics.unknownMessages.Inc()
		c.logger().Info("unknown message", "type", m.Type, "name", m.Name, "code", uint16(m.Code))
		return
	}
	now := time.Now()
	switch m := m.(type) {
	case codec.PowerOn:
		s.identify(c, m.Bridge)
		s.work(c, func(ctx context.Context) { s.bridgePoweredOn(ctx, c, m) })
	case codec.DeviceConnect:
		s.identify(c, m.Bridge)
		s.heard(c, m.Device, heardNormal, now)
	case codec.DeviceDisconnect:
		s.identify(c, m.Bridge)
		s.wentOffline(s.presence.forget(m.Device))
	case codec.EncryptionKeyRequired:
		s.identify(c, m.Bridge)
		s.heard(c, m.Device, heardKeyRequest, now)
		s.work(c, func(ctx context.Context) { s.keyRequired(ctx, c, m.Device) })
	case codec.DeviceEvent:
		s.identify(c, m.Bridge)
		s.heard(c, m.Device, heardNormal, now)
		switch e := m.Event.(type) {
		case codec.Heartbeat:
			s.presence.setUptime(m.Device, e.Uptime)
		case codec.DidPrint:
			if e.PrintType == codec.PrintDelivery {
				s.work(c, func(ctx context.Context) { s.printed(ctx, c, m.Device, e.PrintID) })
			}
		case codec.DidPowerOn:
			s.work(c, func(ctx context.Context) { s.devicePoweredOn(ctx, c, m.Device, e) })
		default:
			c.logger().Debug("device event", "device", m.Device, "type", m.MessageType())
		}
	case codec.DeviceCommandResponse:
		s.identify(c, m.Bridge)
		s.heard(c, m.Device, heardNormal, now)
		s.metrics.ack(int(m.ReturnCode))
		if !s.queue.Answered(m.CommandID, m.ReturnCode) {
			s.work(c, func(ctx context.Context) { s.answeredLate(ctx, c, m) })
		}
	case codec.BridgeCommandResponse:
		s.identify(c, m.Bridge)
		s.metrics.ack(int(m.ReturnCode))
		c.logger().Info("bridge command answered", "command_id", m.CommandID, "return_code", m.ReturnCode.String())
	case codec.BridgeLog:
		s.identify(c, m.Bridge)
		for _, r := range m.Records {
			c.logger().Debug("bridge log", "logger", r.Name, "level", r.LevelName, "message", r.Message)
		}
	}
}

// heard updates presence and, when the device became ready to print,
// starts its printer's dispatcher (through the worker: that needs the store).
func (s *Server) heard(c *bridgeConn, dev codec.Address, kind heardKind, now time.Time) {
	ready, online := s.presence.heard(c, dev, kind, now)
	s.metrics.printersOnline.Set(float64(online))
	if ready {
		s.work(c, func(ctx context.Context) { s.deviceReady(ctx, c, dev) })
	}
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

// deviceReady starts the dispatcher of the device's printer, if it has one.
func (s *Server) deviceReady(ctx context.Context, c *bridgeConn, dev codec.Address) {
	if err := s.store.DeviceSeen(ctx, dev.String(), dev.HardwareXor(), c.address().String()); err != nil {
		c.logger().Error("store device", "device", dev, slog.Any("error", err))
		return
	}
	p, err := s.store.PrinterByDevice(ctx, dev.String())
	if errors.Is(err, store.ErrNotFound) {
		c.logger().Info("device online, not claimed", "device", dev)
		return
	}
	if err != nil {
		c.logger().Error("printer of device", "device", dev, slog.Any("error", err))
		return
	}
	st, ok := s.presence.state(dev)
	if !ok || !st.online || st.awaitingKey || st.conn != c || c.closed() {
		return // it went away, or moved, meanwhile
	}
	s.queue.Online(p.ID, delivery.Target{Bridge: c.address(), Device: dev, Sender: c})
	s.presence.dispatching(dev, p.ID)
	c.logger().Info("printer online", "device", dev, "printer", p.ID)
}

// wentOffline stops the dispatchers of devices that went offline; online is
// how many remain.
func (s *Server) wentOffline(gone []offline, online int) {
	for _, o := range gone {
		if o.printerID != 0 {
			s.queue.Offline(o.printerID)
		}
		s.log.Info("printer offline", "device", o.dev, "printer", o.printerID)
	}
	s.metrics.printersOnline.Set(float64(online))
}

// keyRequired answers a device's key request with the link key of the
// newest claim code for its hardware xor, and makes it that code's
// printer's device.
func (s *Server) keyRequired(ctx context.Context, c *bridgeConn, dev codec.Address) {
	xor := dev.HardwareXor()
	if err := s.store.DeviceKeyRequested(ctx, dev.String(), xor, c.address().String()); err != nil {
		c.logger().Error("store device", "device", dev, slog.Any("error", err))
		return
	}
	claim, err := s.store.NewestClaim(ctx, xor)
	if errors.Is(err, store.ErrNotFound) {
		c.logger().Info("printer asks for its key, not claimed yet", "device", dev, "hardware_xor", xor)
		return
	}
	if err != nil {
		c.logger().Error("claim code for device", "device", dev, slog.Any("error", err))
		return
	}
	if err := s.store.AttachDevice(ctx, claim.PrinterID, dev.String()); err != nil {
		c.logger().Error("attach device", "device", dev, slog.Any("error", err))
		return
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
		c.logger().Warn("key not sent", "device", dev, slog.Any("error", err))
		return
	}
	c.logger().Info("key sent", "device", dev, "command_id", id)
}

func (s *Server) devicePoweredOn(ctx context.Context, c *bridgeConn, dev codec.Address, e codec.DidPowerOn) {
	err := s.store.DevicePoweredOn(ctx, store.Device{
		Address: dev.String(), HardwareXor: dev.HardwareXor(), BridgeAddress: c.address().String(),
		DeviceType: e.DeviceType, FirmwareBuild: e.FirmwareBuild, LoaderBuild: e.LoaderBuild,
		ProtocolVersion: e.ProtocolVersion, ResetDescription: e.ResetDescription,
	})
	if err != nil {
		c.logger().Error("store device", "device", dev, slog.Any("error", err))
	}
	c.logger().Info("printer started", "device", dev, "firmware", e.FirmwareBuild, "reset_cause", e.ResetCause().String())
}

// answeredLate applies an answer no dispatcher waits for: it completes a
// delivery sent before a restart if that is still open, else it is
// ignored.
func (s *Server) answeredLate(ctx context.Context, c *bridgeConn, m codec.DeviceCommandResponse) {
	ok, err := s.queue.AnswerLate(ctx, m.CommandID, m.ReturnCode)
	switch {
	case err != nil:
		c.logger().Error("late answer", "command_id", m.CommandID, slog.Any("error", err))
	case ok:
		c.logger().Info("answer for a command sent before: applied", "device", m.Device, "command_id", m.CommandID,
			"return_code", m.ReturnCode.String())
	default:
		s.metrics.unknownAcks.Inc()
		c.logger().Info("answer for a command no one waits for: ignored", "device", m.Device, "command_id", m.CommandID,
			"return_code", m.ReturnCode.String())
	}
}

func (s *Server) printed(ctx context.Context, c *bridgeConn, dev codec.Address, commandID uint32) {
	ok, err := s.queue.Printed(ctx, commandID)
	switch {
	case err != nil:
		c.logger().Error("mark printed", "command_id", commandID, slog.Any("error", err))
	case !ok:
		c.logger().Info("printed a command no delivery waits for", "device", dev, "command_id", commandID)
	default:
		c.logger().Info("printed", "device", dev, "command_id", commandID)
	}
}

// runPresence sweeps presence and flushes heartbeats to the store until the
// server stops, then flushes once more.
func (s *Server) runPresence() {
	sweep := time.NewTicker(min(s.cfg.PresenceTimeout/4, time.Second*5))
	defer sweep.Stop()
	flush := time.NewTicker(s.cfg.FlushEvery)
	defer flush.Stop()
	for {
		select {
		case <-s.ctx.Done():
			s.flush(context.Background())
			return
		case now := <-sweep.C:
			s.wentOffline(s.presence.sweep(now.Add(-s.cfg.PresenceTimeout), nil))
		case <-flush.C:
			s.flush(s.ctx)
		}
	}
}

func (s *Server) flush(ctx context.Context) {
	if err := s.store.TouchDevices(ctx, s.presence.touches()); err != nil {
		s.log.Error("flush heartbeats", slog.Any("error", err))
	}
}
