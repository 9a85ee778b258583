package delivery_test

import (
	"fmt"
	"log/slog"
	"runtime"
	"testing"
	"time"

	"paperboy/codec"
	"paperboy/delivery"
	"paperboy/internal/storetest"
	"paperboy/sdk"
	"paperboy/store"
)

// BenchmarkEnqueue measures storing deliveries: one a transaction, and
// batches of 100 in one, spread over 1,000 printers, with a text print's
// payload. deliveries/s is the figure.
func BenchmarkEnqueue(b *testing.B) {
	img, err := sdk.RenderText("Good morning! Today: sunny, 18°C.", sdk.TextOptions{})
	if err != nil {
		b.Fatal(err)
	}
	payload, err := codec.EncodePayload(codec.SetDelivery, 0, codec.Rasterize(img, codec.Threshold))
	if err != nil {
		b.Fatal(err)
	}
	for _, kind := range storetest.Kinds {
		b.Run(kind, func(b *testing.B) {
			s := storetest.Open(b, kind)
			u, _ := s.CreateUser(b.Context(), "bench@example.com")
			printers := make([]int64, 1000)
			for i := range printers {
				p, err := s.Claim(b.Context(), store.Claim{UserID: u.ID, HardwareXor: uint32(i), Secret: 1})
				if err != nil {
					b.Fatal(err)
				}
				printers[i] = p.ID
			}
			q := delivery.New(s, delivery.Config{MaxPending: 1 << 30}, slog.New(slog.DiscardHandler))
			defer q.Close()
			for _, batch := range []int{1, 100} {
				b.Run(fmt.Sprintf("batch%d", batch), func(b *testing.B) {
					b.SetBytes(int64(len(payload) * batch))
					n := 0
					for b.Loop() {
						ns := make([]store.NewDelivery, batch)
						for i := range ns {
							ns[i] = store.NewDelivery{PrinterID: printers[n%len(printers)], Kind: "edition", Command: uint16(codec.SetDelivery), Payload: payload}
							n++
						}
						var err error
						if batch == 1 {
							_, err = q.Enqueue(b.Context(), ns[0])
						} else {
							_, err = q.EnqueueBatch(b.Context(), ns)
						}
						if err != nil {
							b.Fatal(err)
						}
					}
					b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "deliveries/s")
				})
			}
		})
	}
}

// BenchmarkOnlineIdle measures what the queue holds for an online printer
// with nothing to print: 10,000 printers come online on an empty queue and,
// once their dispatchers have looked in the store and found nothing, the
// heap and stacks grown since, and the goroutines started, are divided by
// them. bytes/printer (heap and stacks; heap-bytes/printer is the steadier
// part) and goroutines/printer are the figures.
func BenchmarkOnlineIdle(b *testing.B) {
	const printers = 10_000
	s := storetest.Open(b, "sqlite")
	// One round first, not measured, so that the store's connections and
	// the runtime's caches have grown before the one that is.
	round := func(measure bool) {
		clock := delivery.NewFakeClock(time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC))
		q := delivery.New(s, delivery.Config{Clock: clock}, slog.New(slog.DiscardHandler))
		defer q.Close()
		bridge := newFakeBridge()
		heap0, stacks0 := heapAndStacks()
		goroutines := runtime.NumGoroutine()
		for p := range int64(printers) {
			q.Online(p+1, delivery.Target{Bridge: 1, Device: codec.Address(p + 1), Sender: bridge})
		}
		settle(b, q, clock, printers)
		heap1, stacks1 := heapAndStacks()
		if measure {
			b.ReportMetric(float64(heap1-heap0+stacks1-stacks0)/printers, "bytes/printer")
			b.ReportMetric(float64(heap1-heap0)/printers, "heap-bytes/printer")
			b.ReportMetric(float64(runtime.NumGoroutine()-goroutines)/printers, "goroutines/printer")
		}
	}
	round(false)
	for b.Loop() {
		round(true)
	}
}

// heapAndStacks is the memory live in the heap and in goroutine stacks,
// after a collection. Stacks are the noisier: those of goroutines that
// ended are kept a while for the next ones.
func heapAndStacks() (heap, stacks int64) {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapAlloc), int64(m.StackInuse)
}

// settle waits until no dispatcher runs: each has looked in the store,
// found nothing and stopped. A benchmark may poll; a test may not.
func settle(b *testing.B, q *delivery.Queue, _ *delivery.FakeClock, _ int) {
	for q.Dispatching() > 0 {
		time.Sleep(time.Millisecond)
	}
}
