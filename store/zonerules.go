package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// ZoneRules is the fingerprint of a zone's rules that its subscriptions'
// next moments were worked out with.
type ZoneRules struct {
	Zone        string
	Year        int // the fingerprint covers this year and the next
	Fingerprint string
}

// ZonesInUse lists the time zones printers are in.
func (s *Store) ZonesInUse(ctx context.Context) ([]string, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT DISTINCT time_zone FROM printers ORDER BY time_zone`)
	if err != nil {
		return nil, fmt.Errorf("store: zones in use: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var z string
		if err := rows.Scan(&z); err != nil {
			return nil, fmt.Errorf("store: zones in use: %w", err)
		}
		out = append(out, z)
	}
	return out, rows.Err()
}

// ZoneRulesOf is the fingerprint recorded for a zone; ErrNotFound if
// there is none yet.
func (s *Store) ZoneRulesOf(ctx context.Context, zone string) (ZoneRules, error) {
	r := ZoneRules{Zone: zone}
	err := s.db.QueryRowContext(ctx, `SELECT year, fingerprint FROM zone_rules WHERE zone = ?`, zone).Scan(&r.Year, &r.Fingerprint)
	if errors.Is(err, sql.ErrNoRows) {
		return r, fmt.Errorf("store: zone rules of %s: %w", zone, ErrNotFound)
	}
	if err != nil {
		return r, fmt.Errorf("store: zone rules of %s: %w", zone, err)
	}
	return r, nil
}

// SetZoneRules records a zone's fingerprint and, if rework, sets the next
// moment of every active subscription of a printer in the zone to be
// worked out again, in one transaction. It returns how many were.
func (s *Store) SetZoneRules(ctx context.Context, r ZoneRules, rework bool) (int64, error) {
	var n int64
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM zone_rules WHERE zone = ?`, r.Zone); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO zone_rules (zone, year, fingerprint) VALUES (?, ?, ?)`, r.Zone, r.Year, r.Fingerprint); err != nil {
			return err
		}
		if !rework {
			return nil
		}
		res, err := tx.ExecContext(ctx, `UPDATE subscriptions SET next_at = 0
			WHERE next_at IS NOT NULL AND printer_id IN (SELECT id FROM printers WHERE time_zone = ?)`, r.Zone)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("store: zone rules of %s: %w", r.Zone, err)
	}
	return n, nil
}
