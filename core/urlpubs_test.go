package core_test

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"paperboy/codec"
	"paperboy/core"
	"paperboy/delivery"
	"paperboy/internal/bergtest"
	"paperboy/internal/storetest"
	"paperboy/plugins"
	"paperboy/scheduler"
	"paperboy/sdk"
	"paperboy/store"
)

// urlHost is a plugin host with no plugins, reaching loopback: the URL
// publications of the tests are httptest servers.
func urlHost(t *testing.T) *plugins.Host {
	t.Helper()
	h := plugins.New(plugins.Config{Dir: t.TempDir(), HTTP: sdk.HTTPPolicy{AllowPrivate: true, Timeout: 5 * time.Second}}, slog.New(slog.DiscardHandler))
	t.Cleanup(h.Close)
	return h
}

// answer is what a scripted publication answers at one local moment.
type answer struct {
	status int
	etag   string
	body   string
	ctype  string
}

// scripted is a BERG publication that answers each local_delivery_time's
// minute as its script says, and logs the queries it was asked.
type scripted struct {
	mu      sync.Mutex
	script  map[string]answer // by HH:MM of local_delivery_time
	queries []string
	tests   int // test=true editions asked for
}

const scriptedMeta = `{"owner_email":"a@example.org","publication_api_version":"1.0","name":"Scripted Edition",
"description":"For <em>tests</em>.","delivered_on":"every minute","send_timezone_info":true,"send_delivery_count":true,
"config":{"fields":[{"type":"text","name":"who","label":"Who"}]}}`

func (p *scripted) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/meta.json":
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, scriptedMeta)
		return
	case "/edition/":
	default:
		http.NotFound(w, r)
		return
	}
	p.mu.Lock()
	if r.URL.Query().Get("test") == "true" {
		// The test edition asked for as it is added, as BERG's validator did.
		p.tests++
		p.mu.Unlock()
		io.WriteString(w, "<p>A test edition</p>")
		return
	}
	p.queries = append(p.queries, r.URL.RawQuery)
	t, err := time.Parse("2006-01-02T15:04:05-07:00", r.URL.Query().Get("local_delivery_time"))
	a, ok := p.script[t.Format("15:04")]
	p.mu.Unlock()
	if err != nil || !ok {
		http.Error(w, "no such moment in the script", http.StatusBadRequest)
		return
	}
	if a.etag != "" {
		w.Header().Set("ETag", a.etag)
	}
	w.Header().Set("Content-Type", cmpOr(a.ctype, "text/html; charset=utf-8"))
	w.WriteHeader(a.status)
	io.WriteString(w, a.body)
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func (p *scripted) log() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.queries...)
}

