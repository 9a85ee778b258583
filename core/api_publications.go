package core

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"strings"

	"paperboy/plugins"
	"paperboy/store"

	"paperboy/sdk"
)

func (s *Server) handlePublicationList(w http.ResponseWriter, r *http.Request) error {
	out := []publicationJSON{}
	if s.plugins != nil {
		for _, info := range s.plugins.Publications() {
			if visible(info, user(r).ID) {
				out = append(out, publicationToJSON(info, user(r).ID))
			}
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
	body := map[string]any{"error": "the config is not right", "code": CodeField}
	if r := refusals(fe); r != nil {
		// A URL publication's refusal, in its own words.
		body["error"], body["errors"] = "the publication refused this config: "+strings.Join(r, " "), r
		fe = maps.Clone(fe)
		delete(fe, refusedKey)
	}
	body["fields"] = fe
	writeJSON(w, http.StatusBadRequest, body)
}

// urlPublicationReq is the body of POST /api/v1/publications: a URL
// publication the user adds for their own printers.
type urlPublicationReq struct {
	URL  string `json:"url"`
	Name string `json:"name"`
}

// addURLPublication adds a URL publication for a user's own printers and
// serves it at once: the adding of the API and of the web app.
func (s *Server) addURLPublication(ctx context.Context, u store.User, req urlPublicationReq) (URLAdded, error) {
	if s.plugins == nil {
		return URLAdded{}, errUnavailable(ErrNoPublications.Error())
	}
	if ok, wait := s.subPreviews.take(u.ID, s.now()); !ok {
		return URLAdded{}, errTooMany("too many publications tried: wait a moment", wait)
	}
	added, err := AddURLPublication(ctx, s.store, URLAdd{URL: req.URL, Name: req.Name, Owner: u.ID, HTTP: s.plugins.HTTPPolicy(), Now: s.now(),
		Taken: func(name string) bool { _, err := s.plugins.Meta(name); return err == nil }})
	if err != nil {
		return added, err
	}
	if _, err := s.LoadURLPublications(ctx); err != nil {
		return added, err
	}
	s.log.Info("URL publication added", "publication", added.Publication.Name, "url", added.Publication.URL, "user", u.ID)
	return added, nil
}

// removeURLPublication removes a URL publication the user added, ending
// its subscriptions; any other is not found.
func (s *Server) removeURLPublication(ctx context.Context, u store.User, name string) error {
	notFound := errNotFound(fmt.Sprintf("you added no publication %q", name))
	p, err := s.store.URLPublicationByName(ctx, name)
	if errors.Is(err, store.ErrNotFound) || err == nil && p.Owner != u.ID {
		return notFound
	}
	if err != nil {
		return err
	}
	if err := s.store.DeleteURLPublication(ctx, name, "its author removed the publication"); errors.Is(err, store.ErrNotFound) {
		return notFound
	} else if err != nil {
		return err
	}
	_, err = s.LoadURLPublications(ctx)
	return err
}

func (s *Server) handlePublicationAdd(w http.ResponseWriter, r *http.Request) error {
	var req urlPublicationReq
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	added, err := s.addURLPublication(r.Context(), user(r), req)
	if err != nil {
		return err
	}
	out := map[string]any{"publication": nil, "check": added.Check}
	if added.Credentials != nil {
		out["credentials"] = added.Credentials // shown this once
	}
	if info, ok := s.publicationInfo(added.Publication.Name); ok {
		out["publication"] = publicationToJSON(info, user(r).ID)
	}
	writeJSON(w, http.StatusCreated, out)
	return nil
}

func (s *Server) handlePublicationRemove(w http.ResponseWriter, r *http.Request) error {
	if err := s.removeURLPublication(r.Context(), user(r), r.PathValue("name")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// publicationInfo is what the host knows of a publication by name.
func (s *Server) publicationInfo(name string) (plugins.Info, bool) {
	if s.plugins == nil {
		return plugins.Info{}, false
	}
	for _, info := range s.plugins.Publications() {
		if info.Meta.Name == name {
			return info, true
		}
	}
	return plugins.Info{}, false
}
