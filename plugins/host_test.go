package plugins

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image/png"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"paperboy/internal/plugintest"
	"paperboy/sdk"
)

// builtPlugins are the plugin binaries the tests run. They are built once,
// by the first test that asks for one, and kept in binDir until TestMain
// ends; each test links the ones it needs into a folder of its own.
var builtPlugins = []string{
	"hello", "news",
	"testdata/counts", "testdata/crashes", "testdata/exits", "testdata/garbage", "testdata/hangs", "testdata/panics",
}

var (
	buildOnce sync.Once
	binDir    string
)

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// binary is the path of a built plugin, by its binary's name ("hello",
// "hangs").
func binary(t *testing.T, name string) string {
	t.Helper()
	buildOnce.Do(func() {
		built := plugintest.Build(t, builtPlugins...) // removed when t ends: move the binaries out
		keep, err := os.MkdirTemp("", "paperboy-plugins-")
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range builtPlugins {
			if err := os.Rename(filepath.Join(built, filepath.Base(p)), filepath.Join(keep, filepath.Base(p))); err != nil {
				t.Fatal(err)
			}
		}
		binDir = keep
	})
	if binDir == "" {
		t.Fatal("the plugins were not built: see the first test's failure")
	}
	return filepath.Join(binDir, name)
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
	tmp := dst + ".new"
	if err := os.WriteFile(tmp, data, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, dst); err != nil {
		t.Fatal(err)
	}
}

// writeScript writes an executable shell script into dir.
func writeScript(t *testing.T, dir, name, body string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
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

func TestHost_Load(t *testing.T) {
	dir := pluginDir(t, "hello")
	// A plugin linked into the folder counts, as a regular file does.
	if err := os.Symlink(binary(t, "news"), filepath.Join(dir, "news")); err != nil {
		t.Fatal(err)
	}
	writeScript(t, dir, "silent", "exit 0")                                     // not a plugin: prints nothing
	writeScript(t, dir, "chatty", "echo 'this is not a plugin'\nexec sleep 30") // not a plugin: prints garbage
	if err := os.WriteFile(filepath.Join(dir, "README"), []byte("not executable: not looked at"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "subfolder"), 0o755); err != nil {
		t.Fatal(err)
	}

	h, logs := newHost(t, testConfig(dir))
	if err := h.Load(t.Context()); err != nil {
		t.Fatalf("Load: %v", err)
	}

	pubs := h.Publications()
	want := []struct{ name, title, path string }{
		{"hello", "Hello", filepath.Join(dir, "hello")},
		{"news", "News", filepath.Join(dir, "news")},
	}
	if len(pubs) != len(want) {
		t.Fatalf("%d publications %v, want %d", len(pubs), pubs, len(want))
	}
	for i, w := range want {
		p := pubs[i]
		if p.Meta.Name != w.name || p.Meta.Title != w.title || p.Path != w.path || !p.Running || p.Restarts != 0 {
			t.Errorf("publication %d: %+v, want %s (%q) from %s, running, no restarts", i, p, w.name, w.title, w.path)
		}
		if err := p.Meta.Check(); err != nil {
			t.Errorf("%s: Meta: %v", w.name, err)
		}
		m, err := h.Meta(w.name)
		if err != nil || m.Name != w.name || m.Kind != sdk.Scheduled || len(m.Fields) != len(p.Meta.Fields) {
			t.Errorf("Meta(%q) = %+v, %v; want the Meta Publications lists", w.name, m, err)
		}
	}
	if pubs[0].Meta.Fields[0].Name != "name" || pubs[0].Meta.Fields[0].Default != "world" || !pubs[0].Meta.Personal {
		t.Errorf("hello's Meta came over the wire as %+v", pubs[0].Meta)
	}

	for _, tt := range []struct{ file, reason string }{
		{"silent", `exited before we could connect|Failed to read any lines`},
		{"chatty", `Unrecognized remote plugin message: this is not a plugin`},
	} {
		recs := logs.records(func(r record) bool { return r.str("msg") == "plugin not loaded" && r.str("path") == tt.file })
		if len(recs) != 1 {
			t.Errorf("%s: %d records of it not being loaded, want 1; log:\n%s", tt.file, len(recs), logs)
			continue
		}
		if got := recs[0].str("error"); !regexp.MustCompile(tt.reason).MatchString(got) {
			t.Errorf("%s: not loaded because %q, want it to match %q", tt.file, got, tt.reason)
		}
	}
	for _, r := range logs.records(func(r record) bool { return r.str("msg") == "plugin not loaded" }) {
		if p := r.str("path"); p == "README" || p == "subfolder" {
			t.Errorf("Load tried %s, which is not an executable file", p)
		}
	}
}

func TestHost_LoadFolder(t *testing.T) {
	file := filepath.Join(t.TempDir(), "a-file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		dir     string
		wantErr bool
	}{
		{"missing folder: no plugins", filepath.Join(t.TempDir(), "missing"), false},
		{"empty folder", t.TempDir(), false},
		{"not a folder", file, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, _ := newHost(t, testConfig(tt.dir))
			err := h.Load(t.Context())
			if (err != nil) != tt.wantErr {
				t.Fatalf("Load: %v, want an error: %v", err, tt.wantErr)
			}
			if pubs := h.Publications(); len(pubs) != 0 {
				t.Errorf("publications %v, want none", pubs)
			}
		})
	}
}

