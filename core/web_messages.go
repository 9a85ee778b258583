package core

import (
	"context"
	"fmt"
	"net/http"

	"paperboy/store"
)

// sendPage is where a message is written, drawn or photographed for a
// printer: the user's own or a friend's.
type sendPage struct {
	Printer printerJSON
	Owner   string // the printer's owner, when it is a friend's
	Own     bool
	Text    string
	Errors  map[string]string // by field: text, image
	Action  string            // where the form goes: the printer's /send, or /share/send
	// A share's (handleShare): the printers it may go to, a choice when
	// more than one, and its photo as the message's picture (messagePicture's
	// PNG, base64), which the form sends back as shared_photo.
	Choices []printerChoice
	Photo   string
}

func (s *Server) sendPageFor(ctx context.Context, u store.User, p store.Printer) (sendPage, error) {
	page := sendPage{Printer: s.printerJSON(p), Own: p.OwnerID == u.ID, Errors: map[string]string{}, Action: fmt.Sprintf("/printers/%d/send", p.ID)}
	if !page.Own {
		owner, err := s.store.UserByID(ctx, p.OwnerID)
		if err != nil {
			return page, err
		}
		page.Owner = owner.DisplayName()
	}
	return page, nil
}

func (s *Server) handleSendPage(w http.ResponseWriter, r *http.Request) error {
	p, err := s.printablePrinter(r.Context(), user(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	page, err := s.sendPageFor(r.Context(), user(r), p)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "send", "Send to "+p.Name, page)
}

// handleWebSend prints a message from the send page or the printer page's
// form; a refused one is shown on the send page, kept, with why.
func (s *Server) handleWebSend(w http.ResponseWriter, r *http.Request) error {
	p, req, err := s.messageRequest(w, r)
	if p.ID == 0 {
		return err // not a printer the user may print on: not found
	}
	if err == nil {
		_, err = s.printMessage(r.Context(), p, user(r), req)
	}
	if err != nil {
		return s.formError(w, r, err, func(status int, _, msg string) error {
			page, perr := s.sendPageFor(r.Context(), user(r), p)
			if perr != nil {
				return perr
			}
			page.Text, page.Errors["text"] = r.PostFormValue("text"), msg
			page.Photo = sharedPhoto(r)
			return s.render(w, r, status, "send", "Send to "+p.Name, page)
		})
	}
	if p.OwnerID == user(r).ID {
		return redirect(w, r, fmt.Sprintf("/printers/%d", p.ID), "printed")
	}
	return redirect(w, r, fmt.Sprintf("/printers/%d/send", p.ID), "printed")
}

// handleWebSendPreview answers the send page's form with the note it would
// print, as a PNG, without printing it: how a photo comes out in black and
// white is seen before it is sent. Its errors are JSON, for the page's
// script to show.
func (s *Server) handleWebSendPreview(w http.ResponseWriter, r *http.Request) error {
	err := func() error {
		p, req, err := s.messageRequest(w, r)
		if err != nil {
			return err
		}
		data, err := s.previewMessage(r.Context(), p, user(r), req)
		if err != nil {
			return err
		}
		w.Header().Set("Content-Type", "image/png")
		w.Header().Set("Cache-Control", "no-store")
		_, err = w.Write(data)
		return err
	}()
	if err != nil {
		s.writeError(w, r, err)
	}
	return nil
}
