package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Printer event kinds: what happened to a printer that its owner should
// know of.
const (
	EventPaired        = "paired"         // its device was paired through a bridge
	EventMoved         = "moved"          // its device showed up behind another bridge
	EventMoveConfirmed = "move_confirmed" // its owner confirmed the move
	EventHandedOn      = "handed_on"      // its hardware was reset and paired with another account
)

// PrinterEvent is one thing that happened to a printer.
type PrinterEvent struct {
	ID        int64
	PrinterID int64
	CreatedAt time.Time
	Kind      string
	Message   string
}

// addEvent records an event of a printer in tx.
func (s *Store) addEvent(ctx context.Context, tx *sql.Tx, printerID int64, kind, msg string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO printer_events (printer_id, created_at, kind, message) VALUES (?, ?, ?, ?)`,
		printerID, s.now(), kind, clip(msg))
	return err
}

// PrinterEvents lists a printer's events, newest first.
func (s *Store) PrinterEvents(ctx context.Context, printerID int64, limit int) ([]PrinterEvent, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT id, printer_id, created_at, kind, message FROM printer_events
		WHERE printer_id = ? ORDER BY id DESC LIMIT ?`, printerID, limit)
	if err != nil {
		return nil, fmt.Errorf("store: printer events: %w", err)
	}
	defer rows.Close()
	var out []PrinterEvent
	for rows.Next() {
		var e PrinterEvent
		var at int64
		if err := rows.Scan(&e.ID, &e.PrinterID, &at, &e.Kind, &e.Message); err != nil {
			return nil, fmt.Errorf("store: printer events: %w", err)
		}
		e.CreatedAt = time.UnixMilli(at).UTC()
		out = append(out, e)
	}
	return out, rows.Err()
}

// Predecessor is another account's printer with the hardware xor of a
// device just paired, whose own device went silent before that one was
// first seen: most likely the same printer, reset and claimed anew.
type Predecessor struct {
	PrinterID     int64
	DeviceAddress string
}

