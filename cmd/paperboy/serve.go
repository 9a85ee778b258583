package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/mail"
	"net/netip"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"paperboy/core"
	"paperboy/delivery"
	"paperboy/internal/housekeeping"
	"paperboy/plugins"
	"paperboy/scheduler"
	"paperboy/sdk"
	"paperboy/store"
)

// envOr is the PAPERBOY_ variable name if set, else def: flags default to
// the environment.
func envOr(name, def string) string {
	if v := os.Getenv("PAPERBOY_" + name); v != "" {
		return v
	}
	return def
}

// newLogger makes the process's logger: text or JSON, at a level.
func newLogger(w io.Writer, level, format string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level %q: want debug, info, warn or error", level)
	}
	opts := &slog.HandlerOptions{Level: l}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("--log-format %q: want text or json", format)
}

func runServe(e env, args []string) error {
	fs := newFlags(e, "serve", "serve [--listen :8080] [--data DIR] [--db DSN]")
	listen := fs.String("listen", envOr("LISTEN", core.DefaultListen), "address to serve on; env PAPERBOY_LISTEN")
	data := dataFlag(fs).withDB(fs)
	level := fs.String("log-level", envOr("LOG_LEVEL", "info"), "debug, info, warn or error; env PAPERBOY_LOG_LEVEL")
	format := fs.String("log-format", envOr("LOG_FORMAT", "text"), "text or json; env PAPERBOY_LOG_FORMAT")
	presence := fs.Duration("presence-timeout", core.DefaultPresenceTimeout, "a printer silent this long is offline (and another socket may speak for it)")
	bridgeDevices := fs.Int("bridge-devices", core.DefaultMaxDevicesPerBridge, "devices one bridge socket may speak for")
	bridgeMessages := fs.Int("bridge-messages-per-second", core.DefaultBridgeMessagesPerSecond, "messages a bridge socket is read a second at most")
	bridgeLogLines := fs.Int("bridge-log-lines-per-minute", core.DefaultBridgeLogLinesPerMinute, "log lines about one bridge socket a minute at most")
	newDevices := fs.Int("new-devices-per-hour", core.DefaultNewDevicesPerHour, "devices never seen before that the bridges of one client address may add an hour")
	printsPerMinute := fs.Int("prints-per-minute", core.DefaultPrintsPerMinute, "prints a user may send a minute")
	claimsPerMinute := fs.Int("claims-per-minute", core.DefaultClaimsPerMinute, "claim codes (and friend codes) a user may try a minute (a client address: twice as many)")
	personalities := fs.Int("personalities-per-hour", core.DefaultPersonalitiesPerHour, "personalities (four pictures each) a user may send an hour")
	subPreviews := fs.Int("subscription-previews-per-minute", core.DefaultSubscriptionPreviewsPerMinute, "previews of a subscription's next edition a user may ask for a minute")
	maxPrinters := fs.Int("max-printers", core.DefaultMaxPrinters, "printers one account may have")
	friendMessages := fs.Int("friend-messages-per-hour", core.DefaultFriendMessagesPerHour, "messages a printer takes an hour from its owner's friends, all together")
	keyPrints := fs.Int("key-prints-per-hour", core.DefaultKeyPrintsPerHour, "prints a print key takes an hour, unless its owner chose another limit")
	printerKeyPrints := fs.Int("printer-key-prints-per-hour", core.DefaultPrinterKeyPrintsPerHour, "prints a printer takes an hour through all its keys together")
	signInsPerMinute := fs.Int("signins-per-minute", core.DefaultSignInsPerMinute, "sign-in attempts an email may make a minute (a client address: four times as many)")
	sessionLifetime := fs.Duration("session-lifetime", core.DefaultSessionLifetime, "a web session unused this long ends")
	smtpHost := fs.String("smtp-host", "", "send password reset links by email through this SMTP server, with STARTTLS whenever it offers it; "+
		"without STARTTLS the password is sent only to a loopback host (needs --smtp-from and --public-url)")
	smtpPort := fs.Int("smtp-port", core.DefaultSMTPPort, "the SMTP server's port (submission, where STARTTLS is spoken)")
	smtpUser := fs.String("smtp-user", "", "the user to sign in to the SMTP server as (AUTH PLAIN); none: no sign-in")
	smtpPassword := fs.String("smtp-password", "", "the SMTP user's password (better given as PAPERBOY_SMTP_PASSWORD: a command line is visible to the machine's other users)")
	smtpFrom := fs.String("smtp-from", "", "the address reset mails come from, such as paperboy@example.com")
	publicURL := fs.String("public-url", "", "the address people reach this server at, such as https://paperboy.example.com: links in mails start with it")
	resetsPerHour := fs.Int("password-resets-per-hour", core.DefaultPasswordResetsPerHour, "reset mails an email may be sent an hour (a client address may ask for four times as many)")
	maxPending := fs.Int("max-pending", delivery.DefaultMaxPending, "unfinished deliveries a printer may have")
	answerTimeout := fs.Duration("answer-timeout", delivery.DefaultAnswerTimeout, "a command with no answer this long is sent again")
	printTimeout := fs.Duration("print-timeout", delivery.DefaultPrintTimeout, "a print the printer took and has not said it printed this long after is taken as printed (and the next is sent)")
	expiry := fs.Duration("expiry", delivery.DefaultExpiry, "a delivery not printed this long expires")
	retention := fs.Duration("retention", delivery.DefaultRetention, "finished deliveries are kept this long in the history")
	pubs := newPublicationFlags(fs, data)
	pluginTimeout := fs.Duration("plugin-timeout", plugins.DefaultCallTimeout, "a plugin that takes longer to render is stopped and restarted")
	pluginPrivate := fs.Bool("plugin-allow-private", false, "let publications fetch from loopback and private addresses (a feed on your own network)")
	noticesPrivate := fs.Bool("notices-allow-private", false, "let owners' webhooks and push endpoints be on loopback and private addresses (Home Assistant on your own network)")
	pluginMemory := fs.Int("plugin-memory-mb", plugins.DefaultMemoryLimitBytes>>20, "a plugin whose memory grows past this many MB is restarted")
	htmlFlags := newHTMLFlags(fs)
	imageMemory := fs.Int("image-memory-mb", core.DefaultImageMemoryBytes>>20, "uploaded pictures being decoded at once may take this many MB of memory, all together; more wait")
	lead := fs.Duration("edition-lead", scheduler.DefaultLead, "editions are made this long before their hour")
	catchUp := fs.Duration("catch-up", scheduler.DefaultWindow, "after downtime, editions missed less than this long ago are still made")
	minInterval := fs.Duration("schedule-min-interval", core.DefaultMinScheduleInterval, "the shortest time between two editions of a subscription; a publication may ask for longer")
	readHeaderTimeout := fs.Duration("http-read-header-timeout", core.DefaultReadHeaderTimeout, "a request's header must arrive within this")
	readTimeout := fs.Duration("http-read-timeout", core.DefaultReadTimeout, "a whole request, its body included, must arrive within this (an upload over a slow link too)")
	writeTimeout := fs.Duration("http-write-timeout", core.DefaultHTTPWriteTimeout, "a request must be answered within this of its header: its body, the work and the answer")
	idleTimeout := fs.Duration("http-idle-timeout", core.DefaultIdleTimeout, "a keep-alive connection idle this long is closed")
	maxConns := fs.Int("max-conns-per-address", core.DefaultMaxConnsPerAddress, "connections one client address (an IPv6 /64) may hold open; 0: no cap")
	trusted := fs.String("trusted-proxies", "", "reverse proxies (addresses or CIDR prefixes, comma-separated) whose X-Forwarded-For is believed")
	metricsListen := fs.String("metrics-listen", "", "serve /metrics, with no token, on this address of its own (such as 127.0.0.1:9090)")
	metricsToken := fs.String("metrics-token", "", "serve /metrics on --listen too, to requests with Authorization: Bearer TOKEN (better given as PAPERBOY_METRICS_TOKEN)")
	if err := fs.fromEnv(); err != nil {
		return err
	}
	rest, err := fs.parse(args)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return fmt.Errorf("unexpected argument %q", rest[0])
	}
	if *lead < 0 || *catchUp <= 0 {
		return errors.New("--edition-lead must not be negative and --catch-up must be more than 0")
	}
	schedLead := *lead
	if schedLead == 0 {
		schedLead = scheduler.NoLead // made at the hour itself
	}
	if *pluginTimeout <= 0 || *pluginMemory <= 0 {
		return errors.New("--plugin-timeout and --plugin-memory-mb must be more than 0")
	}
	hostCfg, err := pubs.config()
	if err != nil {
		return err
	}
	hostCfg.CallTimeout, hostCfg.MemoryLimitBytes = *pluginTimeout, int64(*pluginMemory)<<20
	hostCfg.HTTP = sdk.HTTPPolicy{AllowPrivate: *pluginPrivate}
	html, err := htmlFlags.engine(hostCfg.HTTP)
	if err != nil {
		return err
	}
	if html != nil {
		defer html.Close()
		hostCfg.HTML = html
	}
	if *imageMemory <= 0 {
		return errors.New("--image-memory-mb must be more than 0")
	}
	if *bridgeDevices <= 0 || *bridgeMessages <= 0 || *bridgeLogLines <= 0 || *newDevices <= 0 {
		return errors.New("--bridge-devices, --bridge-messages-per-second, --bridge-log-lines-per-minute and --new-devices-per-hour must be more than 0")
	}
	if *signInsPerMinute <= 0 {
		return errors.New("--signins-per-minute must be more than 0")
	}
	if *sessionLifetime <= 0 {
		return errors.New("--session-lifetime must be more than 0, such as 720h")
	}
	smtpCfg, err := smtpConfig(*smtpHost, *smtpPort, *smtpUser, *smtpPassword, *smtpFrom, *publicURL)
	if err != nil {
		return err
	}
	for _, n := range []struct {
		name string
		v    int
	}{{"friend-messages-per-hour", *friendMessages}, {"key-prints-per-hour", *keyPrints}, {"printer-key-prints-per-hour", *printerKeyPrints}, {"prints-per-minute", *printsPerMinute}, {"claims-per-minute", *claimsPerMinute},
		{"personalities-per-hour", *personalities}, {"password-resets-per-hour", *resetsPerHour}, {"subscription-previews-per-minute", *subPreviews}, {"max-printers", *maxPrinters}} {
		if n.v <= 0 {
			return fmt.Errorf("--%s must be more than 0", n.name)
		}
	}
	for _, t := range []struct {
		name string
		d    time.Duration
	}{{"http-read-header-timeout", *readHeaderTimeout}, {"http-read-timeout", *readTimeout},
		{"http-write-timeout", *writeTimeout}, {"http-idle-timeout", *idleTimeout}, {"schedule-min-interval", *minInterval}} {
		if t.d <= 0 {
			return fmt.Errorf("--%s must be more than 0", t.name)
		}
	}
	if *writeTimeout <= *readTimeout {
		return errors.New("--http-write-timeout must be longer than --http-read-timeout: it starts when the header has been read, before the body")
	}
	if *maxConns < 0 {
		return errors.New("--max-conns-per-address must not be negative (0: no cap)")
	}
	httpCfg := core.HTTPConfig{ReadHeaderTimeout: *readHeaderTimeout, ReadTimeout: *readTimeout, WriteTimeout: *writeTimeout,
		IdleTimeout: *idleTimeout, MaxConnsPerAddress: *maxConns}
	if *maxConns == 0 {
		httpCfg.MaxConnsPerAddress = -1 // core's zero is its default
	}
	if httpCfg.TrustedProxies, err = parsePrefixes(*trusted); err != nil {
		return fmt.Errorf("--trusted-proxies: %w", err)
	}
	if *metricsToken != "" && len(*metricsToken) < minMetricsToken {
		return fmt.Errorf("--metrics-token must be at least %d characters, such as what openssl rand -hex 16 prints: anyone may try it", minMetricsToken)
	}
	log, err := newLogger(e.stderr, *level, *format)
	if err != nil {
		return err
	}
	slog.SetDefault(log)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	st, err := data.openStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	host := plugins.New(hostCfg, log)
	defer host.Close()
	if err := host.Load(ctx); err != nil {
		return err
	}
	// The parts, wired here: the print queue, the scheduler that makes
	// the subscriptions' editions into it, the server, and the
	// housekeeping jobs beside them.
	queue := delivery.New(st, delivery.Config{MaxPending: *maxPending, AnswerTimeout: *answerTimeout, PrintTimeout: *printTimeout,
		Expiry: *expiry, Retention: *retention}, log)
	sched := scheduler.New(st, host, queue, scheduler.Config{Lead: schedLead, Window: *catchUp}, log)
	jobs := housekeeping.New(log)
	srv := core.New(core.Config{
		Listen: *listen, HTTP: httpCfg, MetricsListen: *metricsListen, MetricsToken: *metricsToken,
		PresenceTimeout: *presence, PrintsPerMinute: *printsPerMinute, ClaimsPerMinute: *claimsPerMinute,
		SignInsPerMinute: *signInsPerMinute, SessionLifetime: *sessionLifetime, FriendMessagesPerHour: *friendMessages,
		KeyPrintsPerHour: *keyPrints, PrinterKeyPrintsPerHour: *printerKeyPrints,
		ImageMemoryBytes:    int64(*imageMemory) << 20,
		MaxDevicesPerBridge: *bridgeDevices, BridgeMessagesPerSecond: *bridgeMessages, BridgeLogLinesPerMinute: *bridgeLogLines,
		NewDevicesPerHour:    *newDevices,
		PersonalitiesPerHour: *personalities, SubscriptionPreviewsPerMinute: *subPreviews, MaxPrinters: *maxPrinters,
		MinScheduleInterval: *minInterval,
		SMTP:                smtpCfg, PublicURL: *publicURL, PasswordResetsPerHour: *resetsPerHour, NoticesAllowPrivate: *noticesPrivate,
	}, core.Parts{Store: st, Queue: queue, Publications: host, Metrics: partMetrics(jobs, queue, sched, host)}, log)
	if err := addHousekeeping(jobs, queue, sched, srv); err != nil {
		queue.Close()
		return err
	}
	if err := srv.Start(); err != nil {
		queue.Close()
		return err
	}
	jobs.Start()
	schedCtx, stopSched := context.WithCancel(context.Background())
	schedDone := make(chan struct{})
	go func() {
		defer close(schedDone)
		if err := sched.Run(schedCtx); err != nil && !errors.Is(err, context.Canceled) {
			log.Error("scheduler", slog.Any("error", err))
		}
	}()
	fmt.Fprintf(e.stdout, "paperboy is serving on http://%s (bridges: ws://%s/api/v1/connection)\n", srv.Addr(), srv.Addr())
	writeWhere(e.stdout, data, st, host, srv.Addr())
	if a := srv.MetricsAddr(); a != "" {
		fmt.Fprintf(e.stdout, "metrics on http://%s/metrics\n", a)
	}
	<-ctx.Done()
	log.Info("stopping")
	// The housekeeping jobs and the scheduler first (what they do needs
	// the rest; what the scheduler makes goes into the queue), then the
	// server (its sockets), then the queue; the plugins and the store
	// close last (deferred).
	<-jobs.Stop().Done()
	stopSched()
	<-schedDone
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err = srv.Shutdown(shutdown)
	queue.Close()
	if err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	log.Info("stopped")
	return nil
}

