package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Bridge is a bridge as it reported itself in its power_on.
type Bridge struct {
	Address         string // 16 hex digits
	Model           string
	FirmwareVersion string
	NCPVersion      string
	LocalIPAddress  string
	MACAddress      string
	FirstSeenAt     time.Time
	LastSeenAt      time.Time
}

// UpsertBridge records a bridge's power_on.
func (s *Store) UpsertBridge(ctx context.Context, b Bridge) error {
	now := s.now()
	_, err := s.db.ExecContext(ctx, `INSERT INTO bridges
		(address, model, firmware_version, ncp_version, local_ip_address, mac_address, first_seen_at, last_seen_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`+s.dialect.upsertSuffix("address",
		"model", "firmware_version", "ncp_version", "local_ip_address", "mac_address", "last_seen_at"),
		b.Address, b.Model, b.FirmwareVersion, b.NCPVersion, b.LocalIPAddress, b.MACAddress, now, now)
	if err != nil {
		return fmt.Errorf("store: bridge %s: %w", b.Address, err)
	}
	return nil
}

// BridgeByAddress finds a bridge. It returns ErrNotFound if it never
// reported.
func (s *Store) BridgeByAddress(ctx context.Context, addr string) (Bridge, error) {
	var b Bridge
	var first, last int64
	err := s.read.QueryRowContext(ctx, `SELECT address, model, firmware_version, ncp_version, local_ip_address, mac_address,
		first_seen_at, last_seen_at FROM bridges WHERE address = ?`, addr).
		Scan(&b.Address, &b.Model, &b.FirmwareVersion, &b.NCPVersion, &b.LocalIPAddress, &b.MACAddress, &first, &last)
	if errors.Is(err, sql.ErrNoRows) {
		return Bridge{}, fmt.Errorf("store: bridge %s: %w", addr, ErrNotFound)
	}
	if err != nil {
		return Bridge{}, fmt.Errorf("store: bridge %s: %w", addr, err)
	}
	b.FirstSeenAt, b.LastSeenAt = time.UnixMilli(first).UTC(), time.UnixMilli(last).UTC()
	return b, nil
}

// Device is a printer's hardware as it reported itself.
type Device struct {
	Address          string // 16 hex digits; a factory reset makes a new one
	HardwareXor      uint32 // the same across resets
	BridgeAddress    string
	DeviceType       uint32
	FirmwareBuild    string
	LoaderBuild      string
	ProtocolVersion  uint32
	ResetDescription uint16
	LastUptime       uint32 // seconds, from the last heartbeat stored
	FirstSeenAt      time.Time
	LastSeenAt       time.Time
	KeyRequestedAt   time.Time // the last encryption_key_required, zero if none
	// ClaimID is the claim code whose key the device was sent (or with which
	// it was attached to its printer); 0 if none.
	ClaimID int64
	// PairedBridge is the bridge the device was paired through with its
	// owner, "" while it is not paired (core/doc.go): only that bridge's
	// socket speaks for it.
	PairedBridge string
	PairedAt     time.Time
	// MovedBridge is another bridge the paired device has shown up behind
	// since MovedAt; "" if none. It prints there once its owner confirms.
	MovedBridge string
	MovedAt     time.Time
	// SeenBy is the server instance that last heard the device, "" if
	// none holds it (HoldDevice).
	SeenBy string
}

// DeviceSeen records that a device was heard from through a bridge with
// its key (it connected, or started): it adds the device if it is new, moves
// it to the bridge, and forgets any key request.
func (s *Store) DeviceSeen(ctx context.Context, addr string, xor uint32, bridge string) error {
	return s.deviceUpsert(ctx, addr, xor, bridge, "key_requested_at", nil)
}

// DeviceKeyRequested records an encryption_key_required.
func (s *Store) DeviceKeyRequested(ctx context.Context, addr string, xor uint32, bridge string) error {
	return s.deviceUpsert(ctx, addr, xor, bridge, "key_requested_at", s.now())
}

