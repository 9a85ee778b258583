package core

import (
	"net/http"

	"paperboy/sdk"
)

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

// validateConfig asks the publication about a config; FieldErrors are
// answered with an error per field.
func (s *Server) validateConfig(w http.ResponseWriter, r *http.Request, name string, cfg map[string]string) (bool, error) {
	fe, err := s.checkConfig(r.Context(), name, cfg)
	if fe != nil {
		writeConfigErrors(w, fe)
		return false, nil
	}
	return err == nil, err
}

func writeConfigErrors(w http.ResponseWriter, fe sdk.FieldErrors) {
	writeJSON(w, http.StatusBadRequest, map[string]any{"error": "the config is not right", "fields": fe})
}
