package delivery

import (
	"cmp"
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
	// PrintTimeout is how long a dispatcher waits for the did-print event
	// of a command that prints at once, after its answer, before it sends
	// the next anyway: the printer holds one print at a time (core/doc.go,
	// "Answers and prints"), and an event may be lost.
	PrintTimeout time.Duration
	// Poll is how often the queue looks in the store for every online
	// printer's pending work anyway, in case it was queued unseen.
	Poll time.Duration
	// ChangePoll is how often the queue looks for work queued by another
	// instance sharing the database.
	ChangePoll time.Duration
	// IDBlock is how many command ids are reserved at a time.
	IDBlock int
	// MaxPending is how many unfinished deliveries a printer may have;
	// more are refused (ErrQueueFull).
	MaxPending int
	// MaxPayloadBytes bounds one delivery's encoded command (ErrTooLarge).
	MaxPayloadBytes int
	// Expiry is how long a delivery without an expiry of its own may wait
	// for its printer before it expires.
	Expiry time.Duration
	// Retention is how long finished deliveries stay in the history:
	// PruneDeliveries deletes older ones.
	Retention time.Duration
	// JanitorEvery is how often stale deliveries are expired and those
	// held by their printers taken as printed.
	JanitorEvery time.Duration
	// Clock is the queue's time; nil is RealClock. The store keeps its
	// own (store.Store.Now): tests set both.
	Clock Clock
}

// Defaults, with their reasons.
const (
	DefaultAnswerTimeout   = 60 * time.Second // a long photo over ZigBee takes half that
	DefaultPrintTimeout    = 2 * time.Minute  // a long photo prints in well under a minute
	DefaultRetryMin        = 5 * time.Second
	DefaultRetryMax        = 5 * time.Minute
	DefaultPoll            = 30 * time.Second      // the change watcher and pokes do the prompt work
	DefaultChangePoll      = 50 * time.Millisecond // a print through another instance waits at most this
	DefaultIDBlock         = 100
	DefaultMaxPending      = 200
	DefaultMaxPayloadBytes = 4 << 20 // 10 000 dithered rows are under 3 MB
	DefaultExpiry          = 7 * 24 * time.Hour
	DefaultRetention       = 90 * 24 * time.Hour
	DefaultJanitorEvery    = time.Minute
)

func (c Config) withDefaults() Config {
	c.AnswerTimeout = cmp.Or(c.AnswerTimeout, DefaultAnswerTimeout)
	c.PrintTimeout = cmp.Or(c.PrintTimeout, DefaultPrintTimeout)
	c.RetryMin = cmp.Or(c.RetryMin, DefaultRetryMin)
	c.RetryMax = cmp.Or(c.RetryMax, DefaultRetryMax)
	c.Poll = cmp.Or(c.Poll, DefaultPoll)
	c.ChangePoll = cmp.Or(c.ChangePoll, DefaultChangePoll)
	c.Expiry = cmp.Or(c.Expiry, DefaultExpiry)
	c.Retention = cmp.Or(c.Retention, DefaultRetention)
	c.JanitorEvery = cmp.Or(c.JanitorEvery, DefaultJanitorEvery)
	c.IDBlock = cmp.Or(c.IDBlock, DefaultIDBlock)
	c.MaxPending = cmp.Or(c.MaxPending, DefaultMaxPending)
	c.MaxPayloadBytes = cmp.Or(c.MaxPayloadBytes, DefaultMaxPayloadBytes)
	c.Clock = cmp.Or(c.Clock, RealClock)
	return c
}

// ErrQueueFull is returned (wrapped, with the numbers) when a printer has
// as many unfinished deliveries as it may.
var ErrQueueFull = errors.New("the printer's queue is full")

// ErrTooLarge is returned (wrapped, with the numbers) for a delivery whose
// command is larger than allowed.
var ErrTooLarge = errors.New("the print is too large")

// Queue is the deliveries of every printer and the dispatchers of the
// online ones. A dispatcher runs only while its printer has something to
// send or to wait for; an online printer with nothing pending is a small
// record (printer).
type Queue struct {
	store *store.Store
	cfg   Config
	log   *slog.Logger
	ids   *IDs
	// editions are the payloads of editions printed lately.
	editions editionPayloads
	metrics  *metrics

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu       sync.Mutex
	closed   bool
	running  int                 // dispatchers
	printers map[int64]*printer  // the online ones, by id
	inflight map[uint32]inflight // by command id
	// due is the printers whose dispatchers start at a time; the timer
	// goroutine waits for the soonest, and rearm says it changed.
	due   dueHeap
	rearm chan struct{}

	// testParking, set by tests before any printer comes online, is
	// called by a dispatcher that found nothing to send, just before it
	// decides to stop.
	testParking func(printerID int64)
}

