package main

import (
	"path/filepath"
	"strings"
	"testing"

	"paperboy/store"
)

func TestScheduleShow(t *testing.T) {
	t.Parallel()
	dsn := filepath.Join(t.TempDir(), "p.db")
	st, err := store.Open(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	u, _ := st.CreateUser(t.Context(), "ann@example.com")
	p, err := st.Claim(t.Context(), store.Claim{UserID: u.ID, HardwareXor: 7, Secret: 8, Name: "Kitchen"})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.SetPrinterTimeZone(t.Context(), p.ID, "Europe/London"); err != nil {
		t.Fatal(err)
	}
	for _, n := range []store.NewSubscription{
		{PrinterID: p.ID, Publication: "hello", Hour: 7, Minute: 30, Days: 1<<1 | 1<<5, Mode: store.ModeNow}, // Monday, Friday
		{PrinterID: p.ID, Publication: "horoscope", Hour: 9},
	} {
		if _, err := st.CreateSubscription(t.Context(), n); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()

	r := paperboy(t, "", "schedule", "show", "--db", dsn, "--builtins", "hello", "1")
	r.mustSucceed(t)
	for _, want := range []string{
		"printer 1 (Kitchen), time zone Europe/London",
		"subscription 1: hello at 07:30, prints at once; 0 delivered",
		"on Mon,Fri",
		"next: ",
		"subscription 2: horoscope at 09:00, waits for the button",
		"horoscope is not installed",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("schedule show does not say %q:\n%s", want, r.stdout)
		}
	}
	if n := strings.Count(r.stdout, " 07:30 GMT") + strings.Count(r.stdout, " 07:30 BST"); n != 3 {
		t.Errorf("%d of the next three editions at 07:30 London time:\n%s", n, r.stdout)
	}
	paperboy(t, "", "schedule", "show", "--db", dsn, "--builtins", "hello", "9").mustFailWithOneLine(t)
	paperboy(t, "", "schedule", "show", "--db", dsn, "kitchen").mustFailWithOneLine(t)
}
