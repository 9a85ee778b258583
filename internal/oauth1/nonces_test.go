package oauth1

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"
)

func TestNoncesExpire(t *testing.T) {
	var n Nonces
	t0 := time.Unix(1384000000, 0)
	for _, tc := range []struct {
		ck, nonce string
		expires   time.Time
		now       time.Time
		want      nonceResult
	}{
		{"a", "x", t0.Add(time.Minute), t0, nonceFresh},
		{"a", "x", t0.Add(time.Minute), t0, nonceUsed},
		{"b", "x", t0.Add(time.Minute), t0, nonceFresh},                     // another key
		{"", "ax", t0.Add(time.Minute), t0, nonceFresh},                     // not "a"+"x"
		{"a", "x", t0.Add(2 * time.Minute), t0.Add(time.Minute), nonceUsed}, // expires at, not before
		{"a", "x", t0.Add(3 * time.Minute), t0.Add(time.Minute + 1), nonceFresh},
	} {
		if got := n.use(tc.ck, tc.nonce, tc.expires, tc.now); got != tc.want {
			t.Errorf("use(%q, %q, %v) at %v = %v, want %v", tc.ck, tc.nonce, tc.expires.Sub(t0), tc.now.Sub(t0), got, tc.want)
		}
	}
	// b/x and /ax were dropped with the first a/x.
	if n.Len() != 1 {
		t.Errorf("Len = %d, want 1", n.Len())
	}
}

// Full, Nonces refuses rather than forget a nonce that could be replayed;
// once some expire there is room again.
func TestNoncesBounded(t *testing.T) {
	n := Nonces{Max: 3}
	t0 := time.Unix(1384000000, 0)
	for i := range 3 {
		if got := n.use("k", fmt.Sprint(i), t0.Add(time.Duration(i+1)*time.Minute), t0); got != nonceFresh {
			t.Fatalf("nonce %d: %v", i, got)
		}
	}
	if got := n.use("k", "3", t0.Add(time.Hour), t0); got != nonceFull {
		t.Fatalf("a 4th nonce: %v, want full", got)
	}
	if got := n.use("k", "3", t0.Add(time.Hour), t0.Add(90*time.Second)); got != nonceFresh {
		t.Fatalf("once one expired: %v", got)
	}
	if n.Len() != 3 {
		t.Errorf("Len = %d, want 3", n.Len())
	}

	// And Verify says so with a 503.
	v := &Verifier{Lookup: vectorLookup, Nonces: &Nonces{Max: 1}}
	for i, want := range []int{0, 503} {
		p := goodPush().signed(vectorCredentials, fmt.Sprint("n", i))
		_, err := v.Verify(p.request(), []byte(p.body), p.now)
		var e *Error
		if want == 0 && err != nil || want != 0 && (!errors.As(err, &e) || e.Status != want) {
			t.Errorf("request %d: %v, want status %d", i, err, want)
		}
	}
}

// Many requests at once, each nonce sent twice: exactly one of each pair
// is accepted. Run with -race.
func TestNoncesConcurrent(t *testing.T) {
	var n Nonces
	t0 := time.Unix(1384000000, 0)
	var wg sync.WaitGroup
	var mu sync.Mutex
	fresh := map[string]int{}
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 500 {
				nonce := fmt.Sprint((g/2)*1000 + i) // goroutines 2k and 2k+1 share nonces
				if n.use("k", nonce, t0.Add(time.Minute), t0) == nonceFresh {
					mu.Lock()
					fresh[nonce]++
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	if len(fresh) != 2000 {
		t.Errorf("%d nonces accepted, want 2000", len(fresh))
	}
	for nonce, k := range fresh {
		if k != 1 {
			t.Errorf("nonce %s accepted %d times", nonce, k)
		}
	}
}
