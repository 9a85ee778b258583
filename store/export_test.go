package store

import "context"

// ExecForTest runs a statement on the write pool.
func (s *Store) ExecForTest(ctx context.Context, query string, args ...any) error {
	_, err := s.db.ExecContext(ctx, query, args...)
	return err
}

// OpenAtVersion opens a database migrated only up to a schema version: a
// database an older paperboy made.
func OpenAtVersion(ctx context.Context, dsn string, version int) (*Store, error) {
	s, err := open(dsn)
	if err != nil {
		return nil, err
	}
	if err := s.migrate(ctx, version); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// CountForTest runs a SELECT COUNT(*) on the write pool.
func (s *Store) CountForTest(ctx context.Context, query string, args ...any) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, query, args...).Scan(&n)
	return n, err
}

// TablesForTest names the database's tables.
func (s *Store) TablesForTest(ctx context.Context) ([]string, error) {
	q := `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`
	if s.dialect.name == "mysql" {
		q = `SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE()`
	}
	return s.names(ctx, s.db, q)
}
