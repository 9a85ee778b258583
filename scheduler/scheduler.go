package scheduler

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"paperboy/delivery"
	"paperboy/sdk"
	"paperboy/store"
)

// Renderer makes editions; plugins.Host is one.
type Renderer interface {
	Render(ctx context.Context, publication string, a sdk.RenderArgs) (sdk.Output, error)
}

// Publications describes publications; plugins.Host is one.
type Publications interface {
	Meta(name string) (sdk.Meta, error)
}

// Plugins is what the scheduler needs of the plugin host.
type Plugins interface {
	Renderer
	Publications
}

// Printer is the print path (delivery.Queue): it queues an edition's
// print and records it on its claim, both or neither, and records in a
// printer's history what did not print.
type Printer interface {
	Print(ctx context.Context, p delivery.Print) (store.Delivery, error)
	NotPrinted(ctx context.Context, printerID int64, kind string, why error)
	Failed(ctx context.Context, printerID int64, kind, reason string)
}

// Config tunes the scheduler; zero values mean the defaults.
type Config struct {
	// Tick is how often the subscriptions are looked at.
	Tick time.Duration
	// Lead is how long before its moment an edition is rendered; it is
	// queued at once, not to be sent before the moment.
	Lead time.Duration
	// Window is how late an edition may still be made after downtime: one
	// whose moment passed less than Window ago is made, an older one not.
	Window time.Duration
	// RenderTimeout bounds one render.
	RenderTimeout time.Duration
	// Lease is how long a claim may stay pending (its maker stopped without
	// a word) before another run takes it over. It must be well over
	// RenderTimeout, or a slow maker and the one taking over both print.
	Lease time.Duration
	// Workers is how many editions are made at once, in all.
	Workers int
	// PerPublication is how many editions of one publication are made at
	// once.
	PerPublication int
	// Keep is how long the record of a made edition is kept.
	Keep time.Duration
	// Clock is the scheduler's time; nil is delivery.RealClock.
	Clock delivery.Clock
}

// Defaults, with their reasons.
const (
	DefaultTick           = 5 * time.Second  // an edition is at most this late, beyond the lead
	DefaultLead           = 5 * time.Minute  // a slow plugin and a crowd at 08:00 still make the hour
	DefaultWindow         = 3 * time.Hour    // the morning paper after a short outage, not at teatime
	DefaultRenderTimeout  = 2 * time.Minute  // the plugin host's call timeout, its restarts, and a wait in its queue
	DefaultLease          = 15 * time.Minute // far over RenderTimeout
	DefaultWorkers        = 16
	DefaultPerPublication = 4                   // as plugins.DefaultConcurrency: more would only wait in the plugin
	DefaultKeep           = 90 * 24 * time.Hour // as long as the printer's history
)

func (c Config) withDefaults() Config {
	c.Tick = cmp.Or(c.Tick, DefaultTick)
	c.Window = cmp.Or(c.Window, DefaultWindow)
	c.RenderTimeout = cmp.Or(c.RenderTimeout, DefaultRenderTimeout)
	c.Lease = cmp.Or(c.Lease, DefaultLease)
	c.Keep = cmp.Or(c.Keep, DefaultKeep)
	c.Lead = cmp.Or(c.Lead, DefaultLead)
	c.Lead = max(c.Lead, 0) // NoLead: made at the moment itself
	c.Workers = cmp.Or(c.Workers, DefaultWorkers)
	c.PerPublication = cmp.Or(c.PerPublication, DefaultPerPublication)
	c.Clock = cmp.Or(c.Clock, delivery.RealClock)
	return c
}

// NoLead, as Config.Lead, renders each edition at its moment.
const NoLead time.Duration = -1

