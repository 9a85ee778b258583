package main

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"paperboy/store"
)

// TestDataFlags: every path defaults inside the data folder, and a path
// flag given, or its variable, wins; --data comes from PAPERBOY_DATA too.
func TestDataFlags(t *testing.T) {
	type paths struct{ dir, db, plugins, state, out string }
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want paths
	}{
		{"defaults", nil, nil,
			paths{"data", "sqlite:data/paperboy.db", "data/plugins", "data/printer.json", "data/prints"}},
		{"--data", nil, []string{"--data", "/srv/pb"},
			paths{"/srv/pb", "sqlite:/srv/pb/paperboy.db", "/srv/pb/plugins", "/srv/pb/printer.json", "/srv/pb/prints"}},
		{"PAPERBOY_DATA", map[string]string{"PAPERBOY_DATA": "/var/lib/pb"}, nil,
			paths{"/var/lib/pb", "sqlite:/var/lib/pb/paperboy.db", "/var/lib/pb/plugins", "/var/lib/pb/printer.json", "/var/lib/pb/prints"}},
		{"--data wins over PAPERBOY_DATA", map[string]string{"PAPERBOY_DATA": "/var/lib/pb"}, []string{"--data", "mine"},
			paths{"mine", "sqlite:mine/paperboy.db", "mine/plugins", "mine/printer.json", "mine/prints"}},
		{"explicit --db wins", nil, []string{"--data", "/srv/pb", "--db", "/elsewhere/p.db"},
			paths{"/srv/pb", "/elsewhere/p.db", "/srv/pb/plugins", "/srv/pb/printer.json", "/srv/pb/prints"}},
		{"PAPERBOY_DB wins", map[string]string{"PAPERBOY_DB": "sqlite:/env/p.db"}, []string{"--data", "/srv/pb"},
			paths{"/srv/pb", "sqlite:/env/p.db", "/srv/pb/plugins", "/srv/pb/printer.json", "/srv/pb/prints"}},
		{"MySQL: plugins still in the data folder", nil, []string{"--data", "/srv/pb", "--db", "mysql://u:p@tcp(db:3306)/pb"},
			paths{"/srv/pb", "mysql://u:p@tcp(db:3306)/pb", "/srv/pb/plugins", "/srv/pb/printer.json", "/srv/pb/prints"}},
		{"explicit --plugins wins", nil, []string{"--data", "/srv/pb", "--plugins", "bin/plugins"},
			paths{"/srv/pb", "sqlite:/srv/pb/paperboy.db", "bin/plugins", "/srv/pb/printer.json", "/srv/pb/prints"}},
		{"PAPERBOY_PLUGINS wins", map[string]string{"PAPERBOY_PLUGINS": "/opt/plugins", "PAPERBOY_DATA": "d"}, nil,
			paths{"d", "sqlite:d/paperboy.db", "/opt/plugins", "d/printer.json", "d/prints"}},
		{"the printer's --state and --out", nil, []string{"--data", "d", "--state", "s.json", "--out", "p"},
			paths{"d", "sqlite:d/paperboy.db", "d/plugins", "s.json", "p"}},
		{`--out "": no prints saved`, nil, []string{"--data", "d", "--out", ""},
			paths{"d", "sqlite:d/paperboy.db", "d/plugins", "d/printer.json", ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, v := range []string{"PAPERBOY_DATA", "PAPERBOY_DB", "PAPERBOY_PLUGINS"} {
				t.Setenv(v, tt.env[v])
			}
			// As serve reads them (the variables set the flags), and as
			// the other commands do (the variables are the defaults).
			for _, fromEnv := range []bool{true, false} {
				fs := newFlags(env{stdout: io.Discard}, "t", "t")
				d := dataFlag(fs).withDB(fs).withPlugins(fs).withPrinter(fs)
				if fromEnv {
					if err := fs.fromEnv(); err != nil {
						t.Fatal(err)
					}
				}
				if _, err := fs.parse(tt.args); err != nil {
					t.Fatal(err)
				}
				got := paths{d.Dir(), d.DB(), d.Plugins(), d.State(), d.Out()}
				if got != tt.want {
					t.Errorf("fromEnv %v: got %+v\nwant %+v", fromEnv, got, tt.want)
				}
			}
		})
	}
}

