package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image/png"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"text/template"
	"time"

	"paperboy/codec"
	"paperboy/plugins"
	"paperboy/plugins/builtin"
	"paperboy/sdk"
)

// publicationFlags are the flags that say which publications run: the
// plugins folder's (--plugins, by default in the data folder) and the
// built-ins (--builtins).
type publicationFlags struct {
	data     *dataFolder
	builtins *string
}

func newPublicationFlags(fs *flags, data *dataFolder) publicationFlags {
	return publicationFlags{
		data: data.withPlugins(fs),
		builtins: fs.String("builtins", envOr("BUILTINS", "all"), "the built-in publications to run: all, none, or some of "+
			strings.Join(builtin.Names(), ",")+" (a plugin of the same name replaces one); env PAPERBOY_BUILTINS"),
	}
}

// config is the plugin host's config for the publications the flags name.
func (f publicationFlags) config() (plugins.Config, error) {
	bs, err := builtins(*f.builtins)
	return plugins.Config{Dir: f.data.Plugins(), Builtins: bs}, err
}

// builtins are the built-in publications list names (as --builtins reads
// it), each to be started as a process of this binary.
func builtins(list string) ([]plugins.Builtin, error) {
	names, err := builtin.Select(list)
	if err != nil {
		return nil, fmt.Errorf("--builtins: %w", err)
	}
	if len(names) == 0 {
		return nil, nil
	}
	self, err := selfPath()
	if err != nil {
		return nil, fmt.Errorf("the built-in publications are started from this binary, whose path is unknown: %w", err)
	}
	out := make([]plugins.Builtin, 0, len(names))
	for _, n := range names {
		out = append(out, plugins.Builtin{Name: n, Path: self, Args: []string{"paperboy", builtin.Command, n}})
	}
	return out, nil
}

// selfPath is how this binary starts itself again. On Linux it is
// /proc/self/exe, which stays this very binary after an upgrade has
// replaced the file, so a built-in restarted later is the server's own
// version; elsewhere, the binary's path.
func selfPath() (string, error) {
	const self = "/proc/self/exe"
	if _, err := os.Stat(self); err == nil {
		return self, nil
	}
	return os.Executable()
}

// runPublicationProcess serves a built-in publication: the server starts
// its own binary so, once for each built-in.
func runPublicationProcess(e env, args []string) error {
	if len(args) != 1 {
		return fmt.Errorf("want the name of a built-in publication (%s); the server runs this, not people", strings.Join(builtin.Names(), ", "))
	}
	return builtin.Serve(args[0])
}

