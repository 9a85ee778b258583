package core

import (
	"sync"
	"time"
)

// maxBuckets is how many keys a limiter holds before it forgets the full
// ones: keys such as emails and addresses come from anyone.
const maxBuckets = 10000

// rateLimiter is a token bucket per key: n tokens a period, a burst of n.
type rateLimiter[K comparable] struct {
	n      float64
	period time.Duration
	mu     sync.Mutex
	bucket map[K]*bucket
}

type bucket struct {
	tokens float64
	last   time.Time
}

func newRateLimiter[K comparable](n int, period time.Duration) *rateLimiter[K] {
	return &rateLimiter[K]{n: float64(n), period: period, bucket: map[K]*bucket{}}
}

// allow takes a token for key if there is one.
func (l *rateLimiter[K]) allow(key K, now time.Time) bool {
	ok, _ := l.take(key, now)
	return ok
}

// take takes a token for key if there is one; if not, it says how long
// until there is.
func (l *rateLimiter[K]) take(key K, now time.Time) (bool, time.Duration) {
	return l.takeN(key, l.n, now)
}

// takeN is take for a key whose bucket holds n, not the limiter's own:
// each print key has a limit of its own.
func (l *rateLimiter[K]) takeN(key K, n float64, now time.Time) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.bucket[key]
	if b == nil {
		if len(l.bucket) >= maxBuckets {
			l.forgetFull(now)
		}
		b = &bucket{tokens: n, last: now}
		l.bucket[key] = b
	}
	ok, wait := b.take(n, l.period, now)
	return ok, (wait + time.Second - 1).Truncate(time.Second)
}

// take takes a token from a bucket that holds n and fills with n a period,
// if there is one; if not, it says how long until there is. The zero
// bucket is empty.
func (b *bucket) take(n float64, period time.Duration, now time.Time) (bool, time.Duration) {
	b.tokens = min(n, b.tokens+now.Sub(b.last).Seconds()*n/period.Seconds())
	b.last = now
	if b.tokens < 1 {
		return false, time.Duration((1 - b.tokens) * float64(period) / n)
	}
	b.tokens--
	return true, 0
}

// forgetFull drops the buckets that have filled up again: forgetting them
// changes nothing.
func (l *rateLimiter[K]) forgetFull(now time.Time) {
	for k, b := range l.bucket {
		if now.Sub(b.last) >= l.period {
			delete(l.bucket, k)
		}
	}
}
