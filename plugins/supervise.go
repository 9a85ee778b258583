package plugins

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"

	"paperboy/sdk"
)

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

// whyExited is why a plugin whose process ended on its own is stopped: it
// crashed. The watcher and a call that finds the process gone say so in
// these words, and the call it died under says "it crashed: " and what
// gRPC said. Whichever notices first is the one failed records, so the
// reason must not hang on which it was.
const whyExited = "it crashed: the plugin process exited"

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
		p.failed(pub, whyExited)
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

// check restarts an exited plugin once its back-off has passed, and kills
// one over the memory limit.
func (p *proc) check(ctx context.Context) {
	p.mu.Lock()
	client, pub, pid, retryAt := p.client, p.pub, p.pid, p.retryAt
	p.mu.Unlock()
	switch {
	case client != nil && client.Exited():
		p.failed(pub, whyExited)
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