func (s *Store) deviceUpsert(ctx context.Context, addr string, xor uint32, bridge, col string, val any) error {
	now := s.now()
	cols, extra, args := "", "", []any{addr, xor, bridge, now, now}
	update := []string{"bridge_address", "last_seen_at"}
	if col != "" {
		cols, extra = ", "+col, ", ?"
		args = append(args, val)
		update = append(update, col)
	}
	_, err := s.db.ExecContext(ctx, `INSERT INTO devices (address, hardware_xor, bridge_address, first_seen_at, last_seen_at`+cols+`)
		VALUES (?, ?, ?, ?, ?`+extra+`)`+s.dialect.upsertSuffix("address", update...), args...)
	if err != nil {
		return fmt.Errorf("store: device %s: %w", addr, err)
	}
	return nil
}

// DevicePoweredOn records what a device says of itself when it starts.
func (s *Store) DevicePoweredOn(ctx context.Context, d Device) error {
	if err := s.DeviceSeen(ctx, d.Address, d.HardwareXor, d.BridgeAddress); err != nil {
		return err
	}
	_, err := s.db.ExecContext(ctx, `UPDATE devices SET device_type = ?, firmware_build = ?, loader_build = ?,
		protocol_version = ?, reset_description = ? WHERE address = ?`,
		d.DeviceType, d.FirmwareBuild, d.LoaderBuild, d.ProtocolVersion, d.ResetDescription, d.Address)
	if err != nil {
		return fmt.Errorf("store: device %s: %w", d.Address, err)
	}
	return nil
}

// DeviceTouch is a device's latest heartbeat, kept in memory and written in
// batches.
type DeviceTouch struct {
	Address string
	Uptime  uint32
	SeenAt  time.Time
}

// TouchBatch is how many devices TouchDevices writes at a time, each batch
// committed on its own. A batch holds SQLite's one writer while it is
// written: this many take a millisecond or two, so a request waiting to
// write is not held up, where all of a large instance's heartbeats at once
// took tens.
const TouchBatch = 200

// TouchDevices writes the last seen time and uptime of devices heard by a
// server instance, and forgets their key requests: a device that
// heartbeats has its key. Devices not yet recorded are skipped. They are
// written TouchBatch at a time, so other writers get in between; on an
// error the batches before it are written, and writing them again is
// harmless.
func (s *Store) TouchDevices(ctx context.Context, instance string, touches []DeviceTouch) error {
	for len(touches) > 0 {
		batch := touches[:min(len(touches), TouchBatch)]
		touches = touches[len(batch):]
		if err := s.touchDevices(ctx, instance, batch); err != nil {
			return err
		}
	}
	return nil
}

// touchDevices writes one batch in one statement, each device given its
// own values: on SQLite a join with a VALUES list (a little quicker than a
// prepared statement per device), on MySQL, where a statement is a round
// trip, a CASE on the address (a third of the time of one per device).
func (s *Store) touchDevices(ctx context.Context, instance string, touches []DeviceTouch) error {
	if s.dialect.name == "sqlite" {
		args := make([]any, 0, 3*len(touches)+1)
		for _, t := range touches {
			args = append(args, t.Address, t.SeenAt.UnixMilli(), t.Uptime)
		}
		args = append(args, instance)
		q := `UPDATE devices SET last_seen_at = v.column2, last_uptime = v.column3, key_requested_at = NULL
			FROM (VALUES (?, ?, ?)` + strings.Repeat(", (?, ?, ?)", len(touches)-1) + `) AS v
			WHERE devices.address = v.column1 AND (devices.seen_by IS NULL OR devices.seen_by = ?)`
		if _, err := s.db.ExecContext(ctx, q, args...); err != nil {
			return fmt.Errorf("store: touch %d devices: %w", len(touches), err)
		}
		return nil
	}
	n := len(touches)
	seen, uptime := make([]any, 0, 2*n), make([]any, 0, 2*n)
	in := make([]any, 0, n)
	for _, t := range touches {
		seen = append(seen, t.Address, t.SeenAt.UnixMilli())
		uptime = append(uptime, t.Address, t.Uptime)
		in = append(in, t.Address)
	}
	when := strings.Repeat(" WHEN ? THEN ?", n)
	q := `UPDATE devices SET last_seen_at = CASE address` + when + ` ELSE last_seen_at END,
		last_uptime = CASE address` + when + ` ELSE last_uptime END, key_requested_at = NULL
		WHERE (seen_by IS NULL OR seen_by = ?) AND address IN (?` + strings.Repeat(", ?", n-1) + `)`
	args := append(append(append(seen, uptime...), instance), in...)
	if _, err := s.db.ExecContext(ctx, q, args...); err != nil {
		return fmt.Errorf("store: touch %d devices: %w", n, err)
	}
	return nil
}

