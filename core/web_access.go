package core

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"

	"paperboy/store"
)

// Getting back in: a password forgotten (a link by email, or the
// operator's "paperboy user reset-password"), a password changed, an
// account deleted.

// resetTokenBytes: a reset link's token has 256 random bits, so its
// SHA-256 is all the store needs (HashToken).
const resetTokenBytes = 32

// checkNewPassword says what is wrong with a new password and its second
// typing, by field (password, confirm): the rules of sign-up.
func checkNewPassword(password, confirm string) map[string]string {
	errs := map[string]string{}
	switch {
	case utf8.RuneCountInString(password) < minPasswordLen:
		errs["password"] = fmt.Sprintf("Choose a password of at least %d characters.", minPasswordLen)
	case len(password) > maxPasswordBytes:
		errs["password"] = fmt.Sprintf("That password is too long: at most %d letters (fewer with accents or emoji).", maxPasswordBytes)
	case confirm != password:
		errs["confirm"] = "The two passwords are not the same."
	}
	return errs
}

// ResetPassword sets a user's password, for the operator ("paperboy user
// reset-password"): the one given, or if "" a new random one, returned.
// Every session of the user ends, and their reset links are spent.
func ResetPassword(ctx context.Context, st *store.Store, email, password string) (store.User, string, error) {
	if password == "" {
		password = randomToken(15) // 120 bits, 20 characters
	}
	if errs := checkNewPassword(password, password); len(errs) > 0 {
		return store.User{}, "", errors.New(errs["password"])
	}
	u, err := st.UserByEmail(ctx, normalEmail(email))
	if err != nil {
		return store.User{}, "", err
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.DefaultCost)
	if err != nil {
		return store.User{}, "", err
	}
	if err := st.ChangePassword(ctx, u.ID, string(hash), ""); err != nil {
		return store.User{}, "", err
	}
	return u, password, nil
}

// forgotForm is the forgotten-password page: the form, or that a link is on
// its way, or (no mail) who to ask.
type forgotForm struct {
	Email  string
	Mail   bool // the server sends mail
	Sent   bool
	Errors map[string]string
}

// mailOn says whether this server sends reset links.
func (s *Server) mailOn() bool { return s.mail != nil }

func (s *Server) handleForgotPage(w http.ResponseWriter, r *http.Request) error {
	return s.render(w, r, http.StatusOK, "forgot", "Forgot your password?", forgotForm{Mail: s.mailOn(), Errors: map[string]string{}})
}

// handleForgot sends a reset link to an account's address. The answer is
// the same whether there is an account or not, and as quick (the mail goes
// out later): the page tells no one who has an account here.
func (s *Server) handleForgot(w http.ResponseWriter, r *http.Request) error {
	f := forgotForm{Email: normalEmail(r.PostFormValue("email")), Mail: s.mailOn(), Errors: map[string]string{}}
	if !f.Mail {
		return s.render(w, r, http.StatusOK, "forgot", "Forgot your password?", f)
	}
	if msg := checkEmail(f.Email); msg != "" {
		f.Errors["email"] = msg
		return s.render(w, r, http.StatusBadRequest, "forgot", "Forgot your password?", f)
	}
	now := s.now()
	if ok, wait := s.resetsByIP.take(s.clientIP(r), now); !ok {
		return s.renderTooManyOf(w, r, wait, "Too many password resets asked for")
	}
	if ok, wait := s.resetsByEmail.take(f.Email, now); !ok {
		return s.renderTooManyOf(w, r, wait, "Too many password resets asked for")
	}
	u, err := s.store.UserByEmail(r.Context(), f.Email)
	switch {
	case errors.Is(err, store.ErrNotFound):
		s.log.Info("password reset asked for no account")
	case err != nil:
		return err
	default:
		token := randomToken(resetTokenBytes)
		if err := s.store.CreatePasswordReset(r.Context(), u.ID, HashToken(token), now.Add(PasswordResetLifetime)); err != nil {
			return err
		}
		s.queueMail(outMail{to: u.Email, userID: u.ID, subject: "Your paperboy password", body: fmt.Sprintf(
			"Someone, we hope you, asked to reset the password of your paperboy account, %s.\n\n"+
				"To choose a new one, open this link within an hour:\n\n  %s/reset/%s\n\n"+
				"It works once. If you did not ask, ignore this mail: your password stays as it is.\n",
			u.Email, s.cfg.PublicURL, token)})
		s.log.Info("password reset asked", "user", u.ID)
	}
	f.Sent = true
	return s.render(w, r, http.StatusOK, "forgot", "Forgot your password?", f)
}

// resetForm is a reset link's page: the new password twice, or that the
// link no longer works.
type resetForm struct {
	Token  string
	Gone   bool
	Errors map[string]string
}

// renderResetGone is the page of a link used, expired or never made.
func (s *Server) renderResetGone(w http.ResponseWriter, r *http.Request) error {
	return s.render(w, r, http.StatusGone, "reset", "Link expired", resetForm{Gone: true})
}

func (s *Server) handleResetPage(w http.ResponseWriter, r *http.Request) error {
	token := r.PathValue("token")
	_, err := s.store.PasswordResetUser(r.Context(), HashToken(token))
	if errors.Is(err, store.ErrNotFound) {
		return s.renderResetGone(w, r)
	}
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "reset", "Choose a new password", resetForm{Token: token, Errors: map[string]string{}})
}

