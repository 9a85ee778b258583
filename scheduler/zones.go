package scheduler

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"paperboy/store"
)

// CheckZones compares the rules of each time zone printers are in with
// those the due index was worked out with (the store's fingerprints): where
// the zone database now says otherwise (a country moved its clocks, or
// paperboy runs with newer zone data), the zone's subscriptions are worked
// out again. The zones the scheduler holds are loaded afresh. It returns
// how many subscriptions were set to be worked out again. It runs when the
// scheduler starts and daily (housekeeping).
func (s *Scheduler) CheckZones(ctx context.Context) (int64, error) {
	zones, err := s.store.ZonesInUse(ctx)
	if err != nil {
		return 0, err
	}
	year := s.clock.Now().UTC().Year()
	var total int64
	var errs []error
	for _, name := range zones {
		loc, err := time.LoadLocation(name)
		if err != nil || name == "" {
			continue // taken as UTC (zone), whose rules do not change
		}
		was, err := s.store.ZoneRulesOf(ctx, name)
		first := errors.Is(err, store.ErrNotFound)
		if err != nil && !first {
			errs = append(errs, err)
			continue
		}
		// A fingerprint covers two years from its own: compared over the
		// same years, then kept for this one.
		changed := !first && zoneFingerprint(loc, was.Year) != was.Fingerprint
		now := store.ZoneRules{Zone: name, Year: year, Fingerprint: zoneFingerprint(loc, year)}
		if !changed && !first && was.Year == year {
			continue
		}
		n, err := s.store.SetZoneRules(ctx, now, changed)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if changed {
			s.log.Warn("the zone's rules changed: its subscriptions' moments are worked out again", "time_zone", name, "subscriptions", n)
			total += n
		}
		s.mu.Lock()
		s.zones[name] = loc
		s.mu.Unlock()
	}
	if len(errs) > 0 {
		s.log.Error("check zones", slog.Any("error", errors.Join(errs...)))
		return total, errors.Join(errs...)
	}
	return total, nil
}

// zoneFingerprint is a hash of a zone's offsets and changes over two
// years from the start of year.
func zoneFingerprint(loc *time.Location, year int) string {
	h := sha256.New()
	at := time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC)
	end := time.Date(year+2, 1, 1, 0, 0, 0, 0, time.UTC)
	for at.Before(end) {
		name, off := at.In(loc).Zone()
		_, next := at.In(loc).ZoneBounds()
		fmt.Fprintf(h, "%d %s %d;", at.Unix(), name, off)
		if next.IsZero() || !next.After(at) {
			break
		}
		at = next
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}
