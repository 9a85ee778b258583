package core

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"paperboy/store"
)

// timeZones are the zones the time-zone select offers: UTC and the zones
// of places of the tz database's zone.tab, the ones the store takes.
var timeZones = store.TimeZones()

// historyLen is how many deliveries a printer's page shows.
const historyLen = 50

// homePage is the start page: a welcome, or the user's printers.
type homePage struct {
	Printers []printerJSON
	Shared   []store.SharedPrinter // friends' printers the user may print on
	Claim    claimRequest
	Errors   map[string]string // by field: claim_code, name
}

func (s *Server) handleHome(w http.ResponseWriter, r *http.Request) error {
	if webState(r).user.ID == 0 {
		return s.render(w, r, http.StatusOK, "welcome", "Welcome", nil)
	}
	return s.renderHome(w, r, http.StatusOK, homePage{Errors: map[string]string{}})
}

func (s *Server) renderHome(w http.ResponseWriter, r *http.Request, status int, page homePage) error {
	ps, err := s.store.PrintersByOwner(r.Context(), user(r).ID)
	if err != nil {
		return err
	}
	for _, p := range ps {
		page.Printers = append(page.Printers, s.printerJSON(p))
	}
	if page.Shared, err = s.store.SharedPrinters(r.Context(), user(r).ID); err != nil {
		return err
	}
	return s.render(w, r, status, "home", "Your printers", page)
}

// handleWebClaim claims a printer from the form on the start page, by the
// API's path (checkClaim, claimPrinter).
func (s *Server) handleWebClaim(w http.ResponseWriter, r *http.Request) error {
	req, err := checkClaim(claimRequest{ClaimCode: r.PostFormValue("claim_code"), Name: r.PostFormValue("name")})
	var p store.Printer
	if err == nil {
		p, err = s.claimPrinter(r.Context(), user(r), s.clientIP(r), req)
	}
	if err != nil {
		return s.formError(w, r, err, func(status int, field, msg string) error {
			if field == "" {
				field = "claim_code"
			}
			return s.renderHome(w, r, status, homePage{Claim: req, Errors: map[string]string{field: msg}})
		})
	}
	return redirect(w, r, fmt.Sprintf("/printers/%d", p.ID), "claimed")
}

// printerPage is a printer's page.
type printerPage struct {
	Printer       printerJSON
	Zones         []string
	History       []deliveryView
	Events        []store.PrinterEvent // what happened to it: paired, moved, handed on
	Subscriptions []subscriptionView
	OfflineHours  int               // how long it may be offline before its owner is told; 0: never
	Name          string            // a name refused, kept in its field
	Errors        map[string]string // by field: name, time_zone, and the personality pictures
}

// deliveryView is one print in the history.
type deliveryView struct {
	store.Delivery
	Preview  string // its picture's URL, "" if it has none
	Finished bool   // printed, failed or expired: it may be deleted
}

func (s *Server) handlePrinterPage(w http.ResponseWriter, r *http.Request) error {
	p, err := s.pathPrinter(r)
	if err != nil {
		return err
	}
	return s.renderPrinter(w, r, http.StatusOK, p, printerPage{Errors: map[string]string{}})
}

func (s *Server) renderPrinter(w http.ResponseWriter, r *http.Request, status int, p store.Printer, page printerPage) error {
	ds, err := s.store.DeliveriesByPrinter(r.Context(), p.ID, 0, historyLen)
	if err != nil {
		return err
	}
	for _, d := range ds {
		v := deliveryView{Delivery: d}
		if d.Command != 0 { // a failed edition has no picture
			v.Preview = fmt.Sprintf("/printers/%d/deliveries/%d/preview.png", p.ID, d.ID)
		}
		switch d.State {
		case store.StatePrinted, store.StateFailed, store.StateExpired:
			v.Finished = true
		}
		page.History = append(page.History, v)
	}
	if page.Events, err = s.store.PrinterEvents(r.Context(), p.ID, eventsLen); err != nil {
		return err
	}
	if page.Subscriptions, err = s.subscriptionViews(r.Context(), p); err != nil {
		return err
	}
	page.OfflineHours = int(p.OfflineNotice / time.Hour)
	page.Printer, page.Zones = s.printerJSON(p), timeZones
	return s.render(w, r, status, "printer", p.Name, page)
}

