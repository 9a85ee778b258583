package store

import (
	"slices"
	"strings"
	"testing"
)

func TestMigrations_SameInBothDialects(t *testing.T) {
	lite, err := loadMigrations("sqlite")
	if err != nil {
		t.Fatal(err)
	}
	my, err := loadMigrations("mysql")
	if err != nil {
		t.Fatal(err)
	}
	if len(lite) != len(my) || len(lite) == 0 {
		t.Fatalf("%d SQLite migrations, %d MySQL ones", len(lite), len(my))
	}
	for i := range lite {
		if lite[i].name != my[i].name {
			t.Errorf("migration %d: %s on SQLite, %s on MySQL", i+1, lite[i].name, my[i].name)
		}
		// The same tables, in the same order.
		if a, b := tables(lite[i].sql), tables(my[i].sql); a != b {
			t.Errorf("%s: tables %s on SQLite, %s on MySQL", lite[i].name, a, b)
		}
	}
}

// tables names the tables a migration creates; one it renames (SQLite
// rebuilding a table, which MySQL alters in place) is not new.
func tables(sql string) string {
	var out []string
	for _, stmt := range statements(sql) {
		f := strings.Fields(stmt)
		switch {
		case len(f) > 2 && f[0] == "CREATE" && f[1] == "TABLE":
			out = append(out, f[2])
		case len(f) > 4 && f[0] == "ALTER" && f[1] == "TABLE" && f[3] == "RENAME" && f[4] == "TO":
			out = slices.DeleteFunc(out, func(t string) bool { return t == f[2] })
		}
	}
	return strings.Join(out, ",")
}

func TestStatements(t *testing.T) {
	got := statements("-- a comment\nCREATE TABLE a (\n  x INTEGER\n);\n\nINSERT INTO a VALUES (1);\nSELECT 1")
	want := []string{"CREATE TABLE a (\n  x INTEGER\n)", "INSERT INTO a VALUES (1)", "SELECT 1"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("statements=%q, want %q", got, want)
	}
}
