package core

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"

	"paperboy/plugins"
	"paperboy/sdk"
	"paperboy/store"
)

// catalogueEntry is a publication in the catalogue.
type catalogueEntry struct {
	Name, Title, Description, Days string
	Scheduled                      bool
	Running                        bool
	// Subscribable: a scheduled publication, or a push one (not the
	// friends').
	Subscribable bool
	// A URL publication's: its description with the tags BERG kept, its
	// address, its icon, whether the user added it, and why it is marked
	// as not answering.
	DescriptionHTML template.HTML
	URL             string
	Icon            bool
	Yours           bool
	Failing         string
	FailingSince    time.Time
}

type cataloguePage struct {
	Publications []catalogueEntry
	Printers     []store.Printer // the ones a subscribe link is offered for
	// The form that adds a URL publication: what was sent, and what is
	// wrong with it.
	URL, Name string
	Errors    map[string]string
	// Check is what the test edition of a publication just added said.
	Check string
}

func (s *Server) handlePublicationsPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderCatalogue(w, r, http.StatusOK, cataloguePage{})
}

func (s *Server) renderCatalogue(w http.ResponseWriter, r *http.Request, status int, page cataloguePage) error {
	if page.Errors == nil {
		page.Errors = map[string]string{}
	}
	u := user(r)
	if s.plugins != nil {
		for _, info := range s.plugins.Publications() {
			if !visible(info, u.ID) {
				continue
			}
			m := info.Meta
			e := catalogueEntry{Name: m.Name, Title: m.Title, Description: m.Description,
				Days: publishingDays(m), Scheduled: m.Kind == sdk.Scheduled, Running: info.Running, Subscribable: m.Kind == sdk.Scheduled || pushable(m),
				DescriptionHTML: info.DescriptionHTML, URL: info.URL, Icon: info.HasIcon, Yours: info.Owner == u.ID}
			if info.URL != "" {
				e.Days = info.DeliveredOn
				e.Failing, e.FailingSince = info.LastError, info.FailingSince
			}
			page.Publications = append(page.Publications, e)
		}
	}
	ps, err := s.store.PrintersByOwner(r.Context(), u.ID)
	if err != nil {
		return err
	}
	only, _ := strconv.ParseInt(r.URL.Query().Get("printer"), 10, 64)
	for _, p := range ps {
		if only == 0 || p.ID == only {
			page.Printers = append(page.Printers, p)
		}
	}
	return s.render(w, r, status, "publications", "Publications", page)
}

// handleWebPublicationAdd adds a URL publication for the user's own
// printers from the catalogue's form.
func (s *Server) handleWebPublicationAdd(w http.ResponseWriter, r *http.Request) error {
	req := urlPublicationReq{URL: strings.TrimSpace(r.PostFormValue("url")), Name: strings.TrimSpace(r.PostFormValue("name"))}
	added, err := s.addURLPublication(r.Context(), user(r), req)
	if err != nil {
		return s.formError(w, r, err, func(status int, field, msg string) error {
			if field == "" {
				field = "url"
			}
			return s.renderCatalogue(w, r, status, cataloguePage{URL: req.URL, Name: req.Name, Errors: map[string]string{field: msg}})
		})
	}
	if added.Check != "" {
		// Added, but its test edition did not come back: say so here.
		return s.renderCatalogue(w, r, http.StatusOK, cataloguePage{Check: fmt.Sprintf("Added %s, but its test edition did not come back: %s.", added.Publication.Name, added.Check)})
	}
	return redirect(w, r, "/publications", "added")
}

func (s *Server) handleWebPublicationRemove(w http.ResponseWriter, r *http.Request) error {
	if err := s.removeURLPublication(r.Context(), user(r), r.PathValue("name")); err != nil {
		return err
	}
	return redirect(w, r, "/publications", "removed")
}

// handlePublicationIcon is a URL publication's icon.png, as it sent it.
func (s *Server) handlePublicationIcon(w http.ResponseWriter, r *http.Request) error {
	name := r.PathValue("name")
	info, ok := s.publicationInfo(name)
	if !ok || !visible(info, user(r).ID) || len(info.Icon) == 0 {
		return errNotFound(fmt.Sprintf("no icon of %q", name))
	}
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Cache-Control", "private, max-age=3600")
	_, err := w.Write(info.Icon)
	return err
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
	if o := s.plugins.URLOwner(name); errors.Is(err, plugins.ErrUnknown) || o != 0 && o != user(r).ID {
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
