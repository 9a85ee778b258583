package core

import (
	"errors"
	"net/http"
	"paperboy/store"
	"strconv"
	"time"
)

// deliveryJSON is a delivery as the API shows it.
type deliveryJSON struct {
	ID         int64      `json:"id"`
	Kind       string     `json:"kind"`
	State      string     `json:"state"`
	CreatedAt  time.Time  `json:"created_at"`
	SentAt     *time.Time `json:"sent_at"`
	PrintedAt  *time.Time `json:"printed_at"`
	Attempts   int        `json:"attempts"`
	ReturnCode *int       `json:"return_code"`
	Reason     string     `json:"reason,omitempty"`
	Sender     string     `json:"sender,omitempty"` // the friend who sent a message
}

// ownDelivery is the printer and the delivery named in the path, if the
// printer is the user's and the delivery is the printer's.
func (s *Server) ownDelivery(r *http.Request) (store.Printer, store.Delivery, error) {
	p, err := s.ownPrinter(r)
	if err != nil {
		return p, store.Delivery{}, err
	}
	notFound := errNotFound("no such delivery: " + r.PathValue("delivery"))
	id, err := strconv.ParseInt(r.PathValue("delivery"), 10, 64)
	if err != nil {
		return p, store.Delivery{}, notFound
	}
	d, err := s.store.DeliveryByID(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && d.PrinterID != p.ID) {
		return p, store.Delivery{}, notFound
	}
	return p, d, err
}
