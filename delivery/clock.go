package delivery

import (
	"context"
	"sort"
	"sync"
	"time"
)

// Clock is time as the queue, the scheduler and the server see it: the
// system's (RealClock), or a FakeClock in tests.
type Clock interface {
	Now() time.Time
	// After sends the time on the channel once d has passed.
	After(d time.Duration) <-chan time.Time
}

type realClock struct{}

func (realClock) Now() time.Time                         { return time.Now() }
func (realClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

// RealClock is the system's clock.
var RealClock Clock = realClock{}

// FakeClock is a clock for tests: it stands still until told to move. It is
// safe for concurrent use.
type FakeClock struct {
	mu      sync.Mutex
	now     time.Time
	waiters []fakeWaiter
	changed chan struct{} // closed when waiters change
}

type fakeWaiter struct {
	at time.Time
	c  chan time.Time
}

// NewFakeClock is a fake clock showing t.
func NewFakeClock(t time.Time) *FakeClock { return &FakeClock{now: t, changed: make(chan struct{})} }

// Now is the time the clock shows.
func (c *FakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// After fires once the clock is moved d on.
func (c *FakeClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := make(chan time.Time, 1)
	if d <= 0 {
		ch <- c.now
		return ch
	}
	c.waiters = append(c.waiters, fakeWaiter{at: c.now.Add(d), c: ch})
	c.notify()
	return ch
}

// At fires once the clock shows t or later.
func (c *FakeClock) At(t time.Time) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := make(chan time.Time, 1)
	if !t.After(c.now) {
		ch <- c.now
		return ch
	}
	c.waiters = append(c.waiters, fakeWaiter{at: t, c: ch})
	c.notify()
	return ch
}

// Set moves the clock to t (forwards or back) and fires the waiters due by
// then.
func (c *FakeClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
	sort.Slice(c.waiters, func(i, j int) bool { return c.waiters[i].at.Before(c.waiters[j].at) })
	n := 0
	for n < len(c.waiters) && !c.waiters[n].at.After(t) {
		c.waiters[n].c <- t
		n++
	}
	if n > 0 {
		c.waiters = append(c.waiters[:0], c.waiters[n:]...)
		c.notify()
	}
}

// Advance moves the clock d on.
func (c *FakeClock) Advance(d time.Duration) { c.Set(c.Now().Add(d)) }

// BlockUntil waits until n callers wait on After: a loop that waits again
// has finished what the last move woke it for.
func (c *FakeClock) BlockUntil(ctx context.Context, n int) error {
	for {
		c.mu.Lock()
		ok, changed := len(c.waiters) >= n, c.changed
		c.mu.Unlock()
		if ok {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// notify wakes BlockUntil; c.mu is held.
func (c *FakeClock) notify() {
	close(c.changed)
	c.changed = make(chan struct{})
}
