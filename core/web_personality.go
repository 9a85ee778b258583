package core

import (
	"fmt"
	"net/http"
)

// handleWebPersonality sets a printer's personality from the form on its
// page, by the API's path (s.personalityBitmaps, setPersonality): the face,
// and the other three pictures if given; those not given are the face.
func (s *Server) handleWebPersonality(w http.ResponseWriter, r *http.Request) error {
	p, err := s.ownPrinter(r)
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
		bms, berr := s.personalityBitmaps(w, r, true)
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
