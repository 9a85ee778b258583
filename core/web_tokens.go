package core

import (
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"

	"paperboy/store"
)

// API tokens made on the tokens page: a name says what each is for, the
// token itself is shown once, when it is made, and only its hash is kept.
const (
	maxTokenNameLen = 64 // characters
	// maxTokens bounds a user's tokens: one per script or machine is
	// plenty, and old ones can be revoked.
	maxTokens = 50
)

// tokensPage is the API tokens page.
type tokensPage struct {
	Tokens  []store.Token
	Name    string            // the name given, kept when it was refused
	New     string            // a token just made, shown this once
	NewName string            // its name
	API     string            // the API's address, for the curl example
	Errors  map[string]string // by field: name
}

// apiBase is the API's address as the browser reached this server.
func apiBase(r *http.Request) string { return siteURL(r) + "/api/v1" }

func (s *Server) renderTokens(w http.ResponseWriter, r *http.Request, status int, page tokensPage) error {
	ts, err := s.store.TokensByUser(r.Context(), user(r).ID)
	if err != nil {
		return err
	}
	page.Tokens, page.API = ts, apiBase(r)
	if page.Errors == nil {
		page.Errors = map[string]string{}
	}
	return s.render(w, r, status, "tokens", "API tokens", page)
}

func (s *Server) handleTokensPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderTokens(w, r, http.StatusOK, tokensPage{})
}

// checkTokenName says what is wrong with a token's name, "" if nothing.
func checkTokenName(name string) string {
	switch {
	case name == "":
		return "Give the token a name: what it is for, such as \"kitchen script\"."
	case utf8.RuneCountInString(name) > maxTokenNameLen:
		return fmt.Sprintf("That name is too long: at most %d characters.", maxTokenNameLen)
	}
	if msg := nameProblem("The name", name); msg != "" {
		return msg + "."
	}
	return ""
}

// handleWebTokenCreate makes a token and shows it, this once, on the page
// it answers with (not a redirect: the token must not go into an address).
func (s *Server) handleWebTokenCreate(w http.ResponseWriter, r *http.Request) error {
	name := strings.TrimSpace(r.PostFormValue("name"))
	if msg := checkTokenName(name); msg != "" {
		return s.renderTokens(w, r, http.StatusBadRequest, tokensPage{Name: name, Errors: map[string]string{"name": msg}})
	}
	ts, err := s.store.TokensByUser(r.Context(), user(r).ID)
	if err != nil {
		return err
	}
	if len(ts) >= maxTokens {
		return s.renderTokens(w, r, http.StatusBadRequest, tokensPage{Name: name, Errors: map[string]string{
			"name": fmt.Sprintf("You have %d tokens, the most there may be: revoke one you no longer use first.", len(ts)),
		}})
	}
	token, hash := NewToken()
	if err := s.store.CreateToken(r.Context(), user(r).ID, hash, name); err != nil {
		return err
	}
	s.log.Info("token made", "user", user(r).ID)
	return s.renderTokens(w, r, http.StatusOK, tokensPage{New: token, NewName: name})
}

// handleWebTokenDelete revokes one of the user's tokens; another user's
// is not found, as one that does not exist.
func (s *Server) handleWebTokenDelete(w http.ResponseWriter, r *http.Request) error {
	if err := s.revokeToken(r.Context(), user(r), r.PathValue("id")); err != nil {
		return err
	}
	return redirect(w, r, "/tokens", "revoked")
}
