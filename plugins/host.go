package plugins

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"paperboy/sdk"
)

// Config tunes the host; zero values mean the defaults.
type Config struct {
	// Dir holds the plugin binaries: every executable file in it.
	Dir string
	// CallTimeout bounds one Render (Meta and Validate get a fifth of it).
	// A plugin that does not answer in time is killed and restarted.
	CallTimeout time.Duration
	// StartTimeout bounds a plugin's start and handshake.
	StartTimeout time.Duration
	// Concurrency is how many calls one plugin serves at once; more wait.
	Concurrency int
	// MemoryLimitBytes: a plugin whose resident memory grows past it is
	// killed and restarted.
	MemoryLimitBytes int64
	// RestartMin and RestartMax bound the back-off between restarts of a
	// plugin that keeps failing.
	RestartMin, RestartMax time.Duration
	// CheckEvery is how often running plugins are checked (exited, memory).
	CheckEvery time.Duration
	// HTTP is the policy plugins fetch under.
	HTTP sdk.HTTPPolicy
	// SharedFor is how long a shared edition is kept for others.
	SharedFor time.Duration
}

// Defaults, with their reasons.
const (
	DefaultDir              = "bin/plugins"
	DefaultCallTimeout      = 30 * time.Second // a slow news site, a few feeds
	DefaultStartTimeout     = 10 * time.Second
	DefaultConcurrency      = 4 // at 08:00 a plugin renders a few at a time, not a thousand at once
	DefaultMemoryLimitBytes = 512 << 20
	DefaultRestartMin       = time.Second
	DefaultRestartMax       = 5 * time.Minute
	DefaultCheckEvery       = 2 * time.Second
	DefaultSharedFor        = 36 * time.Hour // a local date, wherever the subscriber is
)

func (c Config) withDefaults() Config {
	set := func(v *time.Duration, d time.Duration) {
		if *v == 0 {
			*v = d
		}
	}
	if c.Dir == "" {
		c.Dir = DefaultDir
	}
	set(&c.CallTimeout, DefaultCallTimeout)
	set(&c.StartTimeout, DefaultStartTimeout)
	set(&c.RestartMin, DefaultRestartMin)
	set(&c.RestartMax, DefaultRestartMax)
	set(&c.CheckEvery, DefaultCheckEvery)
	set(&c.SharedFor, DefaultSharedFor)
	if c.Concurrency == 0 {
		c.Concurrency = DefaultConcurrency
	}
	if c.MemoryLimitBytes == 0 {
		c.MemoryLimitBytes = DefaultMemoryLimitBytes
	}
	return c
}

// ErrUnknown is returned, wrapped, for a publication no plugin provides.
var ErrUnknown = errors.New("no such publication")

// Error is a plugin's failure, in words a subscriber can read.
type Error struct {
	Publication string
	Msg         string
	Err         error
}

func (e *Error) Error() string { return e.Publication + ": " + e.Msg }

func (e *Error) Unwrap() error { return e.Err }

// Host runs the plugins of a folder. It is safe for concurrent use.
type Host struct {
	cfg Config
	log *slog.Logger

	mu      sync.Mutex
	plugins map[string]*proc // by publication name

	shared sharedEditions

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	once   sync.Once
}

// New makes a host; Load or Add start plugins.
func New(cfg Config, logger *slog.Logger) *Host {
	ctx, cancel := context.WithCancel(context.Background())
	h := &Host{cfg: cfg.withDefaults(), log: logger.With("part", "plugins"), plugins: map[string]*proc{}, ctx: ctx, cancel: cancel}
	h.shared.m = map[string]*sharedEdition{}
	return h
}

// Load starts every plugin binary of the folder and learns its Meta. A
// plugin that fails to start is logged and left out; Load fails only if
// the folder cannot be read. A missing folder means no plugins.
func (h *Host) Load(ctx context.Context) error {
	entries, err := os.ReadDir(h.cfg.Dir)
	if errors.Is(err, os.ErrNotExist) {
		h.log.Warn("no plugin folder: no publications", "dir", h.cfg.Dir)
		return nil
	}
	if err != nil {
		return fmt.Errorf("plugins: %w", err)
	}
	for _, e := range entries {
		// Stat, not e.Info: a plugin linked into the folder counts too.
		info, err := os.Stat(filepath.Join(h.cfg.Dir, e.Name()))
		if err != nil || !info.Mode().IsRegular() || info.Mode()&0o111 == 0 {
			continue
		}
		if _, err := h.Add(ctx, filepath.Join(h.cfg.Dir, e.Name())); err != nil {
			h.log.Error("plugin not loaded", "path", e.Name(), slog.Any("error", err))
		}
	}
	return nil
}