// inflight is a command on its way: the dispatcher that waits for its
// answer, and where it went. Only an answer from there counts.
type inflight struct {
	d      *dispatcher
	target Target
}

// New makes the queue and starts its watcher of other instances' work, its
// janitor and its timer. Close stops them and the dispatchers.
func New(s *store.Store, cfg Config, logger *slog.Logger) *Queue {
	ctx, cancel := context.WithCancel(context.Background())
	cfg = cfg.withDefaults()
	q := &Queue{
		store: s, cfg: cfg, log: logger.With("part", "delivery"), ids: NewIDs(s, cfg.IDBlock), metrics: newMetrics(),
		ctx: ctx, cancel: cancel,
		printers: map[int64]*printer{}, inflight: map[uint32]inflight{}, rearm: make(chan struct{}, 1),
	}
	q.wg.Go(q.watch)
	q.wg.Go(q.janitor)
	q.wg.Go(q.timer)
	return q
}

// CommandID gives a fresh command id, for commands outside the queue (the
// key of a claimed printer).
func (q *Queue) CommandID(ctx context.Context) (uint32, error) { return q.ids.Next(ctx) }

// check refuses a delivery over the limits, with the reason in words.
func (q *Queue) check(ctx context.Context, n store.NewDelivery) error {
	if len(n.Payload) > q.cfg.MaxPayloadBytes {
		return fmt.Errorf("%w: %d KB, at most %d KB", ErrTooLarge, len(n.Payload)>>10, q.cfg.MaxPayloadBytes>>10)
	}
	open, err := q.store.OpenDeliveries(ctx, n.PrinterID)
	if err != nil {
		return err
	}
	if open >= q.cfg.MaxPending {
		return fmt.Errorf("%w: %d prints wait for it already (at most %d); try again once it has printed some", ErrQueueFull, open, q.cfg.MaxPending)
	}
	return nil
}

// withExpiry gives a delivery without an expiry the default one.
func (q *Queue) withExpiry(n store.NewDelivery) store.NewDelivery {
	if n.ExpiresAt.IsZero() {
		from := n.NotBefore
		if from.IsZero() {
			from = q.cfg.Clock.Now()
		}
		n.ExpiresAt = from.Add(q.cfg.Expiry)
	}
	return n
}

// Enqueue stores a delivery, then wakes the printer's dispatcher if it is
// online here. It returns ErrQueueFull or ErrTooLarge (wrapped, with a
// message for people) for a delivery over the limits.
func (q *Queue) Enqueue(ctx context.Context, n store.NewDelivery) (store.Delivery, error) {
	if err := q.check(ctx, n); err != nil {
		return store.Delivery{}, err
	}
	d, err := q.store.CreateDelivery(ctx, q.withExpiry(n))
	if err != nil {
		return store.Delivery{}, err
	}
	q.poke(n.PrinterID)
	return d, nil
}

// EnqueueEdition is Enqueue for a scheduled edition: the delivery is stored
// together with the outcome on its claim (store.DeliverEdition), so an
// edition is queued once or not at all.
func (q *Queue) EnqueueEdition(ctx context.Context, e store.Edition, n store.NewDelivery) (store.Delivery, error) {
	if err := q.check(ctx, n); err != nil {
		return store.Delivery{}, err
	}
	d, err := q.store.DeliverEdition(ctx, e, q.withExpiry(n))
	if err != nil {
		return store.Delivery{}, err
	}
	q.poke(n.PrinterID)
	return d, nil
}

// EnqueueBatch stores many deliveries in one transaction and wakes their
// printers' dispatchers. Limits are checked per printer before anything is
// stored; over them, nothing is.
func (q *Queue) EnqueueBatch(ctx context.Context, ns []store.NewDelivery) ([]int64, error) {
	perPrinter := map[int64]int{}
	for i, n := range ns {
		if len(n.Payload) > q.cfg.MaxPayloadBytes {
			return nil, fmt.Errorf("delivery %d: %w: %d KB, at most %d KB", i, ErrTooLarge, len(n.Payload)>>10, q.cfg.MaxPayloadBytes>>10)
		}
		perPrinter[n.PrinterID]++
		ns[i] = q.withExpiry(n)
	}
	printers := make([]int64, 0, len(perPrinter))
	for p := range perPrinter {
		printers = append(printers, p)
	}
	open, err := q.store.OpenDeliveriesOf(ctx, printers)
	if err != nil {
		return nil, err
	}
	for p, k := range perPrinter {
		if open[p]+k > q.cfg.MaxPending {
			return nil, fmt.Errorf("printer %d: %w: %d wait already and %d more would be over %d", p, ErrQueueFull, open[p], k, q.cfg.MaxPending)
		}
	}
	ids, err := q.store.CreateDeliveries(ctx, ns)
	if err != nil {
		return nil, err
	}
	for p := range perPrinter {
		q.poke(p)
	}
	return ids, nil
}

