package core_test

import (
	"bytes"
	"context"
	"html"
	"image"
	"image/color"
	"image/jpeg"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"paperboy/codec"
	"paperboy/core"
)

// shareBody is a share as Chromium's share target sends it: the manifest's
// params as multipart fields, the file with its type.
func shareBody(t *testing.T, fields [][2]string, photo []byte) (string, *bytes.Buffer) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for _, f := range fields {
		w.WriteField(f[0], f[1])
	}
	if photo != nil {
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", `form-data; name="image"; filename="IMG_0042.jpg"`)
		h.Set("Content-Type", "image/jpeg")
		part, err := w.CreatePart(h)
		if err != nil {
			t.Fatal(err)
		}
		part.Write(photo)
	}
	w.Close()
	return w.FormDataContentType(), &buf
}

// jpegPhoto is a photo: a dark disc on a light ground.
func jpegPhoto(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 640, 480))
	for y := range 480 {
		for x := range 640 {
			c := color.RGBA{230, 220, 200, 255}
			if (x-320)*(x-320)+(y-240)*(y-240) < 150*150 {
				c = color.RGBA{20, 30, 60, 255}
			}
			img.SetRGBA(x, y, c)
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, nil); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

var (
	textareaRE    = regexp.MustCompile(`(?s)<textarea id="text" name="text"[^>]*>(.*?)</textarea>`)
	sharedPhotoRE = regexp.MustCompile(`name="shared_photo" value="([A-Za-z0-9+/=&#;]+)"`)
)

// TestWeb_Share: what a phone shares opens the send page with the note
// and the photo in place, and that page's form prints them; a share never
// prints by itself, so a forged one prints nothing.
func TestWeb_Share(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, "sqlite", core.Config{}, withPublications(pluginHost(t, "friends")))
	ann, printerPath, fb, dev := webPrinter(t, ts)
	id := strings.TrimPrefix(printerPath, "/printers/")
	photo := jpegPhoto(t)
	nothingPrinted := func(t *testing.T) {
		t.Helper()
		if last, err := ts.store.LastDeliveryID(context.Background()); err != nil || last != 0 {
			t.Fatalf("a delivery was made (last %d, %v)", last, err)
		}
	}

	shares := []struct {
		name   string
		method string
		fields [][2]string
		photo  []byte
		note   string // in the note field
	}{
		{"a page with its link in the text", "POST", [][2]string{{"title", "Little Printer"}, {"text", "Look: https://example.com/lp"}, {"url", "https://example.com/lp"}},
			nil, "Little Printer\nLook: https://example.com/lp"},
		{"a photo", "POST", [][2]string{{"title", ""}, {"text", ""}, {"url", ""}}, photo, ""},
		{"a photo and words", "POST", [][2]string{{"title", "Holiday"}, {"text", "Sea & sun <3"}, {"url", ""}}, photo, "Holiday\nSea & sun <3"},
		{"text by GET", "GET", [][2]string{{"title", "A title"}, {"text", "A title"}, {"url", "https://example.com/a?b=c"}}, nil, "A title\nhttps://example.com/a?b=c"},
	}
	for _, tt := range shares {
		t.Run(tt.name, func(t *testing.T) {
			var p webPage
			if tt.method == "GET" {
				q := url.Values{}
				for _, f := range tt.fields {
					q.Set(f[0], f[1])
				}
				p = ann.get("/share?" + q.Encode())
			} else {
				ct, body := shareBody(t, tt.fields, tt.photo)
				p = ann.do("POST", "/share", ct, body) // no CSRF token: a share has none
			}
			if p.status != 200 {
				t.Fatalf("%d\n%s", p.status, p.body)
			}
			m := textareaRE.FindStringSubmatch(p.body)
			if m == nil || html.UnescapeString(m[1]) != tt.note {
				t.Errorf("the note field holds %q, want %q", m, tt.note)
			}
			for _, want := range []string{`action="/share/send"`, `data-preview-url="/share/send/preview"`, `<input type="hidden" name="printer" value="` + id + `" />`, "<h1>Send to Kitchen</h1>"} {
				if !strings.Contains(p.body, want) {
					t.Errorf("the page lacks %s", want)
				}
			}
			if got := sharedPhotoRE.MatchString(p.body) && strings.Contains(p.body, `src="data:image/png;base64,`); got != (tt.photo != nil) {
				t.Errorf("the photo in place: %v, want %v", got, tt.photo != nil)
			}
			ann.checkPage("/share", p)
		})
	}
	nothingPrinted(t)

	// Forged: from another site, the session cookie (SameSite=Lax) does
	// not come with a POST, so it is sent to sign in; and even with it, the
	// send needs the page's CSRF token.
	ct, body := shareBody(t, [][2]string{{"text", "forged"}}, photo)
	if p := ts.browser().do("POST", "/share", ct, body); p.status != http.StatusSeeOther || p.location != "/signin?next=%2F" {
		t.Errorf("signed out, POST /share: %d to %q, want to sign in", p.status, p.location)
	}
	if p := ts.browser().get("/share?text=hi"); p.status != http.StatusSeeOther || !strings.HasPrefix(p.location, "/signin?next=%2Fshare") {
		t.Errorf("signed out, GET /share: %d to %q, want to sign in", p.status, p.location)
	}
	for _, who := range []*browser{ts.browser(), ann} {
		ct, body := shareBody(t, [][2]string{{"printer", id}, {"text", "forged"}, {"mode", "now"}}, nil)
		if p := who.do("POST", "/share/send", ct, body); p.status != http.StatusForbidden && p.status != http.StatusSeeOther {
			t.Errorf("POST /share/send without its token: %d", p.status)
		}
	}
	nothingPrinted(t)

	// The shared photo sent from the page: it prints.
	ct, body = shareBody(t, [][2]string{{"title", "Holiday"}}, photo)
	page := ann.do("POST", "/share", ct, body)
	shared := sharedPhotoRE.FindStringSubmatch(page.body)
	if shared == nil {
		t.Fatalf("no shared photo on the page:\n%s", page.body)
	}
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for k, v := range map[string]string{"csrf": ann.csrf, "printer": id, "text": "Holiday", "mode": "now", "shared_photo": html.UnescapeString(shared[1])} {
		w.WriteField(k, v)
	}
	w.Close()
	sent := ann.do("POST", "/share/send", w.FormDataContentType(), &buf)
	if sent.status != http.StatusSeeOther || sent.location != printerPath+"?done=printed" {
		t.Fatalf("send: %d to %q\n%s", sent.status, sent.location, sent.body)
	}
	bm := printed(t, fb, dev, codec.SetDeliveryAndPrint)
	if bm.Bounds().Dy() < 200 {
		t.Errorf("the print is %v: no photo in it", bm.Bounds())
	}
}