// Add starts one plugin binary and registers its publication.
func (h *Host) Add(ctx context.Context, path string) (sdk.Meta, error) {
	h.once.Do(func() { h.wg.Go(h.watch) })
	p := &proc{h: h, path: path, sem: make(chan struct{}, h.cfg.Concurrency), log: h.log.With("plugin", filepath.Base(path))}
	if err := p.start(ctx); err != nil {
		return sdk.Meta{}, err
	}
	name := p.meta.Name
	h.mu.Lock()
	defer h.mu.Unlock()
	if old := h.plugins[name]; old != nil {
		p.stop()
		return sdk.Meta{}, fmt.Errorf("plugins: %s and %s both provide %q", old.path, path, name)
	}
	h.plugins[name] = p
	p.mu.Lock()
	p.log = p.log.With("publication", name)
	log, pid, meta := p.log, p.pid, p.meta
	p.mu.Unlock()
	log.Info("plugin started", "pid", pid)
	return meta, nil
}

// Info is what the host knows of a publication.
type Info struct {
	Meta      sdk.Meta
	Path      string
	Running   bool
	Restarts  int
	LastError string
}

// Publications lists the publications, by name.
func (h *Host) Publications() []Info {
	h.mu.Lock()
	ps := make([]*proc, 0, len(h.plugins))
	for _, p := range h.plugins {
		ps = append(ps, p)
	}
	h.mu.Unlock()
	out := make([]Info, 0, len(ps))
	for _, p := range ps {
		out = append(out, p.info())
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Meta.Name < out[j].Meta.Name })
	return out
}

// Meta is a publication's Meta. It returns ErrUnknown if there is none.
func (h *Host) Meta(name string) (sdk.Meta, error) {
	p, err := h.plugin(name)
	if err != nil {
		return sdk.Meta{}, err
	}
	return p.info().Meta, nil
}

func (h *Host) plugin(name string) (*proc, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	p := h.plugins[name]
	if p == nil {
		return nil, fmt.Errorf("plugins: %q: %w", name, ErrUnknown)
	}
	return p, nil
}

// Validate checks a config: the form's rules, then the plugin's. It returns
// sdk.FieldErrors for what a subscriber must change, or an *Error.
func (h *Host) Validate(ctx context.Context, name string, cfg sdk.Config) error {
	p, err := h.plugin(name)
	if err != nil {
		return err
	}
	if _, err := p.info().Meta.CheckConfig(cfg); err != nil {
		return err
	}
	return p.call(ctx, h.cfg.CallTimeout/5, func(ctx context.Context, c *sdk.Client) error {
		return c.Validate(ctx, cfg)
	})
}

// Render makes an edition. Publications that are the same for everyone
// (scheduled, not personal) are rendered once per config and local date of
// a.Time, and the edition is shared. It returns an *Error for the plugin's
// failures.
func (h *Host) Render(ctx context.Context, name string, a sdk.RenderArgs) (sdk.Output, error) {
	p, err := h.plugin(name)
	if err != nil {
		return sdk.Output{}, err
	}
	a.HTTP = h.cfg.HTTP
	render := func(ctx context.Context) (sdk.Output, error) {
		var out sdk.Output
		err := p.call(ctx, h.cfg.CallTimeout, func(ctx context.Context, c *sdk.Client) error {
			var err error
			out, err = c.Render(ctx, a)
			return err
		})
		return out, err
	}
	meta := p.info().Meta
	if meta.Personal || meta.Kind != sdk.Scheduled || a.Push != nil {
		return render(ctx)
	}
	return h.shared.get(ctx, sharedKey(name, a), h.cfg.SharedFor, render)
}

