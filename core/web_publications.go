package core

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"paperboy/plugins"
	"paperboy/sdk"
	"paperboy/store"
)

// catalogueEntry is a publication in the catalogue.
type catalogueEntry struct {
	Name, Title, Description, Days string
	Scheduled                      bool
	Running                        bool
}

type cataloguePage struct {
	Publications []catalogueEntry
	Printers     []store.Printer // the ones a subscribe link is offered for
}

func (s *Server) handlePublicationsPage(w http.ResponseWriter, r *http.Request) error {
	var page cataloguePage
	if s.plugins != nil {
		for _, info := range s.plugins.Publications() {
			m := info.Meta
			page.Publications = append(page.Publications, catalogueEntry{Name: m.Name, Title: m.Title, Description: m.Description,
				Days: publishingDays(m), Scheduled: m.Kind == sdk.Scheduled, Running: info.Running})
		}
	}
	ps, err := s.store.PrintersByOwner(r.Context(), user(r).ID)
	if err != nil {
		return err
	}
	only, _ := strconv.ParseInt(r.URL.Query().Get("printer"), 10, 64)
	for _, p := range ps {
		if only == 0 || p.ID == only {
			page.Printers = append(page.Printers, p)
		}
	}
	return s.render(w, r, http.StatusOK, "publications", "Publications", page)
}

// handlePublicationSample is a publication's sample print, a 1-bit PNG
// (204 when it has nothing to print); the catalogue shows a sentence
// instead when there is none.
func (s *Server) handlePublicationSample(w http.ResponseWriter, r *http.Request) error {
	name := r.PathValue("name")
	if s.plugins == nil {
		return errNotFound(ErrNoPublications.Error())
	}
	meta, err := s.plugins.Meta(name)
	if errors.Is(err, plugins.ErrUnknown) {
		return errNotFound(fmt.Sprintf("no publication %q", name))
	}
	if err != nil {
		return err
	}
	now := s.now()
	data, err := s.samples.get(meta.Name, now, func() ([]byte, error) {
		// Not the request's context: a visitor who leaves the page must
		// not leave a failed sample for the next. The host bounds the call.
		return s.editionPNG(context.WithoutCancel(r.Context()), meta.Name, sampleArgs(meta, now))
	})
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "private, max-age=3600")
	if data == nil {
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
	w.Header().Set("Content-Type", "image/png")
	_, err = w.Write(data)
	return err
}
