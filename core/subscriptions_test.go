package core_test

import (
	"fmt"
	"image/png"
	"net/http"
	"strings"
	"testing"
	"time"

	"paperboy/codec"
	"paperboy/core"
	"paperboy/delivery"
	"paperboy/scheduler"
)

type subscriptionOut struct {
	ID            int64             `json:"id"`
	Publication   string            `json:"publication"`
	Config        map[string]string `json:"config"`
	Schedule      string            `json:"schedule"`
	ScheduleText  string            `json:"schedule_text"`
	Time          string            `json:"time"`
	TimeZone      string            `json:"time_zone"`
	Days          []string          `json:"days"`
	Mode          string            `json:"mode"`
	Paused        bool              `json:"paused"`
	DeliveryCount int               `json:"delivery_count"`
	NextAt        *time.Time        `json:"next_at"`
	Next          []time.Time       `json:"next"`
}

func TestServer_Subscriptions(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, "sqlite", core.Config{}, withPublications(pluginHost(t, "hello", "puzzle", "friends")))
	token, id, _, _ := onlinePrinter(t, ts)
	bob := ts.user("bob@example.com")
	subs := fmt.Sprintf("/api/v1/printers/%d/subscriptions", id)

	// The printer's zone: the hours of its subscriptions are in it.
	var p printerOut
	if st := ts.do("PATCH", fmt.Sprintf("/api/v1/printers/%d", id), token, "application/json", strings.NewReader(`{"time_zone": "Asia/Tokyo"}`), &p); st != 200 {
		t.Fatalf("set the time zone: status %d", st)
	}

	var sub subscriptionOut
	if st := ts.postJSON(subs, token, map[string]any{"publication": "puzzle", "config": map[string]string{"difficulty": "hard"},
		"time": "07:30", "days": []string{"mon", "Friday"}, "mode": "now"}, &sub); st != http.StatusCreated {
		t.Fatalf("subscribe: status %d", st)
	}
	tokyo, _ := time.LoadLocation("Asia/Tokyo")
	if sub.Time != "07:30" || sub.Mode != "now" || sub.TimeZone != "Asia/Tokyo" || strings.Join(sub.Days, ",") != "mon,fri" || sub.NextAt == nil ||
		sub.Schedule != "30 7 * * 1,5" || !strings.Contains(sub.ScheduleText, "07:30") || len(sub.Next) != 5 || !sub.Next[0].Equal(*sub.NextAt) {
		t.Fatalf("subscription %+v", sub)
	}
	if next := sub.NextAt.In(tokyo); next.Hour() != 7 || next.Minute() != 30 || (next.Weekday() != time.Monday && next.Weekday() != time.Friday) || !next.After(time.Now()) {
		t.Fatalf("next edition at %v, want a coming Monday or Friday 07:30 in Tokyo", next)
	}

	tests := []struct {
		name string
		body map[string]any
		says string
	}{
		{"a bad time", map[string]any{"publication": "hello", "time": "25:00"}, "08:00"},
		{"a bad schedule", map[string]any{"publication": "hello", "schedule": "0 25 * * *"}, "schedule: "},
		{"a schedule and a time", map[string]any{"publication": "hello", "schedule": "0 8 * * *", "time": "08:00"}, "not both"},
		{"days without a time", map[string]any{"publication": "hello", "days": []string{"mon"}}, "a time is needed"},
		{"more often than the publication allows", map[string]any{"publication": "puzzle", "schedule": "0 7,19 * * *"}, "puzzle"},
		{"days it does not publish", map[string]any{"publication": "hello", "schedule": "0 8 30 2 *"}, "never"},
		{"a bad day", map[string]any{"publication": "hello", "time": "08:00", "days": []string{"someday"}}, "mon, tue"},
		{"a bad mode", map[string]any{"publication": "hello", "time": "08:00", "mode": "later"}, "mode"},
		{"a push publication", map[string]any{"publication": "friends", "time": "08:00"}, "push publication"},
		{"no such publication", map[string]any{"publication": "horoscope", "time": "08:00"}, `no publication "horoscope"`},
		{"a config the form refuses", map[string]any{"publication": "puzzle", "time": "08:00", "config": map[string]string{"difficulty": "fiendish"}}, "config"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var e struct {
				Error  string            `json:"error"`
				Fields map[string]string `json:"fields"`
			}
			if st := ts.postJSON(subs, token, tt.body, &e); st != http.StatusBadRequest || !strings.Contains(e.Error, tt.says) {
				t.Fatalf("status %d %q, want 400 saying %q", st, e.Error, tt.says)
			}
		})
	}

	path := fmt.Sprintf("/api/v1/subscriptions/%d", sub.ID)
	var list struct{ Subscriptions []subscriptionOut }
	if st := ts.do("GET", subs, token, "", nil, &list); st != 200 || len(list.Subscriptions) != 1 || list.Subscriptions[0].ID != sub.ID {
		t.Fatalf("list: status %d, %+v", st, list)
	}
	var changed subscriptionOut
	if st := ts.do("PATCH", path, token, "application/json", strings.NewReader(`{"time": "06:15", "paused": true, "config": {"difficulty": "easy"}}`), &changed); st != 200 ||
		changed.Time != "06:15" || !changed.Paused || changed.Config["difficulty"] != "easy" || changed.NextAt != nil {
		t.Fatalf("change: status %d, %+v", st, changed)
	}
	// A refused change (the web form's path too) says why and changes nothing.
	refusedChanges := []struct{ body, says string }{
		{`{"config": {"difficulty": "impossible"}}`, `"difficulty"`},
		{`{"time": "6"}`, "want hours and minutes"},
		{`{"days": ["someday"]}`, "want mon, tue"},
		{`{"publication": "hello"}`, "cannot change"},
	}
	for _, tt := range refusedChanges {
		var e map[string]any
		if st := ts.do("PATCH", path, token, "application/json", strings.NewReader(tt.body), &e); st != 400 || !strings.Contains(fmt.Sprint(e), strings.Trim(tt.says, `"`)) {
			t.Errorf("PATCH %s: %d %v, want 400 saying %s", tt.body, st, e, tt.says)
		}
	}
	if st := ts.do("GET", path, token, "", nil, &changed); st != 200 || changed.Time != "06:15" || changed.Config["difficulty"] != "easy" {
		t.Errorf("after the refused changes: %d %+v", st, changed)
	}

	// The next edition, as it will print.
	req, _ := http.NewRequest("GET", ts.base+path+"/preview.png", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(resp.Body)
	resp.Body.Close()
	if err != nil || img.Bounds().Dx() != codec.PrintWidth || img.Bounds().Dy() < 300 {
		t.Fatalf("preview: %d %v %v", resp.StatusCode, err, img)
	}

	// Another user's subscription is not found, whatever they do.
	for _, m := range []string{"GET", "PATCH", "DELETE"} {
		var e errorOut
		if st := ts.do(m, path, bob, "application/json", strings.NewReader(`{}`), &e); st != http.StatusNotFound {
			t.Errorf("%s another user's subscription: status %d", m, st)
		}
	}
	if st := ts.do("DELETE", path, token, "", nil, nil); st != http.StatusNoContent {
		t.Fatalf("delete: status %d", st)
	}
	var e errorOut
	if st := ts.do("GET", path, token, "", nil, &e); st != http.StatusNotFound {
		t.Fatalf("a deleted subscription: status %d", st)
	}
	changes := []struct {
		body     string
		status   int
		wantName string
	}{
		{`{"time_zone": "Mars/Olympus"}`, 400, "Kitchen"},
		{`{"name": "Hall", "time_zone": "Mars/Olympus"}`, 400, "Kitchen"}, // neither is changed
		{`{"name": ""}`, 400, "Kitchen"},
		{`{}`, 400, "Kitchen"},
		{`{"name": " Hall "}`, 200, "Hall"},
	}
	for _, c := range changes {
		if st := ts.do("PATCH", fmt.Sprintf("/api/v1/printers/%d", id), token, "application/json", strings.NewReader(c.body), nil); st != c.status {
			t.Fatalf("PATCH %s: status %d, want %d", c.body, st, c.status)
		}
		if ps := ts.printers(token); ps[0].Name != c.wantName || ps[0].TimeZone != "Asia/Tokyo" {
			t.Fatalf("after PATCH %s: %q in %q, want %q in Asia/Tokyo", c.body, ps[0].Name, ps[0].TimeZone, c.wantName)
		}
	}
}

