package plugins

import (
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

func TestHost_StderrLogged(t *testing.T) {
	h, logs := newHost(t, testConfig(t.TempDir()))
	if _, err := h.Add(t.Context(), binary(t, "exits")); err == nil {
		t.Fatal("exits started")
	}
	waitFor(t, "exits' stderr in the log", func() bool {
		return len(logs.records(func(r record) bool {
			return r.str("msg") == "plugin says" && r.str("plugin") == "exits" && r.str("line") == "exits: cannot read my settings"
		})) == 1
	})

	// A running plugin's lines are logged under its publication too; go-plugin's
	// own JSON lines from the plugin arrive the same way.
	add(t, h, binary(t, "hello"))
	waitFor(t, "hello's stderr in the log", func() bool {
		return len(logs.records(func(r record) bool {
			return r.str("msg") == "plugin says" && r.str("plugin") == "hello" && strings.Contains(r.str("line"), "plugin address")
		})) > 0
	})
}

func TestPluginLine(t *testing.T) {
	tests := []struct {
		line  string
		level slog.Level
		attrs []any
	}{
		{"panic: boom", slog.LevelInfo, []any{"line", "panic: boom"}},
		{`{"@level":"debug","@message":"plugin address","@timestamp":"x","network":"unix"}`, slog.LevelDebug, []any{"line", "plugin address", "network", "unix"}},
		{`{"@level":"error","@message":"oops"}`, slog.LevelError, []any{"line", "oops"}},
		{`{"no":"message"}`, slog.LevelInfo, []any{"line", `{"no":"message"}`}},
		{`{broken`, slog.LevelInfo, []any{"line", `{broken`}},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			level, attrs := pluginLine(tt.line)
			if level != tt.level || fmt.Sprint(attrs) != fmt.Sprint(tt.attrs) {
				t.Fatalf("%v %v, want %v %v", level, attrs, tt.level, tt.attrs)
			}
		})
	}
}
