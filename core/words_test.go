package core_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"paperboy/core"
)

// Time zones and names, as people give them (issue 12, "Low").

func TestServer_CanonicalZonesOnly(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, "sqlite", core.Config{}, withPublications(pluginHost(t, "hello")))
	token, id, _, _ := onlinePrinter(t, ts)
	printer := fmt.Sprintf("/api/v1/printers/%d", id)
	tests := []struct {
		zone   string
		status int
		says   string
	}{
		{"posixrules", 400, `"posixrules" is not an IANA time zone of a place`},
		{"Factory", 400, "not an IANA time zone"},
		{"localtime", 400, "not an IANA time zone"},
		{"right/Europe/London", 400, "not an IANA time zone"},
		{"posix/Europe/London", 400, "not an IANA time zone"},
		{"US/Pacific", 400, "use America/Los_Angeles"},
		{"Europe/Kiev", 400, "use Europe/Kyiv"},
		{"europe/london", 400, "use Europe/London"},
		{"Europe/Kyiv", 200, ""},
	}
	for _, tt := range tests {
		for _, req := range []struct{ method, path, body string }{
			{"PATCH", printer, fmt.Sprintf(`{"time_zone": %q}`, tt.zone)},
			{"POST", printer + "/editions", fmt.Sprintf(`{"publication": "hello", "config": {"name": "Ada"}, "time_zone": %q}`, tt.zone)},
		} {
			resp, msg := ts.call(req.method, req.path, token, "application/json", req.body)
			want := tt.status
			if want == 200 && req.method == "POST" {
				want = http.StatusAccepted
			}
			if msg = errorText(msg); resp.StatusCode != want || !strings.Contains(msg, tt.says) {
				t.Errorf("%s %s %q: %d %s, want %d saying %q", req.method, req.path, tt.zone, resp.StatusCode, msg, want, tt.says)
			}
		}
	}

	// The web form says the same next to the field.
	b, path, _, _ := webPrinter(t, newTestServer(t, "sqlite", core.Config{}))
	p := b.submit(path, path+"/time-zone", url.Values{"time_zone": {"US/Pacific"}})
	if p.status != http.StatusBadRequest || !strings.Contains(p.body, "use America/Los_Angeles") {
		t.Errorf("the web form with US/Pacific: %d", p.status)
	}
}

// TestServer_NamesHideNothing: a name others see holds no control
// character and no mark that turns the text around, wherever it is given;
// other letters, right-to-left ones and emoji included, are names.
func TestServer_NamesHideNothing(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, "sqlite", core.Config{})
	token, id, _, _ := onlinePrinter(t, ts)
	printer := fmt.Sprintf("/api/v1/printers/%d", id)
	bad := []string{"Kitchen\u202Egnp.exe", "Hall\u2066x\u2069", "a\u200Fb", "a\u200Eb", "a\u061Cb", "Two\nlines", "Bell\a", "Esc\x1b[31m",
		"a\u2028b", "a\u0085b", "a\u202Ab", "a\u202Db"}
	good := []string{"Küche ☕", "مطبخ", "👩\u200D🍳 corner", "Hall"}
	for _, name := range bad {
		if resp, msg := ts.call("PATCH", printer, token, "application/json", `{"name": `+jsonString(name)+`}`); resp.StatusCode != http.StatusBadRequest ||
			!strings.Contains(errorText(msg), "may not be in it") {
			t.Errorf("rename to %q: %d %s", name, resp.StatusCode, msg)
		}
		if resp, msg := ts.call("POST", "/api/v1/printers/claim", token, "application/json", `{"claim_code": "0kxx-j4eq-c152-4sej", "name": `+jsonString(name)+`}`); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("claim named %q: %d %s", name, resp.StatusCode, msg)
		}
	}
	for _, name := range good {
		var p printerOut
		if st := ts.do("PATCH", printer, token, "application/json", strings.NewReader(`{"name": `+jsonString(name)+`}`), &p); st != http.StatusOK || p.Name != name {
			t.Errorf("rename to %q: %d, name %q", name, st, p.Name)
		}
	}
	if ps := ts.printers(token); len(ps) != 1 || ps[0].Name != good[len(good)-1] {
		t.Errorf("printers %+v", ps)
	}

	// The web app: a printer's name, a token's name and an email.
	ts = newTestServer(t, "sqlite", core.Config{SignInsPerMinute: 100})
	b, path, _, _ := webPrinter(t, ts)
	for _, name := range bad[:3] {
		if p := b.submit(path, path+"/name", url.Values{"name": {name}}); p.status != http.StatusBadRequest || !strings.Contains(p.body, "may not be in it") {
			t.Errorf("web rename to %q: %d", name, p.status)
		}
		if p := b.submit("/tokens", "/tokens", url.Values{"name": {"script" + name}}); p.status != http.StatusBadRequest || !strings.Contains(p.body, "may not be in it") {
			t.Errorf("a token named %q: %d", name, p.status)
		}
	}
	for _, email := range []string{"eve\u202E@example.com", "eve@exa\u2066mple.com"} {
		p := ts.browser().submit("/signup", "/signup", url.Values{"email": {email}, "password": {"correct horse"}, "confirm": {"correct horse"}})
		if p.status != http.StatusBadRequest || !strings.Contains(p.body, "may not be in it") {
			t.Errorf("sign up as %q: %d", email, p.status)
		}
	}
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// TestWeb_BytesThatAreNotText: a form's value that is not UTF-8 is the
// sender's error, said next to its field, not a publication's failure.
func TestWeb_BytesThatAreNotText(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, "sqlite", core.Config{}, withPublications(pluginHost(t, "hello", "friends")))
	b, path, _, _ := webPrinter(t, ts)
	form := path + "/subscribe?publication=hello"
	b.get(form)
	p := b.do("POST", form, "application/x-www-form-urlencoded", strings.NewReader("csrf="+url.QueryEscape(b.csrf)+"&config_name=%80&time=08:00"))
	if p.status != http.StatusBadRequest || !strings.Contains(p.body, "not valid text") {
		t.Errorf("a config value of bytes: %d, want 400 saying it is not text", p.status)
	}
	if p := b.submitMultipart(path, path+"/print", map[string]string{"text": "\x80hi"}, nil); p.status != http.StatusBadRequest || !strings.Contains(p.body, "not valid text") {
		t.Errorf("a message of bytes: %d, want 400 saying it is not text", p.status)
	}
}
