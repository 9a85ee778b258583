package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"
)

// Edition outcomes, as a claim records them.
const (
	OutcomePending      = ""              // claimed, being made
	OutcomeDelivered    = "delivered"     // queued for the printer: DeliveryID
	OutcomeNothingToday = "nothing_today" // the publication had nothing
	OutcomeFinished     = "finished"      // the publication ended the subscription: Reason
	OutcomeFailed       = "failed"        // not made: Reason
)

// Edition is the claim on one edition of a subscription: one per scheduled
// moment, on the printer's wall clock when it was claimed.
type Edition struct {
	SubscriptionID int64
	LocalMoment    string    // YYYY-MM-DDTHH:MM (LocalMomentLayout)
	DueAt          time.Time // the delivery moment
	ClaimedAt      time.Time
	// Token names the run holding the claim; only it may finish or release
	// it.
	Token      int64
	Outcome    string
	DeliveryID int64 // for OutcomeDelivered
	Reason     string
	DoneAt     time.Time // when the outcome was recorded; zero while pending
	// ETag is the ETag of the edition being delivered, if its publication
	// sent one: DeliverEdition keeps it as the subscription's LastETag.
	ETag string
}

// EditionResult is how an edition ended.
type EditionResult struct {
	Outcome    string // one of the Outcome constants but OutcomePending
	DeliveryID int64
	Reason     string
}

// LocalMomentLayout is the layout of an edition's local moment: the wall
// clock in its printer's zone, to the minute.
const LocalMomentLayout = "2006-01-02T15:04"

// maxReason is the longest reason stored (MySQL's VARCHAR(1024)).
const maxReason = 1024

// clip shortens a reason to what the columns hold, on a rune boundary,
// and says it was cut.
func clip(s string) string {
	if len(s) <= maxReason {
		return s
	}
	return clipTo(s, maxReason-len("…")) + "…"
}

// ClaimEdition claims the edition of a subscription for a local moment
// (LocalMomentLayout) before it is made: the claim row's unique key on
// (subscription, local moment) lets only one run, in this instance or any
// other sharing the database, make it. It reports false, with no error,
// when the edition is not the caller's to make, and returns the claim in
// the way: the same moment's (claimed already; Outcome says whether it is
// done), or a later one's (the printer's zone moved west, and editions
// never go back in time). A rival that won the race by a hair is reported
// with the caller's moment, pending.
//
// A claim still pending (its maker stopped before recording an outcome)
// whose claimed_at is before staleBefore is taken over; a zero staleBefore
// never takes one over. It returns ErrNotFound if the subscription does not
// exist.
func (s *Store) ClaimEdition(ctx context.Context, subID int64, localMoment string, dueAt, staleBefore time.Time) (Edition, bool, error) {
	if _, err := time.Parse(LocalMomentLayout, localMoment); err != nil {
		return Edition{}, false, fmt.Errorf("store: claim edition: local moment %q: want YYYY-MM-DDTHH:MM", localMoment)
	}
	// Not one transaction: a failed INSERT followed by an UPDATE of the
	// same key in one InnoDB transaction deadlocks against a rival doing
	// the same. Each statement is atomic on its own, which is all the
	// unique key needs; the look at the latest claim saves a failing INSERT
	// in the common case and guards the order of moments for zone changes.
	latest, err := s.LatestEdition(ctx, subID)
	if err != nil {
		return Edition{}, false, fmt.Errorf("store: claim edition: %w", err)
	}
	if latest.LocalMoment > localMoment {
		return latest, false, nil
	}
	e := Edition{SubscriptionID: subID, LocalMoment: localMoment, DueAt: time.UnixMilli(dueAt.UnixMilli()).UTC(),
		ClaimedAt: time.UnixMilli(s.now()).UTC(), Token: rand.Int64()}
	if latest.LocalMoment == localMoment {
		if latest.Outcome != OutcomePending || staleBefore.IsZero() || !latest.ClaimedAt.Before(staleBefore) {
			return latest, false, nil
		}
		n, err := s.exec(ctx, `UPDATE edition_claims SET due_at = ?, claimed_at = ?, token = ?
			WHERE subscription_id = ? AND local_moment = ? AND outcome = ? AND claimed_at < ?`,
			e.DueAt.UnixMilli(), e.ClaimedAt.UnixMilli(), e.Token, subID, localMoment, OutcomePending, staleBefore.UnixMilli())
		if err != nil {
			return Edition{}, false, fmt.Errorf("store: claim edition: take over: %w", err)
		}
		if n == 0 { // a rival took it over first
			return latest, false, nil
		}
		return e, true, nil
	}
	_, err = s.exec(ctx, `INSERT INTO edition_claims (subscription_id, local_moment, due_at, claimed_at, token) VALUES (?, ?, ?, ?, ?)`,
		subID, localMoment, e.DueAt.UnixMilli(), e.ClaimedAt.UnixMilli(), e.Token)
	switch {
	case err == nil:
		return e, true, nil
	case isDuplicate(err):
		return Edition{SubscriptionID: subID, LocalMoment: localMoment, DueAt: e.DueAt, ClaimedAt: e.ClaimedAt}, false, nil
	case isMissingParent(err):
		return Edition{}, false, fmt.Errorf("store: claim edition: subscription %d: %w", subID, ErrNotFound)
	default:
		return Edition{}, false, fmt.Errorf("store: claim edition: %w", err)
	}
}

