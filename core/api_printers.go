package core

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"paperboy/store"
)

// readClaim reads and checks a claim request.
func readClaim(w http.ResponseWriter, r *http.Request) (claimRequest, error) {
	var req claimRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return req, err
	}
	return checkClaim(req)
}

func (s *Server) handlePrinterClaim(w http.ResponseWriter, r *http.Request) error {
	req, err := readClaim(w, r)
	if err != nil {
		return err
	}
	p, err := s.claimPrinter(r.Context(), user(r), s.clientIP(r), req)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, s.printerJSON(p))
	return nil
}

func (s *Server) handlePrinterList(w http.ResponseWriter, r *http.Request) error {
	pg, err := readPage(r)
	if err != nil {
		return err
	}
	ps, err := s.store.PrintersByOwner(r.Context(), user(r).ID)
	if err != nil {
		return err
	}
	ps, next, err := pageOf(ps, func(p store.Printer) string { return idKey(p.ID) }, pg)
	if err != nil {
		return err
	}
	out := make([]printerJSON, len(ps))
	for i, p := range ps {
		out[i] = s.printerJSON(p)
	}
	writeJSON(w, http.StatusOK, listJSON("printers", out, next))
	return nil
}

// handlePrinterChange sets what an owner may change of a printer: its name
// and its time zone, {"name": "Kitchen", "time_zone": "Europe/London"}
// (either or both).
func (s *Server) handlePrinterChange(w http.ResponseWriter, r *http.Request) error {
	p, err := s.pathPrinter(r)
	if err != nil {
		return err
	}
	var req struct {
		Name         *string `json:"name"`
		TimeZone     *string `json:"time_zone"`
		OfflineHours *int    `json:"offline_notice_hours"`
	}
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	if req.Name == nil && req.TimeZone == nil && req.OfflineHours == nil {
		return errBadRequest(`nothing to change: send {"name": "Kitchen"}, {"time_zone": "Europe/London"} or {"offline_notice_hours": 24}`)
	}
	var after time.Duration
	if req.OfflineHours != nil {
		if after, err = offlineAfter(*req.OfflineHours, "offline_notice_hours"); err != nil {
			return err
		}
	}
	if err := s.changePrinter(r.Context(), &p, req.Name, req.TimeZone); err != nil {
		return err
	}
	if req.OfflineHours != nil {
		if err := s.store.SetOfflineNotice(r.Context(), p.ID, after); err != nil {
			return err
		}
		p.OfflineNotice = after
	}
	writeJSON(w, http.StatusOK, s.printerJSON(p))
	return nil
}

// moveRequest is the body of POST /api/v1/printers/{id}/move.
type moveRequest struct {
	BridgeAddress string `json:"bridge_address"`
}

func (s *Server) handlePrinterMove(w http.ResponseWriter, r *http.Request) error {
	p, err := s.pathPrinter(r)
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

// eventJSON is a printer's event as the API shows it.
type eventJSON struct {
	Kind    string    `json:"kind"`
	At      time.Time `json:"at"`
	Message string    `json:"message"`
}

func (s *Server) handlePrinterEvents(w http.ResponseWriter, r *http.Request) error {
	p, err := s.pathPrinter(r)
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

func (s *Server) handlePrinterPersonality(w http.ResponseWriter, r *http.Request) error {
	p, err := s.pathPrinter(r)
	if err != nil {
		return err
	}
	if err := s.allowPersonality(user(r)); err != nil {
		return err
	}
	r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxUploadBytes)
	if err := r.ParseMultipartForm(s.cfg.MaxUploadBytes); err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return err
		}
		return errBadRequest("a multipart form with the images " + strings.Join(personalityImages, ", ") + " is expected")
	}
	defer r.MultipartForm.RemoveAll()
	bms, err := s.personalityBitmaps(r.Context(), r.MultipartForm, false)
	if err != nil {
		return err
	}
	d, err := s.setPersonality(r.Context(), p, bms)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusAccepted, map[string]any{"delivery_id": d.ID, "state": d.State})
	return nil
}
