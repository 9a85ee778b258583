package core

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"

	"paperboy/delivery"
	"paperboy/store"
)

// httpError is an error a client may see, with its status.
type httpError struct {
	status int
	msg    string
}

func (e *httpError) Error() string { return e.msg }

func errBadRequest(msg string) error   { return &httpError{http.StatusBadRequest, msg} }
func errNotFound(msg string) error     { return &httpError{http.StatusNotFound, msg} }
func errTooMany(msg string) error      { return &httpError{http.StatusTooManyRequests, msg} }
func errUnauthorized(msg string) error { return &httpError{http.StatusUnauthorized, msg} }

// handlerFunc is a handler that returns its error, written once by wrap.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

func (s *Server) wrap(h handlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			s.writeError(w, r, err)
		}
	}
}

// writeError maps an error to its status and a JSON body {"error": "…"}:
// the client's errors with their message, a store miss as 404, a body too
// large as 413, anything else as 500 with a plain message and a log line.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	var he *httpError
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &he):
		if he.status == http.StatusUnauthorized {
			w.Header().Set("WWW-Authenticate", `Bearer realm="paperboy"`)
		}
		writeJSON(w, he.status, map[string]string{"error": he.msg})
	case errors.Is(err, delivery.ErrQueueFull):
		writeJSON(w, http.StatusTooManyRequests, map[string]string{"error": err.Error()})
	case errors.Is(err, delivery.ErrTooLarge):
		writeJSON(w, http.StatusRequestEntityTooLarge, map[string]string{"error": err.Error()})
	case errors.Is(err, store.ErrNotFound):
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "not found"})
	case errors.As(err, &tooLarge):
		writeJSON(w, http.StatusRequestEntityTooLarge, map[string]string{"error": "request too large: at most " + byteSize(tooLarge.Limit)})
	default:
		s.log.Error("request failed", "method", r.Method, "path", r.URL.Path, slog.Any("error", err))
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "internal error"})
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
}
