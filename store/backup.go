package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// ErrNoDatabase is returned, wrapped, by OpenExisting for a SQLite file that
// does not exist.
var ErrNoDatabase = errors.New("no database there yet")

// ErrBackupMySQL is what Backup says of a MySQL database: it copies SQLite
// files only.
var ErrBackupMySQL = errors.New("the database is MySQL, and this copies SQLite only: back MySQL up with " +
	"mysqldump --single-transaction, which takes a consistent copy while paperboy runs")

// SQLiteFile is the file a DSN, as Open takes it, names: ok is false for
// MySQL.
func SQLiteFile(dsn string) (path string, ok bool) {
	if strings.HasPrefix(dsn, "mysql://") {
		return "", false
	}
	return cmp.Or(strings.TrimPrefix(dsn, "sqlite:"), DefaultSQLitePath), true
}

// OpenExisting opens the database named by dsn as it is, for tools that
// only read it (paperboy backup): it makes no file and applies no
// migration, so a server running an older binary beside it is left alone.
// A SQLite file that does not exist is ErrNoDatabase; SQLite is opened
// read-only, so the Store's writes fail.
func OpenExisting(ctx context.Context, dsn string) (*Store, error) {
	path, ok := SQLiteFile(dsn)
	if !ok {
		s, err := openMySQL(strings.TrimPrefix(dsn, "mysql://"))
		if err != nil {
			return nil, err
		}
		return s, nil
	}
	if strings.Contains(path, "://") {
		return nil, fmt.Errorf("store: database %q: want mysql://user:pass@tcp(host:port)/name or a SQLite file path", dsn)
	}
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("store: %s: %w", path, ErrNoDatabase)
	} else if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	// No journal_mode pragma: a WAL database stays WAL (it is in the file),
	// and a read-only connection could not turn another mode into it.
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro&_pragma=busy_timeout(10000)")
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	db.SetMaxOpenConns(4)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	return &Store{db: db, read: db, dialect: sqliteDialect, where: path, Now: time.Now}, nil
}

// BackupInfo is what Backup wrote.
type BackupInfo struct {
	Path          string
	Bytes         int64
	SchemaVersion int
}

// Backup writes a copy of the SQLite database to path, consistent as of
// one moment, while servers go on reading and writing it: VACUUM INTO, which
// reads in one transaction (in WAL mode writers carry on beside it) and
// writes a compact database file. The copy is written to path+".tmp",
// synced, then linked to path, so path is whole or absent whatever happens
// meanwhile. It refuses a path that exists (and a path+".tmp" that does:
// another backup to it is running, or one was cut short), and MySQL
// (ErrBackupMySQL). The file is readable by its owner only: it holds what
// the database does (sessions, token hashes, claim codes).
func (s *Store) Backup(ctx context.Context, path string) (BackupInfo, error) {
	if s.dialect.name != "sqlite" {
		return BackupInfo{}, ErrBackupMySQL
	}
	if _, err := os.Lstat(path); err == nil {
		return BackupInfo{}, fmt.Errorf("%s exists already: a backup never overwrites a file; name a new one, or remove it first", path)
	}
	tmp := path + ".tmp"
	// An empty file of our own, made here with the mode the copy keeps:
	// VACUUM INTO writes into an empty file as into a new one.
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return BackupInfo{}, fmt.Errorf("%s exists: another backup to %s is under way, or one was cut short; remove it once none is running", tmp, path)
	}
	if _, serr := os.Stat(filepath.Dir(path)); errors.Is(serr, fs.ErrNotExist) {
		return BackupInfo{}, fmt.Errorf("%s: no such folder: make it first", filepath.Dir(path))
	}
	if err != nil {
		return BackupInfo{}, err
	}
	f.Close()
	done := false
	defer func() {
		if !done {
			os.Remove(tmp)
		}
	}()
	if _, err := s.read.ExecContext(ctx, `VACUUM INTO ?`, tmp); err != nil {
		return BackupInfo{}, fmt.Errorf("backup: copy %s: %w", s.where, err)
	}
	// SQLite does not sync what VACUUM INTO writes.
	if err := syncFile(tmp); err != nil {
		return BackupInfo{}, err
	}
	version, err := fileSchemaVersion(ctx, tmp)
	if err != nil {
		return BackupInfo{}, fmt.Errorf("backup: the copy in %s does not read back: %w", tmp, err)
	}
	info, err := os.Stat(tmp)
	if err != nil {
		return BackupInfo{}, err
	}
	// A link, unlike a rename, fails if path has appeared meanwhile. Where
	// the file system has no links (FAT), a rename.
	if err := os.Link(tmp, path); errors.Is(err, fs.ErrExist) {
		return BackupInfo{}, fmt.Errorf("%s appeared while the backup was being made: it is left as it is, and the backup removed", path)
	} else if err != nil {
		if err := os.Rename(tmp, path); err != nil {
			return BackupInfo{}, err
		}
	}
	done = true
	os.Remove(tmp)
	if err := syncFile(filepath.Dir(path)); err != nil {
		return BackupInfo{}, err
	}
	return BackupInfo{Path: path, Bytes: info.Size(), SchemaVersion: version}, nil
}

// syncFile flushes a file, or a folder's entries, to the disk.
func syncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

// fileSchemaVersion opens a SQLite file read-only and reads its schema
// version.
func fileSchemaVersion(ctx context.Context, path string) (int, error) {
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		return 0, err
	}
	defer db.Close()
	var v int
	err = db.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&v)
	return v, err
}
