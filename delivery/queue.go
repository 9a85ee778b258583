package delivery

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"paperboy/codec"
	"paperboy/store"
)

// Sender sends a command frame to a bridge without waiting: it fails at
// once if the bridge is gone or its send queue is full.
type Sender interface {
	Send(frame []byte) error
}

// Target is where a printer's commands go.
type Target struct {
	Bridge, Device codec.Address
	Sender         Sender
}

// Config tunes the queue; zero values mean the defaults.
type Config struct {
	// AnswerTimeout is how long a sent command may wait for its answer
	// before it is sent again: a photo takes tens of seconds over ZigBee.
	AnswerTimeout time.Duration
	// RetryMin and RetryMax bound the back-off after busy or a network
	// failure: it doubles from RetryMin with each attempt.
	RetryMin, RetryMax time.Duration
	// Poll is how often an idle dispatcher looks in the store anyway, for
	// work that came due (not before) or was queued elsewhere.
	Poll time.Duration
	// IDBlock is how many command ids are reserved at a time.
	IDBlock int
}

// Defaults.
const (
	DefaultAnswerTimeout = 60 * time.Second
	DefaultRetryMin      = 5 * time.Second
	DefaultRetryMax      = 5 * time.Minute
	DefaultPoll          = 10 * time.Second
	DefaultIDBlock       = 100
)

func (c Config) withDefaults() Config {
	if c.AnswerTimeout == 0 {
		c.AnswerTimeout = DefaultAnswerTimeout
	}
	if c.RetryMin == 0 {
		c.RetryMin = DefaultRetryMin
	}
	if c.RetryMax == 0 {
		c.RetryMax = DefaultRetryMax
	}
	if c.Poll == 0 {
		c.Poll = DefaultPoll
	}
	if c.IDBlock == 0 {
		c.IDBlock = DefaultIDBlock
	}
	return c
}

// Queue is the deliveries of every printer and the dispatchers of the
// online ones.
type Queue struct {
	store *store.Store
	cfg   Config
	log   *slog.Logger
	ids   *IDs

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu          sync.Mutex
	dispatchers map[int64]*dispatcher  // by printer id
	inflight    map[uint32]*dispatcher // by command id
}

// New makes the queue. Close stops its dispatchers.
func New(s *store.Store, cfg Config, logger *slog.Logger) *Queue {
	ctx, cancel := context.WithCancel(context.Background())
	cfg = cfg.withDefaults()
	return &Queue{
		store: s, cfg: cfg, log: logger.With("part", "delivery"), ids: NewIDs(s, cfg.IDBlock),
		ctx: ctx, cancel: cancel,
		dispatchers: map[int64]*dispatcher{}, inflight: map[uint32]*dispatcher{},
	}
}

// CommandID gives a fresh command id, for commands outside the queue (the
// key of a claimed printer).
func (q *Queue) CommandID(ctx context.Context) (uint32, error) { return q.ids.Next(ctx) }

// Enqueue stores a delivery, then wakes the printer's dispatcher if it is
// online.
func (q *Queue) Enqueue(ctx context.Context, n store.NewDelivery) (store.Delivery, error) {
	d, err := q.store.CreateDelivery(ctx, n)
	if err != nil {
		return store.Delivery{}, err
	}
	q.mu.Lock()
	disp := q.dispatchers[n.PrinterID]
	q.mu.Unlock()
	if disp != nil {
		disp.poke()
	}
	return d, nil
}

// Online starts the dispatcher of a printer whose device is reachable, or
// points a running one at a new target (the bridge reconnected).
func (q *Queue) Online(printerID int64, t Target) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if d := q.dispatchers[printerID]; d != nil {
		d.setTarget(t)
		d.poke()
		return
	}
	if q.ctx.Err() != nil {
		return
	}
	ctx, cancel := context.WithCancel(q.ctx)
	d := &dispatcher{q: q, printerID: printerID, cancel: cancel, wake: make(chan struct{}, 1), answers: make(chan answer, 1)}
	d.setTarget(t)
	q.dispatchers[printerID] = d
	q.wg.Go(func() { d.run(ctx) })
}

// Offline stops a printer's dispatcher; its queue waits in the store.
func (q *Queue) Offline(printerID int64) {
	q.mu.Lock()
	d := q.dispatchers[printerID]
	delete(q.dispatchers, printerID)
	q.mu.Unlock()
	if d != nil {
		d.cancel()
	}
}

// IsOnline reports whether a printer has a dispatcher.
func (q *Queue) IsOnline(printerID int64) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.dispatchers[printerID] != nil
}

// Answered hands a DeviceCommandResponse to the dispatcher waiting for it.
// It reports false for a command id nobody waits for (answered already, or
// sent before a restart); the caller logs and counts those.
func (q *Queue) Answered(commandID uint32, code codec.ReturnCode) bool {
	q.mu.Lock()
	d := q.inflight[commandID]
	delete(q.inflight, commandID)
	q.mu.Unlock()
	if d == nil {
		return false
	}
	select {
	case d.answers <- answer{commandID, code}:
	default: // the dispatcher has its answer already
	}
	return true
}

// Printed records a did-print event: the delivery sent with that command id
// is printed. It reports false if no open delivery has that id.
func (q *Queue) Printed(ctx context.Context, commandID uint32) (bool, error) {
	err := q.store.MarkPrinted(ctx, commandID)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// Close stops every dispatcher and waits for them.
func (q *Queue) Close() {
	q.cancel()
	q.wg.Wait()
}

func (q *Queue) expect(commandID uint32, d *dispatcher) {
	q.mu.Lock()
	q.inflight[commandID] = d
	q.mu.Unlock()
}

func (q *Queue) forget(commandID uint32) {
	q.mu.Lock()
	delete(q.inflight, commandID)
	q.mu.Unlock()
}

// backoff is the wait before attempt n+1.
func (q *Queue) backoff(attempts int) time.Duration {
	d := q.cfg.RetryMin
	for i := 1; i < attempts && d < q.cfg.RetryMax; i++ {
		d *= 2
	}
	return min(d, q.cfg.RetryMax)
}

// errNoTarget is returned when a dispatcher has nowhere to send.
var errNoTarget = fmt.Errorf("delivery: no bridge for the printer")
