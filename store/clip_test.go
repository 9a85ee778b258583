package store

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestClip(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("é", maxReason) // two bytes a rune
	tests := []struct {
		name string
		in   string
		want func(string) bool
	}{
		{"short, kept", "no answer", func(s string) bool { return s == "no answer" }},
		{"at the limit, kept", strings.Repeat("a", maxReason), func(s string) bool { return len(s) == maxReason && !strings.HasSuffix(s, "…") }},
		{"long, cut and marked", strings.Repeat("a", 2*maxReason), func(s string) bool {
			return len(s) == maxReason && strings.HasSuffix(s, "…")
		}},
		{"cut on a rune's start", long, func(s string) bool {
			return len(s) <= maxReason && utf8.ValidString(s) && strings.HasSuffix(s, "é…")
		}},
	}
	for _, tt := range tests {
		if got := clip(tt.in); !tt.want(got) {
			t.Errorf("%s: clip gave %d bytes, %q…", tt.name, len(got), got[max(0, len(got)-12):])
		}
	}
	if got := clipTo("aé", 2); got != "a" {
		t.Errorf("clipTo(aé, 2) = %q, want a", got)
	}
}
