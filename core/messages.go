package core

import (
	"context"
	"errors"
	"fmt"
	"time"

	"paperboy/delivery"
	"paperboy/plugins"
	"paperboy/sdk"
	"paperboy/store"
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
		return store.Delivery{}, errUnavailable(ErrNoPublications.Error())
	}
	sender := ""
	if u.ID != p.OwnerID {
		sender = u.DisplayName() // never the email: the history is the owner's to read
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
		return nil, errUnavailable(ErrNoPublications.Error())
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
		Push: &sdk.PushItem{Sender: u.DisplayName(), Text: req.text, Image: req.image, SentAt: now},
	}
}

// messageError is how a failure of the friends publication is answered.
func messageError(err error) error {
	var pe *plugins.Error
	switch {
	case errors.Is(err, plugins.ErrUnknown):
		return errUnavailable("messages print through the friends publication, which is not installed")
	case errors.As(err, &pe):
		return errPublication(pe.Error())
	}
	return err
}

// errNothingMade is the friends publication's answer of nothing to a
// message.
var errNothingMade = errPublication("the friends publication made nothing of the message")

// printReq is a message: a text, a picture, or both.
type printReq struct {
	text string
	// image is the picture as the publication gets it: made from the
	// upload (a PNG, JPEG or GIF) by messagePicture, a grey PNG at most
	// the print's width.
	image []byte
	mode  store.Mode
}

// printablePrinter is a printer named by its id, if the user may print on
// it: their own, or a friend's who allowed them. Any other is not found,
// as one that does not exist.
func (s *Server) printablePrinter(ctx context.Context, u store.User, id string) (store.Printer, error) {
	p, err := s.printerByID(ctx, id)
	if err != nil || p.OwnerID == u.ID {
		return p, err
	}
	ok, err := s.store.MayPrint(ctx, p.ID, u.ID)
	if err != nil {
		return store.Printer{}, err
	}
	if !ok {
		return store.Printer{}, errNoPrinter(id)
	}
	return p, nil
}
