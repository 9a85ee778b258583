package delivery

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"paperboy/codec"
	"paperboy/store"
)

// answer is a bridge's DeviceCommandResponse.
type answer struct {
	commandID uint32
	code      codec.ReturnCode
}

// printer is what the queue keeps for an online printer: where its
// commands go, and whether its dispatcher runs or when the shared timer
// starts it. An online printer with nothing to send costs this record and
// nothing else: no goroutine, timer or channel. Every field but id is
// guarded by Queue.mu.
type printer struct {
	id     int64
	target Target
	// run is its dispatcher while one runs.
	run *dispatcher
	// again says it was poked while its dispatcher ran: the dispatcher
	// looks in the store once more before it stops.
	again bool
	// requeued says its unfinished deliveries were sent back to the queue
	// since it came online.
	requeued bool
	// gone says it went offline: its dispatcher stops.
	gone bool
	// due is when the shared timer starts its dispatcher, if at > 0; at is
	// one more than its index in Queue.due, 0 when it is not there.
	due time.Time
	at  int
}

// didPrint is a printer's word that it printed a command, recorded in the
// store already or for the dispatcher to record.
type didPrint struct {
	commandID uint32
	recorded  bool
}

// dispatcher sends one printer's deliveries, one at a time, oldest first.
// It runs only while the printer has deliveries due or a command in
// flight: once the store has nothing due for it, it tells the shared timer
// when the next is, and stops.
type dispatcher struct {
	q       *Queue
	p       *printer
	ctx     context.Context
	cancel  context.CancelFunc
	requeue bool // the first run since the printer came online
	answers chan answer
	printed chan didPrint // what its printer said it printed
	// first is the delivery it last sent and when that became due, for
	// the latency metrics: a delivery sent again has a not-before moved by
	// its back-off, but its wait began at its first.
	first struct {
		id  int64
		due time.Time
	}
}

// dueOf is when a delivery became due, as its first send by this run saw
// it.
func (d *dispatcher) dueOf(del store.Delivery) time.Time {
	if d.first.id != del.ID {
		d.first.id, d.first.due = del.ID, dueAt(del)
	}
	return d.first.due
}

func (d *dispatcher) run() {
	defer d.cancel()
	ctx, q := d.ctx, d.q
	log := q.log.With("printer", d.p.id)
	// Did-prints handed to it and not waited for: recorded as it stops
	// (none is handed after: park took it off its printer).
	defer func() {
		for {
			select {
			case got := <-d.printed:
				d.record(ctx, log, got)
			default:
				return
			}
		}
	}()
	if d.requeue {
		if n, err := q.store.RequeueUnfinished(ctx, d.p.id); err != nil {
			if ctx.Err() == nil {
				log.Error("requeue unfinished", slog.Any("error", err))
			}
		} else if n > 0 {
			log.Info("sending again what may not have arrived", "deliveries", n)
		}
	}
	for {
		// A poke from now on may be for work this look misses: it is
		// seen in park, and the dispatcher looks again.
		q.mu.Lock()
		d.p.again = false
		q.mu.Unlock()
		if ctx.Err() != nil {
			d.park(time.Time{})
			return
		}
		now := q.cfg.Clock.Now()
		next, err := q.store.NextDelivery(ctx, d.p.id, now)
		switch {
		case errors.Is(err, store.ErrNotFound):
			due, err := q.store.NextDue(ctx, d.p.id)
			if err != nil {
				due = now.Add(q.cfg.Poll)
			}
			if q.testParking != nil {
				q.testParking(d.p.id)
			}
			if !d.park(due) {
				return
			}
			continue
		case err != nil:
			if ctx.Err() == nil {
				log.Error("next delivery", slog.Any("error", err))
			}
			if !d.park(now.Add(q.cfg.RetryMin)) {
				return
			}
			continue
		}
		if !next.ExpiresAt.IsZero() && !now.Before(next.ExpiresAt) {
			if err := q.store.MarkExpired(ctx, next.ID, "expired: not printed by "+next.ExpiresAt.Format(time.RFC3339)); err != nil && ctx.Err() == nil {
				log.Error("expire delivery", "delivery_id", next.ID, slog.Any("error", err))
			}
			continue
		}
		if err := d.send(ctx, log, next); err != nil && ctx.Err() == nil {
			log.Warn("delivery", "delivery_id", next.ID, slog.Any("error", err))
			if !d.park(q.cfg.Clock.Now().Add(q.cfg.RetryMin)) {
				return
			}
		}
	}
}

