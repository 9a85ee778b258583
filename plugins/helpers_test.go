package plugins

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"paperboy/internal/plugintest"
	"paperboy/sdk"
)

// The plugins of the tests are this test binary: started as
// "publication-process NAME" it serves the built-in publication NAME or a
// misbehaving one of plugintest (crashes, hangs, …). A plugin of a folder
// is a script that starts it so; a built-in is started so directly, as
// the paperboy binary starts its own.

var (
	scriptsMu  sync.Mutex // held while a script is looked for or written
	scriptsDir string
)

func TestMain(m *testing.M) {
	plugintest.Main()
	code := m.Run()
	if scriptsDir != "" {
		os.RemoveAll(scriptsDir)
	}
	os.Exit(code)
}

// binary is the path of a plugin binary for the publication name
// ("hello", "hangs"), the same for every test.
func binary(t *testing.T, name string) string {
	t.Helper()
	scriptsMu.Lock()
	defer scriptsMu.Unlock()
	if scriptsDir == "" {
		dir, err := os.MkdirTemp("", "paperboy-plugins-")
		if err != nil {
			t.Fatal(err)
		}
		scriptsDir = dir
	}
	path := filepath.Join(scriptsDir, name)
	if _, err := os.Stat(path); err != nil {
		plugintest.Script(t, path, name)
	}
	return path
}

// builtin is the publication name started as a built-in is: this binary,
// with the arguments that make it serve name.
func builtin(t *testing.T, name string) Builtin {
	t.Helper()
	return Builtin{Name: name, Path: plugintest.Self(t), Args: plugintest.Args(name)}
}

// addBuiltin adds the built-in name to h, failing the test if it does not
// start.
func addBuiltin(t *testing.T, h *Host, name string) {
	t.Helper()
	if _, err := h.AddBuiltin(t.Context(), builtin(t, name)); err != nil {
		t.Fatalf("add the built-in %s: %v", name, err)
	}
}

// origins are the two ways a plugin comes: a binary of the plugins folder,
// and a built-in started from the server's own binary. The fault tests run
// on both.
var origins = []struct {
	name string
	add  func(t *testing.T, h *Host, name string)
}{
	{"folder", func(t *testing.T, h *Host, name string) { add(t, h, binary(t, name)) }},
	{"built-in", addBuiltin},
}

// pluginDir is a new folder holding the plugins named.
func pluginDir(t *testing.T, names ...string) string {
	t.Helper()
	dir := t.TempDir()
	for _, name := range names {
		install(t, binary(t, name), filepath.Join(dir, name))
	}
	return dir
}

// install puts a copy of the binary src at dst, replacing what is there
// at once (a rename), as an operator deploying a new build would.
func install(t *testing.T, src, dst string) {
	t.Helper()
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	plugintest.Install(t, dst, data)
}

// writeScript writes an executable shell script into dir.
func writeScript(t *testing.T, dir, name, body string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	plugintest.Install(t, path, []byte("#!/bin/sh\n"+body+"\n"))
	return path
}

// testConfig is quick to restart and to notice trouble, and patient with
// a slow machine.
func testConfig(dir string) Config {
	return Config{
		Dir:          dir,
		CallTimeout:  5 * time.Second,
		StartTimeout: 20 * time.Second,
		RestartMin:   50 * time.Millisecond,
		RestartMax:   400 * time.Millisecond,
		CheckEvery:   20 * time.Millisecond,
	}
}

// newHost is a host logging to a buffer; it is closed when the test ends.
func newHost(t *testing.T, cfg Config) (*Host, *logBuffer) {
	t.Helper()
	logs := &logBuffer{}
	h := New(cfg, slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	t.Cleanup(h.Close)
	return h, logs
}

// add adds a plugin binary to h, failing the test if it does not start.
func add(t *testing.T, h *Host, path string) sdk.Meta {
	t.Helper()
	m, err := h.Add(t.Context(), path)
	if err != nil {
		t.Fatalf("Add %s: %v", filepath.Base(path), err)
	}
	return m
}

// logBuffer collects a JSON log; it is safe for concurrent use.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(b)
}

// record is one log record, as its JSON decodes.
type record map[string]any

func (r record) str(key string) string { s, _ := r[key].(string); return s }

// records are the log records so far for which match is true.
func (l *logBuffer) records(match func(record) bool) []record {
	l.mu.Lock()
	data := bytes.Clone(l.buf.Bytes())
	l.mu.Unlock()
	var out []record
	for line := range bytes.Lines(data) {
		var r record
		if err := json.Unmarshal(line, &r); err != nil {
			panic(fmt.Sprintf("log line %q: %v", line, err))
		}
		if match(r) {
			out = append(out, r)
		}
	}
	return out
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// msg matches the records with a message from a plugin (the name of its
// binary).
func msg(message, plugin string) func(record) bool {
	return func(r record) bool { return r.str("msg") == message && r.str("plugin") == plugin }
}

// pids are the processes the log says a plugin started.
func (l *logBuffer) pids(plugin string) []int {
	var out []int
	for _, r := range l.records(func(r record) bool {
		return r.str("plugin") == plugin && (r.str("msg") == "plugin started" || r.str("msg") == "plugin restarted")
	}) {
		if pid, ok := r["pid"].(float64); ok && pid > 0 {
			out = append(out, int(pid))
		}
	}
	return out
}

// waitFor polls cond until it holds, failing the test after a while: long
// enough for a busy machine, short enough not to hang the run.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting: %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// alive reports whether a process exists (and is not a zombie).
func alive(pid int) bool {
	if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
		return false
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	// "pid (comm) S ...": the state follows the last ')'.
	_, rest, _ := strings.Cut(string(stat[bytes.LastIndexByte(stat, ')')+1:]), " ")
	return !strings.HasPrefix(rest, "Z")
}

func waitGone(t *testing.T, pids ...int) {
	t.Helper()
	for _, pid := range pids {
		waitFor(t, fmt.Sprintf("process %d to end", pid), func() bool { return !alive(pid) })
	}
}

// info is what h knows of a publication.
func info(t *testing.T, h *Host, name string) Info {
	t.Helper()
	for _, in := range h.Publications() {
		if in.Meta.Name == name {
			return in
		}
	}
	t.Fatalf("no publication %q in %v", name, h.Publications())
	return Info{}
}

// asError is err as an *Error, failing the test if it is not one.
func asError(t *testing.T, err error) *Error {
	t.Helper()
	var pe *Error
	if !errors.As(err, &pe) {
		t.Fatalf("error %v (%T), want an *Error", err, err)
	}
	return pe
}

func morning(t *testing.T) time.Time {
	t.Helper()
	london, err := time.LoadLocation("Europe/London")
	if err != nil {
		t.Fatal(err)
	}
	return time.Date(2026, 12, 1, 8, 0, 0, 0, london)
}

// writeText writes an executable file that is not a program.
func writeText(t *testing.T, dir, name string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	plugintest.Install(t, path, []byte("just some words\n"))
	return path
}
