package store

import (
	_ "embed"
	"fmt"
	"slices"
	"strings"
)

// Time zones: a printer's zone is a canonical IANA name, as the tz
// database's zone.tab lists one for each place (Europe/London), or UTC.
// The system may know more names: old ones kept as links (US/Pacific,
// Europe/Kiev), and files that are no zone of a place (posixrules,
// localtime, right/…, posix/…, Factory). Those are refused; an old name
// is refused with the one to use.

//go:embed zones.txt
var zonesFile string

//go:embed zonelinks.txt
var zoneLinksFile string

// zoneTable is what zones.txt and zonelinks.txt say.
type zoneTable struct {
	list []string          // zones.txt, in its order: UTC first
	ok   map[string]bool   // the names a printer's zone may be
	use  map[string]string // by lower case: an old name's, or a name's in another case, name to use
}

var zones = readZones()

func readZones() zoneTable {
	t := zoneTable{ok: map[string]bool{"Etc/UTC": true, "Etc/GMT": true}, use: map[string]string{}}
	for n := -14; n <= 12; n++ { // Etc/GMT+5 is five hours behind UTC: POSIX's sign
		if n != 0 {
			t.ok[fmt.Sprintf("Etc/GMT%+d", n)] = true
		}
	}
	for _, line := range lines(zonesFile) {
		t.list = append(t.list, line)
		t.ok[line] = true
	}
	for name := range t.ok {
		t.use[strings.ToLower(name)] = name
	}
	for _, line := range lines(zoneLinksFile) {
		old, use, ok := strings.Cut(line, " ")
		if use = strings.TrimSpace(use); !ok || !t.ok[use] {
			panic("store: zonelinks.txt: " + line)
		}
		t.use[strings.ToLower(old)] = use
	}
	return t
}

// lines are a file's lines that are neither empty nor comments.
func lines(file string) []string {
	var out []string
	for line := range strings.Lines(file) {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
			out = append(out, line)
		}
	}
	return out
}

// TimeZones are the zones of places a printer may be in, UTC first, then
// by name: the list people choose from.
func TimeZones() []string { return slices.Clone(zones.list) }

// ZoneError is a time zone refused. Use is the name to use instead when
// there is one: the canonical name of an old one (America/Los_Angeles for
// US/Pacific), or the name in its own case (Europe/London for
// europe/london).
type ZoneError struct {
	Zone string
	Use  string
}

func (e *ZoneError) Error() string {
	if e.Use != "" {
		return fmt.Sprintf("store: time zone %q: use %s", e.Zone, e.Use)
	}
	return fmt.Sprintf("store: time zone %q: want an IANA name such as Europe/London", e.Zone)
}
