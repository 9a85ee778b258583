package core_test

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"paperboy/codec"
	"paperboy/core"
	"paperboy/store"
)

var newTokenRE = regexp.MustCompile(`<pre class="code"><code>(pb_[A-Za-z0-9_-]+)</code></pre>`)

func TestWeb_Tokens(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, "sqlite", core.Config{})
	ann := ts.browser()
	ann.signUp("ann@example.com")

	page := ann.get("/tokens")
	if page.status != 200 || !strings.Contains(page.body, `href="/tokens"`) || !strings.Contains(page.body, "You have no API tokens") {
		t.Fatalf("/tokens: %d\n%s", page.status, page.body)
	}
	ann.checkPage("/tokens", page)
	if p := ts.browser().get("/tokens"); p.status != http.StatusSeeOther || p.location != "/signin?next=%2Ftokens" {
		t.Errorf("signed out, /tokens: %d to %q, want to sign in", p.status, p.location)
	}

	refused := []struct {
		name, token, says string
	}{
		{"no name", "  ", "Give the token a name"},
		{"a name too long", strings.Repeat("n", 65), "at most 64 characters"},
	}
	for _, tt := range refused {
		t.Run(tt.name, func(t *testing.T) {
			p := ann.submit("/tokens", "/tokens", url.Values{"name": {tt.token}})
			if p.status != http.StatusBadRequest || !strings.Contains(p.body, tt.says) || !strings.Contains(p.body, `<p class="field-error" id="name-error">`) {
				t.Fatalf("status %d, want 400 saying %q next to the name:\n%s", p.status, tt.says, p.body)
			}
			if newTokenRE.MatchString(p.body) {
				t.Error("a token was made")
			}
			ann.checkPage("/tokens", p)
		})
	}

	// Made: shown once, with a curl example that works as it is.
	made := ann.submit("/tokens", "/tokens", url.Values{"name": {" kitchen script "}})
	m := newTokenRE.FindStringSubmatch(made.body)
	if made.status != 200 || m == nil {
		t.Fatalf("make a token: %d\n%s", made.status, made.body)
	}
	token := m[1]
	curl := fmt.Sprintf(`curl -H "Authorization: Bearer %s" %s/api/v1/printers`, token, ts.base)
	if !strings.Contains(made.body, curl) || !strings.Contains(made.body, "<strong>kitchen script</strong>") || !strings.Contains(made.body, "shown only this once") {
		t.Errorf("the new token's page lacks %s, or the token's name:\n%s", curl, made.body)
	}
	if cc := made.header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("the page with the token: Cache-Control %q, want no-store", cc)
	}
	ann.checkPage("/tokens", made)
	if p := ann.get("/tokens"); strings.Contains(p.body, token) || !strings.Contains(p.body, "kitchen script") {
		t.Errorf("/tokens afterwards shows the token, or not its name")
	}
	if got := ts.printers(token); len(got) != 0 {
		t.Errorf("the new token's printers: %+v", got)
	}
	id := regexp.MustCompile(`action="/tokens/(\d+)/delete"`).FindStringSubmatch(made.body)
	if id == nil {
		t.Fatalf("no revoke button:\n%s", made.body)
	}
	del := "/tokens/" + id[1] + "/delete"

	// Another user's token, or none, is not found; and nothing is revoked.
	bob := ts.browser()
	bob.signUp("bob@example.com")
	for _, path := range []string{del, "/tokens/99999/delete", "/tokens/abc/delete", "/tokens/99999999999999999999/delete"} {
		if p := bob.submit("/tokens", path, url.Values{}); p.status != http.StatusNotFound || !strings.Contains(p.body, "Not found") {
			t.Errorf("bob POST %s: %d, want a 404 page", path, p.status)
		}
	}
	if st := ts.do("GET", "/api/v1/printers", token, "", nil, nil); st != http.StatusOK {
		t.Fatalf("after bob's tries the token answers %d", st)
	}

	// Revoked: it stops working at once.
	if p := ann.submit("/tokens", del, url.Values{}); p.status != 200 || !strings.Contains(p.body, "Token revoked") || !strings.Contains(p.body, "You have no API tokens") {
		t.Fatalf("revoke: %d\n%s", p.status, p.body)
	}
	var e errorOut
	if st := ts.do("GET", "/api/v1/printers", token, "", nil, &e); st != http.StatusUnauthorized {
		t.Errorf("the revoked token answers %d %q, want 401", st, e.Error)
	}
}

