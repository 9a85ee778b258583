package main

import (
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"paperboy/internal/smtptest"
)

func TestFlags_ServeRefused(t *testing.T) {
	tests := [][]string{
		{"--signins-per-minute", "0"},
		{"--signins-per-minute", "-3"},
		{"--session-lifetime", "0s"},
		{"--session-lifetime", "-1h"},
		{"--http-read-timeout", "0s"},
		{"--http-idle-timeout", "-1s"},
		{"--http-write-timeout", "1m"}, // not longer than the read timeout, 2m
		{"--max-conns-per-address", "-1"},
		{"--max-printers", "0"},
		{"--personalities-per-hour", "-1"},
		{"--subscription-previews-per-minute", "0"},
		{"--prints-per-minute", "0"},
		{"--trusted-proxies", "10.0.0.0/8, proxy.example"},
		{"--metrics-token", "short"},
		{"--password-resets-per-hour", "0"},
		{"--smtp-from", "paperboy@example.com"}, // no --smtp-host
		{"--smtp-from", "not an address", "--smtp-host", "mail.example.com"},
		{"--smtp-host", "mail.example.com", "--smtp-from", "paperboy@example.com"}, // no --public-url
		{"--public-url", "paperboy.example.com", "--smtp-host", "mail.example.com", "--smtp-from", "paperboy@example.com"},
		{"--smtp-port", "0", "--smtp-host", "mail.example.com", "--smtp-from", "paperboy@example.com", "--public-url", "https://paperboy.example.com"},
		{"--smtp-password", "secret", "--smtp-host", "mail.example.com", "--smtp-from", "paperboy@example.com", "--public-url", "https://paperboy.example.com"},
	}
	for _, args := range tests {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			r := paperboy(t, "", append([]string{"serve", "--db", filepath.Join(t.TempDir(), "p.db"), "--listen", "127.0.0.1:0"}, args...)...)
			r.mustFailWithOneLine(t)
			if !strings.Contains(r.stderr, args[0]) {
				t.Errorf("stderr %q does not name %s", r.stderr, args[0])
			}
		})
	}
}

// TestFlags_ServeFromEnv: every flag may come from its PAPERBOY_
// variable, and a bad value there is named.
func TestFlags_ServeFromEnv(t *testing.T) {
	t.Setenv("PAPERBOY_HTTP_IDLE_TIMEOUT", "soon")
	r := paperboy(t, "", "serve", "--db", filepath.Join(t.TempDir(), "p.db"), "--listen", "127.0.0.1:0")
	r.mustFailWithOneLine(t)
	if !strings.Contains(r.stderr, "PAPERBOY_HTTP_IDLE_TIMEOUT") {
		t.Errorf("stderr %q does not name the variable", r.stderr)
	}
	t.Setenv("PAPERBOY_HTTP_IDLE_TIMEOUT", "0s")
	r = paperboy(t, "", "serve", "--db", filepath.Join(t.TempDir(), "p.db"), "--listen", "127.0.0.1:0")
	r.mustFailWithOneLine(t)
	if !strings.Contains(r.stderr, "--http-idle-timeout") {
		t.Errorf("stderr %q does not name the flag", r.stderr)
	}
}

// TestFlags_ServeMetrics: /metrics is not served unless asked for; with
// --metrics-listen it is, there, with the housekeeping jobs', and loadtest
// reads it there.
func TestFlags_ServeMetrics(t *testing.T) {
	srv := start(t, nil, "serve", "--db", filepath.Join(t.TempDir(), "p.db"), "--listen", "127.0.0.1:0", "--plugins", t.TempDir(),
		"--log-level", "warn", "--metrics-listen", "127.0.0.1:0")
	base := srv.waitLine(regexp.MustCompile(`serving on http://([0-9.:]+) `))[1]
	metrics := srv.waitLine(regexp.MustCompile(`^metrics on (http://[0-9.:]+/metrics)$`))[1]
	for url, want := range map[string]int{"http://" + base + "/metrics": http.StatusNotFound, metrics: http.StatusOK} {
		resp, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("GET %s: %d, want %d", url, resp.StatusCode, want)
		}
	}
	resp, err := http.Get(metrics)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, job := range []string{"prune_deliveries", "prune_editions", "prune_sessions", "refresh_samples", "check_zones"} {
		for _, metric := range []string{"runs_total", "errors_total", "last_run_timestamp_seconds", "duration_seconds"} {
			if want := fmt.Sprintf("paperboy_housekeeping_%s{job=%q} ", metric, job); !strings.Contains(string(page), "\n"+want) {
				t.Errorf("/metrics lacks %s", want)
			}
		}
	}
	r := paperboy(t, "", "loadtest", "--server", "ws://"+base+"/api/v1/connection", "--bridges", "2",
		"--heartbeat", "100ms", "--settle", "0s", "--measure", "100ms", "--metrics", metrics)
	if r.code != 0 {
		t.Fatalf("loadtest with --metrics: exit %d: %s", r.code, r.stderr)
	}
	r = paperboy(t, "", "loadtest", "--server", "ws://"+base+"/api/v1/connection", "--bridges", "2")
	r.mustFailWithOneLine(t)
	if !strings.Contains(r.stderr, "--metrics-listen") {
		t.Errorf("loadtest without the metrics: %q does not say how to reach them", r.stderr)
	}
}