// TestURLPublication_Answers: each of BERG's answers to /edition/, through
// the real server and its scheduler, minute by minute on one clock: what
// prints, what is nothing new, what fails (and says why), and the 410 that
// ends the subscription; with BERG's exact parameters, delivery_count
// counting only what was delivered. On SQLite and MySQL.
func TestURLPublication_Answers(t *testing.T) {
	const page = `<html><body style="margin:0"><h1>News</h1><p>Edition %s</p></body></html>`
	script := map[string]answer{
		"08:00": {200, `"a"`, fmt.Sprintf(page, "a"), ""},
		"08:01": {200, `W/"a"`, fmt.Sprintf(page, "a again"), ""},                  // the same ETag: nothing new
		"08:02": {204, "", "", ""},                                                 // nothing today
		"08:03": {200, `"b"`, " \n ", ""},                                          // an empty 200: nothing today
		"08:04": {500, `"c"`, "the database is down", "text/plain; charset=utf-8"}, // failed, saying why
		"08:05": {502, `"d"`, "<h1>Bad Gateway</h1>", ""},                          // an ETag does not make it a success
		"08:06": {200, "", "\x00\x01\x02garbage\xff", "application/octet-stream"},  // not HTML
		"08:07": {200, `"b"`, fmt.Sprintf(page, "b"), ""},                          // prints
		"08:08": {410, "", "", ""},                                                 // the end
	}
	want := []struct {
		moment, outcome, reason string
		count                   int // delivery_count sent
	}{
		{"08:00", store.OutcomeDelivered, "", 0},
		{"08:01", store.OutcomeNothingToday, "", 1},
		{"08:02", store.OutcomeNothingToday, "", 1},
		{"08:03", store.OutcomeNothingToday, "", 1},
		{"08:04", store.OutcomeFailed, "500 Internal Server Error: the database is down", 1},
		{"08:05", store.OutcomeFailed, "502 Bad Gateway", 1},
		{"08:06", store.OutcomeFailed, "not HTML", 1},
		{"08:07", store.OutcomeDelivered, "", 1},
		{"08:08", store.OutcomeFinished, "410", 2},
	}
	for _, kind := range storetest.Kinds {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			pub := &scripted{script: script}
			site := httptest.NewServer(pub)
			t.Cleanup(site.Close)
			clock := delivery.NewFakeClock(time.Date(2026, 12, 7, 6, 59, 0, 0, time.UTC))
			ts := newTestServer(t, kind, core.Config{}, withPublications(urlHost(t)),
				withScheduler(scheduler.Config{Tick: 10 * time.Second, Lead: 30 * time.Second}), withClock(clock))
			token, id, b, dev := onlinePrinter(t, ts)
			if st := ts.do("PATCH", fmt.Sprintf("/api/v1/printers/%d", id), token, "application/json", strings.NewReader(`{"time_zone": "Europe/Paris"}`), nil); st != 200 {
				t.Fatalf("time zone: %d", st)
			}
			var added struct {
				Publication struct {
					Name string `json:"name"`
				} `json:"publication"`
			}
			if st := ts.postJSON("/api/v1/publications", token, map[string]string{"url": site.URL}, &added); st != http.StatusCreated || added.Publication.Name != "scripted-edition" {
				t.Fatalf("add: %d %+v", st, added)
			}
			var sub subscriptionOut
			if st := ts.postJSON(fmt.Sprintf("/api/v1/printers/%d/subscriptions", id), token, map[string]any{"publication": "scripted-edition",
				"schedule": "* * * * *", "mode": "now", "config": map[string]string{"who": "Ann & Bob"}}, &sub); st != http.StatusCreated {
				t.Fatalf("subscribe: status %d", st)
			}
			for i, w := range want {
				moment := fmt.Sprintf("2026-12-07T%s", w.moment)
				var ed store.Edition
				for ed.LocalMoment != moment || ed.Outcome == store.OutcomePending {
					if clock.Now().After(time.Date(2026, 12, 7, 8, 0, 0, 0, time.UTC)) {
						t.Fatalf("%s: no outcome by %v (latest %+v)", w.moment, clock.Now(), ed)
					}
					b.event(dev, codec.Heartbeat{Uptime: 1})
					clock.Advance(10 * time.Second)
					select {
					case cmd := <-b.cmds:
						c := cmd.(codec.DeviceCommand)
						b.send(codec.DeviceCommandResponse{Header: b.h(), Device: dev, CommandID: c.ID, ReturnCode: codec.ReturnSuccess})
						b.event(dev, codec.DidPrint{PrintType: codec.PrintDelivery, PrintID: c.ID})
					case <-time.After(20 * time.Millisecond): // a real wait: for the server to act on the move
					}
					ed, _ = ts.store.LatestEdition(t.Context(), sub.ID)
				}
				if ed.Outcome != w.outcome || !strings.Contains(ed.Reason, w.reason) {
					t.Errorf("%s: outcome %q (%q), want %q (%q)", w.moment, ed.Outcome, ed.Reason, w.outcome, w.reason)
				}
				q := pub.log()
				if len(q) != i+1 {
					t.Fatalf("%s: asked %d times, want %d: %q", w.moment, len(q), i+1, q)
				}
				wantQ := fmt.Sprintf("delivery_count=%d&local_delivery_time=2026-12-07T%s%%3A00%%2B01%%3A00&who=Ann+%%26+Bob",
					w.count, strings.Replace(w.moment, ":", "%3A", 1))
				if q[i] != wantQ {
					t.Errorf("%s: asked %q, want %q", w.moment, q[i], wantQ)
				}
			}
			// Ended, saying why, and in the printer's history; subscribing
			// again starts from the first edition.
			ts.do("GET", fmt.Sprintf("/api/v1/subscriptions/%d", sub.ID), token, "", nil, &sub)
			if sub.DeliveryCount != 2 {
				t.Errorf("delivery_count %d, want 2", sub.DeliveryCount)
			}
			var history struct {
				Deliveries []struct {
					Reason string `json:"reason"`
				} `json:"deliveries"`
			}
			ts.do("GET", fmt.Sprintf("/api/v1/printers/%d/deliveries", id), token, "", nil, &history)
			var says []string
			for _, d := range history.Deliveries {
				if d.Reason != "" {
					says = append(says, d.Reason)
				}
			}
			all := strings.Join(says, "\n")
			for _, w := range []string{"the database is down", "502 Bad Gateway", "not HTML", "has ended"} {
				if !strings.Contains(all, w) {
					t.Errorf("the history does not say %q:\n%s", w, all)
				}
			}
			var again subscriptionOut
			if st := ts.postJSON(fmt.Sprintf("/api/v1/printers/%d/subscriptions", id), token, map[string]any{"publication": "scripted-edition",
				"schedule": "0 8 * * *"}, &again); st != http.StatusCreated || again.DeliveryCount != 0 {
				t.Errorf("subscribing again: %d %+v", st, again)
			}
		})
	}
}

