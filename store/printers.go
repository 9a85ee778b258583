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
	// Device is what its device last reported; zero without one.
	Device Device
}

const printerColumns = `p.id, p.owner_id, p.name, p.hardware_xor, COALESCE(p.device_address, ''), p.time_zone, p.created_at,
	COALESCE(d.bridge_address, ''), COALESCE(d.device_type, 0), COALESCE(d.firmware_build, ''), COALESCE(d.loader_build, ''),
	COALESCE(d.last_uptime, 0), d.first_seen_at, d.last_seen_at, d.key_requested_at`

const printerFrom = ` FROM printers p LEFT JOIN devices d ON d.address = p.device_address`

func scanPrinter(row interface{ Scan(...any) error }) (Printer, error) {
	var p Printer
	var created int64
	var first, last, key sql.NullInt64
	err := row.Scan(&p.ID, &p.OwnerID, &p.Name, &p.HardwareXor, &p.DeviceAddress, &p.TimeZone, &created,
		&p.Device.BridgeAddress, &p.Device.DeviceType, &p.Device.FirmwareBuild, &p.Device.LoaderBuild,
		&p.Device.LastUptime, &first, &last, &key)
	p.CreatedAt = time.UnixMilli(created).UTC()
	if p.DeviceAddress != "" {
		p.Device.Address, p.Device.HardwareXor = p.DeviceAddress, p.HardwareXor
		p.Device.FirstSeenAt, p.Device.LastSeenAt, p.Device.KeyRequestedAt = millis(first), millis(last), millis(key)
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

// PrinterByDevice finds the printer a device belongs to. It returns
// ErrNotFound if the device is nobody's.
func (s *Store) PrinterByDevice(ctx context.Context, addr string) (Printer, error) {
	return s.printer(ctx, s.read, `p.device_address = ?`, addr)
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
	// KeyWaitSince: a device of this hardware xor that asked for its key
	// since then is taken as the one the code was printed by.
	KeyWaitSince time.Time
}

// ClaimRecord is a claim code as stored.
type ClaimRecord struct {
	ID          int64
	UserID      int64
	PrinterID   int64
	HardwareXor uint32
	Secret      uint64
	CreatedAt   time.Time
}

// Claim records a claim code and returns the claimed printer. The code
// becomes the newest for its hardware xor, so the next key request of a
// device with that xor is answered with its link key.
//
// The printer is the user's printer of that hardware xor if there is one (a
// reset printer is found again), else a new one. A device of that xor is
// attached to it at once if it asked for its key since c.KeyWaitSince or is
// nobody's; a device that belongs to another printer and is not asking for a
// key stays there until it asks (after a reset): the owner changes only
// through a new code the printer itself printed.
func (s *Store) Claim(ctx context.Context, c Claim) (Printer, error) {
	var printerID int64
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		now := s.now()
		err := tx.QueryRowContext(ctx, `SELECT id FROM printers WHERE owner_id = ? AND hardware_xor = ? ORDER BY id DESC LIMIT 1`,
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
		_, err = tx.ExecContext(ctx, `INSERT INTO claim_codes (user_id, printer_id, hardware_xor, secret, created_at) VALUES (?, ?, ?, ?, ?)`,
			c.UserID, printerID, c.HardwareXor, int64(c.Secret), now)
		return err
	})
	if err != nil {
		return Printer{}, fmt.Errorf("store: claim: %w", err)
	}
	// The device is looked for only once the code is committed: a key
	// request handled meanwhile either sees the code, or stored its device
	// before this looks.
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		var device string
		err := tx.QueryRowContext(ctx, `SELECT d.address FROM devices d LEFT JOIN printers p ON p.device_address = d.address
			WHERE d.hardware_xor = ? AND (p.id IS NULL OR p.id = ? OR d.key_requested_at >= ?)
			ORDER BY COALESCE(d.key_requested_at, 0) DESC, d.last_seen_at DESC LIMIT 1`,
			c.HardwareXor, printerID, c.KeyWaitSince.UnixMilli()).Scan(&device)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		return attachDevice(ctx, tx, printerID, device)
	})
	if err != nil {
		return Printer{}, fmt.Errorf("store: claim: find its device: %w", err)
	}
	return s.printer(ctx, s.db, `p.id = ?`, printerID)
}

// attachDevice makes addr the device of a printer, and of no other.
func attachDevice(ctx context.Context, tx *sql.Tx, printerID int64, addr string) error {
	if _, err := tx.ExecContext(ctx, `UPDATE printers SET device_address = NULL WHERE device_address = ? AND id <> ?`, addr, printerID); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `UPDATE printers SET device_address = ? WHERE id = ?`, addr, printerID)
	return err
}

// AttachDevice makes addr the device of a printer, and of no other: done
// when a device asks for its key and the newest claim code for its hardware
// xor belongs to that printer.
func (s *Store) AttachDevice(ctx context.Context, printerID int64, addr string) error {
	err := s.inTx(ctx, func(tx *sql.Tx) error { return attachDevice(ctx, tx, printerID, addr) })
	if err != nil {
		return fmt.Errorf("store: attach %s to printer %d: %w", addr, printerID, err)
	}
	return nil
}

// NewestClaim is the newest claim code entered for a hardware xor. It
// returns ErrNotFound if there is none.
func (s *Store) NewestClaim(ctx context.Context, xor uint32) (ClaimRecord, error) {
	var c ClaimRecord
	var secret, created int64
	err := s.db.QueryRowContext(ctx, `SELECT id, user_id, printer_id, hardware_xor, secret, created_at FROM claim_codes
		WHERE hardware_xor = ? ORDER BY id DESC LIMIT 1`, xor).Scan(&c.ID, &c.UserID, &c.PrinterID, &c.HardwareXor, &secret, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return ClaimRecord{}, fmt.Errorf("store: claim code for hardware xor %d: %w", xor, ErrNotFound)
	}
	if err != nil {
		return ClaimRecord{}, fmt.Errorf("store: claim code for hardware xor %d: %w", xor, err)
	}
	c.Secret, c.CreatedAt = uint64(secret), time.UnixMilli(created).UTC()
	return c, nil
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
	return s.setPrinter(ctx, printerID, "time_zone", zone)
}

// SetPrinterName renames a printer. It returns ErrNotFound if there is no
// such printer.
func (s *Store) SetPrinterName(ctx context.Context, printerID int64, name string) error {
	return s.setPrinter(ctx, printerID, "name", name)
}

// setPrinter sets one column of a printer (a name from this file, never
// from outside).
func (s *Store) setPrinter(ctx context.Context, printerID int64, column string, v any) error {
	res, err := s.db.ExecContext(ctx, `UPDATE printers SET `+column+` = ? WHERE id = ?`, v, printerID)
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
