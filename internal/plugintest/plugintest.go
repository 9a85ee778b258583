// Package plugintest runs publication plugins in tests without building
// them. A test binary whose TestMain calls Main first serves, when started
// as "TESTBINARY publication-process NAME", the built-in publication NAME
// or one of the misbehaving ones of this package (crashes, hangs, …), just
// as the paperboy binary serves its built-ins. Builtin starts one so, as
// the server starts a built-in; Folder makes a plugins folder of scripts
// that do, as an operator's own plugin binaries would be.
package plugintest

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"paperboy/plugins/builtin"
)

// Main makes the test binary a publication's process when it was started
// as one, and returns otherwise. Call it first in TestMain.
func Main() {
	if len(os.Args) != 3 || os.Args[1] != builtin.Command {
		// A binary built with -race sleeps a second as it exits; the
		// plugin processes of the tests need not.
		os.Setenv("GORACE", os.Getenv("GORACE")+" atexit_sleep_ms=0")
		return
	}
	name := os.Args[2]
	if serve, ok := misbehaving[name]; ok {
		serve()
		os.Exit(0)
	}
	if err := builtin.Serve(name); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(0)
}

// Self is the test binary's path.
func Self(tb testing.TB) string {
	tb.Helper()
	self, err := os.Executable()
	if err != nil {
		tb.Fatal(err)
	}
	return self
}

// Args is the command line that starts the test binary as the
// publication name.
func Args(name string) []string { return []string{"plugintest", builtin.Command, name} }

// Folder makes a plugins folder for the test with a plugin for each name
// (a built-in's, or a misbehaving one's): an executable file of that name
// that starts the test binary as the publication.
func Folder(tb testing.TB, names ...string) string {
	tb.Helper()
	dir := tb.TempDir()
	for _, name := range names {
		Script(tb, filepath.Join(dir, name), name)
	}
	return dir
}

// Script writes at path a plugin that starts the test binary as the
// publication name. It replaces what is there at once (a rename), as an
// operator deploying a new build would.
func Script(tb testing.TB, path, name string) {
	tb.Helper()
	self := strings.ReplaceAll(Self(tb), "'", `'\''`)
	body := fmt.Sprintf("#!/bin/sh\nexec '%s' %s %s\n", self, builtin.Command, name)
	Install(tb, path, []byte(body))
}

// Install writes an executable file at path with data, replacing what is
// there at once (a rename). Tests run in parallel, and a file being written
// while another goroutine forks stays open for writing in the child until
// it execs; starting that file then fails with "text file busy". Holding
// syscall.ForkLock for reading while the file is open keeps forks out.
func Install(tb testing.TB, path string, data []byte) {
	tb.Helper()
	tmp := path + ".new"
	syscall.ForkLock.RLock()
	err := os.WriteFile(tmp, data, 0o755)
	syscall.ForkLock.RUnlock()
	if err != nil {
		tb.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		tb.Fatal(err)
	}
}

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
