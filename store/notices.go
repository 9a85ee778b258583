package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"
)

// Notices tell an owner what happened that they should know of. Each kind
// is raised in one place: in the transaction of the change it tells of
// (a print given up, a subscription ended, a friendship made, a key's
// first print), or by a scan with a dedupe key (a printer unheard of too
// long). Raising only writes the notice; FanOutNotices makes its sends to
// the owner's channels afterwards, and the server sends them at least
// once, like prints.

// Kinds of notice.
const (
	NoticePrintFailed        = "print_failed"        // subject: printer; detail: why
	NoticePrintExpired       = "print_expired"       // subject: printer; detail: how many
	NoticePrinterOffline     = "printer_offline"     // subject: printer; detail: last heard of, unix ms
	NoticeSubscriptionEnded  = "subscription_ended"  // subject: publication; detail: why
	NoticePublicationFailing = "publication_failing" // subject: publication; detail: days failing
	NoticeFriendAdded        = "friend_added"        // subject: the friend's name ("" if none)
	NoticeKeyFirstUse        = "key_first_use"       // subject: the key's name; detail: its sender
	NoticeTest               = "test"                // the webhook's test button: to the webhook only
)

// NoticeKinds are the kinds an owner chooses channels for, in the order
// the settings show them.
var NoticeKinds = []string{NoticePrintFailed, NoticePrintExpired, NoticePrinterOffline, NoticeSubscriptionEnded,
	NoticePublicationFailing, NoticeFriendAdded, NoticeKeyFirstUse}

// Channels is a set of the ways a notice reaches its owner.
type Channels int

// Channels.
const (
	ChannelList    Channels = 1 // the web app's notice list
	ChannelPush    Channels = 2 // Web Push to browsers and the installed app
	ChannelWebhook Channels = 4 // the owner's signed webhook
	AllChannels             = ChannelList | ChannelPush | ChannelWebhook
)

// FailingDays is how long a subscription's editions fail running before
// its owner is told: its first failure in a row is this many days before
// the latest (three days' editions, for a daily one).
const FailingDays = 2

// Notice is one thing an owner is told of.
type Notice struct {
	ID          int64
	UserID      int64
	Kind        string
	PrinterID   int64  // 0: not about a printer
	PrinterName string // as it is named now; "" if none
	Subject     string
	Detail      string
	CreatedAt   time.Time
	ReadAt      time.Time // zero: unread
}

// raise inserts the notices a query selects, in the transaction of what
// they tell of. sel selects user_id, printer_id (or NULL), subject and
// detail; dedupe, if not "", makes the notice once per user however often
// it is raised.
func (s *Store) raise(ctx context.Context, q queryer, kind, dedupe, sel string, args ...any) error {
	_, err := s.raised(ctx, q, kind, dedupe, sel, args...)
	return err
}

// raised is raise, saying how many notices it made.
func (s *Store) raised(ctx context.Context, q queryer, kind, dedupe, sel string, args ...any) (int64, error) {
	var key any
	if dedupe != "" {
		key = dedupe
	}
	res, err := q.ExecContext(ctx, `INSERT INTO notices (user_id, kind, printer_id, subject, detail, dedupe, created_at)
		SELECT t.user_id, ?, t.printer_id, t.subject, t.detail, ?, ? FROM (`+sel+`) t`,
		append([]any{kind, key, s.now()}, args...)...)
	if dedupe != "" && isDuplicate(err) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("raise %s: %w", kind, err)
	}
	return res.RowsAffected()
}

// raisePrintFailed tells a delivery's owner that it was given up.
func (s *Store) raisePrintFailed(ctx context.Context, q queryer, deliveryID int64) error {
	return s.raise(ctx, q, NoticePrintFailed, "", `SELECT p.owner_id AS user_id, p.id AS printer_id, p.name AS subject, d.reason AS detail
		FROM deliveries d JOIN printers p ON p.id = d.printer_id WHERE d.id = ? AND d.state = ?`, deliveryID, StateFailed)
}

// raiseExpired tells the owners of printers whose deliveries have expired
// how many did, a notice per printer.
func (s *Store) raiseExpired(ctx context.Context, q queryer, counts map[int64]int) error {
	for printerID, n := range counts {
		if err := s.raise(ctx, q, NoticePrintExpired, "", `SELECT owner_id AS user_id, id AS printer_id, name AS subject, ? AS detail
			FROM printers WHERE id = ?`, strconv.Itoa(n), printerID); err != nil {
			return err
		}
	}
	return nil
}