// partMetrics are the metrics of the parts beside the server, served on
// its /metrics with its own.
func partMetrics(jobs *housekeeping.Jobs, queue *delivery.Queue, sched *scheduler.Scheduler, host *plugins.Host) []prometheus.Collector {
	return []prometheus.Collector{jobs, queue, sched, host}
}

// addHousekeeping schedules the housekeeping jobs, each the work of a
// part, at minutes of their own, so that they do not weigh on the database
// all at once. With instances sharing one database each runs them: a
// prune is the same on all, and samples are each instance's own.
func addHousekeeping(jobs *housekeeping.Jobs, queue *delivery.Queue, sched *scheduler.Scheduler, srv *core.Server) error {
	for _, j := range []struct {
		name, spec string
		work       housekeeping.Work
	}{
		{"refresh_samples", "@hourly", srv.RefreshSamples},                 // the catalogue's samples, kept 2 hours
		{"prune_deliveries", "10 * * * *", queue.PruneDeliveries},          // the history, older than --retention
		{"prune_editions", "20 * * * *", sched.PruneEditions},              // edition claims, older than the scheduler's Keep (90 days)
		{"prune_sessions", "30 * * * *", srv.PruneSessions},                // expired web sessions
		{"check_zones", "40 3 * * *", sched.CheckZones},                    // the due index against the zone database's rules
		{"load_publications", "@every 1m", srv.LoadURLPublications},        // URL publications another instance (or the CLI) added or removed
		{"refresh_publications", "50 * * * *", srv.RefreshURLPublications}, // URL publications' meta.json, again
		{"offline_notices", "@every 5m", srv.RaiseOfflineNotices},          // owners of printers offline longer than they chose are told
		{"prune_notices", "15 4 * * *", srv.PruneNotices},                  // notices older than 90 days
	} {
		if err := jobs.Add(j.name, j.spec, j.work); err != nil {
			return err
		}
	}
	return nil
}

