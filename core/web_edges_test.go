package core_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"paperboy/core"
)

// The web app's edges, tried as issue 12 tried them.

// offSite are the nexts that led off the site (attack 7), or would.
var offSite = []string{"/\t/evil.example/", "//evil.example/", `/\evil.example/`, "/\n/evil.example/", "/\r\n/evil.example/",
	"https://evil.example/", "/\x00/evil.example/"}

// TestWeb_SignInNextStaysOnSite: wherever next is used, a next that a
// browser would follow off the site goes to / instead.
func TestWeb_SignInNextStaysOnSite(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, "sqlite", core.Config{SignInsPerMinute: 100})
	ann := ts.browser()
	ann.signUp("ann@example.com")
	for i, next := range offSite {
		t.Run(url.QueryEscape(next), func(t *testing.T) {
			// Signed in already: GET /signin goes straight to next.
			if p := ann.get("/signin?next=" + url.QueryEscape(next)); p.status != http.StatusSeeOther || p.location != "/" {
				t.Errorf("GET /signin signed in: %d to %q, want /", p.status, p.location)
			}
			if i >= 3 {
				return // TestSafeNext has them all; a sign-in is a slow hash
			}
			// Signed out: the form carries next, and the sign-in follows it.
			b := ts.browser()
			if p := b.get("/signin?next=" + url.QueryEscape(next)); strings.Contains(p.body, "evil.example") {
				t.Errorf("the sign-in form carries the next %q", next)
			}
			p := b.post("/signin", url.Values{"csrf": {b.csrf}, "email": {"ann@example.com"}, "password": {"correct horse"}, "next": {next}})
			if p.status != http.StatusSeeOther || p.location != "/" {
				t.Errorf("POST /signin: %d to %q, want /", p.status, p.location)
			}
			// And a sign-up.
			b = ts.browser()
			b.get("/signup?next=" + url.QueryEscape(next))
			p = b.post("/signup", url.Values{"csrf": {b.csrf}, "email": {"new" + string(rune('a'+i)) + "@example.com"},
				"password": {"correct horse"}, "confirm": {"correct horse"}, "next": {next}})
			if p.status != http.StatusSeeOther || p.location != "/?done=welcome" {
				t.Errorf("POST /signup: %d to %q, want /?done=welcome", p.status, p.location)
			}
		})
	}
}

// TestWeb_StaticListsNothing: the assets are served, their folder is not
// listed (issue 12, "Low").
func TestWeb_StaticListsNothing(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, "sqlite", core.Config{})
	tests := []struct {
		path   string
		status int
	}{
		{"/static/", http.StatusNotFound},
		{"/static/style.css", http.StatusOK},
		{"/static/app.js", http.StatusOK},
		{"/static/app.js/", http.StatusNotFound},
		{"/static/nothing.css", http.StatusNotFound},
		{"/static/./", http.StatusNotFound},
		{"/static/%2e/", http.StatusNotFound},
	}
	for _, tt := range tests {
		p := ts.browser().get(tt.path)
		if p.status/100 == 3 && strings.HasPrefix(p.location, "/") { // the mux's cleaning of the path
			p = ts.browser().get(p.location)
		}
		if p.status != tt.status || strings.Contains(p.body, `<a href="style.css">`) {
			t.Errorf("GET %s: %d, want %d:\n%.200s", tt.path, p.status, tt.status, p.body)
		}
	}
}
