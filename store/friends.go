package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Friend is one of a user's friends.
type Friend struct {
	User
	Since time.Time
}

// SharedPrinter is a printer a friend may print on, with its owner.
type SharedPrinter struct {
	Printer
	// OwnerName is the name its owner goes by (store.User.DisplayName).
	OwnerName string
}

// FriendCode is a user's friend code; the first time, it sets one made by
// newCode (trying again should two users draw the same).
func (s *Store) FriendCode(ctx context.Context, userID int64, newCode func() string) (string, error) {
	var code string
	err := s.db.QueryRowContext(ctx, `SELECT code FROM friend_codes WHERE user_id = ?`, userID).Scan(&code)
	if err == nil {
		return code, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("store: friend code: %w", err)
	}
	return s.setFriendCode(ctx, userID, newCode, true)
}

// NewFriendCode gives a user a new friend code: the old one, and the invite
// links made with it, stop working.
func (s *Store) NewFriendCode(ctx context.Context, userID int64, newCode func() string) (string, error) {
	return s.setFriendCode(ctx, userID, newCode, false)
}

// setFriendCode gives a user their first code (first) or a new one.
func (s *Store) setFriendCode(ctx context.Context, userID int64, newCode func() string, first bool) (string, error) {
	query := `UPDATE friend_codes SET code = ?, created_at = ? WHERE user_id = ?`
	if first {
		query = `INSERT INTO friend_codes (code, created_at, user_id) VALUES (?, ?, ?)`
	}
	for range 5 {
		code := newCode()
		_, err := s.db.ExecContext(ctx, query, code, s.now(), userID)
		if isDuplicate(err) {
			// Either another user has this code (draw again) or this user
			// got one a moment ago in another request.
			var mine string
			if first && s.db.QueryRowContext(ctx, `SELECT code FROM friend_codes WHERE user_id = ?`, userID).Scan(&mine) == nil {
				return mine, nil
			}
			continue
		}
		if err != nil {
			return "", fmt.Errorf("store: friend code: %w", err)
		}
		return code, nil
	}
	return "", fmt.Errorf("store: friend code: five codes drawn were all taken")
}

// UserByFriendCode finds whose friend code this is. It returns ErrNotFound
// if it is nobody's.
func (s *Store) UserByFriendCode(ctx context.Context, code string) (User, error) {
	return s.user(ctx, `SELECT u.id, u.email, u.created_at, u.name FROM users u JOIN friend_codes c ON c.user_id = u.id WHERE c.code = ?`, code)
}

// AddFriendship makes two users friends: a entered b's code, and b is
// told, by a's name. It returns ErrConflict if they already are.
func (s *Store) AddFriendship(ctx context.Context, a, b int64) error {
	if a == b {
		return fmt.Errorf("store: a user cannot be their own friend: %w", ErrConflict)
	}
	now := s.now()
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO friendships (user_id, friend_id, created_at) VALUES (?, ?, ?), (?, ?, ?)`,
			a, b, now, b, a, now)
		if err != nil {
			return err
		}
		return s.raise(ctx, tx, NoticeFriendAdded, "", `SELECT ? AS user_id, NULL AS printer_id, name AS subject, '' AS detail FROM users WHERE id = ?`, b, a)
	})
	if isDuplicate(err) {
		return fmt.Errorf("store: friendship: %w", ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("store: add friendship: %w", err)
	}
	return nil
}

// RemoveFriendship ends a friendship, and with it what each let the other
// print on. It returns ErrNotFound if they were not friends.
func (s *Store) RemoveFriendship(ctx context.Context, a, b int64) error {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM friendships WHERE (user_id = ? AND friend_id = ?) OR (user_id = ? AND friend_id = ?)`, a, b, b, a)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return ErrNotFound
		}
		for _, pair := range [][2]int64{{a, b}, {b, a}} {
			if _, err := tx.ExecContext(ctx, `DELETE FROM printer_friends WHERE friend_id = ?
				AND printer_id IN (SELECT id FROM printers WHERE owner_id = ?)`, pair[1], pair[0]); err != nil {
				return err
			}
		}
		return nil
	})
	if errors.Is(err, ErrNotFound) {
		return fmt.Errorf("store: friendship %d–%d: %w", a, b, ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("store: remove friendship: %w", err)
	}
	return nil
}

