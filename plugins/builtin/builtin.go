// Package builtin lists the publications that ship inside the paperboy
// binary. They run out of process all the same: the server starts its own
// binary once for each, as "paperboy publication-process NAME", and that
// process serves the publication over go-plugin as any plugin does, so a
// crash, a hang or a leak stays in it.
package builtin

import (
	"fmt"
	"slices"
	"strings"

	"paperboy/plugins/friends"
	"paperboy/plugins/hello"
	"paperboy/plugins/news"
	"paperboy/plugins/puzzle"
	"paperboy/plugins/weather"
	"paperboy/sdk"
)

// Command is the hidden subcommand of paperboy that serves a built-in
// publication: paperboy Command NAME.
const Command = "publication-process"

// all are the built-in publications, by name.
var all = map[string]func() sdk.Publication{
	"friends": friends.New,
	"hello":   hello.New,
	"news":    news.New,
	"puzzle":  puzzle.New,
	"weather": weather.New,
}

// Names lists the built-in publications, sorted.
func Names() []string {
	names := make([]string, 0, len(all))
	for n := range all {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// Lookup is the built-in publication name, if there is one.
func Lookup(name string) (sdk.Publication, bool) {
	f, ok := all[name]
	if !ok {
		return nil, false
	}
	return f(), true
}

// Serve serves the built-in publication name as its plugin process, until
// the server that started it is done with it. It is an error to name none.
func Serve(name string) error {
	p, ok := Lookup(name)
	if !ok {
		return fmt.Errorf("no built-in publication %q (there are %s)", name, strings.Join(Names(), ", "))
	}
	sdk.Serve(p)
	return nil
}

// Select reads a list of built-in names, comma-separated: "all" (or
// empty) is every one, "none" is none. It names what it does not know.
func Select(list string) ([]string, error) {
	switch strings.TrimSpace(list) {
	case "", "all":
		return Names(), nil
	case "none":
		return nil, nil
	}
	var out []string
	for _, n := range strings.Split(list, ",") {
		n = strings.TrimSpace(n)
		if n == "" {
			continue
		}
		if _, ok := all[n]; !ok {
			return nil, fmt.Errorf("%q is not a built-in publication: there are %s (or all, or none)", n, strings.Join(Names(), ", "))
		}
		if !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out, nil
}
