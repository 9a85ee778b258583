package plugins

import (
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"paperboy/internal/metricstest"
	"paperboy/sdk"
)

func TestHost_Crashes(t *testing.T) {
	for _, o := range origins {
		t.Run(o.name, func(t *testing.T) {
			t.Parallel()
			h, logs := newHost(t, testConfig(t.TempDir()))
			o.add(t, h, "crashes")
			first := logs.pids("crashes")

			_, err := h.Render(t.Context(), "crashes", sdk.RenderArgs{Time: morning(t)})
			if pe := asError(t, err); !strings.Contains(pe.Msg, "crashed") {
				t.Fatalf("Render: %q, want it to say the plugin crashed", pe.Error())
			}
			waitGone(t, first...)
			// At once, the call is refused while the plugin restarts, or the
			// watcher has restarted it already.
			if err := h.Validate(t.Context(), "crashes", sdk.Config{}); err != nil {
				if pe := asError(t, err); !strings.Contains(pe.Msg, "restart") {
					t.Errorf("Validate just after the crash: %q, want success or a word on the restart", pe.Error())
				}
			}
			waitFor(t, "the watcher to restart crashes", func() bool { in := info(t, h, "crashes"); return in.Running && in.Restarts == 1 })
			if err := h.Validate(t.Context(), "crashes", sdk.Config{}); err != nil {
				t.Errorf("Validate after the restart: %v", err)
			}
			if in := info(t, h, "crashes"); !strings.Contains(in.LastError, "crashed") {
				t.Errorf("LastError %q, want it to say it crashed", in.LastError)
			}

			// Again: the restarts count up.
			if _, err := h.Render(t.Context(), "crashes", sdk.RenderArgs{Time: morning(t)}); err == nil {
				t.Fatal("the second Render did not fail")
			}
			waitFor(t, "the second restart", func() bool { in := info(t, h, "crashes"); return in.Running && in.Restarts == 2 })
			got := metricstest.Scrape(t, h)
			for name, want := range map[string]float64{
				`paperboy_plugin_restarts_total{publication="crashes"}`:       2,
				`paperboy_plugin_up{publication="crashes"}`:                   1,
				`paperboy_plugin_render_seconds_count{publication="crashes"}`: 2,
				`paperboy_plugin_render_errors_total{publication="crashes"}`:  2,
			} {
				if got[name] != want {
					t.Errorf("%s = %v, want %v", name, got[name], want)
				}
			}

			// The dying process's stderr was logged under the plugin's name.
			if n := len(logs.records(func(r record) bool {
				return r.str("msg") == "plugin says" && r.str("publication") == "crashes" && r.str("line") == "panic: boom"
			})); n != 2 {
				t.Errorf("%d log records of the panic, want 2; log:\n%s", n, logs)
			}
		})
	}
}

