package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
)

// State is where a delivery is, from its making to its printing.
type State string

// Delivery states.
const (
	StatePending State = "pending" // stored, waiting to be sent
	StateSent    State = "sent"    // on its way: sent, not yet printed
	StatePrinted State = "printed" // done
	StateFailed  State = "failed"  // given up, Reason says why
	StateExpired State = "expired" // too old to print
)

// Delivery is one print, from its making to its printing.
type Delivery struct {
	ID         int64
	PrinterID  int64
	Kind       string // message, edition, test, personality…
	Command    uint16 // the codec command code
	Payload    []byte // the encoded command payload; empty in listings
	State      State
	CreatedAt  time.Time
	NotBefore  time.Time
	ExpiresAt  time.Time // zero: never
	SentAt     time.Time
	AnsweredAt time.Time
	PrintedAt  time.Time
	Attempts   int
	CommandID  uint32 // of the last send; 0 before
	ReturnCode int    // of the last answer; -1 before
	Reason     string // why it failed or was retried, in words
	Sender     string // who sent a message, as shown; "" for the owner's own
}

// NewDelivery is a delivery to store.
type NewDelivery struct {
	PrinterID int64
	Kind      string
	Command   uint16
	Payload   []byte
	NotBefore time.Time // zero: now
	ExpiresAt time.Time // zero: never
	Sender    string    // who sent a message, as shown; "" for the owner's own
}

// CreateDelivery stores a new pending delivery.
func (s *Store) CreateDelivery(ctx context.Context, n NewDelivery) (Delivery, error) {
	return s.createDelivery(ctx, s.db, n)
}

// execer is what a statement runs on: the database or a transaction.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

func (s *Store) createDelivery(ctx context.Context, db execer, n NewDelivery) (Delivery, error) {
	now := s.now()
	id, err := s.insertDeliveries(ctx, db, [][]any{deliveryRow(n, StatePending, "", now)})
	if err != nil {
		return Delivery{}, fmt.Errorf("store: create delivery: %w", err)
	}
	return Delivery{
		ID: id, PrinterID: n.PrinterID, Kind: n.Kind, Command: n.Command, Payload: n.Payload, State: StatePending,
		CreatedAt: time.UnixMilli(now).UTC(), NotBefore: time.UnixMilli(notBefore(n, now)).UTC(), ExpiresAt: n.ExpiresAt.UTC(),
		ReturnCode: -1, Sender: n.Sender,
	}, nil
}

// insertColumns are the columns a new delivery is stored with: every
// insert of a delivery writes the same ones (deliveryRow).
const insertColumns = `(printer_id, kind, command, payload, state, created_at, not_before, expires_at, sender, reason)`

// deliveryRow is a new delivery's values, in insertColumns' order.
func deliveryRow(n NewDelivery, state State, reason string, now int64) []any {
	payload := n.Payload
	if payload == nil {
		payload = []byte{}
	}
	return []any{n.PrinterID, n.Kind, n.Command, payload, state, now, notBefore(n, now), nullMillis(n.ExpiresAt), n.Sender, clip(reason)}
}

// notBefore is when a new delivery may be sent, in unix milliseconds: now
// unless it says.
func notBefore(n NewDelivery, now int64) int64 {
	if n.NotBefore.IsZero() {
		return now
	}
	return n.NotBefore.UnixMilli()
}

// insertDeliveries stores rows (deliveryRow's) in one statement and returns
// the first one's id: one statement's rows get consecutive ids (SQLite: in
// its transaction, the only writer; InnoDB: a simple insert). MySQL reports
// the first id, SQLite the last.
func (s *Store) insertDeliveries(ctx context.Context, db execer, rows [][]any) (int64, error) {
	one := "(" + strings.Repeat("?, ", len(rows[0])-1) + "?)"
	args := make([]any, 0, len(rows)*len(rows[0]))
	for _, r := range rows {
		args = append(args, r...)
	}
	res, err := db.ExecContext(ctx, `INSERT INTO deliveries `+insertColumns+` VALUES `+
		strings.Repeat(one+", ", len(rows)-1)+one, args...)
	if err != nil {
		return 0, err
	}
	id, err := res.LastInsertId()
	if err != nil {
		return 0, err
	}
	if s.dialect.name == "sqlite" {
		id -= int64(len(rows)) - 1
	}
	return id, nil
}