// Scheduler makes the editions of every subscription at their moments.
type Scheduler struct {
	store   *store.Store
	plugins Plugins
	queue   Printer
	cfg     Config
	clock   delivery.Clock
	log     *slog.Logger
	pool    *pool

	mu      sync.Mutex
	busy    map[int64]bool // subscriptions with an edition being made here
	seen    map[int64]seen // by subscription: the latest claim known
	zones   map[string]*time.Location
	missing map[string]bool // publications not installed, logged once
}

// seen is a claim known to be there: skip its date, until retryAt if it is
// set (it was pending: its maker may yet give it back or go stale).
type seen struct {
	date    string
	retryAt time.Time
}

// New makes a scheduler; Run runs it.
func New(st *store.Store, p Plugins, q Printer, cfg Config, logger *slog.Logger) *Scheduler {
	cfg = cfg.withDefaults()
	return &Scheduler{
		store: st, plugins: p, queue: q, cfg: cfg, clock: cfg.Clock, log: logger.With("part", "scheduler"),
		pool: newPool(cfg.Workers, cfg.PerPublication),
		busy: map[int64]bool{}, seen: map[int64]seen{}, zones: map[string]*time.Location{}, missing: map[string]bool{},
	}
}

// Run ticks until ctx ends, then waits for the editions being made: those
// not rendered yet are given back for the next run.
func (s *Scheduler) Run(ctx context.Context) error {
	for {
		if err := s.Tick(ctx); err != nil && ctx.Err() == nil {
			s.log.Error("tick", slog.Any("error", err))
		}
		select {
		case <-ctx.Done():
			s.Wait()
			return ctx.Err()
		case <-s.clock.After(s.cfg.Tick):
		}
	}
}

// Wait waits until no edition is being made.
func (s *Scheduler) Wait() { s.pool.wait() }

// PruneEditions deletes the claims of editions done and due longer than
// Keep ago, and returns how many. It is housekeeping, run by the server's
// cron (cmd/paperboy), not by Run.
func (s *Scheduler) PruneEditions(ctx context.Context) (int64, error) {
	return s.store.PruneEditions(ctx, s.clock.Now().Add(-s.cfg.Keep))
}

// job is one edition to make.
type job struct {
	sub  store.Subscription
	loc  *time.Location
	due  time.Time
	date string // of due in loc
}

// Tick looks at every active subscription once and starts making the
// editions due: those whose moment, less Lead, has come and is less than
// Window ago. It does not wait for them (Wait does).
func (s *Scheduler) Tick(ctx context.Context) error {
	now := s.clock.Now()
	subs, err := s.store.ActiveSubscriptions(ctx)
	if err != nil {
		return err
	}
	metas := map[string]*sdk.Meta{}
	active := make(map[int64]bool, len(subs))
	for _, sub := range subs {
		active[sub.ID] = true
		meta, ok := metas[sub.Publication]
		if !ok {
			meta = s.meta(sub.Publication)
			metas[sub.Publication] = meta
		}
		if meta == nil || meta.Kind != sdk.Scheduled {
			continue
		}
		loc := s.zone(sub.TimeZone)
		sched := ScheduleOf(sub, *meta)
		for due := Next(sched, loc, now.Add(-s.cfg.Window)); !due.IsZero() && !due.After(now.Add(s.cfg.Lead)); due = Next(sched, loc, due) {
			if !due.After(sub.CreatedAt) {
				continue // before the subscription was made
			}
			j := job{sub: sub, loc: loc, due: due, date: due.In(loc).Format(time.DateOnly)}
			if s.take(j, now) {
				s.pool.submit(sub.Publication, func() { s.make(ctx, j) })
			}
		}
	}
	s.mu.Lock()
	for id := range s.seen {
		if !active[id] {
			delete(s.seen, id)
		}
	}
	s.mu.Unlock()
	return nil
}

// take marks a job's subscription busy, unless it is busy already or its
// date is known to be claimed.
func (s *Scheduler) take(j job, now time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.busy[j.sub.ID] {
		return false
	}
	if v, ok := s.seen[j.sub.ID]; ok && (v.date > j.date || v.date == j.date && (v.retryAt.IsZero() || now.Before(v.retryAt))) {
		return false
	}
	s.busy[j.sub.ID] = true
	return true
}

