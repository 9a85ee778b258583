package main

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

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

// TestCrash kills the server with SIGKILL again and again while a queue of
// messages prints on virtual printers that print as real ones do (each
// print answered at once, printed PrintTime later), and checks that every
// message prints, none is lost, and each kill makes each printer print at
// most one message twice (core/doc.go, "Answers and prints"). make test
// kills it 3 times; PAPERBOY_KILLS=100 replays the hundred.
func TestCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("the crash test takes a while; not in -short")
	}
	t.Parallel()
	kills := 3
	if v := os.Getenv("PAPERBOY_KILLS"); v != "" {
		var err error
		if kills, err = strconv.Atoi(v); err != nil || kills < 1 {
			t.Fatalf("PAPERBOY_KILLS=%q: want a number of kills", v)
		}
	}
	const printers = 4
	messages := max(60, 6*kills)
	for _, kind := range storetest.Kinds {
		t.Run(kind, func(t *testing.T) {
			dsn := storetest.DSN(t, kind)
			token := strings.TrimSpace(paperboy(t, "", "user", "add", "--db", dsn, "ann@example.com").stdout)
			addr := freeAddr(t)
			serveArgs := []string{"serve", "--db", dsn, "--listen", addr, "--prints-per-minute", "100000", "--claims-per-minute", "1000",
				"--max-pending", "1000", "--answer-timeout", "10s", "--print-timeout", "3s", "--builtins", "friends"}
			srv := start(t, nil, serveArgs...)
			srv.waitLine(regexp.MustCompile(`serving on`))
			pr, ids := startPrinters(t, "ws://"+addr+"/api/v1/connection", printers, token, "--print-time", "200ms")
			api := apiClient{t, "http://" + addr, token}
			waitFor(t, 20*time.Second, "printers online", func() bool {
				var out struct{ Printers []struct{ Status string } }
				api.call("GET", "/api/v1/printers", "", nil, &out)
				online := 0
				for _, p := range out.Printers {
					if p.Status == "online" {
						online++
					}
				}
				return online == printers
			})

			// Every print as it comes out: which printer, and what (each
			// message's text is its own, so its picture is too).
			type print struct {
				device string
				sum    [32]byte
			}
			prints := make(chan print, 4*messages)
			go func() {
				for l := range pr.lines {
					if m := printedLine.FindStringSubmatch(l); m != nil {
						data, err := os.ReadFile(m[3])
						if err != nil {
							t.Error(err)
							continue
						}
						prints <- print{m[2], sha256.Sum256(data)}
					}
				}
			}()
			for i := range messages {
				var q struct {
					DeliveryID int64 `json:"delivery_id"`
				}
				if st := api.postJSON(fmt.Sprintf("/api/v1/printers/%d/print", ids[i%printers]), map[string]string{"text": fmt.Sprintf("message %d", i)}, &q); st != 202 {
					t.Fatalf("print %d: status %d", i, st)
				}
			}

			seen := map[[32]byte]int{}
			total, twice := 0, 0
			worst := 0 // the most a printer printed twice between two kills
			interval := map[string]int{}
			take := func(p print) {
				total++
				if seen[p.sum]++; seen[p.sum] > 1 {
					twice++
					interval[p.device]++
					worst = max(worst, interval[p.device])
				}
			}
			// Between kills, wait for a few prints: the server must get going.
			between := max(2, messages/(kills+1)-1)
			for k := range kills {
				for got := 0; got < between; got++ {
					select {
					case p := <-prints:
						take(p)
					case <-time.After(20 * time.Second):
						t.Fatalf("kill %d: only %d printed since the last", k, got)
					}
				}
				for dev, n := range interval {
					if n > 1 {
						t.Errorf("kill %d: printer %s printed %d messages twice since the last kill, at most one may", k, dev, n)
					}
				}
				clear(interval)
				publications := childrenOf(t, srv.cmd.Process.Pid)
				if len(publications) == 0 {
					t.Fatal("the server has no publication processes")
				}
				srv.kill()
				waitFor(t, 10*time.Second, "the publications die with the killed server", func() bool {
					return !slices.ContainsFunc(publications, running)
				})
				srv = start(t, nil, serveArgs...)
				srv.waitLine(regexp.MustCompile(`serving on`))
			}
			st, err := store.Open(t.Context(), dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			waitFor(t, 120*time.Second, "every message printed", func() bool {
				for {
					select {
					case p := <-prints:
						take(p)
						continue
					default:
					}
					break
				}
				n, err := st.CountDeliveries(t.Context(), store.StatePrinted)
				return err == nil && n == messages && len(seen) == messages
			})
			for dev, n := range interval {
				if n > 1 {
					t.Errorf("after the last kill: printer %s printed %d messages twice, at most one may", dev, n)
				}
			}
			t.Logf("%s: %d kills, %d messages to %d printers: %d distinct prints, %d printed twice (at most %d on one printer between two kills)",
				kind, kills, messages, printers, len(seen), twice, worst)
			if len(seen) != messages {
				t.Errorf("%d distinct prints, want %d: some were lost", len(seen), messages)
			}
			if twice > kills*printers {
				t.Errorf("%d printed twice, more than one per printer per kill (%d)", twice, kills*printers)
			}
			if err := srv.stop(syscall.SIGTERM); err != nil {
				t.Errorf("serve: %v", err)
			}
		})
	}
}

// childrenOf lists the pids of the running processes whose parent is pid.
func childrenOf(t *testing.T, pid int) []int {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Skipf("no /proc to look for processes in: %v", err)
	}
	var pids []int
	for _, e := range entries {
		child, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if state, ppid, ok := procStat(child); ok && ppid == pid && state != "Z" {
			pids = append(pids, child)
		}
	}
	return pids
}

// running is whether the process pid runs (and is not a zombie).
func running(pid int) bool {
	state, _, ok := procStat(pid)
	return ok && state != "Z"
}

// procStat reads a process's state and parent from /proc/PID/stat:
// "pid (comm) S ppid ...", the state after the last ')'.
func procStat(pid int) (state string, ppid int, ok bool) {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return "", 0, false
	}
	f := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
	if len(f) < 2 {
		return "", 0, false
	}
	ppid, err = strconv.Atoi(f[1])
	return f[0], ppid, err == nil
}
