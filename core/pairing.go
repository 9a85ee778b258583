package core

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"paperboy/codec"
	"paperboy/store"
)

// eventsLen is how many of a printer's events its page and the API show.
const eventsLen = 20

// moveRequest is the body of POST /api/v1/printers/{id}/move.
type moveRequest struct {
	BridgeAddress string `json:"bridge_address"`
}

// confirmMove lets a printer print behind the bridge its device has shown
// up behind: its owner says they moved it (core/doc.go). The bridge must be
// the one the printer page shows, so that a stale page confirms nothing.
func (s *Server) confirmMove(ctx context.Context, p *store.Printer, bridge string) error {
	addr, err := codec.ParseAddress(bridge)
	if err != nil {
		return errField("bridge_address", "bridge_address must be the 16 hex digits of the bridge the printer shows up behind")
	}
	err = s.store.ConfirmMove(ctx, p.ID, addr.String())
	if errors.Is(err, store.ErrNotFound) {
		return &httpError{http.StatusConflict, fmt.Sprintf("the printer has not shown up behind bridge %s: nothing to confirm", addr)}
	}
	if err != nil {
		return err
	}
	s.log.Info("printer move confirmed", "printer", p.ID, "bridge", addr)
	s.recheck(p.DeviceAddress)
	*p, err = s.store.PrinterByID(ctx, p.ID)
	return err
}

func (s *Server) handlePrinterMove(w http.ResponseWriter, r *http.Request) error {
	p, err := s.ownPrinter(r)
	if err != nil {
		return err
	}
	var req moveRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	if err := s.confirmMove(r.Context(), &p, req.BridgeAddress); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.printerJSON(p))
	return nil
}

func (s *Server) handleWebPrinterMove(w http.ResponseWriter, r *http.Request) error {
	p, err := s.ownPrinter(r)
	if err != nil {
		return err
	}
	if err := s.confirmMove(r.Context(), &p, r.PostFormValue("bridge_address")); err != nil {
		return err
	}
	return redirect(w, r, fmt.Sprintf("/printers/%d", p.ID), "moved")
}

// eventJSON is a printer's event as the API shows it.
type eventJSON struct {
	Kind    string    `json:"kind"`
	At      time.Time `json:"at"`
	Message string    `json:"message"`
}

func (s *Server) handlePrinterEvents(w http.ResponseWriter, r *http.Request) error {
	p, err := s.ownPrinter(r)
	if err != nil {
		return err
	}
	es, err := s.store.PrinterEvents(r.Context(), p.ID, eventsLen)
	if err != nil {
		return err
	}
	out := make([]eventJSON, len(es))
	for i, e := range es {
		out[i] = eventJSON{Kind: e.Kind, At: e.CreatedAt, Message: e.Message}
	}
	writeJSON(w, http.StatusOK, map[string]any{"events": out})
	return nil
}
