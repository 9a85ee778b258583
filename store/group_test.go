package store

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"

	"github.com/go-sql-driver/mysql"
)

// TestGroup: writes that arrive together commit together, each with its
// own outcome: a statement that fails is undone alone, a cancelled caller
// is told so, and a closed group takes nothing more.
func TestGroup(t *testing.T) {
	s, err := openSQLite(filepath.Join(t.TempDir(), "g.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	if _, err := s.db.ExecContext(ctx, `CREATE TABLE t (k INTEGER PRIMARY KEY, v INTEGER NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	if _, err := s.db.ExecContext(ctx, `INSERT INTO t (k, v) VALUES (-1, 1)`); err != nil {
		t.Fatal(err)
	}
	const writers = 200
	var wg sync.WaitGroup
	errs := make([]error, writers)
	for i := range writers {
		wg.Go(func() {
			// Every tenth is a duplicate key: it fails alone.
			k := i
			if i%10 == 9 {
				k = -1
			}
			_, errs[i] = s.exec(ctx, `INSERT INTO t (k, v) VALUES (?, ?)`, k, i)
		})
	}
	wg.Wait()
	for i, err := range errs {
		if dup := i%10 == 9; dup != (err != nil) || dup && !isDuplicate(err) {
			t.Errorf("write %d: %v", i, err)
		}
	}
	var n int
	if err := s.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM t`).Scan(&n); err != nil || n != 1+writers-writers/10 {
		t.Fatalf("%d rows, %v; want %d", n, err, 1+writers-writers/10)
	}
	tests := []struct {
		name  string
		ctx   func() context.Context
		query string
		want  int64
		err   error
	}{
		{"an update", func() context.Context { return ctx }, `UPDATE t SET v = v + 1 WHERE k BETWEEN 0 AND 9`, 9, nil},
		{"no row", func() context.Context { return ctx }, `UPDATE t SET v = 0 WHERE k = -2`, 0, nil},
		{"cancelled before", func() context.Context {
			c, cancel := context.WithCancel(ctx)
			cancel()
			return c
		}, `UPDATE t SET v = 0`, 0, context.Canceled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.exec(tt.ctx(), tt.query)
			if got != tt.want || !errors.Is(err, tt.err) {
				t.Fatalf("exec=%d, %v; want %d, %v", got, err, tt.want, tt.err)
			}
		})
	}
	var zeros int
	s.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM t WHERE v = 0`).Scan(&zeros)
	if zeros != 0 {
		t.Errorf("the cancelled write changed %d rows", zeros)
	}
	s.group.close()
	s.group = &group{quit: s.group.quit} // closed: takes nothing
	if _, err := s.group.exec(ctx, `UPDATE t SET v = 1`); !errors.Is(err, errClosed) {
		t.Errorf("after close: %v, want errClosed", err)
	}
	s.group = nil
}

// BenchmarkTransitions are deliveries marked sent by many dispatchers at
// once, as in the morning burst: grouped, SQLite commits once per batch.
func BenchmarkTransitions(b *testing.B) {
	s, err := openSQLite(filepath.Join(b.TempDir(), "g.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	if _, err := s.db.ExecContext(ctx, `CREATE TABLE t (k INTEGER PRIMARY KEY, v INTEGER NOT NULL)`); err != nil {
		b.Fatal(err)
	}
	for k := range 64 {
		s.db.ExecContext(ctx, `INSERT INTO t (k, v) VALUES (?, 0)`, k)
	}
	for _, grouped := range []bool{false, true} {
		name := "one commit each"
		if grouped {
			name = "grouped"
		}
		b.Run(name, func(b *testing.B) {
			b.SetParallelism(32)
			b.RunParallel(func(pb *testing.PB) {
				k := 0
				for pb.Next() {
					k = (k + 1) % 64
					var err error
					if grouped {
						_, err = s.exec(ctx, `UPDATE t SET v = v + 1 WHERE k = ?`, k)
					} else {
						_, err = s.db.ExecContext(ctx, `UPDATE t SET v = v + 1 WHERE k = ?`, k)
					}
					if err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

func TestIsDeadlock(t *testing.T) {
	tests := []struct {
		err  error
		want bool
	}{
		{&mysql.MySQLError{Number: 1213, Message: "Deadlock found when trying to get lock"}, true},
		{fmt.Errorf("store: delivery: %w", &mysql.MySQLError{Number: 1205}), true},
		{&mysql.MySQLError{Number: 1062}, false},
		{errors.New("database is locked"), false},
		{nil, false},
	}
	for _, tt := range tests {
		if got := isDeadlock(tt.err); got != tt.want {
			t.Errorf("isDeadlock(%v)=%v, want %v", tt.err, got, tt.want)
		}
	}
}