// TestWeb_ShareChoices: a share goes to any printer the user may print on,
// their own or a friend's, chosen on the page; a photo that cannot print,
// or a send refused, says so and keeps what was shared.
func TestWeb_ShareChoices(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, "sqlite", core.Config{}, withPublications(pluginHost(t, "friends")))
	ann, printerPath, fb, dev := webPrinter(t, ts)
	annPrinter := strings.TrimPrefix(printerPath, "/printers/")
	bob := ts.browser()
	bob.signUp("bob@example.com")
	share := func(b *browser, fields [][2]string, photo []byte) webPage {
		t.Helper()
		ct, body := shareBody(t, fields, photo)
		return b.do("POST", "/share", ct, body)
	}

	// No printer yet.
	if p := share(bob, [][2]string{{"text", "hi"}}, nil); p.status != http.StatusConflict || !strings.Contains(p.body, "no printer to send this to yet") {
		t.Fatalf("bob without a printer: %d\n%s", p.status, p.body)
	}

	// Ann's, as her friend; then his own too.
	_, code := ann.invite()
	bob.submit("/friends", "/friends/add", url.Values{"code": {code}})
	ann.submit("/friends", "/friends/"+ann.friendID("a friend")+"/printers", url.Values{"printer": {annPrinter}})
	p := share(bob, [][2]string{{"text", "hi"}}, nil)
	for _, want := range []string{"<h1>Send to Kitchen</h1>", "a friend's printer", `<input type="hidden" name="printer" value="` + annPrinter + `" />`} {
		if !strings.Contains(p.body, want) {
			t.Errorf("bob's share to ann's printer lacks %s", want)
		}
	}
	if strings.Contains(p.body, `name="mode"`) {
		t.Error("bob may choose when ann's printer prints")
	}
	bob.get("/")
	claim := bob.post("/printers/claim", url.Values{"csrf": {bob.csrf}, "claim_code": {codec.ClaimCode{HardwareXor: 0x0D0E0F, Secret: 7}.String()}, "name": {"Desk"}})
	if claim.status != http.StatusSeeOther {
		t.Fatalf("bob claims: %d\n%s", claim.status, claim.body)
	}
	bobPrinter := strings.TrimPrefix(strings.SplitN(claim.location, "?", 2)[0], "/printers/")
	p = share(bob, [][2]string{{"title", "Hello"}, {"text", "from the sea"}}, jpegPhoto(t))
	if p.status != 200 || !strings.Contains(p.body, "<h1>Send to a printer</h1>") ||
		!strings.Contains(p.body, `<option value="`+bobPrinter+`">Desk</option><option value="`+annPrinter+`">Kitchen (a friend's)</option>`) {
		t.Fatalf("bob's share with two printers: %d\n%s", p.status, p.body)
	}
	bob.checkPage("/share", p)
	photo := html.UnescapeString(sharedPhotoRE.FindStringSubmatch(p.body)[1])
	send := func(fields map[string]string) webPage {
		t.Helper()
		var buf bytes.Buffer
		w := multipart.NewWriter(&buf)
		w.WriteField("csrf", bob.csrf)
		for k, v := range fields {
			w.WriteField(k, v)
		}
		w.Close()
		return bob.do("POST", "/share/send", w.FormDataContentType(), &buf)
	}

	// A send refused keeps the photo on the page it answers.
	refused := send(map[string]string{"printer": annPrinter, "text": strings.Repeat("x", 64<<10+1), "shared_photo": photo})
	if refused.status != http.StatusBadRequest || !strings.Contains(refused.body, "too long") || !strings.Contains(refused.body, `name="shared_photo"`) {
		t.Fatalf("a text too long: %d, want 400 keeping the photo\n%.2000s", refused.status, refused.body)
	}
	// The preview is the page's, for the printer chosen.
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for k, v := range map[string]string{"csrf": bob.csrf, "printer": annPrinter, "shared_photo": photo} {
		w.WriteField(k, v)
	}
	w.Close()
	if pv := bob.do("POST", "/share/send/preview", w.FormDataContentType(), &buf); pv.status != 200 || pv.header.Get("Content-Type") != "image/png" {
		t.Errorf("the preview: %d %s", pv.status, pv.header.Get("Content-Type"))
	}
	// Sent to Ann's: it prints there.
	sent := send(map[string]string{"printer": annPrinter, "text": "Hello\nfrom the sea", "shared_photo": photo})
	if sent.status != http.StatusSeeOther || sent.location != printerPath+"/send?done=printed" {
		t.Fatalf("bob sends to ann's: %d to %q\n%.2000s", sent.status, sent.location, sent.body)
	}
	printed(t, fb, dev, codec.SetDeliveryAndPrint)

	// A photo that is not one: said on the page, the note kept.
	bad := share(bob, [][2]string{{"text", "a file"}}, []byte("not a picture"))
	if bad.status != http.StatusBadRequest || !strings.Contains(bad.body, `id="image-error"`) || !strings.Contains(bad.body, "The shared photo cannot be sent") ||
		!strings.Contains(bad.body, ">a file</textarea>") || strings.Contains(bad.body, `name="shared_photo"`) {
		t.Errorf("a bad photo: %d\n%s", bad.status, bad.body)
	}
	// Not a printer bob may print on: not found.
	if p := send(map[string]string{"printer": "99999", "text": "hi"}); p.status != http.StatusNotFound {
		t.Errorf("to a printer not his: %d", p.status)
	}
}
