package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
)

//go:embed migrations
var migrations embed.FS

// migration is one numbered file of one dialect.
type migration struct {
	version int
	name    string
	sql     string
}

// loadMigrations reads a dialect's files in version order. Both dialects
// must have the same numbers; a test checks it.
func loadMigrations(dialect string) ([]migration, error) {
	dir := "migrations/" + dialect
	entries, err := fs.ReadDir(migrations, dir)
	if err != nil {
		return nil, err
	}
	var out []migration
	for _, e := range entries {
		num, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || !strings.HasSuffix(e.Name(), ".sql") {
			return nil, fmt.Errorf("store: migration %s/%s is not named NNNN_what.sql", dir, e.Name())
		}
		b, err := fs.ReadFile(migrations, dir+"/"+e.Name())
		if err != nil {
			return nil, err
		}
		out = append(out, migration{version: v, name: e.Name(), sql: string(b)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	for i, m := range out {
		if m.version != i+1 {
			return nil, fmt.Errorf("store: migrations of %s: %s should be number %d", dialect, m.name, i+1)
		}
	}
	return out, nil
}

// SchemaVersion is the schema this binary knows.
func SchemaVersion() int {
	m, err := loadMigrations("sqlite")
	if err != nil {
		return 0
	}
	return len(m)
}

// Migrate applies the migrations the database lacks, each in its own
// transaction (MySQL commits each DDL statement itself, so there a failed
// migration may leave part of itself behind: it names the file). It refuses
// a database newer than the binary.
func (s *Store) Migrate(ctx context.Context) error {
	return s.migrate(ctx, -1)
}

// migrate applies the migrations up to version upTo, all of them if it is
// -1: tests make databases of an older schema with it.
func (s *Store) migrate(ctx context.Context, upTo int) error {
	ms, err := loadMigrations(s.dialect.name)
	if err != nil {
		return err
	}
	if upTo >= 0 && upTo < len(ms) {
		ms = ms[:upTo]
	}
	if _, err := s.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER NOT NULL PRIMARY KEY, name VARCHAR(255) NOT NULL, applied_at BIGINT NOT NULL)`); err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	// Instances started together on a new database migrate one at a time:
	// the others wait, then find the schema up to date.
	unlock, err := s.migrationLock(ctx)
	if err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	defer unlock()
	var current int
	if err := s.db.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&current); err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	if current > len(ms) && upTo < 0 {
		return fmt.Errorf("store: the database schema is version %d, newer than this paperboy knows (%d): run a newer paperboy", current, len(ms))
	}
	for _, m := range ms[min(current, len(ms)):] {
		err := s.inTx(ctx, func(tx *sql.Tx) error {
			// On SQLite the transaction holds the write lock from its start
			// (_txlock=immediate): another process may have applied this
			// one since the version was read.
			var done int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE version = ?`, m.version).Scan(&done); err != nil || done > 0 {
				return err
			}
			for _, stmt := range statements(m.sql) {
				if _, err := tx.ExecContext(ctx, stmt); err != nil {
					return fmt.Errorf("%w in: %.80s", err, stmt)
				}
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`, m.version, m.name, s.now())
			return err
		})
		if err != nil {
			return fmt.Errorf("store: migration %s/%s: %w", s.dialect.name, m.name, err)
		}
	}
	return nil
}

// statements splits a migration into statements: each ends with a semicolon
// at the end of a line. Lines starting with -- are comments.
func statements(file string) []string {
	var out []string
	var cur strings.Builder
	for line := range strings.Lines(file) {
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "--") || trimmed == "" {
			continue
		}
		cur.WriteString(line)
		if strings.HasSuffix(trimmed, ";") {
			out = append(out, strings.TrimSuffix(strings.TrimSpace(cur.String()), ";"))
			cur.Reset()
		}
	}
	if s := strings.TrimSpace(cur.String()); s != "" {
		out = append(out, s)
	}
	return out
}

// migrationLock keeps other instances from migrating until unlock: on
// MySQL a named lock held by one connection (DDL commits itself, so a
// transaction cannot), waited for up to two minutes; on SQLite nothing,
// each migration's transaction holding the database's write lock.
func (s *Store) migrationLock(ctx context.Context) (unlock func(), err error) {
	if s.dialect.name != "mysql" {
		return func() {}, nil
	}
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	var got sql.NullInt64
	if err := conn.QueryRowContext(ctx, `SELECT GET_LOCK(CONCAT('paperboy_migrate.', DATABASE()), 120)`).Scan(&got); err != nil || got.Int64 != 1 {
		conn.Close()
		if err == nil {
			err = errors.New("another instance has been migrating the database for two minutes: is it stuck?")
		}
		return nil, err
	}
	return func() {
		conn.ExecContext(context.WithoutCancel(ctx), `DO RELEASE_LOCK(CONCAT('paperboy_migrate.', DATABASE()))`)
		conn.Close()
	}, nil
}
