package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// User is someone who owns printers.
type User struct {
	ID        int64
	Email     string
	CreatedAt time.Time
	// Name is what others see of the account (DisplayName): its email
	// never is.
	Name string
}

// anonymousName is the name of an account that has not chosen one.
const anonymousName = "a friend"

// DisplayName is the name others see: the one chosen, else "a friend".
func (u User) DisplayName() string {
	if u.Name == "" {
		return anonymousName
	}
	return u.Name
}

// SetUserName changes the name an account goes by. It returns ErrNotFound
// if there is no such user.
func (s *Store) SetUserName(ctx context.Context, id int64, name string) error {
	res, err := s.db.ExecContext(ctx, `UPDATE users SET name = ? WHERE id = ?`, name, id)
	if err != nil {
		return fmt.Errorf("store: user %d name: %w", id, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return fmt.Errorf("store: user %d: %w", id, ErrNotFound)
	}
	return nil
}

// CreateUser adds a user. It returns ErrConflict if the email is taken.
func (s *Store) CreateUser(ctx context.Context, email string) (User, error) {
	return s.createUser(ctx, email, sql.NullString{})
}

// createUser adds a user, with a password hash or none (a user of the API
// only).
func (s *Store) createUser(ctx context.Context, email string, passwordHash sql.NullString) (User, error) {
	now := s.now()
	res, err := s.db.ExecContext(ctx, `INSERT INTO users (email, created_at, password_hash) VALUES (?, ?, ?)`, email, now, passwordHash)
	if isDuplicate(err) {
		return User{}, fmt.Errorf("store: user %s: %w", email, ErrConflict)
	}
	if err != nil {
		return User{}, fmt.Errorf("store: create user: %w", err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return User{}, err
	}
	return User{ID: id, Email: email, CreatedAt: time.UnixMilli(now).UTC()}, nil
}

// UserByEmail finds a user. It returns ErrNotFound if there is none.
func (s *Store) UserByEmail(ctx context.Context, email string) (User, error) {
	return s.user(ctx, `SELECT id, email, created_at, name FROM users WHERE email = ?`, email)
}

// UserByID finds a user. It returns ErrNotFound if there is none.
func (s *Store) UserByID(ctx context.Context, id int64) (User, error) {
	return s.user(ctx, `SELECT id, email, created_at, name FROM users WHERE id = ?`, id)
}

// UserByTokenHash finds the user an API token belongs to, by the token's
// hash. It returns ErrNotFound for an unknown token.
func (s *Store) UserByTokenHash(ctx context.Context, hash string) (User, error) {
	return s.user(ctx, `SELECT u.id, u.email, u.created_at, u.name FROM users u
		JOIN api_tokens t ON t.user_id = u.id WHERE t.token_hash = ?`, hash)
}

func (s *Store) user(ctx context.Context, query string, arg any) (User, error) {
	var u User
	var created int64
	err := s.read.QueryRowContext(ctx, query, arg).Scan(&u.ID, &u.Email, &created, &u.Name)
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, fmt.Errorf("store: user: %w", ErrNotFound)
	}
	if err != nil {
		return User{}, fmt.Errorf("store: user: %w", err)
	}
	u.CreatedAt = time.UnixMilli(created).UTC()
	return u, nil
}

// CreateToken records an API token of a user by its hash; the token itself
// is never stored.
func (s *Store) CreateToken(ctx context.Context, userID int64, hash, name string) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO api_tokens (user_id, token_hash, name, created_at) VALUES (?, ?, ?, ?)`,
		userID, hash, name, s.now())
	if isDuplicate(err) {
		return fmt.Errorf("store: token: %w", ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("store: create token: %w", err)
	}
	return nil
}
