package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"image/jpeg"
	"net/http"
	"regexp"
	"strings"
	"testing"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"paperboy/codec"
)

// workerState is what the page says of its service worker once ready.
type workerState struct {
	Secure bool     `json:"secure"` // window.isSecureContext
	State  string   `json:"state"`
	Scope  string   `json:"scope"`
	Script string   `json:"script"`
	Caches []string `json:"caches"`
	Cached []string `json:"cached"` // the paths in the worker's cache
}

// TestBrowser_App: Chromium takes paperboy as an app it can install, on
// the test server's http://127.0.0.1, which it counts as a secure origin
// as it does localhost: the service worker registers and activates for
// the whole site under the pages' CSP, the manifest parses with its share
// target, and nothing stands in the way of installing. A share's page (as
// the share target's POST opens it) shows the photo in place.
func TestBrowser_App(t *testing.T) {
	t.Parallel()
	b := newBrowser(t)
	srv := startBrowserServer(t)
	// Chromium offers no install in an incognito window, as each
	// browserUser's context of its own is: Ann's tab is in the browser's
	// own profile.
	ann := &browserUser{b: b, t: t, name: "ann", base: srv.base}
	tab, closeTab := chromedp.NewContext(b.ctx, chromedp.WithListener(ann.listen))
	t.Cleanup(closeTab)
	ann.ctx = tab
	if err := chromedp.Do(tab); err != nil {
		t.Fatalf("opening a tab: %v", err)
	}
	ann.run("set a phone's screen", ann.phone())
	ann.visit("welcome", "/")

	// The worker: active for the site's root, its cache holding the shell.
	// (ready resolves once one is active or activating; this waits for
	// activated, when the install's cache is complete.)
	const ready = `navigator.serviceWorker.ready.then(reg => new Promise(done => {
		const w = reg.active;
		const check = () => { if (w.state === "activated") { done(reg); } };
		w.addEventListener("statechange", check);
		check();
	})).then(reg => caches.keys().then(keys => caches.open(keys[0]).then(c => c.keys()).then(reqs => ({
		secure: window.isSecureContext, state: reg.active.state, scope: reg.scope, script: reg.active.scriptURL,
		caches: keys, cached: reqs.map(r => new URL(r.url).pathname),
	}))))`
	ctx, cancel := context.WithTimeout(ann.ctx, browserTimeout)
	defer cancel()
	w, err := chromedp.Run(ctx, chromedp.Evaluate[workerState](ready, chromedp.EvalAwaitPromise))
	if err != nil {
		ann.fatalf("the service worker: %v", err)
	}
	t.Logf("service worker: %+v", w)
	if !w.Secure || w.State != "activated" || w.Scope != srv.base+"/" || w.Script != srv.base+"/sw.js" {
		t.Errorf("the service worker: %+v, want one activated for %s/ in a secure context", w, srv.base)
	}
	if len(w.Caches) != 1 || !regexp.MustCompile(`^paperboy-[0-9a-f]{16}$`).MatchString(w.Caches[0]) {
		t.Errorf("the caches: %v, want one, versioned", w.Caches)
	}
	for _, want := range []string{"/offline", "/static/style.css", "/static/app.js", "/static/icons/icon-192.png"} {
		if !strings.Contains(" "+strings.Join(w.Cached, " ")+" ", " "+want+" ") {
			t.Errorf("the cache lacks %s: %v", want, w.Cached)
		}
	}

	// Installable, as the DevTools protocol sees it; and the manifest as
	// Chromium parsed it, with no errors and the share target.
	inst, err := chromedp.Call(ctx, page.GetInstallabilityErrors, cdp.Empty{})
	if err != nil {
		ann.fatalf("installability: %v", err)
	}
	for _, e := range inst.InstallabilityErrors {
		t.Errorf("not installable: %s %v", e.ErrorID, e.ErrorArguments)
	}
	m, err := chromedp.Call(ctx, page.GetAppManifest, page.GetAppManifestParams{})
	if err != nil {
		ann.fatalf("the manifest: %v", err)
	}
	for _, e := range m.Errors {
		t.Errorf("the manifest, line %d: %s", e.Line, e.Message)
	}
	if m.Manifest == nil || m.Manifest.ShareTarget == nil {
		t.Fatalf("the manifest as Chromium has it: %+v", m.Manifest)
	}
	st := m.Manifest.ShareTarget
	t.Logf("manifest %s: %q, display %s, start %s, share target %s %s %s", m.URL, m.Manifest.Name, m.Manifest.Display, m.Manifest.StartURL, st.Method, st.Action, st.Enctype)
	// Chromium (156) reports the share target's action and method, but its
	// enctype as the action again and its params shifted: DevTools' own
	// rendering (the manifest it fetched, in Data, is ours as served).
	if st.Action != srv.base+"/share" || !strings.Contains(strings.ToLower(st.Method), "post") {
		t.Errorf("the share target: %+v", st)
	}
	if !strings.Contains(m.Data, `"enctype": "multipart/form-data"`) {
		t.Errorf("the manifest Chromium fetched:\n%s", m.Data)
	}
	ann.shot("installable app")

	// A share: signed in, the share target's POST (made here by a form, as
	// the browser makes it from the share sheet) opens the send page with
	// the note and the photo; its Send prints (once the printer is online:
	// this one is claimed, never switched on).
	ann.signUp("ann@example.com", "Ann", "correct horse battery")
	printer := ann.claim(codec.ClaimCode{HardwareXor: 0x0A0B0C, Secret: 99}.String(), "Kitchen")
	var jpg bytes.Buffer
	if err := jpeg.Encode(&jpg, testPicture(), &jpeg.Options{Quality: 85}); err != nil {
		t.Fatal(err)
	}
	share := fmt.Sprintf(`(() => {
		const f = document.createElement("form");
		f.method = "post"; f.action = "/share"; f.enctype = "multipart/form-data";
		for (const [k, v] of [["title", "The garden"], ["text", "Look at this"], ["url", "https://example.com/garden"]]) {
			const i = document.createElement("input"); i.name = k; i.value = v; f.appendChild(i);
		}
		const bytes = Uint8Array.from(atob(%q), c => c.charCodeAt(0));
		const files = new DataTransfer();
		files.items.add(new File([bytes], "garden.jpg", {type: "image/jpeg"}));
		const i = document.createElement("input"); i.type = "file"; i.name = "image"; i.files = files.files; f.appendChild(i);
		document.body.appendChild(f);
		f.submit();
	})()`, base64.StdEncoding.EncodeToString(jpg.Bytes()))
	ann.load("shared to the app, the send page", http.StatusOK, chromedp.Evaluate[chromedp.Void](share))
	ann.mustBeAt(regexp.MustCompile(`^/share$`))
	if got := evaluate[string](ann, `document.getElementById("text").value`); got != "The garden\nLook at this\nhttps://example.com/garden" {
		t.Errorf("the note holds %q", got)
	}
	ann.waitUntil("the shared photo", `(() => { const i = document.querySelector(".shared-photo img"); return i && i.complete && i.naturalWidth > 0; })()`)
	if w, want := evaluate[int](ann, `document.querySelector(".shared-photo img").naturalWidth`), min(testPicture().Bounds().Dx(), 384); w != want {
		t.Errorf("the shared photo is %d pixels wide, want %d, as it prints", w, want)
	}
	ann.shot("shared, the photo in place")
	ann.follow("shared, sent", `#send-form button[type=submit]`, http.StatusOK)
	ann.mustBeAt(regexp.MustCompile(`^/printers/` + printer + `$`))
	if got := ann.text(".notice"); !strings.Contains(got, "Sent") {
		t.Errorf("after sending the share, the page says %q", got)
	}

	// Notifications: the settings page's script, under the page's CSP,
	// finds the worker and Web Push and offers its button; pressed, it
	// asks for permission, which this browser refuses, and says so. (With
	// permission, headless Chromium's subscribe never settles: it has no
	// push service. The server's side, a subscription to its end, is
	// core's TestNotices and TestWeb_Notices.)
	ann.visit("notice settings", "/notices/settings")
	ann.waitUntil("the notifications button", `!document.getElementById("push-on").hidden`)
	if _, err := chromedp.Call(ann.ctx, cdpbrowser.SetPermission, cdpbrowser.SetPermissionParams{
		Permission: &cdpbrowser.PermissionDescriptor{Name: "notifications"}, Setting: cdpbrowser.PermissionSettingDenied, Origin: srv.base}); err != nil {
		t.Fatalf("refusing notifications: %v", err)
	}
	ann.click("#push-on")
	ann.waitUntil("the button's outcome", `document.getElementById("push-status").textContent.includes("blocked")`)
	ann.shot("notice settings")
}
