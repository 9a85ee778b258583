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
