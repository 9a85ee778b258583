package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
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

// AllDays is a Days mask with every weekday.
const AllDays = 1<<7 - 1

// Subscription is a printer's subscription to a publication.
type Subscription struct {
	ID          int64
	PrinterID   int64
	Publication string
	Config      map[string]string
	// Hour and Minute are when editions are due, in the printer's zone.
	Hour, Minute int
	// Days are the weekdays editions are due on: bit d for time.Weekday d
	// (Sunday is bit 0); 0 for every day the publication publishes.
	Days          uint8
	Mode          Mode
	Paused        bool
	DeliveryCount int // editions delivered so far
	CreatedAt     time.Time
	EndedAt       time.Time // zero while it runs
	EndReason     string    // why it ended: the publication said it had finished
	// TimeZone is its printer's: filled in by ActiveSubscriptions.
	TimeZone string
}

// NewSubscription is a subscription to store.
type NewSubscription struct {
	PrinterID    int64
	Publication  string
	Config       map[string]string
	Hour, Minute int
	Days         uint8 // 0: every day the publication publishes
	Mode         Mode  // "" is ModeButton
}

// SubscriptionUpdate changes a subscription: nil fields stay as they are.
type SubscriptionUpdate struct {
	Config       map[string]string
	Hour, Minute *int
	Days         *uint8
	Mode         *Mode
}

// checkSubscription says what is wrong with a subscription's times and mode.
func checkSubscription(hour, minute int, days uint8, mode Mode) error {
	switch {
	case hour < 0 || hour > 23:
		return fmt.Errorf("store: subscription hour %d: want 0 to 23", hour)
	case minute < 0 || minute > 59:
		return fmt.Errorf("store: subscription minute %d: want 0 to 59", minute)
	case days > AllDays:
		return fmt.Errorf("store: subscription days %#x: want a mask of 7 weekdays", days)
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
	if err := checkSubscription(n.Hour, n.Minute, n.Days, n.Mode); err != nil {
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
	res, err := s.db.ExecContext(ctx, `INSERT INTO subscriptions (printer_id, publication, config, hour, minute, days, mode, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, n.PrinterID, n.Publication, cfg, n.Hour, n.Minute, n.Days, n.Mode, now)
	if isMissingParent(err) {
		return Subscription{}, fmt.Errorf("store: subscription: printer %d: %w", n.PrinterID, ErrNotFound)
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

const subscriptionColumns = `s.id, s.printer_id, s.publication, s.config, s.hour, s.minute, s.days, s.mode, s.paused,
	s.delivery_count, s.created_at, s.ended_at, s.end_reason, p.time_zone`

const subscriptionFrom = ` FROM subscriptions s JOIN printers p ON p.id = s.printer_id`

func scanSubscription(row interface{ Scan(...any) error }) (Subscription, error) {
	var sub Subscription
	var cfg string
	var created int64
	var ended sql.NullInt64
	if err := row.Scan(&sub.ID, &sub.PrinterID, &sub.Publication, &cfg, &sub.Hour, &sub.Minute, &sub.Days, &sub.Mode, &sub.Paused,
		&sub.DeliveryCount, &created, &ended, &sub.EndReason, &sub.TimeZone); err != nil {
		return Subscription{}, err
	}
	if err := json.Unmarshal([]byte(cfg), &sub.Config); err != nil {
		return Subscription{}, fmt.Errorf("subscription %d config: %w", sub.ID, err)
	}
	if sub.Config == nil {
		sub.Config = map[string]string{}
	}
	sub.CreatedAt, sub.EndedAt = time.UnixMilli(created).UTC(), millis(ended)
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
	if err != nil {
		return nil, fmt.Errorf("store: subscriptions: %w", err)
	}
	defer rows.Close()
	var out []Subscription
	for rows.Next() {
		sub, err := scanSubscription(rows)
		if err != nil {
			return nil, fmt.Errorf("store: subscriptions: %w", err)
		}
		out = append(out, sub)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: subscriptions: %w", err)
	}
	return out, nil
}

// SubscriptionsByPrinter lists a printer's subscriptions, ended ones too,
// oldest first.
func (s *Store) SubscriptionsByPrinter(ctx context.Context, printerID int64) ([]Subscription, error) {
	return s.subscriptions(ctx, `s.printer_id = ?`, printerID)
}

// ActiveSubscriptions lists every subscription that is neither paused nor
// ended, with its printer's time zone, in id order: what the scheduler looks
// at on each tick. It is one indexed query with a join on the primary key.
func (s *Store) ActiveSubscriptions(ctx context.Context) ([]Subscription, error) {
	return s.subscriptions(ctx, `s.ended_at IS NULL AND s.paused = 0`)
}

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
		if upd.Hour != nil {
			cur.Hour = *upd.Hour
		}
		if upd.Minute != nil {
			cur.Minute = *upd.Minute
		}
		if upd.Days != nil {
			cur.Days = *upd.Days
		}
		if upd.Mode != nil {
			cur.Mode = *upd.Mode
		}
		if err := checkSubscription(cur.Hour, cur.Minute, cur.Days, cur.Mode); err != nil {
			return err
		}
		cfg, err := configJSON(cur.Config)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE subscriptions SET config = ?, hour = ?, minute = ?, days = ?, mode = ? WHERE id = ?`,
			cfg, cur.Hour, cur.Minute, cur.Days, cur.Mode, id); err != nil {
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

// PauseSubscription pauses a subscription or resumes it. It returns
// ErrNotFound if there is none.
func (s *Store) PauseSubscription(ctx context.Context, id int64, paused bool) error {
	return s.subscriptionExec(ctx, s.db, fmt.Sprintf("pause subscription %d", id),
		`UPDATE subscriptions SET paused = ? WHERE id = ?`, paused, id)
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
	return s.endSubscription(ctx, s.db, id, reason)
}

func (s *Store) endSubscription(ctx context.Context, q queryer, id int64, reason string) error {
	// end_reason is set first: MySQL's later assignments see the earlier ones.
	return s.subscriptionExec(ctx, q, fmt.Sprintf("end subscription %d", id),
		`UPDATE subscriptions SET end_reason = CASE WHEN ended_at IS NULL THEN ? ELSE end_reason END, ended_at = COALESCE(ended_at, ?) WHERE id = ?`,
		clip(reason), s.now(), id)
}