// TestDataFolder_Made: a command that puts the database in the data folder
// makes it, for the owner alone; with the database elsewhere it makes none.
func TestDataFolder_Made(t *testing.T) {
	t.Parallel()
	data := filepath.Join(t.TempDir(), "data")
	paperboy(t, "", "migrate", "--data", data).mustSucceed(t)
	fi, err := os.Stat(data)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o700 {
		t.Errorf("the data folder is %v, want drwx------", fi.Mode())
	}
	if _, err := os.Stat(filepath.Join(data, "paperboy.db")); err != nil {
		t.Errorf("no database in the data folder: %v", err)
	}
	other := filepath.Join(t.TempDir(), "unused")
	paperboy(t, "", "migrate", "--data", other, "--db", filepath.Join(t.TempDir(), "p.db")).mustSucceed(t)
	if _, err := os.Stat(other); !os.IsNotExist(err) {
		t.Errorf("with --db elsewhere, the data folder was made (%v)", err)
	}
}

func TestBackup_Refused(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	paperboy(t, "", "migrate", "--data", data).mustSucceed(t)
	out := t.TempDir()
	os.WriteFile(filepath.Join(out, "taken.db"), []byte("mine"), 0o600)
	empty := filepath.Join(t.TempDir(), "empty")
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"the file exists", []string{"--data", data, filepath.Join(out, "taken.db")}, "exists already"},
		{"MySQL", []string{"--db", "mysql://u:p@tcp(127.0.0.1:1)/pb", filepath.Join(out, "m.db")}, "mysqldump --single-transaction"},
		{"no database yet", []string{"--data", empty, filepath.Join(out, "none.db")}, "no database at " + empty},
		{"no FILE", []string{"--data", data}, "want one FILE"},
		{"two FILEs", []string{"--data", data, "a.db", "b.db"}, "want one FILE"},
		{"no such folder", []string{"--data", data, filepath.Join(out, "missing", "b.db")}, "no such folder"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := paperboy(t, "", append([]string{"backup"}, tt.args...)...)
			r.mustFailWithOneLine(t)
			if !strings.Contains(r.stderr, tt.want) {
				t.Errorf("stderr %q does not say %q", r.stderr, tt.want)
			}
		})
	}
	if b, _ := os.ReadFile(filepath.Join(out, "taken.db")); string(b) != "mine" {
		t.Errorf("the existing file was overwritten: %q", b)
	}
	for _, p := range []string{empty, filepath.Join(out, "none.db"), filepath.Join(out, "m.db")} {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("a refused backup made %s (%v)", p, err)
		}
	}
}