// TestHost_AddFails covers binaries that do not start as plugins: each
// gives an error that says why.
func TestHost_AddFails(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name string
		path string
		want string // a regexp
	}{
		{"exits at start", binary(t, "exits"), `(?s)^start exits: .*(exited before we could connect|Failed to read any lines)`},
		{"prints garbage", writeScript(t, dir, "garbage-out", "echo 'Content-Type: text/html'\nexec sleep 30"),
			`^start garbage-out: Unrecognized remote plugin message: Content-Type: text/html`},
		{"prints nothing", writeScript(t, dir, "silent", "exit 0"), `(?s)^start silent: .*(exited before we could connect|Failed to read any lines)`},
		{"not a program", writeText(t, dir, "text"), `^start text: .*exec format error`},
		{"missing", filepath.Join(dir, "missing"), `^start missing: .*no such file`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, _ := newHost(t, testConfig(dir))
			_, err := h.Add(t.Context(), tt.path)
			if err == nil || !regexp.MustCompile(tt.want).MatchString(err.Error()) {
				t.Fatalf("Add: %v, want an error matching %q", err, tt.want)
			}
			if pubs := h.Publications(); len(pubs) != 0 {
				t.Errorf("publications %v, want none", pubs)
			}
		})
	}
}

// writeText writes an executable file that is not a program.
func writeText(t *testing.T, dir, name string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte("just some words\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestHost_AddTwice(t *testing.T) {
	h, _ := newHost(t, testConfig(t.TempDir()))
	add(t, h, binary(t, "hello"))
	other := filepath.Join(t.TempDir(), "hello-again")
	install(t, binary(t, "hello"), other)
	_, err := h.Add(t.Context(), other)
	if err == nil || !strings.Contains(err.Error(), `both provide "hello"`) {
		t.Fatalf("Add of a second hello: %v, want an error saying both provide it", err)
	}
	if got := info(t, h, "hello"); got.Path != binary(t, "hello") || !got.Running {
		t.Errorf("hello is %+v, want the first one, running", got)
	}
}

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

func TestHost_Render(t *testing.T) {
	h, _ := newHost(t, testConfig(t.TempDir()))
	add(t, h, binary(t, "hello"))
	for _, cfg := range []sdk.Config{{}, {"name": "Ada"}} {
		t.Run(fmt.Sprint(cfg), func(t *testing.T) {
			out, err := h.Render(t.Context(), "hello", sdk.RenderArgs{Config: cfg, Time: morning(t)})
			if err != nil {
				t.Fatal(err)
			}
			img, err := png.Decode(bytes.NewReader(out.PNG))
			if err != nil {
				t.Fatalf("the edition is not a PNG: %v", err)
			}
			if b := img.Bounds(); b.Dx() != 384 || b.Dy() < 50 {
				t.Errorf("the edition is %dx%d, want 384 wide and some lines tall", b.Dx(), b.Dy())
			}
		})
	}
}

func TestHost_Validate(t *testing.T) {
	h, _ := newHost(t, testConfig(t.TempDir()))
	add(t, h, binary(t, "hello"))
	add(t, h, binary(t, "news"))
	tests := []struct {
		name   string
		pub    string
		config sdk.Config
		want   sdk.FieldErrors // nil: good
	}{
		{"hello's defaults", "hello", sdk.Config{}, nil},
		{"hello, a name", "hello", sdk.Config{"name": "Ada"}, nil},
		{"hello, too long (the form)", "hello", sdk.Config{"name": strings.Repeat("a", 41)}, sdk.FieldErrors{"name": "at most 40 characters"}},
		{"hello, unknown field", "hello", sdk.Config{"colour": "red"}, sdk.FieldErrors{"colour": "not a field of this publication"}},
		{"news, no feeds", "news", sdk.Config{}, sdk.FieldErrors{"feeds": "required"}},
		{"news, good", "news", sdk.Config{"feeds": "https://example.org/feed"}, nil},
		{"news, not an address (the plugin's Validate)", "news", sdk.Config{"feeds": "https://example.org/feed\nnot a url"},
			sdk.FieldErrors{"feeds": `line 2: "not a url" is not an http:// or https:// address`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := h.Validate(t.Context(), tt.pub, tt.config)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("Validate: %v, want nil", err)
				}
				return
			}
			var fe sdk.FieldErrors
			if !errors.As(err, &fe) {
				t.Fatalf("Validate: %v (%T), want FieldErrors %v", err, err, tt.want)
			}
			if got, want := fe.Error(), tt.want.Error(); got != want {
				t.Errorf("Validate: %q, want %q", got, want)
			}
		})
	}
}

