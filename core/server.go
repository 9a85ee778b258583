package core

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"paperboy/codec"
	"paperboy/delivery"
	"paperboy/internal/oauth1"
	"paperboy/plugins"
	"paperboy/store"
)

// Server is a running paperboy: HTTP, bridges, presence and the queue.
type Server struct {
	cfg      Config
	store    *store.Store
	log      *slog.Logger
	queue    *delivery.Queue
	metrics  *metrics
	hub      hub
	poller   poller
	readers  readers
	presence presence
	shards   []chan func(context.Context)
	prints   *rateLimiter[int64]
	// Claim codes tried, by user and by client address.
	claims     *rateLimiter[int64]
	claimsByIP *rateLimiter[string]
	// Friends' messages by printer, and friend codes tried by user and by
	// client address.
	friendPrints   *rateLimiter[int64]
	friendAdds     *rateLimiter[int64]
	friendAddsByIP *rateLimiter[string]
	// Previews of messages by user: each is a render, and costs no paper.
	previews *rateLimiter[int64]
	// The memory of pictures being decoded (images.go).
	images *imageBudget
	// Devices never seen before, by the client address of the socket.
	newDevices *rateLimiter[string]
	// Personalities sent, and previews of subscriptions' next editions, by
	// user.
	personalities *rateLimiter[int64]
	subPreviews   *rateLimiter[int64]
	// Sign-in attempts, by email and by client address.
	signInsByEmail *rateLimiter[string]
	signInsByIP    *rateLimiter[string]
	// Password reset mails asked for, by email and by client address, and
	// the mails waiting to be sent (nil without SMTP).
	resetsByEmail *rateLimiter[string]
	resetsByIP    *rateLimiter[string]
	mail          chan outMail
	// Prints through print keys, by key (each with its own limit) and by
	// printer.
	keyPrints *rateLimiter[int64]
	// pushNonces are the OAuth nonces pushes were signed with lately: a
	// replayed push is refused.
	pushNonces       oauth1.Nonces
	printerKeyPrints *rateLimiter[int64]
	pages            pages
	plugins          *plugins.Host
	samples          samples // the catalogue's sample prints
	notify           notifier

	clock delivery.Clock
	// instance is the name of this server among those sharing the
	// database (Config.Instance), set by Start.
	instance string

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	// bridges counts the bridge sockets taken (track) and not yet done
	// with (untrack): Shutdown waits for them before the last flush.
	bridges sync.WaitGroup
	http    *http.Server
	ln      net.Listener
	// The metrics' own listener, with MetricsListen.
	metricsHTTP *http.Server
	metricsLn   net.Listener
}

// Parts are what a server runs on, made and wired by its caller
// (cmd/paperboy): the store, the print queue, and the publications (nil:
// none). The scheduler, if any, runs beside it, on the same queue, and so
// do the housekeeping jobs, whose metrics it serves.
type Parts struct {
	Store        *store.Store
	Queue        *delivery.Queue
	Publications *plugins.Host
	// Clock is the server's time, nil for delivery.RealClock: tests give
	// the queue, the scheduler, the store and the server one fake clock.
	Clock delivery.Clock
	// Metrics are served on /metrics with the server's own: those of the
	// parts beside it, such as the housekeeping jobs.
	Metrics []prometheus.Collector
}