// printDays moves clock to 08:00:30 of each day from start, keeps the
// printer online and answers its prints, and returns each day's outcome
// of the subscription's edition ("-" for none made).
func printDays(t *testing.T, ts *testServer, clock *delivery.FakeClock, b *fakeBridge, dev codec.Address, subID int64, start time.Time, days int) []string {
	t.Helper()
	var out []string
	for d := range days {
		at := start.AddDate(0, 0, d)
		moment := at.Format(store.LocalMomentLayout)
		clock.Set(at.Add(30 * time.Second))
		var ed store.Edition
		// A slow publication takes real time to give up on: the fake
		// clock moves on two minutes at most, the test waits 20 s.
		deadline := time.Now().Add(20 * time.Second)
		for ed.LocalMoment != moment || ed.Outcome == store.OutcomePending {
			if time.Now().After(deadline) {
				t.Fatalf("%s: no outcome (latest %+v)", moment, ed)
			}
			b.event(dev, codec.Heartbeat{Uptime: 1})
			if clock.Now().Before(at.Add(2 * time.Minute)) {
				clock.Advance(5 * time.Second)
			}
			select {
			case cmd := <-b.cmds:
				c := cmd.(codec.DeviceCommand)
				b.send(codec.DeviceCommandResponse{Header: b.h(), Device: dev, CommandID: c.ID, ReturnCode: codec.ReturnSuccess})
				b.event(dev, codec.DidPrint{PrintType: codec.PrintDelivery, PrintID: c.ID})
			case <-time.After(20 * time.Millisecond): // a real wait: for the server to act on the move
			}
			ed, _ = ts.store.LatestEdition(t.Context(), subID)
		}
		out = append(out, ed.Outcome)
	}
	return out
}

