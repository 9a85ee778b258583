package main

import (
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"paperboy/codec"
	"paperboy/internal/plugintest"
)

// TestBinaryAlone: the paperboy binary, built with go build and copied
// alone into an empty folder, works as a new user would run it, with no
// file of the repository in reach: serve starts with the five built-in
// publications, each a process of that binary (one killed is restarted),
// user add prints a token, and a virtual printer claims itself with it and
// prints a note and a puzzle.
func TestBinaryAlone(t *testing.T) {
	t.Parallel()
	built := filepath.Join(t.TempDir(), "paperboy")
	args := []string{"build", "-o", built}
	if raceEnabled {
		args = append(args, "-race") // the packages are built so for the tests already
	}
	build := exec.Command("go", append(args, "./cmd/paperboy")...)
	build.Dir = plugintest.Root(t)
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "paperboy")
	data, err := os.ReadFile(built)
	if err != nil {
		t.Fatal(err)
	}
	plugintest.Install(t, bin, data)
	// Nothing of the tests' environment: no PAPERBOY_ variables, a home
	// of its own, and the folder as its working directory.
	env := []string{"HOME=" + dir, "PATH=/usr/bin:/bin", "GORACE=atexit_sleep_ms=0"}
	command := func(args ...string) *exec.Cmd {
		cmd := exec.Command(bin, args...)
		cmd.Dir, cmd.Env = dir, env
		return cmd
	}

	srv := launch(t, command("serve", "--listen", "127.0.0.1:0"))
	base := srv.waitLine(regexp.MustCompile(`serving on (http://[0-9.:]+)`))[1]
	out, err := command("user", "add", "ann@example.com").Output()
	if err != nil {
		t.Fatalf("user add: %v", err)
	}
	token := strings.TrimSpace(string(out))
	api := apiClient{t, base, token}

	type publication struct {
		Name     string `json:"name"`
		BuiltIn  bool   `json:"built_in"`
		Running  bool   `json:"running"`
		Restarts int    `json:"restarts"`
	}
	var pubs struct {
		Publications []publication `json:"publications"`
	}
	if st := api.call("GET", "/api/v1/publications", "", nil, &pubs); st != http.StatusOK {
		t.Fatalf("publications: %d", st)
	}
	var names []string
	for _, p := range pubs.Publications {
		if !p.BuiltIn || !p.Running {
			t.Errorf("publication %+v, want it built in and running", p)
		}
		names = append(names, p.Name)
	}
	if want := []string{"friends", "hello", "news", "puzzle", "weather"}; !slices.Equal(names, want) {
		t.Fatalf("publications %v, want %v", names, want)
	}

	// A built-in killed is restarted, from the same binary.
	var puzzle int
	for _, pid := range childrenOf(t, srv.cmd.Process.Pid) {
		if cmdline, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid)); string(cmdline) == "paperboy\x00publication-process\x00puzzle\x00" {
			puzzle = pid
		}
	}
	if puzzle == 0 {
		t.Fatal("no process paperboy publication-process puzzle under the server")
	}
	if err := syscall.Kill(puzzle, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 20*time.Second, "the puzzle publication restarted", func() bool {
		api.call("GET", "/api/v1/publications", "", nil, &pubs)
		i := slices.IndexFunc(pubs.Publications, func(p publication) bool { return p.Name == "puzzle" })
		return pubs.Publications[i].Running && pubs.Publications[i].Restarts == 1
	})

	printer := launch(t, command("printer", "--server", "ws"+strings.TrimPrefix(base, "http")+"/api/v1/connection",
		"--claim", token, "--heartbeat", "1s"))
	id := printer.waitLine(regexp.MustCompile(`claimed; it is printer (\d+) in the API`))[1]
	printed := regexp.MustCompile(`^printed command \d+ on [0-9a-f]{16}: (\S+)$`)
	for _, p := range []struct{ path, body string }{
		{"/print", `{"text": "Hello from a binary on its own"}`},
		{"/editions", `{"publication": "puzzle", "config": {"difficulty": "easy"}}`},
	} {
		var queued map[string]any
		if st := api.call("POST", "/api/v1/printers/"+id+p.path, "application/json", strings.NewReader(p.body), &queued); st != http.StatusAccepted {
			t.Fatalf("POST %s: %d %v", p.path, st, queued)
		}
		file := printer.waitLine(printed)[1]
		if !strings.HasPrefix(file, filepath.Join("data", "prints")+string(filepath.Separator)) {
			t.Errorf("the print of %s was saved at %s, want data/prints in the folder", p.path, file)
		}
		if img := readPNG(t, filepath.Join(dir, file)); img.Bounds().Dx() != codec.PrintWidth || img.Bounds().Dy() < 100 {
			t.Errorf("the print of %s is %v", p.path, img.Bounds())
		}
	}
	// The history says both printed once the printer has said so.
	waitFor(t, 20*time.Second, "both deliveries printed", func() bool {
		var hist struct {
			Deliveries []struct {
				Kind  string `json:"kind"`
				State string `json:"state"`
			} `json:"deliveries"`
		}
		if st := api.call("GET", "/api/v1/printers/"+id+"/deliveries", "", nil, &hist); st != http.StatusOK {
			t.Fatalf("deliveries: %d", st)
		}
		return fmt.Sprint(hist.Deliveries) == "[{edition printed} {message printed}]"
	})
	if err := printer.stop(syscall.SIGTERM); err != nil {
		t.Errorf("printer: %v", err)
	}
	if err := srv.stop(syscall.SIGTERM); err != nil {
		t.Errorf("serve after SIGTERM: %v", err)
	}
	// What it wrote, it wrote in its data folder.
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var made []string
	for _, e := range entries {
		made = append(made, e.Name())
	}
	if !slices.Equal(made, []string{"data", "paperboy"}) {
		t.Errorf("the folder holds %v, want the binary and its data folder", made)
	}
}