// ConfirmPairing pairs a printer's device, heard with its key through a
// bridge: only that bridge's socket speaks for it from now on, and the
// claim code whose key it has is spent. It returns the printers it may
// have been before (HandOn tells their owners). It returns ErrNotFound if
// the device is not the printer's, or is paired already.
func (s *Store) ConfirmPairing(ctx context.Context, printerID int64, addr, bridge string) (before []Predecessor, err error) {
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		now := s.now()
		var owner int64
		var xor uint32
		var claimID sql.NullInt64
		var firstSeen int64
		err := tx.QueryRowContext(ctx, `SELECT p.owner_id, p.hardware_xor, d.claim_id, d.first_seen_at FROM printers p
			JOIN devices d ON d.address = p.device_address
			WHERE p.id = ? AND d.address = ? AND d.paired_bridge IS NULL`+s.dialect.forUpdate, printerID, addr).
			Scan(&owner, &xor, &claimID, &firstSeen)
		if err == sql.ErrNoRows {
			return fmt.Errorf("device %s of printer %d, not paired: %w", addr, printerID, ErrNotFound)
		}
		if err != nil {
			return err
		}
		if !claimID.Valid {
			// Attached by a claim while it was heard with a key already:
			// its key is that of the printer's newest code.
			err := tx.QueryRowContext(ctx, `SELECT id FROM claim_codes WHERE printer_id = ? ORDER BY id DESC LIMIT 1`, printerID).Scan(&claimID)
			if err != nil && err != sql.ErrNoRows {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE devices SET paired_bridge = ?, paired_at = ?, claim_id = ?, moved_bridge = NULL,
			moved_at = NULL WHERE address = ?`, bridge, now, claimID, addr); err != nil {
			return err
		}
		if claimID.Valid {
			if _, err := tx.ExecContext(ctx, `UPDATE claim_codes SET paired_at = ? WHERE id = ? AND paired_at IS NULL`, now, claimID.Int64); err != nil {
				return err
			}
		}
		if err := s.addEvent(ctx, tx, printerID, EventPaired, fmt.Sprintf("Paired: device %s, behind bridge %s.", addr, bridge)); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT p.id, d.address FROM printers p JOIN devices d ON d.address = p.device_address
			WHERE p.hardware_xor = ? AND p.owner_id <> ? AND d.address <> ? AND d.paired_bridge IS NOT NULL
			AND d.last_seen_at < ? AND (p.handed_on_at IS NULL OR p.handed_on_at < d.last_seen_at)`, xor, owner, addr, firstSeen)
		if err != nil {
			return err
		}
		defer rows.Close()
		before = nil // afresh, if run again
		for rows.Next() {
			var p Predecessor
			if err := rows.Scan(&p.PrinterID, &p.DeviceAddress); err != nil {
				return err
			}
			before = append(before, p)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("store: pair: %w", err)
	}
	return before, nil
}

// HandOn marks a printer handed on, with an event that tells its owner:
// its hardware was reset and paired with another account.
func (s *Store) HandOn(ctx context.Context, printerID int64) error {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE printers SET handed_on_at = ? WHERE id = ?`, s.now(), printerID); err != nil {
			return err
		}
		return s.addEvent(ctx, tx, printerID, EventHandedOn, "A printer with this one's hardware was reset and claimed by another account. "+
			"If you reset it or gave it away, that was it: it prints for them now. If not, reset it and claim it again with the code it prints.")
	})
	if err != nil {
		return fmt.Errorf("store: hand on printer %d: %w", printerID, err)
	}
	return nil
}

// DeviceMoved records that a paired device showed up behind another bridge
// than the one it was paired through: it prints there once its owner
// confirms (ConfirmMove). It reports whether this is news (another bridge
// than the one recorded before), and then adds an event.
func (s *Store) DeviceMoved(ctx context.Context, printerID int64, addr, bridge string) (bool, error) {
	var news bool
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE devices SET moved_bridge = ?, moved_at = ? WHERE address = ?
			AND paired_bridge IS NOT NULL AND paired_bridge <> ? AND (moved_bridge IS NULL OR moved_bridge <> ?)`,
			bridge, s.now(), addr, bridge, bridge)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return err
		}
		news = true
		return s.addEvent(ctx, tx, printerID, EventMoved, fmt.Sprintf(
			"Showed up behind another bridge, %s: it prints there once you confirm the move.", bridge))
	})
	if err != nil {
		return false, fmt.Errorf("store: device %s moved: %w", addr, err)
	}
	return news, nil
}

// ClearMove forgets the other bridge a paired device showed up behind: it
// is back behind its own.
func (s *Store) ClearMove(ctx context.Context, addr string) error {
	if _, err := s.db.ExecContext(ctx, `UPDATE devices SET moved_bridge = NULL, moved_at = NULL WHERE address = ?`, addr); err != nil {
		return fmt.Errorf("store: device %s: %w", addr, err)
	}
	return nil
}

// ConfirmMove pairs a printer's device through the bridge it showed up
// behind: its owner says they moved it. It returns ErrNotFound if the
// printer's device has not shown up behind that bridge.
func (s *Store) ConfirmMove(ctx context.Context, printerID int64, bridge string) error {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE devices SET paired_bridge = moved_bridge, paired_at = ?, moved_bridge = NULL,
			moved_at = NULL WHERE moved_bridge = ? AND address = (SELECT device_address FROM printers WHERE id = ?)`,
			s.now(), bridge, printerID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return fmt.Errorf("printer %d behind bridge %s: %w", printerID, bridge, ErrNotFound)
		}
		return s.addEvent(ctx, tx, printerID, EventMoveConfirmed, fmt.Sprintf("Move confirmed: it prints behind bridge %s now.", bridge))
	})
	if err != nil {
		return fmt.Errorf("store: confirm move: %w", err)
	}
	return nil
}
