package core

import (
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"paperboy/delivery"
	"paperboy/plugins"
	"paperboy/sdk"
	"paperboy/store"
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
	p, err := s.pathPrinter(r)
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
		return errPublication(pe.Error())
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

// printRequest reads a message. The picture is decoded here once, within
// the budget for pictures, so a bad one is the sender's error and not the
// publication's, and the publication gets a small one.
func (s *Server) printRequest(w http.ResponseWriter, r *http.Request) (printReq, error) {
	var req printReq
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch mt {
	case "application/json":
		var body struct {
			Text string `json:"text"`
			Mode string `json:"mode"`
		}
		if err := decodeJSON(w, r, &body); err != nil {
			return req, err
		}
		mode, err := parseMode(body.Mode, store.ModeNow)
		if err != nil {
			return req, err
		}
		req.text, req.mode = body.Text, mode
	case "multipart/form-data":
		r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxUploadBytes)
		if err := r.ParseMultipartForm(s.cfg.MaxUploadBytes); err != nil {
			var tooLarge *http.MaxBytesError
			if errors.As(err, &tooLarge) {
				return req, err
			}
			return req, errBadRequest("a multipart form with a text or an image file is expected: " + err.Error())
		}
		defer r.MultipartForm.RemoveAll()
		mode, err := parseMode(r.FormValue("mode"), store.ModeNow)
		if err != nil {
			return req, err
		}
		req.text, req.mode = r.FormValue("text"), mode
		if r.MultipartForm.File["image"] != nil {
			f, _, err := r.FormFile("image")
			if err != nil {
				return req, errBadRequest("the image file cannot be read: " + err.Error())
			}
			defer f.Close()
			data, err := io.ReadAll(f)
			if err != nil {
				return req, err
			}
			if req.image, err = s.messagePicture(r.Context(), data); err != nil {
				return req, err
			}
		} else if shared := r.FormValue("shared_photo"); shared != "" {
			// A photo shared to the web app, as the send page carries it
			// back (handleShare): made again, as any upload, for the form
			// is the user's to change.
			data, err := base64.StdEncoding.DecodeString(shared)
			if err != nil {
				return req, errField("image", "the shared photo cannot be read: share it again")
			}
			if req.image, err = s.messagePicture(r.Context(), data); err != nil {
				return req, err
			}
		}
	default:
		return req, errBadRequest(`send JSON {"text": "…"} or a multipart form with a "text" or an "image" file`)
	}
	if strings.TrimSpace(req.text) == "" && req.image == nil {
		return req, errBadRequest("the message is empty: send a text or a picture")
	}
	if !utf8.ValidString(req.text) { // the plugin protocol takes only text
		return req, errBadRequest("the text is not valid text (UTF-8): type it again")
	}
	if len(req.text) > sdk.MaxTextBytes {
		return req, errBadRequest(fmt.Sprintf("the text is too long: at most %d KB", sdk.MaxTextBytes>>10))
	}
	return req, nil
}

// messageRequest is the printer in the path the user may print on, and the
// message the request carries. When the printer is not one, the printer
// returned is the zero one.
func (s *Server) messageRequest(w http.ResponseWriter, r *http.Request) (store.Printer, printReq, error) {
	p, err := s.printablePrinter(r.Context(), user(r), r.PathValue("id"))
	if err != nil {
		return store.Printer{}, printReq{}, err
	}
	req, err := s.printRequest(w, r)
	return p, req, err
}
