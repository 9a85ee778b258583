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
		{PrinterID: p.ID, Publication: "hello", Schedule: "30 7 * * 1,5", Mode: store.ModeNow}, // Monday, Friday
		{PrinterID: p.ID, Publication: "horoscope", Schedule: "0 9 * * *"},
		{PrinterID: p.ID, Publication: "hello", Schedule: "0 7,18 * * *; 0 12 1 * *"},
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
		"subscription 1: hello, prints at once; 0 delivered",
		"prints at 07:30 on Monday and Friday (cron: 30 7 * * 1,5)",
		"next: ",
		"subscription 2: horoscope, waits for the button",
		"prints at 09:00 every day (cron: 0 9 * * *)",
		"horoscope is not installed",
		"subscription 3: hello",
		"(cron: 0 7,18 * * *; 0 12 1 * *)",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("schedule show does not say %q:\n%s", want, r.stdout)
		}
	}
	if n := strings.Count(r.stdout, " 07:30 GMT") + strings.Count(r.stdout, " 07:30 BST"); n != 5 {
		t.Errorf("%d of the next five editions at 07:30 London time:\n%s", n, r.stdout)
	}
	if n := strings.Count(r.stdout, " 18:00 GMT") + strings.Count(r.stdout, " 18:00 BST"); n < 2 {
		t.Errorf("%d editions at 18:00 London time in the third's next five:\n%s", n, r.stdout)
	}
	paperboy(t, "", "schedule", "show", "--db", dsn, "--builtins", "hello", "9").mustFailWithOneLine(t)
	paperboy(t, "", "schedule", "show", "--db", dsn, "kitchen").mustFailWithOneLine(t)
}
