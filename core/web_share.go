package core

import (
	"encoding/base64"
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"
)

// The share target: a phone's share sheet sends a text, a link or a photo
// to the app (the manifest's share_target), which opens the send page with
// them in it.

// printerChoice is a printer a share may go to.
type printerChoice struct {
	ID    int64
	Name  string
	Owner string // a friend's, when it is not the user's own
}

// handleShare is the share target: what a phone shares to the app (a
// title, a text, a link, a photo), by POST as the manifest asks, or by GET
// from a browser that shares text that way. It prints nothing: it answers
// the send page with the note and the photo in place, whose own form,
// with its CSRF token, sends them. So it needs no token itself, which a
// share cannot carry. A share from the share sheet is the browser's own
// navigation, which carries the session cookie; a forged one from another
// site comes without it (SameSite=Lax keeps it off a cross-site POST), so
// signedIn sends it to sign in, and even with it, it could only fill in a
// page the user sees.
//
// The photo goes in the page, not in the server's memory: as the picture
// it prints as (messagePicture's grey PNG, at most the paper's width, tens
// of KB), in the form's shared_photo field and shown as a data: URL. So
// nothing is held for a user who never sends, there is no expiry to run
// out while the page is open, it works without the page's script, and a
// send that reaches another instance on the same database still has it.
func (s *Server) handleShare(w http.ResponseWriter, r *http.Request) error {
	if err := parseShare(w, r, s.cfg.MaxUploadBytes); err != nil {
		return err
	}
	page := sendPage{Action: "/share/send", Errors: map[string]string{},
		Text: sharedText(r.FormValue("title"), r.FormValue("text"), r.FormValue("url"))}
	// The user's printers, then their friends' they may print on; the page
	// is the first's, with a choice of the others.
	printers, err := s.store.PrintersByOwner(r.Context(), user(r).ID)
	if err != nil {
		return err
	}
	for _, p := range printers {
		page.Choices = append(page.Choices, printerChoice{ID: p.ID, Name: p.Name})
	}
	shared, err := s.store.SharedPrinters(r.Context(), user(r).ID)
	if err != nil {
		return err
	}
	for _, p := range shared {
		printers = append(printers, p.Printer)
		page.Choices = append(page.Choices, printerChoice{ID: p.ID, Name: p.Name, Owner: p.OwnerName})
	}
	if len(printers) == 0 {
		return s.render(w, r, http.StatusConflict, "error", "No printer yet", map[string]string{"Message": "There is no printer to " +
			"send this to yet: claim yours on the Printers page, or ask a friend to let you print on theirs."})
	}
	page.Printer, page.Owner = s.printerJSON(printers[0]), page.Choices[0].Owner
	page.Own = len(printers) == 1 && page.Owner == ""
	status := http.StatusOK
	if r.MultipartForm != nil && len(r.MultipartForm.File["image"]) > 0 {
		// The photo, made into the picture a message prints now, so a
		// file that cannot print says so at once; the page carries it.
		if data, err := readUpload(r, "image"); err != nil {
			return err
		} else if pic, err := s.messagePicture(r.Context(), data); err != nil {
			a := s.answer(w, r, err)
			if a.status == http.StatusInternalServerError {
				return err
			}
			status, page.Errors["image"] = a.status, "The shared photo cannot be sent: "+a.msg
		} else {
			page.Photo = base64.StdEncoding.EncodeToString(pic)
		}
	}
	return s.render(w, r, status, "send", "Send what you shared", page)
}

// parseShare reads a share's form: multipart (up to maxBytes), a plain
// form, or a GET's query.
func parseShare(w http.ResponseWriter, r *http.Request, maxBytes int64) error {
	var err error
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); r.Method == http.MethodPost && mt == "multipart/form-data" {
		r.Body = http.MaxBytesReader(w, r.Body, maxBytes)
		err = r.ParseMultipartForm(maxBytes)
	} else {
		r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
		err = r.ParseForm()
	}
	var tooLarge *http.MaxBytesError
	if err != nil && !errors.As(err, &tooLarge) {
		return errBadRequest("the shared text or photo could not be read: " + err.Error())
	}
	return err
}

// readUpload is the first file of a multipart form's field.
func readUpload(r *http.Request, field string) ([]byte, error) {
	f, _, err := r.FormFile(field)
	if err != nil {
		return nil, errField(field, "the file cannot be read: "+err.Error())
	}
	defer f.Close()
	return io.ReadAll(f)
}

// sharedText makes one note of what was shared: the title, the text and
// the link, a line each, leaving out any another already holds (an app
// often puts the link in the text too, or the title in the text).
func sharedText(parts ...string) string {
	var in, out []string
	for _, p := range parts {
		if p = strings.TrimSpace(strings.ToValidUTF8(p, "\uFFFD")); p != "" {
			in = append(in, p)
		}
	}
	for i, p := range in {
		dup := false
		for j, q := range in {
			if j != i && strings.Contains(q, p) && (q != p || j < i) {
				dup = true
				break
			}
		}
		if !dup {
			out = append(out, p)
		}
	}
	return strings.Join(out, "\n")
}

// handleShareSend sends the shared page's form to the printer chosen on
// it, by the send page's own handlers (their CSRF check is web's).
func (s *Server) handleShareSend(w http.ResponseWriter, r *http.Request) error {
	r.SetPathValue("id", r.PostFormValue("printer"))
	return s.handleWebSend(w, r)
}

func (s *Server) handleShareSendPreview(w http.ResponseWriter, r *http.Request) error {
	r.SetPathValue("id", r.PostFormValue("printer"))
	return s.handleWebSendPreview(w, r)
}

// sharedPhoto is the shared photo a send page's form carries back, when it
// is one: shown again on the page if the send is refused.
func sharedPhoto(r *http.Request) string {
	v := r.PostFormValue("shared_photo")
	if _, err := base64.StdEncoding.DecodeString(v); err != nil {
		return ""
	}
	return v
}