// raiseEnded tells the owners of subscriptions still running that they
// have ended, and why: those of one publication (where is "s.publication
// = ?") or one subscription ("s.id = ?").
func (s *Store) raiseEnded(ctx context.Context, q queryer, where string, arg any, reason string) error {
	return s.raise(ctx, q, NoticeSubscriptionEnded, "", `SELECT p.owner_id AS user_id, p.id AS printer_id, s.publication AS subject, ? AS detail
		FROM subscriptions s JOIN printers p ON p.id = s.printer_id WHERE `+where+` AND s.ended_at IS NULL`, clip(reason), arg)
}

// raiseFailing tells a subscription's owner once its editions have failed
// FailingDays running: the notice is once per run of failures.
func (s *Store) raiseFailing(ctx context.Context, q queryer, subID int64) error {
	var lastGood int64
	if err := q.QueryRowContext(ctx, `SELECT COALESCE(MAX(due_at), 0) FROM edition_claims WHERE subscription_id = ? AND outcome IN (?, ?)`,
		subID, OutcomeDelivered, OutcomeNothingToday).Scan(&lastGood); err != nil {
		return err
	}
	var first, last sql.NullInt64
	if err := q.QueryRowContext(ctx, `SELECT MIN(due_at), MAX(due_at) FROM edition_claims WHERE subscription_id = ? AND outcome = ? AND due_at > ?`,
		subID, OutcomeFailed, lastGood).Scan(&first, &last); err != nil {
		return err
	}
	span := time.Duration(last.Int64-first.Int64) * time.Millisecond
	if !first.Valid || span < FailingDays*24*time.Hour {
		return nil
	}
	days := strconv.Itoa(int(span/(24*time.Hour)) + 1)
	return s.raise(ctx, q, NoticePublicationFailing, "failing:"+strconv.FormatInt(subID, 10)+":"+strconv.FormatInt(first.Int64, 10),
		`SELECT p.owner_id AS user_id, p.id AS printer_id, s.publication AS subject, ? AS detail
		FROM subscriptions s JOIN printers p ON p.id = s.printer_id WHERE s.id = ?`, days, subID)
}