func TestHost_Unknown(t *testing.T) {
	h, _ := newHost(t, testConfig(t.TempDir()))
	add(t, h, binary(t, "hello"))
	calls := map[string]func() error{
		"Meta":     func() error { _, err := h.Meta("nope"); return err },
		"Validate": func() error { return h.Validate(t.Context(), "nope", sdk.Config{}) },
		"Render":   func() error { _, err := h.Render(t.Context(), "nope", sdk.RenderArgs{Time: morning(t)}); return err },
	}
	for name, call := range calls {
		t.Run(name, func(t *testing.T) {
			if err := call(); !errors.Is(err, ErrUnknown) || !strings.Contains(err.Error(), `"nope"`) {
				t.Fatalf("%s: %v, want ErrUnknown naming the publication", name, err)
			}
		})
	}
}

func TestHost_Panics(t *testing.T) {
	h, logs := newHost(t, testConfig(t.TempDir()))
	add(t, h, binary(t, "panics"))
	for i := range 2 {
		_, err := h.Render(t.Context(), "panics", sdk.RenderArgs{Time: morning(t)})
		pe := asError(t, err)
		if pe.Publication != "panics" || !strings.Contains(pe.Msg, "the publication crashed") || !strings.Contains(pe.Msg, "nil map") {
			t.Errorf("Render %d: %q, want it to say the publication crashed, and why", i, pe.Error())
		}
		if strings.Contains(pe.Msg, "goroutine") {
			t.Errorf("Render %d: the message has the stack: %q", i, pe.Msg)
		}
	}
	// The process lives on and serves the next call.
	if err := h.Validate(t.Context(), "panics", sdk.Config{}); err != nil {
		t.Errorf("Validate after the panics: %v", err)
	}
	if in := info(t, h, "panics"); !in.Running || in.Restarts != 0 {
		t.Errorf("after panics: %+v, want running and no restarts", in)
	}
	if n := len(logs.records(msg("publication panicked", "panics"))); n != 2 {
		t.Errorf("%d records of the panic with its stack, want 2", n)
	}
}