// TestHost_RestartBackoff replaces a plugin's binary with one that exits
// at start: its restarts fail, each waiting twice as long as the last, up
// to RestartMax, until a good binary is back.
func TestHost_RestartBackoff(t *testing.T) {
	cfg := testConfig(t.TempDir())
	h, logs := newHost(t, cfg)
	path := filepath.Join(cfg.Dir, "flaky")
	install(t, binary(t, "crashes"), path)
	add(t, h, path)

	install(t, binary(t, "exits"), path)
	if _, err := h.Render(t.Context(), "crashes", sdk.RenderArgs{Time: morning(t)}); err == nil {
		t.Fatal("Render did not fail")
	}
	stopped := func() []record { return logs.records(msg("plugin stopped; restarting", "flaky")) }
	waitFor(t, "five failures", func() bool { return len(stopped()) >= 5 })

	err := h.Validate(t.Context(), "crashes", sdk.Config{})
	if pe := asError(t, err); !strings.Contains(pe.Msg, "restarting after a failure") && !strings.Contains(pe.Msg, "did not start") {
		t.Errorf("Validate while it cannot start: %q, want it to say it is restarting", pe.Error())
	}
	if in := info(t, h, "crashes"); in.Running || in.Restarts != 0 || !strings.Contains(in.LastError, "did not start") {
		t.Errorf("while it cannot start: %+v, want not running, no restarts, and why", in)
	}
	recs := stopped()
	for i, r := range recs[:5] {
		want := min(cfg.RestartMin<<i, cfg.RestartMax)
		if got := time.Duration(r["in"].(float64)); got != want {
			t.Errorf("failure %d: restart in %v, want %v", i+1, got, want)
		}
		if got := int(r["failures_in_a_row"].(float64)); got != i+1 {
			t.Errorf("failure %d: %d failures in a row", i+1, got)
		}
		if why := r.str("why"); i > 0 && !strings.Contains(why, "did not start") {
			t.Errorf("failure %d: why %q", i+1, why)
		}
	}
	if n := len(logs.records(func(r record) bool {
		return r.str("plugin") == "flaky" && r.str("line") == "exits: cannot read my settings"
	})); n == 0 {
		t.Error("the failed starts' stderr is not in the log")
	}

	install(t, binary(t, "crashes"), path)
	waitFor(t, "a good restart", func() bool { in := info(t, h, "crashes"); return in.Running && in.Restarts == 1 })
	if err := h.Validate(t.Context(), "crashes", sdk.Config{}); err != nil {
		t.Errorf("Validate after the restart: %v", err)
	}
}

// TestHost_RenamedPlugin: a binary that comes back as another publication
// is not started in the first one's place.
func TestHost_RenamedPlugin(t *testing.T) {
	cfg := testConfig(t.TempDir())
	h, logs := newHost(t, cfg)
	path := filepath.Join(cfg.Dir, "plugin")
	install(t, binary(t, "crashes"), path)
	add(t, h, path)
	install(t, binary(t, "hello"), path)
	if _, err := h.Render(t.Context(), "crashes", sdk.RenderArgs{Time: morning(t)}); err == nil {
		t.Fatal("Render did not fail")
	}
	waitFor(t, "a refused restart", func() bool {
		return len(logs.records(func(r record) bool {
			return r.str("msg") == "plugin stopped; restarting" && strings.Contains(r.str("why"), `it was "crashes" and is now "hello"`)
		})) > 0
	})
	h.Close()
	waitGone(t, logs.pids("plugin")...)
	if in := info(t, h, "crashes"); in.Meta.Name != "crashes" || in.Restarts != 0 {
		t.Errorf("after a refused restart: %+v", in)
	}
}

// TestHost_ConcurrentRestart: calls that find a plugin down together
// start one process, not one each.
func TestHost_ConcurrentRestart(t *testing.T) {
	for _, o := range origins {
		t.Run(o.name, func(t *testing.T) {
			t.Parallel()
			cfg := testConfig(t.TempDir())
			cfg.CallTimeout = 2 * time.Second
			cfg.CheckEvery = time.Hour // no watcher: the calls restart it
			cfg.RestartMin = time.Millisecond
			h, logs := newHost(t, cfg)
			o.add(t, h, "hangs")
			if _, err := h.Render(t.Context(), "hangs", sdk.RenderArgs{Time: morning(t)}); err == nil {
				t.Fatal("Render did not fail")
			}

			const n = DefaultConcurrency
			errs := make([]error, n)
			var wg sync.WaitGroup
			for i := range n {
				wg.Go(func() { errs[i] = h.Validate(t.Context(), "hangs", sdk.Config{}) })
			}
			wg.Wait()
			for i, err := range errs {
				if err != nil {
					t.Errorf("call %d: %v", i, err)
				}
			}
			pids := logs.pids("hangs")
			if len(pids) != 2 {
				t.Errorf("processes started: %v, want the first and one restart", pids)
			}
			if in := info(t, h, "hangs"); in.Restarts != 1 {
				t.Errorf("%d restarts, want 1", in.Restarts)
			}
			h.Close()
			waitGone(t, pids...)
		})
	}
}