// New makes a server on its parts; Start serves it.
func New(cfg Config, parts Parts, logger *slog.Logger) *Server {
	cfg = cfg.withDefaults()
	ctx, cancel := context.WithCancel(context.Background())
	s := &Server{
		cfg: cfg, store: parts.Store, log: logger, metrics: newMetrics(),
		queue:            parts.Queue,
		prints:           newRateLimiter[int64](cfg.PrintsPerMinute, time.Minute),
		claims:           newRateLimiter[int64](cfg.ClaimsPerMinute, time.Minute),
		claimsByIP:       newRateLimiter[string](2*cfg.ClaimsPerMinute, time.Minute),
		friendPrints:     newRateLimiter[int64](cfg.FriendMessagesPerHour, time.Hour),
		keyPrints:        newRateLimiter[int64](cfg.KeyPrintsPerHour, time.Hour),
		printerKeyPrints: newRateLimiter[int64](cfg.PrinterKeyPrintsPerHour, time.Hour),
		friendAdds:       newRateLimiter[int64](cfg.ClaimsPerMinute, time.Minute), // friend codes are guessed as claim codes are
		friendAddsByIP:   newRateLimiter[string](2*cfg.ClaimsPerMinute, time.Minute),
		previews:         newRateLimiter[int64](2*cfg.PrintsPerMinute, time.Minute),
		images:           newImageBudget(cfg.ImageMemoryBytes),
		newDevices:       newRateLimiter[string](cfg.NewDevicesPerHour, time.Hour),
		personalities:    newRateLimiter[int64](cfg.PersonalitiesPerHour, time.Hour),
		subPreviews:      newRateLimiter[int64](cfg.SubscriptionPreviewsPerMinute, time.Minute),
		signInsByEmail:   newRateLimiter[string](cfg.SignInsPerMinute, time.Minute),
		signInsByIP:      newRateLimiter[string](4*cfg.SignInsPerMinute, time.Minute),
		resetsByEmail:    newRateLimiter[string](cfg.PasswordResetsPerHour, time.Hour),
		resetsByIP:       newRateLimiter[string](4*cfg.PasswordResetsPerHour, time.Hour),
		pages:            mustParsePages(),
		plugins:          parts.Publications,
		clock:            parts.Clock,
		ctx:              ctx, cancel: cancel,
	}
	if s.clock == nil {
		s.clock = delivery.RealClock
	}
	s.metrics.register(parts.Metrics...)
	s.notify.init(s.metrics)
	s.hub.all = map[*bridgeConn]struct{}{}
	s.hub.byAddr = map[codec.Address]int{}
	s.presence.devices = map[codec.Address]*deviceState{}
	s.presence.timeout, s.presence.maxDevices = cfg.PresenceTimeout, cfg.MaxDevicesPerBridge
	s.shards = make([]chan func(context.Context), cfg.Workers)
	for i := range s.shards {
		s.shards[i] = make(chan func(context.Context), 256)
		s.wg.Go(func() { s.runWorker(s.shards[i]) })
	}
	s.wg.Go(s.runPresence)
	s.startReaders()
	if cfg.SMTP.Host != "" && cfg.PublicURL != "" {
		s.mail = make(chan outMail, mailQueue)
		s.wg.Go(s.runMail)
	}
	// The timeouts end with the WebSocket upgrade of a bridge's socket,
	// which clears the deadlines they set: it has its own.
	s.http = &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: cfg.HTTP.ReadHeaderTimeout,
		ReadTimeout:       cfg.HTTP.ReadTimeout,
		WriteTimeout:      cfg.HTTP.WriteTimeout,
		IdleTimeout:       cfg.HTTP.IdleTimeout,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	return s
}

// Start listens on the configured address and serves in the background. A
// port in use fails here.
func (s *Server) Start() error {
	// The URL publications are the store's: served from the first request.
	if _, err := s.LoadURLPublications(s.ctx); err != nil {
		return err
	}
	if err := s.startNotices(); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", s.cfg.Listen)
	if err != nil {
		return err
	}
	if s.cfg.MetricsListen != "" {
		if err := s.serveMetrics(); err != nil {
			ln.Close()
			return err
		}
	}
	s.ln = ln
	if s.instance = s.cfg.Instance; s.instance == "" {
		host, _ := os.Hostname()
		s.instance = host + " " + ln.Addr().String()
	}
	served := ln
	if s.cfg.HTTP.MaxConnsPerAddress > 0 {
		served = newCapListener(ln, s.cfg.HTTP.MaxConnsPerAddress, s.trustedProxy, s.metrics.connsRefused)
	}
	s.wg.Go(s.runNotices)
	go func() {
		if err := s.http.Serve(served); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("serve", slog.Any("error", err))
		}
	}()
	s.log.Info("serving", "addr", ln.Addr().String(), "db", s.store.Name())
	return nil
}

// now is the server's time.
func (s *Server) now() time.Time { return s.clock.Now() }

// Addr is the address Start listens on.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// MetricsAddr is the address /metrics is served on without a token, ""
// without MetricsListen.
func (s *Server) MetricsAddr() string {
	if s.metricsLn == nil {
		return ""
	}
	return s.metricsLn.Addr().String()
}

// Shutdown stops taking requests, closes the bridges' sockets, stops the
// workers, and writes the last heartbeats. The caller stops the queue
// afterwards (and any scheduler before).
func (s *Server) Shutdown(ctx context.Context) error {
	err := s.http.Shutdown(ctx)
	if s.metricsHTTP != nil {
		s.metricsHTTP.Shutdown(ctx)
	}
	s.closeBridges()
	s.poller.close()
	s.waitBridges(ctx)
	s.hub.releasing.Wait()
	s.cancel()
	s.wg.Wait()
	// The last heartbeats, once no socket can be heard any more and the
	// presence loop has stopped (a flush it had begun may have been cut
	// short: what it did not write is still to be written). Waited for,
	// even past ctx: it is quick, and a batch lost would leave printers
	// seen earlier than they were.
	flushCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), lastFlushTimeout)
	defer cancel()
	if ferr := s.flush(flushCtx); ferr != nil {
		s.log.Error("flush heartbeats at shutdown", slog.Any("error", ferr))
	}
	return err
}

// waitBridges waits until every bridge socket closeBridges closed is done
// with (its last message handled, its devices offline), or ctx ends.
func (s *Server) waitBridges(ctx context.Context) {
	done := make(chan struct{})
	go func() {
		s.bridges.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-ctx.Done():
	}
}