// park is called when the dispatcher has nothing to send before due (zero
// for never). If the printer was poked since the dispatcher last looked in
// the store, it reports true: look again. Otherwise the dispatcher stops,
// and the shared timer starts it again at due; both are decided under
// Queue.mu, as poke decides whether to start it, so no poke is lost.
func (d *dispatcher) park(due time.Time) bool {
	q, p := d.q, d.p
	q.mu.Lock()
	defer q.mu.Unlock()
	if p.again && !p.gone && d.ctx.Err() == nil {
		return true
	}
	p.run = nil
	q.running--
	if !p.gone && !q.closed && !due.IsZero() {
		q.schedule(p, due)
	}
	return false
}

// target is where the printer's commands go now.
func (d *dispatcher) target() Target {
	d.q.mu.Lock()
	defer d.q.mu.Unlock()
	return d.p.target
}

// send sends one delivery and waits for its answer.
func (d *dispatcher) send(ctx context.Context, log *slog.Logger, del store.Delivery) error {
	t := d.target()
	if t.Sender == nil {
		return errNoTarget
	}
	id, err := d.q.ids.Next(ctx)
	if err != nil {
		return err
	}
	payload := bytes.Clone(del.Payload)
	if err := codec.SetPrintID(payload, id); err != nil {
		return d.q.store.MarkFailed(ctx, del.ID, -1, "the stored command is damaged: "+err.Error())
	}
	frame := codec.DeviceCommand{Bridge: t.Bridge, Device: t.Device, ID: id, Payload: payload}.AppendFrame(nil)
	// Committed as sent before it is sent: after a crash it is sent again.
	if err := d.q.store.MarkSent(ctx, del.ID, id); err != nil {
		return err
	}
	due, sentAt := d.dueOf(del), d.q.cfg.Clock.Now()
	if del.Attempts == 0 {
		d.q.metrics.observe(stageQueuedToSent, sentAt.Sub(due))
	}
	log = log.With("delivery_id", del.ID, "command_id", id)
	d.q.expect(id, d, t)
	if err := t.Sender.Send(frame); err != nil {
		d.q.forget(id)
		return d.q.store.Requeue(ctx, del.ID, d.q.cfg.Clock.Now().Add(d.q.cfg.RetryMin), -1, "bridge unreachable: "+err.Error())
	}
	log.Debug("command sent", "attempt", del.Attempts+1)
	timeout := d.q.cfg.Clock.After(d.q.cfg.AnswerTimeout)
	// This command's did-print, when the printer printed before it
	// answered: it is recorded after the answer, so the store sees them in
	// their order (sent, answered, printed), or at once if no answer comes.
	var early *didPrint
	for {
		select {
		case got := <-d.printed:
			if got.commandID == id {
				early = &got
				continue
			}
			d.record(ctx, log, got) // another command's, late
		case <-ctx.Done():
			// Offline or stopping: it stays sent and unanswered, and is sent
			// again when the printer is back, unless it printed.
			d.q.forget(id)
			if early != nil {
				d.record(ctx, log, *early)
			}
			return nil
		case <-timeout:
			d.q.forget(id)
			if early != nil {
				d.record(ctx, log, *early)
				return nil
			}
			log.Warn("no answer, sending again", "after", d.q.cfg.AnswerTimeout)
			return d.q.store.Requeue(context.WithoutCancel(ctx), del.ID, d.q.cfg.Clock.Now(), -1,
				fmt.Sprintf("no answer within %v", d.q.cfg.AnswerTimeout))
		case a := <-d.answers:
			if a.commandID != id {
				continue // a late answer to an earlier command
			}
			if early != nil && a.code != codec.ReturnSuccess {
				d.record(ctx, log, *early) // it printed: that stands
			}
			if err := d.answered(context.WithoutCancel(ctx), log, del, a); err != nil {
				return err
			}
			if early != nil && a.code == codec.ReturnSuccess {
				d.record(ctx, log, *early)
			}
			if a.code == codec.ReturnSuccess && printsAtOnce(codec.CommandCode(del.Command)) && (early != nil || d.awaitPrint(ctx, log, id)) {
				now := d.q.cfg.Clock.Now()
				d.q.metrics.observe(stageSentToPrinted, now.Sub(sentAt))
				d.q.metrics.observe(stageQueuedToPrinted, now.Sub(due))
			}
			return nil
		}
	}
}

