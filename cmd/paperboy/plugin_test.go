package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"paperboy/codec"
	"paperboy/internal/plugintest"
)

func TestPlugin_List(t *testing.T) {
	t.Parallel()
	mine := plugintest.Folder(t, "hello") // a plugin of the folder named as a built-in
	tests := []struct {
		name    string
		args    []string
		want    []string
		notWant []string
	}{
		{"the built-ins", []string{"--plugins", t.TempDir()}, []string{
			"friends — Notes from friends (built-in)", "hello — Hello (built-in)", "news — News (built-in)",
			"puzzle — Daily Sudoku (built-in)", "weather — Weather (built-in)",
			"config name: Your name (text, default \"world\")", "config feeds: Feeds (textarea, required)"}, nil},
		{"some built-ins", []string{"--plugins", t.TempDir(), "--builtins", "news, puzzle"},
			[]string{"news — News (built-in)", "puzzle — Daily Sudoku (built-in)"}, []string{"hello", "friends", "weather"}},
		{"a plugin replaces a built-in", []string{"--plugins", mine, "--builtins", "hello,news"},
			[]string{"hello — Hello (plugin " + filepath.Join(mine, "hello") + ")", "news — News (built-in)"}, []string{"hello — Hello (built-in)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := paperboy(t, "", append([]string{"plugin", "list"}, tt.args...)...)
			r.mustSucceed(t)
			for _, want := range tt.want {
				if !strings.Contains(r.stdout, want) {
					t.Errorf("plugin list does not say %q:\n%s", want, r.stdout)
				}
			}
			for _, no := range tt.notWant {
				if strings.Contains(r.stdout, no) {
					t.Errorf("plugin list says %q:\n%s", no, r.stdout)
				}
			}
		})
	}
	for _, args := range [][]string{
		{"--plugins", t.TempDir(), "--builtins", "none"}, // no publications at all
		{"--builtins", "hello,gossip"},                   // not a built-in
	} {
		paperboy(t, "", append([]string{"plugin", "list"}, args...)...).mustFailWithOneLine(t)
	}
}

func TestPlugin_Preview(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		ok   bool
	}{
		{"a config and a time", []string{"--config", "name=Ada", "--at", "2026-12-01T08:00:00+01:00"}, true},
		{"a time in a zone", []string{"--at", "2026-12-01T08:00:00 Europe/London"}, true},
		{"a config the form refuses", []string{"--config", "colour=red"}, false},
		{"a bad time", []string{"--at", "tomorrow"}, false},
		{"a bad zone", []string{"--at", "2026-12-01T08:00:00 Mars/Olympus"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out.png")
			r := paperboy(t, "", append(append([]string{"plugin", "preview", "hello"}, tt.args...), "-o", out)...)
			if !tt.ok {
				r.mustFailWithOneLine(t)
				return
			}
			r.mustSucceed(t)
			var info struct {
				Publication string `json:"publication"`
				Height      int    `json:"height"`
			}
			if err := json.Unmarshal([]byte(r.stdout), &info); err != nil {
				t.Fatalf("%v: %s", err, r.stdout)
			}
			img := readPNG(t, out)
			if b := img.Bounds(); info.Publication != "hello" || b.Dx() != codec.PrintWidth || b.Dy() != info.Height || b.Dy() < 50 {
				t.Fatalf("preview %v, says %+v", b, info)
			}
		})
	}
}

// TestPlugin_PreviewWhich: plugin preview and plugin test take a built-in's
// name or a folder with a program in it; a built-in's folder is not one,
// and the error says to use its name.
func TestPlugin_PreviewWhich(t *testing.T) {
	t.Parallel()
	root := plugintest.Root(t)
	out := filepath.Join(t.TempDir(), "out.png")
	r := paperboy(t, "", "plugin", "preview", filepath.Join(root, "plugins", "puzzle"), "-o", out)
	r.mustFailWithOneLine(t)
	if !strings.Contains(r.stderr, "not a program") || !strings.Contains(r.stderr, "paperboy plugin preview puzzle") {
		t.Errorf("preview of a built-in's folder says %q, want it to say to use the name", r.stderr)
	}
	paperboy(t, "", "plugin", "preview", "gossip", "-o", out).mustFailWithOneLine(t) // neither a built-in nor a folder
	r = paperboy(t, "", "plugin", "test", "puzzle")
	r.mustSucceed(t)
	for _, want := range []string{"ok   starts and describes itself: puzzle", "ok   renders an edition a printer can print"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("plugin test puzzle does not say %q:\n%s", want, r.stdout)
		}
	}
	if strings.Contains(r.stdout, "go test") {
		t.Errorf("plugin test of a built-in ran go test:\n%s", r.stdout)
	}
}

// TestPlugin_NewAndTest makes a scaffold, checks it with plugin test, and
// previews it: what the SDK guide tells an author to do.
func TestPlugin_NewAndTest(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(plugintest.Root(t), "plugins", "testdata", "scaffold-"+strings.ToLower(strings.ReplaceAll(t.Name(), "/", "-")))
	os.RemoveAll(dir)
	t.Cleanup(func() { os.RemoveAll(dir) })
	r := paperboy(t, "", "plugin", "new", "my-pub", "--dir", dir)
	r.mustSucceed(t)
	if !strings.Contains(r.stdout, "plugin preview") {
		t.Fatalf("plugin new does not say what to do next: %s", r.stdout)
	}
	paperboy(t, "", "plugin", "new", "my-pub", "--dir", dir).mustFailWithOneLine(t) // exists already
	paperboy(t, "", "plugin", "new", "My Pub").mustFailWithOneLine(t)

	r = paperboy(t, "", "plugin", "test", dir)
	r.mustSucceed(t)
	for _, want := range []string{"ok   starts and describes itself: my-pub", "ok   takes its default config", "ok   renders an edition a printer can print"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("plugin test does not say %q:\n%s", want, r.stdout)
		}
	}
	out := filepath.Join(t.TempDir(), "my-pub.png")
	paperboy(t, "", "plugin", "preview", dir, "--config", "name=Ada", "-o", out).mustSucceed(t)
	if b := readPNG(t, out).Bounds(); b.Dx() != codec.PrintWidth {
		t.Fatalf("preview is %v", b)
	}
}