// RaiseOfflineNotices tells owners of printers unheard of for longer than
// each printer's offline_notice_minutes, once for each time it goes
// quiet. It returns how many were told.
func (s *Store) RaiseOfflineNotices(ctx context.Context, now time.Time) (int64, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT p.id, d.last_seen_at FROM printers p JOIN devices d ON d.address = p.device_address
		WHERE p.offline_notice_minutes > 0 AND d.last_seen_at < ? - p.offline_notice_minutes * 60000`, now.UnixMilli())
	if err != nil {
		return 0, fmt.Errorf("store: printers offline: %w", err)
	}
	type quiet struct{ printer, seen int64 }
	var qs []quiet
	for rows.Next() {
		var q quiet
		if err := rows.Scan(&q.printer, &q.seen); err != nil {
			rows.Close()
			return 0, fmt.Errorf("store: printers offline: %w", err)
		}
		qs = append(qs, q)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("store: printers offline: %w", err)
	}
	var told int64
	for _, q := range qs {
		key := "offline:" + strconv.FormatInt(q.printer, 10) + ":" + strconv.FormatInt(q.seen, 10)
		n, err := s.raised(ctx, s.db, NoticePrinterOffline, key, `SELECT owner_id AS user_id, id AS printer_id, name AS subject, ? AS detail
			FROM printers WHERE id = ?`, strconv.FormatInt(q.seen, 10), q.printer)
		if err != nil {
			return told, fmt.Errorf("store: %w", err)
		}
		told += n
	}
	return told, nil
}

// RaiseTestNotice makes a notice for the owner's webhook alone, the
// webhook's test button.
func (s *Store) RaiseTestNotice(ctx context.Context, userID int64) error {
	if err := s.raise(ctx, s.db, NoticeTest, "", `SELECT id AS user_id, NULL AS printer_id, '' AS subject, '' AS detail FROM users WHERE id = ?`, userID); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	return nil
}

const noticeColumns = `n.id, n.user_id, n.kind, COALESCE(n.printer_id, 0), COALESCE(p.name, ''), n.subject, n.detail, n.created_at, n.read_at`

func scanNotice(row interface{ Scan(...any) error }) (Notice, error) {
	var n Notice
	var created int64
	var read sql.NullInt64
	if err := row.Scan(&n.ID, &n.UserID, &n.Kind, &n.PrinterID, &n.PrinterName, &n.Subject, &n.Detail, &created, &read); err != nil {
		return n, err
	}
	n.CreatedAt, n.ReadAt = time.UnixMilli(created).UTC(), millis(read)
	return n, nil
}

// listed is the condition of a notice n the owner sees in the web app's
// list: not a test, and of a kind they keep the list for (a kind with no
// preference has every channel, as NoticePrefs says).
var listed = fmt.Sprintf(` n.kind <> '%s' AND (COALESCE((SELECT channels FROM notice_prefs np
	WHERE np.user_id = n.user_id AND np.kind = n.kind), %d) & %d) <> 0`, NoticeTest, AllChannels, ChannelList)

// Notices lists a user's notices for the web app's list, newest first,
// those before beforeID (0: from the newest).
func (s *Store) Notices(ctx context.Context, userID, beforeID int64, limit int) ([]Notice, error) {
	if beforeID <= 0 {
		beforeID = 1<<63 - 1
	}
	rows, err := s.read.QueryContext(ctx, `SELECT `+noticeColumns+` FROM notices n LEFT JOIN printers p ON p.id = n.printer_id
		WHERE n.user_id = ? AND n.id < ? AND`+listed+` ORDER BY n.id DESC LIMIT ?`, userID, beforeID, limit)
	if err != nil {
		return nil, fmt.Errorf("store: notices: %w", err)
	}
	defer rows.Close()
	var out []Notice
	for rows.Next() {
		n, err := scanNotice(rows)
		if err != nil {
			return nil, fmt.Errorf("store: notices: %w", err)
		}
		out = append(out, n)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: notices: %w", err)
	}
	return out, nil
}

// Notice finds one notice of a user's, whatever its channels. It returns
// ErrNotFound if they have none by that id.
func (s *Store) Notice(ctx context.Context, userID, id int64) (Notice, error) {
	n, err := scanNotice(s.read.QueryRowContext(ctx, `SELECT `+noticeColumns+` FROM notices n LEFT JOIN printers p ON p.id = n.printer_id
		WHERE n.user_id = ? AND n.id = ?`, userID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return n, fmt.Errorf("store: notice %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return n, fmt.Errorf("store: notice %d: %w", id, err)
	}
	return n, nil
}

// UnreadNotices counts a user's unread notices in the list, for the
// header.
func (s *Store) UnreadNotices(ctx context.Context, userID int64) (int, error) {
	var n int
	if err := s.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM notices n WHERE n.user_id = ? AND n.read_at IS NULL AND`+listed,
		userID).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: unread notices: %w", err)
	}
	return n, nil
}

// MarkNoticesRead marks a user's notices up to upTo (0: all) read.
func (s *Store) MarkNoticesRead(ctx context.Context, userID, upTo int64) error {
	if upTo <= 0 {
		upTo = 1<<63 - 1
	}
	if _, err := s.db.ExecContext(ctx, `UPDATE notices SET read_at = ? WHERE user_id = ? AND id <= ? AND read_at IS NULL`,
		s.now(), userID, upTo); err != nil {
		return fmt.Errorf("store: read notices: %w", err)
	}
	return nil
}