// CreateDeliveries stores many pending deliveries in one transaction and
// returns their ids, in order: for editions made in bulk. Rows go in with
// multi-row INSERTs of up to batchBytes of payload.
func (s *Store) CreateDeliveries(ctx context.Context, ns []NewDelivery) ([]int64, error) {
	const batchBytes, batchRows = 2 << 20, 500
	ids := make([]int64, 0, len(ns))
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		now := s.now()
		ids = ids[:0] // afresh, if run again
		for rest := ns; len(rest) > 0; {
			k, size := 0, 0
			for k < len(rest) && k < batchRows && (k == 0 || size+len(rest[k].Payload) <= batchBytes) {
				size += len(rest[k].Payload)
				k++
			}
			chunk := rest[:k]
			rest = rest[k:]
			rows := make([][]any, len(chunk))
			for i, n := range chunk {
				rows[i] = deliveryRow(n, StatePending, "", now)
			}
			first, err := s.insertDeliveries(ctx, tx, rows)
			if err != nil {
				return err
			}
			for i := range chunk {
				ids = append(ids, first+int64(i))
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: create deliveries: %w", err)
	}
	return ids, nil
}

// OpenDeliveries counts a printer's deliveries not yet finished: pending or
// sent.
func (s *Store) OpenDeliveries(ctx context.Context, printerID int64) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM deliveries WHERE printer_id = ? AND state IN (?, ?)`,
		printerID, StatePending, StateSent).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("store: open deliveries: %w", err)
	}
	return n, nil
}

// OpenDeliveriesOf counts the unfinished deliveries of many printers at
// once; printers with none are left out of the map.
func (s *Store) OpenDeliveriesOf(ctx context.Context, printers []int64) (map[int64]int, error) {
	out := map[int64]int{}
	for len(printers) > 0 {
		chunk := printers[:min(len(printers), 500)]
		printers = printers[len(chunk):]
		args := []any{StatePending, StateSent}
		for _, p := range chunk {
			args = append(args, p)
		}
		rows, err := s.db.QueryContext(ctx, `SELECT printer_id, COUNT(*) FROM deliveries WHERE state IN (?, ?) AND printer_id IN (?`+
			strings.Repeat(", ?", len(chunk)-1)+`) GROUP BY printer_id`, args...)
		if err != nil {
			return nil, fmt.Errorf("store: open deliveries: %w", err)
		}
		for rows.Next() {
			var p int64
			var n int
			if err := rows.Scan(&p, &n); err != nil {
				rows.Close()
				return nil, fmt.Errorf("store: open deliveries: %w", err)
			}
			out[p] = n
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("store: open deliveries: %w", err)
		}
	}
	return out, nil
}

// PendingPrintersSince lists the printers with pending deliveries whose id
// is above afterID, and the highest delivery id: how an instance learns of
// work queued by another one, by remembering the highest id it has seen.
func (s *Store) PendingPrintersSince(ctx context.Context, afterID int64) (printers []int64, maxID int64, err error) {
	rows, err := s.read.QueryContext(ctx, `SELECT printer_id, MAX(id) FROM deliveries WHERE id > ? AND state = ? GROUP BY printer_id`,
		afterID, StatePending)
	if err != nil {
		return nil, 0, fmt.Errorf("store: pending printers: %w", err)
	}
	defer rows.Close()
	maxID = afterID
	for rows.Next() {
		var p, m int64
		if err := rows.Scan(&p, &m); err != nil {
			return nil, 0, fmt.Errorf("store: pending printers: %w", err)
		}
		printers = append(printers, p)
		maxID = max(maxID, m)
	}
	return printers, maxID, rows.Err()
}

// CountDeliveries counts the deliveries in a state.
func (s *Store) CountDeliveries(ctx context.Context, state State) (int, error) {
	var n int
	if err := s.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM deliveries WHERE state = ?`, state).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: count deliveries: %w", err)
	}
	return n, nil
}

