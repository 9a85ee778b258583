package plugins

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"paperboy/sdk"
)

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
