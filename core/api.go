package core

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"paperboy/store"
)

// maxJSONBytes bounds a JSON request body.
const maxJSONBytes = 256 << 10

func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) error {
	if err := s.store.Ping(r.Context()); err != nil {
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "database unreachable"})
		return nil
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	return nil
}

// decodeJSON reads a JSON body of at most maxJSONBytes into v: one JSON
// value, and nothing after it.
func decodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxJSONBytes)
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err, v)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return err
		}
		return errBadRequest("the body has more after its JSON: send one JSON object and nothing else")
	}
	return nil
}

// parseMode reads a "mode": "now" (print at once) or "button" (print when
// the button is pressed); "" is def.
func parseMode(v string, def store.Mode) (store.Mode, error) {
	switch m := store.Mode(v); m {
	case "":
		return def, nil
	case store.ModeNow, store.ModeButton:
		return m, nil
	}
	return "", errField("mode", `mode must be "now" (print at once) or "button" (print when the button is pressed)`)
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// byteSize writes a size for people.
func byteSize(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%d MB", n>>20)
	case n >= 1<<10:
		return fmt.Sprintf("%d KB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// pathPrinter is the user's printer the request's path names ({id}).
func (s *Server) pathPrinter(r *http.Request) (store.Printer, error) {
	return s.ownPrinter(r.Context(), user(r), r.PathValue("id"))
}

// printerListPage is the user's printer the path names and the page of one
// of its lists the request asks for.
func (s *Server) printerListPage(r *http.Request) (store.Printer, page, error) {
	p, err := s.pathPrinter(r)
	if err != nil {
		return p, page{}, err
	}
	pg, err := readPage(r)
	return p, pg, err
}
