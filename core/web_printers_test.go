package core_test

import (
	"image/png"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"paperboy/codec"
	"paperboy/core"
	"paperboy/internal/storetest"
)

func TestWeb_PrinterMovedAndHandedOn(t *testing.T) {
	// The printer page says when the printer is behind another bridge, and
	// its owner confirms the move there; it says when the printer was
	// reset and claimed by another account.
	t.Parallel()
	ts := newTestServer(t, "sqlite", core.Config{})
	b, path, fb, dev := webPrinter(t, ts)
	eventually(t, "online", func() bool { return strings.Contains(b.get(path).body, `class="status online"`) })
	fb.ws.Close()
	eventually(t, "offline", func() bool { return !strings.Contains(b.get(path).body, `class="status online"`) })
	swap := ts.bridge(0xB9)
	swap.send(codec.DeviceConnect{Header: swap.h(), Device: dev})
	var p webPage
	eventually(t, "the page says it is behind another bridge", func() bool {
		p = b.get(path)
		return strings.Contains(p.body, "shown up behind another bridge")
	})
	b.checkPage(path, p)
	if !strings.Contains(p.body, `value="00000000000000b9"`) {
		t.Fatalf("the page offers no move to the bridge it is behind:\n%s", p.body)
	}
	p = b.submit(path, path+"/move", url.Values{"bridge_address": {"00000000000000b9"}})
	if p.status != http.StatusOK || !strings.Contains(p.body, "Move confirmed") || strings.Contains(p.body, "shown up behind another bridge") {
		t.Fatalf("after confirming: %d\n%s", p.status, p.body)
	}
	swap.event(dev, codec.Heartbeat{Uptime: 3}) // still the same socket: it prints now
	eventually(t, "online", func() bool { return strings.Contains(b.get(path).body, `class="status online"`) })
	if p := b.submit(path, path+"/move", url.Values{"bridge_address": {"00000000000000b9"}}); p.status != http.StatusConflict {
		t.Errorf("confirming twice: %d, want 409", p.status)
	}

	// Reset, and claimed by bob through the API.
	reset := device(8, dev.HardwareXor())
	swap.send(codec.DeviceDisconnect{Header: swap.h(), Device: dev})
	swap.send(codec.EncryptionKeyRequired{Header: swap.h(), Device: reset})
	bob := ts.user("bob@example.com")
	code := codec.ClaimCode{HardwareXor: dev.HardwareXor(), Secret: 0x99}
	ts.claim(bob, code)
	swap.expectKey(reset, code)
	swap.send(codec.DeviceConnect{Header: swap.h(), Device: reset})
	eventually(t, "ann's page says so", func() bool {
		p = b.get(path)
		return strings.Contains(p.body, "reset and claimed by another account")
	})
	b.checkPage(path, p)
}

func TestWeb_Claim(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds {
		t.Run(kind, func(t *testing.T) {
			ts := newTestServer(t, kind, core.Config{ClaimsPerMinute: 5})
			b := ts.browser()
			b.signUp("ann@example.com")
			code := codec.ClaimCode{HardwareXor: 0x123456, Secret: 0x1122334455}
			typo := []byte(code.String())
			typo[3] = map[bool]byte{true: 'z', false: 'y'}[typo[3] != 'z']
			// The slips ParseClaimCode forgives: capitals, spaces for dashes, I and L for 1, U for V.
			slips := strings.NewReplacer("-", " ", "1", "I", "v", "U").Replace(strings.ToUpper(code.String()))
			tests := []struct {
				name, code, printer string
				status              int
				says                string
			}{
				{"empty", "  ", "", 400, "claim_code is required"},
				{"mistyped", string(typo), "", 400, "typo"},
				{"too short", "abcd-efgh", "", 400, "claim code"},
				{"a name too long", code.String(), strings.Repeat("n", 65), 400, "name is too long"},
				{"with the slips forgiven", slips, "Hall", 200, "Hall"},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					p := b.submit("/", "/printers/claim", url.Values{"claim_code": {tt.code}, "name": {tt.printer}})
					if p.status != tt.status || !strings.Contains(p.body, tt.says) {
						t.Fatalf("status %d, want %d saying %q:\n%s", p.status, tt.status, tt.says, p.body)
					}
					if tt.status == 400 && !strings.Contains(p.body, `class="field-error"`) {
						t.Errorf("the error is not next to its field:\n%s", p.body)
					}
					b.checkPage("/printers/claim", p)
				})
			}
			if p := b.get("/"); !strings.Contains(p.body, `href="/printers/`) || !strings.Contains(p.body, "Hall") {
				t.Fatalf("the claimed printer is not listed:\n%s", p.body)
			}
			// The API's limit holds for the form too.
			for range 3 {
				b.submit("/", "/printers/claim", url.Values{"claim_code": {string(typo)}})
			}
			if p := b.submit("/", "/printers/claim", url.Values{"claim_code": {string(typo)}}); p.status != http.StatusTooManyRequests || !strings.Contains(p.body, "Too many claim attempts") {
				t.Fatalf("over the claim limit: status %d:\n%s", p.status, p.body)
			}
		})
	}
}