// poke tells a printer's dispatcher, if the printer is online here, that
// there may be work: it starts one, or has the running one look in the
// store again before it stops.
func (q *Queue) poke(printerID int64) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if p := q.printers[printerID]; p != nil {
		q.wake(p)
	}
}

// wake is poke for a printer online here; q.mu is held.
func (q *Queue) wake(p *printer) {
	if p.run != nil {
		p.again = true
		return
	}
	q.start(p)
}

// start runs p's dispatcher, which is not running; q.mu is held.
func (q *Queue) start(p *printer) {
	if q.closed {
		return
	}
	q.unschedule(p)
	ctx, cancel := context.WithCancel(q.ctx)
	d := &dispatcher{q: q, p: p, ctx: ctx, cancel: cancel, requeue: !p.requeued,
		answers: make(chan answer, 1), printed: make(chan didPrint, 8)}
	p.requeued = true
	p.run = d
	q.running++
	q.wg.Go(d.run)
}

// Online records that a printer's device is reachable, through t, and
// starts its dispatcher: the first after it comes online sends again what
// was sent and never answered, and every one sends what is due. A printer
// online already gets the new target (the bridge reconnected) and a poke.
func (q *Queue) Online(printerID int64, t Target) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return
	}
	p := q.printers[printerID]
	if p == nil {
		p = &printer{id: printerID}
		q.printers[printerID] = p
	}
	p.target = t
	q.wake(p)
}

// Offline forgets a printer and stops its dispatcher; its queue waits in
// the store.
func (q *Queue) Offline(printerID int64) {
	q.mu.Lock()
	var d *dispatcher
	if p := q.printers[printerID]; p != nil {
		delete(q.printers, printerID)
		p.gone = true
		q.unschedule(p)
		d = p.run
	}
	q.mu.Unlock()
	if d != nil {
		d.cancel()
	}
}

// IsOnline reports whether a printer is online here.
func (q *Queue) IsOnline(printerID int64) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.printers[printerID] != nil
}

// Dispatching is how many dispatchers run: printers online here with
// something to send or to wait for.
func (q *Queue) Dispatching() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.running
}

// Answered hands a DeviceCommandResponse to the dispatcher waiting for it,
// without touching the store, if it came from the socket and the device the
// command was sent to. It reports false for anything else (an id nobody
// here waits for, or an answer from elsewhere); then AnswerLate decides.
func (q *Queue) Answered(from Sender, device codec.Address, commandID uint32, code codec.ReturnCode) bool {
	q.mu.Lock()
	f, ok := q.inflight[commandID]
	if !ok || f.target.Sender != from || f.target.Device != device {
		q.mu.Unlock()
		return false
	}
	delete(q.inflight, commandID)
	q.mu.Unlock()
	select {
	case f.d.answers <- answer{commandID, code}:
	default: // the dispatcher has its answer already
	}
	return true
}

// AnswerLate applies an answer no dispatcher waited for, from the device of
// a printer: one for a command sent to it before a restart or a reconnect
// completes its delivery if that is still open; any other (a duplicate, an
// unknown id, another printer's command) is ignored. It reports whether it
// was applied.
func (q *Queue) AnswerLate(ctx context.Context, printerID int64, commandID uint32, code codec.ReturnCode) (bool, error) {
	now := q.cfg.Clock.Now()
	state, notBefore, reason := store.StateSent, now, ""
	switch code {
	case codec.ReturnSuccess:
	case codec.ReturnBusy, codec.ReturnNetworkFailure:
		state, notBefore, reason = store.StatePending, now.Add(q.cfg.RetryMin), code.String()+": trying again"
	default:
		state, reason = store.StateFailed, code.String()
	}
	err := q.store.AnswerLate(ctx, printerID, commandID, int(code), state, notBefore, reason)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if state == store.StatePending {
		// Its dispatcher, stopped or about to stop, learns when to retry.
		q.poke(printerID)
	}
	return true, nil
}

// Printed records a did-print event from the device of a printer: that
// printer's delivery sent with the command id is printed, and its
// dispatcher, if it waits for that, sends the next. It reports false if the
// printer has no open delivery with that id.
func (q *Queue) Printed(ctx context.Context, printerID int64, commandID uint32) (bool, error) {
	err := q.store.MarkPrinted(ctx, printerID, commandID)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	var d *dispatcher
	q.mu.Lock()
	if p := q.printers[printerID]; p != nil {
		d = p.run
	}
	q.mu.Unlock()
	if d != nil {
		select {
		case d.printed <- didPrint{commandID, true}:
		default: // it waits for none of these; at worst it waits PrintTimeout
		}
	}
	return true, nil
}