// runPluginList starts the publications, built-in and of the plugins
// folder, and shows each with where it comes from and its config form.
func runPluginList(e env, args []string) error {
	fs := newFlags(e, "plugin list", "plugin list [--data DIR] [--plugins DIR] [--builtins LIST]")
	pubs := newPublicationFlags(fs, dataFlag(fs))
	if _, err := fs.parse(args); err != nil {
		return err
	}
	cfg, err := pubs.config()
	if err != nil {
		return err
	}
	host := plugins.New(cfg, slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	defer host.Close()
	if err := host.Load(context.Background()); err != nil {
		return err
	}
	list := host.Publications()
	if len(list) == 0 {
		return fmt.Errorf("no publications: none built in (--builtins %s) and none in %s", *pubs.builtins, cfg.Dir)
	}
	for _, info := range list {
		from := "built-in"
		if !info.Builtin {
			from = "plugin " + info.Path
		}
		writeMeta(e.stdout, info.Meta, from)
	}
	return nil
}

// writeMeta writes a publication, where it comes from, and its config
// form for people.
func writeMeta(w io.Writer, m sdk.Meta, from string) {
	days := "every day"
	if len(m.Days) > 0 {
		var names []string
		for _, d := range m.Days {
			names = append(names, d.String()[:3])
		}
		days = strings.Join(names, ", ")
	}
	shared := "personal"
	if !m.Personal {
		shared = "the same for everyone with the same config"
	}
	fmt.Fprintf(w, "%s — %s (%s)\n  %s\n  %s, %s, %s\n", m.Name, m.Title, from, m.Description, m.Kind, days, shared)
	if len(m.Fields) == 0 {
		fmt.Fprintf(w, "  config: none\n")
	}
	for _, f := range m.Fields {
		var notes []string
		notes = append(notes, string(f.Type))
		if f.Required {
			notes = append(notes, "required")
		}
		if f.Default != "" {
			notes = append(notes, fmt.Sprintf("default %q", f.Default))
		}
		if f.Min < f.Max {
			notes = append(notes, fmt.Sprintf("%g to %g", f.Min, f.Max))
		}
		for _, c := range f.Choices {
			notes = append(notes, fmt.Sprintf("%q = %s", c.Value, c.Label))
		}
		fmt.Fprintf(w, "  config %s: %s (%s)\n", f.Name, f.Label, strings.Join(notes, ", "))
		if f.Help != "" {
			fmt.Fprintf(w, "      %s\n", f.Help)
		}
	}
	fmt.Fprintln(w)
}

// buildPlugin builds the plugin in dir into a temporary binary.
func buildPlugin(ctx context.Context, dir string) (bin string, cleanup func(), err error) {
	pkg := dir
	if !filepath.IsAbs(pkg) && !strings.HasPrefix(pkg, ".") {
		pkg = "./" + pkg
	}
	// go build of a package that is not main writes an archive, not a
	// program: say so first.
	name, err := goCommand(ctx, "list", "-f", "{{.Name}}", pkg)
	if err != nil {
		return "", nil, err
	}
	if name = strings.TrimSpace(name); name != "main" {
		msg := fmt.Sprintf("%s is package %s, not a program: a publication of your own is a main package whose main calls sdk.Serve (paperboy plugin new makes one)", dir, name)
		if base := filepath.Base(filepath.Clean(dir)); isBuiltin(base) {
			msg += fmt.Sprintf("; the built-in %s goes by its name: paperboy plugin preview %s", base, base)
		}
		return "", nil, errors.New(msg)
	}
	tmp, err := os.MkdirTemp("", "paperboy-plugin-")
	if err != nil {
		return "", nil, err
	}
	cleanup = func() { os.RemoveAll(tmp) }
	bin = filepath.Join(tmp, filepath.Base(filepath.Clean(dir)))
	if _, err := goCommand(ctx, "build", "-o", bin, pkg); err != nil {
		cleanup()
		return "", nil, err
	}
	return bin, cleanup, nil
}

// goCommand runs the go command and returns what it printed; its error
// has that output in it.
func goCommand(ctx context.Context, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "go", args...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("go %s: %v\n%s%s", strings.Join(args, " "), err, out.String(), errOut.String())
	}
	return out.String(), nil
}

