// Package plugintest builds publication plugins for tests: the built-in
// ones under plugins/, and the misbehaving ones under plugins/testdata/.
package plugintest

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Root is the module root, found from the working directory.
func Root(tb testing.TB) string {
	tb.Helper()
	wd, err := os.Getwd()
	if err != nil {
		tb.Fatal(err)
	}
	for d := wd; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d
		}
		if filepath.Dir(d) == d {
			tb.Fatalf("plugintest: no go.mod above %s", wd)
		}
	}
}

// Build builds the plugins named (a built-in's name, such as "hello", or
// "testdata/hangs") into a temporary folder of the test, one binary named
// after each, and returns the folder.
func Build(tb testing.TB, names ...string) string {
	tb.Helper()
	out := tb.TempDir()
	args := []string{"build", "-o", out + string(os.PathSeparator)}
	for _, name := range names {
		args = append(args, "./plugins/"+name)
	}
	cmd := exec.Command("go", args...)
	cmd.Dir = Root(tb)
	if msg, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, msg)
	}
	return out
}
