package store_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"paperboy/internal/storetest"
	"paperboy/store"
)

// TestBackup_WhileWriting backs a SQLite database up while another
// connection writes users into it as fast as it can: the copy opens, has
// every user made before the backup began, and is the owner's alone.
func TestBackup_WhileWriting(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	dsn := storetest.DSN(t, "sqlite")
	s, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for i := range 50 {
		if _, err := s.CreateUser(ctx, fmt.Sprintf("before%d@example.com", i)); err != nil {
			t.Fatal(err)
		}
	}
	// The writer goes on until the backup is done; the backup runs on a
	// store of its own, as paperboy backup does beside a server.
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var written int
	var writeErr error
	wg.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			if _, writeErr = s.CreateUser(ctx, fmt.Sprintf("during%d@example.com", written)); writeErr != nil {
				return
			}
			written++
		}
	})
	b, err := store.OpenExisting(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	path := filepath.Join(t.TempDir(), "backup.db")
	info, err := b.Backup(ctx, path)
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if writeErr != nil {
		t.Fatalf("the writer beside the backup: %v", writeErr)
	}
	t.Logf("%d users written while the backup ran; %d bytes", written, info.Bytes)
	if info.Path != path || info.SchemaVersion != store.SchemaVersion() || info.Bytes < 4096 {
		t.Errorf("Backup says %+v, want %s at schema version %d", info, path, store.SchemaVersion())
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 || fi.Size() != info.Bytes {
		t.Errorf("the copy is %v, %d bytes; want -rw------- and %d bytes", fi.Mode(), fi.Size(), info.Bytes)
	}
	if _, err := os.Stat(path + ".tmp"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("%s.tmp is left behind (%v)", path, err)
	}
	copied, err := store.Open(ctx, path)
	if err != nil {
		t.Fatalf("open the copy: %v", err)
	}
	defer copied.Close()
	for i := range 50 {
		if _, err := copied.UserByEmail(ctx, fmt.Sprintf("before%d@example.com", i)); err != nil {
			t.Errorf("user %d, made before the backup: %v", i, err)
		}
	}
	// A copy of the copy: it is not in WAL mode until a server opens it.
	again, err := store.OpenExisting(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	if _, err := again.Backup(ctx, filepath.Join(t.TempDir(), "again.db")); err != nil {
		t.Errorf("a backup of the backup: %v", err)
	}
}

// TestBackup_ClosedDatabase: a database no server has open (no -wal, no
// -shm beside it) backs up read-only as well.
func TestBackup_ClosedDatabase(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	dsn := storetest.DSN(t, "sqlite")
	s, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	s.CreateUser(ctx, "ann@example.com")
	s.Close()
	b, err := store.OpenExisting(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if _, err := b.Backup(ctx, filepath.Join(t.TempDir(), "b.db")); err != nil {
		t.Fatal(err)
	}
}

func TestBackup_Refused(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	s := storetest.Open(t, "sqlite")
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "exists.db"), []byte("mine"), 0o600)
	os.WriteFile(filepath.Join(dir, "halfway.db.tmp"), []byte("half"), 0o600)
	tests := []struct {
		name, path, want string
	}{
		{"the file exists", "exists.db", "exists already"},
		{"its .tmp exists", "halfway.db", "under way, or one was cut short"},
		{"no such folder", "none/b.db", "no such folder"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, tt.path)
			before, _ := os.ReadFile(path)
			_, err := s.Backup(ctx, path)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Backup(%s) = %v, want an error saying %q", tt.path, err, tt.want)
			}
			if after, _ := os.ReadFile(path); string(after) != string(before) {
				t.Errorf("%s was changed: %q, was %q", tt.path, after, before)
			}
		})
	}
	if got, _ := os.ReadFile(filepath.Join(dir, "halfway.db.tmp")); string(got) != "half" {
		t.Errorf("another backup's .tmp was touched: %q", got)
	}
	t.Run("mysql", func(t *testing.T) {
		m := storetest.Open(t, "mysql")
		if _, err := m.Backup(ctx, filepath.Join(dir, "m.db")); !errors.Is(err, store.ErrBackupMySQL) {
			t.Fatalf("Backup on MySQL = %v, want ErrBackupMySQL", err)
		}
	})
}

func TestOpenExisting_NoDatabase(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "none", "paperboy.db")
	_, err := store.OpenExisting(context.Background(), "sqlite:"+path)
	if !errors.Is(err, store.ErrNoDatabase) {
		t.Fatalf("OpenExisting = %v, want ErrNoDatabase", err)
	}
	if _, err := os.Stat(filepath.Dir(path)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("OpenExisting made %s (%v)", filepath.Dir(path), err)
	}
}

func TestSQLiteFile(t *testing.T) {
	tests := []struct {
		dsn, path string
		ok        bool
	}{
		{"", store.DefaultSQLitePath, true},
		{"sqlite:", store.DefaultSQLitePath, true},
		{"sqlite:/srv/p.db", "/srv/p.db", true},
		{"data/x.db", "data/x.db", true},
		{"mysql://u:p@tcp(h:3306)/db", "", false},
	}
	for _, tt := range tests {
		path, ok := store.SQLiteFile(tt.dsn)
		if path != tt.path || ok != tt.ok {
			t.Errorf("SQLiteFile(%q) = %q, %v; want %q, %v", tt.dsn, path, ok, tt.path, tt.ok)
		}
	}
}