// Friends lists a user's friends, the newest first.
func (s *Store) Friends(ctx context.Context, userID int64) ([]Friend, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT u.id, u.email, u.created_at, u.name, f.created_at FROM friendships f
		JOIN users u ON u.id = f.friend_id WHERE f.user_id = ? ORDER BY f.created_at DESC, u.id DESC`, userID)
	if err != nil {
		return nil, fmt.Errorf("store: friends: %w", err)
	}
	defer rows.Close()
	var out []Friend
	for rows.Next() {
		var f Friend
		var created, since int64
		if err := rows.Scan(&f.ID, &f.Email, &created, &f.Name, &since); err != nil {
			return nil, fmt.Errorf("store: friends: %w", err)
		}
		f.CreatedAt, f.Since = time.UnixMilli(created).UTC(), time.UnixMilli(since).UTC()
		out = append(out, f)
	}
	return out, rows.Err()
}

// AreFriends says whether two users are friends.
func (s *Store) AreFriends(ctx context.Context, a, b int64) (bool, error) {
	var n int
	err := s.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM friendships WHERE user_id = ? AND friend_id = ?`, a, b).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("store: friendship: %w", err)
	}
	return n > 0, nil
}

// SetPrinterFriend lets a friend print on one of the owner's printers, or
// stops them. It returns ErrNotFound unless the printer is the owner's
// and the two are friends.
func (s *Store) SetPrinterFriend(ctx context.Context, ownerID, printerID, friendID int64, allowed bool) error {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM printers p JOIN friendships f ON f.user_id = p.owner_id
			WHERE p.id = ? AND p.owner_id = ? AND f.friend_id = ?`, printerID, ownerID, friendID).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return ErrNotFound
		}
		if !allowed {
			_, err := tx.ExecContext(ctx, `DELETE FROM printer_friends WHERE printer_id = ? AND friend_id = ?`, printerID, friendID)
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO printer_friends (printer_id, friend_id, created_at) VALUES (?, ?, ?)`,
			printerID, friendID, s.now())
		if isDuplicate(err) {
			return nil // allowed already
		}
		return err
	})
	if errors.Is(err, ErrNotFound) {
		return fmt.Errorf("store: printer %d of user %d for friend %d: %w", printerID, ownerID, friendID, ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("store: printer friend: %w", err)
	}
	return nil
}

// PrinterFriends says, for an owner, which friends may print on which of
// their printers: printer ids by friend.
func (s *Store) PrinterFriends(ctx context.Context, ownerID int64) (map[int64][]int64, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT pf.friend_id, pf.printer_id FROM printer_friends pf
		JOIN printers p ON p.id = pf.printer_id WHERE p.owner_id = ? ORDER BY pf.printer_id`, ownerID)
	if err != nil {
		return nil, fmt.Errorf("store: printer friends: %w", err)
	}
	defer rows.Close()
	out := map[int64][]int64{}
	for rows.Next() {
		var friend, printer int64
		if err := rows.Scan(&friend, &printer); err != nil {
			return nil, fmt.Errorf("store: printer friends: %w", err)
		}
		out[friend] = append(out[friend], printer)
	}
	return out, rows.Err()
}

// SharedPrinters lists the printers a user may print on as a friend, with
// their owners.
func (s *Store) SharedPrinters(ctx context.Context, friendID int64) ([]SharedPrinter, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT `+printerColumns+`, CASE WHEN o.name = '' THEN ? ELSE o.name END`+printerFrom+`
		JOIN printer_friends pf ON pf.printer_id = p.id JOIN users o ON o.id = p.owner_id
		WHERE pf.friend_id = ? ORDER BY o.name, o.id, p.id`, anonymousName, friendID)
	if err != nil {
		return nil, fmt.Errorf("store: shared printers: %w", err)
	}
	defer rows.Close()
	var out []SharedPrinter
	for rows.Next() {
		var sp SharedPrinter
		var err error
		sp.Printer, err = scanPrinter(rowWithTail{rows, &sp.OwnerName})
		if err != nil {
			return nil, fmt.Errorf("store: shared printers: %w", err)
		}
		out = append(out, sp)
	}
	return out, rows.Err()
}

// MayPrint says whether a user may print on a printer: its owner, or a
// friend the owner allowed.
func (s *Store) MayPrint(ctx context.Context, printerID, userID int64) (bool, error) {
	var n int
	err := s.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM printers p WHERE p.id = ? AND (p.owner_id = ? OR EXISTS (
		SELECT 1 FROM printer_friends pf WHERE pf.printer_id = p.id AND pf.friend_id = ?))`, printerID, userID, userID).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("store: may print: %w", err)
	}
	return n > 0, nil
}

// rowWithTail scans a row of a scanner's columns and then more.
type rowWithTail struct {
	row  interface{ Scan(...any) error }
	tail any
}

func (r rowWithTail) Scan(dest ...any) error { return r.row.Scan(append(dest, r.tail)...) }