// handleWebPrinterChange renames the printer or sets its time zone, from
// the printer page's forms, each of which sends its own field.
func (s *Server) handleWebPrinterChange(w http.ResponseWriter, r *http.Request) error {
	p, err := s.pathPrinter(r)
	if err != nil {
		return err
	}
	var name, zone *string
	done := "zone"
	if v, ok := r.PostForm["name"]; ok {
		name, done = &v[0], "renamed"
	}
	if v, ok := r.PostForm["time_zone"]; ok {
		zone = &v[0]
	}
	if name == nil && zone == nil {
		return errBadRequest("nothing to change: the form sent neither a name nor a time zone")
	}
	if err := s.changePrinter(r.Context(), &p, name, zone); err != nil {
		return s.formError(w, r, err, func(status int, field, msg string) error {
			page := printerPage{Errors: map[string]string{field: msg}}
			if name != nil {
				page.Name = *name
			}
			return s.renderPrinter(w, r, status, p, page)
		})
	}
	return redirect(w, r, fmt.Sprintf("/printers/%d", p.ID), done)
}

// handleWebReprint queues a print of the history again, as it was.
func (s *Server) handleWebReprint(w http.ResponseWriter, r *http.Request) error {
	p, d, err := s.ownDelivery(r.Context(), user(r), r.PathValue("id"), r.PathValue("delivery"))
	if err != nil {
		return err
	}
	if len(d.Payload) == 0 {
		return errBadRequest(fmt.Sprintf("that print has nothing to print again: %s", d.Reason))
	}
	if err := s.allowPrint(user(r)); err != nil {
		return err
	}
	again, err := s.queue.Enqueue(r.Context(), store.NewDelivery{PrinterID: p.ID, Kind: d.Kind, Command: d.Command, Payload: d.Payload, Sender: d.Sender})
	if err != nil {
		return err
	}
	s.log.Info("print queued again", "user", user(r).ID, "printer", p.ID, "delivery_id", again.ID)
	return redirect(w, r, fmt.Sprintf("/printers/%d", p.ID), "reprinted")
}

// handleWebDeliveryDelete deletes a finished print from the history.
func (s *Server) handleWebDeliveryDelete(w http.ResponseWriter, r *http.Request) error {
	p, d, err := s.ownDelivery(r.Context(), user(r), r.PathValue("id"), r.PathValue("delivery"))
	if err != nil {
		return err
	}
	err = s.store.DeleteDelivery(r.Context(), p.ID, d.ID)
	if errors.Is(err, store.ErrUnfinished) {
		return errConflict("That print has not finished yet: it can be deleted once it has printed, failed or expired.")
	}
	if err != nil {
		return err
	}
	return redirect(w, r, fmt.Sprintf("/printers/%d", p.ID), "deleted")
}

func (s *Server) handleWebPrinterMove(w http.ResponseWriter, r *http.Request) error {
	p, err := s.pathPrinter(r)
	if err != nil {
		return err
	}
	if err := s.confirmMove(r.Context(), &p, r.PostFormValue("bridge_address")); err != nil {
		return err
	}
	return redirect(w, r, fmt.Sprintf("/printers/%d", p.ID), "moved")
}

// handleWebPersonality sets a printer's personality from the form on its
// page, by the API's path (s.personalityBitmaps, setPersonality): the face,
// and the other three pictures if given; those not given are the face.
func (s *Server) handleWebPersonality(w http.ResponseWriter, r *http.Request) error {
	p, err := s.pathPrinter(r)
	if err != nil {
		return err
	}
	if _, _, ferr := r.FormFile("face"); ferr != nil {
		err = errField("face", "Choose a picture for the face: a PNG, JPEG or GIF.")
	}
	if err == nil {
		err = s.allowPersonality(user(r))
	}
	if err == nil {
		bms, berr := s.personalityBitmaps(r.Context(), r.MultipartForm, true)
		if err = berr; err == nil {
			_, err = s.setPersonality(r.Context(), p, bms)
		}
	}
	if err != nil {
		return s.formError(w, r, err, func(status int, field, msg string) error {
			if field == "" || field == "dither" {
				field = "face"
			}
			return s.renderPrinter(w, r, status, p, printerPage{Errors: map[string]string{field: msg}})
		})
	}
	return redirect(w, r, fmt.Sprintf("/printers/%d", p.ID), "personality")
}