// done ends a job, remembering the claim found or made.
func (s *Scheduler) done(j job, v *seen) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.busy, j.sub.ID)
	if v != nil {
		s.seen[j.sub.ID] = *v
	}
}

// meta is a publication's Meta, nil if it is not installed.
func (s *Scheduler) meta(name string) *sdk.Meta {
	m, err := s.plugins.Meta(name)
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		if !s.missing[name] {
			s.log.Warn("subscriptions to a publication wait: it is not available", "publication", name, slog.Any("error", err))
			s.missing[name] = true
		}
		return nil
	}
	delete(s.missing, name)
	return &m
}

// zone loads a time zone once; one the system does not know (the store
// checks them, but tzdata changes) is taken as UTC.
func (s *Scheduler) zone(name string) *time.Location {
	s.mu.Lock()
	defer s.mu.Unlock()
	if loc, ok := s.zones[name]; ok {
		return loc
	}
	loc, err := time.LoadLocation(name)
	if err != nil || name == "" {
		s.log.Warn("unknown time zone: taken as UTC", "time_zone", name, slog.Any("error", err))
		loc = time.UTC
	}
	s.zones[name] = loc
	return loc
}

// make claims an edition, renders it and queues it, and records how it
// went.
func (s *Scheduler) make(ctx context.Context, j job) {
	if ctx.Err() != nil {
		s.done(j, nil)
		return
	}
	log := s.log.With("subscription_id", j.sub.ID, "publication", j.sub.Publication, "printer", j.sub.PrinterID, "local_date", j.date)
	ed, ok, err := s.store.ClaimEdition(ctx, j.sub.ID, j.date, j.due, s.clock.Now().Add(-s.cfg.Lease))
	if err != nil {
		// A subscription deleted since the tick is no error.
		if ctx.Err() == nil && !errors.Is(err, store.ErrNotFound) {
			log.Error("claim edition", slog.Any("error", err))
		}
		s.done(j, nil)
		return
	}
	if !ok {
		v := seen{date: ed.LocalDate}
		if ed.Outcome == store.OutcomePending {
			v.retryAt = ed.ClaimedAt.Add(s.cfg.Lease)
		}
		s.done(j, &v)
		return
	}
	r, release := s.edition(ctx, j, ed)
	// What was made is recorded even when stopping.
	after, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	if release {
		if err := s.store.ReleaseEdition(after, ed); err != nil {
			log.Warn("give back edition", slog.Any("error", err))
		}
		s.done(j, nil)
		return
	}
	// A delivered edition was recorded with its delivery (Enqueuer).
	if err := s.finish(after, ed, r); err != nil {
		// Taken over (this run was slower than Lease) or the database is
		// away: either way the claim says what is known.
		log.Error("record edition", "outcome", r.Outcome, slog.Any("error", err))
		s.done(j, &seen{date: j.date})
		return
	}
	s.done(j, &seen{date: j.date})
	switch r.Outcome {
	case store.OutcomeDelivered:
		if r.DeliveryID == 0 {
			log.Warn("edition taken over by another run while it was made here: theirs prints")
			break
		}
		log.Info("edition queued", "delivery_id", r.DeliveryID, "due", j.due)
	case store.OutcomeNothingToday:
		log.Info("nothing today")
	case store.OutcomeFinished:
		log.Info("subscription finished", "reason", r.Reason)
		s.queue.Failed(after, j.sub.PrinterID, "edition", fmt.Sprintf("%s: the subscription has ended: %s", j.sub.Publication, r.Reason))
	case store.OutcomeFailed:
		log.Warn("edition failed", "reason", r.Reason) // the print path put it in the history
	}
}

