package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// CreateUserWithPassword adds a user who signs in with a password, given as
// its hash (the store never sees the password). It returns ErrConflict if
// the email is taken.
func (s *Store) CreateUserWithPassword(ctx context.Context, email, passwordHash string) (User, error) {
	return s.createUser(ctx, email, sql.NullString{String: passwordHash, Valid: true})
}

// UserPassword finds a user by email with their password hash, "" for a
// user who has none (made by "paperboy user add"). It returns ErrNotFound if
// there is no such user.
func (s *Store) UserPassword(ctx context.Context, email string) (User, string, error) {
	var u User
	var created int64
	var hash sql.NullString
	err := s.db.QueryRowContext(ctx, `SELECT id, email, created_at, name, password_hash FROM users WHERE email = ?`, email).
		Scan(&u.ID, &u.Email, &created, &u.Name, &hash)
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, "", fmt.Errorf("store: user: %w", ErrNotFound)
	}
	if err != nil {
		return User{}, "", fmt.Errorf("store: user: %w", err)
	}
	u.CreatedAt = time.UnixMilli(created).UTC()
	return u, hash.String, nil
}

// SetPassword sets a user's password hash. It returns ErrNotFound if there
// is no such user.
func (s *Store) SetPassword(ctx context.Context, userID int64, passwordHash string) error {
	res, err := s.db.ExecContext(ctx, `UPDATE users SET password_hash = ? WHERE id = ?`, passwordHash, userID)
	if err != nil {
		return fmt.Errorf("store: set password: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("store: set password: %w", err)
	} else if n == 0 {
		return fmt.Errorf("store: user %d: %w", userID, ErrNotFound)
	}
	return nil
}

// Session is a signed-in browser. Its ID is the hash of the token in the
// browser's cookie.
type Session struct {
	ID         string
	UserID     int64
	CreatedAt  time.Time
	ExpiresAt  time.Time
	LastSeenAt time.Time
}

// CreateSession records a session for a user until expires. It returns
// ErrConflict for an id already used, ErrNotFound for no such user.
func (s *Store) CreateSession(ctx context.Context, id string, userID int64, expires time.Time) (Session, error) {
	now := s.now()
	_, err := s.db.ExecContext(ctx, `INSERT INTO sessions (id, user_id, created_at, expires_at, last_seen_at) VALUES (?, ?, ?, ?, ?)`,
		id, userID, now, expires.UnixMilli(), now)
	switch {
	case isDuplicate(err):
		return Session{}, fmt.Errorf("store: session: %w", ErrConflict)
	case isMissingParent(err):
		return Session{}, fmt.Errorf("store: session of user %d: %w", userID, ErrNotFound)
	case err != nil:
		return Session{}, fmt.Errorf("store: create session: %w", err)
	}
	at := time.UnixMilli(now).UTC()
	return Session{ID: id, UserID: userID, CreatedAt: at, ExpiresAt: time.UnixMilli(expires.UnixMilli()).UTC(), LastSeenAt: at}, nil
}

// SessionByID finds a session that has not expired, with its user. It
// returns ErrNotFound for an unknown or expired one.
func (s *Store) SessionByID(ctx context.Context, id string) (Session, User, error) {
	var ss Session
	var u User
	var created, expires, seen, userCreated int64
	err := s.read.QueryRowContext(ctx, `SELECT s.id, s.user_id, s.created_at, s.expires_at, s.last_seen_at, u.email, u.created_at, u.name
		FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id = ? AND s.expires_at > ?`, id, s.now()).
		Scan(&ss.ID, &ss.UserID, &created, &expires, &seen, &u.Email, &userCreated, &u.Name)
	if errors.Is(err, sql.ErrNoRows) {
		return Session{}, User{}, fmt.Errorf("store: session: %w", ErrNotFound)
	}
	if err != nil {
		return Session{}, User{}, fmt.Errorf("store: session: %w", err)
	}
	ss.CreatedAt, ss.ExpiresAt, ss.LastSeenAt = time.UnixMilli(created).UTC(), time.UnixMilli(expires).UTC(), time.UnixMilli(seen).UTC()
	u.ID, u.CreatedAt = ss.UserID, time.UnixMilli(userCreated).UTC()
	return ss, u, nil
}

// TouchSession records that a session was used now and moves its expiry.
// It returns ErrNotFound if there is no such session.
func (s *Store) TouchSession(ctx context.Context, id string, expires time.Time) error {
	res, err := s.db.ExecContext(ctx, `UPDATE sessions SET last_seen_at = ?, expires_at = ? WHERE id = ?`, s.now(), expires.UnixMilli(), id)
	if err != nil {
		return fmt.Errorf("store: touch session: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("store: touch session: %w", err)
	} else if n == 0 {
		return fmt.Errorf("store: session: %w", ErrNotFound)
	}
	return nil
}

// DeleteSession ends a session (signing out); ending one already gone is
// not an error.
func (s *Store) DeleteSession(ctx context.Context, id string) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM sessions WHERE id = ?`, id); err != nil {
		return fmt.Errorf("store: delete session: %w", err)
	}
	return nil
}

// PruneSessions deletes the sessions expired at now and returns how many.
func (s *Store) PruneSessions(ctx context.Context, now time.Time) (int64, error) {
	res, err := s.db.ExecContext(ctx, `DELETE FROM sessions WHERE expires_at <= ?`, now.UnixMilli())
	if err != nil {
		return 0, fmt.Errorf("store: prune sessions: %w", err)
	}
	return res.RowsAffected()
}
