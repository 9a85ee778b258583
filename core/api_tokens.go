package core

import (
	"net/http"
	"time"

	"paperboy/store"
)

// tokenJSON is an API token as the API shows it: never the token itself,
// which is shown once, when it is made (the web app's tokens page).
type tokenJSON struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
}

// handleTokenList: GET /api/v1/tokens, the user's API tokens, newest first.
func (s *Server) handleTokenList(w http.ResponseWriter, r *http.Request) error {
	pg, err := readPage(r)
	if err != nil {
		return err
	}
	ts, err := s.store.TokensByUser(r.Context(), user(r).ID)
	if err != nil {
		return err
	}
	ts, next, err := pageOf(ts, func(t store.Token) string { return idKey(t.ID) }, pg)
	if err != nil {
		return err
	}
	out := make([]tokenJSON, len(ts))
	for i, t := range ts {
		out[i] = tokenJSON{ID: t.ID, Name: t.Name, CreatedAt: t.CreatedAt}
	}
	writeJSON(w, http.StatusOK, listJSON("tokens", out, next))
	return nil
}

// handleTokenDelete: DELETE /api/v1/tokens/{id} revokes a token (the one
// the request carries, too).
func (s *Server) handleTokenDelete(w http.ResponseWriter, r *http.Request) error {
	if err := s.revokeToken(r.Context(), user(r), r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
