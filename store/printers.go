package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// DefaultPrinterName is a printer's name when its owner gives none.
const DefaultPrinterName = "Little Printer"

// Printer is a user's printer. It follows its device through factory resets
// (a new address with the same hardware xor) and has no device until it
// first calls home.
type Printer struct {
	ID            int64
	OwnerID       int64
	Name          string
	HardwareXor   uint32
	DeviceAddress string // "" until the printer calls home
	TimeZone      string // IANA name; its subscriptions' hours are in it
	CreatedAt     time.Time
	// HandedOnAt is when a reset printer of this hardware was paired with
	// another account, its device having gone silent: it was given away, or
	// reset and claimed by someone else. Zero if never.
	HandedOnAt time.Time
	// OfflineNotice is how long it may be unheard of before its owner is
	// told; 0: never.
	OfflineNotice time.Duration
	// Device is what its device last reported; zero without one.
	Device Device
}

const printerColumns = `p.id, p.owner_id, p.name, p.hardware_xor, COALESCE(p.device_address, ''), p.time_zone, p.created_at, p.handed_on_at,
	COALESCE(d.bridge_address, ''), COALESCE(d.device_type, 0), COALESCE(d.firmware_build, ''), COALESCE(d.loader_build, ''),
	COALESCE(d.last_uptime, 0), d.first_seen_at, d.last_seen_at, d.key_requested_at,
	COALESCE(d.claim_id, 0), COALESCE(d.paired_bridge, ''), d.paired_at, COALESCE(d.moved_bridge, ''), d.moved_at, COALESCE(d.seen_by, ''), p.offline_notice_minutes`

const printerFrom = ` FROM printers p LEFT JOIN devices d ON d.address = p.device_address`

func scanPrinter(row interface{ Scan(...any) error }) (Printer, error) {
	var p Printer
	var created int64
	var handed, first, last, key, paired, moved sql.NullInt64
	var offlineMinutes int64
	err := row.Scan(&p.ID, &p.OwnerID, &p.Name, &p.HardwareXor, &p.DeviceAddress, &p.TimeZone, &created, &handed,
		&p.Device.BridgeAddress, &p.Device.DeviceType, &p.Device.FirmwareBuild, &p.Device.LoaderBuild,
		&p.Device.LastUptime, &first, &last, &key,
		&p.Device.ClaimID, &p.Device.PairedBridge, &paired, &p.Device.MovedBridge, &moved, &p.Device.SeenBy, &offlineMinutes)
	p.CreatedAt, p.HandedOnAt = time.UnixMilli(created).UTC(), millis(handed)
	p.OfflineNotice = time.Duration(offlineMinutes) * time.Minute
	if p.DeviceAddress != "" {
		p.Device.Address, p.Device.HardwareXor = p.DeviceAddress, p.HardwareXor
		p.Device.FirstSeenAt, p.Device.LastSeenAt, p.Device.KeyRequestedAt = millis(first), millis(last), millis(key)
		p.Device.PairedAt, p.Device.MovedAt = millis(paired), millis(moved)
	}
	return p, err
}

