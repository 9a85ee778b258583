package core

import (
	"context"
	"errors"
	"log/slog"
	"maps"
	"net/http"
	"net/mail"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/bcrypt"

	"paperboy/store"
)

// Passwords: long enough to resist guessing; bcrypt reads at most 72 bytes.
const (
	minPasswordLen   = 10
	maxPasswordBytes = 72
	maxEmailLen      = 254
)

// sessionTouchEvery is how often a session's last use is written: not on
// every page.
const sessionTouchEvery = 5 * time.Minute

// dummyHash is compared with when there is no account, so a sign-in takes
// as long whether or not the email has one.
var dummyHash = sync.OnceValue(func() []byte {
	h, _ := bcrypt.GenerateFromPassword([]byte("no account has this password"), bcrypt.DefaultCost)
	return h
})

// accountForm is the sign-up and sign-in forms' values and errors.
type accountForm struct {
	Email  string
	Name   string // the name others see; none is "a friend"
	Next   string
	Errors map[string]string // by field: email, password, confirm, form
}

// normalEmail is how emails are compared: trimmed, lower case.
func normalEmail(v string) string { return strings.ToLower(strings.TrimSpace(v)) }

// checkEmail says what is wrong with an email address, "" if nothing.
func checkEmail(email string) string {
	if email == "" {
		return "Enter your email address."
	}
	if msg := nameProblem("That email address", email); msg != "" { // friends see it, and it is printed on notes
		return msg + "."
	}
	a, err := mail.ParseAddress(email)
	if err != nil || a.Address != email || len(email) > maxEmailLen {
		return "That is not an email address: it looks like name@example.com."
	}
	return ""
}

// tooManySignIns takes a sign-in attempt from the email's and the
// address's allowance; over either, it says how long to wait.
func (s *Server) tooManySignIns(from, email string) (time.Duration, bool) {
	now := s.now()
	okIP, waitIP := s.signInsByIP.take(from, now)
	if !okIP {
		return waitIP, true
	}
	if email == "" {
		return 0, false
	}
	okEmail, waitEmail := s.signInsByEmail.take(email, now)
	return waitEmail, !okEmail
}

// renderTooMany is the page of a sign-in or sign-up over its limit.
func (s *Server) renderTooMany(w http.ResponseWriter, r *http.Request, wait time.Duration) error {
	return s.renderTooManyOf(w, r, wait, "Too many sign-in attempts")
}

func (s *Server) handleSignUpPage(w http.ResponseWriter, r *http.Request) error {
	if webState(r).user.ID != 0 {
		return redirect(w, r, "/", "")
	}
	return s.render(w, r, http.StatusOK, "signup", "Sign up", accountForm{Next: safeNext(r.URL.Query().Get("next")), Errors: map[string]string{}})
}

func (s *Server) handleSignUp(w http.ResponseWriter, r *http.Request) error {
	f := accountForm{Email: normalEmail(r.PostFormValue("email")), Name: strings.TrimSpace(r.PostFormValue("name")),
		Next: safeNext(r.PostFormValue("next")), Errors: map[string]string{}}
	password, confirm := r.PostFormValue("password"), r.PostFormValue("confirm")
	if msg := checkEmail(f.Email); msg != "" {
		f.Errors["email"] = msg
	}
	if msg := CheckUserName(f.Name, f.Email); msg != "" {
		f.Errors["name"] = msg
	}
	maps.Copy(f.Errors, checkNewPassword(password, confirm))
	if len(f.Errors) > 0 {
		return s.render(w, r, http.StatusBadRequest, "signup", "Sign up", f)
	}
	// Hashing is slow on purpose: sign-ups share the address's allowance.
	if ok, wait := s.signInsByIP.take(s.clientIP(r), s.now()); !ok {
		return s.renderTooMany(w, r, wait)
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.DefaultCost)
	if err != nil {
		return err
	}
	u, err := s.store.CreateUserWithPassword(r.Context(), f.Email, string(hash))
	if errors.Is(err, store.ErrConflict) {
		f.Errors["email"] = "An account with this email already exists: sign in instead."
		return s.render(w, r, http.StatusBadRequest, "signup", "Sign up", f)
	}
	if err != nil {
		return err
	}
	if f.Name != "" {
		if err := s.store.SetUserName(r.Context(), u.ID, f.Name); err != nil {
			return err
		}
		u.Name = f.Name
	}
	s.log.Info("signed up", "user", u.ID)
	if err := s.startSession(w, r, u); err != nil {
		return err
	}
	if f.Next != "/" { // from an invite link, say: back to it
		return redirect(w, r, f.Next, "")
	}
	return redirect(w, r, "/", "welcome")
}