// sharedKey names an edition shared by everyone with a config on a local
// date.
func sharedKey(name string, a sdk.RenderArgs) string {
	keys := make([]string, 0, len(a.Config))
	for k := range a.Config {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	hash := sha256.New()
	for _, k := range keys {
		fmt.Fprintf(hash, "%q=%q;", k, a.Config[k])
	}
	return name + "/" + a.Time.Format(time.DateOnly) + "/" + hex.EncodeToString(hash.Sum(nil)[:12])
}

// Close stops every plugin.
func (h *Host) Close() {
	h.cancel()
	h.wg.Wait()
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, p := range h.plugins {
		p.stop()
	}
}

// watch notices plugins that exited or grew too large, and restarts them
// once their back-off has passed.
func (h *Host) watch() {
	t := time.NewTicker(h.cfg.CheckEvery)
	defer t.Stop()
	for {
		select {
		case <-h.ctx.Done():
			return
		case <-t.C:
		}
		h.mu.Lock()
		ps := make([]*proc, 0, len(h.plugins))
		for _, p := range h.plugins {
			ps = append(ps, p)
		}
		h.mu.Unlock()
		for _, p := range ps {
			p.check(h.ctx)
		}
	}
}

// proc is one plugin process and its restarts.
type proc struct {
	h    *Host
	path string
	sem  chan struct{}
	// starting is held while a process is checked and started, so that
	// calls arriving together start one process, not one each.
	starting sync.Mutex

	mu        sync.Mutex
	log       *slog.Logger
	client    *plugin.Client
	pub       *sdk.Client
	pid       int
	meta      sdk.Meta
	restarts  int       // in a row, since it last answered well
	retryAt   time.Time // no restart before
	lastError string
	total     int // restarts in all
}

func (p *proc) info() Info {
	p.mu.Lock()
	defer p.mu.Unlock()
	return Info{Meta: p.meta, Path: p.path, Running: p.client != nil && !p.client.Exited(), Restarts: p.total, LastError: p.lastError}
}

func (p *proc) logger() *slog.Logger {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.log
}

// start runs the binary and reads its Meta.
func (p *proc) start(ctx context.Context) error {
	cmd := exec.Command(p.path)
	dieWithServer(cmd)
	client := plugin.NewClient(&plugin.ClientConfig{
		HandshakeConfig:  sdk.Handshake,
		Plugins:          plugin.PluginSet{sdk.PluginName: &sdk.GRPCPlugin{}},
		Cmd:              cmd,
		AllowedProtocols: []plugin.Protocol{plugin.ProtocolGRPC},
		StartTimeout:     p.h.cfg.StartTimeout,
		// The plugin's stderr goes to our log, a line a record, under its
		// name; go-plugin's own logger stays quiet.
		Logger: hclog.New(&hclog.LoggerOptions{Level: hclog.Off}),
		Stderr: &lineLogger{p: p},
	})
	fail := func(err error) error {
		client.Kill()
		return fmt.Errorf("start %s: %w", filepath.Base(p.path), err)
	}
	rpc, err := client.Client()
	if err != nil {
		return fail(err)
	}
	raw, err := rpc.Dispense(sdk.PluginName)
	if err != nil {
		return fail(err)
	}
	pub, ok := raw.(*sdk.Client)
	if !ok {
		return fail(errors.New("not a publication plugin"))
	}
	mctx, cancel := context.WithTimeout(ctx, p.h.cfg.StartTimeout)
	defer cancel()
	meta, err := pub.Meta(mctx)
	if err != nil {
		return fail(fmt.Errorf("its Meta: %w", err))
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.meta.Name != "" && meta.Name != p.meta.Name {
		// Not under p.mu: Kill waits for the stderr copier, which logs
		// through p.logger.
		p.mu.Unlock()
		client.Kill()
		p.mu.Lock()
		return fmt.Errorf("start %s: it was %q and is now %q", filepath.Base(p.path), p.meta.Name, meta.Name)
	}
	p.client, p.pub, p.meta = client, pub, meta
	if rc := client.ReattachConfig(); rc != nil {
		p.pid = rc.Pid
	}
	return nil
}

func (p *proc) stop() {
	p.starting.Lock() // a start under way finishes first, then is stopped
	defer p.starting.Unlock()
	p.mu.Lock()
	c := p.client
	p.mu.Unlock()
	if c != nil {
		c.Kill()
	}
}

// failed stops the process whose client is pub after a failure and sets
// when it may start again: the back-off doubles with each failure in a row.
// A failure of a process already stopped or replaced (pub is no longer the
// current client) changes nothing: it is not counted twice, and the new
// process lives. pub is nil for a process that did not start.
func (p *proc) failed(pub *sdk.Client, why string) {
	p.mu.Lock()
	if p.pub != pub {
		p.mu.Unlock()
		return
	}
	c := p.client
	p.client, p.pub = nil, nil
	wait := p.h.cfg.RestartMin
	for i := 0; i < p.restarts && wait < p.h.cfg.RestartMax; i++ {
		wait *= 2
	}
	wait = min(wait, p.h.cfg.RestartMax)
	p.restarts++
	p.retryAt = time.Now().Add(wait)
	p.lastError = why
	restarts, log := p.restarts, p.log
	p.mu.Unlock()
	if c != nil {
		c.Kill()
	}
	log.Warn("plugin stopped; restarting", "why", why, "in", wait, "failures_in_a_row", restarts)
}

// running gives the plugin's client, starting the process again if it is
// down and its back-off has passed.
func (p *proc) running(ctx context.Context) (*sdk.Client, error) {
	p.starting.Lock()
	defer p.starting.Unlock()
	p.mu.Lock()
	if p.client != nil && !p.client.Exited() {
		c := p.pub
		p.mu.Unlock()
		return c, nil
	}
	crashed := p.client != nil
	wait := time.Until(p.retryAt)
	last, name, pub := p.lastError, p.meta.Name, p.pub
	p.mu.Unlock()
	if p.h.ctx.Err() != nil {
		return nil, &Error{name, "the plugin host is closed", p.h.ctx.Err()}
	}
	if crashed {
		p.failed(pub, "the plugin process exited")
		return nil, &Error{name, "the plugin stopped unexpectedly; it is being restarted", nil}
	}
	if wait > 0 {
		return nil, &Error{name, fmt.Sprintf("the plugin is restarting after a failure (%s); try again in %v", last, wait.Round(time.Second)), nil}
	}
	if err := p.start(ctx); err != nil {
		p.failed(nil, "it did not start: "+err.Error())
		return nil, &Error{name, "the plugin did not start: " + err.Error(), err}
	}
	p.mu.Lock()
	p.total++
	c, pid := p.pub, p.pid
	p.mu.Unlock()
	p.logger().Info("plugin restarted", "pid", pid)
	return c, nil
}

// call runs f on the plugin within a timeout, waiting its turn among the
// plugin's concurrent calls. A timeout kills the plugin (it hangs); a
// broken connection marks it crashed; the plugin's own errors come back as
// *Error with its message.
func (p *proc) call(ctx context.Context, timeout time.Duration, f func(context.Context, *sdk.Client) error) error {
	name := p.info().Meta.Name
	select {
	case p.sem <- struct{}{}:
		defer func() { <-p.sem }()
	case <-ctx.Done():
		return &Error{name, "too busy: " + ctx.Err().Error(), ctx.Err()}
	}
	c, err := p.running(ctx)
	if err != nil {
		return err
	}
	// The host keeps the time itself rather than give the call a deadline:
	// a deadline travels to the plugin, whose side may give up a moment
	// sooner and answer "cancelled", which would look like a crash or an
	// error of the plugin's.
	// The caller's own deadline stays here too: the call is cancelled
	// when the caller's context ends.
	cctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	defer cancel()
	defer context.AfterFunc(ctx, cancel)()
	var timedOut atomic.Bool
	timer := time.AfterFunc(timeout, func() { timedOut.Store(true); cancel() })
	defer timer.Stop()
	err = f(cctx, c)
	if err == nil {
		p.mu.Lock()
		p.restarts = 0
		p.mu.Unlock()
		return nil
	}
	var fe sdk.FieldErrors
	if errors.As(err, &fe) {
		return err
	}
	st := status.Convert(err)
	switch {
	case timedOut.Load() && ctx.Err() == nil:
		p.failed(c, fmt.Sprintf("it did not answer within %v", timeout))
		return &Error{name, fmt.Sprintf("the plugin did not answer within %v; it was stopped and will be restarted", timeout), err}
	case ctx.Err() != nil:
		return &Error{name, "cancelled: " + ctx.Err().Error(), ctx.Err()}
	case st.Code() == codes.Unavailable || st.Code() == codes.Canceled:
		p.failed(c, "it crashed: "+st.Message())
		return &Error{name, "the plugin crashed; it is being restarted", err}
	case st.Code() == codes.Internal && strings.HasPrefix(st.Message(), "the publication crashed"):
		msg, _, _ := strings.Cut(st.Message(), "\n")
		p.logger().Error("publication panicked", "error", st.Message())
		return &Error{name, msg, err}
	}
	return &Error{name, st.Message(), err}
}

// check restarts an exited plugin once its back-off has passed, and kills
// one over the memory limit.
func (p *proc) check(ctx context.Context) {
	p.mu.Lock()
	client, pub, pid, retryAt := p.client, p.pub, p.pid, p.retryAt
	p.mu.Unlock()
	switch {
	case client != nil && client.Exited():
		p.failed(pub, "the plugin process exited")
	case client != nil:
		if rss := residentBytes(pid); rss > p.h.cfg.MemoryLimitBytes {
			p.failed(pub, fmt.Sprintf("it grew to %d MB, over the limit of %d MB", rss>>20, p.h.cfg.MemoryLimitBytes>>20))
		}
	case time.Now().After(retryAt):
		if _, err := p.running(ctx); err != nil {
			p.logger().Warn("plugin restart", slog.Any("error", err))
		}
	}
}

// residentBytes is a process's resident memory, from /proc; 0 if unknown.
func residentBytes(pid int) int64 {
	if pid <= 0 {
		return 0
	}
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0
	}
	for line := range strings.Lines(string(data)) {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			if f := strings.Fields(rest); len(f) >= 1 {
				kb, _ := strconv.ParseInt(f[0], 10, 64)
				return kb << 10
			}
		}
	}
	return 0
}