// LastDeliveryID is the highest delivery id there is, 0 if none.
func (s *Store) LastDeliveryID(ctx context.Context) (int64, error) {
	// Prepared: the queue's watcher asks many times a second.
	st, err := s.prepared(ctx, s.read, `SELECT COALESCE(MAX(id), 0) FROM deliveries`)
	if err != nil {
		return 0, fmt.Errorf("store: last delivery: %w", err)
	}
	var id int64
	if err := st.QueryRowContext(ctx).Scan(&id); err != nil {
		return 0, fmt.Errorf("store: last delivery: %w", err)
	}
	return id, nil
}

// CreateFailedDelivery records a print that could not even be made (its
// publication failed), so the printer's history says why.
func (s *Store) CreateFailedDelivery(ctx context.Context, printerID int64, kind, reason string) (Delivery, error) {
	now := s.now()
	var id int64
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		if id, err = s.insertDeliveries(ctx, tx, [][]any{deliveryRow(NewDelivery{PrinterID: printerID, Kind: kind}, StateFailed, reason, now)}); err != nil {
			return err
		}
		return s.raisePrintFailed(ctx, tx, id)
	})
	if err != nil {
		return Delivery{}, fmt.Errorf("store: create delivery: %w", err)
	}
	return Delivery{ID: id, PrinterID: printerID, Kind: kind, State: StateFailed, CreatedAt: time.UnixMilli(now).UTC(),
		NotBefore: time.UnixMilli(now).UTC(), ReturnCode: -1, Reason: clip(reason)}, nil
}

const deliveryColumns = `id, printer_id, kind, command, state, created_at, not_before, expires_at, sent_at, answered_at,
	printed_at, attempts, COALESCE(command_id, 0), COALESCE(return_code, -1), reason, sender`

func scanDelivery(row interface{ Scan(...any) error }, payload *[]byte) (Delivery, error) {
	var d Delivery
	var created, notBefore int64
	var expires, sent, answered, printed sql.NullInt64
	dest := []any{&d.ID, &d.PrinterID, &d.Kind, &d.Command, &d.State, &created, &notBefore, &expires, &sent, &answered,
		&printed, &d.Attempts, &d.CommandID, &d.ReturnCode, &d.Reason, &d.Sender}
	if payload != nil {
		dest = append(dest, payload)
	}
	if err := row.Scan(dest...); err != nil {
		return Delivery{}, err
	}
	d.CreatedAt, d.NotBefore = time.UnixMilli(created).UTC(), time.UnixMilli(notBefore).UTC()
	d.ExpiresAt, d.SentAt, d.AnsweredAt, d.PrintedAt = millis(expires), millis(sent), millis(answered), millis(printed)
	if payload != nil {
		d.Payload = *payload
	}
	return d, nil
}

func (s *Store) delivery(ctx context.Context, db *sql.DB, where string, args ...any) (Delivery, error) {
	st, err := s.prepared(ctx, db, `SELECT `+deliveryColumns+`, payload FROM deliveries WHERE `+where)
	if err != nil {
		return Delivery{}, fmt.Errorf("store: delivery: %w", err)
	}
	var payload []byte
	d, err := scanDelivery(st.QueryRowContext(ctx, args...), &payload)
	if errors.Is(err, sql.ErrNoRows) {
		return Delivery{}, fmt.Errorf("store: delivery: %w", ErrNotFound)
	}
	if err != nil {
		return Delivery{}, fmt.Errorf("store: delivery: %w", err)
	}
	return d, nil
}

// DeliveryByID finds a delivery, payload included. It returns ErrNotFound if
// there is none.
func (s *Store) DeliveryByID(ctx context.Context, id int64) (Delivery, error) {
	return s.delivery(ctx, s.read, `id = ?`, id)
}

// DeliveryByCommandID finds the delivery last sent with a command id. It
// returns ErrNotFound for an id no delivery holds (never sent, or sent again
// since with another id).
func (s *Store) DeliveryByCommandID(ctx context.Context, commandID uint32) (Delivery, error) {
	return s.delivery(ctx, s.read, `command_id = ?`, commandID)
}

