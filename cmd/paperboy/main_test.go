package main

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"paperboy/internal/syncbuf"
	"paperboy/plugins/builtin"
)

// The tests run the real command: the test binary re-runs itself as
// paperboy when this variable is set (go-plugin's helper-process trick), so
// no separate build is needed.
const helperEnv = "PAPERBOY_TEST_AS_MAIN"

func TestMain(m *testing.M) {
	// The server starts its built-in publications as processes of its
	// own binary, which here is this one: paperboy publication-process
	// NAME, with no variable set when a command ran in this process.
	// So does paperboy loadtest, for its workers and reference server.
	if os.Getenv(helperEnv) == "1" || len(os.Args) > 1 && os.Args[1] == builtin.Command ||
		len(os.Args) > 2 && os.Args[1] == "loadtest" && (os.Args[2] == "worker" || os.Args[2] == "reference") {
		os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
	}
	// A binary built with -race sleeps a second as it exits; the servers
	// and publications the tests start need not.
	os.Setenv("GORACE", os.Getenv("GORACE")+" atexit_sleep_ms=0")
	os.Exit(m.Run())
}

// result is what one run of paperboy gave.
type result struct {
	stdout, stderr string
	code           int
}

// paperboy runs the paperboy command with args and stdin, in this process:
// run is all main does but exit, and starting the (race) binary again for
// each of the hundreds of golden cases took most of this package's time.
// Commands that must run beside the test (serve, printer) use start.
func paperboy(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(args, strings.NewReader(stdin), &out, &errOut)
	return result{out.String(), errOut.String(), code}
}

// mustSucceed fails the test unless r is a success with an empty stderr.
func (r result) mustSucceed(t *testing.T) {
	t.Helper()
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
}

// mustFailWithOneLine fails the test unless r is exit status 1 with exactly
// one line on stderr and nothing on stdout.
func (r result) mustFailWithOneLine(t *testing.T) {
	t.Helper()
	if r.code != 1 {
		t.Fatalf("exit %d, want 1 (stderr %q)", r.code, r.stderr)
	}
	if strings.Count(r.stderr, "\n") != 1 || !strings.HasSuffix(r.stderr, "\n") || len(r.stderr) < 20 {
		t.Fatalf("stderr %q, want one line that says what is wrong", r.stderr)
	}
	if r.stdout != "" {
		t.Fatalf("stdout %q, want nothing", r.stdout)
	}
}

func TestRun_Usage(t *testing.T) {
	tests := []struct {
		args []string
		code int
	}{
		{nil, 0},
		{[]string{"help"}, 0},
		{[]string{"codec", "claim", "-h"}, 0},
		{[]string{"nonsense"}, 2},
		{[]string{"codec"}, 2},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			var out, errOut bytes.Buffer
			if got := run(tt.args, strings.NewReader(""), &out, &errOut); got != tt.code {
				t.Fatalf("exit %d, want %d (stderr %q)", got, tt.code, errOut.String())
			}
			if tt.code == 0 && !strings.Contains(out.String(), "paperboy") {
				t.Errorf("help says %q", out.String())
			}
		})
	}
}

func TestFlags_Parse(t *testing.T) {
	tests := []struct {
		args []string
		o    string
		rest []string
	}{
		{[]string{"a.png", "-o", "x.png"}, "x.png", []string{"a.png"}},
		{[]string{"-o", "x.png", "a.png", "b.png"}, "x.png", []string{"a.png", "b.png"}},
		{[]string{"a.png", "--", "-o"}, "", []string{"a.png", "-o"}},
		{nil, "", nil},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			fs := newFlags(env{stdout: &bytes.Buffer{}}, "t", "t")
			o := fs.String("o", "", "")
			rest, err := fs.parse(tt.args)
			if err != nil {
				t.Fatal(err)
			}
			if *o != tt.o || strings.Join(rest, ",") != strings.Join(tt.rest, ",") {
				t.Errorf("o=%q rest=%q, want %q %q", *o, rest, tt.o, tt.rest)
			}
		})
	}
}

// proc is a paperboy command running in the background, such as serve or
// printer, whose stdout the test reads line by line.
type proc struct {
	t      *testing.T
	name   string
	cmd    *exec.Cmd
	lines  chan string
	exited chan error
	stderr *syncbuf.Buffer
}

// start runs paperboy with args in the background, with extra environment
// variables; it is killed when the test ends, and its stderr is shown if
// the test failed.
func start(t *testing.T, env []string, args ...string) *proc {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(append(os.Environ(), helperEnv+"=1"), env...)
	return launch(t, cmd)
}

// launch starts cmd, a paperboy command, in the background, as start does.
func launch(t *testing.T, cmd *exec.Cmd) *proc {
	t.Helper()
	p := &proc{t: t, name: strings.Join(cmd.Args[1:], " "), cmd: cmd, lines: make(chan string, 4096), exited: make(chan error, 1), stderr: &syncbuf.Buffer{}}
	cmd.Stderr = p.stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			p.lines <- sc.Text()
		}
		p.exited <- cmd.Wait() // after stdout is read to its end, as Wait wants
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		if err, ok := <-p.exited; ok {
			p.exited <- err
		}
		if t.Failed() {
			t.Logf("stderr of paperboy %s:\n%s", p.name, p.stderr.String())
		}
	})
	return p
}

// waitLine returns the submatches of the first line of stdout that matches
// re, waiting up to 20 s.
func (p *proc) waitLine(re *regexp.Regexp) []string {
	p.t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		select {
		case l := <-p.lines:
			if m := re.FindStringSubmatch(l); m != nil {
				return m
			}
		case <-deadline:
			p.t.Fatalf("paperboy %s: stdout has no line like %s", p.name, re)
		}
	}
}

// stop sends sig and waits for the process to exit; it returns its error.
func (p *proc) stop(sig os.Signal) error {
	p.t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		p.t.Fatal(err)
	}
	select {
	case err := <-p.exited:
		p.exited <- err
		return err
	case <-time.After(20 * time.Second):
		p.t.Fatalf("paperboy %s did not stop on %v", p.name, sig)
	}
	return nil
}

// kill kills the process with SIGKILL and waits for it.
func (p *proc) kill() {
	p.t.Helper()
	p.cmd.Process.Kill()
	err := <-p.exited
	p.exited <- err
}
