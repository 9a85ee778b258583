package core

import (
	"net/http"
	"strings"
)

// webFallback answers what no route of mux takes, outside /api/, with a
// page: 404 for a path with no route, 405 (with the Allow header) for a
// path whose routes take other methods. A "/" catch-all route cannot do
// this, as it would take every method and turn each 405 into a 404; so the
// mux is asked first, and only when it has no route is the answer made
// here. The API keeps its JSON errors: /api/ has its own catch-all route.
func (s *Server) webFallback(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/api/") { // the API and the bridges: not matched twice
			mux.ServeHTTP(w, r)
			return
		}
		h, pattern := mux.Handler(r)
		if pattern != "" {
			mux.ServeHTTP(w, r)
			return
		}
		// The mux's answer here is its plain-text 404 or 405; keep only its
		// status and its Allow header.
		probe := &headerOnly{header: http.Header{}}
		h.ServeHTTP(probe, r)
		if probe.status == http.StatusMethodNotAllowed {
			allow := probe.header.Get("Allow")
			s.webPage(func(w http.ResponseWriter, r *http.Request) error {
				w.Header().Set("Allow", allow)
				s.renderError(w, r, http.StatusMethodNotAllowed,
					"This page does not take a "+r.Method+" request, only "+strings.ReplaceAll(allow, ", ", " or ")+
						". If a link or a bookmark brought you here, go back and use the page's own buttons.")
				return nil
			}, false)(w, r)
			return
		}
		s.webPage(func(w http.ResponseWriter, r *http.Request) error {
			s.renderError(w, r, http.StatusNotFound, "There is no page at "+r.URL.Path+". Check the address, or start again from the first page.")
			return nil
		}, false)(w, r)
	})
}

// headerOnly is a ResponseWriter that keeps the status and the header and
// throws the body away.
type headerOnly struct {
	header http.Header
	status int
}

func (h *headerOnly) Header() http.Header         { return h.header }
func (h *headerOnly) Write(b []byte) (int, error) { return len(b), nil }
func (h *headerOnly) WriteHeader(status int)      { h.status = status }
