package core

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"paperboy/sdk"
	"paperboy/store"
)

func TestTimeZones_AllLoad(t *testing.T) {
	if len(timeZones) < 300 || timeZones[0] != "UTC" {
		t.Fatalf("%d zones, the first %q", len(timeZones), timeZones[0])
	}
	for _, z := range timeZones {
		if err := store.CheckTimeZone(z); err != nil {
			t.Errorf("zone %s offered but refused: %v", z, err)
		}
	}
}

func TestRateLimiter_Take(t *testing.T) {
	l := newRateLimiter[string](2, time.Minute)
	now := time.Unix(1000, 0)
	tests := []struct {
		key    string
		at     time.Duration
		ok     bool
		waitAt time.Duration // the wait said, when refused
	}{
		{"a", 0, true, 0},
		{"a", 0, true, 0},
		{"a", 0, false, 30 * time.Second},
		{"b", 0, true, 0}, // keys apart
		{"a", 10 * time.Second, false, 20 * time.Second},
		{"a", 30 * time.Second, true, 0},
	}
	for i, tt := range tests {
		ok, wait := l.take(tt.key, now.Add(tt.at))
		if ok != tt.ok || wait != tt.waitAt {
			t.Errorf("%d: take(%s, +%v)=%v, %v; want %v, %v", i, tt.key, tt.at, ok, wait, tt.ok, tt.waitAt)
		}
	}
	// Past maxBuckets, the full buckets are forgotten.
	for i := range maxBuckets + 10 {
		l.take(string(rune(i+1000)), now.Add(time.Duration(i)*time.Millisecond))
	}
	l.take("late", now.Add(2*time.Hour))
	if n := len(l.bucket); n > maxBuckets {
		t.Errorf("%d buckets kept, want at most %d", n, maxBuckets)
	}
}

func TestSubscribeForm_DaysAndDefaults(t *testing.T) {
	meta := sdk.Meta{Name: "weekly", Title: "Weekly", Kind: sdk.Scheduled, Days: []time.Weekday{time.Wednesday, time.Monday},
		Fields: []sdk.Field{
			{Name: "on", Label: "On", Type: sdk.Bool, Default: "true"},
			{Name: "n", Label: "N", Type: sdk.Number, Min: 1, Max: 9, Default: "3"},
		}}
	tests := []struct {
		name     string
		vals     formValues
		wantDays string
		wantOn   string
		wantN    string
		wantTime string
	}{
		{"a new form: the defaults", formValuesOf(httptest.NewRequest("GET", "/printers/1/subscribe?publication=weekly", nil), meta),
			"mon,wed", "true", "3", "07:00"},
		{"sent back: what was given, an unticked box false", formValuesOf(postForm(url.Values{"days": {"wed"}, "config_n": {"4"}, "time": {"09:15"}}), meta),
			"mon,wed+", "false", "4", "09:15"},
		{"sent back empty: empty, not the default", formValuesOf(postForm(url.Values{"config_n": {""}}), meta), "mon,wed", "false", "", ""},
		{"a subscription's own: its config, a field it lacks its default", subscriptionValues(subscriptionJSON{
			Config: map[string]string{"on": "false"}, Schedule: "45 6 * * 1", Mode: store.ModeNow}), "mon+,wed", "false", "3", "06:45"},
		{"a subscription at several times", subscriptionValues(subscriptionJSON{Schedule: "0 7,18 * * 3; 30 12 * * 3"}), "mon,wed+", "true", "3", "07:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			page := subscribeForm(printerJSON{ID: 1}, meta, tt.vals, nil, map[string]string{})
			var days []string
			for _, d := range page.DayBoxes {
				name := d.Value
				if d.Checked {
					name += "+"
				}
				days = append(days, name)
			}
			if got := strings.Join(days, ","); got != tt.wantDays {
				t.Errorf("days %s, want %s (only the days it publishes, Monday first)", got, tt.wantDays)
			}
			if page.Fields[0].Value != tt.wantOn || page.Fields[1].Value != tt.wantN || page.Fields[1].Min != "1" || page.Fields[1].Max != "9" {
				t.Errorf("fields %+v, want on=%s n=%s", page.Fields, tt.wantOn, tt.wantN)
			}
			if page.When != "times" || page.Times[0] != tt.wantTime || page.Times[len(page.Times)-1] != "" {
				t.Errorf("when %q, times %q, want the first %q and a blank one to add", page.When, page.Times, tt.wantTime)
			}
		})
	}
}

func postForm(v url.Values) *http.Request {
	r := httptest.NewRequest("POST", "/printers/1/subscribe?publication=weekly", strings.NewReader(v.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.ParseForm()
	return r
}

// asBrowser reads a Location as a browser does (WHATWG URL): tabs and
// newlines dropped, a backslash taken for a slash, leading and trailing
// controls and spaces trimmed; and resolves it against this site.
func asBrowser(t testing.TB, loc string) *url.URL {
	loc = strings.Trim(loc, "\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f ")
	loc = strings.NewReplacer("\t", "", "\n", "", "\r", "", `\`, "/").Replace(loc)
	base, _ := url.Parse("https://paperboy.example/signin")
	u, err := url.Parse(loc)
	if err != nil {
		return base // the browser would not follow it anywhere else either
	}
	return base.ResolveReference(u)
}

func TestSafeNext(t *testing.T) {
	tests := []struct{ next, want string }{
		{"/printers/1", "/printers/1"},
		{"/friends/add/K7QM3XPD", "/friends/add/K7QM3XPD"},
		{"/a/../b", "/b"},
		{"", "/"},
		{"printers/1", "/"},
		{"//evil.example/", "/"},
		{`/\evil.example/`, "/"},
		{`/x\y`, "/"},
		{"/\t/evil.example/", "/"}, // issue 12, attack 7
		{"/\n/evil.example/", "/"},
		{"/\r/evil.example/", "/"},
		{"/\x00/evil.example", "/"},
		{"/\x7f/evil.example", "/"},
		{"/\u0085/evil.example", "/"}, // a C1 control
		{"/\t\t//evil.example", "/"},
		{"/printers/1\t", "/"},
		{"https://evil.example/", "/"},
		{"javascript:alert(1)", "/"},
		{" /printers/1", "/"},
		{"/\xff/x", "/"},
		{"/%09/evil.example/", "/%09/evil.example"}, // escaped: a path here
	}
	for _, tt := range tests {
		got := safeNext(tt.next)
		if got != tt.want {
			t.Errorf("safeNext(%q) = %q, want %q", tt.next, got, tt.want)
		}
		if u := asBrowser(t, got); u.Host != "paperboy.example" || u.Scheme != "https" {
			t.Errorf("safeNext(%q) = %q, which a browser follows to %s", tt.next, got, u)
		}
	}
}

// FuzzSafeNext: whatever comes in, a browser stays on this site.
func FuzzSafeNext(f *testing.F) {
	for _, s := range []string{"/printers/1", "//evil.example", "/\t/evil.example/", `/\evil`, "/%2F/evil", "/\u3002evil", "http://x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, next string) {
		got := safeNext(next)
		if u := asBrowser(t, got); u.Host != "paperboy.example" || u.Scheme != "https" {
			t.Fatalf("safeNext(%q) = %q, which a browser follows to %s", next, got, u)
		}
	})
}