// subscribeHello subscribes the printer at path to hello through the form
// and returns the subscription's page.
func subscribeHello(t *testing.T, b *browser, path string) (string, webPage) {
	t.Helper()
	form := path + "/subscribe?publication=hello"
	b.get(form)
	p := b.post(form, url.Values{"csrf": {b.csrf}, "config_name": {"Ada"}, "time": {"08:15"}, "days": {"mon", "thu"}, "mode": {"now"}})
	if p.status != http.StatusSeeOther || !regexp.MustCompile(`^/subscriptions/\d+\?done=subscribed$`).MatchString(p.location) {
		t.Fatalf("subscribe: %d to %q, want the subscription's page:\n%s", p.status, p.location, p.body)
	}
	sub, _, _ := strings.Cut(p.location, "?")
	return sub, b.get(p.location)
}

func TestWeb_SubscriptionPage(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, "sqlite", core.Config{}, withPublications(pluginHost(t, "hello")))
	b, path, _, _ := webPrinter(t, ts)
	sub, page := subscribeHello(t, b, path)
	for _, want := range []string{"Subscribed.", "<h1>Hello</h1>", "Prints at 08:15 on Monday and Thursday; at once.", "The next edition is due ",
		`<img id="next-edition" class="preview" src="` + sub + `/preview.png"`, `data-fallback="No preview just now`,
		`action="` + sub + `/change"`, `name="config_name" type="text" value="Ada"`, `type="time" value="08:15"`,
		`name="days" value="mon" checked="checked"`, `name="days" value="thu" checked="checked"`, `value="now" checked="checked"`,
		`action="` + sub + `/pause"`, `action="` + sub + `/delete"`, "Save the settings"} {
		if !strings.Contains(page.body, want) {
			t.Errorf("the subscription's page lacks %s", want)
		}
	}
	if strings.Contains(page.body, `name="days" value="tue" checked`) {
		t.Error("a day not chosen is ticked")
	}
	b.checkPage(sub, page)
	if p := b.get(path); !strings.Contains(p.body, `<a href="`+sub+`">Settings and preview</a>`) {
		t.Errorf("the printer page does not link to the subscription's:\n%s", p.body)
	}

	// The preview: the next edition, as it prints.
	img := b.get(sub + "/preview.png")
	if img.status != 200 || img.header.Get("Content-Type") != "image/png" {
		t.Fatalf("preview: %d %s %s", img.status, img.header.Get("Content-Type"), img.body)
	}
	if pic, err := png.Decode(strings.NewReader(img.body)); err != nil || pic.Bounds().Dx() != codec.PrintWidth {
		t.Fatalf("preview: %v, %v", err, pic)
	}

	// Changes through the form: refused ones say why next to the field and
	// keep what was given; a good one is saved.
	good := url.Values{"config_name": {"Bea"}, "time": {"06:45"}, "mode": {"button"}}
	with := func(k, v string) url.Values { return withValue(good, k, v) }
	refused := []struct {
		name string
		form url.Values
		says string
	}{
		{"a name too long", with("config_name", strings.Repeat("x", 41)), "at most 40"},
		{"a bad time", with("time", "7 o'clock"), "want hours and minutes"},
		{"a bad day", with("days", "someday"), "want mon, tue"},
		{"a bad mode", with("mode", "whenever"), "mode must be"},
	}
	for _, tt := range refused {
		t.Run(tt.name, func(t *testing.T) {
			p := b.submit(sub, sub+"/change", tt.form)
			if p.status != http.StatusBadRequest || !strings.Contains(p.body, tt.says) || !strings.Contains(p.body, `class="field-error"`) {
				t.Fatalf("status %d, want 400 saying %q next to its field:\n%s", p.status, tt.says, p.body)
			}
			if tt.name != "a name too long" && !strings.Contains(p.body, `value="Bea"`) {
				t.Error("the values given are not kept")
			}
			b.checkPage(sub, p)
		})
	}
	var id int64
	fmt.Sscanf(sub, "/subscriptions/%d", &id)
	if got, err := ts.store.SubscriptionByID(t.Context(), id); err != nil || got.Config["name"] != "Ada" || got.Schedule != "15 8 * * 1,4" {
		t.Fatalf("after the refused changes: %+v, %v; want it as it was", got, err)
	}
	p := b.submit(sub, sub+"/change", good)
	if p.status != 200 || !strings.Contains(p.body, "Settings saved.") || !strings.Contains(p.body, "Prints at 06:45 every day; when the button is pressed.") ||
		!strings.Contains(p.body, `value="Bea"`) {
		t.Fatalf("change: %d\n%s", p.status, p.body)
	}
	got, err := ts.store.SubscriptionByID(t.Context(), id)
	if err != nil || got.Config["name"] != "Bea" || got.Schedule != "45 6 * * *" || got.Mode != store.ModeButton {
		t.Fatalf("stored: %+v, %v; want Bea at 06:45 every day, at the button (no day ticked: every day)", got, err)
	}

	// Pause and resume from its page come back to it.
	if p := b.submit(sub, sub+"/pause", url.Values{"from": {"subscription"}}); p.status != 200 ||
		!strings.Contains(p.body, "Paused: no edition is due") || !strings.Contains(p.body, `action="`+sub+`/resume"`) {
		t.Fatalf("pause: %d\n%s", p.status, p.body)
	}
	if p := b.submit(sub, sub+"/resume", url.Values{"from": {"subscription"}}); !strings.Contains(p.body, "Resumed.") || !strings.Contains(p.body, "The next edition is due") {
		t.Fatalf("resume: %d\n%s", p.status, p.body)
	}

	// Another user's subscription, or none, is not found.
	bob := ts.browser()
	bob.signUp("bob@example.com")
	for _, path := range []string{sub, sub + "/preview.png", "/subscriptions/99999", "/subscriptions/abc"} {
		if p := bob.get(path); p.status != http.StatusNotFound || !strings.Contains(p.body, "Not found") {
			t.Errorf("bob GET %s: %d, want a 404 page", path, p.status)
		}
	}
	if p := bob.submit("/", sub+"/change", url.Values{"time": {"01:00"}}); p.status != http.StatusNotFound {
		t.Errorf("bob changes ann's subscription: %d, want 404", p.status)
	}
	if got, _ := ts.store.SubscriptionByID(t.Context(), id); got.Schedule != "45 6 * * *" {
		t.Errorf("bob's change was saved: %+v", got)
	}

	// Unsubscribed: back to the printer; its page is gone.
	if p := b.submit(sub, sub+"/delete", url.Values{}); !strings.Contains(p.body, "Unsubscribed.") || !strings.Contains(p.body, "No subscriptions yet") {
		t.Fatalf("unsubscribe: %d\n%s", p.status, p.body)
	}
	if p := b.get(sub); p.status != http.StatusNotFound {
		t.Errorf("the page of an ended subscription: %d, want 404", p.status)
	}
}

