package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
)

// ErrExhausted is returned when the 32-bit command ids are used up.
var ErrExhausted = errors.New("command ids exhausted")

// ReserveCommandIDs hands out n command ids no one has had: first to
// first+n-1. They are never 0 and never handed out again, across restarts
// and across instances sharing the database.
func (s *Store) ReserveCommandIDs(ctx context.Context, n int) (first uint32, err error) {
	if n <= 0 {
		return 0, fmt.Errorf("store: reserve %d command ids", n)
	}
	var last int64
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE counters SET value = value + ? WHERE name = 'command_id'`, n); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, `SELECT value FROM counters WHERE name = 'command_id'`).Scan(&last)
	})
	if err != nil {
		return 0, fmt.Errorf("store: reserve command ids: %w", err)
	}
	if last > math.MaxUint32 {
		return 0, fmt.Errorf("store: %w", ErrExhausted)
	}
	return uint32(last - int64(n) + 1), nil
}
