package core_test

import (
	"encoding/json"
	"fmt"
	"image/png"
	"regexp"
	"strings"
	"testing"

	"paperboy/core"
)

// manifest is the part of the web app manifest the tests look at.
type manifest struct {
	ID, Name, Description, Scope, Display string
	ShortName                             string `json:"short_name"`
	StartURL                              string `json:"start_url"`
	BackgroundColor                       string `json:"background_color"`
	ThemeColor                            string `json:"theme_color"`
	Icons                                 []struct {
		Src, Sizes, Type, Purpose string
	}
	ShareTarget struct {
		Action, Method, Enctype string
		Params                  struct {
			Title, Text, URL string
			Files            []struct {
				Name   string
				Accept []string
			}
		}
	} `json:"share_target"`
}

// TestWebApp_Files: the manifest, its icons, the service worker and the
// offline page answer as a phone's browser needs them to.
func TestWebApp_Files(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, "sqlite", core.Config{})
	b := ts.browser()

	files := []struct {
		path, contentType, cacheControl, says string
	}{
		{"/manifest.webmanifest", "application/manifest+json", "no-cache", `"share_target"`},
		{"/sw.js", "text/javascript; charset=utf-8", "no-cache", `addEventListener("fetch"`},
	}
	for _, tt := range files {
		t.Run(tt.path, func(t *testing.T) {
			p := b.get(tt.path)
			if p.status != 200 || p.header.Get("Content-Type") != tt.contentType || p.header.Get("Cache-Control") != tt.cacheControl ||
				p.header.Get("X-Content-Type-Options") != "nosniff" || !strings.Contains(p.body, tt.says) {
				t.Fatalf("%d %v\n%s", p.status, p.header, p.body)
			}
			if len(p.cookies) != 0 {
				t.Errorf("it sets cookies: %v", p.cookies)
			}
		})
	}

	// The worker's cache is named after the version of the files.
	sw := b.get("/sw.js")
	if !regexp.MustCompile(`var CACHE = "paperboy-[0-9a-f]{16}";`).MatchString(sw.body) {
		t.Errorf("the worker's cache is not versioned:\n%s", sw.body)
	}
	if etag := sw.header.Get("ETag"); etag == "" {
		t.Error("/sw.js has no ETag")
	}

	var m manifest
	if err := json.Unmarshal([]byte(b.get("/manifest.webmanifest").body), &m); err != nil {
		t.Fatalf("the manifest: %v", err)
	}
	if m.ID != "/" || m.Name != "paperboy" || m.ShortName == "" || m.Description == "" || m.StartURL != "/" || m.Scope != "/" ||
		m.Display != "standalone" || m.BackgroundColor != "#fbfaf7" || m.ThemeColor != "#fbfaf7" {
		t.Errorf("the manifest: %+v", m)
	}
	st := m.ShareTarget
	if st.Action != "/share" || st.Method != "POST" || st.Enctype != "multipart/form-data" || st.Params.Title != "title" ||
		st.Params.Text != "text" || st.Params.URL != "url" || len(st.Params.Files) != 1 || st.Params.Files[0].Name != "image" ||
		!strings.Contains(strings.Join(st.Params.Files[0].Accept, ","), "image/jpeg") {
		t.Errorf("the share target: %+v", st)
	}
	// Each icon is a PNG of its size; and the apple-touch-icon the layout
	// links to.
	icons := map[string]string{"/static/icons/apple-touch-icon.png": "180x180"}
	purposes := map[string]bool{}
	for _, ic := range m.Icons {
		if ic.Type != "image/png" {
			t.Errorf("icon %s: type %s", ic.Src, ic.Type)
		}
		icons[ic.Src] = ic.Sizes
		purposes[ic.Sizes+" "+ic.Purpose] = true
	}
	for _, want := range []string{"192x192 any", "512x512 any", "512x512 maskable"} {
		if !purposes[want] {
			t.Errorf("no %s icon: %+v", want, m.Icons)
		}
	}
	for src, sizes := range icons {
		p := b.get(src)
		cfg, err := png.DecodeConfig(strings.NewReader(p.body))
		if p.status != 200 || p.header.Get("Content-Type") != "image/png" || err != nil {
			t.Errorf("%s: %d %s %v", src, p.status, p.header.Get("Content-Type"), err)
			continue
		}
		if got := fmt.Sprintf("%dx%d", cfg.Width, cfg.Height); got != sizes {
			t.Errorf("%s is %s, the manifest says %s", src, got, sizes)
		}
	}

	// Every page links the manifest, the icon and the colour; checkPage
	// fetches what they name.
	home := b.get("/")
	for _, want := range []string{`<link rel="manifest" href="/manifest.webmanifest" />`, `<meta name="theme-color" content="#fbfaf7" />`,
		`<link rel="apple-touch-icon" href="/static/icons/apple-touch-icon.png" />`} {
		if !strings.Contains(home.body, want) {
			t.Errorf("the layout lacks %s", want)
		}
	}
	b.checkPage("/", home)

	// The offline page is the same for everyone: no session looked up, no
	// cookie, no token, no email, even for a signed-in visitor.
	ann := ts.browser()
	ann.signUp("ann@example.com")
	off := ann.get("/offline")
	if off.status != 200 || !strings.Contains(off.body, "cannot be reached") || len(off.cookies) != 0 ||
		strings.Contains(off.body, "ann@example.com") || strings.Contains(off.body, `name="csrf"`) {
		t.Fatalf("/offline: %d %v\n%s", off.status, off.cookies, off.body)
	}
	ann.checkPage("/offline", off)
}