func (s *Store) printer(ctx context.Context, q queryer, where string, args ...any) (Printer, error) {
	p, err := scanPrinter(q.QueryRowContext(ctx, `SELECT `+printerColumns+printerFrom+` WHERE `+where, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return Printer{}, fmt.Errorf("store: printer: %w", ErrNotFound)
	}
	if err != nil {
		return Printer{}, fmt.Errorf("store: printer: %w", err)
	}
	return p, nil
}

// PrinterByID finds a printer. It returns ErrNotFound if there is none.
func (s *Store) PrinterByID(ctx context.Context, id int64) (Printer, error) {
	return s.printer(ctx, s.read, `p.id = ?`, id)
}

// PrinterByDevice finds the printer a device belongs to, from the primary
// database (it decides where commands go). It returns ErrNotFound if the
// device is nobody's.
func (s *Store) PrinterByDevice(ctx context.Context, addr string) (Printer, error) {
	return s.printer(ctx, s.db, `p.device_address = ?`, addr)
}

// PrintersByOwner lists a user's printers, oldest first.
func (s *Store) PrintersByOwner(ctx context.Context, ownerID int64) ([]Printer, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT `+printerColumns+printerFrom+` WHERE p.owner_id = ? ORDER BY p.id`, ownerID)
	if err != nil {
		return nil, fmt.Errorf("store: printers: %w", err)
	}
	defer rows.Close()
	var out []Printer
	for rows.Next() {
		p, err := scanPrinter(rows)
		if err != nil {
			return nil, fmt.Errorf("store: printers: %w", err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// Claim is a claim code a user entered.
type Claim struct {
	UserID      int64
	HardwareXor uint32
	Secret      uint64
	Name        string // the printer's name; "" keeps it, or gives a new one DefaultPrinterName
}

// ClaimRecord is a claim code as stored.
type ClaimRecord struct {
	ID          int64
	UserID      int64
	PrinterID   int64
	HardwareXor uint32
	Secret      uint64
	CreatedAt   time.Time
	PairedAt    time.Time // when a device was paired with it: it is spent
}

// ErrClaimSpent is returned, wrapped, for a claim code another account's
// printer was paired with: a printer prints a new code when it is reset,
// and only that one can give it a new owner.
var ErrClaimSpent = errors.New("this claim code has been used already: reset the printer to get a new one")

// Claim records a claim code and returns the claimed printer.
//
// The printer is the user's printer of that hardware xor if there is one (a
// reset printer is found again), else a new one. A new code becomes the
// newest for its hardware xor, so the next key request of a device with
// that xor that is not paired is answered with its link key; and a device
// of that xor that is not paired (a reset printer has a new address; one
// asking for its key is preferred) is attached to the printer at once. A
// paired device never changes owner through a claim (core/doc.go).
//
// A code a device was paired with is spent: entered again by the account
// whose printer it paired, it changes nothing but the name; by another, it
// is refused with ErrClaimSpent.
func (s *Store) Claim(ctx context.Context, c Claim) (Printer, error) {
	var printerID int64
	var claimID int64
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		now := s.now()
		var owner int64
		err := tx.QueryRowContext(ctx, `SELECT p.id, p.owner_id FROM claim_codes c JOIN printers p ON p.id = c.printer_id
			WHERE c.hardware_xor = ? AND c.secret = ? AND c.paired_at IS NOT NULL ORDER BY c.id DESC LIMIT 1`,
			c.HardwareXor, int64(c.Secret)).Scan(&printerID, &owner)
		switch {
		case err == nil && owner != c.UserID:
			return ErrClaimSpent
		case err == nil:
			// The code of the user's own paired printer: nothing to pair.
			if c.Name != "" {
				_, err = tx.ExecContext(ctx, `UPDATE printers SET name = ? WHERE id = ?`, c.Name, printerID)
			}
			return err
		case !errors.Is(err, sql.ErrNoRows):
			return err
		}
		err = tx.QueryRowContext(ctx, `SELECT id FROM printers WHERE owner_id = ? AND hardware_xor = ? ORDER BY id DESC LIMIT 1`,
			c.UserID, c.HardwareXor).Scan(&printerID)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			name := c.Name
			if name == "" {
				name = DefaultPrinterName
			}
			res, err := tx.ExecContext(ctx, `INSERT INTO printers (owner_id, name, hardware_xor, created_at) VALUES (?, ?, ?, ?)`,
				c.UserID, name, c.HardwareXor, now)
			if err != nil {
				return err
			}
			if printerID, err = res.LastInsertId(); err != nil {
				return err
			}
		case err != nil:
			return err
		case c.Name != "":
			if _, err := tx.ExecContext(ctx, `UPDATE printers SET name = ? WHERE id = ?`, c.Name, printerID); err != nil {
				return err
			}
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO claim_codes (user_id, printer_id, hardware_xor, secret, created_at) VALUES (?, ?, ?, ?, ?)`,
			c.UserID, printerID, c.HardwareXor, int64(c.Secret), now)
		if err != nil {
			return err
		}
		claimID, err = res.LastInsertId()
		return err
	})
	if errors.Is(err, ErrClaimSpent) {
		return Printer{}, fmt.Errorf("store: claim: %w", ErrClaimSpent)
	}
	if err != nil {
		return Printer{}, fmt.Errorf("store: claim: %w", err)
	}
	if claimID != 0 {
		// The device is looked for only once the code is committed: a key
		// request handled meanwhile either sees the code, or stored its
		// device before this looks.
		err = s.inTx(ctx, func(tx *sql.Tx) error {
			var device string
			err := tx.QueryRowContext(ctx, `SELECT d.address FROM devices d LEFT JOIN printers p ON p.device_address = d.address
				WHERE d.hardware_xor = ? AND (p.id IS NULL OR p.id = ? OR d.paired_bridge IS NULL)
				ORDER BY COALESCE(d.key_requested_at, 0) DESC, d.last_seen_at DESC LIMIT 1`,
				c.HardwareXor, printerID).Scan(&device)
			if errors.Is(err, sql.ErrNoRows) {
				return nil
			}
			if err != nil {
				return err
			}
			_, err = s.attachDevice(ctx, tx, printerID, device, claimID)
			return err
		})
		if err != nil {
			return Printer{}, fmt.Errorf("store: claim: find its device: %w", err)
		}
	}
	return s.printer(ctx, s.db, `p.id = ?`, printerID)
}

