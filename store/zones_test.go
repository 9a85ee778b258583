package store_test

import (
	"errors"
	"testing"
	"time"

	"paperboy/internal/storetest"
	"paperboy/store"
)

func TestCheckTimeZone(t *testing.T) {
	tests := []struct {
		zone string
		ok   bool
		use  string // the name the refusal says to use
	}{
		{"Europe/London", true, ""},
		{"UTC", true, ""},
		{"Etc/UTC", true, ""},
		{"Etc/GMT+5", true, ""},
		{"America/Argentina/Buenos_Aires", true, ""},
		{"Europe/Kyiv", true, ""},
		// Files of the tz database that are no place (issue 12: posixrules).
		{"posixrules", false, ""},
		{"Factory", false, ""},
		{"localtime", false, ""},
		{"right/Europe/London", false, ""},
		{"posix/Europe/London", false, ""},
		{"SystemV/EST5", false, ""},
		{"CET", false, ""},
		{"EST5EDT", false, ""},
		{"Etc/GMT+13", false, ""},
		{"Local", false, ""},
		{"", false, ""},
		{"Mars/Olympus", false, ""},
		{"../../../etc/passwd", false, ""},
		{"+02:00", false, ""},
		// Old names: refused, with the name to use.
		{"US/Pacific", false, "America/Los_Angeles"},
		{"Europe/Kiev", false, "Europe/Kyiv"},
		{"Asia/Calcutta", false, "Asia/Kolkata"},
		{"GB", false, "Europe/London"},
		{"GMT", false, "UTC"},
		{"Etc/Zulu", false, "UTC"},
		{"Iceland", false, "Atlantic/Reykjavik"},
		{"America/Buenos_Aires", false, "America/Argentina/Buenos_Aires"},
		// The right name in the wrong case.
		{"europe/london", false, "Europe/London"},
		{"us/pacific", false, "America/Los_Angeles"},
	}
	for _, tt := range tests {
		err := store.CheckTimeZone(tt.zone)
		if (err == nil) != tt.ok {
			t.Errorf("%q: err %v, want ok %v", tt.zone, err, tt.ok)
			continue
		}
		var ze *store.ZoneError
		if err != nil && (!errors.As(err, &ze) || ze.Use != tt.use) {
			t.Errorf("%q: %v, want a ZoneError saying to use %q", tt.zone, err, tt.use)
		}
	}
}

// TestTimeZones: every zone offered is taken and loads, and every old
// name leads to one that is.
func TestTimeZones(t *testing.T) {
	zones := store.TimeZones()
	if len(zones) < 400 || zones[0] != "UTC" {
		t.Fatalf("%d zones, the first %q", len(zones), zones[0])
	}
	for _, z := range zones {
		if err := store.CheckTimeZone(z); err != nil {
			t.Errorf("%s: %v", z, err)
		}
		if _, err := time.LoadLocation(z); err != nil {
			t.Errorf("%s does not load: %v", z, err)
		}
	}
	for _, old := range []string{"US/Eastern", "Canada/Pacific", "Asia/Saigon", "NZ", "Universal", "Europe/Belfast"} {
		var ze *store.ZoneError
		if err := store.CheckTimeZone(old); !errors.As(err, &ze) || ze.Use == "" || store.CheckTimeZone(ze.Use) != nil {
			t.Errorf("%s: %v, want a zone to use that is taken", old, err)
		}
		if _, err := time.LoadLocation(old); err != nil {
			t.Errorf("%s does not load: it is not a name of the tz database", old)
		}
	}
}

// TestPrinter_OldZoneStillLoads: a zone stored before the check was
// strict still gives the printer its clock.
func TestPrinter_OldZoneStillLoads(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		p := newPrinter(t, s, "old@example.com")
		if err := s.ExecForTest(t.Context(), `UPDATE printers SET time_zone = ? WHERE id = ?`, "US/Pacific", p.ID); err != nil {
			t.Fatal(err)
		}
		p, err := s.PrinterByID(t.Context(), p.ID)
		if err != nil {
			t.Fatal(err)
		}
		la, _ := time.LoadLocation("America/Los_Angeles")
		at := time.Date(2026, 7, 1, 12, 0, 0, 0, time.UTC)
		if _, off := at.In(p.Location()).Zone(); p.Location().String() != "US/Pacific" || off != func() int { _, o := at.In(la).Zone(); return o }() {
			t.Errorf("a printer in US/Pacific has the clock of %s", p.Location())
		}
	})
}
