package store_test

import (
	"context"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"paperboy/internal/storetest"
	"paperboy/scheduler"
	"paperboy/store"
)

// BenchmarkTick_NothingDue is a scheduler tick over a million active
// subscriptions of which none is due: one read of the due index. (It lives
// here for the store's bulk insert.) The target is under 5 ms.
//
//	go test ./store -run x -bench Tick_NothingDue -benchtime 200x
func BenchmarkTick_NothingDue(b *testing.B) {
	const subs = 1_000_000
	for _, kind := range storetest.Kinds {
		b.Run(kind, func(b *testing.B) {
			ctx := context.Background()
			st := storetest.Open(b, kind)
			u, err := st.CreateUser(ctx, "bench@example.com")
			if err != nil {
				b.Fatal(err)
			}
			p, err := st.Claim(ctx, store.Claim{UserID: u.ID, HardwareXor: 1, Secret: 2})
			if err != nil {
				b.Fatal(err)
			}
			now := time.Date(2026, 12, 6, 6, 0, 0, 0, time.UTC)
			// Due over the next day, one every 86 ms: none within the lead
			// of a tick at now.
			began := time.Now()
			const batch = 100_000
			for from := 0; from < subs; from += batch {
				// 100,000 rows from five tables of ten digits, in both
				// dialects (MariaDB bounds recursive ones).
				q := fmt.Sprintf(`INSERT INTO subscriptions (printer_id, publication, config, schedule, mode, created_at, next_at)
					WITH d(i) AS (SELECT 0 UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4
						UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9)
					SELECT %d, 'news', '{}', '0 8 * * *', 'now', 0, %d + (a.i + 10*b.i + 100*c.i + 1000*e.i + 10000*f.i) * 86
					FROM d a, d b, d c, d e, d f`,
					p.ID, now.Add(time.Hour).UnixMilli()+int64(from)*86)
				if err := st.ExecForTest(ctx, q); err != nil {
					b.Fatal(err)
				}
			}
			b.Logf("%s: %d subscriptions in %v", kind, subs, time.Since(began).Round(time.Millisecond))
			s := scheduler.New(st, nil, nil, scheduler.Config{Clock: fixedClock(now), Lead: 5 * time.Minute}, slog.New(slog.DiscardHandler))
			if due, err := st.DueSubscriptions(ctx, now.Add(5*time.Minute), store.Subscription{}, 10); err != nil || len(due) != 0 {
				b.Fatalf("due: %d, %v; want none", len(due), err)
			}
			b.ResetTimer()
			for b.Loop() {
				if err := s.Tick(ctx); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// fixedClock is a clock that stays at one time.
type fixedClock time.Time

func (c fixedClock) Now() time.Time                         { return time.Time(c) }
func (c fixedClock) After(d time.Duration) <-chan time.Time { return time.After(d) }
