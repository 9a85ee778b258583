package plugins

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"paperboy/sdk"
)

func TestHost_Panics(t *testing.T) {
	for _, o := range origins {
		t.Run(o.name, func(t *testing.T) {
			t.Parallel()
			h, logs := newHost(t, testConfig(t.TempDir()))
			o.add(t, h, "panics")
			for i := range 2 {
				_, err := h.Render(t.Context(), "panics", sdk.RenderArgs{Time: morning(t)})
				pe := asError(t, err)
				if pe.Publication != "panics" || !strings.Contains(pe.Msg, "the publication crashed") || !strings.Contains(pe.Msg, "nil map") {
					t.Errorf("Render %d: %q, want it to say the publication crashed, and why", i, pe.Error())
				}
				if strings.Contains(pe.Msg, "goroutine") {
					t.Errorf("Render %d: the message has the stack: %q", i, pe.Msg)
				}
			}
			// The process lives on and serves the next call.
			if err := h.Validate(t.Context(), "panics", sdk.Config{}); err != nil {
				t.Errorf("Validate after the panics: %v", err)
			}
			if in := info(t, h, "panics"); !in.Running || in.Restarts != 0 {
				t.Errorf("after panics: %+v, want running and no restarts", in)
			}
			if n := len(logs.records(msg("publication panicked", "panics"))); n != 2 {
				t.Errorf("%d records of the panic with its stack, want 2", n)
			}
		})
	}
}

func TestHost_Hangs(t *testing.T) {
	for _, o := range origins {
		t.Run(o.name, func(t *testing.T) {
			t.Parallel()
			cfg := testConfig(t.TempDir())
			cfg.CallTimeout = time.Second
			h, logs := newHost(t, cfg)
			o.add(t, h, "hangs")
			first := logs.pids("hangs")

			done := make(chan error, 1)
			go func() {
				_, err := h.Render(context.Background(), "hangs", sdk.RenderArgs{Time: morning(t)})
				done <- err
			}()
			var err error
			select {
			case err = <-done:
			case <-time.After(30 * time.Second):
				t.Fatal("Render of a hanging plugin did not return")
			}
			if pe := asError(t, err); pe.Publication != "hangs" || !strings.Contains(pe.Msg, "did not answer within 1s") {
				t.Errorf("Render: %q, want it to say the plugin did not answer in time", pe.Error())
			}
			waitGone(t, first...)
			waitFor(t, "hangs to restart", func() bool { in := info(t, h, "hangs"); return in.Running && in.Restarts == 1 })
			if err := h.Validate(t.Context(), "hangs", sdk.Config{}); err != nil {
				t.Errorf("Validate after the restart: %v", err)
			}
		})
	}
}

// TestHost_CancelledCall: a caller that gives up is answered at once, and
// the plugin is not blamed.
func TestHost_CancelledCall(t *testing.T) {
	for _, o := range origins {
		t.Run(o.name, func(t *testing.T) {
			t.Parallel()
			h, _ := newHost(t, testConfig(t.TempDir()))
			o.add(t, h, "hangs")
			ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
			defer cancel()
			_, err := h.Render(ctx, "hangs", sdk.RenderArgs{Time: morning(t)})
			if pe := asError(t, err); !strings.Contains(pe.Msg, "cancelled") || !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("Render: %q, want cancelled", pe.Error())
			}
			if in := info(t, h, "hangs"); !in.Running || in.Restarts != 0 || in.LastError != "" {
				t.Errorf("after a cancelled call: %+v, want it running, not blamed", in)
			}
		})
	}
}
