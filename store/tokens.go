package store

import (
	"context"
	"fmt"
	"time"
)

// Token is an API token of a user as the store keeps it: its name and when
// it was made, never the token itself (only its hash, which is not shown).
type Token struct {
	ID        int64
	UserID    int64
	Name      string
	CreatedAt time.Time
}

// TokensByUser lists a user's API tokens, newest first.
func (s *Store) TokensByUser(ctx context.Context, userID int64) ([]Token, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT id, user_id, name, created_at FROM api_tokens
		WHERE user_id = ? ORDER BY created_at DESC, id DESC`, userID)
	if err != nil {
		return nil, fmt.Errorf("store: tokens: %w", err)
	}
	defer rows.Close()
	var out []Token
	for rows.Next() {
		var t Token
		var created int64
		if err := rows.Scan(&t.ID, &t.UserID, &t.Name, &created); err != nil {
			return nil, fmt.Errorf("store: tokens: %w", err)
		}
		t.CreatedAt = time.UnixMilli(created).UTC()
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: tokens: %w", err)
	}
	return out, nil
}

// DeleteToken revokes one of a user's API tokens: it stops working at
// once. It returns ErrNotFound if the user has no token with that id
// (another user's token included).
func (s *Store) DeleteToken(ctx context.Context, userID, id int64) error {
	res, err := s.db.ExecContext(ctx, `DELETE FROM api_tokens WHERE id = ? AND user_id = ?`, id, userID)
	if err != nil {
		return fmt.Errorf("store: delete token: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("store: delete token: %w", err)
	} else if n == 0 {
		return fmt.Errorf("store: token %d of user %d: %w", id, userID, ErrNotFound)
	}
	return nil
}