func (s *Server) handleSignInPage(w http.ResponseWriter, r *http.Request) error {
	next := safeNext(r.URL.Query().Get("next"))
	if webState(r).user.ID != 0 {
		return redirect(w, r, next, "")
	}
	return s.render(w, r, http.StatusOK, "signin", "Sign in", accountForm{Next: next, Errors: map[string]string{}})
}

func (s *Server) handleSignIn(w http.ResponseWriter, r *http.Request) error {
	f := accountForm{Email: normalEmail(r.PostFormValue("email")), Next: safeNext(r.PostFormValue("next")), Errors: map[string]string{}}
	if wait, over := s.tooManySignIns(s.clientIP(r), f.Email); over {
		return s.renderTooMany(w, r, wait)
	}
	u, hash, err := s.store.UserPassword(r.Context(), f.Email)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	if hash == "" {
		bcrypt.CompareHashAndPassword(dummyHash(), []byte(r.PostFormValue("password")))
		f.Errors["form"] = "That email and password do not match an account."
		return s.render(w, r, http.StatusBadRequest, "signin", "Sign in", f)
	}
	if bcrypt.CompareHashAndPassword([]byte(hash), []byte(r.PostFormValue("password"))) != nil {
		f.Errors["form"] = "That email and password do not match an account."
		return s.render(w, r, http.StatusBadRequest, "signin", "Sign in", f)
	}
	if old := webState(r).session; old != "" {
		if err := s.store.DeleteSession(r.Context(), old); err != nil {
			return err
		}
	}
	if err := s.startSession(w, r, u); err != nil {
		return err
	}
	s.log.Info("signed in", "user", u.ID)
	return redirect(w, r, f.Next, "")
}

func (s *Server) handleSignOut(w http.ResponseWriter, r *http.Request) error {
	if id := webState(r).session; id != "" {
		if err := s.store.DeleteSession(r.Context(), id); err != nil {
			return err
		}
	}
	setCookie(w, r, sessionCookie, "", 0)
	return redirect(w, r, "/", "")
}

// startSession signs a user in: a new session in the store, its token in
// the cookie.
func (s *Server) startSession(w http.ResponseWriter, r *http.Request, u store.User) error {
	token := randomToken(32)
	if _, err := s.store.CreateSession(r.Context(), HashToken(token), u.ID, s.now().Add(s.cfg.SessionLifetime)); err != nil {
		return err
	}
	setCookie(w, r, sessionCookie, token, s.cfg.SessionLifetime)
	return nil
}

// PruneSessions deletes the sessions that have ended (expired), and the
// reset links, and returns how many. An ended session signs no one in
// whether it is there or not (store.SessionByID); this only clears them
// out. It is housekeeping, run by the server's cron (cmd/paperboy).
func (s *Server) PruneSessions(ctx context.Context) (int64, error) {
	n, err := s.store.PruneSessions(ctx, s.now())
	if err != nil {
		return n, err
	}
	// Reset links that expired go with them: they no longer work either.
	resets, err := s.store.PrunePasswordResets(ctx, s.now())
	return n + resets, err
}

// touchSession moves a session's expiry on, at most every
// sessionTouchEvery: a session ends after SessionLifetime unused.
func (s *Server) touchSession(w http.ResponseWriter, r *http.Request, ss store.Session, token string) {
	if s.now().Sub(ss.LastSeenAt) < sessionTouchEvery {
		return
	}
	if err := s.store.TouchSession(r.Context(), ss.ID, s.now().Add(s.cfg.SessionLifetime)); err != nil {
		s.log.Warn("touch session", slog.Any("error", err))
		return
	}
	setCookie(w, r, sessionCookie, token, s.cfg.SessionLifetime)
}
