package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"paperboy/core"
	"paperboy/delivery"
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

// dbFlag is the --db flag, shared by the commands that open the store.
func dbFlag(fs *flags) *string {
	return fs.String("db", envOr("DB", ""), "the database: a SQLite file (default "+store.DefaultSQLitePath+
		") or mysql://user:pass@tcp(host:port)/name; env PAPERBOY_DB")
}

func runServe(e env, args []string) error {
	fs := newFlags(e, "serve", "serve [--listen :8080] [--db DSN]")
	listen := fs.String("listen", envOr("LISTEN", core.DefaultListen), "address to serve on; env PAPERBOY_LISTEN")
	db := dbFlag(fs)
	level := fs.String("log-level", envOr("LOG_LEVEL", "info"), "debug, info, warn or error; env PAPERBOY_LOG_LEVEL")
	format := fs.String("log-format", envOr("LOG_FORMAT", "text"), "text or json; env PAPERBOY_LOG_FORMAT")
	presence := fs.Duration("presence-timeout", core.DefaultPresenceTimeout, "a printer silent this long is offline (and another socket may speak for it)")
	bridgeDevices := fs.Int("bridge-devices", core.DefaultMaxDevicesPerBridge, "devices one bridge socket may speak for")
	bridgeMessages := fs.Int("bridge-messages-per-second", core.DefaultBridgeMessagesPerSecond, "messages a bridge socket is read a second at most")
	bridgeLogLines := fs.Int("bridge-log-lines-per-minute", core.DefaultBridgeLogLinesPerMinute, "log lines about one bridge socket a minute at most")
	newDevices := fs.Int("new-devices-per-hour", core.DefaultNewDevicesPerHour, "devices never seen before that the bridges of one client address may add an hour")
	printsPerMinute := fs.Int("prints-per-minute", core.DefaultPrintsPerMinute, "prints a user may send a minute")
	claimsPerMinute := fs.Int("claims-per-minute", core.DefaultClaimsPerMinute, "claim codes (and friend codes) a user may try a minute")
	friendMessages := fs.Int("friend-messages-per-hour", core.DefaultFriendMessagesPerHour, "messages a printer takes an hour from its owner's friends, all together")
	signInsPerMinute := fs.Int("signins-per-minute", core.DefaultSignInsPerMinute, "sign-in attempts an email may make a minute (a client address: four times as many)")
	sessionLifetime := fs.Duration("session-lifetime", core.DefaultSessionLifetime, "a web session unused this long ends")
	maxPending := fs.Int("max-pending", delivery.DefaultMaxPending, "unfinished deliveries a printer may have")
	answerTimeout := fs.Duration("answer-timeout", delivery.DefaultAnswerTimeout, "a command with no answer this long is sent again")
	printTimeout := fs.Duration("print-timeout", delivery.DefaultPrintTimeout, "a print the printer took and has not said it printed this long after is taken as printed (and the next is sent)")
	expiry := fs.Duration("expiry", delivery.DefaultExpiry, "a delivery not printed this long expires")
	retention := fs.Duration("retention", delivery.DefaultRetention, "finished deliveries are kept this long in the history")
	pluginDir := pluginsFlag(fs)
	pluginTimeout := fs.Duration("plugin-timeout", plugins.DefaultCallTimeout, "a plugin that takes longer to render is stopped and restarted")
	pluginPrivate := fs.Bool("plugin-allow-private", false, "let publications fetch from loopback and private addresses (a feed on your own network)")
	pluginMemory := fs.Int("plugin-memory-mb", plugins.DefaultMemoryLimitBytes>>20, "a plugin whose memory grows past this many MB is restarted")
	imageMemory := fs.Int("image-memory-mb", core.DefaultImageMemoryBytes>>20, "uploaded pictures being decoded at once may take this many MB of memory, all together; more wait")
	lead := fs.Duration("edition-lead", scheduler.DefaultLead, "editions are made this long before their hour")
	catchUp := fs.Duration("catch-up", scheduler.DefaultWindow, "after downtime, editions missed less than this long ago are still made")
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
	if *friendMessages <= 0 {
		return errors.New("--friend-messages-per-hour must be more than 0")
	}
	log, err := newLogger(e.stderr, *level, *format)
	if err != nil {
		return err
	}
	slog.SetDefault(log)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	st, err := store.Open(ctx, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	host := plugins.New(plugins.Config{Dir: *pluginDir, CallTimeout: *pluginTimeout, MemoryLimitBytes: int64(*pluginMemory) << 20,
		HTTP: sdk.HTTPPolicy{AllowPrivate: *pluginPrivate}}, log)
	defer host.Close()
	if err := host.Load(ctx); err != nil {
		return err
	}
	srv := core.New(core.Config{
		Publications: host,
		Listen:       *listen, PresenceTimeout: *presence, PrintsPerMinute: *printsPerMinute, ClaimsPerMinute: *claimsPerMinute,
		SignInsPerMinute: *signInsPerMinute, SessionLifetime: *sessionLifetime, FriendMessagesPerHour: *friendMessages,
		ImageMemoryBytes:    int64(*imageMemory) << 20,
		MaxDevicesPerBridge: *bridgeDevices, BridgeMessagesPerSecond: *bridgeMessages, BridgeLogLinesPerMinute: *bridgeLogLines,
		NewDevicesPerHour: *newDevices,
		Delivery: delivery.Config{MaxPending: *maxPending, AnswerTimeout: *answerTimeout, PrintTimeout: *printTimeout,
			Expiry: *expiry, Retention: *retention},
		Scheduler: scheduler.Config{Lead: schedLead, Window: *catchUp},
	}, st, log)
	if err := srv.Start(); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "paperboy is serving on http://%s (bridges: ws://%s/api/v1/connection)\n", srv.Addr(), srv.Addr())
	<-ctx.Done()
	log.Info("stopping")
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	log.Info("stopped")
	return nil
}

func runUserAdd(e env, args []string) error {
	fs := newFlags(e, "user add", "user add [--db DSN] EMAIL")
	db := dbFlag(fs)
	rest, err := fs.parse(args)
	if err != nil {
		return err
	}
	if len(rest) != 1 || !strings.Contains(rest[0], "@") {
		return errors.New("want one email address")
	}
	ctx := context.Background()
	st, err := store.Open(ctx, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	u, token, err := core.AddUser(ctx, st, strings.TrimSpace(rest[0]))
	if errors.Is(err, store.ErrConflict) {
		return fmt.Errorf("a user %s exists already", rest[0])
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "user %d (%s) added; their API token, shown only now:\n", u.ID, u.Email)
	_, err = fmt.Fprintln(e.stdout, token)
	return err
}

func runMigrate(e env, args []string) error {
	fs := newFlags(e, "migrate", "migrate [--db DSN]")
	db := dbFlag(fs)
	if _, err := fs.parse(args); err != nil {
		return err
	}
	st, err := store.Open(context.Background(), *db)
	if err != nil {
		return err
	}
	defer st.Close()
	_, err = fmt.Fprintf(e.stdout, "the %s database is at schema version %d\n", st.Name(), store.SchemaVersion())
	return err
}
