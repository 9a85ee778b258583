package core_test

import (
	"fmt"
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

var inviteRE = regexp.MustCompile(`id="invite-link" href="https?://[^/"]+(/friends/add/([0-9A-Z]{8}))"`)

// invite is a user's invite link (its path) and friend code, from their
// friends page.
func (b *browser) invite() (path, code string) {
	b.t.Helper()
	p := b.get("/friends")
	m := inviteRE.FindStringSubmatch(p.body)
	if p.status != 200 || m == nil {
		b.t.Fatalf("friends page: %d, no invite link:\n%s", p.status, p.body)
	}
	b.checkPage("/friends", p)
	return m[1], m[2]
}

// friendID is the id of a friend on the friends page, by the name they go by.
func (b *browser) friendID(name string) string {
	b.t.Helper()
	p := b.get("/friends")
	m := regexp.MustCompile(`<li class="card" id="friend-(\d+)">\s*<h3>` + regexp.QuoteMeta(name) + `</h3>`).FindStringSubmatch(p.body)
	if m == nil {
		b.t.Fatalf("%s is not on the friends page:\n%s", name, p.body)
	}
	return m[1]
}

func TestWeb_Friends(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds {
		t.Run(kind, func(t *testing.T) {
			ts := newTestServer(t, kind, core.Config{FriendMessagesPerHour: 2}, withPublications(pluginHost(t, "friends")))
			ann, printerPath, fb, dev := webPrinter(t, ts)
			send := printerPath + "/send"
			bob := ts.browser()
			bob.signUp("bob@example.com")
			bob.submit("/friends", "/friends/name", url.Values{"name": {"Bob"}})

			// A stranger cannot print, nor see that the printer exists.
			if p := bob.get(send); p.status != http.StatusNotFound {
				t.Fatalf("a stranger's send page: %d, want 404", p.status)
			}
			if p := bob.submitMultipart("/", send, map[string]string{"text": "hi"}, nil); p.status != http.StatusNotFound {
				t.Fatalf("a stranger sends: %d, want 404", p.status)
			}

			// Ann chooses the name her friends see; her email they never do.
			if p := ann.submit("/friends", "/friends/name", url.Values{"name": {"Ann"}}); p.status != 200 || !strings.Contains(p.body, "your friends see you by that name") {
				t.Fatalf("ann's name: %d\n%s", p.status, p.body)
			}
			if p := ann.submit("/friends", "/friends/name", url.Values{"name": {"ann@example.com"}}); p.status != 400 || !strings.Contains(p.body, "not an email address") {
				t.Fatalf("an email as a name: %d", p.status)
			}
			link, code := ann.invite()
			_, bobCode := bob.invite()
			codes := []struct {
				name, code string
				says       string
			}{
				{"empty", " ", "code: 8 letters and digits"},
				{"too short", code[:5], "has 8 letters and digits"},
				{"a letter not used", "UUUU-UUUU", "is not in friend codes"},
				{"nobody's", "0000-0000", "No one has that friend code"},
				{"one's own", bobCode, "your own friend code"},
			}
			for _, c := range codes {
				p := bob.submit("/friends", "/friends/add", url.Values{"code": {c.code}})
				if p.status != http.StatusBadRequest || !strings.Contains(p.body, c.says) || !strings.Contains(p.body, `id="code-error"`) {
					t.Fatalf("code %s (%q): %d, want 400 saying %q next to the field:\n%s", c.name, c.code, p.status, c.says, p.body)
				}
			}

			// The invite link shows whose it is and changes nothing until its
			// button is pressed.
			p := bob.get(link)
			if p.status != 200 || !strings.Contains(p.body, "Become friends with Ann") || strings.Contains(p.body, "ann@example.com") {
				t.Fatalf("invite page: %d:\n%s", p.status, p.body)
			}
			bob.checkPage(link, p)
			if p := bob.get("/friends"); strings.Contains(p.body, "<h3>Ann</h3>") {
				t.Fatal("opening an invite link made friends")
			}
			// Typed in lower case with spaces, the code is the same.
			p = bob.submit(link, "/friends/add", url.Values{"code": {strings.ToLower(code[:4] + " " + code[4:])}})
			if p.status != 200 || !strings.Contains(p.body, "You are friends now") || !strings.Contains(p.body, "<h3>Ann</h3>") || strings.Contains(p.body, "ann@example.com") ||
				!strings.Contains(p.body, "They have not let you print") {
				t.Fatalf("befriended: %d:\n%s", p.status, p.body)
			}
			bob.checkPage("/friends", p)

			// Friends, but not yet allowed on this printer.
			if p := bob.get(send); p.status != http.StatusNotFound {
				t.Fatalf("a friend not allowed: send page %d, want 404", p.status)
			}
			bobID := ann.friendID("Bob")
			printerID := strings.TrimPrefix(printerPath, "/printers/")
			p = ann.submit("/friends", "/friends/"+bobID+"/printers", url.Values{"printer": {printerID}})
			if p.status != 200 || !strings.Contains(p.body, `value="`+printerID+`" checked="checked"`) {
				t.Fatalf("allowing bob: %d:\n%s", p.status, p.body)
			}
			if p := ann.submit("/friends", "/friends/"+bobID+"/printers", url.Values{"printer": {"999"}}); p.status != http.StatusNotFound {
				t.Fatalf("allowing bob on a printer not ann's: %d, want 404", p.status)
			}
			ann.submit("/friends", "/friends/"+bobID+"/printers", url.Values{"printer": {printerID}})

			// Now bob sees it, previews a drawing and sends it.
			if p := bob.get("/"); !strings.Contains(p.body, `href="`+send+`"`) {
				t.Fatalf("bob's home page lacks ann's printer:\n%s", p.body)
			}
			page := bob.get(send)
			if page.status != 200 || !strings.Contains(page.body, "Ann's printer") || !strings.Contains(page.body, `<canvas id="drawing"`) {
				t.Fatalf("send page: %d:\n%s", page.status, page.body)
			}
			bob.checkPage(send, page)
			preview := bob.submitMultipart(send, send+"/preview", map[string]string{"text": "a square"}, map[string][]byte{"image": drawing(t)})
			if preview.status != 200 || preview.header.Get("Content-Type") != "image/png" {
				t.Fatalf("preview: %d %s: %s", preview.status, preview.header.Get("Content-Type"), preview.body)
			}
			img, err := png.Decode(strings.NewReader(preview.body))
			if err != nil || img.Bounds().Dx() != codec.PrintWidth {
				t.Fatalf("preview: %v, %v", err, img.Bounds())
			}
			if bad := bob.submitMultipart(send, send+"/preview", map[string]string{"text": " "}, nil); bad.status != 400 || !strings.Contains(bad.body, `"error"`) {
				t.Fatalf("an empty preview: %d %s, want 400 with a JSON error", bad.status, bad.body)
			}
			p = bob.submitMultipart(send, send, map[string]string{"text": "a square"}, map[string][]byte{"image": drawing(t)})
			if p.status != 200 || !strings.Contains(p.body, "Sent: it prints") {
				t.Fatalf("send: %d:\n%s", p.status, p.body)
			}
			if got := printed(t, fb, dev, codec.SetDeliveryAndPrint); !got.Equal(codec.Rasterize(img, codec.Threshold)) {
				// The note says the minute it was made: the preview's may
				// have turned by the time it was sent. Previewed again, it
				// is the printed one.
				again := bob.submitMultipart(send, send+"/preview", map[string]string{"text": "a square"}, map[string][]byte{"image": drawing(t)})
				img2, err := png.Decode(strings.NewReader(again.body))
				if err != nil || !got.Equal(codec.Rasterize(img2, codec.Threshold)) {
					t.Fatal("the printed note is not the one previewed")
				}
			}
			if p := ann.get(printerPath); !strings.Contains(p.body, "message from Bob") || strings.Contains(p.body, "bob@example.com") {
				t.Fatalf("ann's history does not say who sent it:\n%s", p.body)
			}

			// The printer's allowance of friends' messages: 2 an hour here;
			// the owner's own prints do not count.
			bob.submitMultipart(send, send, map[string]string{"text": "two"}, nil)
			p = bob.submitMultipart(send, send, map[string]string{"text": "three"}, nil)
			if p.status != http.StatusTooManyRequests || !strings.Contains(p.body, "at most 2 an hour") || !strings.Contains(p.body, "Try again in") {
				t.Fatalf("over the printer's limit: %d:\n%s", p.status, p.body)
			}
			if !strings.Contains(p.body, ">three</textarea>") {
				t.Error("the refused message was not kept in the form")
			}
			if p := ann.submitMultipart(printerPath, printerPath+"/print", map[string]string{"text": "mine", "mode": "now"}, nil); p.status != 200 {
				t.Fatalf("the owner prints over the friends' limit: %d:\n%s", p.status, p.body)
			}

			// Ending the friendship ends the printing; a new code ends the link.
			ann.submit("/friends", "/friends/"+bobID+"/remove", url.Values{})
			if p := bob.get(send); p.status != http.StatusNotFound {
				t.Fatalf("after the friendship ended: send page %d, want 404", p.status)
			}
			ann.submit("/friends", "/friends/code", url.Values{})
			if p := bob.get(link); p.status != http.StatusNotFound || !strings.Contains(p.body, "no longer works") {
				t.Fatalf("the old invite link: %d:\n%s", p.status, p.body)
			}
		})
	}
}

func TestServer_FriendsAPI(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, "sqlite", core.Config{}, withPublications(pluginHost(t, "friends")))
	annToken, id, fb, dev := onlinePrinter(t, ts)
	bobToken := ts.user("bob@example.com")
	print := fmt.Sprintf("/api/v1/printers/%d/print", id)

	var list struct {
		Code    string `json:"code"`
		Friends []struct {
			ID         int64   `json:"id"`
			Name       string  `json:"name"`
			MayPrintOn []int64 `json:"may_print_on"`
			Shared     []struct {
				ID int64 `json:"id"`
			} `json:"shared"`
		} `json:"friends"`
	}
	steps := []struct {
		name, method, path, token string
		body                      any
		want                      int
	}{
		{"a stranger prints", "POST", print, bobToken, map[string]string{"text": "hi"}, 404},
		{"a code of nobody's", "POST", "/api/v1/friends", bobToken, map[string]string{"code": "0000-0000"}, 400},
	}
	for _, st := range steps {
		if got := ts.postJSON(st.path, st.token, st.body, nil); got != st.want {
			t.Fatalf("%s: %d, want %d", st.name, got, st.want)
		}
	}
	if st := ts.do("GET", "/api/v1/friends", annToken, "", nil, &list); st != 200 || len(list.Code) != 9 {
		t.Fatalf("ann's friends: %d %+v", st, list)
	}
	if st := ts.postJSON("/api/v1/friends", bobToken, map[string]string{"code": list.Code}, nil); st != 200 {
		t.Fatalf("bob adds ann: %d", st)
	}
	ts.do("GET", "/api/v1/friends", annToken, "", nil, &list)
	if len(list.Friends) != 1 || list.Friends[0].Name != "a friend" { // Bob chose no name; his email is never shown

		t.Fatalf("ann's friends: %+v", list.Friends)
	}
	bob := list.Friends[0].ID
	if got := ts.postJSON(print, bobToken, map[string]string{"text": "hi"}, nil); got != 404 {
		t.Fatalf("a friend not allowed prints: %d, want 404", got)
	}
	allow := fmt.Sprintf("/api/v1/friends/%d/printers/%d", bob, id)
	if st := ts.do("PUT", allow, bobToken, "", nil, nil); st != 404 {
		t.Fatalf("bob allows himself on ann's printer: %d, want 404", st)
	}
	if st := ts.do("PUT", allow, annToken, "", nil, nil); st != 204 {
		t.Fatalf("ann allows bob: %d", st)
	}
	var q struct {
		DeliveryID int64 `json:"delivery_id"`
	}
	if st := ts.postJSON(print, bobToken, map[string]string{"text": "hi from bob"}, &q); st != 202 {
		t.Fatalf("bob prints: %d", st)
	}
	printed(t, fb, dev, codec.SetDeliveryAndPrint)
	var ds struct {
		Deliveries []struct {
			ID     int64  `json:"id"`
			Sender string `json:"sender"`
		} `json:"deliveries"`
	}
	ts.do("GET", fmt.Sprintf("/api/v1/printers/%d/deliveries", id), annToken, "", nil, &ds)
	if len(ds.Deliveries) == 0 || ds.Deliveries[0].ID != q.DeliveryID || ds.Deliveries[0].Sender != "a friend" { // Bob chose no name: never his email

		t.Fatalf("ann's history: %+v", ds.Deliveries)
	}
	if st := ts.do("GET", fmt.Sprintf("/api/v1/printers/%d/deliveries", id), bobToken, "", nil, nil); st != 404 {
		t.Fatalf("bob reads ann's history: %d, want 404 (a friend may print, not look)", st)
	}
	var bobs struct {
		Friends []struct {
			ID     int64 `json:"id"`
			Shared []struct {
				ID int64 `json:"id"`
			} `json:"shared"`
		} `json:"friends"`
	}
	ts.do("GET", "/api/v1/friends", bobToken, "", nil, &bobs)
	if len(bobs.Friends) != 1 || len(bobs.Friends[0].Shared) != 1 || bobs.Friends[0].Shared[0].ID != id {
		t.Fatalf("bob's friends: %+v", bobs)
	}
	if st := ts.do("DELETE", fmt.Sprintf("/api/v1/friends/%d", bobs.Friends[0].ID), bobToken, "", nil, nil); st != 204 {
		t.Fatalf("bob ends it: %d", st)
	}
	if got := ts.postJSON(print, bobToken, map[string]string{"text": "hi"}, nil); got != 404 {
		t.Fatalf("after the friendship: %d, want 404", got)
	}
}

