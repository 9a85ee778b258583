package core

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
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

// FriendsPublication is the push publication friends' messages go through.
const FriendsPublication = "friends"

// ErrNoPublications is returned when the server runs without plugins.
var ErrNoPublications = errors.New("no publications: the server runs without plugins")

// edition is what came of asking a publication for an edition.
type edition struct {
	delivery     store.Delivery
	nothingToday bool
	finished     string
}

// printEdition asks a publication for an edition now and hands it to the
// print path (delivery.Queue.Print) as p; when the publication fails, the
// printer's history records why, and the error is returned (a
// *plugins.Error for the publication's fault).
func (s *Server) printEdition(ctx context.Context, p delivery.Print, a sdk.RenderArgs) (edition, error) {
	if s.plugins == nil {
		return edition{}, ErrNoPublications
	}
	out, err := s.plugins.Render(ctx, p.Publication, a)
	var pe *plugins.Error
	switch {
	case errors.As(err, &pe):
		s.queue.NotPrinted(ctx, p.PrinterID, p.Kind, pe)
		s.log.Warn("edition failed", "publication", p.Publication, "printer", p.PrinterID, slog.Any("error", err))
		return edition{}, err
	case err != nil:
		return edition{}, err
	case out.NothingToday:
		return edition{nothingToday: true}, nil
	case out.Finished != "":
		return edition{finished: out.Finished}, nil
	case out.PNG == nil:
		return edition{}, nil
	}
	p.Edition = out.PNG
	d, err := s.queue.Print(ctx, p)
	var perr *delivery.PictureError
	if errors.As(err, &perr) {
		s.log.Warn("edition failed", "publication", p.Publication, "printer", p.PrinterID, slog.Any("error", err))
		return edition{}, &plugins.Error{Publication: p.Publication, Msg: perr.Err.Error(), Err: perr}
	}
	return edition{delivery: d}, err
}

// publicationJSON is a publication as the API shows it.
type publicationJSON struct {
	Name        string      `json:"name"`
	Title       string      `json:"title"`
	Description string      `json:"description"`
	Kind        sdk.Kind    `json:"kind"`
	Days        []string    `json:"days"`
	Personal    bool        `json:"personal"`
	Fields      []fieldJSON `json:"fields"`
	Running     bool        `json:"running"`
	Restarts    int         `json:"restarts"`
	LastError   string      `json:"last_error,omitempty"`
}

type fieldJSON struct {
	Name      string       `json:"name"`
	Label     string       `json:"label"`
	Help      string       `json:"help,omitempty"`
	Type      string       `json:"type"`
	Default   string       `json:"default,omitempty"`
	Required  bool         `json:"required,omitempty"`
	Choices   []sdk.Choice `json:"choices,omitempty"`
	Min       *float64     `json:"min,omitempty"`
	Max       *float64     `json:"max,omitempty"`
	MaxLength int          `json:"max_length,omitempty"`
	Example   string       `json:"example,omitempty"`
}

func publicationToJSON(info plugins.Info) publicationJSON {
	m := info.Meta
	out := publicationJSON{Name: m.Name, Title: m.Title, Description: m.Description, Kind: m.Kind, Personal: m.Personal,
		Running: info.Running, Restarts: info.Restarts, LastError: info.LastError, Days: []string{}, Fields: []fieldJSON{}}
	for _, d := range m.Days {
		out.Days = append(out.Days, d.String())
	}
	for _, f := range m.Fields {
		fj := fieldJSON{Name: f.Name, Label: f.Label, Help: f.Help, Type: string(f.Type), Default: f.Default,
			Required: f.Required, Choices: f.Choices, MaxLength: f.MaxLength, Example: f.Example}
		if f.Min < f.Max {
			fj.Min, fj.Max = &f.Min, &f.Max
		}
		out.Fields = append(out.Fields, fj)
	}
	return out
}

func (s *Server) handlePublicationList(w http.ResponseWriter, r *http.Request) error {
	out := []publicationJSON{}
	if s.plugins != nil {
		for _, info := range s.plugins.Publications() {
			out = append(out, publicationToJSON(info))
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"publications": out})
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

// allowPrint takes one of a user's prints a minute, or says there are none
// left.
func (s *Server) allowPrint(u store.User) error {
	if ok, wait := s.prints.take(u.ID, s.now()); !ok {
		return errTooMany(fmt.Sprintf("Too many prints: at most %d a minute. Try again in %s.", s.cfg.PrintsPerMinute, wait), wait)
	}
	return nil
}

// allowMessage takes a message from the sender's allowance and, for a
// friend's, from the printer's allowance of friends' messages.
func (s *Server) allowMessage(p store.Printer, u store.User) error {
	if err := s.allowPrint(u); err != nil {
		return err
	}
	if u.ID == p.OwnerID {
		return nil
	}
	if ok, wait := s.friendPrints.take(p.ID, s.now()); !ok {
		return errTooMany(fmt.Sprintf("%s has had all the messages it takes from friends for now (at most %d an hour). Try again in %s.",
			p.Name, s.cfg.FriendMessagesPerHour, wait), wait)
	}
	return nil
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
