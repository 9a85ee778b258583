package plugins

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"paperboy/sdk"
	"paperboy/sdk/htmlrender"
)

// Config tunes the host; zero values mean the defaults.
type Config struct {
	// Dir holds the plugin binaries: every executable file in it.
	Dir string
	// Builtins are the publications compiled into the server's binary,
	// each started as a process of it. A plugin in Dir that provides a
	// publication of the same name replaces the built-in.
	Builtins []Builtin
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
	// HTML renders the HTML of URL publications' editions and of messages;
	// nil for the pure-Go engine, fetching under HTTP.
	HTML htmlrender.Engine
}

// Defaults, with their reasons.
const (
	DefaultDir              = "data/plugins"
	DefaultCallTimeout      = 30 * time.Second // a slow news site, a few feeds
	DefaultStartTimeout     = 10 * time.Second
	DefaultConcurrency      = 4 // at 08:00 a plugin renders a few at a time, not a thousand at once
	DefaultMemoryLimitBytes = 512 << 20
	DefaultRestartMin       = time.Second
	DefaultRestartMax       = 5 * time.Minute
	DefaultCheckEvery       = 2 * time.Second
	DefaultSharedFor        = 36 * time.Hour // a local moment, wherever the subscriber is
)

func (c Config) withDefaults() Config {
	c.Dir = cmp.Or(c.Dir, DefaultDir)
	c.CallTimeout = cmp.Or(c.CallTimeout, DefaultCallTimeout)
	c.StartTimeout = cmp.Or(c.StartTimeout, DefaultStartTimeout)
	c.RestartMin = cmp.Or(c.RestartMin, DefaultRestartMin)
	c.RestartMax = cmp.Or(c.RestartMax, DefaultRestartMax)
	c.CheckEvery = cmp.Or(c.CheckEvery, DefaultCheckEvery)
	c.SharedFor = cmp.Or(c.SharedFor, DefaultSharedFor)
	c.Concurrency = cmp.Or(c.Concurrency, DefaultConcurrency)
	c.MemoryLimitBytes = cmp.Or(c.MemoryLimitBytes, DefaultMemoryLimitBytes)
	return c
}

// A Builtin is a publication compiled into the server's own binary: its
// process is Path started with the command line Args, the first of them
// the name it goes by ("paperboy publication-process NAME").
// It is supervised as any plugin is: restarted after a crash, stopped when
// it hangs or grows too large.
type Builtin struct {
	Name string
	Path string
	Args []string
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
	urls    map[string]*urlPub
	// shadowed are the URL publications a plugin's name hides, with their
	// addresses.
	shadowed map[string]string
	html     htmlrender.Engine

	shared  sharedEditions
	metrics *metrics

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	once   sync.Once
}

// New makes a host; Load or Add start plugins.
func New(cfg Config, logger *slog.Logger) *Host {
	ctx, cancel := context.WithCancel(context.Background())
	h := &Host{cfg: cfg.withDefaults(), log: logger.With("part", "plugins"), plugins: map[string]*proc{}, urls: map[string]*urlPub{}, ctx: ctx, cancel: cancel,
		metrics: newMetrics()}
	h.html = h.cfg.HTML
	if h.html == nil {
		h.html = htmlrender.New(htmlrender.Options{HTTP: sdk.NewHTTPClient(h.cfg.HTTP)})
	}
	h.shared.m = map[string]*sharedEdition{}
	return h
}

// Load starts the plugins: every plugin binary of the folder, then the
// built-ins that no plugin of the folder replaces. A plugin that fails to
// start is logged and left out; Load fails only if the folder cannot be
// read. A missing folder means no plugins but the built-ins.
func (h *Host) Load(ctx context.Context) error {
	if err := h.loadDir(ctx); err != nil {
		return err
	}
	for _, b := range h.cfg.Builtins {
		if p, err := h.plugin(b.Name); err == nil {
			h.log.Info("a plugin replaces the built-in publication", "publication", b.Name, "path", p.origin.path)
			continue
		}
		if _, err := h.AddBuiltin(ctx, b); err != nil {
			h.log.Error("built-in publication not loaded", "publication", b.Name, slog.Any("error", err))
		}
	}
	return nil
}