// handleReset sets the password of a reset link's user: their other links
// are spent, every session of theirs ends, and this browser is signed in
// anew.
func (s *Server) handleReset(w http.ResponseWriter, r *http.Request) error {
	f := resetForm{Token: r.PathValue("token")}
	// A link that no longer works says so before anything is hashed.
	if _, err := s.store.PasswordResetUser(r.Context(), HashToken(f.Token)); errors.Is(err, store.ErrNotFound) {
		return s.renderResetGone(w, r)
	} else if err != nil {
		return err
	}
	password := r.PostFormValue("password")
	if f.Errors = checkNewPassword(password, r.PostFormValue("confirm")); len(f.Errors) > 0 {
		return s.render(w, r, http.StatusBadRequest, "reset", "Choose a new password", f)
	}
	// Hashing is slow on purpose: resets share the address's allowance.
	if ok, wait := s.signInsByIP.take(s.clientIP(r), s.now()); !ok {
		return s.renderTooMany(w, r, wait)
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.DefaultCost)
	if err != nil {
		return err
	}
	u, err := s.store.ResetPassword(r.Context(), HashToken(f.Token), string(hash))
	if errors.Is(err, store.ErrNotFound) { // used or expired meanwhile: the store checks again
		return s.renderResetGone(w, r)
	}
	if err != nil {
		return err
	}
	s.log.Info("password reset", "user", u.ID)
	if old := webState(r).session; old != "" { // someone else's, or gone already
		if err := s.store.DeleteSession(r.Context(), old); err != nil {
			return err
		}
	}
	if err := s.startSession(w, r, u); err != nil {
		return err
	}
	return redirect(w, r, "/", "passwordreset")
}

// accountPage is the account page's forms and their errors.
type accountPage struct {
	Errors map[string]string // by field: current, password, confirm, delete
}

func (s *Server) handleAccountPage(w http.ResponseWriter, r *http.Request) error {
	return s.render(w, r, http.StatusOK, "account", "Your account", accountPage{Errors: map[string]string{}})
}

// checkCurrentPassword checks the signed-in user's password, within the
// sign-in allowances: a session left open is no way to guess it. It
// answers the page itself (and returns false) when it is over them.
func (s *Server) checkCurrentPassword(w http.ResponseWriter, r *http.Request, password string) (ok bool, answered bool, err error) {
	u := user(r)
	if wait, over := s.tooManySignIns(s.clientIP(r), u.Email); over {
		return false, true, s.renderTooMany(w, r, wait)
	}
	_, hash, err := s.store.UserPassword(r.Context(), u.Email)
	if err != nil {
		return false, false, err
	}
	if hash == "" {
		bcrypt.CompareHashAndPassword(dummyHash(), []byte(password))
		return false, false, nil
	}
	return bcrypt.CompareHashAndPassword([]byte(hash), []byte(password)) == nil, false, nil
}

// handleChangePassword changes the signed-in user's password, given the
// current one: every other session ends, this one stays.
func (s *Server) handleChangePassword(w http.ResponseWriter, r *http.Request) error {
	page := accountPage{Errors: checkNewPassword(r.PostFormValue("password"), r.PostFormValue("confirm"))}
	ok, answered, err := s.checkCurrentPassword(w, r, r.PostFormValue("current"))
	if answered || err != nil {
		return err
	}
	if !ok {
		page.Errors["current"] = "That is not your current password."
	}
	if len(page.Errors) > 0 {
		return s.render(w, r, http.StatusBadRequest, "account", "Your account", page)
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(r.PostFormValue("password")), bcrypt.DefaultCost)
	if err != nil {
		return err
	}
	u := user(r)
	if err := s.store.ChangePassword(r.Context(), u.ID, string(hash), webState(r).session); err != nil {
		return err
	}
	s.log.Info("password changed", "user", u.ID)
	return redirect(w, r, "/account", "password")
}

// handleDeleteAccount deletes the signed-in user's account, given their
// password, and signs the browser out.
func (s *Server) handleDeleteAccount(w http.ResponseWriter, r *http.Request) error {
	ok, answered, err := s.checkCurrentPassword(w, r, r.PostFormValue("password"))
	if answered || err != nil {
		return err
	}
	if !ok {
		return s.render(w, r, http.StatusBadRequest, "account", "Your account", accountPage{Errors: map[string]string{
			"delete": "That is not your password: nothing was deleted."}})
	}
	if err := s.DeleteAccount(r.Context(), user(r).ID); err != nil {
		return err
	}
	setCookie(w, r, sessionCookie, "", 0)
	return redirect(w, r, "/", "accountdeleted")
}

// DeleteAccount deletes a user and all that is theirs (store.DeleteUser),
// and lets go of it here: their printers' dispatchers stop, their devices
// wait, online, for a claim by anyone, and their URL publications leave
// the catalogue.
func (s *Server) DeleteAccount(ctx context.Context, userID int64) error {
	gone, err := s.store.DeleteUser(ctx, userID, "its author deleted their account")
	if err != nil {
		return err
	}
	for _, id := range gone.Printers {
		s.queue.Offline(id)
	}
	s.presence.stopPrinters(gone.Printers)
	s.log.Info("account deleted", "user", userID, "printers", len(gone.Printers), "publications", len(gone.Publications))
	if len(gone.Publications) > 0 {
		if _, err := s.LoadURLPublications(ctx); err != nil {
			// Deleted in the store: the catalogue catches up within a
			// minute (the load_publications job).
			s.log.Error("reload publications", slog.Any("error", err))
		}
	}
	return nil
}

// renderTooManyOf is the page of a form over its limit, saying what.
func (s *Server) renderTooManyOf(w http.ResponseWriter, r *http.Request, wait time.Duration, what string) error {
	w.Header().Set("Retry-After", retryAfter(wait))
	at := s.now().Add(wait).UTC().Format("15:04:05 MST")
	return s.render(w, r, http.StatusTooManyRequests, "error", errorTitles[http.StatusTooManyRequests], map[string]string{
		"Message": fmt.Sprintf("%s. Try again in %s (at %s).", what, wait, at),
	})
}