// TestServer_SubscriptionPrints: the scheduler running in the server
// prints a subscription's edition at its minute, once. It waits for the
// next minute of the clock.
func TestServer_SubscriptionPrints(t *testing.T) {
	// One clock for the server, its queue, its scheduler and its store,
	// moved by the test: the edition prints at its minute, not before, and
	// once.
	t.Parallel()
	clock := delivery.NewFakeClock(time.Date(2026, 12, 1, 7, 58, 30, 0, time.UTC))
	ts := newTestServer(t, "sqlite", core.Config{}, withPublications(pluginHost(t, "hello")),
		withScheduler(scheduler.Config{Tick: 10 * time.Second}), withClock(clock))
	token, id, b, dev := onlinePrinter(t, ts)
	moment := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	var sub subscriptionOut
	if st := ts.postJSON(fmt.Sprintf("/api/v1/printers/%d/subscriptions", id), token, map[string]any{"publication": "hello",
		"time": moment.Format("15:04"), "mode": "now"}, &sub); st != http.StatusCreated {
		t.Fatalf("subscribe: status %d", st)
	}
	// The edition is made ahead of its minute and waits for it; the
	// printer heartbeats as the clock moves on, so it stays online.
	var c codec.DeviceCommand
	for c.ID == 0 {
		if clock.Now().After(moment.Add(time.Minute)) {
			t.Fatal("no edition a minute after its moment")
		}
		b.event(dev, codec.Heartbeat{Uptime: 1})
		clock.Advance(5 * time.Second)
		select {
		case cmd := <-b.cmds:
			var ok bool
			if c, ok = cmd.(codec.DeviceCommand); !ok {
				t.Fatalf("got %#v", cmd)
			}
		case <-time.After(100 * time.Millisecond): // a real wait: for the server to act on the move
		}
	}
	if clock.Now().Before(moment) {
		t.Fatalf("the edition came at %v, before its minute", clock.Now())
	}
	pl, err := codec.ParsePayload(c.Payload)
	if err != nil || pl.Command != codec.SetDeliveryAndPrint {
		t.Fatalf("payload %v %+v", err, pl)
	}
	b.send(codec.DeviceCommandResponse{Header: b.h(), Device: dev, CommandID: c.ID, ReturnCode: codec.ReturnSuccess})
	b.event(dev, codec.DidPrint{PrintType: codec.PrintDelivery, PrintID: c.ID})
	eventually(t, "counted", func() bool {
		ts.do("GET", fmt.Sprintf("/api/v1/subscriptions/%d", sub.ID), token, "", nil, &sub)
		return sub.DeliveryCount == 1
	})
	for range 6 { // a minute more: nothing else
		b.event(dev, codec.Heartbeat{Uptime: 2})
		clock.Advance(10 * time.Second)
	}
	b.noCommand(300 * time.Millisecond)
}

