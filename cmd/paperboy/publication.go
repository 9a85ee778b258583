package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"paperboy/core"
	"paperboy/internal/chromium"
	"paperboy/plugins/berg"
	"paperboy/plugins/builtin"
	"paperboy/sdk"
	"paperboy/sdk/htmlrender"
	"paperboy/store"
)

// URL publications, managed by an operator: "paperboy publication add URL"
// reads the publication's meta.json and keeps it in the database, for
// everyone; every server on that database serves it within a minute.

func runPublicationAdd(e env, args []string) error {
	fs := newFlags(e, "publication add", "publication add [--data DIR] [--db DSN] [--name NAME] [--plugin-allow-private] URL")
	data := dataFlag(fs).withDB(fs)
	name := fs.String("name", "", "the name it goes by (lower-case letters, digits and dashes); default: made from meta.json's name")
	private := fs.Bool("plugin-allow-private", false, "let it be on loopback or a private address (as paperboy serve --plugin-allow-private, which the server then needs too)")
	rest, err := fs.parse(args)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return errors.New("want the publication's address, such as https://example.org/my-publication/")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	st, err := data.openStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	added, err := core.AddURLPublication(ctx, st, core.URLAdd{URL: rest[0], Name: *name, HTTP: sdk.HTTPPolicy{AllowPrivate: *private},
		Taken: func(n string) bool { return slices.Contains(builtin.Names(), n) }})
	if err != nil {
		return err
	}
	p, m := added.Publication, added.Meta
	fmt.Fprintf(e.stdout, "added %s: %q from %s\n", p.Name, m.Name, p.URL)
	if m.DeliveredOn != "" {
		fmt.Fprintf(e.stdout, "  delivered %s\n", m.DeliveredOn)
	}
	for _, f := range m.Fields {
		fmt.Fprintf(e.stdout, "  config %s (%s): %s\n", f.Name, f.Type, f.Label)
	}
	if m.Push {
		fmt.Fprintln(e.stdout, "  a push publication: it prints what it sends, when it sends it")
	}
	if c := added.Credentials; c != nil {
		writeCredentials(e, c)
	}
	if added.Check != "" {
		fmt.Fprintf(e.stdout, "  warning: its test edition did not come back: %s\n", added.Check)
	}
	fmt.Fprintf(e.stdout, "subscribe to it as %q; running servers serve it within a minute\n", p.Name)
	return nil
}

func runPublicationList(e env, args []string) error {
	fs := newFlags(e, "publication list", "publication list [--data DIR] [--db DSN]")
	data := dataFlag(fs).withDB(fs)
	if _, err := fs.parse(args); err != nil {
		return err
	}
	ctx := context.Background()
	st, err := data.openStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	ps, err := st.URLPublications(ctx)
	if err != nil {
		return err
	}
	if len(ps) == 0 {
		_, err := fmt.Fprintln(e.stdout, "no URL publications: add one with paperboy publication add URL")
		return err
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tTITLE\tFOR\tURL\tSTATE")
	for _, p := range ps {
		title := "?"
		if m, err := berg.ParseMeta(p.Meta); err == nil {
			title = m.Name
		}
		who := "everyone"
		if p.Owner != 0 {
			who = fmt.Sprintf("user %d", p.Owner)
		}
		state := "answering"
		if !p.FailingSince.IsZero() {
			state = "not answering since " + p.FailingSince.Format(time.RFC3339) + ": " + p.LastError
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", p.Name, title, who, p.URL, state)
	}
	return tw.Flush()
}

func runPublicationRemove(e env, args []string) error {
	fs := newFlags(e, "publication remove", "publication remove [--data DIR] [--db DSN] NAME")
	data := dataFlag(fs).withDB(fs)
	rest, err := fs.parse(args)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return errors.New("want the name of one URL publication (paperboy publication list names them)")
	}
	ctx := context.Background()
	st, err := data.openStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	err = st.DeleteURLPublication(ctx, rest[0], "the server's operator removed the publication")
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("no URL publication %q (paperboy publication list names them)", rest[0])
	}
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(e.stdout, "removed %s; its subscriptions have ended\n", rest[0])
	return err
}

// htmlFlags choose the engine HTML editions render in.
type htmlFlags struct {
	renderer *string
	path     *string
	tabs     *int
}

func newHTMLFlags(fs *flags) htmlFlags {
	return htmlFlags{
		renderer: fs.String("html-renderer", "go", "what renders HTML editions: go (built in) or chromium (headless Chromium, for publications that need a real browser, such as JavaScript charts)"),
		path:     fs.String("chromium", "", "the Chromium binary for --html-renderer chromium; default: $PAPERBOY_CHROMIUM, chromium on PATH, /usr/bin/chromium"),
		tabs:     fs.Int("chromium-tabs", 2, "pages Chromium renders at once; more wait"),
	}
}

// closingEngine is an HTML engine to close when the server stops.
type closingEngine interface {
	htmlrender.Engine
	Close()
}

// engine is the engine the flags choose, fetching under policy; nil for
// the built-in one, which the plugin host makes itself.
func (f htmlFlags) engine(policy sdk.HTTPPolicy) (closingEngine, error) {
	switch strings.ToLower(*f.renderer) {
	case "go", "":
		return nil, nil
	case "chromium":
	default:
		return nil, fmt.Errorf("--html-renderer %q: want go or chromium", *f.renderer)
	}
	if *f.tabs <= 0 {
		return nil, errors.New("--chromium-tabs must be more than 0")
	}
	path := *f.path
	if path == "" {
		if path = chromium.Find(); path == "" {
			return nil, errors.New("--html-renderer chromium: Chromium is not installed: install Debian's chromium or name it with --chromium")
		}
	}
	return chromium.New(htmlrender.Options{HTTP: sdk.NewHTTPClient(policy)}, chromium.Config{Path: path, Concurrency: *f.tabs})
}

// writeCredentials shows a push publication's credentials, the only time
// its bearer token is shown.
func writeCredentials(e env, c *core.PushCredentials) {
	fmt.Fprintln(e.stdout, "  its credentials, to push with (shown only now; give them to its author):")
	fmt.Fprintf(e.stdout, "    OAuth 1.0 consumer key     %s\n", c.ConsumerKey)
	fmt.Fprintf(e.stdout, "    OAuth 1.0 consumer secret  %s\n", c.ConsumerSecret)
	fmt.Fprintf(e.stdout, "    OAuth 1.0 access token     %s\n", c.Token)
	fmt.Fprintf(e.stdout, "    OAuth 1.0 token secret     %s\n", c.TokenSecret)
	fmt.Fprintf(e.stdout, "    or a bearer token          %s\n", c.Bearer)
}

func runPublicationCredentials(e env, args []string) error {
	fs := newFlags(e, "publication credentials", "publication credentials [--data DIR] [--db DSN] NAME")
	data := dataFlag(fs).withDB(fs)
	rest, err := fs.parse(args)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return errors.New("want the name of one push publication")
	}
	ctx := context.Background()
	st, err := data.openStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	c, err := core.NewPushCredentials(ctx, st, rest[0])
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "new credentials for %s; its old ones no longer work\n", rest[0])
	writeCredentials(e, &c)
	return nil
}