func TestHost_MemoryLimit(t *testing.T) {
	for _, o := range origins {
		t.Run(o.name, func(t *testing.T) {
			t.Parallel()
			cfg := testConfig(t.TempDir())
			cfg.MemoryLimitBytes = 1 << 20 // any Go program is larger
			h, logs := newHost(t, cfg)
			o.add(t, h, "hello")
			first := logs.pids("hello")
			waitFor(t, "the watcher to kill hello and restart it", func() bool { return info(t, h, "hello").Restarts >= 1 })
			waitGone(t, first...)
			recs := logs.records(msg("plugin stopped; restarting", "hello"))
			if len(recs) == 0 || !strings.Contains(recs[0].str("why"), "over the limit of 1 MB") {
				t.Errorf("why it was stopped: %v, want the memory limit", recs)
			}
			if in := info(t, h, "hello"); !strings.Contains(in.LastError, "over the limit") {
				t.Errorf("LastError %q, want the memory limit", in.LastError)
			}
		})
	}
}

// TestHost_ExitedIsACrash: a plugin whose process ends on its own crashed,
// in the same words whoever notices it first, the watcher or the next call.
// (Which one it was used to decide what LastError said: TestHost_Crashes
// failed under load when the watcher saw the exit before the call it died
// under had said so.)
func TestHost_ExitedIsACrash(t *testing.T) {
	tests := []struct {
		name    string
		watcher bool
	}{
		{"the watcher notices", true},
		{"the next call notices", false},
	}
	for _, o := range origins {
		for _, tt := range tests {
			t.Run(o.name+"/"+tt.name, func(t *testing.T) {
				t.Parallel()
				cfg := testConfig(t.TempDir())
				if !tt.watcher {
					cfg.CheckEvery = time.Hour
				}
				h, logs := newHost(t, cfg)
				o.add(t, h, "hello")
				first := logs.pids("hello")
				if len(first) != 1 {
					t.Fatalf("processes %v, want one", first)
				}
				if err := syscall.Kill(first[0], syscall.SIGKILL); err != nil {
					t.Fatal(err)
				}
				if tt.watcher {
					waitFor(t, "the watcher to restart hello", func() bool { in := info(t, h, "hello"); return in.Running && in.Restarts == 1 })
				} else {
					waitFor(t, "the host to see hello gone", func() bool { return !info(t, h, "hello").Running })
					err := h.Validate(t.Context(), "hello", sdk.Config{})
					if pe := asError(t, err); !strings.Contains(pe.Msg, "stopped unexpectedly") {
						t.Errorf("Validate: %q, want it to say the plugin stopped", pe.Error())
					}
				}
				if got := info(t, h, "hello").LastError; got != whyExited {
					t.Errorf("LastError %q, want %q", got, whyExited)
				}
			})
		}
	}
}

// TestProc_Backoff: each failure in a row waits twice as long as the one
// before, from RestartMin up to RestartMax; a failure of a process that
// was replaced already is not counted. In a synctest bubble time stands
// still, so the waits are exact.
func TestProc_Backoff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := &proc{h: &Host{cfg: Config{RestartMin: 50 * time.Millisecond, RestartMax: 400 * time.Millisecond}}, log: slog.New(slog.DiscardHandler)}
		for i, want := range []time.Duration{50, 100, 200, 400, 400, 400} {
			p.failed(nil, "it did not start")
			if got := time.Until(p.retryAt); got != want*time.Millisecond {
				t.Errorf("failure %d: a restart in %v, want %v", i+1, got, want*time.Millisecond)
			}
			if p.restarts != i+1 || p.lastError != "it did not start" {
				t.Errorf("failure %d: %d failures in a row, last error %q", i+1, p.restarts, p.lastError)
			}
		}
		p.pub = &sdk.Client{} // a new process runs
		p.failed(&sdk.Client{}, "an old process crashed")
		if p.restarts != 6 || p.lastError != "it did not start" || p.pub == nil {
			t.Errorf("an old process's failure counted: %d failures, last error %q", p.restarts, p.lastError)
		}
	})
}