// isBuiltin says whether which, as plugin preview and plugin test take it,
// names a built-in publication rather than a folder: a built-in's name,
// with no slash (./weather is a folder).
func isBuiltin(which string) bool {
	_, ok := builtin.Lookup(which)
	return ok && !strings.ContainsAny(which, `/\`)
}

// startPlugin starts a publication on a host of its own: the built-in
// named, or the plugin built from a folder.
func startPlugin(ctx context.Context, e env, which string) (*plugins.Host, sdk.Meta, func(), error) {
	host := plugins.New(plugins.Config{HTTP: sdk.HTTPPolicy{AllowPrivate: true}},
		slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	if isBuiltin(which) {
		bs, err := builtins(which)
		if err != nil {
			host.Close()
			return nil, sdk.Meta{}, nil, err
		}
		meta, err := host.AddBuiltin(ctx, bs[0])
		if err != nil {
			host.Close()
			return nil, sdk.Meta{}, nil, err
		}
		return host, meta, host.Close, nil
	}
	bin, cleanup, err := buildPlugin(ctx, which)
	if err != nil {
		host.Close()
		return nil, sdk.Meta{}, nil, err
	}
	meta, err := host.Add(ctx, bin)
	if err != nil {
		host.Close()
		cleanup()
		return nil, sdk.Meta{}, nil, err
	}
	return host, meta, func() { host.Close(); cleanup() }, nil
}

// configFlags collects repeated --config k=v.
type configFlags sdk.Config

func (c configFlags) String() string { return "" }

func (c configFlags) Set(v string) error {
	k, val, ok := strings.Cut(v, "=")
	if !ok || k == "" {
		return fmt.Errorf("%q: want name=value", v)
	}
	c[k] = val
	return nil
}

// parseAt reads --at: RFC 3339, with an offset, optionally followed by an
// IANA zone ("2026-12-01T08:00:00 Europe/London").
func parseAt(v string) (time.Time, error) {
	if v == "" {
		return time.Now(), nil
	}
	if at, zone, ok := strings.Cut(v, " "); ok {
		loc, err := time.LoadLocation(zone)
		if err != nil {
			return time.Time{}, fmt.Errorf("--at %q: %q is not an IANA time zone", v, zone)
		}
		t, err := time.ParseInLocation("2006-01-02T15:04:05", at, loc)
		if err != nil {
			return time.Time{}, fmt.Errorf("--at %q: want 2026-12-01T08:00:00+01:00 or 2026-12-01T08:00:00 Europe/London", v)
		}
		return t, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, fmt.Errorf("--at %q: want 2026-12-01T08:00:00+01:00 or 2026-12-01T08:00:00 Europe/London", v)
	}
	return t, nil
}

// runPluginPreview builds a plugin, renders one edition and writes it as
// the printer would print it.
func runPluginPreview(e env, args []string) error {
	fs := newFlags(e, "plugin preview", "plugin preview NAME|DIR [--config name=value]… [--at TIME] [--push-text T] [--push-image FILE] -o OUT.png")
	cfg := configFlags{}
	fs.Var(cfg, "config", "a config value, name=value; repeat for more")
	at := fs.String("at", "", "the edition's time: 2026-12-01T08:00:00+01:00, or 2026-12-01T08:00:00 Europe/London (default now)")
	out := fs.String("o", "", "the PNG to write")
	pushText := fs.String("push-text", "", "for a push publication: the text pushed")
	pushImage := fs.String("push-image", "", "for a push publication: a picture pushed")
	sender := fs.String("sender", "a friend", "for a push publication: who sent it")
	rest, err := fs.parse(args)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return errors.New("want a built-in publication's name (" + strings.Join(builtin.Names(), ", ") + ") or your plugin's folder, such as plugins/greeting")
	}
	if *out == "" {
		return errors.New("-o OUT.png is required")
	}
	when, err := parseAt(*at)
	if err != nil {
		return err
	}
	ctx := context.Background()
	host, meta, stop, err := startPlugin(ctx, e, rest[0])
	if err != nil {
		return err
	}
	defer stop()
	a := sdk.RenderArgs{Config: sdk.Config(cfg), Time: when}
	if meta.Kind == sdk.Push {
		a.Push = &sdk.PushItem{Sender: *sender, Text: *pushText, SentAt: when}
		if *pushImage != "" {
			if a.Push.Image, err = os.ReadFile(*pushImage); err != nil {
				return err
			}
		}
		if a.Push.Text == "" && a.Push.Image == nil {
			a.Push.Text = "Hello from paperboy plugin preview!"
		}
	}
	if err := host.Validate(ctx, meta.Name, a.Config); err != nil {
		return err
	}
	a.Config, _ = meta.CheckConfig(a.Config)
	res, err := host.Render(ctx, meta.Name, a)
	if err != nil {
		return err
	}
	switch {
	case res.NothingToday:
		return fmt.Errorf("%s has nothing to print at %s", meta.Name, when.Format(time.RFC1123))
	case res.Finished != "":
		return fmt.Errorf("%s says the subscription is finished: %s", meta.Name, res.Finished)
	}
	bm, err := printedEdition(res.PNG)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, bm); err != nil {
		return err
	}
	if err := os.WriteFile(*out, buf.Bytes(), 0o644); err != nil {
		return err
	}
	return writeJSON(e.stdout, map[string]any{"output": *out, "publication": meta.Name, "height": bm.Height, "at": when.Format(time.RFC3339)})
}

// printedEdition is an edition as the printer gets it: decoded, checked,
// encoded as a command and decoded again.
func printedEdition(data []byte) (*codec.Bitmap, error) {
	bm, err := codec.DecodeEdition(data)
	if err != nil {
		return nil, err
	}
	payload, err := codec.EncodePayload(codec.SetDeliveryAndPrint, 1, bm)
	if err != nil {
		return nil, err
	}
	p, err := codec.ParsePayload(payload)
	if err != nil {
		return nil, err
	}
	return p.Images[0], nil
}

// runPluginTest runs a plugin's own tests, then checks it as paperboy
// will use it: it starts, describes itself rightly, takes its default
// config, and renders an edition a printer can print.
func runPluginTest(e env, args []string) error {
	fs := newFlags(e, "plugin test", "plugin test NAME|DIR")
	rest, err := fs.parse(args)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return errors.New("want a built-in publication's name (" + strings.Join(builtin.Names(), ", ") + ") or your plugin's folder, such as plugins/greeting")
	}
	dir := rest[0]
	if !isBuiltin(dir) { // a built-in's tests are paperboy's: go test ./plugins/...
		pkg := dir
		if !filepath.IsAbs(pkg) && !strings.HasPrefix(pkg, ".") {
			pkg = "./" + pkg
		}
		fmt.Fprintf(e.stdout, "go test %s\n", pkg)
		gotest := exec.Command("go", "test", pkg)
		gotest.Stdout, gotest.Stderr = e.stdout, e.stdout
		if err := gotest.Run(); err != nil {
			return fmt.Errorf("the plugin's tests failed: %v", err)
		}
	}
	ctx := context.Background()
	host, meta, stop, err := startPlugin(ctx, e, dir)
	if err != nil {
		return err
	}
	defer stop()
	fmt.Fprintf(e.stdout, "ok   starts and describes itself: %s (%s)\n", meta.Name, meta.Title)
	cfg, err := meta.CheckConfig(sdk.Config{})
	if err != nil {
		fmt.Fprintf(e.stdout, "skip render: the form has required fields without defaults (%v)\n", err)
		return nil
	}
	if err := host.Validate(ctx, meta.Name, cfg); err != nil {
		return fmt.Errorf("its default config is refused: %w", err)
	}
	fmt.Fprintln(e.stdout, "ok   takes its default config")
	a := sdk.RenderArgs{Config: cfg, Time: time.Now()}
	if meta.Kind == sdk.Push {
		a.Push = &sdk.PushItem{Sender: "paperboy", Text: "A test message from paperboy plugin test.", SentAt: a.Time}
	}
	res, err := host.Render(ctx, meta.Name, a)
	if err != nil {
		return fmt.Errorf("render with the default config: %w", err)
	}
	if res.PNG != nil {
		bm, err := printedEdition(res.PNG)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "ok   renders an edition a printer can print: %d rows\n", bm.Height)
	} else {
		fmt.Fprintf(e.stdout, "ok   renders: nothing today=%v, finished=%q\n", res.NothingToday, res.Finished)
	}
	return nil
}

var pluginNameRE = regexp.MustCompile(`^[a-z][a-z0-9-]{0,31}$`)

// runPluginNew writes a working publication to start from.
func runPluginNew(e env, args []string) error {
	fs := newFlags(e, "plugin new", "plugin new NAME [--dir plugins/NAME]")
	dirFlag := fs.String("dir", "", "the folder to make (default plugins/NAME)")
	rest, err := fs.parse(args)
	if err != nil {
		return err
	}
	if len(rest) != 1 || !pluginNameRE.MatchString(rest[0]) {
		return errors.New("want one name: lower-case letters, digits and dashes, starting with a letter")
	}
	name := rest[0]
	dir := *dirFlag
	if dir == "" {
		dir = filepath.Join("plugins", name)
	}
	if _, err := os.Stat(dir); err == nil {
		return fmt.Errorf("%s exists already", dir)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	data := struct{ Name, Type string }{name, goIdent(name)}
	for file, tmpl := range map[string]*template.Template{"main.go": scaffoldMain, name + "_test.go": scaffoldTest} {
		var buf bytes.Buffer
		if err := tmpl.Execute(&buf, data); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, file), buf.Bytes(), 0o644); err != nil {
			return err
		}
	}
	fmt.Fprintf(e.stdout, "made %s: a publication that prints a greeting. Next:\n", dir)
	fmt.Fprintf(e.stdout, "  bin/paperboy plugin preview %s --config name=you -o %s.png   # see an edition\n", dir, name)
	fmt.Fprintf(e.stdout, "  bin/paperboy plugin test %s                                  # its tests, and paperboy's checks\n", dir)
	fmt.Fprintf(e.stdout, "  make plugins                                                  # install it with the others\n")
	return nil
}

// goIdent makes a Go identifier of a plugin name: "my-news" → "myNews".
func goIdent(name string) string {
	parts := strings.Split(name, "-")
	for i := 1; i < len(parts); i++ {
		if parts[i] != "" {
			parts[i] = strings.ToUpper(parts[i][:1]) + parts[i][1:]
		}
	}
	return strings.Join(parts, "")
}

var scaffoldMain = template.Must(template.New("main").Parse(`// Command {{.Name}} is a paperboy publication. Read sdk/README.md to make it
// your own; "paperboy plugin preview" shows an edition.
package main

import (
	"context"
	"fmt"

	"paperboy/sdk"
)

// {{.Type}} is the publication.
type {{.Type}} struct{}

// Meta says what {{.Name}} is, when it publishes, and what subscribers set.
func ({{.Type}}) Meta() sdk.Meta {
	return sdk.Meta{
		Name:        "{{.Name}}",
		Title:       "{{.Name}}",
		Description: "A greeting, each morning.",
		Kind:        sdk.Scheduled,
		Fields: []sdk.Field{
			{Name: "name", Label: "Who to greet", Type: sdk.Text, Default: "world", MaxLength: 40},
		},
	}
}

// Validate checks what the form cannot: nothing here.
func ({{.Type}}) Validate(ctx context.Context, c sdk.Config) error { return nil }

// Render makes one edition.
func ({{.Type}}) Render(ctx context.Context, r sdk.Request) (sdk.Result, error) {
	doc := sdk.NewDocument().
		Title(fmt.Sprintf("Hello, %s!", r.Config["name"])).
		Text(r.Time.Format("Monday 2 January")).
		Rule()
	return sdk.Print(doc), nil
}

func main() { sdk.Serve({{.Type}}{}) }
`))

var scaffoldTest = template.Must(template.New("test").Parse(`package main

import (
	"testing"

	"paperboy/sdk"
	"paperboy/sdk/sdktest"
)

func TestRender(t *testing.T) {
	tests := []struct {
		name   string
		config sdk.Config
		title  string
	}{
		{"default", sdk.Config{}, "Hello, world!"},
		{"a name", sdk.Config{"name": "Ada"}, "Hello, Ada!"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := {{.Type}}{}
			cfg, err := p.Meta().CheckConfig(tt.config)
			if err != nil {
				t.Fatal(err)
			}
			res, err := p.Render(t.Context(), sdk.Request{Config: cfg, Time: sdktest.At(t, "2026-12-01T08:00:00", "Europe/London")})
			if err != nil {
				t.Fatal(err)
			}
			if got := res.Document.Blocks[0].(sdk.TitleBlock).Text; got != tt.title {
				t.Errorf("title %q, want %q", got, tt.title)
			}
		})
	}
}
`))