// NextDelivery is a printer's oldest pending delivery that may be sent at
// now, payload included. It returns ErrNotFound if there is none.
func (s *Store) NextDelivery(ctx context.Context, printerID int64, now time.Time) (Delivery, error) {
	// On SQLite a reader of its own: the write connection is the writers'.
	// A reader sees every write committed before it starts.
	return s.delivery(ctx, s.read, `printer_id = ? AND state = ? AND not_before <= ? ORDER BY id LIMIT 1`,
		printerID, StatePending, now.UnixMilli())
}

// NextDue is when a printer's earliest pending delivery may be sent, zero
// if it has none.
func (s *Store) NextDue(ctx context.Context, printerID int64) (time.Time, error) {
	var at sql.NullInt64
	err := s.read.QueryRowContext(ctx, `SELECT MIN(not_before) FROM deliveries WHERE printer_id = ? AND state = ?`,
		printerID, StatePending).Scan(&at)
	if err != nil {
		return time.Time{}, fmt.Errorf("store: next due: %w", err)
	}
	return millis(at), nil
}

// DeliveriesByPrinter lists a printer's deliveries, newest first, without
// their payloads: at most limit of them, with ids below beforeID (0 for the
// newest).
func (s *Store) DeliveriesByPrinter(ctx context.Context, printerID, beforeID int64, limit int) ([]Delivery, error) {
	if beforeID <= 0 {
		beforeID = math.MaxInt64
	}
	rows, err := s.read.QueryContext(ctx, `SELECT `+deliveryColumns+` FROM deliveries WHERE printer_id = ? AND id < ? ORDER BY id DESC LIMIT ?`,
		printerID, beforeID, limit)
	if err != nil {
		return nil, fmt.Errorf("store: deliveries: %w", err)
	}
	defer rows.Close()
	var out []Delivery
	for rows.Next() {
		d, err := scanDelivery(rows, nil)
		if err != nil {
			return nil, fmt.Errorf("store: deliveries: %w", err)
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// MarkSent records that a pending delivery went out with a command id.
func (s *Store) MarkSent(ctx context.Context, id int64, commandID uint32) error {
	return s.transition(ctx, `state = ?, command_id = ?, sent_at = ?, attempts = attempts + 1`,
		[]any{StateSent, commandID, s.now()}, `id = ? AND state = ?`, id, StatePending)
}

// MarkAnswered records the bridge's answer to a sent delivery; the
// did-print event may have come first.
func (s *Store) MarkAnswered(ctx context.Context, commandID uint32, returnCode int) error {
	return s.transition(ctx, `answered_at = ?, return_code = ?`, []any{s.now(), returnCode},
		`command_id = ? AND state IN (?, ?)`, commandID, StateSent, StatePrinted)
}

// MarkPrinted finishes the delivery of a printer last sent with a command
// id: the printer says it printed it. A delivery put back in the queue (its
// answer was late) is finished too, so it is not printed twice. The printer
// is the one whose device said so: a command id counts only from the
// device it was sent to.
func (s *Store) MarkPrinted(ctx context.Context, printerID int64, commandID uint32) error {
	return s.transition(ctx, `state = ?, printed_at = ?`, []any{StatePrinted, s.now()},
		`command_id = ? AND printer_id = ? AND state IN (?, ?)`, commandID, printerID, StateSent, StatePending)
}

// HeldPrinted finishes the sent deliveries of the given commands (those
// that print as soon as they arrive) answered with success before a time
// and never said printed: the printer took them, and its did-print event
// was lost (a socket that died as it was sent). It returns how many.
func (s *Store) HeldPrinted(ctx context.Context, answeredBefore time.Time, commands []uint16) (int64, error) {
	args := []any{StatePrinted, s.now(), "printed, as far as anyone knows: the printer took it, and its word that it printed was lost",
		StateSent, answeredBefore.UnixMilli()}
	for _, c := range commands {
		args = append(args, c)
	}
	res, err := s.db.ExecContext(ctx, `UPDATE deliveries SET state = ?, printed_at = ?, reason = ? WHERE state = ? AND return_code = 0
		AND answered_at < ? AND command IN (?`+strings.Repeat(", ?", len(commands)-1)+`)`, args...)
	if err != nil {
		return 0, fmt.Errorf("store: held deliveries: %w", err)
	}
	return res.RowsAffected()
}

// RequeueUnfinished puts back in the queue a printer's sent deliveries that
// were never answered: they may not have arrived. Done when its dispatcher
// starts: what was on its way when the printer went away, or the server
// stopped, is sent again, so nothing is lost. An answered one stays sent:
// the printer holds it and prints it (core/doc.go, "Answers and prints"),
// so it is not printed twice. The dispatcher has one unanswered command
// at a time, so at most one delivery a printer is sent again.
func (s *Store) RequeueUnfinished(ctx context.Context, printerID int64) (int64, error) {
	res, err := s.db.ExecContext(ctx, `UPDATE deliveries SET state = ?, reason = ? WHERE printer_id = ? AND state = ? AND answered_at IS NULL`,
		StatePending, "sent again: it may not have arrived", printerID, StateSent)
	if err != nil {
		return 0, fmt.Errorf("store: requeue unfinished: %w", err)
	}
	return res.RowsAffected()
}

// AnswerLate applies an answer that came for a printer's delivery no
// dispatcher waits for (sent before a restart or a reconnect): if the
// delivery is still open and unanswered, it takes the state given (sent for
// success, pending to retry not before notBefore, failed) with the return
// code and reason. It returns ErrNotFound if no open, unanswered delivery
// of the printer has that command id.
func (s *Store) AnswerLate(ctx context.Context, printerID int64, commandID uint32, returnCode int, state State, notBefore time.Time, reason string) error {
	set, setArgs := `state = ?, answered_at = ?, return_code = ?, reason = ?, not_before = ?`, []any{state, s.now(), returnCode, reason, notBefore.UnixMilli()}
	where, whereArgs := `command_id = ? AND printer_id = ? AND state IN (?, ?) AND answered_at IS NULL`, []any{commandID, printerID, StateSent, StatePending}
	if state != StateFailed {
		return s.transition(ctx, set, setArgs, where, whereArgs...)
	}
	return s.transitionTold(ctx, set, setArgs, where, whereArgs, func(tx *sql.Tx) error {
		var id int64
		if err := tx.QueryRowContext(ctx, `SELECT MAX(id) FROM deliveries WHERE command_id = ? AND printer_id = ?`, commandID, printerID).Scan(&id); err != nil {
			return err
		}
		return s.raisePrintFailed(ctx, tx, id)
	})
}

// MarkExpired ends a pending delivery that is too old to print.
func (s *Store) MarkExpired(ctx context.Context, id int64, reason string) error {
	var printerID int64
	return s.transitionTold(ctx, `state = ?, reason = ?`, []any{StateExpired, reason}, `id = ? AND state = ?`, []any{id, StatePending},
		func(tx *sql.Tx) error {
			if err := tx.QueryRowContext(ctx, `SELECT printer_id FROM deliveries WHERE id = ?`, id).Scan(&printerID); err != nil {
				return err
			}
			return s.raiseExpired(ctx, tx, map[int64]int{printerID: 1})
		})
}

// ExpireDue ends every pending delivery whose expiry time has passed, and
// returns how many. Each printer's owner is told how many of theirs did.
func (s *Store) ExpireDue(ctx context.Context, now time.Time) (int64, error) {
	var n int64
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		const due = ` FROM deliveries WHERE state = ? AND expires_at IS NOT NULL AND expires_at <= ?`
		rows, err := tx.QueryContext(ctx, `SELECT printer_id, COUNT(*)`+due+` GROUP BY printer_id`, StatePending, now.UnixMilli())
		if err != nil {
			return err
		}
		counts := map[int64]int{}
		for rows.Next() {
			var p int64
			var c int
			if err := rows.Scan(&p, &c); err != nil {
				rows.Close()
				return err
			}
			counts[p] = c
		}
		rows.Close()
		if err := rows.Err(); err != nil || len(counts) == 0 {
			n = 0
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE deliveries SET state = ?, reason = ? WHERE state = ? AND expires_at IS NOT NULL AND expires_at <= ?`,
			StateExpired, "expired: not printed in time (the printer was away)", StatePending, now.UnixMilli())
		if err != nil {
			return err
		}
		if n, err = res.RowsAffected(); err != nil {
			return err
		}
		return s.raiseExpired(ctx, tx, counts)
	})
	if err != nil {
		return 0, fmt.Errorf("store: expire deliveries: %w", err)
	}
	return n, nil
}

// PruneDeliveries deletes finished deliveries (printed, failed, expired)
// made before a time: the history is kept for a while, not for ever.
func (s *Store) PruneDeliveries(ctx context.Context, before time.Time) (int64, error) {
	res, err := s.db.ExecContext(ctx, `DELETE FROM deliveries WHERE created_at < ? AND state IN (?, ?, ?)`,
		before.UnixMilli(), StatePrinted, StateFailed, StateExpired)
	if err != nil {
		return 0, fmt.Errorf("store: prune deliveries: %w", err)
	}
	return res.RowsAffected()
}

// MarkFailed gives a delivery up, with the reason in words.
func (s *Store) MarkFailed(ctx context.Context, id int64, returnCode int, reason string) error {
	return s.transitionTold(ctx, `state = ?, return_code = ?, reason = ?`, []any{StateFailed, returnCode, reason},
		`id = ? AND state IN (?, ?)`, []any{id, StatePending, StateSent}, func(tx *sql.Tx) error { return s.raisePrintFailed(ctx, tx, id) })
}

// Requeue puts a sent delivery back in the queue, to be sent again (with a
// new command id) not before notBefore.
func (s *Store) Requeue(ctx context.Context, id int64, notBefore time.Time, returnCode int, reason string) error {
	return s.transition(ctx, `state = ?, not_before = ?, return_code = ?, reason = ?`,
		[]any{StatePending, notBefore.UnixMilli(), returnCode, reason}, `id = ? AND state = ?`, id, StateSent)
}

// transition updates the deliveries matching where; none matching is
// ErrNotFound (it was not in the state the change starts from).
func (s *Store) transition(ctx context.Context, set string, setArgs []any, where string, whereArgs ...any) error {
	n, err := s.exec(ctx, `UPDATE deliveries SET `+set+` WHERE `+where, append(setArgs, whereArgs...)...)
	if err != nil {
		return fmt.Errorf("store: delivery: %w", err)
	}
	if n == 0 {
		return fmt.Errorf("store: delivery %v in the state to change from: %w", whereArgs[0], ErrNotFound)
	}
	return nil
}

// transitionTold is transition in a transaction with raise, which tells
// the owner of the change.
func (s *Store) transitionTold(ctx context.Context, set string, setArgs []any, where string, whereArgs []any, raise func(tx *sql.Tx) error) error {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE deliveries SET `+set+` WHERE `+where, append(setArgs, whereArgs...)...)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return fmt.Errorf("delivery %v in the state to change from: %w", whereArgs[0], ErrNotFound)
		}
		return raise(tx)
	})
	if err != nil {
		return fmt.Errorf("store: delivery: %w", err)
	}
	return nil
}

// DeleteDelivery removes a finished delivery (printed, failed, expired) of a
// printer from its history. It returns ErrNotFound if the printer has no
// such delivery, ErrUnfinished if it is still pending or sent.
func (s *Store) DeleteDelivery(ctx context.Context, printerID, id int64) error {
	res, err := s.db.ExecContext(ctx, `DELETE FROM deliveries WHERE id = ? AND printer_id = ? AND state IN (?, ?, ?)`,
		id, printerID, StatePrinted, StateFailed, StateExpired)
	if err != nil {
		return fmt.Errorf("store: delete delivery: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("store: delete delivery: %w", err)
	} else if n > 0 {
		return nil
	}
	var state string
	err = s.db.QueryRowContext(ctx, `SELECT state FROM deliveries WHERE id = ? AND printer_id = ?`, id, printerID).Scan(&state)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("store: delivery %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("store: delete delivery: %w", err)
	}
	return fmt.Errorf("store: delivery %d is %s: %w", id, state, ErrUnfinished)
}
