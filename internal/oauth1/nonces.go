package oauth1

import (
	"container/heap"
	"strconv"
	"sync"
	"time"
)

// DefaultMaxNonces is how many nonces a Nonces keeps when its Max is 0: a
// publication pushing once a second for the 20 minutes a timestamp is good
// for uses 1,200, so this is room for many busy publications, and at most
// a few tens of MB.
const DefaultMaxNonces = 100_000

// Nonces remembers the nonces of the requests Verify accepted, per consumer
// key, until their timestamp is too old to be accepted again, so that a
// request sent twice (replayed by whoever saw it) is refused the second
// time. It is bounded: when Max nonces are remembered and none has expired,
// Verify refuses new requests (503) rather than forget one that could then
// be replayed. The zero value is ready to use; it is safe for concurrent
// use. One Nonces is shared by every request a server verifies.
type Nonces struct {
	// Max is the most nonces remembered at once; 0 means DefaultMaxNonces.
	Max int

	mu   sync.Mutex
	seen map[string]time.Time // consumer key and nonce → when it expires
	exp  expiries             // the same, soonest expiry first
}

// nonceResult is what use says of a nonce.
type nonceResult int

const (
	nonceFresh nonceResult = iota // not seen before; now remembered
	nonceUsed                     // seen before: a replay
	nonceFull                     // no room to remember it
)

// use remembers consumerKey's nonce until expires, unless it is remembered
// already or there is no room; entries that expired before now are dropped
// first.
func (n *Nonces) use(consumerKey, nonce string, expires, now time.Time) nonceResult {
	// The key's length in front keeps ("ab", "c") and ("a", "bc") apart.
	key := strconv.Itoa(len(consumerKey)) + ":" + consumerKey + nonce
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.seen == nil {
		n.seen = map[string]time.Time{}
	}
	for len(n.exp) > 0 && n.exp[0].at.Before(now) {
		e := heap.Pop(&n.exp).(expiry)
		delete(n.seen, e.key)
	}
	if _, ok := n.seen[key]; ok {
		return nonceUsed
	}
	limit := n.Max
	if limit <= 0 {
		limit = DefaultMaxNonces
	}
	if len(n.seen) >= limit {
		return nonceFull
	}
	n.seen[key] = expires
	heap.Push(&n.exp, expiry{key, expires})
	return nonceFresh
}

// Len is how many nonces are remembered, expired ones not yet dropped
// included.
func (n *Nonces) Len() int {
	n.mu.Lock()
	defer n.mu.Unlock()
	return len(n.seen)
}

// expiry is one remembered nonce in the heap.
type expiry struct {
	key string
	at  time.Time
}

// expiries is a min-heap by expiry time (container/heap), so that dropping
// expired nonces costs only for those dropped.
type expiries []expiry

func (h expiries) Len() int           { return len(h) }
func (h expiries) Less(i, j int) bool { return h[i].at.Before(h[j].at) }
func (h expiries) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *expiries) Push(x any)        { *h = append(*h, x.(expiry)) }
func (h *expiries) Pop() any {
	old := *h
	e := old[len(old)-1]
	old[len(old)-1] = expiry{} // let the key's string go
	*h = old[:len(old)-1]
	return e
}
