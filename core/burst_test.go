package core_test

import (
	"context"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"paperboy/core"
	"paperboy/internal/storetest"
	"paperboy/scheduler"
	"paperboy/store"
	"paperboy/virtual"
)

// TestSchedulerBurst is the 08:00 crowd: 10,000 subscriptions on 1,000
// virtual printers (each its own bridge) all due at the same minute, half
// of them to hello (personal: one render each) and half to puzzle (the
// same for everyone: one render). Every edition must be delivered and
// acknowledged; the test reports the time from that minute to the last
// acknowledgement. It takes a few minutes, so it runs only when
// PAPERBOY_BURST is set:
//
//	PAPERBOY_BURST=1 go test ./core -run TestSchedulerBurst -v -timeout 30m
func TestSchedulerBurst(t *testing.T) {
	if os.Getenv("PAPERBOY_BURST") == "" {
		t.Skip("the burst test takes minutes: set PAPERBOY_BURST=1 to run it")
	}
	const printers, perPrinter = 1000, 10
	for _, kind := range storetest.Kinds {
		t.Run(kind, func(t *testing.T) {
			st := storetest.Open(t, kind)
			// A thousand bridges, all from here: no cap on connections.
			srv := startServer(t, core.Config{PrintsPerMinute: 1 << 30, HTTP: core.HTTPConfig{MaxConnsPerAddress: -1}}, st,
				withPublications(pluginHost(t, "hello", "puzzle")), withScheduler(scheduler.Config{Tick: time.Second, Lead: 3 * time.Minute}))
			ctx, cancel := context.WithCancel(t.Context())
			var wg sync.WaitGroup
			defer wg.Wait()
			defer cancel()

			var printed atomic.Int64
			var mu sync.Mutex
			var last time.Time
			u, err := st.CreateUser(ctx, "crowd@example.com")
			if err != nil {
				t.Fatal(err)
			}
			began := time.Now()
			var ids []int64
			for range printers {
				b, err := virtual.New(virtual.Config{URL: "ws://" + srv.Addr() + "/api/v1/connection", Paired: true, AutoPress: true,
					OnPrint: func(virtual.Print) {
						printed.Add(1)
						mu.Lock()
						last = time.Now()
						mu.Unlock()
					}})
				if err != nil {
					t.Fatal(err)
				}
				d := b.Devices()[0]
				if err := st.DeviceSeen(ctx, d.Address.String(), d.Address.HardwareXor(), b.Address().String()); err != nil {
					t.Fatal(err)
				}
				p, err := st.Claim(ctx, store.Claim{UserID: u.ID, HardwareXor: d.ClaimCode.HardwareXor, Secret: d.ClaimCode.Secret})
				if err != nil {
					t.Fatal(err)
				}
				ids = append(ids, p.ID)
				wg.Go(func() { b.Run(ctx) })
			}
			// The minute after next, so that everything is set up first.
			due := time.Now().UTC().Truncate(time.Minute).Add(2 * time.Minute)
			for i, id := range ids {
				for j := range perPrinter {
					pub := "hello"
					cfg := map[string]string{"name": "reader"}
					if (i+j)%2 == 1 {
						pub, cfg = "puzzle", map[string]string{"difficulty": "easy"}
					}
					if _, err := st.CreateSubscription(ctx, store.NewSubscription{PrinterID: id, Publication: pub, Config: cfg,
						Schedule: fmt.Sprintf("%d %d * * *", due.Minute(), due.Hour()), Mode: store.ModeNow}); err != nil {
						t.Fatal(err)
					}
				}
			}
			if time.Now().After(due.Add(-5 * time.Second)) {
				t.Fatalf("setting up took until %s, too close to the minute they are due at", time.Now().Format("15:04:05"))
			}
			t.Logf("%s: %d printers and %d subscriptions set up in %v; due at %s", kind, printers, printers*perPrinter,
				time.Since(began).Round(time.Millisecond), due.Format("15:04:05"))

			total := int64(printers * perPrinter)
			deadline := due.Add(10 * time.Minute)
			for printed.Load() < total {
				if time.Now().After(deadline) {
					pending, _ := st.CountDeliveries(ctx, store.StatePending)
					failed, _ := st.CountDeliveries(ctx, store.StateFailed)
					t.Fatalf("%d of %d printed 10 minutes after the minute (%d pending, %d failed)", printed.Load(), total, pending, failed)
				}
				time.Sleep(100 * time.Millisecond)
			}
			mu.Lock()
			took := last.Sub(due)
			mu.Unlock()
			eventuallyFor(t, time.Minute, "every delivery printed in the store", func() bool {
				n, err := st.CountDeliveries(ctx, store.StatePrinted)
				return err == nil && n == int(total)
			})
			t.Logf("%s: %d editions due at %s, the last acknowledged %v after it", kind, total, due.Format("15:04"), took.Round(time.Millisecond))
		})
	}
}

// eventuallyFor polls cond until it holds or d passes.
func eventuallyFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, d)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
