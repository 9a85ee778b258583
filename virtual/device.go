package virtual

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"

	"paperboy/codec"
)

// runDevice is one printer on one socket: it asks for its key or sends
// heartbeats, and handles its commands in order, each Config.AnswerDelay
// after it came.
func (s *session) runDevice(ctx context.Context, d *device, paired bool) {
	b := s.b
	period := func() time.Duration {
		if paired {
			return b.cfg.HeartbeatEvery
		}
		return b.cfg.KeyRequestEvery
	}
	if paired {
		s.announce(d)
		s.sendUnsent(d.addr)
	} else {
		s.askKey(d)
	}
	tick := time.NewTicker(period())
	defer tick.Stop()
	due := time.NewTimer(time.Hour)
	due.Stop()
	defer due.Stop()
	var queue []pending
	for {
		select {
		case <-ctx.Done():
			if d.leave.Load() && paired {
				s.send(codec.DeviceDisconnect{Header: s.header(), Device: d.addr})
			}
			return
		case <-d.paired:
			if !paired {
				paired = true
				s.announce(d)
				s.sendUnsent(d.addr)
				tick.Reset(period())
			}
		case <-tick.C:
			if paired {
				s.log.Debug("heartbeat", "device", d.addr.String())
				if s.deviceEvent(d.addr, codec.Heartbeat{Uptime: uint32(time.Since(d.poweredOn).Seconds())}) == nil {
					b.heartbeats.Add(1)
				}
			} else {
				s.askKey(d)
			}
		case p := <-d.cmds:
			queue = append(queue, p)
		case <-due.C:
		case <-d.press:
			s.press(d)
		}
		for len(queue) > 0 {
			if wait := time.Until(queue[0].received.Add(b.cfg.AnswerDelay)); wait > 0 {
				due.Reset(wait)
				break
			}
			s.handle(d, queue[0])
			queue[0] = pending{}
			queue = queue[1:]
		}
	}
}

// announce says a paired printer is there: device_connect, then did power on.
func (s *session) announce(d *device) {
	s.log.Info("printer connected", "device", d.addr.String())
	s.send(codec.DeviceConnect{Header: s.header(), Device: d.addr})
	s.deviceEvent(d.addr, codec.DidPowerOn{
		DeviceType:       deviceType,
		FirmwareBuild:    FirmwareVersion,
		LoaderBuild:      FirmwareVersion,
		ProtocolVersion:  protocolVersion,
		ResetDescription: resetPowerOn << 8,
	})
}

func (s *session) askKey(d *device) {
	s.log.Debug("asking for key", "device", d.addr.String())
	s.send(codec.EncryptionKeyRequired{Header: s.header(), Device: d.addr})
}

// handle does what a DeviceCommand asks and answers it.
func (s *session) handle(d *device, p pending) {
	b := s.b
	c := p.cmd
	log := s.log.With("device", c.Device.String(), "command_id", c.ID)
	if b.cfg.AnswerBusy {
		log.Info("answering busy on purpose")
		s.respond(c, codec.ReturnBusy, p.received)
		return
	}
	payload, err := codec.ParsePayload(c.Payload)
	if err != nil {
		log.Warn("bad device command", slog.Any("error", err))
		s.respond(c, codec.ReturnInvalidSize, p.received)
		return
	}
	switch payload.Command {
	case codec.SetDeliveryAndPrint, codec.SetDeliveryAndPrintNoFace:
		if b.cfg.PrintTime > 0 {
			rc := codec.ReturnSuccess
			if !b.hold(d.addr, heldDelivery{commandID: c.ID, payload: payload}) {
				rc = codec.ReturnBusy
				log.Info("printer full: busy")
			}
			s.respond(c, rc, p.received)
			return
		}
		s.print(d, c.ID, payload, &p)
	case codec.SetDelivery, codec.SetDeliveryNoFace:
		if b.cfg.AutoPress {
			s.print(d, c.ID, payload, &p)
			return
		}
		b.mu.Lock()
		if b.st.index(d.addr) >= 0 {
			b.held[d.addr] = heldDelivery{commandID: c.ID, payload: payload}
		}
		b.mu.Unlock()
		log.Info("delivery held until the button is pressed")
		s.respond(c, codec.ReturnSuccess, p.received)
	case codec.SetPersonality, codec.SetPersonalityWithMessage, codec.SetQuip:
		files := b.save(d.addr, c.ID, payload.Images)
		s.respond(c, codec.ReturnSuccess, p.received)
		log.Info("stored", "command", payload.Command.String(), "files", files)
		b.onPrint(Print{Device: d.addr, CommandID: c.ID, Command: payload.Command, Images: payload.Images, Files: files})
	default:
		log.Warn("unsupported device command", "command", payload.Command.String())
		s.respond(c, codec.ReturnInvalidSequence, p.received)
	}
}

// print prints a delivery: saves and shows it, answers its command if it
// came just now (p), sends did print and tells OnPrint.
func (s *session) print(d *device, commandID uint32, payload codec.Payload, p *pending) {
	b := s.b
	files := b.save(d.addr, commandID, payload.Images)
	b.show(d.addr, commandID, payload.Images)
	if p != nil {
		s.respond(p.cmd, codec.ReturnSuccess, p.received)
	}
	s.deviceEvent(d.addr, codec.DidPrint{PrintType: codec.PrintDelivery, PrintID: payload.PrintID})
	s.log.Info("printed", "device", d.addr.String(), "command_id", commandID, "files", files)
	b.onPrint(Print{Device: d.addr, CommandID: commandID, Command: payload.Command, Images: payload.Images, Files: files})
}

// press prints the held delivery, or says there was nothing to print.
func (s *session) press(d *device) {
	b := s.b
	b.mu.Lock()
	h, ok := b.held[d.addr]
	delete(b.held, d.addr)
	b.mu.Unlock()
	if !ok {
		s.log.Info("button pressed, nothing to print", "device", d.addr.String())
		s.deviceEvent(d.addr, codec.DidPrint{PrintType: codec.PrintNothing})
		return
	}
	s.print(d, h.commandID, h.payload, nil)
}

// device is the loop of one printer on one socket.
type device struct {
	addr      codec.Address
	poweredOn time.Time
	paired    chan struct{} // its key came
	press     chan struct{} // its button was pressed
	cmds      chan pending
	done      <-chan struct{}
	cancel    context.CancelFunc
	leave     atomic.Bool // stopped by a reset: say device_disconnect
	live      bool        // announced on its socket; guarded by Bridge.mu
}

// pending is a DeviceCommand waiting to be handled.
type pending struct {
	cmd      codec.DeviceCommand
	received time.Time
}