// TestServer_EveryTwoMinutes: a subscription on the spec "*/2 * * * *"
// prints every two minutes through the real server, once each, at its
// minute, on one clock moved by the test.
func TestServer_EveryTwoMinutes(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 12, 1, 7, 58, 30, 0, time.UTC)
	clock := delivery.NewFakeClock(start)
	ts := newTestServer(t, "sqlite", core.Config{}, withPublications(pluginHost(t, "hello")),
		withScheduler(scheduler.Config{Tick: 10 * time.Second, Lead: time.Minute}), withClock(clock))
	token, id, b, dev := onlinePrinter(t, ts)
	var sub subscriptionOut
	if st := ts.postJSON(fmt.Sprintf("/api/v1/printers/%d/subscriptions", id), token, map[string]any{"publication": "hello",
		"schedule": "*/2 * * * *", "mode": "now"}, &sub); st != http.StatusCreated {
		t.Fatalf("subscribe: status %d", st)
	}
	if sub.ScheduleText == "" || sub.Time != "" || len(sub.Next) != 5 || sub.Next[1].Sub(sub.Next[0]) != 2*time.Minute {
		t.Fatalf("subscription %+v", sub)
	}
	end := time.Date(2026, 12, 1, 8, 11, 0, 0, time.UTC)
	var printed []string
	seen := map[uint32]bool{}
	for clock.Now().Before(end) {
		b.event(dev, codec.Heartbeat{Uptime: 1})
		clock.Advance(10 * time.Second)
		select {
		case cmd := <-b.cmds:
			c, ok := cmd.(codec.DeviceCommand)
			if !ok {
				t.Fatalf("got %#v", cmd)
			}
			if seen[c.ID] {
				t.Fatalf("command %d sent twice", c.ID)
			}
			seen[c.ID] = true
			printed = append(printed, clock.Now().Format("15:04:05"))
			b.send(codec.DeviceCommandResponse{Header: b.h(), Device: dev, CommandID: c.ID, ReturnCode: codec.ReturnSuccess})
			b.event(dev, codec.DidPrint{PrintType: codec.PrintDelivery, PrintID: c.ID})
		case <-time.After(100 * time.Millisecond): // a real wait: for the server to act on the move
		}
	}
	// Each print comes in the ten seconds after its even minute.
	want := []string{"08:00", "08:02", "08:04", "08:06", "08:08", "08:10"}
	if len(printed) != len(want) {
		t.Fatalf("printed at %v, want once at each of %v", printed, want)
	}
	for i, at := range printed {
		if at[:5] != want[i] || at[6:] > "10" {
			t.Errorf("print %d at %s, want within 10 s after %s", i, at, want[i])
		}
	}
	// Counted as queued: 08:12's is made within the lead of the last tick.
	eventually(t, "all counted", func() bool {
		ts.do("GET", fmt.Sprintf("/api/v1/subscriptions/%d", sub.ID), token, "", nil, &sub)
		return sub.DeliveryCount >= len(want)
	})
}

