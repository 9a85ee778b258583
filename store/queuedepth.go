package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// QueueDepth is how many deliveries wait in an unfinished state, and when
// the oldest of them was made.
type QueueDepth struct {
	State  State
	Count  int
	Oldest time.Time // zero if there are none
}

// QueueDepths counts the unfinished deliveries, pending and sent, with the
// oldest of each: the depth of the queue, for the metrics. Both states are
// always in the answer, with a count of 0 if none waits. Finished
// deliveries are left out: the history holds months of them, and counting
// it would read it all at each scrape, where the unfinished ones are few
// and found through the (state, expires_at) index.
func (s *Store) QueueDepths(ctx context.Context) ([]QueueDepth, error) {
	out := []QueueDepth{{State: StatePending}, {State: StateSent}}
	rows, err := s.read.QueryContext(ctx, `SELECT state, COUNT(*), MIN(created_at) FROM deliveries WHERE state IN (?, ?) GROUP BY state`,
		StatePending, StateSent)
	if err != nil {
		return nil, fmt.Errorf("store: queue depths: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var st State
		var n int
		var oldest sql.NullInt64
		if err := rows.Scan(&st, &n, &oldest); err != nil {
			return nil, fmt.Errorf("store: queue depths: %w", err)
		}
		for i := range out {
			if out[i].State == st {
				out[i].Count, out[i].Oldest = n, millis(oldest)
			}
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: queue depths: %w", err)
	}
	return out, nil
}
