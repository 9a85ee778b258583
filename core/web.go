package core

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"embed"
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"paperboy/store"
)

// The web app: pages rendered from html/template files and a stylesheet
// and a script, all embedded. Every page goes through web, which sets the
// security headers, finds the session and checks the CSRF token of a form.

//go:embed web
var webFS embed.FS

// maxFormBytes bounds a form without files.
const maxFormBytes = 64 << 10

// Cookie names.
const (
	sessionCookie = "pb_session" // the session's token; the store keeps its hash
	csrfCookie    = "pb_csrf"    // a signed-out visitor's CSRF seed
)

// webReq is what the web app knows of a request.
type webReq struct {
	nonce   string     // of this response's scripts
	csrf    string     // the token this visitor's forms carry
	user    store.User // zero when signed out
	session string     // the session's id; "" when signed out
}

type webKey struct{}

func webState(r *http.Request) *webReq {
	if wr, ok := r.Context().Value(webKey{}).(*webReq); ok {
		return wr
	}
	return &webReq{}
}

// randomToken is n random bytes, base64url.
func randomToken(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// csrfToken is the token forms carry for a seed: the session's token when
// signed in, else the csrf cookie's. A hash, so the page never shows the
// session's token, and another site, which cannot read the cookie, cannot
// make it.
func csrfToken(seed string) string {
	sum := sha256.Sum256([]byte("paperboy csrf\x00" + seed))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// isHTTPS says whether the browser reached us over HTTPS, directly or
// through a proxy that says so.
func isHTTPS(r *http.Request) bool {
	return r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")
}

// siteURL is this site's address as the browser reached it, for links
// made to be shared: http://host:port, or https://.
func siteURL(r *http.Request) string {
	if isHTTPS(r) {
		return "https://" + r.Host
	}
	return "http://" + r.Host
}

func setCookie(w http.ResponseWriter, r *http.Request, name, value string, maxAge time.Duration) {
	c := &http.Cookie{Name: name, Value: value, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: isHTTPS(r)}
	switch {
	case value == "":
		c.MaxAge = -1
	case maxAge > 0:
		c.MaxAge = int(maxAge.Seconds())
	}
	http.SetCookie(w, c)
}

// securityHeaders are sent with every page: scripts only with this
// response's nonce, styles and everything else only from here, no framing.
// The service worker is a script too, which cannot carry a nonce: without
// worker-src, script-src would refuse it.
func securityHeaders(w http.ResponseWriter, nonce string) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'self'; script-src 'nonce-"+nonce+"'; worker-src 'self'; style-src 'self'; "+
		"img-src 'self' data: blob:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
}

// web adapts a page handler: security headers, the session (its user in
// the context, as authed puts an API token's), the CSRF check of a POST,
// and errors as pages.
func (s *Server) web(h handlerFunc) http.HandlerFunc { return s.webPage(h, true) }

// webPage is web; checkForm false skips the CSRF check, for the pages that
// change nothing whatever the method (the 404 and 405 pages).
func (s *Server) webPage(h handlerFunc, checkForm bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		wr := &webReq{nonce: randomToken(16)}
		securityHeaders(w, wr.nonce)
		r = r.WithContext(context.WithValue(r.Context(), webKey{}, wr))
		seed := ""
		if c, err := r.Cookie(sessionCookie); err == nil && c.Value != "" {
			ss, u, err := s.store.SessionByID(r.Context(), HashToken(c.Value))
			switch {
			case err == nil:
				wr.user, wr.session, seed = u, ss.ID, c.Value
				s.touchSession(w, r, ss, c.Value)
			case errors.Is(err, store.ErrNotFound):
				setCookie(w, r, sessionCookie, "", 0) // expired or signed out elsewhere
			default:
				s.webError(w, r, err)
				return
			}
		}
		if seed == "" {
			if c, err := r.Cookie(csrfCookie); err == nil && len(c.Value) >= 32 {
				seed = c.Value
			} else {
				seed = randomToken(32)
				setCookie(w, r, csrfCookie, seed, 0)
			}
		}
		wr.csrf = csrfToken(seed)
		r = r.WithContext(context.WithValue(r.Context(), userKey{}, wr.user))
		defer func() {
			if r.MultipartForm != nil {
				r.MultipartForm.RemoveAll()
			}
		}()
		if checkForm && r.Method == http.MethodPost {
			if err := s.checkCSRF(w, r, wr); err != nil {
				s.webError(w, r, err)
				return
			}
		}
		if err := h(w, r); err != nil {
			s.webError(w, r, err)
		}
	}
}

