package core

import (
	"strings"
	"testing"
)

func TestParseFriendCode(t *testing.T) {
	tests := []struct {
		in, want string
		says     string // in the error, when there is one
	}{
		{"K7QM-3XPD", "K7QM3XPD", ""},
		{" k7qm 3xpd ", "K7QM3XPD", ""},
		{"K7QM3XPD", "K7QM3XPD", ""},
		{"oooo-iiii", "00001111", ""},
		{"LLLL-llll", "11111111", ""},
		{"https://paperboy.example/friends/add/K7QM3XPD", "K7QM3XPD", ""},
		{"http://localhost:8080/friends/add/k7qm-3xpd?x=1", "K7QM3XPD", ""},
		{"", "", "Enter your friend"},
		{"K7QM", "", "this has 4"},
		{"K7QM-3XPD-Z", "", "this has more"},
		{"K7QM-3XPU", "", `'U' is not in friend codes`},
		{"K7QM-3XP€", "", `'€' is not in friend codes`},
	}
	for _, tt := range tests {
		got, err := parseFriendCode(tt.in)
		if tt.says == "" {
			if err != nil || got != tt.want {
				t.Errorf("parseFriendCode(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tt.says) {
			t.Errorf("parseFriendCode(%q) = %q, %v; want an error saying %q", tt.in, got, err, tt.says)
		}
	}
}

func TestNewFriendCode_Parses(t *testing.T) {
	for range 1000 {
		c := newFriendCode()
		if got, err := parseFriendCode(formatFriendCode(c)); err != nil || got != c {
			t.Fatalf("code %s: parsed %q, %v", c, got, err)
		}
	}
}

// FuzzParseFriendCode: any input is a code of 8 of the alphabet's digits or
// a client's error, and a code read back reads the same.
func FuzzParseFriendCode(f *testing.F) {
	for _, s := range []string{"K7QM-3XPD", "k7qm 3xpd", "", "UUUU", "/friends/add/ABCD1234", "0123456789ABCDEFGHJKMNPQRSTVWXYZ", "\xff\xfe"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		code, err := parseFriendCode(in)
		if err != nil {
			if !isClientError(err) {
				t.Fatalf("not a client error: %v", err)
			}
			return
		}
		if len(code) != friendCodeLen || strings.Trim(code, friendAlphabet) != "" {
			t.Fatalf("parseFriendCode(%q) = %q", in, code)
		}
		if again, err := parseFriendCode(formatFriendCode(code)); err != nil || again != code {
			t.Fatalf("%q read back as %q, %v", code, again, err)
		}
	})
}
