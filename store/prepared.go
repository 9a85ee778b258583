package store

import (
	"context"
	"database/sql"
	"sync"
)

// stmtCache holds prepared statements of the hot queries, made on first
// use: SQLite parses a query each time it is run, and in the morning
// burst the parsing of the same few queries was a tenth of the work.
type stmtCache struct {
	mu sync.Mutex
	m  map[stmtKey]*sql.Stmt
}

type stmtKey struct {
	db    *sql.DB
	query string
}

// prepared is query prepared on db, made once.
func (s *Store) prepared(ctx context.Context, db *sql.DB, query string) (*sql.Stmt, error) {
	k := stmtKey{db, query}
	s.stmts.mu.Lock()
	st, ok := s.stmts.m[k]
	s.stmts.mu.Unlock()
	if ok {
		return st, nil
	}
	// Prepared outside the lock: it may wait for a connection.
	st, err := db.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	s.stmts.mu.Lock()
	defer s.stmts.mu.Unlock()
	if have, ok := s.stmts.m[k]; ok { // prepared meanwhile by another
		st.Close()
		return have, nil
	}
	if s.stmts.m == nil {
		s.stmts.m = map[stmtKey]*sql.Stmt{}
	}
	s.stmts.m[k] = st
	return st, nil
}

// closeStatements closes the prepared statements, before their databases.
func (s *Store) closeStatements() {
	s.stmts.mu.Lock()
	defer s.stmts.mu.Unlock()
	for _, st := range s.stmts.m {
		st.Close()
	}
	s.stmts.m = nil
}
