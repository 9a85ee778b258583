package core

import (
	"encoding/json"
	"errors"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"time"

	"paperboy/delivery"
	"paperboy/store"
)

// httpError is an error a client may see, with its status.
type httpError struct {
	status int
	msg    string
}

func (e *httpError) Error() string { return e.msg }

// fieldError is a client's error about one field of a request: the API
// answers it as its httpError, the web app shows it next to the field.
type fieldError struct {
	field string
	err   *httpError
}

func (e *fieldError) Error() string { return e.err.msg }
func (e *fieldError) Unwrap() error { return e.err }

func errField(field, msg string) error {
	return &fieldError{field, &httpError{http.StatusBadRequest, msg}}
}

func errBadRequest(msg string) error   { return &httpError{http.StatusBadRequest, msg} }
func errNotFound(msg string) error     { return &httpError{http.StatusNotFound, msg} }
func errUnauthorized(msg string) error { return &httpError{http.StatusUnauthorized, msg} }

// tooManyError is a 429, with how long to wait before trying again.
type tooManyError struct {
	err  *httpError
	wait time.Duration
}

func (e *tooManyError) Error() string { return e.err.msg }
func (e *tooManyError) Unwrap() error { return e.err }

// errTooMany is a 429 whose Retry-After is wait.
func errTooMany(msg string, wait time.Duration) error {
	return &tooManyError{&httpError{http.StatusTooManyRequests, msg}, wait}
}

// queueFullWait is the Retry-After of a printer's full queue: a print
// takes seconds, and a minute frees a few places.
const queueFullWait = time.Minute

// retryAfter is a Retry-After header's value: whole seconds, at least 1.
func retryAfter(wait time.Duration) string {
	return strconv.Itoa(max(1, int(math.Ceil(wait.Seconds()))))
}

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
	status, msg := s.answer(w, r, err)
	writeJSON(w, status, map[string]string{"error": msg})
}

// answer is errorStatus, with the headers its status needs: a 401 says how
// to authenticate, a 429 when to try again (every 429 does, the API's and
// the web app's).
func (s *Server) answer(w http.ResponseWriter, r *http.Request, err error) (int, string) {
	status, msg := s.errorStatus(r, err)
	switch status {
	case http.StatusUnauthorized:
		w.Header().Set("WWW-Authenticate", `Bearer realm="paperboy"`)
	case http.StatusTooManyRequests:
		wait := queueFullWait
		var tm *tooManyError
		if errors.As(err, &tm) {
			wait = tm.wait
		}
		w.Header().Set("Retry-After", retryAfter(wait))
	}
	return status, msg
}

// errorStatus is the status and the message a client sees for an error,
// the same in the API and the web app; an error of the server's own is
// logged and answered "internal error".
func (s *Server) errorStatus(r *http.Request, err error) (int, string) {
	var he *httpError
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &he):
		return he.status, he.msg
	case errors.Is(err, delivery.ErrQueueFull):
		return http.StatusTooManyRequests, err.Error()
	case errors.Is(err, delivery.ErrTooLarge):
		return http.StatusRequestEntityTooLarge, err.Error()
	case errors.Is(err, store.ErrNotFound):
		return http.StatusNotFound, "not found"
	case errors.As(err, &tooLarge):
		return http.StatusRequestEntityTooLarge, "request too large: at most " + byteSize(tooLarge.Limit)
	}
	s.log.Error("request failed", "method", r.Method, "path", r.URL.Path, slog.Any("error", err))
	return http.StatusInternalServerError, "internal error"
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
}
