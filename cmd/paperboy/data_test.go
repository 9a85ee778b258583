package main

import (
	"io"
	"os"
	"path/filepath"
	"testing"
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
