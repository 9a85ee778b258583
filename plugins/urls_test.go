package plugins

import (
	"bytes"
	"errors"
	"image/png"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"paperboy/internal/bergtest"
	"paperboy/plugins/berg"
	"paperboy/sdk"
)

// blackPixels counts the black pixels of a PNG edition 384 wide.
func blackPixels(t *testing.T, data []byte) int {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("not a PNG: %v", err)
	}
	if w := img.Bounds().Dx(); w != 384 {
		t.Fatalf("an edition %d pixels wide", w)
	}
	n := 0
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if r, _, _, _ := img.At(x, y).RGBA(); r < 0x8000 {
				n++
			}
		}
	}
	return n
}

// TestHost_HTMLEdition: a plugin's HTML edition is rendered by the host,
// and a bad base URL is the plugin's error.
func TestHost_HTMLEdition(t *testing.T) {
	t.Parallel()
	h, _ := newHost(t, testConfig(t.TempDir()))
	addBuiltin(t, h, "html")
	at := time.Date(2026, 12, 7, 8, 0, 0, 0, time.UTC)
	tests := []struct {
		name    string
		cfg     sdk.Config
		wantErr string
	}{
		{"a heading", sdk.Config{"page": "<h1 style='font-size:60px'>Hello</h1>"}, ""},
		{"with a base", sdk.Config{"page": "<p>Hi</p><img src='/x.png' alt='a picture'>", "base": "https://example.org/pub/"}, ""},
		{"a relative base", sdk.Config{"page": "<p>Hi</p>", "base": "pub/"}, "not an absolute address"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := h.Render(t.Context(), "html", sdk.RenderArgs{Config: tt.cfg, Time: at})
			var pe *Error
			switch {
			case tt.wantErr != "":
				if !errors.As(err, &pe) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err %v, want the plugin's error saying %q", err, tt.wantErr)
				}
			case err != nil:
				t.Fatal(err)
			case out.HTML != nil || blackPixels(t, out.PNG) == 0:
				t.Errorf("the HTML was not rendered: %d bytes of PNG, %d of HTML", len(out.PNG), len(out.HTML))
			}
		})
	}
}

// TestHost_URLPublications: URL publications served beside plugins: their
// Meta, their refusals in their own words, editions with BERG's rules
// (an ETag already printed is nothing new, a sample is /sample/), a box
// not ticked left out, and a plugin's name winning over a URL's.
func TestHost_URLPublications(t *testing.T) {
	t.Parallel()
	hello := httptest.NewServer(&bergtest.HelloWorld{})
	t.Cleanup(hello.Close)
	quoted := &bergtest.StringBools{}
	qs := httptest.NewServer(quoted)
	t.Cleanup(qs.Close)
	cfg := testConfig(t.TempDir())
	cfg.HTTP = sdk.HTTPPolicy{AllowPrivate: true, Timeout: 5 * time.Second}
	h, _ := newHost(t, cfg)
	addBuiltin(t, h, "hello")
	meta := func(raw string) berg.Meta {
		m, err := berg.ParseMeta([]byte(raw))
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	h.SetURLs([]URL{
		{Name: "hello-world", Base: hello.URL, Meta: meta(bergtest.HelloWorldMeta), Owner: 7},
		{Name: "quoted", Base: qs.URL, Meta: meta(bergtest.StringBoolsMeta)},
		{Name: "hello", Base: hello.URL, Meta: meta(bergtest.HelloWorldMeta)}, // the plugin's name
	})
	if m, err := h.Meta("hello"); err != nil || m.Title != "Hello" {
		t.Errorf("hello is %+v, %v; want the plugin's", m, err)
	}
	m, err := h.Meta("hello-world")
	if err != nil || m.Title != "Hello World" || m.Schedule != DefaultURLSchedule || len(m.Fields) != 2 || h.URLOwner("hello-world") != 7 {
		t.Fatalf("hello-world: %+v, %v", m, err)
	}
	var ce ConfigErrors
	if err := h.Validate(t.Context(), "hello-world", sdk.Config{"name": " ", "lang": "french"}); !errors.As(err, &ce) || len(ce) != 1 {
		t.Errorf("a blank name: %v, want its own refusal", err)
	}
	if err := h.Validate(t.Context(), "hello-world", sdk.Config{"name": "Ann", "lang": "french"}); err != nil {
		t.Errorf("a good config: %v", err)
	}

	monday := time.Date(2026, 12, 7, 8, 0, 0, 0, time.UTC)
	args := sdk.RenderArgs{Config: sdk.Config{"name": "Ann", "lang": "french"}, Time: monday}
	out, err := h.Render(t.Context(), "hello-world", args)
	if err != nil || out.ETag == "" || blackPixels(t, out.PNG) == 0 {
		t.Fatalf("Monday's edition: %v, ETag %q", err, out.ETag)
	}
	args.LastETag = out.ETag
	if again, err := h.Render(t.Context(), "hello-world", args); err != nil || !again.NothingToday {
		t.Errorf("the edition already printed: %+v, %v; want nothing new", again, err)
	}
	args.Time = monday.AddDate(0, 0, 1)
	if tue, err := h.Render(t.Context(), "hello-world", args); err != nil || !tue.NothingToday {
		t.Errorf("Tuesday: %+v, %v; want nothing today", tue, err)
	}
	if s, err := h.Render(t.Context(), "hello-world", sdk.RenderArgs{Sample: true, LastETag: out.ETag}); err != nil || s.PNG == nil {
		t.Errorf("the sample: %v", err)
	}

	for _, tick := range []string{"true", "false"} {
		if _, err := h.Render(t.Context(), "quoted", sdk.RenderArgs{Config: sdk.Config{"pictures": tick, "size": "large"}, Time: monday}); err != nil {
			t.Fatal(err)
		}
	}
	log := quoted.Log()
	var asked []string
	for _, r := range log {
		if strings.HasPrefix(r.Path, "/edition") {
			asked = append(asked, r.RawQuery)
		}
	}
	const at = "local_delivery_time=2026-12-07T08%3A00%3A00%2B00%3A00" // its "true" string asks for it
	if len(asked) != 2 || asked[0] != at+"&pictures=true&size=large" || asked[1] != at+"&size=large" {
		t.Errorf("asked %q: want the box ticked, then left out", asked)
	}
	names := map[string]bool{}
	for _, info := range h.Publications() {
		names[info.Meta.Name] = true
	}
	if len(names) != 3 || !names["hello-world"] || !names["quoted"] {
		t.Errorf("publications %v", names)
	}
}
