package delivery

import (
	"container/heap"
	"time"
)

// dueHeap is the online printers whose dispatchers wait for a time (a
// retry's back-off, a print's not-before), soonest first: one heap and one
// timer for the whole queue, not a timer per printer. It is guarded by
// Queue.mu.
type dueHeap []*printer

func (h dueHeap) Len() int           { return len(h) }
func (h dueHeap) Less(i, j int) bool { return h[i].due.Before(h[j].due) }
func (h dueHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].at, h[j].at = i+1, j+1
}

func (h *dueHeap) Push(x any) {
	p := x.(*printer)
	*h = append(*h, p)
	p.at = len(*h)
}

func (h *dueHeap) Pop() any {
	old := *h
	p := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	p.at = 0
	return p
}

// schedule has the timer start p's dispatcher at t; q.mu is held.
func (q *Queue) schedule(p *printer, t time.Time) {
	p.due = t
	if p.at > 0 {
		heap.Fix(&q.due, p.at-1)
	} else {
		heap.Push(&q.due, p)
	}
	if p.at == 1 {
		// The soonest has changed: the timer waits for the wrong time.
		select {
		case q.rearm <- struct{}{}:
		default:
		}
	}
}

// unschedule takes p off the timer; q.mu is held.
func (q *Queue) unschedule(p *printer) {
	if p.at > 0 {
		heap.Remove(&q.due, p.at-1)
	}
}

// timer starts the dispatchers of printers whose time has come.
func (q *Queue) timer() {
	for {
		q.mu.Lock()
		now := q.cfg.Clock.Now()
		for len(q.due) > 0 && !q.due[0].due.After(now) {
			q.start(heap.Pop(&q.due).(*printer))
		}
		var fire <-chan time.Time
		if len(q.due) > 0 {
			fire = q.at(q.due[0].due)
		}
		q.mu.Unlock()
		select {
		case <-q.ctx.Done():
			return
		case <-q.rearm:
		case <-fire:
		}
	}
}

// at fires once the queue's clock shows t. A FakeClock is asked for that
// time itself, not a duration worked out from a Now read a moment before:
// a test that moves the clock in between would otherwise leave the timer
// waiting past t.
func (q *Queue) at(t time.Time) <-chan time.Time {
	if c, ok := q.cfg.Clock.(interface {
		At(time.Time) <-chan time.Time
	}); ok {
		return c.At(t)
	}
	return q.cfg.Clock.After(t.Sub(q.cfg.Clock.Now()))
}