func TestWeb_Sample(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, "sqlite", core.Config{}, withPublications(pluginHost(t, "hello", "friends", "garbage")))
	b := ts.browser()
	b.signUp("ann@example.com")
	cat := b.get("/publications")
	for _, name := range []string{"hello", "friends", "garbage"} {
		want := `src="/publications/` + name + `/sample.png" alt="A sample print of `
		if !strings.Contains(cat.body, want) || !strings.Contains(cat.body, `data-fallback="No sample just now."`) {
			t.Errorf("the catalogue lacks %s with its fallback", want)
		}
	}
	b.checkPage("/publications", cat)

	tests := []struct {
		name   string
		status int
	}{
		{"hello", 200},   // a scheduled one, with its default config
		{"friends", 200}, // a push one, with a message from "a friend"
		{"garbage", http.StatusBadGateway},
		{"nope", http.StatusNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for i := range 2 { // made, then kept
				p := b.get("/publications/" + tt.name + "/sample.png")
				if p.status != tt.status {
					t.Fatalf("fetch %d: status %d, want %d: %s", i+1, p.status, tt.status, p.body)
				}
				if tt.status != 200 {
					continue
				}
				pic, err := png.Decode(strings.NewReader(p.body))
				if p.header.Get("Content-Type") != "image/png" || err != nil || pic.Bounds().Dx() != codec.PrintWidth || pic.Bounds().Dy() < 50 {
					t.Fatalf("fetch %d: %s, %v, %v; want a print", i+1, p.header.Get("Content-Type"), err, pic)
				}
			}
		})
	}
	if p := ts.browser().get("/publications/hello/sample.png"); p.status != http.StatusSeeOther {
		t.Errorf("a sample signed out: %d, want a redirect to sign in", p.status)
	}
}