// finish records an edition's outcome on its claim, but for a delivered
// one, which was recorded as it was queued.
func (s *Scheduler) finish(ctx context.Context, ed store.Edition, r store.EditionResult) error {
	if r.Outcome == store.OutcomeDelivered {
		return nil
	}
	return s.store.FinishEdition(ctx, ed, r)
}

// edition renders and queues a claimed edition; a delivered one is
// recorded on its claim as it is queued, other outcomes are for the caller
// to record. release says the run is stopping and the edition was not
// made: the claim is to be given back.
func (s *Scheduler) edition(ctx context.Context, j job, ed store.Edition) (r store.EditionResult, release bool) {
	rctx, cancel := context.WithTimeout(ctx, s.cfg.RenderTimeout)
	out, err := s.plugins.Render(rctx, j.sub.Publication, sdk.RenderArgs{
		Config: sdk.Config(j.sub.Config), Time: j.due.In(j.loc), Count: j.sub.DeliveryCount,
	})
	cancel()
	if err != nil && ctx.Err() != nil {
		return r, true
	}
	failed := func(err error) store.EditionResult {
		return store.EditionResult{Outcome: store.OutcomeFailed, Reason: delivery.NotPrintedReason(err)}
	}
	switch {
	case err != nil:
		err = delivery.Named(j.sub.Publication, err)
		s.queue.NotPrinted(ctx, j.sub.PrinterID, "edition", err)
		return failed(err), false
	case out.NothingToday:
		return store.EditionResult{Outcome: store.OutcomeNothingToday}, false
	case out.Finished != "":
		return store.EditionResult{Outcome: store.OutcomeFinished, Reason: out.Finished}, false
	}
	d, err := s.queue.Print(context.WithoutCancel(ctx), delivery.Print{PrinterID: j.sub.PrinterID, Kind: "edition",
		Publication: j.sub.Publication, Edition: out.PNG, Mode: j.sub.Mode, NotBefore: j.due, Claim: &ed})
	var perr *delivery.PictureError
	switch {
	case errors.As(err, &perr):
		return failed(perr), false // in the history already
	case errors.Is(err, store.ErrNotFound):
		// Taken over by another run while this one rendered: it is theirs.
		return store.EditionResult{Outcome: store.OutcomeDelivered}, false
	case err != nil:
		reason := "not queued: " + err.Error()
		s.queue.Failed(ctx, j.sub.PrinterID, "edition", reason)
		return store.EditionResult{Outcome: store.OutcomeFailed, Reason: reason}, false
	}
	return store.EditionResult{Outcome: store.OutcomeDelivered, DeliveryID: d.ID}, false
}

// pool runs jobs, at most n at once and at most per of one publication,
// each publication's in the order given. A publication with many jobs does
// not hold up another's: its jobs wait in its own queue.
type pool struct {
	slots   chan struct{}
	per     int
	wg      sync.WaitGroup
	mu      sync.Mutex
	queues  map[string][]func()
	running map[string]int
}

func newPool(n, per int) *pool {
	return &pool{slots: make(chan struct{}, n), per: per, queues: map[string][]func(){}, running: map[string]int{}}
}

func (p *pool) submit(pub string, f func()) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.queues[pub] = append(p.queues[pub], f)
	if p.running[pub] < p.per {
		p.running[pub]++
		p.wg.Go(func() { p.work(pub) })
	}
}

func (p *pool) work(pub string) {
	for {
		p.mu.Lock()
		q := p.queues[pub]
		if len(q) == 0 {
			delete(p.queues, pub)
			if p.running[pub]--; p.running[pub] == 0 {
				delete(p.running, pub)
			}
			p.mu.Unlock()
			return
		}
		f := q[0]
		q[0] = nil
		p.queues[pub] = q[1:]
		p.mu.Unlock()
		p.slots <- struct{}{}
		f()
		<-p.slots
	}
}

func (p *pool) wait() { p.wg.Wait() }