// HandPrinted gives a printer's did-print event to its running
// dispatcher, which records it in order with the command's answer: the
// event waits on no other work of its bridge's (a bridge's other events
// may wait on the store a while, as when a city's bridges come back at
// once). The caller has checked that the event's socket prints on the
// printer. It reports false, and records nothing, if no dispatcher runs
// or it has events enough waiting: then the caller records it (Printed).
func (q *Queue) HandPrinted(printerID int64, commandID uint32) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	p := q.printers[printerID]
	if p == nil || p.run == nil {
		return false
	}
	select {
	case p.run.printed <- didPrint{commandID, false}:
		return true
	default:
		return false
	}
}

// Close stops every dispatcher, the watcher and the janitor, and waits for
// them.
func (q *Queue) Close() {
	q.mu.Lock()
	q.closed = true // no dispatcher starts after this, so Wait sees them all
	q.mu.Unlock()
	q.cancel()
	q.wg.Wait()
}

func (q *Queue) expect(commandID uint32, d *dispatcher, t Target) {
	q.mu.Lock()
	q.inflight[commandID] = inflight{d, t}
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

// watch learns of deliveries queued by other instances sharing the
// database: it remembers the highest delivery id it has seen and asks, a
// few times a second, which printers have pending work above it. Ids are
// handed out at insert but committed in any order, so it looks back a
// little below the highest id too. Every Poll it asks about all pending
// work, whatever its id: a delivery sent back to the queue elsewhere (an
// answer timed out on an instance the printer has left) keeps its old id.
func (q *Queue) watch() {
	const lookback = 1000
	// lookEvery is how often the newest deliveries are looked at though no
	// new one was seen: one committed after a later one (ids are taken
	// before commits) is found within it.
	const lookEvery = time.Second
	swept := q.cfg.Clock.Now()
	looked := swept
	last, err := q.store.LastDeliveryID(q.ctx)
	if err != nil && q.ctx.Err() == nil {
		q.log.Error("watch for queued work", slog.Any("error", err))
	}
	newest := last
	for {
		select {
		case <-q.ctx.Done():
			return
		case <-q.cfg.Clock.After(q.cfg.ChangePoll):
		}
		now := q.cfg.Clock.Now()
		since := max(0, last-lookback)
		if now.Sub(swept) >= q.cfg.Poll {
			since, swept = 0, now
		} else if now.Sub(looked) < lookEvery {
			// Most polls find nothing new: the newest id (the primary
			// key's end) says so for less than the look itself.
			id, err := q.store.LastDeliveryID(q.ctx)
			if err == nil && id == newest {
				continue
			}
			newest = max(newest, id)
		}
		looked = now
		printers, seen, err := q.store.PendingPrintersSince(q.ctx, since)
		if err != nil {
			if q.ctx.Err() == nil {
				q.log.Error("watch for queued work", slog.Any("error", err))
			}
			continue
		}
		last = max(last, seen)
		newest = max(newest, last)
		for _, p := range printers {
			q.poke(p)
		}
	}
}

// PruneDeliveries deletes the finished deliveries made longer than
// Retention ago, and returns how many: the history is kept for a while,
// not for ever. It is housekeeping, run by the server's cron
// (cmd/paperboy), not by the queue.
func (q *Queue) PruneDeliveries(ctx context.Context) (int64, error) {
	return q.store.PruneDeliveries(ctx, q.cfg.Clock.Now().Add(-q.cfg.Retention))
}

// janitor expires stale deliveries and takes as printed those the printer
// took and never said it printed within PrintTimeout: both are part of
// delivering, on the queue's clock.
func (q *Queue) janitor() {
	every := min(q.cfg.JanitorEvery, q.cfg.PrintTimeout)
	for {
		select {
		case <-q.ctx.Done():
			return
		case now := <-q.cfg.Clock.After(every):
			if n, err := q.store.ExpireDue(q.ctx, now); err != nil {
				q.log.Error("expire deliveries", slog.Any("error", err))
			} else if n > 0 {
				q.log.Info("deliveries expired", "count", n)
			}
			if n, err := q.store.HeldPrinted(q.ctx, now.Add(-q.cfg.PrintTimeout), heldCommands); err != nil {
				q.log.Error("deliveries held by their printers", slog.Any("error", err))
			} else if n > 0 {
				q.log.Info("printed, as far as anyone knows: their did-print events were lost", "count", n)
			}
		}
	}
}
