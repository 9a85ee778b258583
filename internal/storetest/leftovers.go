package storetest

import (
	"database/sql"
	"fmt"
	"strings"
	"testing"
)

// Owned is what was a user's: the user, their printers and subscriptions.
type Owned struct {
	User          int64
	Email         string
	Printers      []int64
	Subscriptions []int64
}

// Leftovers counts, in every table of the database at dsn, the rows that
// name anything of o's, found by their columns' names: user_id, owner_id
// and friend_id the user (and users.id), printer_id a printer,
// subscription_id a subscription, sender the email. A table added later is
// checked without anyone remembering to. Tables with none are left out.
func Leftovers(t testing.TB, dsn string, o Owned) map[string]int {
	t.Helper()
	var db *sql.DB
	var err error
	columns := `SELECT name, (SELECT group_concat(c.name) FROM pragma_table_info(m.name) c) FROM sqlite_master m
		WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`
	if path, ok := strings.CutPrefix(dsn, "sqlite:"); ok {
		db, err = sql.Open("sqlite", path)
	} else {
		db, err = sql.Open("mysql", strings.TrimPrefix(dsn, "mysql://"))
		columns = `SELECT table_name, group_concat(column_name) FROM information_schema.columns
			WHERE table_schema = DATABASE() GROUP BY table_name`
	}
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(columns)
	if err != nil {
		t.Fatal(err)
	}
	tables := map[string][]string{}
	for rows.Next() {
		var name, cols string
		if err := rows.Scan(&name, &cols); err != nil {
			t.Fatal(err)
		}
		tables[name] = strings.Split(cols, ",")
	}
	rows.Close()
	if len(tables) == 0 {
		t.Fatal("Leftovers: no tables found")
	}
	in := func(col string, ids []int64) string {
		if len(ids) == 0 {
			return ""
		}
		s := make([]string, len(ids))
		for i, id := range ids {
			s[i] = fmt.Sprint(id)
		}
		return col + " IN (" + strings.Join(s, ",") + ")"
	}
	out := map[string]int{}
	for table, cols := range tables {
		var where []string
		var args []any
		for _, c := range cols {
			switch {
			case c == "user_id" || c == "owner_id" || c == "friend_id" || table == "users" && c == "id":
				where, args = append(where, c+" = ?"), append(args, o.User)
			case c == "sender":
				where, args = append(where, c+" = ?"), append(args, o.Email)
			case c == "printer_id":
				if w := in(c, o.Printers); w != "" {
					where = append(where, w)
				}
			case c == "subscription_id":
				if w := in(c, o.Subscriptions); w != "" {
					where = append(where, w)
				}
			}
		}
		if len(where) == 0 {
			continue
		}
		var n int
		if err := db.QueryRow("SELECT COUNT(*) FROM "+table+" WHERE "+strings.Join(where, " OR "), args...).Scan(&n); err != nil {
			t.Fatalf("Leftovers: %s: %v", table, err)
		}
		out[table] = n
	}
	return out
}
