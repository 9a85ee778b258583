package store

import (
	"context"
	"database/sql"
	"errors"
)

// group runs single-statement writes that arrive while another commits in
// one transaction, in order: SQLite appends to its log and syncs once for
// all of them (group commit). SQLite has one writer at a time, so they
// would have waited their turn anyway; now they wait together, and the
// morning's thousands of deliveries a second (sent, answered, printed,
// each a write) cost a commit per batch, not per write.
//
// Each statement keeps its own outcome: one that fails (no row, a
// duplicate key) is undone alone, as SQLite undoes a failed statement and
// goes on with the transaction; a commit that fails fails them all, so a
// caller never believes a write that did not happen. The statements run on
// a context of their own: cancelling one caller's must not interrupt the
// connection, which would end the others' transaction too. A caller whose
// context ends before its statement is taken gets its context's error.
type group struct {
	db *sql.DB
	// prepared gives a statement prepared on db.
	prepared func(ctx context.Context, db *sql.DB, query string) (*sql.Stmt, error)
	work     chan *groupWrite
	quit     chan struct{}
	done     chan struct{}
}

type groupWrite struct {
	ctx      context.Context
	query    string
	stmt     *sql.Stmt
	args     []any
	affected int64
	err      error
	finished chan struct{}
}

// maxGroup bounds one transaction's statements: a writer waiting behind it
// waits for at most this many.
const maxGroup = 256

var errClosed = errors.New("store: the database is closed")

func newGroup(db *sql.DB, prepared func(context.Context, *sql.DB, string) (*sql.Stmt, error)) *group {
	g := &group{db: db, prepared: prepared, work: make(chan *groupWrite), quit: make(chan struct{}), done: make(chan struct{})}
	go g.run()
	return g
}

// exec runs one statement in the next group's transaction and returns the
// rows it affected.
func (g *group) exec(ctx context.Context, query string, args ...any) (int64, error) {
	w := &groupWrite{ctx: ctx, query: query, args: args, finished: make(chan struct{})}
	select {
	case g.work <- w:
	case <-g.quit:
		return 0, errClosed
	case <-ctx.Done():
		return 0, ctx.Err()
	}
	<-w.finished // what run takes, it finishes
	return w.affected, w.err
}

func (g *group) run() {
	defer close(g.done)
	for {
		var first *groupWrite
		select {
		case first = <-g.work:
		case <-g.quit:
			return
		}
		batch := []*groupWrite{first}
	more:
		for len(batch) < maxGroup {
			select {
			case w := <-g.work:
				batch = append(batch, w)
			default:
				break more
			}
		}
		g.commit(batch)
	}
}

func (g *group) commit(batch []*groupWrite) {
	defer func() {
		for _, w := range batch {
			close(w.finished)
		}
	}()
	ctx := context.Background()
	// Prepared before the transaction takes the one write connection.
	for _, w := range batch {
		w.stmt, w.err = g.prepared(ctx, g.db, w.query)
	}
	tx, err := g.db.BeginTx(ctx, nil)
	if err != nil {
		for _, w := range batch {
			if w.err == nil {
				w.err = err
			}
		}
		return
	}
	for _, w := range batch {
		if w.err != nil {
			continue
		}
		if w.err = w.ctx.Err(); w.err != nil {
			continue
		}
		res, err := tx.StmtContext(ctx, w.stmt).ExecContext(ctx, w.args...)
		if err == nil {
			w.affected, err = res.RowsAffected()
		}
		w.err = err
	}
	if err := tx.Commit(); err != nil {
		for _, w := range batch {
			if w.err == nil {
				w.err, w.affected = err, 0
			}
		}
	}
}

// close stops taking writes, after the one committing.
func (g *group) close() {
	close(g.quit)
	<-g.done
}