func TestWeb_SendPhotoWithoutJS(t *testing.T) {
	t.Parallel()
	// The form works without the page's script: a photo in the file field.
	ts := newTestServer(t, "sqlite", core.Config{}, withPublications(pluginHost(t, "friends")))
	ann, printerPath, fb, dev := webPrinter(t, ts)
	p := ann.submitMultipart(printerPath+"/send", printerPath+"/send", map[string]string{"mode": "now"}, map[string][]byte{"image": drawing(t)})
	if p.status != 200 || !strings.Contains(p.body, "Sent: it prints") {
		t.Fatalf("the owner sends a photo: %d:\n%s", p.status, p.body)
	}
	printed(t, fb, dev, codec.SetDeliveryAndPrint)
}

// TestWeb_InviteNewcomer: someone without an account opens an invite link,
// signs up from the sign-in page it leads to, and is back on the invite.
func TestWeb_InviteNewcomer(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, "sqlite", core.Config{})
	ann := ts.browser()
	ann.signUp("ann@example.com")
	link, _ := ann.invite()
	cat := ts.browser()
	p := cat.get(link)
	if p.status != http.StatusSeeOther || !strings.HasPrefix(p.location, "/signin?next=") {
		t.Fatalf("signed out, an invite: %d to %q", p.status, p.location)
	}
	signin := cat.get(p.location)
	signup := regexp.MustCompile(`href="(/signup\?next=[^"]+)"`).FindStringSubmatch(signin.body)
	if signup == nil {
		t.Fatalf("the sign-in page has no sign-up link keeping where to go:\n%s", signin.body)
	}
	page := cat.get(strings.ReplaceAll(signup[1], "&amp;", "&"))
	if !strings.Contains(page.body, `name="next" value="`+link+`"`) {
		t.Fatalf("the sign-up page does not keep where to go:\n%s", page.body)
	}
	p = cat.post("/signup", url.Values{"csrf": {cat.csrf}, "email": {"cat@example.com"}, "password": {"correct horse"}, "confirm": {"correct horse"},
		"next": {link}})
	if p.status != http.StatusSeeOther || p.location != link {
		t.Fatalf("sign up from an invite: %d to %q, want %s", p.status, p.location, link)
	}
	if p := cat.get(link); !strings.Contains(p.body, "Become friends with a friend") || strings.Contains(p.body, "ann@example.com") {
		t.Fatalf("back on the invite:\n%s", p.body)
	}
}

