package core

import (
	"context"
	"errors"
	"strconv"
	"time"

	"paperboy/store"
)

// deliveryJSON is a delivery as the API shows it.
type deliveryJSON struct {
	ID         int64       `json:"id"`
	Kind       string      `json:"kind"`
	State      store.State `json:"state"`
	CreatedAt  time.Time   `json:"created_at"`
	SentAt     *time.Time  `json:"sent_at"`
	PrintedAt  *time.Time  `json:"printed_at"`
	Attempts   int         `json:"attempts"`
	ReturnCode *int        `json:"return_code"`
	Reason     string      `json:"reason,omitempty"`
	Sender     string      `json:"sender,omitempty"` // the friend who sent a message
}

// ownDelivery is the printer and the delivery named in the path, if the
// printer is the user's and the delivery is the printer's.
func (s *Server) ownDelivery(ctx context.Context, u store.User, printerID, deliveryID string) (store.Printer, store.Delivery, error) {
	p, err := s.ownPrinter(ctx, u, printerID)
	if err != nil {
		return p, store.Delivery{}, err
	}
	notFound := errNotFound("no such delivery: " + deliveryID)
	id, err := strconv.ParseInt(deliveryID, 10, 64)
	if err != nil {
		return p, store.Delivery{}, notFound
	}
	d, err := s.store.DeliveryByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && d.PrinterID != p.ID) {
		return p, store.Delivery{}, notFound
	}
	return p, d, err
}
