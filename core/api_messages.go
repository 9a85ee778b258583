package core

import (
	"errors"
	"net/http"
	"paperboy/delivery"
	"paperboy/plugins"
	"paperboy/sdk"
	"paperboy/store"
	"time"
)

// handlePrinterPrint prints a message on the user's printer or a friend's
// who allowed them, pushed to the friends publication,
// which makes it a note with the sender's name and the time: JSON {"text":
// "…", "mode": …} or a multipart form with "text", an "image" file (PNG,
// JPEG or GIF, a drawing or a photo), or both.
func (s *Server) handlePrinterPrint(w http.ResponseWriter, r *http.Request) error {
	p, req, err := s.messageRequest(w, r)
	if err != nil {
		return err
	}
	d, err := s.printMessage(r.Context(), p, user(r), req)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusAccepted, map[string]any{"delivery_id": d.ID, "state": d.State})
	return nil
}

// handleEditionPrint prints an edition of a publication now:
// {"publication": "weather", "config": {…}, "time_zone": "Europe/London"
// (the printer's if left out), "mode": "now"|"button"}.
func (s *Server) handleEditionPrint(w http.ResponseWriter, r *http.Request) error {
	p, err := s.ownPrinter(r)
	if err != nil {
		return err
	}
	var req struct {
		Publication string            `json:"publication"`
		Config      map[string]string `json:"config"`
		TimeZone    string            `json:"time_zone"`
		Mode        string            `json:"mode"`
	}
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	meta, err := s.publicationFor(req.Publication)
	if err != nil {
		return err
	}
	mode, err := parseMode(req.Mode, store.ModeNow)
	if err != nil {
		return err
	}
	loc := p.Location() // the printer's, unless the request says another
	if req.TimeZone != "" {
		if err := store.CheckTimeZone(req.TimeZone); err != nil {
			return zoneError(req.TimeZone, err)
		}
		if loc, err = time.LoadLocation(req.TimeZone); err != nil {
			return err
		}
	}
	if err := s.allowPrint(user(r)); err != nil { // an edition is a print, and a publication's work
		return err
	}
	if ok, err := s.validateConfig(w, r, req.Publication, req.Config); !ok {
		return err
	}
	cfg, _ := meta.CheckConfig(sdk.Config(req.Config))
	ed, err := s.printEdition(r.Context(), delivery.Print{PrinterID: p.ID, Kind: "edition", Publication: req.Publication, Mode: mode},
		sdk.RenderArgs{Config: cfg, Time: s.now().In(loc)})
	var pe *plugins.Error
	if errors.As(err, &pe) {
		return &httpError{http.StatusBadGateway, pe.Error()}
	}
	if err != nil {
		return err
	}
	switch {
	case ed.nothingToday:
		writeJSON(w, http.StatusOK, map[string]any{"nothing_today": true})
	case ed.finished != "":
		writeJSON(w, http.StatusOK, map[string]any{"finished": ed.finished})
	default:
		writeJSON(w, http.StatusAccepted, map[string]any{"delivery_id": ed.delivery.ID, "state": ed.delivery.State})
	}
	return nil
}
