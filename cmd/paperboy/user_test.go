package main

import (
	"errors"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"paperboy/internal/storetest"
	"paperboy/store"
)

// TestUserResetPassword: the operator sets a user's password, a random
// one printed once or one read from stdin, and every session of the user
// ends.
func TestUserResetPassword(t *testing.T) {
	for _, kind := range storetest.Kinds {
		t.Run(kind, func(t *testing.T) {
			dsn := storetest.DSN(t, kind)
			paperboy(t, "", "user", "add", "--db", dsn, "ann@example.com").mustExitZero(t)
			st, err := store.Open(t.Context(), dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			u, err := st.UserByEmail(t.Context(), "ann@example.com")
			if err != nil {
				t.Fatal(err)
			}

			tests := []struct {
				name     string
				stdin    string
				args     []string
				fails    bool
				password string // "" for the one printed on stdout
			}{
				{"a random one", "", []string{"ANN@example.com"}, false, ""},
				{"from stdin", "battery staple\n", []string{"--stdin", "ann@example.com"}, false, "battery staple"},
				{"from stdin, no newline", "correct horse", []string{"ann@example.com", "--stdin"}, false, "correct horse"},
				{"too short", "short\n", []string{"--stdin", "ann@example.com"}, true, ""},
				{"nothing on stdin", "", []string{"--stdin", "ann@example.com"}, true, ""},
				{"no such user", "", []string{"bob@example.com"}, true, ""},
				{"no email", "", nil, true, ""},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					session := "s-" + tt.name
					if _, err := st.CreateSession(t.Context(), session, u.ID, time.Now().Add(time.Hour)); err != nil {
						t.Fatal(err)
					}
					_, before, _ := st.UserPassword(t.Context(), "ann@example.com")
					r := paperboy(t, tt.stdin, append([]string{"user", "reset-password", "--db", dsn}, tt.args...)...)
					_, after, _ := st.UserPassword(t.Context(), "ann@example.com")
					if tt.fails {
						r.mustFailWithOneLine(t)
						if after != before {
							t.Error("the password changed")
						}
						return
					}
					if r.code != 0 || strings.Count(r.stderr, "\n") != 1 || !strings.Contains(r.stderr, "ann@example.com") {
						t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
					}
					want := tt.password
					if want == "" {
						want = strings.TrimSuffix(r.stdout, "\n")
						if len(want) < 20 || strings.ContainsAny(want, " \n") {
							t.Fatalf("stdout %q, want one new password", r.stdout)
						}
					} else if r.stdout != "" {
						t.Errorf("stdout %q, want nothing: the password was not made here", r.stdout)
					}
					if bcrypt.CompareHashAndPassword([]byte(after), []byte(want)) != nil {
						t.Errorf("the stored hash is not of %q", want)
					}
					if _, _, err := st.SessionByID(t.Context(), session); !errors.Is(err, store.ErrNotFound) {
						t.Errorf("the session from before: err=%v, want ErrNotFound", err)
					}
				})
			}
		})
	}
}

// mustExitZero is mustSucceed for a command that says what it did on
// stderr.
func (r result) mustExitZero(t *testing.T) {
	t.Helper()
	if r.code != 0 {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
}
