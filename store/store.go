package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
	_ "modernc.org/sqlite" // the "sqlite" driver
)

// DefaultSQLitePath is where the database lives when none is named.
const DefaultSQLitePath = "data/paperboy.db"

// Store is the database. It is safe for concurrent use.
type Store struct {
	db      *sql.DB // writes, and every read on MySQL
	read    *sql.DB // reads: on SQLite a pool of its own, as WAL lets readers run beside the one writer
	dialect dialect
	where   string // the SQLite file, or MySQL's address and database: for people
	// Now gives the time stored with each write; tests replace it.
	Now func() time.Time
	// group commits SQLite's single-statement writes together; nil on
	// MySQL, whose writers commit in parallel.
	group *group
	stmts stmtCache
}

// dialect holds what differs between the databases.
type dialect struct {
	name string // "sqlite" or "mysql"
	// upsertSuffix turns "INSERT … VALUES (…)" into an upsert on key,
	// setting cols from the new row.
	upsertSuffix func(key string, cols ...string) string
	// forUpdate ends a SELECT whose rows a transaction is about to change:
	// MySQL locks them; SQLite has one writer at a time already.
	forUpdate string
}

var sqliteDialect = dialect{
	name: "sqlite",
	upsertSuffix: func(key string, cols ...string) string {
		set := make([]string, len(cols))
		for i, c := range cols {
			set[i] = c + " = excluded." + c
		}
		return " ON CONFLICT(" + key + ") DO UPDATE SET " + strings.Join(set, ", ")
	},
}

var mysqlDialect = dialect{
	name: "mysql",
	upsertSuffix: func(_ string, cols ...string) string {
		set := make([]string, len(cols))
		for i, c := range cols {
			set[i] = c + " = VALUES(" + c + ")"
		}
		return " ON DUPLICATE KEY UPDATE " + strings.Join(set, ", ")
	},
	forUpdate: " FOR UPDATE",
}

// Open opens the database named by dsn and brings its schema up to date:
//
//	""                                      SQLite at DefaultSQLitePath
//	sqlite:PATH or a path ending in .db      SQLite in that file (made with its folder if missing)
//	mysql://user:pass@tcp(host:port)/name    MySQL or MariaDB
//
// It refuses a database whose schema is newer than this binary.
func Open(ctx context.Context, dsn string) (*Store, error) {
	s, err := open(dsn)
	if err != nil {
		return nil, err
	}
	if err := s.Migrate(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// Name says which database this is, without its password: for logs.
func (s *Store) Name() string { return s.dialect.name }

// Where says where the database is, without its password: "SQLite:
// data/paperboy.db", "MySQL: 127.0.0.1:3306/paperboy".
func (s *Store) Where() string {
	if s.dialect.name == "mysql" {
		return "MySQL: " + s.where
	}
	return "SQLite: " + s.where
}

func open(dsn string) (*Store, error) {
	if strings.HasPrefix(dsn, "mysql://") {
		return openMySQL(strings.TrimPrefix(dsn, "mysql://"))
	}
	path, _ := SQLiteFile(dsn)
	if strings.Contains(path, "://") {
		return nil, fmt.Errorf("store: database %q: want mysql://user:pass@tcp(host:port)/name or a SQLite file path", dsn)
	}
	return openSQLite(path)
}

func openSQLite(path string) (*Store, error) {
	// Its folder is the owner's alone: the database holds sessions, token
	// hashes and claim codes.
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	// WAL lets readers run while one writer writes; the busy timeout makes a
	// writer wait for another instead of failing; SQLite does not check
	// foreign keys unless asked; NORMAL sync is safe in WAL mode.
	uri := "file:" + path + "?_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)" +
		"&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_txlock=immediate"
	db, err := sql.Open("sqlite", uri)
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	// SQLite has one writer at a time: one connection for writes queues them
	// here rather than in busy retries.
	db.SetMaxOpenConns(1)
	read, err := sql.Open("sqlite", uri+"&mode=ro")
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("store: %w", err)
	}
	read.SetMaxOpenConns(8)
	if err := db.Ping(); err != nil {
		db.Close()
		read.Close()
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	where, err := filepath.Abs(path)
	if err != nil {
		where = path
	}
	s := &Store{db: db, read: read, dialect: sqliteDialect, where: where, Now: time.Now}
	s.group = newGroup(db, s.prepared)
	return s, nil
}

func openMySQL(dsn string) (*Store, error) {
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		return nil, fmt.Errorf("store: MySQL DSN: %w (want mysql://user:pass@tcp(host:port)/name)", err)
	}
	if cfg.DBName == "" {
		return nil, errors.New("store: MySQL DSN names no database (want mysql://user:pass@tcp(host:port)/name)")
	}
	if cfg.Params == nil {
		cfg.Params = map[string]string{}
	}
	cfg.ClientFoundRows = true // RowsAffected counts rows matched, as SQLite does
	cfg.Params["sql_mode"] = "'STRICT_ALL_TABLES,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO'"
	cfg.Params["time_zone"] = "'+00:00'"
	db, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	db.SetMaxOpenConns(32)
	db.SetMaxIdleConns(16)
	db.SetConnMaxLifetime(5 * time.Minute)
	if err := db.Ping(); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: connect to MySQL at %s: %w", cfg.Addr, err)
	}
	return &Store{db: db, read: db, dialect: mysqlDialect, where: cfg.Addr + "/" + cfg.DBName, Now: time.Now}, nil
}