// personalityForm is a multipart form of pictures by field, each a PNG of
// the given height, or the bytes given.
func personalityForm(t *testing.T, csrf string, pics map[string]any) (string, *bytes.Buffer) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	w.WriteField("csrf", csrf)
	for field, v := range pics {
		data, ok := v.([]byte)
		if !ok {
			var b bytes.Buffer
			png.Encode(&b, image.NewGray(image.Rect(0, 0, 384, v.(int))))
			data = b.Bytes()
		}
		f, _ := w.CreateFormFile(field, field+".png")
		f.Write(data)
	}
	w.Close()
	return w.FormDataContentType(), &buf
}

func TestWeb_Personality(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, "sqlite", core.Config{})
	b, path, fb, dev := webPrinter(t, ts)
	page := b.get(path)
	if !strings.Contains(page.body, `<h2 id="personality">Personality</h2>`) || !strings.Contains(page.body, `action="`+path+`/personality" enctype="multipart/form-data"`) {
		t.Fatalf("the printer page has no personality form:\n%s", page.body)
	}
	b.checkPage(path, page)

	refused := []struct {
		name  string
		pics  map[string]any
		field string
		says  string
	}{
		{"no face", map[string]any{"nothing_to_print": 20}, "face", "Choose a picture for the face"},
		{"a face that is not a picture", map[string]any{"face": []byte("not a picture")}, "face", "face:"},
		{"another that is not a picture", map[string]any{"face": 20, "cannot_see_bridge": []byte("GIF89a?")}, "cannot_see_bridge", "cannot_see_bridge:"},
	}
	for _, tt := range refused {
		t.Run(tt.name, func(t *testing.T) {
			b.get(path)
			ct, body := personalityForm(t, b.csrf, tt.pics)
			p := b.do("POST", path+"/personality", ct, body)
			if p.status != http.StatusBadRequest || !strings.Contains(p.body, `<p class="field-error" id="`+tt.field+`-error">`+tt.says) {
				t.Fatalf("status %d, want 400 saying %q next to %s:\n%s", p.status, tt.says, tt.field, p.body)
			}
			b.checkPage(path, p)
		})
	}

	// The face, and one other: those not given are the face.
	b.get(path)
	ct, body := personalityForm(t, b.csrf, map[string]any{"face": 30, "cannot_see_internet": 12})
	p := b.do("POST", path+"/personality", ct, body)
	if p.status != http.StatusSeeOther || p.location != path+"?done=personality" {
		t.Fatalf("personality: %d to %q:\n%s", p.status, p.location, p.body)
	}
	if p := b.get(p.location); !strings.Contains(p.body, "the printer takes its new face") {
		t.Errorf("no notice:\n%s", p.body)
	}
	c, ok := fb.command().(codec.DeviceCommand)
	if !ok || c.Device != dev {
		t.Fatalf("got %#v, want a DeviceCommand", c)
	}
	pl, err := codec.ParsePayload(c.Payload)
	if err != nil || pl.Command != codec.SetPersonality || len(pl.Images) != 4 {
		t.Fatalf("payload %v, %+v; want SetPersonality with 4 pictures", err, pl)
	}
	var heights []int
	for _, img := range pl.Images {
		heights = append(heights, img.Height)
	}
	if fmt.Sprint(heights) != "[30 30 30 12]" {
		t.Errorf("picture heights %v, want [30 30 30 12]: the face for those not given", heights)
	}
}

