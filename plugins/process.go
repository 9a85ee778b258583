package plugins

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os/exec"
	"path/filepath"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"

	"paperboy/sdk"
)

// origin is where a plugin's process comes from: a binary of the plugins
// folder, or the server's own binary serving a built-in.
type origin struct {
	path    string
	argv    []string // the command line, if not just path
	builtin string   // the built-in's name, or ""
}

// name is what the log calls the plugin: its binary's name, or the
// built-in's.
func (o origin) name() string {
	if o.builtin != "" {
		return o.builtin
	}
	return filepath.Base(o.path)
}

func (o origin) String() string {
	if o.builtin != "" {
		return "built-in"
	}
	return o.path
}

// proc is one plugin process and its restarts.
type proc struct {
	h      *Host
	origin origin
	sem    chan struct{}
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
	return Info{Meta: p.meta, Path: p.origin.path, Builtin: p.origin.builtin != "", Running: p.client != nil && !p.client.Exited(), Restarts: p.total, LastError: p.lastError}
}

func (p *proc) logger() *slog.Logger {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.log
}

// start runs the binary and reads its Meta.
func (p *proc) start(ctx context.Context) error {
	cmd := exec.Command(p.origin.path)
	if len(p.origin.argv) > 0 {
		cmd.Args = p.origin.argv
	}
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
		return fmt.Errorf("start %s: %w", p.origin.name(), err)
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
		return fmt.Errorf("start %s: it was %q and is now %q", p.origin.name(), p.meta.Name, meta.Name)
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