// NoticePrefs are the channels a user wants for each kind; a kind not set
// has all of them.
func (s *Store) NoticePrefs(ctx context.Context, userID int64) (map[string]Channels, error) {
	out := make(map[string]Channels, len(NoticeKinds))
	for _, k := range NoticeKinds {
		out[k] = AllChannels
	}
	rows, err := s.read.QueryContext(ctx, `SELECT kind, channels FROM notice_prefs WHERE user_id = ?`, userID)
	if err != nil {
		return nil, fmt.Errorf("store: notice settings: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var k string
		var c Channels
		if err := rows.Scan(&k, &c); err != nil {
			return nil, fmt.Errorf("store: notice settings: %w", err)
		}
		out[k] = c & AllChannels
	}
	return out, rows.Err()
}

// SetNoticePrefs sets the channels a user wants for the kinds given.
func (s *Store) SetNoticePrefs(ctx context.Context, userID int64, prefs map[string]Channels) error {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		for k, c := range prefs {
			if _, err := tx.ExecContext(ctx, `INSERT INTO notice_prefs (user_id, kind, channels) VALUES (?, ?, ?)`+
				s.dialect.upsertSuffix("user_id, kind", "channels"), userID, k, int(c&AllChannels)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: notice settings: %w", err)
	}
	return nil
}

// PushEndpoint is a browser or installed app that takes a user's notices
// by Web Push.
type PushEndpoint struct {
	ID        int64
	UserID    int64
	Endpoint  string
	P256dh    string
	Auth      string
	Agent     string // the browser, as it said, for the owner to tell them apart
	CreatedAt time.Time
}

// EndpointHash is the key a push endpoint is kept unique by.
func EndpointHash(endpoint string) string {
	h := sha256.Sum256([]byte(endpoint))
	return hex.EncodeToString(h[:])
}

// AddPushEndpoint keeps a browser's push subscription for a user; the
// same endpoint again (a browser subscribing afresh, or another user
// signing in on it) replaces the old.
func (s *Store) AddPushEndpoint(ctx context.Context, e PushEndpoint) (PushEndpoint, error) {
	e.CreatedAt = s.Now().UTC().Truncate(time.Millisecond)
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM push_endpoints WHERE endpoint_hash = ?`, EndpointHash(e.Endpoint)); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO push_endpoints (user_id, endpoint, endpoint_hash, p256dh, auth, agent, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			e.UserID, e.Endpoint, EndpointHash(e.Endpoint), e.P256dh, e.Auth, clipTo(e.Agent, 255), e.CreatedAt.UnixMilli())
		if err != nil {
			return err
		}
		e.ID, err = res.LastInsertId()
		return err
	})
	if err != nil {
		return e, fmt.Errorf("store: push endpoint: %w", err)
	}
	return e, nil
}

// PushEndpoints lists a user's push endpoints, oldest first.
func (s *Store) PushEndpoints(ctx context.Context, userID int64) ([]PushEndpoint, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT id, user_id, endpoint, p256dh, auth, agent, created_at FROM push_endpoints WHERE user_id = ? ORDER BY id`, userID)
	if err != nil {
		return nil, fmt.Errorf("store: push endpoints: %w", err)
	}
	defer rows.Close()
	var out []PushEndpoint
	for rows.Next() {
		var e PushEndpoint
		var created int64
		if err := rows.Scan(&e.ID, &e.UserID, &e.Endpoint, &e.P256dh, &e.Auth, &e.Agent, &created); err != nil {
			return nil, fmt.Errorf("store: push endpoints: %w", err)
		}
		e.CreatedAt = time.UnixMilli(created).UTC()
		out = append(out, e)
	}
	return out, rows.Err()
}

// DeletePushEndpoint forgets a push endpoint: of a user's (userID > 0),
// or whoever's (0, when its push service says it is gone). It returns
// ErrNotFound if there is none.
func (s *Store) DeletePushEndpoint(ctx context.Context, userID, id int64) error {
	q, args := `DELETE FROM push_endpoints WHERE id = ?`, []any{id}
	if userID > 0 {
		q, args = q+` AND user_id = ?`, append(args, userID)
	}
	res, err := s.db.ExecContext(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("store: delete push endpoint: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("store: push endpoint %d: %w", id, ErrNotFound)
	}
	return nil
}

// Webhook is where a user's notices are POSTed, signed with Secret.
type Webhook struct {
	UserID    int64
	URL       string
	Secret    string
	CreatedAt time.Time
}

// SetWebhook sets a user's webhook address. A user's first webhook takes
// w.Secret; one who has a webhook keeps its secret (their receiver checks
// it) and the time it was made: only the address changes.
func (s *Store) SetWebhook(ctx context.Context, w Webhook) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO webhooks (user_id, url, secret, created_at) VALUES (?, ?, ?, ?)`+
		s.dialect.upsertSuffix("user_id", "url"), w.UserID, w.URL, w.Secret, s.now())
	if err != nil {
		return fmt.Errorf("store: webhook: %w", err)
	}
	return nil
}

// WebhookOf finds a user's webhook. It returns ErrNotFound if they have
// none.
func (s *Store) WebhookOf(ctx context.Context, userID int64) (Webhook, error) {
	w := Webhook{UserID: userID}
	var created int64
	err := s.read.QueryRowContext(ctx, `SELECT url, secret, created_at FROM webhooks WHERE user_id = ?`, userID).Scan(&w.URL, &w.Secret, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return w, fmt.Errorf("store: webhook: %w", ErrNotFound)
	}
	if err != nil {
		return w, fmt.Errorf("store: webhook: %w", err)
	}
	w.CreatedAt = time.UnixMilli(created).UTC()
	return w, nil
}

// DeleteWebhook removes a user's webhook; its sends not yet made are
// dropped with it.
func (s *Store) DeleteWebhook(ctx context.Context, userID int64) error {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM webhooks WHERE user_id = ?`, userID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE notice_sends SET state = ?, last_error = ?, done_at = ? WHERE user_id = ? AND channel = ? AND state = ?`,
			SendFailed, "the webhook was removed", s.now(), userID, "webhook", SendPending)
		return err
	})
	if err != nil {
		return fmt.Errorf("store: delete webhook: %w", err)
	}
	return nil
}

// Send states.
const (
	SendPending = "pending" // to be sent, at next_at
	SendSent    = "sent"    // the far end took it
	SendFailed  = "failed"  // given up
)

// NoticeSend is one notice's send to a push endpoint or a webhook, with
// what it takes to make it.
type NoticeSend struct {
	ID         int64
	Channel    string // "push" or "webhook"
	State      string
	Attempts   int
	NextAt     time.Time
	LastStatus int    // the far end's last HTTP status; 0 if none
	LastError  string // why the last try failed
	CreatedAt  time.Time
	DoneAt     time.Time
	Target     string // the webhook's URL, or the push endpoint's, when sent
	Notice     Notice
	Push       PushEndpoint // for a push send
	Webhook    Webhook      // for a webhook send
}

// FanOutNotices makes the sends of notices not fanned out yet, each to
// the channels its owner wants for its kind: one per push endpoint, one
// to the webhook. Each notice is fanned out once, whichever instance
// does it. It returns how many notices were.
func (s *Store) FanOutNotices(ctx context.Context, limit int) (int64, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, user_id, kind FROM notices WHERE fanned_at IS NULL ORDER BY id LIMIT ?`, limit)
	if err != nil {
		return 0, fmt.Errorf("store: fan out notices: %w", err)
	}
	type pending struct {
		id, user int64
		kind     string
	}
	var ps []pending
	for rows.Next() {
		var p pending
		if err := rows.Scan(&p.id, &p.user, &p.kind); err != nil {
			rows.Close()
			return 0, fmt.Errorf("store: fan out notices: %w", err)
		}
		ps = append(ps, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("store: fan out notices: %w", err)
	}
	var done int64
	for _, p := range ps {
		err := s.inTx(ctx, func(tx *sql.Tx) error {
			now := s.now()
			res, err := tx.ExecContext(ctx, `UPDATE notices SET fanned_at = ? WHERE id = ? AND fanned_at IS NULL`, now, p.id)
			if err != nil {
				return err
			}
			if n, err := res.RowsAffected(); err != nil || n == 0 {
				return err // another instance did it
			}
			channels := ChannelWebhook
			if p.kind != NoticeTest {
				channels = AllChannels
				err := tx.QueryRowContext(ctx, `SELECT channels FROM notice_prefs WHERE user_id = ? AND kind = ?`, p.user, p.kind).Scan(&channels)
				if err != nil && !errors.Is(err, sql.ErrNoRows) {
					return err
				}
			}
			if channels&ChannelPush != 0 {
				if _, err := tx.ExecContext(ctx, `INSERT INTO notice_sends (notice_id, user_id, channel, target_id, target, state, next_at, last_error, created_at)
					SELECT ?, user_id, 'push', id, '', ?, ?, '', ? FROM push_endpoints WHERE user_id = ?`, p.id, SendPending, now, now, p.user); err != nil {
					return err
				}
			}
			if channels&ChannelWebhook != 0 {
				if _, err := tx.ExecContext(ctx, `INSERT INTO notice_sends (notice_id, user_id, channel, target_id, target, state, next_at, last_error, created_at)
					SELECT ?, user_id, 'webhook', user_id, '', ?, ?, '', ? FROM webhooks WHERE user_id = ?`, p.id, SendPending, now, now, p.user); err != nil {
					return err
				}
			}
			done++
			return nil
		})
		if err != nil {
			return done, fmt.Errorf("store: fan out notice %d: %w", p.id, err)
		}
	}
	return done, nil
}

// ClaimNoticeSends takes the sends due by now, up to limit, for this
// instance to make: each is tried once more, and put off until lease has
// passed (another instance takes it up then, if this one stopped).
func (s *Store) ClaimNoticeSends(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]NoticeSend, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, attempts FROM notice_sends WHERE state = ? AND next_at <= ? ORDER BY next_at, id LIMIT ?`,
		SendPending, now.UnixMilli(), limit)
	if err != nil {
		return nil, fmt.Errorf("store: due notice sends: %w", err)
	}
	type due struct {
		id       int64
		attempts int
	}
	var ds []due
	for rows.Next() {
		var d due
		if err := rows.Scan(&d.id, &d.attempts); err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: due notice sends: %w", err)
		}
		ds = append(ds, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: due notice sends: %w", err)
	}
	var out []NoticeSend
	for _, d := range ds {
		n, err := s.exec(ctx, `UPDATE notice_sends SET attempts = attempts + 1, next_at = ? WHERE id = ? AND state = ? AND attempts = ?`,
			now.Add(lease).UnixMilli(), d.id, SendPending, d.attempts)
		if err != nil {
			return out, fmt.Errorf("store: claim notice send: %w", err)
		}
		if n == 0 {
			continue // another instance took it
		}
		ns, err := s.noticeSend(ctx, d.id)
		if errors.Is(err, ErrNotFound) {
			continue // its endpoint or webhook is gone: noticeSend ended it
		}
		if err != nil {
			return out, err
		}
		out = append(out, ns)
	}
	return out, nil
}

const noticeSendColumns = `ns.id, ns.channel, ns.state, ns.attempts, ns.next_at, ns.last_status, ns.last_error, ns.created_at, ns.done_at, ns.target, ns.target_id`

func scanNoticeSend(row interface{ Scan(...any) error }, tail ...any) (NoticeSend, int64, error) {
	var ns NoticeSend
	var next, created int64
	var done sql.NullInt64
	var target int64
	err := row.Scan(append([]any{&ns.ID, &ns.Channel, &ns.State, &ns.Attempts, &next, &ns.LastStatus, &ns.LastError, &created, &done, &ns.Target, &target}, tail...)...)
	ns.NextAt, ns.CreatedAt, ns.DoneAt = time.UnixMilli(next).UTC(), time.UnixMilli(created).UTC(), millis(done)
	return ns, target, err
}

// noticeSend reads a claimed send with its notice and where it goes. A
// send whose endpoint or webhook has gone is ended, and is ErrNotFound.
func (s *Store) noticeSend(ctx context.Context, id int64) (NoticeSend, error) {
	var noticeID, userID int64
	ns, target, err := scanNoticeSend(s.db.QueryRowContext(ctx, `SELECT `+noticeSendColumns+`, ns.notice_id, ns.user_id FROM notice_sends ns WHERE ns.id = ?`, id),
		&noticeID, &userID)
	if err != nil {
		return ns, fmt.Errorf("store: notice send %d: %w", id, err)
	}
	if ns.Notice, err = s.Notice(ctx, userID, noticeID); err != nil {
		return ns, err
	}
	gone := func() (NoticeSend, error) {
		if err := s.NoticeSendDone(ctx, id, 0, "", errors.New("its endpoint or webhook was removed"), time.Time{}); err != nil {
			return ns, err
		}
		return ns, fmt.Errorf("store: notice send %d: %w", id, ErrNotFound)
	}
	switch ns.Channel {
	case "push":
		e := PushEndpoint{ID: target}
		err = s.db.QueryRowContext(ctx, `SELECT user_id, endpoint, p256dh, auth FROM push_endpoints WHERE id = ?`, target).Scan(&e.UserID, &e.Endpoint, &e.P256dh, &e.Auth)
		if errors.Is(err, sql.ErrNoRows) {
			return gone()
		}
		ns.Push = e
	default:
		ns.Webhook, err = s.WebhookOf(ctx, target)
		if errors.Is(err, ErrNotFound) {
			return gone()
		}
	}
	if err != nil {
		return ns, fmt.Errorf("store: notice send %d: %w", id, err)
	}
	return ns, nil
}

// NoticeSendDone records a send's try: sent (err nil), to be tried again
// at retryAt, or given up (retryAt zero). target is where it went, for
// the delivery log.
func (s *Store) NoticeSendDone(ctx context.Context, id int64, status int, target string, err error, retryAt time.Time) error {
	now := s.now()
	var q string
	var args []any
	switch {
	case err == nil:
		q, args = `UPDATE notice_sends SET state = ?, last_status = ?, last_error = '', target = ?, done_at = ? WHERE id = ?`,
			[]any{SendSent, status, clipTo(target, 255), now, id}
	case !retryAt.IsZero():
		q, args = `UPDATE notice_sends SET last_status = ?, last_error = ?, target = ?, next_at = ? WHERE id = ?`,
			[]any{status, clip(err.Error()), clipTo(target, 255), retryAt.UnixMilli(), id}
	default:
		q, args = `UPDATE notice_sends SET state = ?, last_status = ?, last_error = ?, target = ?, done_at = ? WHERE id = ?`,
			[]any{SendFailed, status, clip(err.Error()), clipTo(target, 255), now, id}
	}
	if _, err := s.exec(ctx, q, args...); err != nil {
		return fmt.Errorf("store: notice send %d: %w", id, err)
	}
	return nil
}

// WebhookLog lists a user's webhook sends, newest first: the delivery log
// they read.
func (s *Store) WebhookLog(ctx context.Context, userID int64, limit int) ([]NoticeSend, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT `+noticeSendColumns+`, n.kind FROM notice_sends ns JOIN notices n ON n.id = ns.notice_id
		WHERE ns.user_id = ? AND ns.channel = 'webhook' ORDER BY ns.id DESC LIMIT ?`, userID, limit)
	if err != nil {
		return nil, fmt.Errorf("store: webhook log: %w", err)
	}
	defer rows.Close()
	var out []NoticeSend
	for rows.Next() {
		var kind string
		ns, _, err := scanNoticeSend(rows, &kind)
		if err != nil {
			return nil, fmt.Errorf("store: webhook log: %w", err)
		}
		ns.Notice.Kind = kind
		out = append(out, ns)
	}
	return out, rows.Err()
}