func TestHost_Crashes(t *testing.T) {
	h, logs := newHost(t, testConfig(t.TempDir()))
	add(t, h, binary(t, "crashes"))
	first := logs.pids("crashes")

	_, err := h.Render(t.Context(), "crashes", sdk.RenderArgs{Time: morning(t)})
	if pe := asError(t, err); !strings.Contains(pe.Msg, "crashed") {
		t.Fatalf("Render: %q, want it to say the plugin crashed", pe.Error())
	}
	waitGone(t, first...)
	// At once, the call is refused while the plugin restarts, or the
	// watcher has restarted it already.
	if err := h.Validate(t.Context(), "crashes", sdk.Config{}); err != nil {
		if pe := asError(t, err); !strings.Contains(pe.Msg, "restart") {
			t.Errorf("Validate just after the crash: %q, want success or a word on the restart", pe.Error())
		}
	}
	waitFor(t, "the watcher to restart crashes", func() bool { in := info(t, h, "crashes"); return in.Running && in.Restarts == 1 })
	if err := h.Validate(t.Context(), "crashes", sdk.Config{}); err != nil {
		t.Errorf("Validate after the restart: %v", err)
	}
	if in := info(t, h, "crashes"); !strings.Contains(in.LastError, "crashed") {
		t.Errorf("LastError %q, want it to say it crashed", in.LastError)
	}

	// Again: the restarts count up.
	if _, err := h.Render(t.Context(), "crashes", sdk.RenderArgs{Time: morning(t)}); err == nil {
		t.Fatal("the second Render did not fail")
	}
	waitFor(t, "the second restart", func() bool { in := info(t, h, "crashes"); return in.Running && in.Restarts == 2 })

	// The dying process's stderr was logged under the plugin's name.
	if n := len(logs.records(func(r record) bool {
		return r.str("msg") == "plugin says" && r.str("publication") == "crashes" && r.str("line") == "panic: boom"
	})); n != 2 {
		t.Errorf("%d log records of the panic, want 2; log:\n%s", n, logs)
	}
}

// TestHost_RestartBackoff replaces a plugin's binary with one that exits
// at start: its restarts fail, each waiting twice as long as the last, up
// to RestartMax, until a good binary is back.
func TestHost_RestartBackoff(t *testing.T) {
	cfg := testConfig(t.TempDir())
	h, logs := newHost(t, cfg)
	path := filepath.Join(cfg.Dir, "flaky")
	install(t, binary(t, "crashes"), path)
	add(t, h, path)

	install(t, binary(t, "exits"), path)
	if _, err := h.Render(t.Context(), "crashes", sdk.RenderArgs{Time: morning(t)}); err == nil {
		t.Fatal("Render did not fail")
	}
	stopped := func() []record { return logs.records(msg("plugin stopped; restarting", "flaky")) }
	waitFor(t, "five failures", func() bool { return len(stopped()) >= 5 })

	err := h.Validate(t.Context(), "crashes", sdk.Config{})
	if pe := asError(t, err); !strings.Contains(pe.Msg, "restarting after a failure") && !strings.Contains(pe.Msg, "did not start") {
		t.Errorf("Validate while it cannot start: %q, want it to say it is restarting", pe.Error())
	}
	if in := info(t, h, "crashes"); in.Running || in.Restarts != 0 || !strings.Contains(in.LastError, "did not start") {
		t.Errorf("while it cannot start: %+v, want not running, no restarts, and why", in)
	}
	recs := stopped()
	for i, r := range recs[:5] {
		want := min(cfg.RestartMin<<i, cfg.RestartMax)
		if got := time.Duration(r["in"].(float64)); got != want {
			t.Errorf("failure %d: restart in %v, want %v", i+1, got, want)
		}
		if got := int(r["failures_in_a_row"].(float64)); got != i+1 {
			t.Errorf("failure %d: %d failures in a row", i+1, got)
		}
		if why := r.str("why"); i > 0 && !strings.Contains(why, "did not start") {
			t.Errorf("failure %d: why %q", i+1, why)
		}
	}
	if n := len(logs.records(func(r record) bool {
		return r.str("plugin") == "flaky" && r.str("line") == "exits: cannot read my settings"
	})); n == 0 {
		t.Error("the failed starts' stderr is not in the log")
	}

	install(t, binary(t, "crashes"), path)
	waitFor(t, "a good restart", func() bool { in := info(t, h, "crashes"); return in.Running && in.Restarts == 1 })
	if err := h.Validate(t.Context(), "crashes", sdk.Config{}); err != nil {
		t.Errorf("Validate after the restart: %v", err)
	}
}

// TestHost_RenamedPlugin: a binary that comes back as another publication
// is not started in the first one's place.
func TestHost_RenamedPlugin(t *testing.T) {
	cfg := testConfig(t.TempDir())
	h, logs := newHost(t, cfg)
	path := filepath.Join(cfg.Dir, "plugin")
	install(t, binary(t, "crashes"), path)
	add(t, h, path)
	install(t, binary(t, "hello"), path)
	if _, err := h.Render(t.Context(), "crashes", sdk.RenderArgs{Time: morning(t)}); err == nil {
		t.Fatal("Render did not fail")
	}
	waitFor(t, "a refused restart", func() bool {
		return len(logs.records(func(r record) bool {
			return r.str("msg") == "plugin stopped; restarting" && strings.Contains(r.str("why"), `it was "crashes" and is now "hello"`)
		})) > 0
	})
	h.Close()
	waitGone(t, logs.pids("plugin")...)
	if in := info(t, h, "crashes"); in.Meta.Name != "crashes" || in.Restarts != 0 {
		t.Errorf("after a refused restart: %+v", in)
	}
}

