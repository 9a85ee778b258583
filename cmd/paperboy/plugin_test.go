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
	dir := plugintest.Build(t, "hello", "news")
	r := paperboy(t, "", "plugin", "list", "--plugins", dir)
	r.mustSucceed(t)
	for _, want := range []string{"hello — Hello", "news — News", "config name: Your name (text, default \"world\")", "config feeds: Feeds (textarea, required)"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("plugin list does not say %q:\n%s", want, r.stdout)
		}
	}
	paperboy(t, "", "plugin", "list", "--plugins", t.TempDir()).mustFailWithOneLine(t)
}

func TestPlugin_Preview(t *testing.T) {
	t.Parallel()
	hello := filepath.Join(plugintest.Root(t), "plugins", "hello")
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
			r := paperboy(t, "", append(append([]string{"plugin", "preview", hello}, tt.args...), "-o", out)...)
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