// checkCSRF reads a POST's form (a multipart one up to MaxUploadBytes) and
// checks it carries this visitor's token.
func (s *Server) checkCSRF(w http.ResponseWriter, r *http.Request, wr *webReq) error {
	var err error
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "multipart/form-data" {
		r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxUploadBytes)
		err = r.ParseMultipartForm(s.cfg.MaxUploadBytes)
	} else {
		r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
		err = r.ParseForm()
	}
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return err
	}
	if err != nil {
		return errBadRequest("the form could not be read: " + err.Error())
	}
	if subtle.ConstantTimeCompare([]byte(r.PostFormValue("csrf")), []byte(wr.csrf)) != 1 {
		return &httpError{status: http.StatusForbidden, code: CodeForbidden, msg: "This form's security token is missing or out of date, so it was not sent " +
			"(forms only work from this site's own pages). Go back, reload the page and try again."}
	}
	return nil
}

// signedIn runs h for a signed-in visitor; others are sent to sign in.
func (s *Server) signedIn(h handlerFunc) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if webState(r).user.ID == 0 {
			next := r.URL.Path
			if r.Method != http.MethodGet {
				next = "/"
			}
			http.Redirect(w, r, "/signin?next="+template.URLQueryEscaper(next), http.StatusSeeOther)
			return nil
		}
		return h(w, r)
	}
}

// pages are the templates, each page parsed with the layout.
type pages map[string]*template.Template

var templateFuncs = template.FuncMap{
	"ago": ago,
	"when": func(t time.Time, zone string) string {
		if t.IsZero() {
			return ""
		}
		loc, err := time.LoadLocation(zone)
		if err != nil {
			loc = time.UTC
		}
		return t.In(loc).Format("Mon 2 Jan 2006, 15:04 MST")
	},
	"iso": func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
	"kb":  func(n int64) string { return strconv.FormatInt((n+1023)>>10, 10) + " KB" },
}

// parsePages parses every page in web/templates with layout.html.
func parsePages() (pages, error) {
	entries, err := fs.ReadDir(webFS, "web/templates")
	if err != nil {
		return nil, err
	}
	out := pages{}
	for _, e := range entries {
		name := strings.TrimSuffix(e.Name(), ".html")
		if name == "layout" {
			continue
		}
		t, err := template.New(name).Funcs(templateFuncs).ParseFS(webFS, "web/templates/layout.html", "web/templates/"+e.Name())
		if err != nil {
			return nil, err
		}
		out[name] = t
	}
	return out, nil
}

func mustParsePages() pages {
	p, err := parsePages()
	if err != nil {
		panic("core: web templates: " + err.Error())
	}
	return p
}

// webPage is what every page template gets; Data is the page's own.
type webPage struct {
	Title  string
	User   store.User
	CSRF   string
	Nonce  string
	Notice string
	Unread int // the user's unread notices, for the header
	Data   any
}

// notices are the one-line confirmations a redirect may ask for with
// ?done=: fixed words, so a link cannot put its own on a page.
var notices = map[string]string{
	"printed":        "Sent: it prints as soon as the printer is online.",
	"reprinted":      "Sent again.",
	"deleted":        "Deleted from the history.",
	"zone":           "Time zone saved.",
	"renamed":        "Renamed.",
	"claimed":        "Claimed. If it is not online yet, switch it on (or press its button): it appears within a minute.",
	"subscribed":     "Subscribed.",
	"paused":         "Paused.",
	"resumed":        "Resumed.",
	"unsubscribed":   "Unsubscribed.",
	"changed":        "Settings saved.",
	"personality":    "Sent: the printer takes its new face as soon as it is online.",
	"revoked":        "Token revoked: it no longer works.",
	"welcome":        "Welcome to paperboy.",
	"befriended":     "You are friends now. Each of you chooses on this page which friends may print on their printers.",
	"newcode":        "A new friend code: the old one and its invite link no longer work.",
	"friendprinters": "Saved.",
	"unfriended":     "You are no longer friends.",
	"moved":          "Move confirmed: it prints behind its new bridge.",
	"added":          "Added: it is in the catalogue for your printers.",
	"removed":        "Removed: its subscriptions have ended.",
	"keyrevoked":     "Key revoked: it no longer prints.",
	"named":          "Saved: your friends see you by that name.",
	"passwordreset":  "Your new password is set, and you are signed in. Wherever else you were signed in, you are not any more.",
	"password":       "Password changed. Your other sessions are signed out; this one stays.",
	"accountdeleted": "Your account is deleted, with its printers, their history and everything else of yours. Goodbye.",
	"webhookset":     "Webhook saved. Press Send a test to see it work.",
	"webhookremoved": "Webhook removed: nothing more is posted to it.",
	"webhooktest":    "Test sent: it shows in the delivery log below in a few seconds.",
	"pushon":         "Notifications are on for this browser.",
	"pushoff":        "That browser takes no more notifications.",
}

