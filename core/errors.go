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

// httpError is an error a client may see: its status, its stable code, its
// words and, for a 429 or a 503, when to try again.
type httpError struct {
	status int
	code   int // 0: the status's own (codeOf)
	msg    string
	wait   time.Duration
}

func (e *httpError) Error() string { return e.msg }

// Error codes: every error body of the API carries one, stable across
// versions, so scripts can tell errors apart without reading their words
// (README, "Errors"). The first three digits are the HTTP status.
const (
	CodeBadRequest   = 40000 // the request is not what the endpoint takes
	CodeField        = 40001 // one field is wrong: "field" names it
	CodeJSON         = 40002 // the body is not the JSON expected
	CodeUnauthorized = 40100 // no token, or a bad one
	CodeForbidden    = 40300 // not allowed: a form's security token, the printers an account may have
	CodeNotFound     = 40400 // no such thing, or not yours to see
	CodeConflict     = 40900 // not in the state the change needs
	CodeTooLarge     = 41300 // the body or the print is too large
	CodeTooMany      = 42900 // over a rate limit: Retry-After says when to try again
	CodeQueueFull    = 42901 // the printer's queue is full: Retry-After says when to try again
	CodeInternal     = 50000 // the server's own error
	CodePublication  = 50200 // a publication failed
	CodeUnavailable  = 50300 // a part is missing or busy: no publications, pictures decoding
	CodeServerBusy   = 50301 // busy decoding other pictures: Retry-After says when to try again
)

// codeOf is the code of a status with no code of its own.
func codeOf(status int) int { return status * 100 }

// fieldError is a client's error about one field of a request: the API
// answers it as its httpError, the web app shows it next to the field.
type fieldError struct {
	field string
	err   *httpError
}

func (e *fieldError) Error() string { return e.err.msg }
func (e *fieldError) Unwrap() error { return e.err }

func errField(field, msg string) error {
	return &fieldError{field, &httpError{status: http.StatusBadRequest, code: CodeField, msg: msg}}
}

func errBadRequest(msg string) error { return &httpError{status: http.StatusBadRequest, msg: msg} }
func errNotFound(msg string) error   { return &httpError{status: http.StatusNotFound, msg: msg} }
func errConflict(msg string) error   { return &httpError{status: http.StatusConflict, msg: msg} }
func errUnauthorized(msg string) error {
	return &httpError{status: http.StatusUnauthorized, msg: msg}
}

// errPublication is a publication's failure, answered 502.
func errPublication(msg string) error {
	return &httpError{status: http.StatusBadGateway, code: CodePublication, msg: msg}
}

// errUnavailable is a part the server lacks, answered 503.
func errUnavailable(msg string) error {
	return &httpError{status: http.StatusServiceUnavailable, code: CodeUnavailable, msg: msg}
}

// errTooMany is a 429 whose Retry-After is wait.
func errTooMany(msg string, wait time.Duration) error {
	return &httpError{status: http.StatusTooManyRequests, code: CodeTooMany, msg: msg, wait: wait}
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

// writeError maps an error to its status and a JSON body {"error": "…",
// "code": N} (and "field" for a field's): the client's errors with their
// message, a store miss as 404, a body too large as 413, anything else as
// 500 with a plain message and a log line.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	a := s.answer(w, r, err)
	body := map[string]any{"error": a.msg, "code": a.code}
	if a.field != "" {
		body["field"] = a.field
	}
	writeJSON(w, a.status, body)
}

// answered is how an error is answered.
type answered struct {
	status, code int
	msg, field   string
}

// answer is errorStatus, with the headers its status needs: a 401 says how
// to authenticate, a 429 or a 503 when to try again (every 429 does, the
// API's and the web app's).
func (s *Server) answer(w http.ResponseWriter, r *http.Request, err error) answered {
	a := s.errorStatus(r, err)
	var he *httpError
	switch {
	case a.status == http.StatusUnauthorized:
		w.Header().Set("WWW-Authenticate", `Bearer realm="paperboy"`)
	case errors.As(err, &he) && he.wait > 0:
		w.Header().Set("Retry-After", retryAfter(he.wait))
	case a.status == http.StatusTooManyRequests:
		w.Header().Set("Retry-After", retryAfter(queueFullWait))
	}
	return a
}

// errorStatus is how the API and the web app answer an error: its status,
// code, words and field; an error of the server's own is logged and
// answered "internal error".
func (s *Server) errorStatus(r *http.Request, err error) answered {
	var he *httpError
	var fe *fieldError
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &he):
		a := answered{status: he.status, code: he.code, msg: he.msg}
		if a.code == 0 {
			a.code = codeOf(he.status)
		}
		if errors.As(err, &fe) {
			a.field = fe.field
		}
		return a
	case errors.Is(err, delivery.ErrQueueFull):
		return answered{status: http.StatusTooManyRequests, code: CodeQueueFull, msg: err.Error()}
	case errors.Is(err, delivery.ErrTooLarge):
		return answered{status: http.StatusRequestEntityTooLarge, code: CodeTooLarge, msg: err.Error()}
	case errors.Is(err, store.ErrNotFound):
		return answered{status: http.StatusNotFound, code: CodeNotFound, msg: "not found"}
	case errors.As(err, &tooLarge):
		return answered{status: http.StatusRequestEntityTooLarge, code: CodeTooLarge, msg: "request too large: at most " + byteSize(tooLarge.Limit)}
	}
	s.log.Error("request failed", "method", r.Method, "path", logPath(r), slog.Any("error", err))
	return answered{status: http.StatusInternalServerError, code: CodeInternal, msg: "internal error"}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
}