// TestServer_ScheduleLimit: the server's shortest interval between editions
// holds whatever the publication allows, and says whose limit it is.
func TestServer_ScheduleLimit(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, "sqlite", core.Config{MinScheduleInterval: 10 * time.Minute}, withPublications(pluginHost(t, "hello", "news")))
	token, id, _, _ := onlinePrinter(t, ts)
	subs := fmt.Sprintf("/api/v1/printers/%d/subscriptions", id)
	feeds := map[string]string{"feeds": "https://example.com/rss"}
	tests := []struct {
		body   map[string]any
		status int
		says   string
	}{
		{map[string]any{"publication": "hello", "schedule": "*/5 * * * *"}, 400, "this server"},
		{map[string]any{"publication": "hello", "times": []string{"08:00", "08:05"}}, 400, "times: "},
		{map[string]any{"publication": "hello", "schedule": "*/10 * * * *"}, 201, ""},
		{map[string]any{"publication": "news", "schedule": "*/30 * * * *", "config": feeds}, 400, "news"},
		{map[string]any{"publication": "news", "times": []string{"07:00", "18:30"}, "days": []string{"mon"}, "config": feeds}, 201, ""},
		{map[string]any{"publication": "news", "config": feeds}, 201, ""}, // its default
	}
	for _, tt := range tests {
		var out struct {
			subscriptionOut
			Error string `json:"error"`
			Field string `json:"field"`
		}
		st := ts.postJSON(subs, token, tt.body, &out)
		if st != tt.status || !strings.Contains(out.Error, tt.says) {
			t.Errorf("%v: %d %q, want %d saying %q", tt.body, st, out.Error, tt.status, tt.says)
		}
		if st == 400 && (out.Field == "" || !strings.HasPrefix(out.Error, out.Field+": ")) {
			t.Errorf("%v: field %q for %q, want the one that is wrong named", tt.body, out.Field, out.Error)
		}
	}
	var list struct{ Subscriptions []subscriptionOut }
	ts.do("GET", subs, token, "", nil, &list)
	var got []string
	for _, s := range list.Subscriptions {
		got = append(got, s.Schedule+" = "+s.ScheduleText)
	}
	want := []string{"*/10 * * * * = every 10 minutes", "0 7 * * 1; 30 18 * * 1 = at 07:00 and 18:30 on Monday", "0 7 * * * = at 07:00 every day"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("schedules %q, want %q", got, want)
	}
	// Days alone keep the times, several too.
	var changed subscriptionOut
	if st := ts.do("PATCH", fmt.Sprintf("/api/v1/subscriptions/%d", list.Subscriptions[1].ID), token, "application/json",
		strings.NewReader(`{"days": ["tue", "thu"]}`), &changed); st != 200 || changed.Schedule != "0 7 * * 2,4; 30 18 * * 2,4" {
		t.Errorf("days changed: %d, %q", st, changed.Schedule)
	}
}
