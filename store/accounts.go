package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// CreatePasswordReset records a password reset link of a user by its
// token's hash, valid until expires. It returns ErrNotFound for no such
// user.
func (s *Store) CreatePasswordReset(ctx context.Context, userID int64, hash string, expires time.Time) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO password_resets (user_id, token_hash, created_at, expires_at) VALUES (?, ?, ?, ?)`,
		userID, hash, s.now(), expires.UnixMilli())
	switch {
	case isDuplicate(err):
		return fmt.Errorf("store: password reset: %w", ErrConflict)
	case isMissingParent(err):
		return fmt.Errorf("store: password reset of user %d: %w", userID, ErrNotFound)
	case err != nil:
		return fmt.Errorf("store: create password reset: %w", err)
	}
	return nil
}

// PasswordResetUser is the user of a reset link that can still be used:
// not used, not expired. It returns ErrNotFound for any other.
func (s *Store) PasswordResetUser(ctx context.Context, hash string) (User, error) {
	var u User
	var created int64
	err := s.read.QueryRowContext(ctx, `SELECT u.id, u.email, u.created_at FROM users u JOIN password_resets r ON r.user_id = u.id
		WHERE r.token_hash = ? AND r.used_at IS NULL AND r.expires_at > ?`, hash, s.now()).Scan(&u.ID, &u.Email, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, fmt.Errorf("store: password reset: %w", ErrNotFound)
	}
	if err != nil {
		return User{}, fmt.Errorf("store: password reset: %w", err)
	}
	u.CreatedAt = time.UnixMilli(created).UTC()
	return u, nil
}

// ResetPassword sets the password of the user of a reset link that can
// still be used, and in the same transaction spends the link and the
// user's others and ends all their sessions: whoever had the old password
// is signed out. It returns the user, or ErrNotFound for a link used,
// expired or unknown; of two uses at once, one wins.
func (s *Store) ResetPassword(ctx context.Context, hash, passwordHash string) (User, error) {
	var userID int64
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		now := s.now()
		err := tx.QueryRowContext(ctx, `SELECT user_id FROM password_resets WHERE token_hash = ? AND used_at IS NULL AND expires_at > ?`+
			s.dialect.forUpdate, hash, now).Scan(&userID)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		return s.setPasswordIn(ctx, tx, userID, passwordHash, "")
	})
	if errors.Is(err, ErrNotFound) {
		return User{}, fmt.Errorf("store: password reset: %w", ErrNotFound)
	}
	if err != nil {
		return User{}, fmt.Errorf("store: reset password: %w", err)
	}
	return s.UserByID(ctx, userID)
}

// ChangePassword sets a user's password hash, spends their reset links and
// ends their sessions but keep (the one that changed it; "" for none), in
// one transaction. It returns ErrNotFound if there is no such user.
func (s *Store) ChangePassword(ctx context.Context, userID int64, passwordHash, keep string) error {
	err := s.inTx(ctx, func(tx *sql.Tx) error { return s.setPasswordIn(ctx, tx, userID, passwordHash, keep) })
	if errors.Is(err, ErrNotFound) {
		return fmt.Errorf("store: user %d: %w", userID, ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("store: change password: %w", err)
	}
	return nil
}

// setPasswordIn is what every change of a password does, in tx: the hash,
// the reset links spent (one asked for before is no longer wanted), the
// sessions but keep ended.
func (s *Store) setPasswordIn(ctx context.Context, tx *sql.Tx, userID int64, passwordHash, keep string) error {
	res, err := tx.ExecContext(ctx, `UPDATE users SET password_hash = ? WHERE id = ?`, passwordHash, userID)
	if err != nil {
		return err
	}
	// MySQL counts only the rows changed: the same hash again is 0 there,
	// so a missing user is told by its id.
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		var one int
		if err := tx.QueryRowContext(ctx, `SELECT 1 FROM users WHERE id = ?`, userID).Scan(&one); errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		} else if err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE password_resets SET used_at = ? WHERE user_id = ? AND used_at IS NULL`, s.now(), userID); err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = ? AND id <> ?`, userID, keep)
	return err
}

// PrunePasswordResets deletes the reset links expired at now, and returns
// how many.
func (s *Store) PrunePasswordResets(ctx context.Context, now time.Time) (int64, error) {
	res, err := s.db.ExecContext(ctx, `DELETE FROM password_resets WHERE expires_at <= ?`, now.UnixMilli())
	if err != nil {
		return 0, fmt.Errorf("store: prune password resets: %w", err)
	}
	return res.RowsAffected()
}

// DeletedSender stands for a deleted account in the history of the
// printers its messages went to: the printer's owner keeps the entry, not
// the address.
const DeletedSender = "a deleted account"

// DeletedUser is what deleting an account let go of, for the server to
// forget it in memory too.
type DeletedUser struct {
	Printers     []int64  // its printers, gone
	Devices      []string // their devices, released: claimable by anyone with a code
	Publications []string // the URL publications it added, gone, their subscriptions ended
}

// DeleteUser deletes an account and everything that is its, in one
// transaction. Its printers' devices are released first: not paired, with
// no claim code, so a claim by anyone attaches and pairs them as a new
// printer's. The URL publications it added are removed, and the
// subscriptions others had to them ended, as DeleteURLPublication does.
// Its messages in friends' histories lose its address. The rest goes by the
// foreign keys (ON DELETE CASCADE): printers, and with them their
// deliveries, subscriptions, claim codes, print keys, events and friends;
// API tokens, sessions, reset links, friend code and friendships. It
// returns ErrNotFound if there is no such user.
func (s *Store) DeleteUser(ctx context.Context, userID int64, reason string) (DeletedUser, error) {
	var out DeletedUser
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		out = DeletedUser{}
		var email string
		err := tx.QueryRowContext(ctx, `SELECT email FROM users WHERE id = ?`+s.dialect.forUpdate, userID).Scan(&email)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT id, COALESCE(device_address, '') FROM printers WHERE owner_id = ?`, userID)
		if err != nil {
			return err
		}
		for rows.Next() {
			var id int64
			var dev string
			if err := rows.Scan(&id, &dev); err != nil {
				rows.Close()
				return err
			}
			out.Printers = append(out.Printers, id)
			if dev != "" {
				out.Devices = append(out.Devices, dev)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE devices SET claim_id = NULL, paired_bridge = NULL, paired_at = NULL,
			moved_bridge = NULL, moved_at = NULL WHERE address IN (SELECT device_address FROM printers WHERE owner_id = ?)`, userID); err != nil {
			return err
		}
		if out.Publications, err = s.names(ctx, tx, `SELECT name FROM url_publications WHERE owner_id = ?`, userID); err != nil {
			return err
		}
		for _, name := range out.Publications {
			if _, err := tx.ExecContext(ctx, `UPDATE subscriptions SET end_reason = CASE WHEN ended_at IS NULL THEN ? ELSE end_reason END,
				ended_at = COALESCE(ended_at, ?), next_at = NULL WHERE publication = ?`, clip(reason), s.now(), name); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE deliveries SET sender = ? WHERE sender = ?`, DeletedSender, email); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM users WHERE id = ?`, userID)
		return err
	})
	if errors.Is(err, ErrNotFound) {
		return DeletedUser{}, fmt.Errorf("store: user %d: %w", userID, ErrNotFound)
	}
	if err != nil {
		return DeletedUser{}, fmt.Errorf("store: delete user %d: %w", userID, err)
	}
	return out, nil
}

// names reads a column of strings.
func (s *Store) names(ctx context.Context, q queryer, query string, args ...any) ([]string, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, rows.Err()
}