func (h *Host) loadDir(ctx context.Context) error {
	entries, err := os.ReadDir(h.cfg.Dir)
	if errors.Is(err, os.ErrNotExist) {
		if len(h.cfg.Builtins) == 0 {
			h.log.Warn("no plugin folder and no built-in publications: no publications", "dir", h.cfg.Dir)
		}
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
	return h.add(ctx, origin{path: path})
}

// AddBuiltin starts one built-in publication and registers it.
func (h *Host) AddBuiltin(ctx context.Context, b Builtin) (sdk.Meta, error) {
	return h.add(ctx, origin{path: b.Path, argv: b.Args, builtin: b.Name})
}

func (h *Host) add(ctx context.Context, o origin) (sdk.Meta, error) {
	h.once.Do(func() { h.wg.Go(h.watch) })
	p := &proc{h: h, origin: o, sem: make(chan struct{}, h.cfg.Concurrency), log: h.log.With("plugin", o.name())}
	if err := p.start(ctx); err != nil {
		return sdk.Meta{}, err
	}
	name := p.meta.Name
	if o.builtin != "" && name != o.builtin {
		p.stop()
		return sdk.Meta{}, fmt.Errorf("plugins: the built-in %q says it is %q", o.builtin, name)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if old := h.plugins[name]; old != nil {
		p.stop()
		return sdk.Meta{}, fmt.Errorf("plugins: %s and %s both provide %q", old.origin, o, name)
	}
	h.plugins[name] = p
	p.mu.Lock()
	p.log = p.log.With("publication", name)
	log, pid, meta := p.log, p.pid, p.meta
	p.mu.Unlock()
	log.Info("plugin started", "pid", pid, "from", o.String())
	return meta, nil
}

// Info is what the host knows of a publication.
type Info struct {
	Meta sdk.Meta
	// Path is the plugin's binary; for a built-in, the server's own.
	Path string
	// Builtin is whether it is a built-in publication.
	Builtin   bool
	Running   bool
	Restarts  int
	LastError string
	// A URL publication's: its base URL, the user who added it (0 for
	// everyone's), meta.json's delivered_on and description (only the
	// tags BERG kept), its icon, and since when it has not been answering.
	URL             string
	Owner           int64
	DeliveredOn     string
	DescriptionHTML template.HTML
	HasIcon         bool
	Icon            []byte
	FailingSince    time.Time
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
	h.mu.Lock()
	for _, u := range h.urls {
		out = append(out, u.info())
	}
	h.mu.Unlock()
	sort.Slice(out, func(i, j int) bool { return out[i].Meta.Name < out[j].Meta.Name })
	return out
}

// Meta is a publication's Meta. It returns ErrUnknown if there is none.
func (h *Host) Meta(name string) (sdk.Meta, error) {
	if u := h.urlPub(name); u != nil {
		return u.meta, nil
	}
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
	return h.ValidateWith(ctx, name, cfg, nil)
}

// ValidateWith is Validate telling a URL publication more than the config
// in /validate_config/: a push subscription's subscription_id and
// endpoint, sent both as fields of their own and inside the config, as
// BERG's own clients and its documents each read them.
func (h *Host) ValidateWith(ctx context.Context, name string, cfg sdk.Config, extra url.Values) error {
	if u := h.urlPub(name); u != nil {
		if _, err := u.meta.CheckConfig(cfg); err != nil {
			return err
		}
		return h.validateURL(ctx, u, cfg, extra)
	}
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
// (scheduled, not personal) are rendered once per config and local moment of
// a.Time, and the edition is shared. It returns an *Error for the plugin's
// failures.
func (h *Host) Render(ctx context.Context, name string, a sdk.RenderArgs) (sdk.Output, error) {
	if u := h.urlPub(name); u != nil {
		began := time.Now()
		out, err := h.renderURL(ctx, u, a)
		h.metrics.rendered(urlLabel, time.Since(began), err)
		return out, err
	}
	p, err := h.plugin(name)
	if err != nil {
		return sdk.Output{}, err
	}
	a.HTTP = h.cfg.HTTP
	render := func(ctx context.Context) (out sdk.Output, err error) {
		began := time.Now()
		defer func() { h.metrics.rendered(name, time.Since(began), err) }()
		err = p.call(ctx, h.cfg.CallTimeout, func(ctx context.Context, c *sdk.Client) error {
			var err error
			out, err = c.Render(ctx, a)
			return err
		})
		if err == nil && out.HTML != nil {
			out, err = h.pluginHTML(ctx, name, out)
		}
		return out, err
	}
	meta := p.info().Meta
	if meta.Personal || meta.Kind != sdk.Scheduled || a.Push != nil {
		return render(ctx)
	}
	return h.shared.get(ctx, sharedKey(name, a), h.cfg.SharedFor, render)
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