// attachDevice makes addr the device of a printer, and of no other, with
// the claim code it is to get the key of, unless it is paired with
// another printer. A device that is the printer's already is left as it
// is. It reports whether the device is the printer's now.
func (s *Store) attachDevice(ctx context.Context, tx *sql.Tx, printerID int64, addr string, claimID int64) (bool, error) {
	var current sql.NullInt64
	var paired sql.NullString
	err := tx.QueryRowContext(ctx, `SELECT p.id, d.paired_bridge FROM devices d LEFT JOIN printers p ON p.device_address = d.address
		WHERE d.address = ?`+s.dialect.forUpdate, addr).Scan(&current, &paired)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return false, fmt.Errorf("device %s: %w", addr, ErrNotFound)
	case err != nil:
		return false, err
	case current.Valid && current.Int64 == printerID:
		return true, nil
	case current.Valid && paired.Valid:
		return false, nil // paired with another printer: it stays there
	}
	if _, err := tx.ExecContext(ctx, `UPDATE printers SET device_address = NULL WHERE device_address = ?`, addr); err != nil {
		return false, err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE printers SET device_address = ? WHERE id = ?`, addr, printerID); err != nil {
		return false, err
	}
	_, err = tx.ExecContext(ctx, `UPDATE devices SET claim_id = ?, paired_bridge = NULL, paired_at = NULL, moved_bridge = NULL,
		moved_at = NULL WHERE address = ?`, nullID(claimID), addr)
	return err == nil, err
}

// AttachDevice makes addr the device of the printer of a claim code, whose
// key it is to get: done when a device that is not paired asks for its key
// and the newest claim code for its hardware xor is that one. It returns
// ErrConflict if the device is paired with another printer (it never
// changes owner this way), ErrNotFound if there is no such device.
func (s *Store) AttachDevice(ctx context.Context, claim ClaimRecord, addr string) error {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		ok, err := s.attachDevice(ctx, tx, claim.PrinterID, addr, claim.ID)
		if err == nil && !ok {
			err = ErrConflict
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("store: attach %s to printer %d: %w", addr, claim.PrinterID, err)
	}
	return nil
}

const claimColumns = `id, user_id, printer_id, hardware_xor, secret, created_at, paired_at`

func (s *Store) claim(ctx context.Context, what, where string, args ...any) (ClaimRecord, error) {
	var c ClaimRecord
	var secret, created int64
	var paired sql.NullInt64
	err := s.db.QueryRowContext(ctx, `SELECT `+claimColumns+` FROM claim_codes WHERE `+where, args...).
		Scan(&c.ID, &c.UserID, &c.PrinterID, &c.HardwareXor, &secret, &created, &paired)
	if errors.Is(err, sql.ErrNoRows) {
		return ClaimRecord{}, fmt.Errorf("store: claim code for %s: %w", what, ErrNotFound)
	}
	if err != nil {
		return ClaimRecord{}, fmt.Errorf("store: claim code for %s: %w", what, err)
	}
	c.Secret, c.CreatedAt, c.PairedAt = uint64(secret), time.UnixMilli(created).UTC(), millis(paired)
	return c, nil
}

// NewestClaim is the newest claim code entered for a hardware xor, if no
// device has been paired with it yet: a code entered before a pairing is
// stale (a reset printer prints a new one). It returns ErrNotFound if
// there is none, or if the newest is spent.
func (s *Store) NewestClaim(ctx context.Context, xor uint32) (ClaimRecord, error) {
	c, err := s.claim(ctx, fmt.Sprintf("hardware xor %d", xor), `hardware_xor = ? ORDER BY id DESC LIMIT 1`, xor)
	if err == nil && !c.PairedAt.IsZero() {
		return ClaimRecord{}, fmt.Errorf("store: claim code for hardware xor %d: spent: %w", xor, ErrNotFound)
	}
	return c, err
}

// PairedClaim is the claim code a paired device's key comes from: the one
// it was sent, or for a device paired before that was recorded, its
// printer's newest. It returns ErrNotFound if there is none.
func (s *Store) PairedClaim(ctx context.Context, d Device, printerID int64) (ClaimRecord, error) {
	if d.ClaimID != 0 {
		return s.claim(ctx, "device "+d.Address, `id = ?`, d.ClaimID)
	}
	return s.claim(ctx, "device "+d.Address, `printer_id = ? ORDER BY id DESC LIMIT 1`, printerID)
}

// Location is the printer's time zone; UTC if the system does not know it
// (the store checks zones, but tzdata changes).
func (p Printer) Location() *time.Location {
	if loc, err := time.LoadLocation(p.TimeZone); err == nil && p.TimeZone != "" {
		return loc
	}
	return time.UTC
}

// SetPrinterTimeZone sets a printer's time zone, an IANA name such as
// Europe/London. It returns ErrNotFound if there is no such printer.
func (s *Store) SetPrinterTimeZone(ctx context.Context, printerID int64, zone string) error {
	if err := CheckTimeZone(zone); err != nil {
		return err
	}
	// Its subscriptions' next moments are worked out again, in the new zone.
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.setPrinterIn(ctx, tx, printerID, "time_zone", zone); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE subscriptions SET next_at = 0 WHERE printer_id = ? AND next_at IS NOT NULL`, printerID); err != nil {
			return fmt.Errorf("store: printer %d subscriptions: %w", printerID, err)
		}
		return nil
	})
}