// PruneNotices deletes notices made before a time, with their sends.
func (s *Store) PruneNotices(ctx context.Context, before time.Time) (int64, error) {
	res, err := s.db.ExecContext(ctx, `DELETE FROM notices WHERE created_at < ?`, before.UnixMilli())
	if err != nil {
		return 0, fmt.Errorf("store: prune notices: %w", err)
	}
	return res.RowsAffected()
}

// SetOfflineNotice sets how long a printer may be unheard of before its
// owner is told (0: never), in whole minutes.
func (s *Store) SetOfflineNotice(ctx context.Context, printerID int64, after time.Duration) error {
	if _, err := s.db.ExecContext(ctx, `UPDATE printers SET offline_notice_minutes = ? WHERE id = ?`, int64(after/time.Minute), printerID); err != nil {
		return fmt.Errorf("store: printer %d: %w", printerID, err)
	}
	return nil
}

// ServerKey is a value the server makes once and keeps (the VAPID keys):
// the one kept, or make's, kept now. Instances starting together agree on
// the first one written.
func (s *Store) ServerKey(ctx context.Context, name string, make func() (string, error)) (string, error) {
	var v string
	err := s.db.QueryRowContext(ctx, `SELECT value FROM server_keys WHERE name = ?`, name).Scan(&v)
	if err == nil {
		return v, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("store: server key %s: %w", name, err)
	}
	if v, err = make(); err != nil {
		return "", fmt.Errorf("store: server key %s: %w", name, err)
	}
	if _, err := s.db.ExecContext(ctx, `INSERT INTO server_keys (name, value, created_at) VALUES (?, ?, ?)`, name, v, s.now()); err != nil && !isDuplicate(err) {
		return "", fmt.Errorf("store: server key %s: %w", name, err)
	}
	if err := s.db.QueryRowContext(ctx, `SELECT value FROM server_keys WHERE name = ?`, name).Scan(&v); err != nil {
		return "", fmt.Errorf("store: server key %s: %w", name, err)
	}
	return v, nil
}

// clipTo cuts s to at most n bytes, on a rune's start.
func clipTo(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