func TestHost_Hangs(t *testing.T) {
	cfg := testConfig(t.TempDir())
	cfg.CallTimeout = time.Second
	h, logs := newHost(t, cfg)
	add(t, h, binary(t, "hangs"))
	first := logs.pids("hangs")

	done := make(chan error, 1)
	go func() {
		_, err := h.Render(context.Background(), "hangs", sdk.RenderArgs{Time: morning(t)})
		done <- err
	}()
	var err error
	select {
	case err = <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("Render of a hanging plugin did not return")
	}
	if pe := asError(t, err); pe.Publication != "hangs" || !strings.Contains(pe.Msg, "did not answer within 1s") {
		t.Errorf("Render: %q, want it to say the plugin did not answer in time", pe.Error())
	}
	waitGone(t, first...)
	waitFor(t, "hangs to restart", func() bool { in := info(t, h, "hangs"); return in.Running && in.Restarts == 1 })
	if err := h.Validate(t.Context(), "hangs", sdk.Config{}); err != nil {
		t.Errorf("Validate after the restart: %v", err)
	}
}

// TestHost_CancelledCall: a caller that gives up is answered at once, and
// the plugin is not blamed.
func TestHost_CancelledCall(t *testing.T) {
	h, _ := newHost(t, testConfig(t.TempDir()))
	add(t, h, binary(t, "hangs"))
	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	_, err := h.Render(ctx, "hangs", sdk.RenderArgs{Time: morning(t)})
	if pe := asError(t, err); !strings.Contains(pe.Msg, "cancelled") || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Render: %q, want cancelled", pe.Error())
	}
	if in := info(t, h, "hangs"); !in.Running || in.Restarts != 0 || in.LastError != "" {
		t.Errorf("after a cancelled call: %+v, want it running, not blamed", in)
	}
}

// TestHost_ConcurrentRestart: calls that find a plugin down together
// start one process, not one each.
func TestHost_ConcurrentRestart(t *testing.T) {
	cfg := testConfig(t.TempDir())
	cfg.CallTimeout = 2 * time.Second
	cfg.CheckEvery = time.Hour // no watcher: the calls restart it
	cfg.RestartMin = time.Millisecond
	h, logs := newHost(t, cfg)
	add(t, h, binary(t, "hangs"))
	if _, err := h.Render(t.Context(), "hangs", sdk.RenderArgs{Time: morning(t)}); err == nil {
		t.Fatal("Render did not fail")
	}

	const n = DefaultConcurrency
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { errs[i] = h.Validate(t.Context(), "hangs", sdk.Config{}) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("call %d: %v", i, err)
		}
	}
	pids := logs.pids("hangs")
	if len(pids) != 2 {
		t.Errorf("processes started: %v, want the first and one restart", pids)
	}
	if in := info(t, h, "hangs"); in.Restarts != 1 {
		t.Errorf("%d restarts, want 1", in.Restarts)
	}
	h.Close()
	waitGone(t, pids...)
}

func TestHost_MemoryLimit(t *testing.T) {
	cfg := testConfig(t.TempDir())
	cfg.MemoryLimitBytes = 1 << 20 // any Go program is larger
	h, logs := newHost(t, cfg)
	add(t, h, binary(t, "hello"))
	first := logs.pids("hello")
	waitFor(t, "the watcher to kill hello and restart it", func() bool { return info(t, h, "hello").Restarts >= 1 })
	waitGone(t, first...)
	recs := logs.records(msg("plugin stopped; restarting", "hello"))
	if len(recs) == 0 || !strings.Contains(recs[0].str("why"), "over the limit of 1 MB") {
		t.Errorf("why it was stopped: %v, want the memory limit", recs)
	}
	if in := info(t, h, "hello"); !strings.Contains(in.LastError, "over the limit") {
		t.Errorf("LastError %q, want the memory limit", in.LastError)
	}
}