// TestWeb_SenderLimit: a sender's own allowance (prints a minute) holds on
// every printer, their own too, and the page says when to try again.
func TestWeb_SenderLimit(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, "sqlite", core.Config{PrintsPerMinute: 2}, withPublications(pluginHost(t, "friends")))
	ann, printerPath, _, _ := webPrinter(t, ts)
	for i := range 2 {
		if p := ann.submitMultipart(printerPath+"/send", printerPath+"/send", map[string]string{"text": "hi"}, nil); p.status != 200 {
			t.Fatalf("print %d: %d:\n%s", i+1, p.status, p.body)
		}
	}
	p := ann.submitMultipart(printerPath+"/send", printerPath+"/send", map[string]string{"text": "one too many"}, nil)
	if p.status != http.StatusTooManyRequests || !strings.Contains(p.body, "Too many prints: at most 2 a minute. Try again in") ||
		!strings.Contains(p.body, ">one too many</textarea>") {
		t.Fatalf("over the sender's limit: %d:\n%s", p.status, p.body)
	}
	ann.checkPage(printerPath+"/send", p)

	// Previews have an allowance of their own, twice the prints'.
	for i := range 4 {
		if p := ann.submitMultipart(printerPath+"/send", printerPath+"/send/preview", map[string]string{"text": "hi"}, nil); p.status != 200 {
			t.Fatalf("preview %d: %d %s", i+1, p.status, p.body)
		}
	}
	p = ann.submitMultipart(printerPath+"/send", printerPath+"/send/preview", map[string]string{"text": "hi"}, nil)
	if p.status != http.StatusTooManyRequests || !strings.Contains(p.body, "Too many previews: at most 4 a minute") {
		t.Fatalf("over the previews' limit: %d %s", p.status, p.body)
	}
}
