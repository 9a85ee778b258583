package delivery_test

import (
	"testing"
	"time"

	"paperboy/codec"
	"paperboy/delivery"
	"paperboy/internal/metricstest"
	"paperboy/internal/storetest"
	"paperboy/store"
)

// TestQueue_Metrics: a print's stages are timed on the queue's clock, and
// the queue's depth is read from the store, at most once in 5 s.
func TestQueue_Metrics(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		clock := delivery.NewFakeClock(time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC))
		s.Now = clock.Now
		cfg := fast
		cfg.Clock = clock
		f := newFixture(t, s, cfg)
		id := f.enqueue(t, 1, codec.SetDeliveryAndPrint)
		clock.Advance(time.Minute)
		f.enqueue(t, 2, codec.SetDeliveryAndPrint)
		got := metricstest.Scrape(t, f.queue)
		for name, want := range map[string]float64{
			`paperboy_delivery_queue_depth{state="pending"}`:                  2,
			`paperboy_delivery_queue_depth{state="sent"}`:                     0,
			`paperboy_delivery_queue_oldest_age_seconds{state="pending"}`:     60,
			`paperboy_delivery_queue_oldest_age_seconds{state="sent"}`:        0,
			`paperboy_delivery_latency_seconds_count{stage="queued_to_sent"}`: 0,
		} {
			if got[name] != want {
				t.Errorf("before the send: %s = %v, want %v", name, got[name], want)
			}
		}
		f.enqueue(t, 3, codec.SetDeliveryAndPrint)
		if n := metricstest.Scrape(t, f.queue)[`paperboy_delivery_queue_depth{state="pending"}`]; n != 2 {
			t.Errorf("read again at once: %v pending, want the 2 read before", n)
		}

		clock.Advance(2 * time.Second)
		f.online()
		c := f.bridge.next(t)
		f.state(t, id, store.StateSent)
		clock.Advance(3 * time.Second)
		f.answer(t, c, codec.ReturnSuccess)
		f.printed(t, c)
		waitFor := func(name string, want float64) {
			t.Helper()
			deadline := time.Now().Add(10 * time.Second)
			for metricstest.Scrape(t, f.queue)[name] != want {
				if time.Now().After(deadline) {
					t.Fatalf("%s is not %v within 10 s", name, want)
				}
				time.Sleep(10 * time.Millisecond)
			}
		}
		// The first print took 62 s to be sent, 3 to print; the second went
		// out once it had printed, 5 s after it was due.
		waitFor(`paperboy_delivery_latency_seconds_count{stage="queued_to_sent"}`, 2)
		clock.Advance(5 * time.Second) // the depth is read again
		got = metricstest.Scrape(t, f.queue)
		for name, want := range map[string]float64{
			`paperboy_delivery_latency_seconds_sum{stage="queued_to_sent"}`:    62 + 5,
			`paperboy_delivery_latency_seconds_count{stage="sent_to_printed"}`: 1,
			`paperboy_delivery_latency_seconds_sum{stage="sent_to_printed"}`:   3,
			`paperboy_delivery_latency_seconds_sum{stage="queued_to_printed"}`: 65,
			`paperboy_delivery_queue_depth{state="pending"}`:                   1, // read again: 5 s passed
			`paperboy_delivery_queue_depth{state="sent"}`:                      1,
			`paperboy_delivery_queue_oldest_age_seconds{state="sent"}`:         10,
		} {
			if got[name] != want {
				t.Errorf("after the print: %s = %v, want %v", name, got[name], want)
			}
		}
	})
}
