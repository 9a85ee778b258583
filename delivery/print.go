package delivery

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"strings"
	"time"

	"paperboy/codec"
	"paperboy/store"
)

// Print is content on its way to a printer, whatever door it came in by (a
// message, an edition asked for now, a scheduled edition, a personality):
// Queue.Print turns it into a delivery, the one way content becomes a
// print (design.md, "The shape", 3).
type Print struct {
	PrinterID int64
	Kind      string // message, edition, personality…
	// Sender is who sent a message, as shown; "" for the owner's own.
	Sender string
	// Publication made the picture, if one did: failures name it.
	Publication string
	// Edition is a picture a publication made (a PNG), checked here; or
	// Pictures, made already (by codec from an upload).
	Edition  []byte
	Pictures []*codec.Bitmap
	// Mode says when a delivery prints; Command, if set, is another
	// command the pictures are for (a personality), and Mode is ignored.
	Mode    store.Mode
	Command codec.CommandCode
	// NotBefore is when it may be sent, zero for now.
	NotBefore time.Time
	// Claim is a scheduled edition's claim: the delivery is recorded on it
	// as it is queued (store.DeliverEdition), or not queued at all.
	Claim *store.Edition
}

// PictureError is a publication's picture that cannot be printed: the
// publication's fault, not the reader's.
type PictureError struct {
	Publication string
	Err         error
}

func (e *PictureError) Error() string { return e.Publication + ": " + e.Err.Error() }
func (e *PictureError) Unwrap() error { return e.Err }

// command is the command a print's pictures go in.
func (p Print) command() codec.CommandCode {
	switch {
	case p.Command != 0:
		return p.Command
	case p.Mode == store.ModeButton:
		return codec.SetDelivery
	}
	return codec.SetDeliveryAndPrint
}

// Print makes content a delivery in its printer's queue: the picture is
// checked (an edition's), the command chosen, the command encoded and the
// delivery stored, as Enqueue (or EnqueueEdition, with a Claim) does. An
// edition's picture that cannot be printed is recorded in the printer's
// history as a failed delivery that says why, and returned as a
// *PictureError. It returns ErrQueueFull or ErrTooLarge (wrapped) over the
// limits, and store.ErrNotFound if a Claim is no longer the caller's.
func (q *Queue) Print(ctx context.Context, p Print) (store.Delivery, error) {
	cmd := p.command()
	payload, err := q.payload(p, cmd)
	var perr *PictureError
	if errors.As(err, &perr) {
		q.NotPrinted(ctx, p.PrinterID, p.Kind, perr)
		return store.Delivery{}, perr
	}
	if err != nil {
		return store.Delivery{}, fmt.Errorf("delivery: %w", err)
	}
	n := store.NewDelivery{PrinterID: p.PrinterID, Kind: p.Kind, Command: uint16(cmd), Payload: payload,
		NotBefore: p.NotBefore, Sender: p.Sender}
	if p.Claim != nil {
		return q.EnqueueEdition(ctx, *p.Claim, n)
	}
	return q.Enqueue(ctx, n)
}

// payload is a print's command payload; an edition alone (as the
// scheduler prints them) is made once for all who get the same picture.
func (q *Queue) payload(p Print, cmd codec.CommandCode) ([]byte, error) {
	pictures := p.Pictures
	var key editionKey
	shareable := p.Edition != nil && len(pictures) == 0
	if shareable {
		key = editionKey{picture: sha256.Sum256(p.Edition), cmd: cmd}
		if payload, ok := q.editions.get(key); ok {
			return payload, nil
		}
	}
	if p.Edition != nil {
		bm, err := codec.DecodeEdition(p.Edition)
		if err != nil {
			return nil, &PictureError{Publication: p.Publication, Err: err}
		}
		pictures = append(pictures, bm)
	}
	payload, err := codec.EncodePayload(cmd, 0, pictures...)
	if err == nil && shareable {
		q.editions.put(key, payload)
	}
	return payload, err
}

// NotPrintedReason is how a printer's history says why a print was not
// made: "not printed: " and the error, which names its publication once.
func NotPrintedReason(err error) string {
	return "not printed: " + err.Error()
}

// Named prefixes an error's words with a publication's name, unless they
// start with it already.
func Named(publication string, err error) error {
	if publication == "" || strings.HasPrefix(err.Error(), publication+": ") {
		return err
	}
	return fmt.Errorf("%s: %w", publication, err)
}

// NotPrinted records in a printer's history a print that could not be made
// (its publication failed), with why. A failure to record it is logged:
// the caller has an error of its own to report.
func (q *Queue) NotPrinted(ctx context.Context, printerID int64, kind string, why error) {
	q.Failed(ctx, printerID, kind, NotPrintedReason(why))
}

// Failed records in a printer's history something that did not print, with
// its reason in words (clipped by the store). A failure to record it is
// logged.
func (q *Queue) Failed(ctx context.Context, printerID int64, kind, reason string) {
	if _, err := q.store.CreateFailedDelivery(context.WithoutCancel(ctx), printerID, kind, reason); err != nil {
		q.log.Error("record a failed print", "printer", printerID, "reason", reason, "error", err)
	}
}
