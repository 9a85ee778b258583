package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// PrintKey is a secret address through which anyone who holds it prints on
// one printer. Only its code's hash is kept (CodeHash); Hint is the code's
// first characters, to tell keys apart.
type PrintKey struct {
	ID        int64
	PrinterID int64
	Name      string
	CodeHash  string
	Hint      string
	// PerHour and MaxBytes are the key's own limits, 0 for the server's;
	// Formats the kinds of content it takes (text, markdown, html,
	// image), none for all.
	PerHour  int
	MaxBytes int64
	Formats  []string
	Created  time.Time
	Uses     int64
	LastUsed time.Time // zero if never
	// RecentSenders are the last names it printed for, newest first.
	RecentSenders []KeySender
}

// KeySender is a name a key printed for, and when it last did.
type KeySender struct {
	Name string    `json:"name"`
	At   time.Time `json:"at"`
}

// maxRecentSenders is how many senders a key remembers.
const maxRecentSenders = 5

// CreatePrintKey stores a new key and returns it with its id.
func (s *Store) CreatePrintKey(ctx context.Context, k PrintKey) (PrintKey, error) {
	formats, err := json.Marshal(k.Formats)
	if err != nil {
		return PrintKey{}, err
	}
	if k.Formats == nil {
		formats = []byte("[]")
	}
	now := s.now()
	res, err := s.db.ExecContext(ctx, `INSERT INTO print_keys (printer_id, name, code_hash, hint, per_hour, max_bytes, formats, created_at, recent_senders)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, '[]')`, k.PrinterID, k.Name, k.CodeHash, k.Hint, k.PerHour, k.MaxBytes, string(formats), now)
	switch {
	case isMissingParent(err):
		return PrintKey{}, fmt.Errorf("store: print key: printer %d: %w", k.PrinterID, ErrNotFound)
	case isDuplicate(err):
		return PrintKey{}, fmt.Errorf("store: print key: %w", ErrConflict)
	case err != nil:
		return PrintKey{}, fmt.Errorf("store: create print key: %w", err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return PrintKey{}, err
	}
	return s.printKey(ctx, s.db, `id = ?`, id)
}

const printKeyColumns = `id, printer_id, name, code_hash, hint, per_hour, max_bytes, formats, created_at, uses, last_used_at, recent_senders`

func scanPrintKey(row interface{ Scan(...any) error }) (PrintKey, error) {
	var k PrintKey
	var formats, senders string
	var created int64
	var last sql.NullInt64
	if err := row.Scan(&k.ID, &k.PrinterID, &k.Name, &k.CodeHash, &k.Hint, &k.PerHour, &k.MaxBytes, &formats, &created, &k.Uses, &last, &senders); err != nil {
		return PrintKey{}, err
	}
	if err := json.Unmarshal([]byte(formats), &k.Formats); err != nil {
		return PrintKey{}, fmt.Errorf("print key %d formats: %w", k.ID, err)
	}
	if err := json.Unmarshal([]byte(senders), &k.RecentSenders); err != nil {
		return PrintKey{}, fmt.Errorf("print key %d senders: %w", k.ID, err)
	}
	k.Created, k.LastUsed = time.UnixMilli(created).UTC(), millis(last)
	return k, nil
}

func (s *Store) printKey(ctx context.Context, q queryer, where string, args ...any) (PrintKey, error) {
	k, err := scanPrintKey(q.QueryRowContext(ctx, `SELECT `+printKeyColumns+` FROM print_keys WHERE `+where, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return PrintKey{}, fmt.Errorf("store: print key: %w", ErrNotFound)
	}
	if err != nil {
		return PrintKey{}, fmt.Errorf("store: print key: %w", err)
	}
	return k, nil
}

// PrintKeyByHash finds a key by its code's hash. It returns ErrNotFound if
// there is none (or it was revoked).
func (s *Store) PrintKeyByHash(ctx context.Context, hash string) (PrintKey, error) {
	return s.printKey(ctx, s.read, `code_hash = ?`, hash)
}

// PrintKeysByPrinter lists a printer's keys, oldest first.
func (s *Store) PrintKeysByPrinter(ctx context.Context, printerID int64) ([]PrintKey, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT `+printKeyColumns+` FROM print_keys WHERE printer_id = ? ORDER BY id`, printerID)
	if err != nil {
		return nil, fmt.Errorf("store: print keys: %w", err)
	}
	defer rows.Close()
	var out []PrintKey
	for rows.Next() {
		k, err := scanPrintKey(rows)
		if err != nil {
			return nil, fmt.Errorf("store: print keys: %w", err)
		}
		out = append(out, k)
	}
	return out, rows.Err()
}

// DeletePrintKey revokes a printer's key. It returns ErrNotFound if the
// printer has no such key.
func (s *Store) DeletePrintKey(ctx context.Context, printerID, id int64) error {
	res, err := s.db.ExecContext(ctx, `DELETE FROM print_keys WHERE id = ? AND printer_id = ?`, id, printerID)
	if err != nil {
		return fmt.Errorf("store: revoke print key: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return fmt.Errorf("store: print key %d: %w", id, ErrNotFound)
	}
	return nil
}

// PrintKeyUsed counts a print through a key, and remembers its sender
// among the key's recent ones. A key revoked meanwhile is no error.
func (s *Store) PrintKeyUsed(ctx context.Context, id int64, sender string) error {
	at := s.Now().UTC().Truncate(time.Millisecond)
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var senders string
		var uses int64
		err := tx.QueryRowContext(ctx, `SELECT recent_senders, uses FROM print_keys WHERE id = ?`+s.dialect.forUpdate, id).Scan(&senders, &uses)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		var list []KeySender
		if err := json.Unmarshal([]byte(senders), &list); err != nil {
			list = nil
		}
		next := []KeySender{{Name: sender, At: at}}
		for _, ks := range list {
			if ks.Name != sender && len(next) < maxRecentSenders {
				next = append(next, ks)
			}
		}
		b, err := json.Marshal(next)
		if err != nil {
			return err
		}
		if _, err = tx.ExecContext(ctx, `UPDATE print_keys SET uses = uses + 1, last_used_at = ?, recent_senders = ? WHERE id = ?`, at.UnixMilli(), string(b), id); err != nil || uses > 0 {
			return err
		}
		return s.raise(ctx, tx, NoticeKeyFirstUse, "", `SELECT p.owner_id AS user_id, p.id AS printer_id, k.name AS subject, ? AS detail
			FROM print_keys k JOIN printers p ON p.id = k.printer_id WHERE k.id = ?`, clipTo(sender, 255), id)
	})
	if err != nil {
		return fmt.Errorf("store: print key %d used: %w", id, err)
	}
	return nil
}