// smtpConfig checks the flags of the mail server: none, or a host with a
// sender and the server's public address (the reset links' start).
func smtpConfig(host string, port int, user, password, from, publicURL string) (core.SMTPConfig, error) {
	if host == "" {
		if user != "" || password != "" || from != "" {
			return core.SMTPConfig{}, errors.New("--smtp-user, --smtp-password and --smtp-from need --smtp-host")
		}
		return core.SMTPConfig{}, nil
	}
	if port <= 0 || port > 65535 {
		return core.SMTPConfig{}, fmt.Errorf("--smtp-port %d is not a port", port)
	}
	if a, err := mail.ParseAddress(from); err != nil || a.Address != from {
		return core.SMTPConfig{}, fmt.Errorf("--smtp-from %q: want an address such as paperboy@example.com", from)
	}
	if password != "" && user == "" {
		return core.SMTPConfig{}, errors.New("--smtp-password needs --smtp-user")
	}
	u, err := url.Parse(publicURL)
	if publicURL == "" || err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return core.SMTPConfig{}, errors.New("--smtp-host needs --public-url, such as https://paperboy.example.com: " +
			"the links in mails cannot take the address from a request, whose Host anyone may choose")
	}
	return core.SMTPConfig{Host: host, Port: port, User: user, Password: password, From: from}, nil
}

