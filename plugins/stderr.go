package plugins

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"sort"
	"strings"
	"sync"
)

// pluginLine reads a line of a plugin's stderr: go-plugin's own records (a
// JSON object with "@level" and "@message", such as the SDK writes) keep
// their level and fields; any other line is logged as it is, at info.
func pluginLine(line string) (slog.Level, []any) {
	var rec map[string]any
	if !strings.HasPrefix(line, "{") || json.Unmarshal([]byte(line), &rec) != nil {
		return slog.LevelInfo, []any{"line", line}
	}
	msg, ok := rec["@message"].(string)
	if !ok {
		return slog.LevelInfo, []any{"line", line}
	}
	level := slog.LevelInfo
	switch rec["@level"] {
	case "trace", "debug":
		level = slog.LevelDebug
	case "warn":
		level = slog.LevelWarn
	case "error":
		level = slog.LevelError
	}
	attrs := []any{"line", msg}
	keys := make([]string, 0, len(rec))
	for k := range rec {
		if !strings.HasPrefix(k, "@") {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		attrs = append(attrs, k, rec[k])
	}
	return level, attrs
}

// lineLogger writes a plugin's stderr to the log, a line a record.
type lineLogger struct {
	p   *proc
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *lineLogger) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf.Write(b)
	for {
		line, err := l.buf.ReadString('\n')
		if err != nil {
			l.buf.WriteString(line) // not a whole line yet
			break
		}
		if line = strings.TrimRight(line, "\r\n"); line != "" {
			level, attrs := pluginLine(line)
			l.p.logger().Log(context.Background(), level, "plugin says", attrs...)
		}
	}
	return len(b), nil
}
