package core

import (
	"sync"
	"time"
)

// rateLimiter is a token bucket per key: n tokens a period, a burst of n.
type rateLimiter struct {
	n      float64
	period time.Duration
	mu     sync.Mutex
	bucket map[int64]*bucket
}

type bucket struct {
	tokens float64
	last   time.Time
}

func newRateLimiter(n int, period time.Duration) *rateLimiter {
	return &rateLimiter{n: float64(n), period: period, bucket: map[int64]*bucket{}}
}

// allow takes a token for key if there is one.
func (l *rateLimiter) allow(key int64, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.bucket[key]
	if b == nil {
		b = &bucket{tokens: l.n, last: now}
		l.bucket[key] = b
	}
	b.tokens = min(l.n, b.tokens+now.Sub(b.last).Seconds()*l.n/l.period.Seconds())
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}
