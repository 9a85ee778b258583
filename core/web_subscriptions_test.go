package core_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"paperboy/core"
	"paperboy/store"
)

func TestWeb_Subscribe(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, "sqlite", core.Config{}, withPublications(pluginHost(t, "weather", "news", "friends")))
	b, path, _, _ := webPrinter(t, ts)
	id := strings.TrimPrefix(path, "/printers/")

	cat := b.get("/publications")
	if cat.status != 200 || !strings.Contains(cat.body, "Weather") || !strings.Contains(cat.body, "News") ||
		!strings.Contains(cat.body, `href="`+path+`/subscribe?publication=weather"`) || strings.Contains(cat.body, "publication=friends") {
		t.Fatalf("the catalogue: %d\n%s", cat.status, cat.body)
	}
	b.checkPage("/publications", cat)

	form := path + "/subscribe?publication=weather"
	page := b.get(form)
	for _, want := range []string{`name="config_place" type="text"`, `name="config_latitude" type="number"`, `min="-90" max="90"`,
		`<select id="config_units" name="config_units">`, `<option value="celsius" selected="selected">`, `name="config_base_url" type="url"`,
		`type="time" value="07:00"`, `name="days" value="mon"`, `name="days" value="sun"`, `value="button" checked="checked"`} {
		if !strings.Contains(page.body, want) {
			t.Errorf("the weather form lacks %s", want)
		}
	}
	b.checkPage(form, page)
	news := b.get(path + "/subscribe?publication=news")
	if !strings.Contains(news.body, `<textarea id="config_feeds" name="config_feeds"`) || !strings.Contains(news.body, `name="config_summaries" value="true" checked="checked"`) {
		t.Errorf("the news form:\n%s", news.body)
	}
	b.checkPage(path+"/subscribe?publication=news", news)
	for _, pub := range []string{"horoscope", "friends"} {
		if p := b.get(path + "/subscribe?publication=" + pub); p.status != http.StatusNotFound {
			t.Errorf("subscribe to %s: %d, want 404", pub, p.status)
		}
	}

	good := url.Values{"config_place": {"Leeds"}, "config_latitude": {"53.8"}, "config_longitude": {"-1.55"}, "config_units": {"celsius"},
		"time": {"07:30"}, "days": {"mon", "fri"}, "mode": {"now"}}
	with := func(k, v string) url.Values { return withValue(good, k, v) }
	refused := []struct {
		name string
		form url.Values
		says string
	}{
		{"no place", with("config_place", ""), "required"},
		{"latitude out of range", with("config_latitude", "100"), "must be from -90 to 90"},
		{"a bad time", with("time", "25:00"), "want hours and minutes"},
		{"a bad day", with("days", "someday"), "want mon, tue"},
		{"a bad mode", with("mode", "later"), "mode must be"},
	}
	for _, tt := range refused {
		t.Run(tt.name, func(t *testing.T) {
			p := b.submit(form, form, tt.form)
			if p.status != http.StatusBadRequest || !strings.Contains(p.body, tt.says) || !strings.Contains(p.body, `class="field-error"`) {
				t.Fatalf("status %d, want 400 saying %q next to its field:\n%s", p.status, tt.says, p.body)
			}
			if !strings.Contains(p.body, `value="Leeds"`) && tt.name != "no place" {
				t.Errorf("the values given are not kept")
			}
			b.checkPage(form, p)
		})
	}

	p := b.submit(form, form, good)
	if p.status != 200 || !strings.Contains(p.body, "Subscribed.") || !strings.Contains(p.body, "Prints at 07:30 on Monday and Friday; at once.") {
		t.Fatalf("subscribe: %d\n%s", p.status, p.body)
	}
	b.checkPage(path, p)
	printerID := int64(0)
	fmt.Sscan(id, &printerID)
	subs, err := ts.store.SubscriptionsByPrinter(t.Context(), printerID)
	if err != nil || len(subs) != 1 || subs[0].Config["place"] != "Leeds" || subs[0].Schedule != "30 7 * * 1,5" || subs[0].Mode != store.ModeNow {
		t.Fatalf("stored: %+v, %v", subs, err)
	}
	sub := fmt.Sprintf("/subscriptions/%d", subs[0].ID)

	bob := ts.browser()
	bob.signUp("bob@example.com")
	if p := bob.post(sub+"/pause", url.Values{"csrf": {bob.csrf}}); p.status != http.StatusNotFound {
		t.Errorf("bob pauses ann's subscription: %d, want 404", p.status)
	}
	steps := []struct{ action, says string }{
		{"pause", "Resume"},
		{"resume", "Pause"},
		{"delete", "No subscriptions yet"},
	}
	for _, st := range steps {
		if p := b.submit(path, sub+"/"+st.action, url.Values{}); p.status != 200 || !strings.Contains(p.body, st.says) {
			t.Fatalf("%s: %d, want the page with %q:\n%s", st.action, p.status, st.says, p.body)
		}
	}
}