// pluginLine reads a line of a plugin's stderr: go-plugin's own records (a
// JSON object with "@level" and "@message", such as the SDK writes) keep
// their level and fields; any other line is logged as it is, at info.
func pluginLine(line string) (slog.Level, []any) {
	var rec map[string]any
	if !strings.HasPrefix(line, "{") || json.Unmarshal([]byte(line), &rec) != nil {
		return slog.LevelInfo, []any{"line", line}
	}
	msg, ok := rec["@message"].(string)
	if !ok {
		return slog.LevelInfo, []any{"line", line}
	}
	level := slog.LevelInfo
	switch rec["@level"] {
	case "trace", "debug":
		level = slog.LevelDebug
	case "warn":
		level = slog.LevelWarn
	case "error":
		level = slog.LevelError
	}
	attrs := []any{"line", msg}
	keys := make([]string, 0, len(rec))
	for k := range rec {
		if !strings.HasPrefix(k, "@") {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		attrs = append(attrs, k, rec[k])
	}
	return level, attrs
}

// lineLogger writes a plugin's stderr to the log, a line a record.
type lineLogger struct {
	p   *proc
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *lineLogger) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf.Write(b)
	for {
		line, err := l.buf.ReadString('\n')
		if err != nil {
			l.buf.WriteString(line) // not a whole line yet
			break
		}
		if line = strings.TrimRight(line, "\r\n"); line != "" {
			level, attrs := pluginLine(line)
			l.p.logger().Log(context.Background(), level, "plugin says", attrs...)
		}
	}
	return len(b), nil
}

