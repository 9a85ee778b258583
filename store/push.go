package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// BERG's Push API: a publication pushes editions to its subscriptions'
// endpoints, signing with its credentials.

// nullText is a text column's value, NULL for "".
func nullText(v string) sql.NullString { return sql.NullString{String: v, Valid: v != ""} }

// SubscriptionByPushID finds a push subscription by its endpoint's id. It
// returns ErrNotFound if there is none (it was never made, or deleted).
func (s *Store) SubscriptionByPushID(ctx context.Context, pushID string) (Subscription, error) {
	sub, err := scanSubscription(s.read.QueryRowContext(ctx, `SELECT `+subscriptionColumns+subscriptionFrom+` WHERE s.push_id = ?`, pushID))
	if errors.Is(err, sql.ErrNoRows) {
		return Subscription{}, fmt.Errorf("store: push subscription: %w", ErrNotFound)
	}
	if err != nil {
		return Subscription{}, fmt.Errorf("store: push subscription: %w", err)
	}
	return sub, nil
}

// PublicationCredentials are what a publication pushes with: OAuth 1.0
// (consumer key and secret, token and secret) or a bearer token, of which
// only the hash is kept.
type PublicationCredentials struct {
	Publication    string
	ConsumerKey    string
	ConsumerSecret string
	Token          string
	TokenSecret    string
	BearerHash     string
}

// SetPublicationCredentials gives a publication new credentials; its old
// ones stop working.
func (s *Store) SetPublicationCredentials(ctx context.Context, c PublicationCredentials) error {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM publication_credentials WHERE publication = ?`, c.Publication); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO publication_credentials (publication, consumer_key, consumer_secret, token, token_secret, bearer_hash, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, c.Publication, c.ConsumerKey, c.ConsumerSecret, c.Token, c.TokenSecret, c.BearerHash, s.now())
		return err
	})
	if err != nil {
		return fmt.Errorf("store: credentials of %s: %w", c.Publication, err)
	}
	return nil
}

// PublicationCredentialsBy finds credentials by their consumer key
// ("consumer_key") or bearer token's hash ("bearer_hash"). It returns
// ErrNotFound if there are none.
func (s *Store) PublicationCredentialsBy(ctx context.Context, column, value string) (PublicationCredentials, error) {
	if column != "consumer_key" && column != "bearer_hash" && column != "publication" {
		return PublicationCredentials{}, fmt.Errorf("store: credentials by %q", column)
	}
	var c PublicationCredentials
	err := s.read.QueryRowContext(ctx, `SELECT publication, consumer_key, consumer_secret, token, token_secret, bearer_hash
		FROM publication_credentials WHERE `+column+` = ?`, value).Scan(&c.Publication, &c.ConsumerKey, &c.ConsumerSecret, &c.Token, &c.TokenSecret, &c.BearerHash)
	if errors.Is(err, sql.ErrNoRows) {
		return c, fmt.Errorf("store: credentials: %w", ErrNotFound)
	}
	if err != nil {
		return c, fmt.Errorf("store: credentials: %w", err)
	}
	return c, nil
}

// RecordPush remembers that a delivery was pushed through a subscription,
// for its status URL.
func (s *Store) RecordPush(ctx context.Context, deliveryID, subscriptionID int64) error {
	if _, err := s.db.ExecContext(ctx, `INSERT INTO push_deliveries (delivery_id, subscription_id) VALUES (?, ?)`, deliveryID, subscriptionID); err != nil {
		return fmt.Errorf("store: record push: %w", err)
	}
	return nil
}

// PushedDelivery is a delivery pushed through a subscription. It returns
// ErrNotFound for any other.
func (s *Store) PushedDelivery(ctx context.Context, subscriptionID, deliveryID int64) (Delivery, error) {
	var n int
	if err := s.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM push_deliveries WHERE delivery_id = ? AND subscription_id = ?`,
		deliveryID, subscriptionID).Scan(&n); err != nil {
		return Delivery{}, fmt.Errorf("store: pushed delivery: %w", err)
	}
	if n == 0 {
		return Delivery{}, fmt.Errorf("store: pushed delivery %d: %w", deliveryID, ErrNotFound)
	}
	return s.DeliveryByID(ctx, deliveryID)
}

// WaitingPushes counts a subscription's pushed deliveries not finished.
func (s *Store) WaitingPushes(ctx context.Context, subscriptionID int64) (int, error) {
	var n int
	err := s.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM push_deliveries p JOIN deliveries d ON d.id = p.delivery_id
		WHERE p.subscription_id = ? AND d.state IN (?, ?)`, subscriptionID, StatePending, StateSent).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("store: waiting pushes: %w", err)
	}
	return n, nil
}