// awaitPrint waits for the did-print event of a command that prints at
// once, so that the printer holds one print at a time: after a crash or a
// reconnect only the one on its way may print twice (core/doc.go, "Answers
// and prints"). It gives up after PrintTimeout: the event may be lost.
// It reports whether the event came.
func (d *dispatcher) awaitPrint(ctx context.Context, log *slog.Logger, id uint32) bool {
	timeout := d.q.cfg.Clock.After(d.q.cfg.PrintTimeout)
	for {
		select {
		case <-ctx.Done():
			return false
		case <-timeout:
			log.Info("no did-print event: sending the next anyway (the janitor takes it as printed)", "after", d.q.cfg.PrintTimeout)
			return false
		case got := <-d.printed:
			d.record(ctx, log, got)
			if got.commandID == id {
				return true
			}
		}
	}
}

// record writes a did-print handed to the dispatcher (HandPrinted) in the
// store: its command is printed, if it is still sent.
func (d *dispatcher) record(ctx context.Context, log *slog.Logger, got didPrint) {
	if got.recorded {
		return
	}
	err := d.q.store.MarkPrinted(context.WithoutCancel(ctx), d.p.id, got.commandID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		log.Error("mark printed", "command_id", got.commandID, slog.Any("error", err))
	}
}

// answered acts on the bridge's answer (protocol.md, "Command responses").
func (d *dispatcher) answered(ctx context.Context, log *slog.Logger, del store.Delivery, a answer) error {
	switch a.code {
	case codec.ReturnSuccess:
		if err := d.q.store.MarkAnswered(ctx, a.commandID, int(a.code)); err != nil {
			return err
		}
		if !codec.CommandCode(del.Command).IsDelivery() {
			// A personality or quip is done once it is in.
			return d.q.store.MarkPrinted(ctx, d.p.id, a.commandID)
		}
		return nil
	case codec.ReturnBusy, codec.ReturnNetworkFailure:
		wait := d.q.backoff(del.Attempts + 1)
		log.Info("retrying", "return_code", a.code.String(), "in", wait)
		return d.q.store.Requeue(ctx, del.ID, d.q.cfg.Clock.Now().Add(wait), int(a.code), a.code.String()+": trying again")
	default:
		log.Warn("delivery failed", "return_code", a.code.String())
		return d.q.store.MarkFailed(ctx, del.ID, int(a.code), a.code.String())
	}
}

// printsAtOnce reports whether a command prints as soon as it arrives (not
// when the button is pressed).
func printsAtOnce(c codec.CommandCode) bool {
	return c == codec.SetDeliveryAndPrint || c == codec.SetDeliveryAndPrintNoFace
}

// heldCommands are the commands printsAtOnce reports, for the store.
var heldCommands = []uint16{uint16(codec.SetDeliveryAndPrint), uint16(codec.SetDeliveryAndPrintNoFace)}

// errNoTarget is returned when a dispatcher has nowhere to send.
var errNoTarget = errors.New("delivery: no bridge for the printer")