// FinishEdition records how a claimed edition ended, in one transaction
// with what follows from it: a delivered edition counts in the
// subscription's delivery count, a finished one ends the subscription. It
// returns ErrNotFound if the claim is no longer the caller's (its token
// changed: it was taken over) or has an outcome already.
func (s *Store) FinishEdition(ctx context.Context, e Edition, r EditionResult) error {
	switch r.Outcome {
	case OutcomeDelivered, OutcomeNothingToday, OutcomeFinished, OutcomeFailed:
	default:
		return fmt.Errorf("store: finish edition: outcome %q", r.Outcome)
	}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		delivery := sql.NullInt64{Int64: r.DeliveryID, Valid: r.DeliveryID != 0}
		res, err := tx.ExecContext(ctx, `UPDATE edition_claims SET outcome = ?, delivery_id = ?, reason = ?, done_at = ?
			WHERE subscription_id = ? AND local_moment = ? AND token = ? AND outcome = ?`,
			r.Outcome, delivery, clip(r.Reason), s.now(), e.SubscriptionID, e.LocalMoment, e.Token, OutcomePending)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return fmt.Errorf("the claim of %s is not this run's: %w", e.LocalMoment, ErrNotFound)
		}
		switch r.Outcome {
		case OutcomeDelivered:
			_, err = tx.ExecContext(ctx, `UPDATE subscriptions SET delivery_count = delivery_count + 1 WHERE id = ?`, e.SubscriptionID)
		case OutcomeFinished:
			err = s.endSubscription(ctx, tx, e.SubscriptionID, r.Reason)
		case OutcomeFailed:
			err = s.raiseFailing(ctx, tx, e.SubscriptionID)
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("store: finish edition of subscription %d: %w", e.SubscriptionID, err)
	}
	return nil
}