// minMetricsToken is the shortest --metrics-token: it is tried with no
// limit, so it must be too long to guess.
const minMetricsToken = 16

// parsePrefixes reads a comma-separated list of addresses and CIDR
// prefixes; an address is a prefix of itself alone.
func parsePrefixes(v string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.Split(v, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		if a, err := netip.ParseAddr(f); err == nil {
			a = a.Unmap().WithZone("")
			out = append(out, netip.PrefixFrom(a, a.BitLen()))
			continue
		}
		p, err := netip.ParsePrefix(f)
		if err != nil {
			return nil, fmt.Errorf("%q is not an address or a prefix such as 10.0.0.0/8", f)
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

func runUserAdd(e env, args []string) error {
	fs := newFlags(e, "user add", "user add [--data DIR] [--db DSN] [--name NAME] EMAIL")
	data := dataFlag(fs).withDB(fs)
	name := fs.String("name", "", "the name the user goes by, which their friends see (never their email); none: \"a friend\"")
	rest, err := fs.parse(args)
	if err != nil {
		return err
	}
	if len(rest) != 1 || !strings.Contains(rest[0], "@") {
		return errors.New("want one email address")
	}
	ctx := context.Background()
	st, err := data.openStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	email := strings.TrimSpace(rest[0])
	if msg := core.CheckUserName(strings.TrimSpace(*name), email); msg != "" {
		return fmt.Errorf("--name: %s", msg)
	}
	u, token, err := core.AddUser(ctx, st, email)
	if errors.Is(err, store.ErrConflict) {
		return fmt.Errorf("a user %s exists already", rest[0])
	}
	if err != nil {
		return err
	}
	if *name != "" {
		if err := st.SetUserName(ctx, u.ID, strings.TrimSpace(*name)); err != nil {
			return err
		}
	}
	fmt.Fprintf(e.stderr, "user %d (%s) added; their API token, shown only now:\n", u.ID, u.Email)
	_, err = fmt.Fprintln(e.stdout, token)
	return err
}

func runUserResetPassword(e env, args []string) error {
	fs := newFlags(e, "user reset-password", "user reset-password [--data DIR] [--db DSN] [--stdin] EMAIL")
	data := dataFlag(fs).withDB(fs)
	fromStdin := fs.Bool("stdin", false, "read the new password from stdin (its first line) rather than make a random one")
	rest, err := fs.parse(args)
	if err != nil {
		return err
	}
	if len(rest) != 1 || !strings.Contains(rest[0], "@") {
		return errors.New("want one email address")
	}
	password := ""
	if *fromStdin {
		line, err := bufio.NewReader(io.LimitReader(e.stdin, 4096)).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("read the password from stdin: %w", err)
		}
		if password = strings.TrimRight(line, "\r\n"); password == "" {
			return errors.New("--stdin: no password on stdin")
		}
	}
	ctx := context.Background()
	st, err := data.openStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	u, password, err := core.ResetPassword(ctx, st, rest[0], password)
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("no user %s", rest[0])
	}
	if err != nil {
		return err
	}
	if *fromStdin {
		_, err = fmt.Fprintf(e.stderr, "user %d (%s): password set; every session of theirs has ended\n", u.ID, u.Email)
		return err
	}
	fmt.Fprintf(e.stderr, "user %d (%s): new password, shown only now; every session of theirs has ended:\n", u.ID, u.Email)
	_, err = fmt.Fprintln(e.stdout, password)
	return err
}

func runMigrate(e env, args []string) error {
	fs := newFlags(e, "migrate", "migrate [--data DIR] [--db DSN]")
	data := dataFlag(fs).withDB(fs)
	if _, err := fs.parse(args); err != nil {
		return err
	}
	st, err := data.openStore(context.Background())
	if err != nil {
		return err
	}
	defer st.Close()
	_, err = fmt.Fprintf(e.stdout, "the %s database is at schema version %d\n", st.Name(), store.SchemaVersion())
	return err
}
