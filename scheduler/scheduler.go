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
	// Tick is how often the due index is looked at.
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
	// Batch is how many due subscriptions one query reads.
	Batch int
	// MaxQueued is how many subscriptions may wait to be looked at, or be
	// being made, at once: a tick takes no more from the due index, and
	// looks again as soon as half of them are done.
	MaxQueued int
	// Retry is how soon a subscription whose publication is not available
	// is looked at again.
	Retry time.Duration
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
	DefaultBatch          = 500
	DefaultMaxQueued      = 5000 // a few seconds of the morning burst; a few MB
	DefaultRetry          = time.Minute
	// idle is how soon a subscription that makes nothing for now (its
	// schedule does not come round, or its publication is not scheduled)
	// is looked at again: its publication may change.
	idle = 24 * time.Hour
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
	c.Batch = cmp.Or(c.Batch, DefaultBatch)
	c.MaxQueued = cmp.Or(c.MaxQueued, DefaultMaxQueued)
	c.Retry = cmp.Or(c.Retry, DefaultRetry)
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
	room    chan struct{} // a tick that stopped at MaxQueued may go on
	metrics *metrics

	mu      sync.Mutex
	busy    map[int64]bool     // subscriptions queued or being looked at here
	full    bool               // the last tick stopped at MaxQueued
	resume  store.Subscription // where it stopped
	zones   map[string]*time.Location
	specs   map[string]specEntry // parsed schedules, by their text
	missing map[string]bool      // publications not installed, logged once
}

type specEntry struct {
	spec Spec
	err  error
}

// maxSpecs bounds the parsed schedules kept: past it they are parsed again.
const maxSpecs = 10000

// New makes a scheduler; Run runs it.
func New(st *store.Store, p Plugins, q Printer, cfg Config, logger *slog.Logger) *Scheduler {
	cfg = cfg.withDefaults()
	return &Scheduler{
		store: st, plugins: p, queue: q, cfg: cfg, clock: cfg.Clock, log: logger.With("part", "scheduler"),
		pool: newPool(cfg.Workers, cfg.PerPublication), room: make(chan struct{}, 1), metrics: newMetrics(),
		busy: map[int64]bool{}, zones: map[string]*time.Location{}, specs: map[string]specEntry{}, missing: map[string]bool{},
	}
}

