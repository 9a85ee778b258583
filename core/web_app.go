package core

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"io/fs"
	"net/http"
	"strconv"
	"sync"
	"time"
)

//go:generate go run gen_icons.go

// The installable app: its manifest, its service worker and the page the
// worker shows when the server cannot be reached. The manifest's share
// target is web_share.go.

// webVersion is a hash of the embedded web files: the service worker's
// cache is named after it, so a deploy that changes any of them installs a
// new worker, which replaces the cache of the old.
var webVersion = sync.OnceValue(func() string {
	h := sha256.New()
	err := fs.WalkDir(webFS, "web", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := webFS.ReadFile(name)
		io.WriteString(h, name+"\x00")
		h.Write(data)
		return err
	})
	if err != nil {
		panic("core: web files: " + err.Error())
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
})

// serveAppFile serves an embedded file of the app's own at the site's
// root, revalidated each time (no-cache; its ETag is the version), so a
// deploy is seen at once.
func serveAppFile(w http.ResponseWriter, r *http.Request, name, contentType string, data []byte) {
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-cache")
	h.Set("ETag", `"`+webVersion()+`"`)
	http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(data))
}

func handleManifest(w http.ResponseWriter, r *http.Request) {
	data, err := webFS.ReadFile("web/manifest.webmanifest")
	if err != nil {
		panic(err) // embedded: it is there
	}
	serveAppFile(w, r, "manifest.webmanifest", "application/manifest+json", data)
}

// handleServiceWorker serves the service worker from the root, so its
// scope is the whole site, with this version in its cache's name. Its own
// policy lets it fetch from this site only.
func handleServiceWorker(w http.ResponseWriter, r *http.Request) {
	data, err := webFS.ReadFile("web/sw.js")
	if err != nil {
		panic(err)
	}
	data = bytes.Replace(data, []byte(`"paperboy-VERSION"`), []byte(strconv.Quote("paperboy-"+webVersion())), 1)
	w.Header().Set("Content-Security-Policy", "default-src 'self'")
	serveAppFile(w, r, "sw.js", "text/javascript; charset=utf-8", data)
}

// handleOffline is the page the service worker keeps for when the server
// cannot be reached. It is the same for everyone, signed in or not, and
// shows nobody's data or tokens, so it does not go through web: no
// session is looked up, no CSRF seed set. It only has the security
// headers, with a nonce of its own, kept with the page in the cache.
func (s *Server) handleOffline(w http.ResponseWriter, r *http.Request) {
	wr := &webReq{nonce: randomToken(16)}
	securityHeaders(w, wr.nonce)
	r = r.WithContext(context.WithValue(r.Context(), webKey{}, wr))
	if err := s.render(w, r, http.StatusOK, "offline", "Offline", nil); err != nil {
		s.renderError(w, r, http.StatusInternalServerError, err.Error())
	}
}