// DeliverEdition queues a claimed edition's delivery and records it on the
// claim in one transaction, so an edition is either queued and recorded or
// neither: a run that fails between the two cannot leave a queued edition
// whose claim another run would take over and print again. It returns
// ErrNotFound, and queues nothing, if the claim is no longer the caller's.
func (s *Store) DeliverEdition(ctx context.Context, e Edition, n NewDelivery) (Delivery, error) {
	var d Delivery
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		if d, err = s.createDelivery(ctx, tx, n); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE edition_claims SET outcome = ?, delivery_id = ?, reason = '', done_at = ?
			WHERE subscription_id = ? AND local_moment = ? AND token = ? AND outcome = ?`,
			OutcomeDelivered, d.ID, s.now(), e.SubscriptionID, e.LocalMoment, e.Token, OutcomePending)
		if err != nil {
			return err
		}
		if k, err := res.RowsAffected(); err != nil {
			return err
		} else if k == 0 {
			return fmt.Errorf("the claim of %s is not this run's: %w", e.LocalMoment, ErrNotFound)
		}
		_, err = tx.ExecContext(ctx, `UPDATE subscriptions SET delivery_count = delivery_count + 1,
			last_etag = CASE WHEN ? = '' THEN last_etag ELSE ? END WHERE id = ?`, e.ETag, e.ETag, e.SubscriptionID)
		return err
	})
	if err != nil {
		return Delivery{}, fmt.Errorf("store: deliver edition of subscription %d: %w", e.SubscriptionID, err)
	}
	return d, nil
}

// PruneEditions deletes the claims of editions due before a time that are
// done: they only guard their moment while it can still be made (the
// scheduler's catch-up window), and are kept a while as history.
func (s *Store) PruneEditions(ctx context.Context, before time.Time) (int64, error) {
	res, err := s.db.ExecContext(ctx, `DELETE FROM edition_claims WHERE due_at < ? AND outcome <> ?`, before.UnixMilli(), OutcomePending)
	if err != nil {
		return 0, fmt.Errorf("store: prune editions: %w", err)
	}
	return res.RowsAffected()
}

// ReleaseEdition gives up a pending claim, so that the edition can be made
// by another run: done when a run stops before it could make it. It
// returns ErrNotFound if the claim is not the caller's or is not pending.
func (s *Store) ReleaseEdition(ctx context.Context, e Edition) error {
	return s.subscriptionExec(ctx, s.db, fmt.Sprintf("release edition %s of subscription %d", e.LocalMoment, e.SubscriptionID),
		`DELETE FROM edition_claims WHERE subscription_id = ? AND local_moment = ? AND token = ? AND outcome = ?`,
		e.SubscriptionID, e.LocalMoment, e.Token, OutcomePending)
}

const editionColumns = `subscription_id, local_moment, due_at, claimed_at, token, outcome, COALESCE(delivery_id, 0), reason, done_at`

func scanEdition(row interface{ Scan(...any) error }) (Edition, error) {
	var e Edition
	var due, claimed int64
	var done sql.NullInt64
	if err := row.Scan(&e.SubscriptionID, &e.LocalMoment, &due, &claimed, &e.Token, &e.Outcome, &e.DeliveryID, &e.Reason, &done); err != nil {
		return Edition{}, err
	}
	e.DueAt, e.ClaimedAt, e.DoneAt = time.UnixMilli(due).UTC(), time.UnixMilli(claimed).UTC(), millis(done)
	return e, nil
}

// LatestEdition is a subscription's claim of the latest local moment, zero
// if it has none.
func (s *Store) LatestEdition(ctx context.Context, subID int64) (Edition, error) {
	e, err := scanEdition(s.read.QueryRowContext(ctx, `SELECT `+editionColumns+` FROM edition_claims
		WHERE subscription_id = ? ORDER BY local_moment DESC LIMIT 1`, subID))
	if errors.Is(err, sql.ErrNoRows) {
		return Edition{}, nil
	}
	return e, err
}

// EditionsBySubscription lists a subscription's editions, the latest local
// moment first.
func (s *Store) EditionsBySubscription(ctx context.Context, subID int64, limit int) ([]Edition, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT `+editionColumns+` FROM edition_claims
		WHERE subscription_id = ? ORDER BY local_moment DESC LIMIT ?`, subID, limit)
	if err != nil {
		return nil, fmt.Errorf("store: editions: %w", err)
	}
	defer rows.Close()
	var out []Edition
	for rows.Next() {
		e, err := scanEdition(rows)
		if err != nil {
			return nil, fmt.Errorf("store: editions: %w", err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: editions: %w", err)
	}
	return out, nil
}