// TestBackupWhileServing is the "done when": paperboy backup of a
// database a server is busy writing (messages posted one after another,
// printed as they come) gives a file that paperboy serve --data opens, with
// every delivery the API listed before the backup began, each at least as
// far along as it was then.
func TestBackupWhileServing(t *testing.T) {
	t.Parallel()
	data := filepath.Join(t.TempDir(), "data")
	token := strings.TrimSpace(paperboy(t, "", "user", "add", "--data", data, "ann@example.com").stdout)
	srv := start(t, nil, "serve", "--data", data, "--builtins", "friends", "--listen", "127.0.0.1:0", "--log-level", "warn",
		"--prints-per-minute", "100000", "--max-pending", "100000")
	addr := srv.waitLine(regexp.MustCompile(`serving on http://([0-9.:]+) `))[1]
	// It says where everything is.
	for _, want := range []string{
		"data: " + data + " (SQLite: " + filepath.Join(data, "paperboy.db") + ")",
		"publications: friends",
		"plugins: " + filepath.Join(data, "plugins") + " (no such folder: only the built-in publications)",
		"web app: http://" + addr + "/",
		"bridges: ws://" + addr + "/api/v1/connection",
	} {
		srv.waitLine(regexp.MustCompile("^" + regexp.QuoteMeta(want) + "$"))
	}
	pr, ids := startPrinters(t, "ws://"+addr+"/api/v1/connection", 1, token)
	api := apiClient{t, "http://" + addr, token}

	// Messages, one after another, until the backup is done.
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var mu sync.Mutex
	posted, failed := 0, error(nil)
	count := func() int { mu.Lock(); defer mu.Unlock(); return posted }
	wg.Go(func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			body := strings.NewReader(fmt.Sprintf(`{"text": "message %d"}`, i))
			req, _ := http.NewRequest("POST", fmt.Sprintf("http://%s/api/v1/printers/%d/print", addr, ids[0]), body)
			req.Header.Set("Authorization", "Bearer "+token)
			req.Header.Set("Content-Type", "application/json")
			resp, err := http.DefaultClient.Do(req)
			if err == nil {
				resp.Body.Close()
				if resp.StatusCode != http.StatusAccepted {
					err = fmt.Errorf("status %d", resp.StatusCode)
				}
			}
			mu.Lock()
			if err != nil {
				failed = fmt.Errorf("message %d: %w", i, err)
			} else {
				posted++
			}
			mu.Unlock()
			if err != nil {
				return
			}
		}
	})
	defer func() { // whatever happens, before the server is killed
		select {
		case <-stop:
		default:
			close(stop)
		}
		wg.Wait()
	}()
	// The server is printing: 20 have come out of the printer.
	for range 20 {
		pr.waitLine(printedLine)
	}
	before := listDeliveries(api, ids[0])
	postedBefore := count()
	backup := filepath.Join(t.TempDir(), "restored", "paperboy.db")
	os.Mkdir(filepath.Dir(backup), 0o700)
	r := paperboy(t, "", "backup", "--data", data, backup)
	postedAfter := count()
	close(stop)
	wg.Wait()
	r.mustSucceed(t)
	if failed != nil {
		t.Fatalf("posting beside the backup: %v", failed)
	}
	if m := regexp.MustCompile(`^backed up \S+ to \S+: \d+ KB, schema version (\d+)\n$`).FindStringSubmatch(r.stdout); m == nil ||
		m[1] != strconv.Itoa(store.SchemaVersion()) {
		t.Errorf("backup says %q", r.stdout)
	}
	t.Logf("%d deliveries listed before the backup; %d messages posted before it, %d by its end", len(before), postedBefore, postedAfter)

	// A second server on the backup alone.
	srv2 := start(t, nil, "serve", "--data", filepath.Dir(backup), "--plugins", t.TempDir(), "--listen", "127.0.0.1:0", "--log-level", "warn")
	addr2 := srv2.waitLine(regexp.MustCompile(`serving on http://([0-9.:]+) `))[1]
	restored := map[int64]string{}
	for _, d := range listDeliveries(apiClient{t, "http://" + addr2, token}, ids[0]) {
		restored[d.ID] = d.State
	}
	if len(before) < 20 {
		t.Fatalf("%d deliveries before the backup, want 20 or more", len(before))
	}
	for _, d := range before {
		got, ok := restored[d.ID]
		switch {
		case !ok:
			t.Errorf("delivery %d (%s before the backup) is not in the backup", d.ID, d.State)
		case d.State == "printed" && got != "printed":
			t.Errorf("delivery %d was printed before the backup, and is %s in it", d.ID, got)
		}
	}
	// One message at a time: at most one was written and not yet counted.
	if len(restored) > postedAfter+1 {
		t.Errorf("the backup has %d deliveries, more than the %d posted by its end", len(restored), postedAfter)
	}
}

// listDeliveries lists all of a printer's deliveries, a page of 10 at a
// time, as a script would.
func listDeliveries(c apiClient, printer int64) []deliveryOut {
	c.t.Helper()
	var all []deliveryOut
	after := ""
	for {
		q := url.Values{"limit": {"10"}}
		if after != "" {
			q.Set("after", after)
		}
		var page struct {
			Deliveries []deliveryOut
			Next       string
		}
		if st := c.call("GET", fmt.Sprintf("/api/v1/printers/%d/deliveries?%s", printer, q.Encode()), "", nil, &page); st != http.StatusOK {
			c.t.Fatalf("deliveries: status %d", st)
		}
		all = append(all, page.Deliveries...)
		if page.Next == "" {
			return all
		}
		after = page.Next
	}
}
