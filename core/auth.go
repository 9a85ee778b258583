package core

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"net/http"
	"strings"

	"paperboy/store"
)

// tokenPrefix marks paperboy API tokens, so one found in a log or a
// repository is easy to recognise.
const tokenPrefix = "pb_"

// NewToken makes an API token and the hash the store keeps of it.
func NewToken() (token, hash string) {
	b := make([]byte, 32)
	rand.Read(b)
	token = tokenPrefix + base64.RawURLEncoding.EncodeToString(b)
	return token, HashToken(token)
}

// HashToken is how a token is looked up: tokens have 256 random bits, so a
// plain SHA-256 is enough.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// AddUser creates a user with a first API token and returns the token.
func AddUser(ctx context.Context, st *store.Store, email string) (store.User, string, error) {
	if msg := nameProblem("the email", email); msg != "" {
		return store.User{}, "", errors.New(msg)
	}
	u, err := st.CreateUser(ctx, email)
	if err != nil {
		return store.User{}, "", err
	}
	token, hash := NewToken()
	if err := st.CreateToken(ctx, u.ID, hash, "first token"); err != nil {
		return store.User{}, "", err
	}
	return u, token, nil
}

type userKey struct{}

// authed runs h for a request with a valid bearer token, the user in its
// context; else it answers 401.
func (s *Server) authed(h handlerFunc) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		auth := r.Header.Get("Authorization")
		token, ok := strings.CutPrefix(auth, "Bearer ")
		if !ok || token == "" {
			return errUnauthorized("missing API token: send Authorization: Bearer TOKEN")
		}
		u, err := s.store.UserByTokenHash(r.Context(), HashToken(strings.TrimSpace(token)))
		if errors.Is(err, store.ErrNotFound) {
			return errUnauthorized("invalid API token")
		}
		if err != nil {
			return err
		}
		return h(w, r.WithContext(context.WithValue(r.Context(), userKey{}, u)))
	}
}

// user is the signed-in user of a request that went through authed.
func user(r *http.Request) store.User {
	u, _ := r.Context().Value(userKey{}).(store.User)
	return u
}
