package plugins

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"sync"
	"time"

	"paperboy/sdk"
)

// sharedKey names an edition shared by everyone with a config at a local
// moment (the wall clock of a.Time, to the minute): an edition of 07:00 is
// not one of 18:00.
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
	return name + "/" + a.Time.Format("2006-01-02T15:04") + "/" + hex.EncodeToString(hash.Sum(nil)[:12])
}

// sharedEditions holds editions rendered for everyone with a config on a
// moment; a second caller waits for the first one's render.
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