// TestURLPublication_BERGExamples: publications written as BERG's
// documented examples behaved, added as an operator adds them, subscribed
// through the API and run by the scheduler for a week from Monday
// 7 December 2026, 08:00 UTC, through the real server to a printer.
func TestURLPublication_BERGExamples(t *testing.T) {
	monday := time.Date(2026, 12, 7, 8, 0, 0, 0, time.UTC)
	const (
		D = store.OutcomeDelivered
		N = store.OutcomeNothingToday
		F = store.OutcomeFailed
		E = store.OutcomeFinished
	)
	tests := []struct {
		name    string
		handler func(clock *delivery.FakeClock) http.Handler
		config  map[string]string
		days    int
		want    []string
		// then checks what the publication was asked, and may change it
		// between days (after day).
		then func(t *testing.T, h http.Handler)
	}{
		{"hello world: Mondays only", func(*delivery.FakeClock) http.Handler { return &bergtest.HelloWorld{} },
			map[string]string{"name": "Ann", "lang": "french"}, 8, []string{D, N, N, N, N, N, N, D},
			func(t *testing.T, h http.Handler) {
				var editions []string
				for _, r := range h.(*bergtest.HelloWorld).Log() {
					if r.Path == "/edition/" && !strings.Contains(r.RawQuery, "test=true") {
						editions = append(editions, r.RawQuery)
					}
				}
				if want := "lang=french&local_delivery_time=2026-12-07T08%3A00%3A00%2B00%3A00&name=Ann"; len(editions) != 8 || editions[0] != want {
					t.Errorf("asked %q, want 8 editions, the first %q", editions, want)
				}
			}},
		{"miniseries: weekdays, then 410", func(*delivery.FakeClock) http.Handler { return &bergtest.Miniseries{} },
			nil, 8, []string{D, D, D, D, D, N, N, E},
			func(t *testing.T, h http.Handler) {
				var counts []string
				for _, r := range h.(*bergtest.Miniseries).Log() {
					if r.Path == "/edition/" && r.Query.Get("test") == "" {
						counts = append(counts, r.Query.Get("delivery_count"))
					}
				}
				if got := strings.Join(counts, ","); got != "0,1,2,3,4,5,5,5" {
					t.Errorf("delivery_count sent %s, want 0 to 4 on the weekdays, then 5 (a 204 does not count)", got)
				}
			}},
		{"word of the day: empty at weekends", func(c *delivery.FakeClock) http.Handler { return &bergtest.WordOfTheDay{Now: c.Now} },
			nil, 7, []string{D, D, D, D, D, N, N}, nil},
		{"quoted booleans, a check box and a radio", func(*delivery.FakeClock) http.Handler { return &bergtest.StringBools{} },
			map[string]string{"pictures": "true", "size": "large"}, 1, []string{D}, nil},
		{"behind redirects, with relative images", func(*delivery.FakeClock) http.Handler { return &bergtest.Redirecting{} },
			nil, 1, []string{D},
			func(t *testing.T, h http.Handler) {
				paths := strings.Join(h.(*bergtest.Redirecting).Paths(), " ")
				if !strings.Contains(paths, "/images/") {
					t.Errorf("the edition's images were not fetched: %s", paths)
				}
			}},
		{"slow: it does not answer in time", func(*delivery.FakeClock) http.Handler { return &bergtest.Slow{} },
			nil, 1, []string{F}, nil},
		{"garbage for an edition", func(*delivery.FakeClock) http.Handler {
			g := &bergtest.Garbage{}
			g.ValidMeta.Store(true)
			return g
		}, nil, 1, []string{F}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			clock := delivery.NewFakeClock(monday.Add(-time.Hour))
			h := tt.handler(clock)
			site := httptest.NewServer(h)
			t.Cleanup(site.Close)
			host := plugins.New(plugins.Config{Dir: t.TempDir(), CallTimeout: 2 * time.Second,
				HTTP: sdk.HTTPPolicy{AllowPrivate: true, Timeout: time.Second}}, slog.New(slog.DiscardHandler))
			t.Cleanup(host.Close)
			ts := newTestServer(t, "sqlite", core.Config{}, withPublications(host),
				withScheduler(scheduler.Config{Tick: 10 * time.Second, Lead: 30 * time.Second}), withClock(clock))
			token, id, b, dev := onlinePrinter(t, ts)
			added, err := core.AddURLPublication(t.Context(), ts.store, core.URLAdd{URL: site.URL, Name: "pub", HTTP: host.HTTPPolicy(), Now: clock.Now()})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := ts.srv.LoadURLPublications(t.Context()); err != nil {
				t.Fatal(err)
			}
			var sub subscriptionOut
			if st := ts.postJSON(fmt.Sprintf("/api/v1/printers/%d/subscriptions", id), token, map[string]any{"publication": "pub",
				"time": "08:00", "mode": "now", "config": tt.config}, &sub); st != http.StatusCreated {
				t.Fatalf("subscribe %s (%q): status %d", added.Publication.Name, added.Check, st)
			}
			got := printDays(t, ts, clock, b, dev, sub.ID, monday, tt.days)
			if strings.Join(got, " ") != strings.Join(tt.want, " ") {
				t.Errorf("outcomes day by day %v, want %v", got, tt.want)
			}
			if tt.then != nil {
				tt.then(t, h)
			}
		})
	}
}