// render writes a page with a status.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name, title string, data any) error {
	wr := webState(r)
	t, ok := s.pages[name]
	if !ok {
		return fmt.Errorf("web: no page %q", name)
	}
	var unread int
	if wr.user.ID != 0 {
		var err error
		if unread, err = s.store.UnreadNotices(r.Context(), wr.user.ID); err != nil {
			return err
		}
	}
	var buf bytes.Buffer
	err := t.ExecuteTemplate(&buf, "layout", webPage{
		Title: title, User: wr.user, CSRF: wr.csrf, Nonce: wr.nonce, Notice: notices[r.URL.Query().Get("done")], Unread: unread, Data: data,
	})
	if err != nil {
		return fmt.Errorf("web: page %s: %w", name, err)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store") // pages carry a user's data and tokens
	w.WriteHeader(status)
	_, err = w.Write(buf.Bytes())
	return err
}

// errorTitles head the error pages.
var errorTitles = map[int]string{
	http.StatusBadRequest:            "That did not work",
	http.StatusForbidden:             "Not sent",
	http.StatusNotFound:              "Not found",
	http.StatusMethodNotAllowed:      "Not that way",
	http.StatusRequestEntityTooLarge: "Too large",
	http.StatusTooManyRequests:       "Too many tries",
	http.StatusBadGateway:            "A publication failed",
	http.StatusServiceUnavailable:    "Not available",
}

// webError answers an error with a page that says what went wrong.
func (s *Server) webError(w http.ResponseWriter, r *http.Request, err error) {
	a := s.answer(w, r, err)
	s.renderError(w, r, a.status, a.msg)
}

func (s *Server) renderError(w http.ResponseWriter, r *http.Request, status int, msg string) {
	title := errorTitles[status]
	if title == "" {
		title = "Something went wrong"
	}
	if status == http.StatusInternalServerError {
		msg = "Something went wrong on our side. Try again in a moment."
	}
	if err := s.render(w, r, status, "error", title, map[string]string{"Message": msg}); err != nil {
		s.log.Error("render error page", "path", logPath(r), "error", err)
		http.Error(w, msg, status)
	}
}

// formError shows a client's error on the form it came from, through show
// (given the status, the field at fault or "", and the message); the
// server's own errors get the error page.
func (s *Server) formError(w http.ResponseWriter, r *http.Request, err error, show func(status int, field, msg string) error) error {
	a := s.answer(w, r, err)
	if a.status == http.StatusInternalServerError {
		s.renderError(w, r, a.status, a.msg)
		return nil
	}
	return show(a.status, a.field, a.msg)
}

// redirect answers a form with a 303 to a page, which may show a notice.
func redirect(w http.ResponseWriter, r *http.Request, to, done string) error {
	if done != "" {
		to += "?done=" + done
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
	return nil
}

// safeNext is where to go after signing in: a path on this site, else /.
// It must start with one slash and hold no backslash, which browsers read
// as a slash, and no control character anywhere: browsers drop tabs and
// newlines from an address, so "/\t/evil.example" leaves the site as
// "//evil.example". Such a next is refused, never cleaned into shape.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.ContainsRune(next, '\\') ||
		!utf8.ValidString(next) || strings.ContainsFunc(next, unicode.IsControl) {
		return "/"
	}
	return path.Clean(next)
}

// ago says how long ago a time was, for people.
func ago(t time.Time) string {
	d := time.Since(t)
	switch {
	case d < time.Minute:
		return "just now"
	case d < 2*time.Minute:
		return "a minute ago"
	case d < time.Hour:
		return fmt.Sprintf("%d minutes ago", int(d.Minutes()))
	case d < 2*time.Hour:
		return "an hour ago"
	case d < 48*time.Hour:
		return fmt.Sprintf("%d hours ago", int(d.Hours()))
	}
	return fmt.Sprintf("%d days ago", int(d.Hours()/24))
}

// staticHandler serves web/static: the stylesheet and the script. Its
// files only: a folder, /static/ itself included, is not found rather than
// listed.
func staticHandler() http.Handler {
	sub, err := fs.Sub(webFS, "web/static")
	if err != nil {
		panic(err)
	}
	files := http.StripPrefix("/static", http.FileServerFS(sub))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimPrefix(r.URL.Path, "/static/")
		if fi, err := fs.Stat(sub, name); err != nil || fi.IsDir() || strings.HasSuffix(name, "/") {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Cache-Control", "public, max-age=3600")
		files.ServeHTTP(w, r)
	})
}
