package plugins

import (
	"bytes"
	"errors"
	"fmt"
	"image/png"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"paperboy/internal/plugintest"
	"paperboy/sdk"
)

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

// TestHost_LoadBuiltins: the built-ins start from the server's own binary;
// a plugin of the folder with a built-in's name replaces it, and the log
// says so; a built-in that does not start, or is not what its name says,
// is left out and logged, and the others load.
func TestHost_LoadBuiltins(t *testing.T) {
	tests := []struct {
		name     string
		folder   []string  // plugins in the folder
		builtins []Builtin // beside hello and news
		want     map[string]bool
		logs     []string // messages the log must have, about the publication after the colon
	}{
		{"built-ins alone", nil, nil, map[string]bool{"hello": true, "news": true}, nil},
		{"a plugin replaces a built-in", []string{"hello"}, nil, map[string]bool{"hello": false, "news": true},
			[]string{"a plugin replaces the built-in publication:hello"}},
		{"a plugin beside the built-ins", []string{"counts"}, nil, map[string]bool{"hello": true, "news": true, "counts": false}, nil},
		{"a built-in that does not start", nil, []Builtin{builtin(t, "exits")}, map[string]bool{"hello": true, "news": true},
			[]string{"built-in publication not loaded:exits"}},
		{"a built-in that is another", nil, []Builtin{{Name: "weather", Path: plugintest.Self(t), Args: plugintest.Args("panics")}},
			map[string]bool{"hello": true, "news": true}, []string{"built-in publication not loaded:weather"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := testConfig(plugintest.Folder(t, tt.folder...))
			cfg.Builtins = append([]Builtin{builtin(t, "hello"), builtin(t, "news")}, tt.builtins...)
			h, logs := newHost(t, cfg)
			if err := h.Load(t.Context()); err != nil {
				t.Fatalf("Load: %v", err)
			}
			got := map[string]bool{}
			for _, in := range h.Publications() {
				got[in.Meta.Name] = in.Builtin
				wantPath := plugintest.Self(t)
				if !in.Builtin {
					wantPath = filepath.Join(cfg.Dir, in.Meta.Name)
				}
				if in.Path != wantPath || !in.Running {
					t.Errorf("%s: %+v, want it running from %s", in.Meta.Name, in, wantPath)
				}
			}
			if !maps.Equal(got, tt.want) {
				t.Errorf("publications (name: built-in) %v, want %v", got, tt.want)
			}
			for _, l := range tt.logs {
				m, pub, _ := strings.Cut(l, ":")
				if len(logs.records(func(r record) bool { return r.str("msg") == m && r.str("publication") == pub })) != 1 {
					t.Errorf("the log does not say %q of %s once:\n%s", m, pub, logs)
				}
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