// Run ticks until ctx ends, then waits for the editions being made: those
// not rendered yet are given back for the next run.
func (s *Scheduler) Run(ctx context.Context) error {
	if n, err := s.CheckZones(ctx); err == nil && n > 0 {
		s.log.Info("subscriptions to be worked out again: their zones' rules changed", "count", n)
	}
	for {
		if err := s.Tick(ctx); err != nil && ctx.Err() == nil {
			s.log.Error("tick", slog.Any("error", err))
		}
		select {
		case <-ctx.Done():
			s.Wait()
			return ctx.Err()
		case <-s.clock.After(s.cfg.Tick):
		case <-s.room:
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

// Tick reads the due index, what is due within Lead (and what is to be
// worked out), and starts looking at each subscription it finds: making
// its edition if one is due, and moving it in the index to when it is next
// to be looked at. It takes at most MaxQueued at once. It does not wait
// for them (Wait does).
func (s *Scheduler) Tick(ctx context.Context) error {
	by := s.clock.Now().Add(s.cfg.Lead)
	// A tick that stopped at MaxQueued goes on from where it stopped: the
	// rows before are busy here, or done; one given back is read again
	// when a tick gets to the end.
	s.mu.Lock()
	after := s.resume
	s.mu.Unlock()
	for {
		room := s.roomLeft()
		if room <= 0 {
			return nil
		}
		subs, err := s.store.DueSubscriptions(ctx, by, after, s.cfg.Batch)
		if err != nil {
			return err
		}
		for i, sub := range subs {
			if !s.take(sub.ID) {
				continue
			}
			s.pool.submit(sub.Publication, func() { s.look(ctx, sub) })
			if room--; room == 0 {
				s.mu.Lock()
				s.resume = subs[i]
				s.mu.Unlock()
				return nil
			}
		}
		if len(subs) < s.cfg.Batch {
			s.mu.Lock()
			s.resume = store.Subscription{}
			s.mu.Unlock()
			return nil
		}
		after = subs[len(subs)-1]
	}
}

// roomLeft is how many more subscriptions a tick may take; at none it
// marks the scheduler full, to tick again when half are done.
func (s *Scheduler) roomLeft() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.cfg.MaxQueued - len(s.busy)
	s.full = n <= 0
	return n
}

// take marks a subscription busy, unless it is busy already.
func (s *Scheduler) take(id int64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.busy[id] {
		return false
	}
	s.busy[id] = true
	return true
}

// done ends the look at a subscription.
func (s *Scheduler) done(id int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.busy, id)
	if s.full && len(s.busy) <= s.cfg.MaxQueued/2 {
		s.full = false
		select {
		case s.room <- struct{}{}:
		default:
		}
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

// job is one edition to make.
type job struct {
	sub    store.Subscription
	loc    *time.Location
	due    time.Time
	moment string // due on loc's wall clock (store.LocalMomentLayout)
}

// look works out a due subscription's moment and makes its edition if one
// is due; either way it moves the subscription in the due index to when it
// is next to be looked at. The claims say what was made: the index only
// says when to look.
func (s *Scheduler) look(ctx context.Context, sub store.Subscription) {
	defer s.done(sub.ID)
	if ctx.Err() != nil {
		return
	}
	now := s.clock.Now()
	meta := s.meta(sub.Publication)
	if meta == nil {
		s.lookAgain(ctx, sub, now.Add(s.cfg.Retry))
		return
	}
	if meta.Kind != sdk.Scheduled {
		s.lookAgain(ctx, sub, now.Add(idle))
		return
	}
	spec, err := s.spec(sub.Schedule, *meta)
	if err != nil {
		s.log.Warn("a subscription's schedule cannot be read: it makes nothing until it is changed",
			"subscription_id", sub.ID, "schedule", sub.Schedule, slog.Any("error", err))
		s.lookAgain(ctx, sub, now.Add(idle))
		return
	}
	loc := s.zone(sub.TimeZone)
	latest, err := s.store.LatestEdition(ctx, sub.ID)
	if err != nil {
		if ctx.Err() == nil {
			s.log.Error("latest edition", "subscription_id", sub.ID, slog.Any("error", err))
		}
		return // still due: the next tick tries again
	}
	// Moments before the subscription, or before the catch-up window, are
	// not made; nor those up to the latest one claimed.
	from := later(sub.CreatedAt, now.Add(-s.cfg.Window))
	var takeOver time.Time
	if latest.LocalMoment != "" {
		at := momentOf(latest.LocalMoment, loc)
		if latest.Outcome == store.OutcomePending && at.After(from) {
			// Being made by another run, or by one that died: taken over
			// once its lease has passed.
			if stale := latest.ClaimedAt.Add(s.cfg.Lease); now.Before(stale) {
				s.lookAgain(ctx, sub, earlier(stale, spec.Next(loc, at)))
				return
			}
			takeOver = now.Add(-s.cfg.Lease)
			at = at.Add(-time.Nanosecond) // the same moment is the one to make
		}
		from = later(from, at)
	}
	due := spec.Next(loc, from)
	if due.IsZero() {
		s.lookAgain(ctx, sub, now.Add(idle))
		return
	}
	// After downtime, only the latest moment passed is made.
	for n := spec.Next(loc, due); !n.IsZero() && !n.After(now); n = spec.Next(loc, n) {
		due = n
	}
	if due.After(now.Add(s.cfg.Lead)) {
		s.lookAgain(ctx, sub, due)
		return
	}
	j := job{sub: sub, loc: loc, due: due, moment: due.In(loc).Format(store.LocalMomentLayout)}
	if next, ok := s.make(ctx, j, spec, takeOver); ok {
		s.lookAgain(ctx, sub, next)
	}
}

// lookAgain moves a subscription in the due index to when it is next to be
// looked at, unless it moved meanwhile (its subscriber changed it).
func (s *Scheduler) lookAgain(ctx context.Context, sub store.Subscription, at time.Time) {
	if at.IsZero() {
		at = s.clock.Now().Add(idle)
	}
	if _, err := s.store.SetNextAt(context.WithoutCancel(ctx), sub.ID, sub.NextAt, at); err != nil {
		s.log.Error("move subscription in the due index", "subscription_id", sub.ID, slog.Any("error", err))
	}
}

// make claims an edition, renders it and queues it, and records how it
// went. It returns when the subscription is next to be looked at; false
// if the edition was given back (the run is stopping) or its claim could
// not be made: it is still due.
func (s *Scheduler) make(ctx context.Context, j job, spec Spec, takeOver time.Time) (time.Time, bool) {
	log := s.log.With("subscription_id", j.sub.ID, "publication", j.sub.Publication, "printer", j.sub.PrinterID, "local_moment", j.moment)
	ed, ok, err := s.store.ClaimEdition(ctx, j.sub.ID, j.moment, j.due, takeOver)
	if err != nil {
		s.metrics.claims.WithLabelValues(claimError).Inc()
		// A subscription deleted since the tick is no error.
		if ctx.Err() == nil && !errors.Is(err, store.ErrNotFound) {
			log.Error("claim edition", slog.Any("error", err))
		}
		return time.Time{}, false
	}
	if !ok {
		s.metrics.claims.WithLabelValues(claimHeld).Inc()
		// Another run has it, or made it, or a later one.
		at := momentOf(ed.LocalMoment, j.loc)
		if ed.LocalMoment == j.moment && ed.Outcome == store.OutcomePending {
			return earlier(ed.ClaimedAt.Add(s.cfg.Lease), spec.Next(j.loc, at)), true
		}
		return spec.Next(j.loc, later(at, j.due)), true
	}
	s.metrics.claims.WithLabelValues(claimTaken).Inc()
	r, release := s.edition(ctx, j, ed)
	madeAt := s.clock.Now()
	// What was made is recorded even when stopping.
	after, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	if release {
		s.metrics.editions.WithLabelValues(givenBack).Inc()
		if err := s.store.ReleaseEdition(after, ed); err != nil {
			log.Warn("give back edition", slog.Any("error", err))
		}
		return time.Time{}, false
	}
	next := spec.Next(j.loc, j.due)
	s.metrics.editions.WithLabelValues(r.Outcome).Inc()
	// A delivered edition was recorded with its delivery (Enqueuer).
	if err := s.finish(after, ed, r); err != nil {
		// Taken over (this run was slower than Lease) or the database is
		// away: either way the claim says what is known.
		log.Error("record edition", "outcome", r.Outcome, slog.Any("error", err))
		return next, true
	}
	switch r.Outcome {
	case store.OutcomeDelivered:
		if r.DeliveryID == 0 {
			log.Warn("edition taken over by another run while it was made here: theirs prints")
			break
		}
		s.metrics.queued(j.due, madeAt)
		log.Info("edition queued", "delivery_id", r.DeliveryID, "due", j.due)
	case store.OutcomeNothingToday:
		log.Info("nothing today")
	case store.OutcomeFinished:
		log.Info("subscription finished", "reason", r.Reason)
		s.queue.Failed(after, j.sub.PrinterID, "edition", fmt.Sprintf("%s: the subscription has ended: %s", j.sub.Publication, r.Reason))
	case store.OutcomeFailed:
		log.Warn("edition failed", "reason", r.Reason) // the print path put it in the history
	}
	return next, true
}

// momentOf is when a local moment (store.LocalMomentLayout) happens in loc,
// by Moment's rules.
func momentOf(local string, loc *time.Location) time.Time {
	w, err := time.Parse(store.LocalMomentLayout, local)
	if err != nil {
		return time.Time{}
	}
	return Moment(w.Year(), w.Month(), w.Day(), w.Hour(), w.Minute(), loc)
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// earlier is the earlier of two times, a zero one not counting.
func earlier(a, b time.Time) time.Time {
	if b.IsZero() || !a.IsZero() && a.Before(b) {
		return a
	}
	return b
}

// spec is a subscription's schedule on its publication's days, parsed once.
func (s *Scheduler) spec(text string, meta sdk.Meta) (Spec, error) {
	s.mu.Lock()
	e, ok := s.specs[text]
	s.mu.Unlock()
	if !ok {
		e.spec, e.err = ParseSpec(text)
		s.mu.Lock()
		if len(s.specs) >= maxSpecs {
			clear(s.specs)
		}
		s.specs[text] = e
		s.mu.Unlock()
	}
	if e.err != nil {
		return Spec{}, e.err
	}
	return e.spec.On(PublicationDays(meta)), nil
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
		Config: sdk.Config(j.sub.Config), Time: j.due.In(j.loc), Count: j.sub.DeliveryCount, LastETag: j.sub.LastETag,
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
	ed.ETag = out.ETag // kept as the subscription's LastETag as it is queued
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
