package core

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"paperboy/delivery"
	"paperboy/plugins"
	"paperboy/sdk"
	"paperboy/store"
	"strings"
	"time"
	"unicode/utf8"
)

// FriendsPublication is the push publication friends' messages go through.
const FriendsPublication = "friends"

// printMessage prints a user's message on a printer (the user's own or a
// friend's), through the friends publication: the print of the API and of
// the web app.
func (s *Server) printMessage(ctx context.Context, p store.Printer, u store.User, req printReq) (store.Delivery, error) {
	if err := s.allowMessage(p, u); err != nil {
		return store.Delivery{}, err
	}
	if s.plugins == nil {
		return store.Delivery{}, &httpError{http.StatusServiceUnavailable, ErrNoPublications.Error()}
	}
	sender := ""
	if u.ID != p.OwnerID {
		sender = u.Email
	}
	ed, err := s.printEdition(ctx, delivery.Print{PrinterID: p.ID, Kind: "message", Sender: sender, Publication: FriendsPublication,
		Mode: req.mode}, messageArgs(s.now(), p, u, req))
	if err != nil {
		return store.Delivery{}, messageError(err)
	}
	if ed.delivery.ID == 0 {
		return store.Delivery{}, errNothingMade
	}
	s.log.Info("print queued", "user", u.ID, "printer", p.ID, "delivery_id", ed.delivery.ID, "from_friend", sender != "")
	return ed.delivery, nil
}

// previewMessage renders a message as it would print, without printing
// it: the note as a 1-bit PNG.
func (s *Server) previewMessage(ctx context.Context, p store.Printer, u store.User, req printReq) ([]byte, error) {
	if ok, wait := s.previews.take(u.ID, s.now()); !ok {
		return nil, errTooMany(fmt.Sprintf("Too many previews: at most %d a minute. Try again in %s.", 2*s.cfg.PrintsPerMinute, wait), wait)
	}
	if s.plugins == nil {
		return nil, &httpError{http.StatusServiceUnavailable, ErrNoPublications.Error()}
	}
	data, err := s.editionPNG(ctx, FriendsPublication, messageArgs(s.now(), p, u, req))
	if err == nil && data == nil {
		return nil, errNothingMade
	}
	return data, messageError(err)
}

// messageArgs is what the friends publication is given for a message: the
// note shows the time where the printer is.
func messageArgs(now time.Time, p store.Printer, u store.User, req printReq) sdk.RenderArgs {
	return sdk.RenderArgs{
		Config: sdk.Config{}, Time: now.In(p.Location()),
		Push: &sdk.PushItem{Sender: u.Email, Text: req.text, Image: req.image, SentAt: now},
	}
}

// messageError is how a failure of the friends publication is answered.
func messageError(err error) error {
	var pe *plugins.Error
	switch {
	case errors.Is(err, plugins.ErrUnknown):
		return &httpError{http.StatusServiceUnavailable, "messages print through the friends publication, which is not installed"}
	case errors.As(err, &pe):
		return &httpError{http.StatusBadGateway, pe.Error()}
	}
	return err
}

// errNothingMade is the friends publication's answer of nothing to a
// message.
var errNothingMade = &httpError{http.StatusBadGateway, "the friends publication made nothing of the message"}

// printReq is a message: a text, a picture, or both.
type printReq struct {
	text string
	// image is the picture as the publication gets it: made from the
	// upload (a PNG, JPEG or GIF) by messagePicture, a grey PNG at most
	// the print's width.
	image []byte
	mode  store.Mode
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
			if req.image, err = s.messagePicture(w, r, data); err != nil {
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

// printablePrinter is the printer named in the path, if the user may print
// on it: their own, or a friend's who allowed them. Any other is not found,
// as one that does not exist.
func (s *Server) printablePrinter(r *http.Request) (store.Printer, error) {
	p, err := s.pathPrinter(r)
	if err != nil || p.OwnerID == user(r).ID {
		return p, err
	}
	ok, err := s.store.MayPrint(r.Context(), p.ID, user(r).ID)
	if err != nil {
		return store.Printer{}, err
	}
	if !ok {
		return store.Printer{}, errNoPrinter(r)
	}
	return p, nil
}

// messageRequest is the printer in the path the user may print on, and the
// message the request carries. When the printer is not one, the printer
// returned is the zero one.
func (s *Server) messageRequest(w http.ResponseWriter, r *http.Request) (store.Printer, printReq, error) {
	p, err := s.printablePrinter(r)
	if err != nil {
		return store.Printer{}, printReq{}, err
	}
	req, err := s.printRequest(w, r)
	return p, req, err
}
