package main

import (
	"bytes"
	"fmt"
	"image/jpeg"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"paperboy/internal/bergtest"
	"paperboy/internal/plugintest"
	"paperboy/internal/storetest"
)

// browserServer is the real server with the built-in publications, on
// SQLite, for the browser tests: its address and the fake weather upstream
// its weather publication may fetch from.
type browserServer struct {
	base     string // http://127.0.0.1:port
	ws       string // the bridges' address
	upstream string // the fake Open-Meteo, for a weather config's base_url
}

// startBrowserServer builds the plugins and starts the server with them,
// and a local Open-Meteo that serves the recorded Leeds forecast as the day's asked for.
func startBrowserServer(t *testing.T) browserServer {
	t.Helper()
	forecast, err := os.ReadFile(filepath.Join(plugintest.Root(t), "plugins", "weather", "testdata", "leeds.json"))
	if err != nil {
		t.Fatal(err)
	}
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/forecast" {
			http.NotFound(w, r)
			return
		}
		// The recorded day, moved to the day asked for.
		day := r.URL.Query().Get("start_date")
		w.Header().Set("Content-Type", "application/json")
		w.Write(bytes.ReplaceAll(forecast, []byte("2026-12-01"), []byte(day)))
	}))
	t.Cleanup(upstream.Close)
	srv := start(t, nil, "serve", "--db", storetest.DSN(t, "sqlite"), "--listen", "127.0.0.1:0",
		"--builtins", "friends,weather", "--plugin-allow-private")
	addr := srv.waitLine(regexp.MustCompile(`serving on http://([0-9.:]+) `))[1]
	return browserServer{base: "http://" + addr, ws: "ws://" + addr + "/api/v1/connection", upstream: upstream.URL}
}

// unclaimedPrinter runs a virtual printer nobody has claimed, and returns it
// with its claim code as it printed it (n5ry-p6x6-kth7-7hc4).
func unclaimedPrinter(t *testing.T, ws string) (*proc, string) {
	t.Helper()
	dir := t.TempDir()
	pr := start(t, nil, "printer", "--server", ws, "--state", dir+"/printer.json", "--out", dir+"/prints", "--printers", "1")
	m := pr.waitLine(regexp.MustCompile(`^printer 1: device [0-9a-f]{16}, claim code (\S+) \(not paired`))
	return pr, m[1]
}

// asTyped is a claim code as a person might type it from the paper: in
// capitals, in groups split by spaces, not dashes.
func asTyped(code string) string {
	return strings.ToUpper(strings.ReplaceAll(code, "-", " "))
}

// signUp signs a new user up from the sign-up page, with the name their
// friends see; they land on the home page, signed in.
func (u *browserUser) signUp(email, name, password string) {
	u.t.Helper()
	u.visit("sign-up page", "/signup")
	u.fill("#email", email)
	u.fill("#name", name)
	u.fill("#password", password)
	u.fill("#confirm", password)
	u.follow("signed up, home", `form[action="/signup"] button[type=submit]`, http.StatusOK)
	u.mustBeAt(regexp.MustCompile(`^/$`))
	if got := u.text("footer"); !strings.Contains(got, email) {
		u.fatalf("footer says %q, want it signed in as %s", got, email)
	}
}

// claim claims a printer from the form on the home page, and returns the
// printer's id from the page it lands on.
func (u *browserUser) claim(code, name string) string {
	u.t.Helper()
	u.visit("home, to claim", "/")
	u.fill("#claim_code", code)
	u.fill("#name", name)
	u.follow("claimed, printer page", `form[action="/printers/claim"] button[type=submit]`, http.StatusOK)
	id := u.mustBeAt(regexp.MustCompile(`^/printers/(\d+)$`))[1]
	if got := u.text("h1"); got != name {
		u.fatalf("the printer page's title is %q, want %q", got, name)
	}
	return id
}

// waitOnline reloads a printer's page until its status says online.
func (u *browserUser) waitOnline(id string) {
	u.t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for u.text("dl.facts .status") != "online" {
		if time.Now().After(deadline) {
			u.fatalf("printer %s: its page still says %q after 90 s", id, u.text("dl.facts .status"))
		}
		time.Sleep(250 * time.Millisecond)
		u.reload("printer page, again")
	}
	u.shot("printer online")
	u.shotDesktop("printer online")
}