// TestFlags_ServeSessionAndSignIns checks the flags reach the server: the
// session cookie lasts --session-lifetime, and --signins-per-minute
// attempts an email are allowed.
func TestFlags_ServeSessionAndSignIns(t *testing.T) {
	srv := start(t, nil, "serve", "--db", filepath.Join(t.TempDir(), "p.db"), "--listen", "127.0.0.1:0", "--plugins", t.TempDir(),
		"--log-level", "warn", "--session-lifetime", "2h", "--signins-per-minute", "1")
	base := "http://" + srv.waitLine(regexp.MustCompile(`serving on http://([0-9.:]+) `))[1]
	post := formPoster(t, base)

	resp := post("/signup", "/signup", url.Values{"email": {"ann@example.com"}, "password": {"correct horse"}, "confirm": {"correct horse"}})
	var session *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == "pb_session" {
			session = c
		}
	}
	if resp.StatusCode != http.StatusSeeOther || session == nil || session.MaxAge != 7200 {
		t.Fatalf("sign up: %d, session cookie %+v; want one of Max-Age 7200 (2h)", resp.StatusCode, session)
	}
	// Signed out, then: one attempt a minute for the email.
	if r := post("/", "/signout", url.Values{}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign out: %d", r.StatusCode)
	}
	want := []int{http.StatusBadRequest, http.StatusTooManyRequests}
	for i, status := range want {
		if r := post("/signin", "/signin", url.Values{"email": {"ann@example.com"}, "password": {"wrong horse"}}); r.StatusCode != status {
			t.Fatalf("sign-in attempt %d: %d, want %d", i+1, r.StatusCode, status)
		}
	}
}

// formPoster is a browser of a server at base, as far as forms go: post
// sends a form from the page it is on, with that page's token, keeping
// cookies and following no redirect.
func formPoster(t *testing.T, base string) func(from, path string, form url.Values) *http.Response {
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	csrfRE := regexp.MustCompile(`name="csrf" value="([^"]+)"`)
	return func(from, path string, form url.Values) *http.Response {
		t.Helper()
		resp, err := client.Get(base + from)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		m := csrfRE.FindSubmatch(body)
		if m == nil {
			t.Fatalf("%s has no form token:\n%s", from, body)
		}
		form.Set("csrf", string(m[1]))
		resp, err = client.PostForm(base+path, form)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
}

// TestFlags_ServeMail checks the mail flags reach the server: a reset
// link goes through --smtp-host, signed in with the password from
// PAPERBOY_SMTP_PASSWORD (plain: the sink is on loopback and offers no
// STARTTLS), and starts with --public-url.
func TestFlags_ServeMail(t *testing.T) {
	sink := smtptest.Start(t, smtptest.Options{User: "pb", Password: "mail secret"})
	srv := start(t, []string{"PAPERBOY_SMTP_PASSWORD=mail secret"}, "serve", "--db", filepath.Join(t.TempDir(), "p.db"), "--listen", "127.0.0.1:0",
		"--plugins", t.TempDir(), "--log-level", "warn", "--smtp-host", sink.Host, "--smtp-port", fmt.Sprint(sink.Port), "--smtp-user", "pb",
		"--smtp-from", "paperboy@example.com", "--public-url", "https://paperboy.example.com/")
	base := "http://" + srv.waitLine(regexp.MustCompile(`serving on http://([0-9.:]+) `))[1]
	post := formPoster(t, base)
	post("/signup", "/signup", url.Values{"email": {"ann@example.com"}, "password": {"correct horse"}, "confirm": {"correct horse"}})
	post("/", "/signout", url.Values{})
	if r := post("/forgot", "/forgot", url.Values{"email": {"ann@example.com"}}); r.StatusCode != http.StatusOK {
		t.Fatalf("forgot: %d", r.StatusCode)
	}
	select {
	case m := <-sink.Messages:
		if m.User != "pb" || len(m.To) != 1 || m.To[0] != "ann@example.com" ||
			!regexp.MustCompile(`\n  https://paperboy\.example\.com/reset/[A-Za-z0-9_-]{43}\n`).MatchString(m.Data) {
			t.Errorf("mail %+v", m)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("no mail")
	}
}