func TestWeb_PrinterPage(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, "sqlite", core.Config{}, withPublications(pluginHost(t, "friends")))
	b, path, fb, dev := webPrinter(t, ts)

	page := b.get(path)
	if page.status != 200 || !strings.Contains(page.body, "Kitchen") || !strings.Contains(page.body, "Nothing printed yet") {
		t.Fatalf("%s: %d\n%s", path, page.status, page.body)
	}
	eventually(t, "online on its page", func() bool { return strings.Contains(b.get(path).body, `class="status online">online`) })
	b.checkPage(path, b.get(path))

	// Another user's printer, or none, is not found.
	bob := ts.browser()
	bob.signUp("bob@example.com")
	for _, p := range []string{path, "/printers/99999", "/printers/abc", path + "/deliveries/1/preview.png"} {
		if got := bob.get(p); got.status != http.StatusNotFound || !strings.Contains(got.body, "Not found") {
			t.Errorf("bob GET %s: %d, want 404 with a page", p, got.status)
		}
	}
	bob.get("/")
	if got := bob.post(path+"/print", url.Values{"csrf": {bob.csrf}, "text": {"hi"}}); got.status != http.StatusNotFound {
		t.Errorf("bob prints on ann's printer: %d, want 404", got.status)
	}

	// The time zone.
	zones := []struct {
		zone   string
		status int
		says   string
	}{
		{"Mars/Olympus", 400, "not an IANA time zone"},
		{"Asia/Tokyo", 200, "Time zone saved"},
	}
	for _, tt := range zones {
		p := b.submit(path, path+"/time-zone", url.Values{"time_zone": {tt.zone}})
		if p.status != tt.status || !strings.Contains(p.body, tt.says) {
			t.Fatalf("zone %s: status %d, want %d saying %q", tt.zone, p.status, tt.status, tt.says)
		}
	}
	if p := b.get(path); !strings.Contains(p.body, `<option value="Asia/Tokyo" selected="selected">`) {
		t.Error("the zone saved is not selected")
	}

	// Its name.
	names := []struct {
		name   string
		status int
		says   string
	}{
		{"  ", 400, "name is empty"},
		{strings.Repeat("n", 65), 400, "name is too long"},
		{" Hall ", 200, "Renamed"},
	}
	for _, tt := range names {
		p := b.submit(path, path+"/name", url.Values{"name": {tt.name}})
		if p.status != tt.status || !strings.Contains(p.body, tt.says) {
			t.Fatalf("name %q: status %d, want %d saying %q", tt.name, p.status, tt.status, tt.says)
		}
		if tt.status == 400 && !strings.Contains(p.body, `id="name-error"`) {
			t.Errorf("name %q: the error is not next to the field", tt.name)
		}
	}
	if p := b.get(path); !strings.Contains(p.body, "<h1>Hall</h1>") || !strings.Contains(p.body, `<option value="Asia/Tokyo" selected="selected">`) {
		t.Error("after renaming, the page does not say Hall in Asia/Tokyo")
	}

	// A message through the form arrives at the printer.
	if p := b.submitMultipart(path, path+"/print", map[string]string{"text": "  "}, nil); p.status != 400 || !strings.Contains(p.body, "the message is empty") {
		t.Fatalf("an empty message: status %d", p.status)
	}
	p := b.submitMultipart(path, path+"/print", map[string]string{"text": "See you at eight!", "mode": "now"}, nil)
	if p.status != 200 || !strings.Contains(p.body, "Sent: it prints") {
		t.Fatalf("print: status %d:\n%s", p.status, p.body)
	}
	sent := printed(t, fb, dev, codec.SetDeliveryAndPrint)
	eventually(t, "printed in the history", func() bool { return strings.Contains(b.get(path).body, `class="state-printed"`) })

	// The history shows it with its picture, which the session may fetch.
	page = b.get(path)
	m := regexp.MustCompile(`<img class="preview" src="(/printers/\d+/deliveries/(\d+)/preview.png)"`).FindStringSubmatch(page.body)
	if m == nil || !strings.Contains(page.body, "message") {
		t.Fatalf("no preview in the history:\n%s", page.body)
	}
	b.checkPage(path, page)
	img := b.get(m[1])
	if img.status != 200 || img.header.Get("Content-Type") != "image/png" {
		t.Fatalf("preview: %d %s", img.status, img.header.Get("Content-Type"))
	}
	pic, err := png.Decode(strings.NewReader(img.body))
	if err != nil || pic.Bounds().Dx() != codec.PrintWidth || pic.Bounds().Dy() != sent.Height {
		t.Fatalf("preview: %v, %v; want the print's %d rows", err, pic.Bounds(), sent.Height)
	}
	if p := ts.browser().get(m[1]); p.status != http.StatusSeeOther {
		t.Errorf("the preview without a session: %d, want a redirect to sign in", p.status)
	}

	// Print again: the same picture, once more.
	if p := b.submit(path, path+"/deliveries/"+m[2]+"/reprint", url.Values{}); !strings.Contains(p.body, "Sent again") {
		t.Fatalf("reprint: %d", p.status)
	}
	again := printed(t, fb, dev, codec.SetDeliveryAndPrint)
	if again.Height != sent.Height {
		t.Errorf("the print again is %d rows, the first %d", again.Height, sent.Height)
	}

	// A drawing, printed when the button is pressed.
	if p := b.submitMultipart(path, path+"/print", map[string]string{"text": "Look!", "mode": "button"}, map[string][]byte{"image": drawing(t)}); p.status != 200 {
		t.Fatalf("print a drawing: status %d:\n%s", p.status, p.body)
	}
	if pic := printed(t, fb, dev, codec.SetDelivery); pic.Height <= sent.Height {
		t.Errorf("the note with a drawing is %d rows, the text alone %d", pic.Height, sent.Height)
	}

	// Delete: a finished print goes; a waiting one stays.
	fb.ws.Close()
	eventually(t, "offline", func() bool { return strings.Contains(b.get(path).body, `class="status">offline`) })
	b.submitMultipart(path, path+"/print", map[string]string{"text": "later"}, nil)
	ids := regexp.MustCompile(`/deliveries/(\d+)/reprint`).FindAllStringSubmatch(b.get(path).body, -1)
	if len(ids) != 4 {
		t.Fatalf("%d prints in the history, want 4", len(ids))
	}
	if p := b.submit(path, path+"/deliveries/"+ids[0][1]+"/delete", url.Values{}); p.status != http.StatusConflict || !strings.Contains(p.body, "not finished yet") {
		t.Errorf("delete a waiting print: %d:\n%s", p.status, p.body)
	}
	if p := b.submit(path, path+"/deliveries/"+m[2]+"/delete", url.Values{}); p.status != 200 || !strings.Contains(p.body, "Deleted from the history") {
		t.Errorf("delete a printed one: %d", p.status)
	}
	if p := b.get(m[1]); p.status != http.StatusNotFound {
		t.Errorf("the deleted print's preview: %d, want 404", p.status)
	}
	if n := len(regexp.MustCompile(`/deliveries/(\d+)/reprint`).FindAllString(b.get(path).body, -1)); n != 3 {
		t.Errorf("%d prints in the history after deleting one, want 3", n)
	}
}