// TestURLPublication_ForOneUser: a user adds BERG's Hello World for their
// own printers through the API: its form is in their catalogue (not in
// another user's, who cannot subscribe to it), its own refusals of a
// config come back in its words, a subscription's preview is its next
// edition, and removing it ends the subscriptions.
func TestURLPublication_ForOneUser(t *testing.T) {
	t.Parallel()
	hello := &bergtest.HelloWorld{}
	site := httptest.NewServer(hello)
	t.Cleanup(site.Close)
	external := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"name": "Analytics", "external_configuration": true}`)
	}))
	t.Cleanup(external.Close)
	clock := delivery.NewFakeClock(time.Date(2026, 12, 6, 20, 0, 0, 0, time.UTC)) // a Sunday evening
	ts := newTestServer(t, "sqlite", core.Config{}, withPublications(urlHost(t)), withClock(clock))
	token, id, _, _ := onlinePrinter(t, ts)
	bob := ts.user("bob@example.com")

	adds := []struct {
		body   map[string]string
		status int
		says   string
	}{
		{map[string]string{"url": "ftp://example.org/"}, 400, "not an http"},
		{map[string]string{"url": site.URL + "/nothing-here/"}, 400, "404"},
		{map[string]string{"url": site.URL, "name": "Hello World"}, 400, "lower-case"},
		{map[string]string{"url": external.URL}, 400, "configuration step"},
		{map[string]string{"url": site.URL}, 201, ""},
		{map[string]string{"url": site.URL}, 409, "taken"},
	}
	for _, a := range adds {
		var out map[string]any
		st := ts.postJSON("/api/v1/publications", token, a.body, &out)
		if msg, _ := out["error"].(string); st != a.status || !strings.Contains(msg, a.says) {
			t.Errorf("add %v: %d %v, want %d saying %q", a.body, st, out, a.status, a.says)
		}
	}

	type field struct {
		Name    string `json:"name"`
		Type    string `json:"type"`
		Choices []struct {
			Value string `json:"value"`
			Label string `json:"label"`
		} `json:"choices"`
	}
	var list struct {
		Publications []struct {
			Name        string  `json:"name"`
			Title       string  `json:"title"`
			URL         string  `json:"url"`
			Yours       bool    `json:"yours"`
			DeliveredOn string  `json:"delivered_on"`
			Icon        string  `json:"icon"`
			Fields      []field `json:"fields"`
		} `json:"publications"`
	}
	ts.do("GET", "/api/v1/publications", token, "", nil, &list)
	if len(list.Publications) != 1 {
		t.Fatalf("Ann's catalogue: %+v", list)
	}
	p := list.Publications[0]
	if p.Name != "hello-world" || p.Title != "Hello World" || !p.Yours || p.DeliveredOn != "every Monday" || p.Icon == "" ||
		len(p.Fields) != 2 || p.Fields[0].Type != "text" || p.Fields[1].Type != "choice" || len(p.Fields[1].Choices) < 2 {
		t.Errorf("Hello World in the catalogue: %+v", p)
	}
	if resp, body := ts.call("GET", p.Icon, token, "", ""); resp.StatusCode != 200 || !strings.HasPrefix(body, "\x89PNG") {
		t.Errorf("icon: %d", resp.StatusCode)
	}
	ts.do("GET", "/api/v1/publications", bob, "", nil, &list)
	if len(list.Publications) != 0 {
		t.Errorf("Bob sees Ann's own publication: %+v", list)
	}

	subs := fmt.Sprintf("/api/v1/printers/%d/subscriptions", id)
	var refused struct {
		Error  string   `json:"error"`
		Errors []string `json:"errors"`
	}
	if st := ts.postJSON(subs, token, map[string]any{"publication": "hello-world", "config": map[string]string{"name": " ", "lang": "german"}}, &refused); st != 400 ||
		len(refused.Errors) != 1 || refused.Errors[0] != "Please enter a name" {
		t.Errorf("a blank name: %d %+v, want 400 with the publication's own words", st, refused)
	}
	var sub subscriptionOut
	if st := ts.postJSON(subs, token, map[string]any{"publication": "hello-world", "time": "08:00", "config": map[string]string{"name": "Ann", "lang": "german"}}, &sub); st != 201 {
		t.Fatalf("subscribe: %d", st)
	}
	resp, png := ts.call("GET", fmt.Sprintf("/api/v1/subscriptions/%d/preview.png", sub.ID), token, "", "")
	if resp.StatusCode != 200 || !strings.HasPrefix(png, "\x89PNG") || resp.Header.Get("X-Paperboy-Edition-At") != "2026-12-07T08:00:00Z" {
		t.Errorf("preview: %d %v", resp.StatusCode, resp.Header)
	}
	bobs := ts.claim(bob, codec.ClaimCode{HardwareXor: 0x0B0C0D, Secret: 7})
	var no map[string]any
	if st := ts.postJSON(fmt.Sprintf("/api/v1/printers/%d/subscriptions", bobs.ID), bob, map[string]any{"publication": "hello-world"}, &no); st != 400 ||
		!strings.Contains(fmt.Sprint(no["error"]), "no publication") {
		t.Errorf("Bob subscribing his printer to Ann's own publication: %d %v", st, no)
	}

	if st := ts.do("DELETE", "/api/v1/publications/hello-world", bob, "", nil, nil); st != 404 {
		t.Errorf("Bob removes Ann's publication: %d, want 404", st)
	}
	if st := ts.do("DELETE", "/api/v1/publications/hello-world", token, "", nil, nil); st != 204 {
		t.Errorf("remove: %d", st)
	}
	var full map[string]any
	ts.do("GET", fmt.Sprintf("/api/v1/subscriptions/%d", sub.ID), token, "", nil, &full)
	if full["ended_at"] == nil {
		t.Errorf("the subscription runs on after its publication was removed: %v", full)
	}
}

// TestWeb_URLPublication: in the web app, a user adds BERG's Hello World
// by its address; it is in their catalogue with its icon, its description
// (with the link BERG allowed), when it is delivered and its form; its own
// refusal of a config is shown above the form; it can be subscribed to
// and removed.
func TestWeb_URLPublication(t *testing.T) {
	t.Parallel()
	hello := &bergtest.HelloWorld{}
	site := httptest.NewServer(hello)
	t.Cleanup(site.Close)
	ts := newTestServer(t, "sqlite", core.Config{}, withPublications(urlHost(t)))
	b, path, _, _ := webPrinter(t, ts)

	bad := b.submit("/publications", "/publications/add", url.Values{"url": {site.URL + "/missing/"}})
	if bad.status != http.StatusBadRequest || !strings.Contains(bad.body, "could not read its meta.json") || !strings.Contains(bad.body, `value="`+site.URL+`/missing/"`) {
		t.Errorf("a URL with no publication: %d\n%s", bad.status, bad.body)
	}
	added := b.submit("/publications", "/publications/add", url.Values{"url": {site.URL}})
	if added.status != http.StatusOK || !strings.Contains(added.body, "Hello World") {
		t.Fatalf("add: %d\n%s", added.status, added.body)
	}
	cat := b.get("/publications")
	for _, want := range []string{`/publications/hello-world/icon.png`, "Delivered every Monday.", `<a href="https://example.org/hello" rel="nofollow noopener">`,
		`href="` + path + `/subscribe?publication=hello-world"`, `action="/publications/hello-world/remove"`} {
		if !strings.Contains(cat.body, want) {
			t.Errorf("the catalogue lacks %s", want)
		}
	}
	b.checkPage("/publications", cat)
	if sample := b.get("/publications/hello-world/sample.png"); sample.status != 200 || !strings.HasPrefix(sample.body, "\x89PNG") ||
		!strings.Contains(strings.Join(hello.Paths(), " "), "/sample/") {
		t.Errorf("the sample: %d, asked %v; want its /sample/", sample.status, hello.Paths())
	}

	form := path + "/subscribe?publication=hello-world"
	page := b.get(form)
	for _, want := range []string{`name="config_name" type="text"`, `<select id="config_lang" name="config_lang">`, `<option value="french"`} {
		if !strings.Contains(page.body, want) {
			t.Errorf("the form lacks %s:\n%s", want, page.body)
		}
	}
	b.checkPage(form, page)
	refused := b.submit(form, form, url.Values{"config_name": {" "}, "config_lang": {"french"}, "time": {"08:00"}, "mode": {"now"}})
	if refused.status != http.StatusBadRequest || !strings.Contains(refused.body, "Please enter a name") {
		t.Errorf("a blank name: %d, want 400 with the publication's words:\n%s", refused.status, refused.body)
	}
	sub := b.submit(form, form, url.Values{"config_name": {"Ann"}, "config_lang": {"french"}, "time": {"08:00"}, "mode": {"now"}})
	if sub.status != http.StatusOK || !strings.Contains(sub.body, "Subscribed.") {
		t.Errorf("subscribe: %d\n%s", sub.status, sub.body)
	}
	gone := b.submit("/publications", "/publications/hello-world/remove", url.Values{})
	if gone.status != http.StatusOK || !strings.Contains(gone.body, "Removed") || strings.Contains(gone.body, "/publications/hello-world/icon.png") {
		t.Errorf("remove: %d\n%s", gone.status, gone.body)
	}
}

// changing is a publication whose meta.json changes, with its ETag, and
// which can stop answering.
type changing struct {
	mu      sync.Mutex
	name    string
	down    bool
	asked   []string // If-None-Match of each meta.json asked for
	answers []int
}

func (p *changing) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if r.URL.Path != "/meta.json" {
		http.NotFound(w, r)
		return
	}
	p.asked = append(p.asked, r.Header.Get("If-None-Match"))
	status := http.StatusOK
	etag := `"` + p.name + `"`
	switch {
	case p.down:
		status = http.StatusServiceUnavailable
	case r.Header.Get("If-None-Match") == etag:
		status = http.StatusNotModified
	}
	p.answers = append(p.answers, status)
	w.Header().Set("ETag", etag)
	w.WriteHeader(status)
	if status == http.StatusOK {
		fmt.Fprintf(w, `{"name": %q, "delivered_on": "every day"}`, p.name)
	}
}

// TestURLPublication_Refresh: meta.json is read again with its ETag; a
// change shows in the catalogue, and a publication that stops answering
// is marked so, not dropped, until it answers again.
func TestURLPublication_Refresh(t *testing.T) {
	t.Parallel()
	pub := &changing{name: "First Name"}
	site := httptest.NewServer(pub)
	t.Cleanup(site.Close)
	clock := delivery.NewFakeClock(time.Date(2026, 12, 7, 10, 50, 0, 0, time.UTC))
	ts := newTestServer(t, "sqlite", core.Config{}, withPublications(urlHost(t)), withClock(clock))
	token := ts.user("ann@example.com")
	if st := ts.postJSON("/api/v1/publications", token, map[string]string{"url": site.URL, "name": "changing"}, nil); st != 201 {
		t.Fatalf("add: %d", st)
	}
	type pubOut struct {
		Title        string     `json:"title"`
		FailingSince *time.Time `json:"failing_since"`
		LastError    string     `json:"last_error"`
	}
	catalogue := func() pubOut {
		var list struct{ Publications []pubOut }
		ts.do("GET", "/api/v1/publications", token, "", nil, &list)
		if len(list.Publications) != 1 {
			t.Fatalf("catalogue %+v", list)
		}
		return list.Publications[0]
	}
	steps := []struct {
		name      string
		hour      int // of 7 December (the hourly run at :50)
		change    func()
		wantTitle string
		failing   bool
		asked     string // If-None-Match sent
	}{
		{"unchanged: a 304", 11, func() {}, "First Name", false, `"First Name"`},
		{"changed", 12, func() { pub.name = "Second Name" }, "Second Name", false, `"First Name"`},
		{"down", 13, func() { pub.down = true }, "Second Name", true, `"Second Name"`},
		{"down still", 14, func() {}, "Second Name", true, `"Second Name"`},
		{"back", 15, func() { pub.down = false }, "Second Name", false, `"Second Name"`},
		{"the day's whole read, at 03:50 (the next day)", 24 + 3, func() {}, "Second Name", false, ""},
	}
	for _, st := range steps {
		pub.mu.Lock()
		st.change()
		pub.mu.Unlock()
		clock.Set(time.Date(2026, 12, 7, st.hour, 50, 0, 0, time.UTC))
		ts.srv.RefreshURLPublications(t.Context())
		got := catalogue()
		if got.Title != st.wantTitle || (got.FailingSince != nil) != st.failing || st.failing && !strings.Contains(got.LastError, "503") {
			t.Errorf("%s: %+v, want title %q, failing %v", st.name, got, st.wantTitle, st.failing)
		}
		pub.mu.Lock()
		if asked := pub.asked[len(pub.asked)-1]; asked != st.asked {
			t.Errorf("%s: If-None-Match %q, want %q", st.name, asked, st.asked)
		}
		pub.mu.Unlock()
	}
}
