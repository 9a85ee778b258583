// Package storetest gives tests fresh databases: SQLite in a temporary
// folder always, and MySQL when PAPERBOY_TEST_MYSQL_DSN names a server (each
// test gets a database of its own there, dropped when it ends).
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"

	"github.com/go-sql-driver/mysql"

	"paperboy/store"
)

// EnvMySQL names the MySQL server tests use, as
// mysql://user:pass@tcp(host:port)/name; .ci/run sets it.
const EnvMySQL = "PAPERBOY_TEST_MYSQL_DSN"

// Kinds are the databases tests run on.
var Kinds = []string{"sqlite", "mysql"}

// DSN gives a fresh database of a kind for one test, as Open takes it. For
// MySQL without EnvMySQL it skips the test, saying so.
func DSN(t testing.TB, kind string) string {
	t.Helper()
	if kind == "sqlite" {
		return "sqlite:" + filepath.Join(t.TempDir(), "paperboy.db")
	}
	base := os.Getenv(EnvMySQL)
	if base == "" {
		t.Skipf("MySQL cases skipped: %s is not set (.ci/run sets it)", EnvMySQL)
	}
	cfg, err := mysql.ParseDSN(base[len("mysql://"):])
	if err != nil {
		t.Fatalf("%s: %v", EnvMySQL, err)
	}
	b := make([]byte, 6)
	rand.Read(b)
	name := "paperboy_test_" + hex.EncodeToString(b)
	admin, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		admin.Close()
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		admin.Exec("DROP DATABASE " + name)
		admin.Close()
	})
	cfg.DBName = name
	return "mysql://" + cfg.FormatDSN()
}

// Open opens a fresh store of a kind, closed when the test ends.
func Open(t testing.TB, kind string) *store.Store {
	t.Helper()
	s, err := store.Open(context.Background(), DSN(t, kind))
	if err != nil {
		t.Fatalf("open %s store: %v", kind, err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// Each runs f as a subtest on each kind of store.
func Each(t *testing.T, f func(t *testing.T, s *store.Store)) {
	t.Helper()
	for _, kind := range Kinds {
		t.Run(kind, func(t *testing.T) { f(t, Open(t, kind)) })
	}
}