func TestWeb_NotFoundAndMethodPages(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, "sqlite", core.Config{})
	stranger := ts.browser()
	ann := ts.browser()
	ann.signUp("ann@example.com")
	tests := []struct {
		name         string
		b            *browser
		method, path string
		status       int
		allow        string // the Allow header of a 405, each method in it
		json         bool
		says         string
	}{
		{"an unknown page", stranger, "GET", "/nope", 404, "", false, `href="/signin"`},
		{"an unknown page, signed in", ann, "GET", "/nope/deeper", 404, "", false, "Sign out"},
		{"a form to an unknown page, with no token", ann, "POST", "/nope", 404, "", false, "There is no page at /nope"},
		{"DELETE a page", stranger, "DELETE", "/signin", 405, "GET,POST", false, "does not take a DELETE request"},
		{"GET sign out", ann, "GET", "/signout", 405, "POST", false, "only POST"},
		{"GET a form's address", ann, "GET", "/printers/1/print", 405, "POST", false, "Sign out"},
		{"an unknown API path", stranger, "GET", "/api/v1/nope", 404, "", true, "no such API endpoint"},
		{"a wrong method in the API", stranger, "DELETE", "/api/v1/printers", 404, "", true, "no such API endpoint"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := tt.b.do(tt.method, tt.path, "", nil)
			if p.status != tt.status || !strings.Contains(p.body, tt.says) {
				t.Fatalf("%s %s: %d, want %d saying %q:\n%s", tt.method, tt.path, p.status, tt.status, tt.says, p.body)
			}
			if tt.json {
				if ct := p.header.Get("Content-Type"); ct != "application/json" {
					t.Errorf("Content-Type %q, want JSON", ct)
				}
				return
			}
			for _, m := range strings.Split(tt.allow, ",") {
				if m != "" && !strings.Contains(p.header.Get("Allow"), m) {
					t.Errorf("Allow %q lacks %s", p.header.Get("Allow"), m)
				}
			}
			if !strings.Contains(p.body, "<h1>") {
				t.Errorf("not a page:\n%s", p.body)
			}
			tt.b.checkPage(tt.path, p)
		})
	}
}

func TestWeb_SubscriptionPageWithoutItsPublication(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, "sqlite", core.Config{}) // no plugins: the publication is not installed
	b, path, _, _ := webPrinter(t, ts)
	var printerID int64
	fmt.Sscanf(path, "/printers/%d", &printerID)
	sub, err := ts.store.CreateSubscription(t.Context(), store.NewSubscription{PrinterID: printerID, Publication: "weather", Schedule: "0 7 * * *"})
	if err != nil {
		t.Fatal(err)
	}
	page := fmt.Sprintf("/subscriptions/%d", sub.ID)
	p := b.get(page)
	if p.status != 200 || !strings.Contains(p.body, "<h1>weather</h1>") || !strings.Contains(p.body, "cannot be changed just now") ||
		!strings.Contains(p.body, "No edition is due just now.") || strings.Contains(p.body, page+"/change") || !strings.Contains(p.body, page+"/pause") {
		t.Fatalf("%s: %d\n%s", page, p.status, p.body)
	}
	b.checkPage(page, p)
	if p := b.submit(page, page+"/change", url.Values{"time": {"08:00"}}); p.status != http.StatusServiceUnavailable {
		t.Errorf("a change without the publication: %d, want 503", p.status)
	}
}