// sharedEditions holds editions rendered for everyone with a config on a
// date; a second caller waits for the first one's render.
type sharedEditions struct {
	mu sync.Mutex
	m  map[string]*sharedEdition
}

type sharedEdition struct {
	done    chan struct{}
	out     sdk.Output
	err     error
	expires time.Time
}

func (s *sharedEditions) get(ctx context.Context, key string, keep time.Duration, render func(context.Context) (sdk.Output, error)) (sdk.Output, error) {
	now := time.Now()
	s.mu.Lock()
	for k, e := range s.m {
		if now.After(e.expires) {
			delete(s.m, k)
		}
	}
	e := s.m[key]
	if e == nil {
		e = &sharedEdition{done: make(chan struct{}), expires: now.Add(keep)}
		s.m[key] = e
		s.mu.Unlock()
		// Others may wait for this edition: the first caller going away does
		// not cancel it (the call timeout still bounds it).
		e.out, e.err = render(context.WithoutCancel(ctx))
		if e.err != nil {
			s.mu.Lock()
			delete(s.m, key) // a failure is not shared: the next caller tries again
			s.mu.Unlock()
		}
		close(e.done)
		return e.out, e.err
	}
	s.mu.Unlock()
	select {
	case <-e.done:
		return e.out, e.err
	case <-ctx.Done():
		return sdk.Output{}, ctx.Err()
	}
}
