package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Mode says when a print comes out: at once, or when the printer's button
// is pressed. Subscriptions keep theirs; every print has one.
type Mode string

// The modes.
const (
	ModeButton Mode = "button" // waits for the printer's button
	ModeNow    Mode = "now"    // prints at once
)

// Subscription is a printer's subscription to a publication.
type Subscription struct {
	ID          int64
	PrinterID   int64
	Publication string
	Config      map[string]string
	// Schedule is when editions are due, in the printer's zone: a cron
	// spec, or several joined by "; " (scheduler.Spec says what it means;
	// the store keeps it as text).
	Schedule      string
	Mode          Mode
	Paused        bool
	DeliveryCount int // editions delivered so far
	CreatedAt     time.Time
	EndedAt       time.Time // zero while it runs
	EndReason     string    // why it ended: the publication said it had finished
	// NextAt is the next moment to make, as the scheduler last worked it
	// out: zero while it is to be worked out or the subscription makes
	// nothing (paused or ended).
	NextAt time.Time
	// TimeZone is its printer's, read with it.
	TimeZone string
	// LastETag is the ETag of its last printed edition, for a publication
	// that sends them (a URL publication): an edition with the same one
	// is nothing new.
	LastETag string
	// PushID names a push subscription's endpoint (BERG's Push API); ""
	// for a scheduled one.
	PushID string
}

// NewSubscription is a subscription to store.
type NewSubscription struct {
	PrinterID   int64
	Publication string
	Config      map[string]string
	Schedule    string // a cron spec, checked by the caller (scheduler.ParseSpec)
	Mode        Mode   // "" is ModeButton
	// PushID makes it a push subscription: no schedule, an endpoint of its
	// own (40 hex characters).
	PushID string
}

// SubscriptionUpdate changes a subscription: nil fields stay as they are.
type SubscriptionUpdate struct {
	Config   map[string]string
	Schedule *string
	Mode     *Mode
}

// maxSchedule is the longest schedule stored (MySQL's VARCHAR(255)).
const maxSchedule = 255

// checkSubscription says what is wrong with a subscription's schedule and
// mode. What a schedule means is the scheduler's to check; the store only
// keeps it.
func checkSubscription(schedule string, mode Mode, push bool) error {
	switch {
	case push && schedule != "":
		return errors.New("store: a push subscription has no schedule: it prints what is pushed")
	case !push && strings.TrimSpace(schedule) == "":
		return errors.New("store: subscription has no schedule")
	case len(schedule) > maxSchedule:
		return fmt.Errorf("store: subscription schedule of %d bytes: at most %d", len(schedule), maxSchedule)
	case mode != ModeButton && mode != ModeNow:
		return fmt.Errorf("store: subscription mode %q: want %q or %q", mode, ModeButton, ModeNow)
	}
	return nil
}

func configJSON(c map[string]string) (string, error) {
	if c == nil {
		return "{}", nil
	}
	b, err := json.Marshal(c)
	return string(b), err
}