// SetPrinterName renames a printer. It returns ErrNotFound if there is no
// such printer.
func (s *Store) SetPrinterName(ctx context.Context, printerID int64, name string) error {
	return s.setPrinter(ctx, printerID, "name", name)
}

// setPrinter sets one column of a printer (a name from this file, never
// from outside).
func (s *Store) setPrinter(ctx context.Context, printerID int64, column string, v any) error {
	return s.setPrinterIn(ctx, s.db, printerID, column, v)
}

func (s *Store) setPrinterIn(ctx context.Context, q queryer, printerID int64, column string, v any) error {
	res, err := q.ExecContext(ctx, `UPDATE printers SET `+column+` = ? WHERE id = ?`, v, printerID)
	if err != nil {
		return fmt.Errorf("store: printer %d %s: %w", printerID, column, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("store: printer %d %s: %w", printerID, column, err)
	} else if n == 0 {
		return fmt.Errorf("store: printer %d: %w", printerID, ErrNotFound)
	}
	return nil
}

// CheckTimeZone reports whether zone is a time zone a printer may be in: a
// canonical IANA name this binary knows (zones.go). Any other is refused
// with a *ZoneError, which names the zone to use when zone is an old name
// of one. ("Local" is never one: it is the server's, not the printer's.)
func CheckTimeZone(zone string) error {
	if zones.ok[zone] {
		if _, err := time.LoadLocation(zone); err == nil {
			return nil
		}
	}
	use := zones.use[strings.ToLower(zone)]
	if use == zone {
		use = "" // a zone this binary's tzdata lacks
	}
	return &ZoneError{Zone: zone, Use: use}
}