// Close closes the database.
func (s *Store) Close() error {
	if s.group != nil {
		s.group.close()
	}
	s.closeStatements()
	err := s.db.Close()
	if s.read != s.db {
		err = errors.Join(err, s.read.Close())
	}
	return err
}

// Ping checks the database answers: for health checks.
func (s *Store) Ping(ctx context.Context) error { return s.db.PingContext(ctx) }

// now is the store's clock in unix milliseconds.
func (s *Store) now() int64 { return s.Now().UnixMilli() }

// queryer is what both *sql.DB and *sql.Tx offer.
type queryer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// inTx runs f in a write transaction, committing if it returns nil. f may
// run more than once (a deadlock on MySQL): it does database work only,
// and sets its results afresh each time.
func (s *Store) inTx(ctx context.Context, f func(tx *sql.Tx) error) error {
	for try := 1; ; try++ {
		err := s.tryTx(ctx, f)
		// A transaction MySQL rolled back to break a deadlock is run again
		// from its start (f does only database work).
		if isDeadlock(err) && try < maxTries && ctx.Err() == nil {
			continue
		}
		return err
	}
}

func (s *Store) tryTx(ctx context.Context, f func(tx *sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := f(tx); err != nil {
		return err
	}
	return tx.Commit()
}

// exec runs one write statement and returns the rows it affected: on
// SQLite together with the others arriving (group), on MySQL at once.
func (s *Store) exec(ctx context.Context, query string, args ...any) (int64, error) {
	if s.group != nil {
		return s.group.exec(ctx, query, args...)
	}
	// On MySQL a statement chosen to break a deadlock is run again: in the
	// morning burst thousands of deliveries change state a second, side by
	// side in the same indexes.
	for try := 1; ; try++ {
		res, err := s.db.ExecContext(ctx, query, args...)
		if isDeadlock(err) && try < maxTries && ctx.Err() == nil {
			continue
		}
		if err != nil {
			return 0, err
		}
		return res.RowsAffected()
	}
}

// maxTries is how many times a statement MySQL gave up to break a deadlock
// is tried.
const maxTries = 5

// millis converts a nullable time column.
func millis(v sql.NullInt64) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return time.UnixMilli(v.Int64).UTC()
}

// nullID stores an id, 0 as NULL.
func nullID(id int64) sql.NullInt64 { return sql.NullInt64{Int64: id, Valid: id != 0} }

// nullMillis stores a time, the zero time as NULL.
func nullMillis(t time.Time) sql.NullInt64 {
	if t.IsZero() {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: t.UnixMilli(), Valid: true}
}
