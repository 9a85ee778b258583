package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// URLPublication is a publication that is a URL: a web server speaking
// BERG Cloud's contract (plugins/berg). Its meta.json is kept as it was
// read; the server parses it.
type URLPublication struct {
	Name string
	URL  string
	// Owner is the user who added it for their own printers; 0 for an
	// operator's, which is everyone's.
	Owner    int64
	Meta     []byte // meta.json as last read
	MetaETag string
	Icon     []byte // icon.png, or nil
	Created  time.Time
	// Checked is when meta.json was last asked for, answered or not.
	Checked time.Time
	// FailingSince is when it stopped answering, zero while it answers;
	// LastError says how it failed.
	FailingSince time.Time
	LastError    string
}

// CreateURLPublication stores a new URL publication. It returns
// ErrConflict if its name is taken.
func (s *Store) CreateURLPublication(ctx context.Context, p URLPublication) error {
	now := s.now()
	_, err := s.db.ExecContext(ctx, `INSERT INTO url_publications (name, url, owner_id, meta, meta_etag, icon, created_at, checked_at, failing_since, last_error)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, '')`, p.Name, p.URL, nullID(p.Owner), p.Meta, p.MetaETag, p.Icon, now, now)
	switch {
	case isDuplicate(err):
		return fmt.Errorf("store: publication %q: %w", p.Name, ErrConflict)
	case isMissingParent(err):
		return fmt.Errorf("store: publication %q: user %d: %w", p.Name, p.Owner, ErrNotFound)
	case err != nil:
		return fmt.Errorf("store: create publication %q: %w", p.Name, err)
	}
	return nil
}

const urlPublicationColumns = `name, url, owner_id, meta, meta_etag, icon, created_at, checked_at, failing_since, last_error`

func scanURLPublication(row interface{ Scan(...any) error }) (URLPublication, error) {
	var p URLPublication
	var owner, failing sql.NullInt64
	var created, checked int64
	if err := row.Scan(&p.Name, &p.URL, &owner, &p.Meta, &p.MetaETag, &p.Icon, &created, &checked, &failing, &p.LastError); err != nil {
		return URLPublication{}, err
	}
	p.Owner = owner.Int64
	p.Created, p.Checked, p.FailingSince = time.UnixMilli(created).UTC(), time.UnixMilli(checked).UTC(), millis(failing)
	return p, nil
}

// URLPublications lists the URL publications, everyone's and every user's,
// by name.
func (s *Store) URLPublications(ctx context.Context) ([]URLPublication, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT `+urlPublicationColumns+` FROM url_publications ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("store: url publications: %w", err)
	}
	defer rows.Close()
	var out []URLPublication
	for rows.Next() {
		p, err := scanURLPublication(rows)
		if err != nil {
			return nil, fmt.Errorf("store: url publications: %w", err)
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: url publications: %w", err)
	}
	return out, nil
}

// URLPublicationByName finds a URL publication. It returns ErrNotFound if
// there is none.
func (s *Store) URLPublicationByName(ctx context.Context, name string) (URLPublication, error) {
	p, err := scanURLPublication(s.read.QueryRowContext(ctx, `SELECT `+urlPublicationColumns+` FROM url_publications WHERE name = ?`, name))
	if errors.Is(err, sql.ErrNoRows) {
		return URLPublication{}, fmt.Errorf("store: publication %q: %w", name, ErrNotFound)
	}
	if err != nil {
		return URLPublication{}, fmt.Errorf("store: publication %q: %w", name, err)
	}
	return p, nil
}

// CountURLPublications is how many URL publications a user has added.
func (s *Store) CountURLPublications(ctx context.Context, owner int64) (int, error) {
	var n int
	if err := s.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM url_publications WHERE owner_id = ?`, owner).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: count url publications: %w", err)
	}
	return n, nil
}

// URLPublicationChecked records a reading of a publication's meta.json:
// with meta, what it now says (nil: unchanged, as a 304 said); with an
// error, that it did not answer (since the first failure of a run). A
// publication removed meanwhile is no error.
func (s *Store) URLPublicationChecked(ctx context.Context, name string, meta []byte, etag string, icon []byte, failure error) error {
	now := s.now()
	var err error
	switch {
	case failure != nil:
		_, err = s.db.ExecContext(ctx, `UPDATE url_publications SET checked_at = ?, failing_since = COALESCE(failing_since, ?), last_error = ? WHERE name = ?`,
			now, now, clip(failure.Error()), name)
	case meta == nil:
		_, err = s.db.ExecContext(ctx, `UPDATE url_publications SET checked_at = ?, failing_since = NULL, last_error = '' WHERE name = ?`, now, name)
	default:
		_, err = s.db.ExecContext(ctx, `UPDATE url_publications SET meta = ?, meta_etag = ?, icon = COALESCE(?, icon), checked_at = ?, failing_since = NULL, last_error = '' WHERE name = ?`,
			meta, etag, icon, now, name)
	}
	if err != nil {
		return fmt.Errorf("store: publication %q checked: %w", name, err)
	}
	return nil
}

// DeleteURLPublication removes a URL publication and ends its
// subscriptions, saying why, in one transaction. It returns ErrNotFound if
// there is none.
func (s *Store) DeleteURLPublication(ctx context.Context, name, reason string) error {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM url_publications WHERE name = ?`, name)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return ErrNotFound
		}
		if err := s.raiseEnded(ctx, tx, "s.publication = ?", name, reason); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE subscriptions SET end_reason = CASE WHEN ended_at IS NULL THEN ? ELSE end_reason END,
			ended_at = COALESCE(ended_at, ?), next_at = NULL WHERE publication = ?`, clip(reason), s.now(), name)
		return err
	})
	if err != nil {
		return fmt.Errorf("store: delete publication %q: %w", name, err)
	}
	return nil
}