const deviceColumns = `address, hardware_xor, bridge_address, COALESCE(device_type, 0), firmware_build, loader_build,
	COALESCE(protocol_version, 0), COALESCE(reset_description, 0), COALESCE(last_uptime, 0), first_seen_at, last_seen_at, key_requested_at,
	COALESCE(claim_id, 0), COALESCE(paired_bridge, ''), paired_at, COALESCE(moved_bridge, ''), moved_at, COALESCE(seen_by, '')`

func scanDevice(row interface{ Scan(...any) error }) (Device, error) {
	var d Device
	var first, last int64
	var key, paired, moved sql.NullInt64
	err := row.Scan(&d.Address, &d.HardwareXor, &d.BridgeAddress, &d.DeviceType, &d.FirmwareBuild, &d.LoaderBuild,
		&d.ProtocolVersion, &d.ResetDescription, &d.LastUptime, &first, &last, &key,
		&d.ClaimID, &d.PairedBridge, &paired, &d.MovedBridge, &moved, &d.SeenBy)
	d.FirstSeenAt, d.LastSeenAt, d.KeyRequestedAt = time.UnixMilli(first).UTC(), time.UnixMilli(last).UTC(), millis(key)
	d.PairedAt, d.MovedAt = millis(paired), millis(moved)
	return d, err
}

// DeviceByAddress finds a device. It returns ErrNotFound if it never
// reported.
func (s *Store) DeviceByAddress(ctx context.Context, addr string) (Device, error) {
	d, err := scanDevice(s.read.QueryRowContext(ctx, `SELECT `+deviceColumns+` FROM devices WHERE address = ?`, addr))
	if errors.Is(err, sql.ErrNoRows) {
		return Device{}, fmt.Errorf("store: device %s: %w", addr, ErrNotFound)
	}
	if err != nil {
		return Device{}, fmt.Errorf("store: device %s: %w", addr, err)
	}
	return d, nil
}

// HoldDevice records that a server instance hears a device, unless another
// instance has heard it since heardSince: with several instances on one
// database, only one speaks for a device at a time (core/doc.go). It
// reports whether the instance holds the device. It returns ErrNotFound for
// a device never recorded.
func (s *Store) HoldDevice(ctx context.Context, addr, instance string, heardSince time.Time) (bool, error) {
	res, err := s.db.ExecContext(ctx, `UPDATE devices SET seen_by = ?, last_seen_at = ? WHERE address = ?
		AND (seen_by IS NULL OR seen_by = ? OR last_seen_at < ?)`, instance, s.now(), addr, instance, heardSince.UnixMilli())
	if err != nil {
		return false, fmt.Errorf("store: hold device %s: %w", addr, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("store: hold device %s: %w", addr, err)
	}
	if n == 0 {
		if _, err := s.DeviceByAddress(ctx, addr); err != nil {
			return false, err
		}
	}
	return n > 0, nil
}

// ReleaseDevices lets go of devices a server instance held (their socket
// closed): another instance may speak for them at once.
func (s *Store) ReleaseDevices(ctx context.Context, instance string, addrs []string) error {
	for len(addrs) > 0 {
		chunk := addrs[:min(len(addrs), 500)]
		addrs = addrs[len(chunk):]
		args := []any{instance}
		for _, a := range chunk {
			args = append(args, a)
		}
		if _, err := s.db.ExecContext(ctx, `UPDATE devices SET seen_by = NULL WHERE seen_by = ? AND address IN (?`+
			strings.Repeat(", ?", len(chunk)-1)+`)`, args...); err != nil {
			return fmt.Errorf("store: release devices: %w", err)
		}
	}
	return nil
}