// CreateSubscription stores a new subscription. It returns ErrNotFound if
// the printer does not exist.
func (s *Store) CreateSubscription(ctx context.Context, n NewSubscription) (Subscription, error) {
	if n.Mode == "" {
		n.Mode = ModeButton
	}
	if err := checkSubscription(n.Schedule, n.Mode, n.PushID != ""); err != nil {
		return Subscription{}, err
	}
	if n.Publication == "" {
		return Subscription{}, errors.New("store: subscription names no publication")
	}
	cfg, err := configJSON(n.Config)
	if err != nil {
		return Subscription{}, fmt.Errorf("store: subscription config: %w", err)
	}
	now := s.now()
	// A push subscription is never due: it is out of the due index (NULL).
	res, err := s.db.ExecContext(ctx, `INSERT INTO subscriptions (printer_id, publication, config, schedule, mode, created_at, next_at, push_id)
		VALUES (?, ?, ?, ?, ?, ?, CASE WHEN ? = '' THEN 0 END, ?)`, n.PrinterID, n.Publication, cfg, n.Schedule, n.Mode, now, n.PushID, nullText(n.PushID))
	if isMissingParent(err) {
		return Subscription{}, fmt.Errorf("store: subscription: printer %d: %w", n.PrinterID, ErrNotFound)
	}
	if isDuplicate(err) {
		return Subscription{}, fmt.Errorf("store: subscription: push id: %w", ErrConflict)
	}
	if err != nil {
		return Subscription{}, fmt.Errorf("store: create subscription: %w", err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return Subscription{}, err
	}
	return s.subscription(ctx, s.db, id)
}

const subscriptionColumns = `s.id, s.printer_id, s.publication, s.config, s.schedule, s.mode, s.paused,
	s.delivery_count, s.created_at, s.ended_at, s.end_reason, s.next_at, p.time_zone, s.last_etag, s.push_id`

const subscriptionFrom = ` FROM subscriptions s JOIN printers p ON p.id = s.printer_id`

func scanSubscription(row interface{ Scan(...any) error }) (Subscription, error) {
	var sub Subscription
	var cfg string
	var created int64
	var ended, next sql.NullInt64
	var push sql.NullString
	if err := row.Scan(&sub.ID, &sub.PrinterID, &sub.Publication, &cfg, &sub.Schedule, &sub.Mode, &sub.Paused,
		&sub.DeliveryCount, &created, &ended, &sub.EndReason, &next, &sub.TimeZone, &sub.LastETag, &push); err != nil {
		return Subscription{}, err
	}
	if err := json.Unmarshal([]byte(cfg), &sub.Config); err != nil {
		return Subscription{}, fmt.Errorf("subscription %d config: %w", sub.ID, err)
	}
	if sub.Config == nil {
		sub.Config = map[string]string{}
	}
	sub.CreatedAt, sub.EndedAt, sub.PushID = time.UnixMilli(created).UTC(), millis(ended), push.String
	if next.Int64 > 0 {
		sub.NextAt = time.UnixMilli(next.Int64).UTC()
	}
	return sub, nil
}

func (s *Store) subscription(ctx context.Context, q queryer, id int64) (Subscription, error) {
	sub, err := scanSubscription(q.QueryRowContext(ctx, `SELECT `+subscriptionColumns+subscriptionFrom+` WHERE s.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Subscription{}, fmt.Errorf("store: subscription %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return Subscription{}, fmt.Errorf("store: subscription %d: %w", id, err)
	}
	return sub, nil
}

// SubscriptionByID finds a subscription. It returns ErrNotFound if there is
// none.
func (s *Store) SubscriptionByID(ctx context.Context, id int64) (Subscription, error) {
	return s.subscription(ctx, s.db, id)
}

func (s *Store) subscriptions(ctx context.Context, where string, args ...any) ([]Subscription, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT `+subscriptionColumns+subscriptionFrom+` WHERE `+where+` ORDER BY s.id`, args...)
	out, err := scanSubscriptions(rows, err)
	if err != nil {
		return nil, fmt.Errorf("store: subscriptions: %w", err)
	}
	return out, nil
}

// scanSubscriptions reads the rows of a query of subscriptions, and
// closes them.
func scanSubscriptions(rows *sql.Rows, err error) ([]Subscription, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Subscription
	for rows.Next() {
		sub, err := scanSubscription(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, sub)
	}
	return out, rows.Err()
}

// SubscriptionsByPrinter lists a printer's subscriptions, ended ones too,
// oldest first.
func (s *Store) SubscriptionsByPrinter(ctx context.Context, printerID int64) ([]Subscription, error) {
	return s.subscriptions(ctx, `s.printer_id = ?`, printerID)
}

// ActiveSubscriptions lists every subscription that is neither paused nor
// ended, with its printer's time zone, in id order. It reads them all: the
// scheduler asks only for DueSubscriptions.
func (s *Store) ActiveSubscriptions(ctx context.Context) ([]Subscription, error) {
	return s.subscriptions(ctx, `s.ended_at IS NULL AND s.paused = 0`)
}

// DueSubscriptions lists the active subscriptions whose next moment is at
// or before by, or is to be worked out, soonest first, after the one given
// (the last of the previous page; the zero Subscription for the first),
// at most limit: what the scheduler looks at on each tick. It reads the
// due index (subscriptions.next_at, with the id as every index has it), so
// its cost is that of what is due, not of all the subscriptions there are.
func (s *Store) DueSubscriptions(ctx context.Context, by time.Time, after Subscription, limit int) ([]Subscription, error) {
	last := unixMilliOrZero(after.NextAt)
	st, err := s.prepared(ctx, s.read, dueQuery)
	if err != nil {
		return nil, fmt.Errorf("store: due subscriptions: %w", err)
	}
	out, err := scanSubscriptions(st.QueryContext(ctx, by.UnixMilli(), last, last, after.ID, limit))
	if err != nil {
		return nil, fmt.Errorf("store: due subscriptions: %w", err)
	}
	return out, nil
}

const dueQuery = `SELECT ` + subscriptionColumns + subscriptionFrom + `
	WHERE s.next_at <= ? AND (s.next_at > ? OR s.next_at = ? AND s.id > ?) ORDER BY s.next_at, s.id LIMIT ?`

// SetNextAt moves the time a subscription is next looked at from one time
// (zero: to be worked out) to another, if it is still from: a rival that
// moved it first, or a change by its subscriber (which sets it to be worked
// out), or its pausing or end, wins. It reports whether it moved.
func (s *Store) SetNextAt(ctx context.Context, id int64, from, to time.Time) (bool, error) {
	n, err := s.exec(ctx, `UPDATE subscriptions SET next_at = ? WHERE id = ? AND next_at = ?`,
		unixMilliOrZero(to), id, unixMilliOrZero(from))
	if err != nil {
		return false, fmt.Errorf("store: subscription %d next moment: %w", id, err)
	}
	return n > 0, nil
}

// unixMilliOrZero is t in unix milliseconds, 0 for the zero time.
func unixMilliOrZero(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

// rework is the next_at of a subscription whose schedule may have changed:
// to be worked out, unless it makes nothing.
const rework = `next_at = CASE WHEN ended_at IS NULL AND paused = 0 AND push_id IS NULL THEN 0 END`

// UpdateSubscription changes a subscription's config, times or mode and
// returns it. It returns ErrNotFound if there is none.
func (s *Store) UpdateSubscription(ctx context.Context, id int64, upd SubscriptionUpdate) (Subscription, error) {
	var out Subscription
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		cur, err := s.subscription(ctx, tx, id)
		if err != nil {
			return err
		}
		if upd.Config != nil {
			cur.Config = upd.Config
		}
		changed := upd.Schedule != nil && *upd.Schedule != cur.Schedule
		if upd.Schedule != nil {
			cur.Schedule = *upd.Schedule
		}
		if upd.Mode != nil {
			cur.Mode = *upd.Mode
		}
		if err := checkSubscription(cur.Schedule, cur.Mode, cur.PushID != ""); err != nil {
			return err
		}
		cfg, err := configJSON(cur.Config)
		if err != nil {
			return err
		}
		q := `UPDATE subscriptions SET config = ?, schedule = ?, mode = ? WHERE id = ?`
		if changed {
			q = `UPDATE subscriptions SET config = ?, schedule = ?, mode = ?, ` + rework + ` WHERE id = ?`
			cur.NextAt = time.Time{}
		}
		if _, err := tx.ExecContext(ctx, q, cfg, cur.Schedule, cur.Mode, id); err != nil {
			return fmt.Errorf("store: update subscription %d: %w", id, err)
		}
		out = cur
		return nil
	})
	return out, err
}

// subscriptionExec runs an UPDATE or DELETE of one subscription; none
// matching is ErrNotFound.
func (s *Store) subscriptionExec(ctx context.Context, q queryer, what, query string, args ...any) error {
	res, err := q.ExecContext(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("store: %s: %w", what, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("store: %s: %w", what, err)
	} else if n == 0 {
		return fmt.Errorf("store: %s: %w", what, ErrNotFound)
	}
	return nil
}

// PauseSubscription pauses a subscription or resumes it (its next moment
// then to be worked out). It returns ErrNotFound if there is none.
func (s *Store) PauseSubscription(ctx context.Context, id int64, paused bool) error {
	// paused is set first: MySQL's later assignments see the earlier ones,
	// and SQLite's all see the row as it was, hence no use of it in rework.
	return s.subscriptionExec(ctx, s.db, fmt.Sprintf("pause subscription %d", id),
		`UPDATE subscriptions SET paused = ?, next_at = CASE WHEN ? OR ended_at IS NOT NULL OR push_id IS NOT NULL THEN NULL ELSE 0 END WHERE id = ?`, paused, paused, id)
}

// DeleteSubscription deletes a subscription and its editions' claims. It
// returns ErrNotFound if there is none.
func (s *Store) DeleteSubscription(ctx context.Context, id int64) error {
	return s.subscriptionExec(ctx, s.db, fmt.Sprintf("delete subscription %d", id),
		`DELETE FROM subscriptions WHERE id = ?`, id)
}

// IncrementDeliveryCount counts one more edition delivered.
func (s *Store) IncrementDeliveryCount(ctx context.Context, id int64) error {
	return s.subscriptionExec(ctx, s.db, fmt.Sprintf("subscription %d delivery count", id),
		`UPDATE subscriptions SET delivery_count = delivery_count + 1 WHERE id = ?`, id)
}

// EndSubscription ends a subscription for good (its publication finished),
// saying why. Ending one that has ended keeps the first end. It returns
// ErrNotFound if there is none.
func (s *Store) EndSubscription(ctx context.Context, id int64, reason string) error {
	return s.inTx(ctx, func(tx *sql.Tx) error { return s.endSubscription(ctx, tx, id, reason) })
}

// endSubscription ends a subscription in q, a transaction, and tells its
// owner if it was running.
func (s *Store) endSubscription(ctx context.Context, q queryer, id int64, reason string) error {
	if err := s.raiseEnded(ctx, q, "s.id = ?", id, reason); err != nil {
		return fmt.Errorf("store: end subscription %d: %w", id, err)
	}
	// end_reason is set first: MySQL's later assignments see the earlier ones.
	return s.subscriptionExec(ctx, q, fmt.Sprintf("end subscription %d", id),
		`UPDATE subscriptions SET end_reason = CASE WHEN ended_at IS NULL THEN ? ELSE end_reason END, ended_at = COALESCE(ended_at, ?), next_at = NULL WHERE id = ?`,
		clip(reason), s.now(), id)
}