// TestBrowser_Walk walks through the web app in Chromium as a new user
// would, on a phone: sign up, claim a printer with the code it printed,
// see it online, and subscribe it to the weather.
//
// Append steps here (a second user, friends, a drawing, the print in the
// history): each browserUser method fails the test when its step does, and
// screenshots each page (see the log for where).
func TestBrowser_Walk(t *testing.T) {
	t.Parallel()
	b := newBrowser(t)
	srv := startBrowserServer(t)
	printerProc, code := unclaimedPrinter(t, srv.ws)

	ann := b.user("ann", srv.base)
	ann.visit("welcome", "/")
	ann.signUp("ann@example.com", "Ann", "correct horse battery")
	printer := ann.claim(asTyped(code), "Kitchen")
	ann.waitOnline(printer)

	// The printer's time zone: its editions print at their hour there.
	const zone = "Europe/London"
	ann.set("#time_zone", zone)
	ann.follow("time zone saved", `form[action$="/time-zone"] button[type=submit]`, http.StatusOK)
	if got := ann.text("dl.facts"); !strings.Contains(got, zone) {
		t.Errorf("the printer's facts say %q, want its time zone %s", got, zone)
	}

	// The catalogue, through the menu, and the weather's form from it.
	ann.follow("publications", `header nav a[href="/publications"]`, http.StatusOK)
	ann.shotDesktop("publications")
	// A publication's sample print, opened (friends': it needs no network).
	ann.click(`li.card:has(img[src="/publications/friends/sample.png"]) summary`)
	ann.waitUntil("the friends' sample", `(() => { const i = document.querySelector('img[src="/publications/friends/sample.png"]'); return i.complete && i.naturalWidth > 0; })()`)
	ann.shot("publications, a sample print open")
	ann.checkPage("a sample print", "")
	if w := evaluate[int](ann, `document.querySelector('img[src="/publications/friends/sample.png"]').naturalWidth`); w != 384 {
		t.Errorf("the friends' sample is %d pixels wide, want 384", w)
	}
	ann.follow("subscribe to the weather", fmt.Sprintf(`a[href="/printers/%s/subscribe?publication=weather"]`, printer), http.StatusOK)
	ann.fill("#config_place", "Leeds")
	ann.fill("#config_latitude", "53.8")
	ann.fill("#config_longitude", "-1.55")
	ann.fill("#config_base_url", srv.upstream)
	ann.set("#time-0", "07:30") // tomorrow's, most of the day: the preview is of a day not yet begun
	ann.click(`input[name=mode][value=now]`)
	ann.shot("weather form, filled")
	ann.follow("subscribed", `form[action*="/subscribe"] button[type=submit]`, http.StatusOK)

	// Subscribing lands on the subscription's page, with a preview of the
	// next edition as it will print: the paper's 384 pixels wide. (A preview
	// that fails is replaced by a sentence, app.js's data-fallback.)
	ann.mustBeAt(regexp.MustCompile(`^/subscriptions/(\d+)$`))
	ann.waitUntil("the next edition's preview loads", `(() => { const i = document.getElementById("next-edition"); return !i || i.complete; })()`)
	ann.shot("subscription, preview loaded")
	ann.checkPage("the next edition's preview", "")
	if w := evaluate[int](ann, `(document.getElementById("next-edition") || {naturalWidth: 0}).naturalWidth`); w != 384 {
		t.Errorf("the next edition's preview is %d pixels wide, want 384 (the paper's width); the page says %q", w, ann.text("main"))
	}

	// A publication that is a URL: BERG's Hello World, served by a
	// stranger, added from the catalogue for Ann's own printers. Its card
	// shows its icon and its description's link; its form is meta.json's.
	hello := httptest.NewServer(&bergtest.HelloWorld{})
	t.Cleanup(hello.Close)
	ann.follow("publications, to add one", `header nav a[href="/publications"]`, http.StatusOK)
	ann.fill("#url", hello.URL)
	ann.follow("a URL publication added", `form[action="/publications/add"] button[type=submit]`, http.StatusOK)
	ann.waitUntil("its icon", `(() => { const i = document.querySelector('img[src="/publications/hello-world/icon.png"]'); return i && i.complete && i.naturalWidth === 55; })()`)
	ann.shotDesktop("publications, Hello World added")
	ann.checkPage("a URL publication in the catalogue", "")
	ann.follow("subscribe to Hello World", fmt.Sprintf(`a[href="/printers/%s/subscribe?publication=hello-world"]`, printer), http.StatusOK)
	ann.fill("#config_name", "Ann")
	ann.set("#config_lang", "french")
	ann.follow("subscribed to Hello World", `form[action*="/subscribe"] button[type=submit]`, http.StatusOK)
	ann.mustBeAt(regexp.MustCompile(`^/subscriptions/(\d+)$`))
	ann.waitUntil("its preview loads", `(() => { const i = document.getElementById("next-edition"); return !i || i.complete; })()`)
	ann.shot("Hello World subscribed")
	ann.checkPage("Hello World's preview", "")

	// A second person, on their own phone, becomes Ann's friend by her
	// invite link; Ann lets Bob print on the Kitchen printer.
	bob := b.user("bob", srv.base)
	bob.signUp("bob@example.com", "Bob", "another good password")
	ann.follow("friends", `header nav a[href="/friends"]`, http.StatusOK)
	invite := ann.text("#invite-link")
	if !strings.HasPrefix(invite, srv.base+"/friends/add/") {
		t.Fatalf("ann's invite link is %q", invite)
	}
	bob.visit("ann's invite link", strings.TrimPrefix(invite, srv.base))
	bob.follow("friends with ann", `form[action="/friends/add"] button[type=submit]`, http.StatusOK)
	if got := bob.text("main"); !strings.Contains(got, "You are friends now") || !strings.Contains(got, "Ann") || strings.Contains(got, "ann@example.com") {
		t.Fatalf("bob's friends page says %q", got)
	}
	ann.visit("friends, bob among them", "/friends")
	ann.click(fmt.Sprintf(`input[name=printer][value="%s"]`, printer))
	ann.follow("bob may print on the kitchen printer", `form[action$="/printers"] button[type=submit]`, http.StatusOK)

	// Bob draws on the page, previews the note and sends it.
	bob.visit("friends, ann's printer shared", "/friends")
	bob.follow("send to the kitchen printer", fmt.Sprintf(`a[href="/printers/%s/send"]`, printer), http.StatusOK)
	bob.fill("#text", "A flower for you")
	bob.draw("#drawing", flower())
	bob.shot("a drawing on the page")
	bob.click("[data-preview]")
	bob.waitUntil("the note's preview", `(() => { const i = document.getElementById("preview"); return !i.hidden && i.complete && i.naturalWidth > 0; })()`)
	bob.shot("the note, previewed")
	bob.checkPage("the preview", "")
	if w := evaluate[int](bob, `document.getElementById("preview").naturalWidth`); w != 384 {
		t.Fatalf("the preview is %d pixels wide, want 384", w)
	}
	bob.follow("sent", `#send-form button[type=submit]`, http.StatusOK)
	if got := bob.text(".notice"); !strings.Contains(got, "Sent") {
		t.Fatalf("after sending, the page says %q", got)
	}

	// It prints on the virtual printer.
	file := printerProc.waitLine(printedLine)[3]

	// A photo: previewed, it is the note as it prints, the photo dithered
	// to black and white.
	photo := filepath.Join(t.TempDir(), "photo.jpeg")
	var jpg bytes.Buffer
	if err := jpeg.Encode(&jpg, testPicture(), &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(photo, jpg.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	bob.run("choose a photo", chromedp.SetUploadFiles(chromedp.CSS("#image"), []string{photo}))
	bob.click("[data-preview]")
	bob.waitUntil("the photo's preview", `(() => { const i = document.getElementById("preview"); return !i.hidden && i.complete && i.naturalWidth > 0; })()`)
	bob.shot("a photo, previewed dithered")
	bob.checkPage("the photo's preview", "")
	bob.follow("photo sent", `#send-form button[type=submit]`, http.StatusOK)
	photoFile := printerProc.waitLine(printedLine)[3]

	// Both show in Ann's history, saying who sent them, with their pictures.
	ann.visit("the printer page, bob's note in its history", "/printers/"+printer)
	history := ann.text("#history ~ ul .card")
	if !strings.Contains(history, "message from Bob") || strings.Contains(history, "bob@example.com") {
		t.Fatalf("ann's newest print says %q, want bob's message", history)
	}
	// The history's pictures load as they are scrolled to.
	evaluate[bool](ann, `(document.querySelector("#history ~ ul .card img.preview").scrollIntoView(), true)`)
	ann.waitUntil("the history's picture", `(() => { const i = document.querySelector("#history ~ ul .card img.preview"); return i.complete && i.naturalWidth > 0; })()`)
	ann.shot("history, bob's note")
	ann.checkPage("the history's picture", "")
	for _, f := range []string{file, photoFile} {
		if got := readPNG(t, f).Bounds(); got.Dx() != 384 || got.Dy() < 100 {
			t.Fatalf("the printer printed a %v picture", got)
		}
	}

	// A print key: Ann makes one for the doorbell; someone with no account
	// opens its address and prints a note from its page.
	ann.visit("print keys", "/printers/"+printer+"/keys")
	ann.fill("#name", "doorbell")
	ann.follow("a key made", `form[action$="/keys"] button[type=submit]`, http.StatusOK)
	keyURL := ann.text("#key-url")
	if !strings.HasPrefix(keyURL, srv.base+"/k/") {
		t.Fatalf("the new key's address is %q", keyURL)
	}
	ann.shot("a print key, made")
	visitor := b.user("visitor", srv.base)
	visitor.visit("the key's page", strings.TrimPrefix(keyURL, srv.base))
	if got := visitor.text("h1"); got != "Print on Kitchen" {
		t.Fatalf("the key's page says %q", got)
	}
	visitor.fill("#text", "Ding dong: a parcel")
	visitor.fill("#from", "The postman")
	visitor.follow("printed through a key", `#key-form button[type=submit]`, http.StatusOK)
	if got := visitor.text(".notice"); !strings.Contains(got, "Sent") {
		t.Fatalf("after printing through the key, the page says %q", got)
	}
	visitor.shot("printed through a key")
	printerProc.waitLine(printedLine)
	ann.visit("print keys, used", "/printers/"+printer+"/keys")
	if got := ann.text(".card.key"); !strings.Contains(got, "1 print") || !strings.Contains(got, "The postman") {
		t.Fatalf("the key's card says %q", got)
	}
}

// TestBrowser_PageProblems checks the harness itself: a page that breaks its
// Content-Security-Policy and one that throws are both caught, so a walk
// that reports nothing really had none.
func TestBrowser_PageProblems(t *testing.T) {
	t.Parallel()
	page := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		switch r.URL.Path {
		case "/csp":
			w.Header().Set("Content-Security-Policy", "default-src 'self'; script-src 'none'")
			fmt.Fprint(w, `<!DOCTYPE html><title>csp</title><p>An inline script, refused.</p><script>document.title = "ran"</script>`)
		case "/throws":
			fmt.Fprint(w, `<!DOCTYPE html><title>throws</title><p>A script that throws.</p><script>null.x</script>`)
		case "/favicon.ico":
			http.NotFound(w, r)
		default:
			fmt.Fprint(w, `<!DOCTYPE html><title>fine</title><p>Nothing wrong.</p><script>console.log("fine")</script>`)
		}
	}))
	defer page.Close()
	b := newBrowser(t)
	u := b.user("harness", page.URL)
	tests := []struct {
		path, source string
	}{
		{"/fine", ""},
		{"/csp", "security"},
		{"/throws", "exception"},
	}
	for _, tt := range tests {
		u.run("load "+tt.path, chromedp.Navigate(page.URL+tt.path))
		// Events may come just after the load: wait a little for them.
		deadline := time.Now().Add(5 * time.Second)
		var got []pageProblem
		for len(got) == 0 && tt.source != "" && time.Now().Before(deadline) {
			time.Sleep(50 * time.Millisecond)
			got = append(got, u.takeProblems()...)
		}
		got = append(got, u.takeProblems()...)
		var sources []string
		for _, p := range got {
			if p.url != page.URL+"/favicon.ico" {
				sources = append(sources, p.source)
			}
		}
		if want := tt.source; strings.Join(sources, ",") != want {
			t.Errorf("%s: problems %v, want one from %q", tt.path, got, want)
		}
	}
}

// flower is a drawing: a stalk, a round head and two leaves.
func flower() [][]point {
	var head []point
	for i := 0; i <= 24; i++ {
		a := 2 * math.Pi * float64(i) / 24
		head = append(head, point{0.5 + 0.18*math.Cos(a), 0.3 + 0.18*math.Sin(a)})
	}
	return [][]point{
		head,
		{{0.5, 0.48}, {0.5, 0.6}, {0.5, 0.75}, {0.5, 0.9}},
		{{0.5, 0.75}, {0.4, 0.68}, {0.32, 0.7}, {0.5, 0.75}},
		{{0.5, 0.68}, {0.6, 0.6}, {0.68, 0.62}, {0.5, 0.68}},
	}
}
