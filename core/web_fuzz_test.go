package core_test

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"paperboy/core"
	"paperboy/internal/plugintest"
	"paperboy/internal/smtptest"
	"paperboy/internal/storetest"
	"paperboy/plugins"
)

// FuzzWebForms posts arbitrary bodies, with a signed-in session and its
// CSRF token, to every form of the web app: each answers, never with a
// server error, a panic or a hang.
func FuzzWebForms(f *testing.F) {
	st := storetest.Open(f, "sqlite")
	host := plugins.New(plugins.Config{Dir: plugintest.Folder(f, "hello", "friends")}, slog.New(slog.DiscardHandler))
	defer host.Close()
	if err := host.Load(f.Context()); err != nil {
		f.Fatal(err)
	}
	// Mail goes to a sink, so /forgot reads its form and queues mail.
	sink := smtptest.Start(f, smtptest.Options{})
	srv := startServer(f, core.Config{SMTP: core.SMTPConfig{Host: sink.Host, Port: sink.Port, From: "paperboy@example.com"},
		PublicURL: "http://paperboy.example"}, st, withPublications(host))
	h := srv.Handler()
	jar := map[string]*http.Cookie{}
	send := func(method, path, contentType, body string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(method, path, strings.NewReader(body))
		if contentType != "" {
			r.Header.Set("Content-Type", contentType)
		}
		for _, c := range jar {
			r.AddCookie(c)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		for _, c := range w.Result().Cookies() {
			jar[c.Name] = c
		}
		return w
	}
	csrf := func(path string) string {
		m := csrfRE.FindStringSubmatch(send("GET", path, "", "").Body.String())
		if m == nil {
			f.Fatalf("no CSRF token on %s", path)
		}
		return m[1]
	}
	form := "application/x-www-form-urlencoded"
	const multipartX = "multipart/form-data; boundary=x" // its CSRF token goes first
	if w := send("POST", "/signup", form, url.Values{"csrf": {csrf("/signup")}, "email": {"fuzz@example.com"},
		"password": {"correct horse"}, "confirm": {"correct horse"}}.Encode()); w.Code != http.StatusSeeOther {
		f.Fatalf("sign up: %d %s", w.Code, w.Body.String())
	}
	token := csrf("/")
	paths := []string{"/signup", "/signin", "/printers/claim", "/printers/1/time-zone", "/printers/1/print",
		"/printers/1/deliveries/1/reprint", "/printers/1/deliveries/1/delete", "/printers/1/subscribe?publication=hello",
		"/subscriptions/1/pause", "/signout", "/tokens", "/tokens/1/delete", "/subscriptions/1/change", "/printers/1/personality",
		"/printers/1/name", "/friends/add", "/friends/1/printers", "/printers/1/send", "/printers/1/send/preview",
		"/publications/add", "/publications/x/remove", "/printers/1/keys", "/printers/1/keys/1/revoke",
		"/share", "/share/send", "/share/send/preview",
		"/forgot", "/reset/x", "/account/password", "/account/delete",
		"/notices/read", "/notices/settings", "/notices/webhook", "/notices/push", "/notices/push/1/remove", "/printers/1/offline-notice"}
	f.Add(uint8(14), form, "name=Hall")
	f.Add(uint8(15), form, "code=k7qm-3xpd")
	f.Add(uint8(15), form, "code=http://x/friends/add/%ff%fe")
	f.Add(uint8(16), form, "printer=1&printer=x")
	f.Add(uint8(18), multipartX, "--x\r\nContent-Disposition: form-data; name=\"text\"\r\n\r\nhi\r\n--x--\r\n")
	f.Add(uint8(2), form, "claim_code=0kxx-j4eq-c152-4sej&name=Kitchen")
	f.Add(uint8(2), form, "claim_code=%ff%00&name="+strings.Repeat("n", 300))
	f.Add(uint8(3), form, "time_zone=Europe/London")
	f.Add(uint8(4), multipartX, "--x\r\nContent-Disposition: form-data; name=\"text\"\r\n\r\nhi\r\n--x--\r\n")
	f.Add(uint8(7), form, "time=25:99&days=xyz&mode=now")
	f.Add(uint8(1), form, "email=a&password=b")
	f.Add(uint8(10), form, "name="+strings.Repeat("%e2%80%8b", 70))
	f.Add(uint8(11), form, "")
	f.Add(uint8(7), form, "config_name=Ann&time=07:00&days=mon&mode=now")
	f.Add(uint8(12), form, "config_name=%00&time=07:00&days=mon&days=mon&mode=now")
	f.Add(uint8(13), multipartX, "--x\r\nContent-Disposition: form-data; name=\"face\"; filename=\"f.png\"\r\n\r\n\x89PNG\r\n--x--\r\n")
	f.Add(uint8(7), form, "config_name=%80&time=00:00") // not text: the plugin protocol refused it, a 502
	f.Add(uint8(18), multipartX, "--x\r\nContent-Disposition: form-data; name=\"text\"\r\n\r\n\x80\r\n--x--\r\n")
	f.Add(uint8(19), form, "url=http://127.0.0.1:1/&name=mine") // a private address: refused before any fetch
	f.Add(uint8(19), form, "url=%ff%00javascript:alert(1)&name=A B")
	f.Add(uint8(20), form, "")
	f.Add(uint8(21), form, "name=doorbell&per_hour=5&formats=text&formats=pdf")
	f.Add(uint8(21), form, "name=%00&per_hour=x")
	f.Add(uint8(22), form, "")
	f.Add(uint8(23), multipartX, "--x\r\nContent-Disposition: form-data; name=\"image\"; filename=\"a.jpg\"\r\n\r\n\xff\xd8\r\n--x--\r\n")
	f.Add(uint8(24), multipartX, "--x\r\nContent-Disposition: form-data; name=\"printer\"\r\n\r\n1\r\n--x\r\nContent-Disposition: form-data; name=\"shared_photo\"\r\n\r\n%%%\r\n--x--\r\n")
	f.Add(uint8(25), multipartX, "--x\r\nContent-Disposition: form-data; name=\"printer\"\r\n\r\nx\r\n--x--\r\n")
	f.Add(uint8(26), form, "email=fuzz@example.com")
	f.Add(uint8(26), form, "email=%0d%0aBcc:+x@example.com")
	f.Add(uint8(27), form, "password=correct+horse+2&confirm=correct+horse+2")
	f.Add(uint8(28), form, "current=wrong&password=a&confirm=b")
	f.Add(uint8(29), form, "password=correct+horse")
	f.Add(uint8(30), form, "up_to=-1")
	f.Add(uint8(31), form, "print_failed.list=on&print_failed.webhook=on&nonsense.push=on")
	f.Add(uint8(32), form, "url=https://ntfy.sh/topic&action=save")
	f.Add(uint8(32), form, "url=http://[::1]:8123/api/webhook/x&action=save")
	f.Add(uint8(32), form, "action=test")
	f.Add(uint8(32), form, "url=%ff%00&action=remove")
	f.Add(uint8(33), form, `subscription={"endpoint":"https://push.example/x","keys":{"p256dh":"AAAA","auth":"%ff"}}`)
	f.Add(uint8(34), form, "")
	f.Add(uint8(35), form, "hours=99999999999999999999")
	f.Fuzz(func(t *testing.T, which uint8, contentType, body string) {
		path := paths[int(which)%len(paths)]
		if path == "/signout" {
			return // it would end the session the others need
		}
		switch {
		case contentType == form:
			body += "&csrf=" + url.QueryEscape(token)
		case contentType == multipartX:
			body = "--x\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n" + token + "\r\n" + body
		}
		if path == "/account/delete" {
			// A wrong password goes first, and the first value is the one
			// read: the account the others need is never deleted.
			switch contentType {
			case form:
				body = "password=not+the+password&" + body
			case multipartX:
				body = "--x\r\nContent-Disposition: form-data; name=\"password\"\r\n\r\nnot the password\r\n" + body
			}
		}
		w := send("POST", path, contentType, body)
		if w.Code >= 500 {
			t.Fatalf("POST %s %q: %d %s", path, body, w.Code, w.Body.String())
		}
	})
}
