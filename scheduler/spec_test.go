package scheduler_test

import (
	"testing"

	"paperboy/scheduler"
)

func TestParseSpec_ExactMessages(t *testing.T) {
	tests := []struct {
		spec string
		want string
	}{
		{"0 0 30 2 *", `"0 0 30 2 *" never comes round (no such date)`},
		// A part that never comes round is refused beside others too.
		{"0 8 * * *; 0 0 30 2 *", `"0 0 30 2 *" never comes round (no such date)`},
		{", 8 * * *", "a field with no values: each of the 5 wants at least one"},
		{"0 8 * * *; , * * * *", `", * * * *": a field with no values: each of the 5 wants at least one`},
		{"0 , * * *", "a field with no values: each of the 5 wants at least one"},
		{"0 8 , * 1", "a field with no values: each of the 5 wants at least one"},
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			_, err := scheduler.ParseSpec(tt.spec)
			if err == nil {
				t.Fatalf("ParseSpec(%q): no error, want %q", tt.spec, tt.want)
			}
			if got := err.Error(); got != tt.want {
				t.Errorf("ParseSpec(%q)=%q, want %q", tt.spec, got, tt.want)
			}
		})
	}
}
