package core_test

import (
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
	ts := newTestServer(t, "sqlite", core.Config{Publications: pluginHost(t, "hello")})
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
