package main

import (
	"crypto/sha256"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"paperboy/internal/plugintest"
	"paperboy/internal/storetest"
	"paperboy/store"
)

// startPrinters runs a virtual bridge with n printers claimed by token,
// and returns it with its printers' API ids.
func startPrinters(t *testing.T, server string, n int, token string, extra ...string) (*proc, []int64) {
	t.Helper()
	dir := t.TempDir()
	args := append([]string{"printer", "--server", server, "--state", dir + "/printer.json", "--out", dir + "/prints",
		"--printers", strconv.Itoa(n), "--claim", token}, extra...)
	pr := start(t, nil, args...)
	claimed := regexp.MustCompile(`^printer \d+: claimed; it is printer (\d+) in the API`)
	ids := make([]int64, n)
	for i := range ids {
		id, _ := strconv.ParseInt(pr.waitLine(claimed)[1], 10, 64)
		ids[i] = id
	}
	return pr, ids
}

// printedLine is what the virtual printer says of each print.
var printedLine = regexp.MustCompile(`^printed command (\d+) on ([0-9a-f]{16}): (\S+)$`)

// TestCrash kills the server with SIGKILL while 200 deliveries are on their
// way to 20 virtual printers, starts it again, and checks that every
// delivery ends printed, none is lost, and no more are printed twice than
// were in flight at the kill.
func TestCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("the crash test takes a while; not in -short")
	}
	plugins := plugintest.Build(t, "friends")
	for _, kind := range storetest.Kinds {
		t.Run(kind, func(t *testing.T) {
			dsn := storetest.DSN(t, kind)
			token := strings.TrimSpace(paperboy(t, "", "user", "add", "--db", dsn, "ann@example.com").stdout)
			addr := freeAddr(t)
			serveArgs := []string{"serve", "--db", dsn, "--listen", addr, "--prints-per-minute", "100000", "--claims-per-minute", "1000", "--max-pending", "1000",
				"--answer-timeout", "10s", "--plugins", plugins}
			srv := start(t, nil, serveArgs...)
			srv.waitLine(regexp.MustCompile(`serving on`))
			// Printing takes a while (--slow), so that some are in flight at the kill.
			pr, printers := startPrinters(t, "ws://"+addr+"/api/v1/connection", 20, token, "--slow", "150ms")
			api := apiClient{t, "http://" + addr, token}
			waitFor(t, 20*time.Second, "20 printers online", func() bool {
				var out struct{ Printers []struct{ Status string } }
				api.call("GET", "/api/v1/printers", "", nil, &out)
				online := 0
				for _, p := range out.Printers {
					if p.Status == "online" {
						online++
					}
				}
				return online == 20
			})

			// Count every print as it comes: by content, each delivery's text is its own.
			prints := make(chan string, 1000)
			go func() {
				for l := range pr.lines {
					if m := printedLine.FindStringSubmatch(l); m != nil {
						prints <- m[3]
					}
				}
			}()
			for i := range 200 {
				var q struct {
					DeliveryID int64 `json:"delivery_id"`
				}
				if st := api.postJSON(fmt.Sprintf("/api/v1/printers/%d/print", printers[i%20]), map[string]string{"text": fmt.Sprintf("delivery %d", i)}, &q); st != 202 {
					t.Fatalf("print %d: status %d", i, st)
				}
			}
			seen := map[[32]byte]int{}
			total := 0
			count := func(file string) {
				data, err := os.ReadFile(file)
				if err != nil {
					t.Fatal(err)
				}
				seen[sha256.Sum256(data)]++
				total++
			}
			for total < 60 {
				select {
				case f := <-prints:
					count(f)
				case <-time.After(20 * time.Second):
					t.Fatalf("only %d printed before the kill", total)
				}
			}

			srv.kill()
			waitFor(t, 10*time.Second, "the plugins die with the killed server", func() bool { return len(processesOf(t, plugins)) == 0 })
			st, err := store.Open(t.Context(), dsn)
			if err != nil {
				t.Fatal(err)
			}
			inFlight, err := st.CountDeliveries(t.Context(), store.StateSent)
			if err != nil {
				t.Fatal(err)
			}
			pending, _ := st.CountDeliveries(t.Context(), store.StatePending)
			st.Close()
			t.Logf("killed after %d prints: %d deliveries in flight (sent, not known printed), %d pending", total, inFlight, pending)

			srv = start(t, nil, serveArgs...)
			srv.waitLine(regexp.MustCompile(`serving on`))
			waitFor(t, 90*time.Second, "every delivery printed", func() bool {
				for {
					select {
					case f := <-prints:
						count(f)
						continue
					default:
					}
					break
				}
				for _, p := range printers {
					for _, d := range api.deliveries(p) {
						if d.State != "printed" {
							return false
						}
					}
				}
				return true
			})
			// Prints that the server had not heard of before it said printed.
			time.Sleep(200 * time.Millisecond)
			for len(prints) > 0 {
				count(<-prints)
			}
			twice := total - len(seen)
			t.Logf("%s: 200 deliveries, %d distinct prints, %d printed twice, %d were in flight at the kill", kind, len(seen), twice, inFlight)
			if len(seen) != 200 {
				t.Errorf("%d distinct prints, want 200: some were lost", len(seen))
			}
			if twice > inFlight {
				t.Errorf("%d printed twice, more than the %d in flight at the kill", twice, inFlight)
			}
			if err := srv.stop(syscall.SIGTERM); err != nil {
				t.Errorf("serve: %v", err)
			}
		})
	}
}

// processesOf lists the pids of running programs whose binary is in dir.
func processesOf(t *testing.T, dir string) []int {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Skipf("no /proc to look for processes in: %v", err)
	}
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if exe, err := os.Readlink("/proc/" + e.Name() + "/exe"); err == nil && strings.HasPrefix(exe, dir+string(os.PathSeparator)) {
			pids = append(pids, pid)
		}
	}
	return pids
}