// TestHost_Garbage: a plugin that speaks the protocol but sends bytes that
// are not a picture, or one too wide, starts and answers; the host hands the
// bytes on as they are, and the server refuses them (core's editionBitmap).
func TestHost_Garbage(t *testing.T) {
	h, _ := newHost(t, testConfig(t.TempDir()))
	add(t, h, binary(t, "garbage"))
	tests := []struct {
		config  sdk.Config
		decodes bool
		width   int
	}{
		{sdk.Config{}, false, 0},
		{sdk.Config{"wide": "true"}, true, 1000},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.config), func(t *testing.T) {
			out, err := h.Render(t.Context(), "garbage", sdk.RenderArgs{Config: tt.config, Time: morning(t)})
			if err != nil {
				t.Fatal(err)
			}
			img, err := png.Decode(bytes.NewReader(out.PNG))
			if (err == nil) != tt.decodes {
				t.Fatalf("decoding the edition: %v, want it to decode: %v", err, tt.decodes)
			}
			if err == nil && img.Bounds().Dx() != tt.width {
				t.Errorf("width %d, want %d", img.Bounds().Dx(), tt.width)
			}
		})
	}
}

func TestHost_SharedEditions(t *testing.T) {
	h, _ := newHost(t, testConfig(t.TempDir()))
	add(t, h, binary(t, "counts"))
	file := filepath.Join(t.TempDir(), "renders")
	renders := func() int {
		data, err := os.ReadFile(file)
		if errors.Is(err, os.ErrNotExist) {
			return 0
		}
		if err != nil {
			t.Fatal(err)
		}
		return bytes.Count(data, []byte("\n"))
	}
	slow := sdk.Config{"file": file, "pause_ms": "300"}
	day := morning(t)
	tests := []struct {
		name  string
		args  sdk.RenderArgs
		times int // concurrent calls
		want  int // renders in all, after these calls
	}{
		{"together, one render", sdk.RenderArgs{Config: slow, Time: day}, 4, 1},
		{"later that day, the same edition", sdk.RenderArgs{Config: slow, Time: day.Add(10 * time.Hour)}, 1, 1},
		{"the same day elsewhere, the same edition", sdk.RenderArgs{Config: slow, Time: day.In(time.UTC)}, 1, 1},
		{"another config", sdk.RenderArgs{Config: sdk.Config{"file": file}, Time: day}, 2, 2},
		{"the next day", sdk.RenderArgs{Config: slow, Time: day.AddDate(0, 0, 1)}, 2, 3},
		{"a push is never shared", sdk.RenderArgs{Config: slow, Time: day, Push: &sdk.PushItem{Text: "hi", SentAt: day}}, 2, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			outs := make([]sdk.Output, tt.times)
			errs := make([]error, tt.times)
			var wg sync.WaitGroup
			for i := range tt.times {
				wg.Go(func() { outs[i], errs[i] = h.Render(t.Context(), "counts", tt.args) })
			}
			wg.Wait()
			for i := range tt.times {
				if errs[i] != nil {
					t.Fatalf("Render %d: %v", i, errs[i])
				}
				if len(outs[i].PNG) == 0 || !bytes.Equal(outs[i].PNG, outs[0].PNG) {
					t.Errorf("Render %d: a different edition", i)
				}
			}
			if got := renders(); got != tt.want {
				t.Errorf("the plugin rendered %d times in all, want %d", got, tt.want)
			}
		})
	}
}

func TestHost_Close(t *testing.T) {
	dir := pluginDir(t, "hello", "news", "counts", "panics")
	h, logs := newHost(t, testConfig(dir))
	if err := h.Load(t.Context()); err != nil {
		t.Fatal(err)
	}
	var pids []int
	for _, name := range []string{"hello", "news", "counts", "panics"} {
		p := logs.pids(name)
		if len(p) != 1 || !alive(p[0]) {
			t.Fatalf("%s: processes %v, want one, running", name, p)
		}
		pids = append(pids, p...)
	}
	h.Close()
	waitGone(t, pids...)
	for _, in := range h.Publications() {
		if in.Running {
			t.Errorf("%s runs after Close", in.Meta.Name)
		}
	}
	// A call after Close fails, and starts nothing.
	_, err := h.Render(t.Context(), "hello", sdk.RenderArgs{Time: morning(t)})
	asError(t, err)
	if n := len(logs.records(func(r record) bool { return r.str("msg") == "plugin restarted" })); n != 0 {
		t.Errorf("%d plugins restarted after Close", n)
	}
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
