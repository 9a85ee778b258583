package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"

	"paperboy/plugins"
	"paperboy/store"
)

// The data folder holds what paperboy writes: the SQLite database, the
// plugins folder, the virtual printer's state and prints. Every path flag
// defaults inside it; a flag given, or its variable, still wins.
const (
	defaultData  = "data"
	dbFile       = "paperboy.db"
	pluginsDir   = "plugins"
	printerState = "printer.json"
	printsDir    = "prints"
)

// dataFolder is the --data flag, with the path flags of a command that
// default inside it: every command finds the database and the plugins
// through it.
type dataFolder struct {
	fs         *flags
	dir        *string
	db         *string // nil for a command without --db
	plugins    *string // nil for a command without --plugins
	state, out *string // nil for a command other than printer
}

// dataFlag adds --data to a command's flags.
func dataFlag(fs *flags) *dataFolder {
	return &dataFolder{fs: fs, dir: fs.String("data", envOr("DATA", ""),
		"the data folder: the SQLite database, the plugins folder and anything else paperboy writes (default ./"+defaultData+"); env PAPERBOY_DATA")}
}

// withDB adds --db.
func (d *dataFolder) withDB(fs *flags) *dataFolder {
	d.db = fs.String("db", envOr("DB", ""), "the database: a SQLite file (default DATA/"+dbFile+
		") or mysql://user:pass@tcp(host:port)/name; env PAPERBOY_DB")
	return d
}

// withPlugins adds --plugins.
func (d *dataFolder) withPlugins(fs *flags) *dataFolder {
	d.plugins = fs.String("plugins", envOr("PLUGINS", ""), "the folder of publication plugins (default DATA/"+pluginsDir+"); env PAPERBOY_PLUGINS")
	return d
}

// withPrinter adds the virtual printer's --state and --out.
func (d *dataFolder) withPrinter(fs *flags) *dataFolder {
	d.state = fs.String("state", "", "the bridge's state file (addresses, secrets, pairing), created if missing (default DATA/"+printerState+")")
	d.out = fs.String("out", "", `folder for each print as PNG (default DATA/`+printsDir+`; "" = don't save)`)
	return d
}

// Dir is the data folder.
func (d *dataFolder) Dir() string { return cmp.Or(*d.dir, defaultData) }

// in is a path inside the data folder.
func (d *dataFolder) in(name string) string { return filepath.Join(d.Dir(), name) }

// DB is the database, as store.Open takes it: --db, else SQLite in the data
// folder.
func (d *dataFolder) DB() string { return cmp.Or(*d.db, "sqlite:"+d.in(dbFile)) }

// Plugins is the plugins folder: --plugins, else the one in the data folder.
func (d *dataFolder) Plugins() string { return cmp.Or(*d.plugins, d.in(pluginsDir)) }

// State is the virtual printer's state file: --state, else in the data
// folder.
func (d *dataFolder) State() string { return cmp.Or(*d.state, d.in(printerState)) }

// Out is the virtual printer's folder for prints: --out, else in the data
// folder; "" when --out "" says not to save them.
func (d *dataFolder) Out() string {
	given := false
	d.fs.Visit(func(f *flag.Flag) { given = given || f.Name == "out" })
	if given {
		return *d.out
	}
	return d.in(printsDir)
}

// mkdir makes the data folder if it is missing, for the owner alone: it
// holds sessions, token hashes and claim codes.
func (d *dataFolder) mkdir() error {
	if err := os.MkdirAll(d.Dir(), 0o700); err != nil {
		return fmt.Errorf("the data folder: %w", err)
	}
	return nil
}

// openStore opens the database and brings its schema up to date, making
// the data folder first when the database is to be in it.
func (d *dataFolder) openStore(ctx context.Context) (*store.Store, error) {
	if *d.db == "" {
		if err := d.mkdir(); err != nil {
			return nil, err
		}
	}
	return store.Open(ctx, d.DB())
}

// abs is a path made absolute, for people to find it; as it was if that
// fails.
func abs(path string) string {
	if a, err := filepath.Abs(path); err == nil {
		return a
	}
	return path
}

// writeWhere says, as a server starts, where its data is, which
// publications it runs (built in, then the plugins folder's), and where to
// reach it.
func writeWhere(w io.Writer, d *dataFolder, st *store.Store, host *plugins.Host, addr string) {
	fmt.Fprintf(w, "data: %s (%s)\n", abs(d.Dir()), st.Where())
	var builtIn, mine []string
	for _, p := range host.Publications() {
		if p.Builtin {
			builtIn = append(builtIn, p.Meta.Name)
		} else {
			mine = append(mine, p.Meta.Name)
		}
	}
	fmt.Fprintf(w, "publications: %s\n", cmp.Or(strings.Join(append(builtIn, mine...), ", "), "none"))
	switch _, err := os.Stat(d.Plugins()); {
	case errors.Is(err, os.ErrNotExist):
		fmt.Fprintf(w, "plugins: %s (no such folder: only the built-in publications)\n", abs(d.Plugins()))
	case len(mine) == 0:
		fmt.Fprintf(w, "plugins: %s (none in it)\n", abs(d.Plugins()))
	default:
		fmt.Fprintf(w, "plugins: %s (%s)\n", abs(d.Plugins()), strings.Join(mine, ", "))
	}
	// Listening on every address: this machine's own name for it.
	if host, port, err := net.SplitHostPort(addr); err == nil {
		if ip, err := netip.ParseAddr(host); err == nil && ip.IsUnspecified() {
			addr = net.JoinHostPort("localhost", port)
		}
	}
	fmt.Fprintf(w, "web app: http://%s/\n", addr)
	fmt.Fprintf(w, "bridges: ws://%s/api/v1/connection\n", addr)
}

// runBackup copies the SQLite database, while servers use it, to a new file.
func runBackup(e env, args []string) error {
	fs := newFlags(e, "backup", "backup [--data DIR] [--db FILE] FILE")
	d := dataFlag(fs).withDB(fs)
	rest, err := fs.parse(args)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return errors.New("want one FILE to write the backup to, one that does not exist yet")
	}
	dsn := d.DB()
	src, ok := store.SQLiteFile(dsn)
	if !ok {
		return store.ErrBackupMySQL
	}
	ctx := context.Background()
	st, err := store.OpenExisting(ctx, dsn)
	if errors.Is(err, store.ErrNoDatabase) {
		return fmt.Errorf("no database at %s yet, so nothing to back up: is --data (or --db) the one paperboy serve uses?", abs(src))
	}
	if err != nil {
		return err
	}
	defer st.Close()
	info, err := st.Backup(ctx, rest[0])
	if errors.Is(err, os.ErrPermission) {
		return fmt.Errorf("%w: write the backup where you may write", err)
	}
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(e.stdout, "backed up %s to %s: %s, schema version %d\n", abs(src), abs(info.Path), size(info.Bytes), info.SchemaVersion)
	return err
}

// size is a number of bytes for people.
func size(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.0f KB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}
