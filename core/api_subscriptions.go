package core

import (
	"fmt"
	"net/http"
	"time"

	"paperboy/sdk"
	"paperboy/store"
)

func (s *Server) handleSubscriptionList(w http.ResponseWriter, r *http.Request) error {
	p, pg, err := s.printerListPage(r)
	if err != nil {
		return err
	}
	subs, err := s.store.SubscriptionsByPrinter(r.Context(), p.ID)
	if err != nil {
		return err
	}
	subs, next, err := pageOf(subs, func(sub store.Subscription) string { return idKey(sub.ID) }, pg)
	if err != nil {
		return err
	}
	out := []subscriptionJSON{}
	for _, sub := range subs {
		out = append(out, s.subscriptionJSON(sub, p))
	}
	writeJSON(w, http.StatusOK, listJSON("subscriptions", out, next))
	return nil
}

func (s *Server) handleSubscriptionCreate(w http.ResponseWriter, r *http.Request) error {
	p, err := s.pathPrinter(r)
	if err != nil {
		return err
	}
	var req subscriptionReq
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	sub, fe, err := s.subscribe(r.Context(), siteURL(r), p, req)
	if fe != nil {
		writeConfigErrors(w, fe)
		return nil
	}
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, s.subscriptionJSON(sub, p))
	return nil
}

func (s *Server) handleSubscriptionGet(w http.ResponseWriter, r *http.Request) error {
	sub, p, err := s.ownSubscription(r.Context(), user(r), r.PathValue("sub"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.subscriptionJSON(sub, p))
	return nil
}

func (s *Server) handleSubscriptionChange(w http.ResponseWriter, r *http.Request) error {
	sub, p, err := s.ownSubscription(r.Context(), user(r), r.PathValue("sub"))
	if err != nil {
		return err
	}
	var req subscriptionReq
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	sub, fe, err := s.changeSubscription(r.Context(), sub, req)
	if fe != nil {
		writeConfigErrors(w, fe)
		return nil
	}
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.subscriptionJSON(sub, p))
	return nil
}

func (s *Server) handleSubscriptionDelete(w http.ResponseWriter, r *http.Request) error {
	sub, _, err := s.ownSubscription(r.Context(), user(r), r.PathValue("sub"))
	if err != nil {
		return err
	}
	if err := s.store.DeleteSubscription(r.Context(), sub.ID); err != nil {
		return err
	}
	s.log.Info("unsubscribed", "printer", sub.PrinterID, "subscription_id", sub.ID, "publication", sub.Publication)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// handleSubscriptionPreview renders the next edition now, as the printer
// will print it: a PNG, or 204 when there is nothing to print that day.
func (s *Server) handleSubscriptionPreview(w http.ResponseWriter, r *http.Request) error {
	sub, p, err := s.ownSubscription(r.Context(), user(r), r.PathValue("sub"))
	if err != nil {
		return err
	}
	if _, err := s.publicationFor(sub.Publication); err != nil {
		return err
	}
	if ok, wait := s.subPreviews.take(user(r).ID, s.now()); !ok {
		return errTooMany(fmt.Sprintf("Too many previews: at most %d a minute. Try again in %s.", s.cfg.SubscriptionPreviewsPerMinute, wait), wait)
	}
	at, ok := s.nextEdition(sub, p)
	if !ok {
		at = s.now().In(p.Location())
	}
	data, err := s.editionPNG(r.Context(), sub.Publication, sdk.RenderArgs{Config: sdk.Config(sub.Config), Time: at, Count: sub.DeliveryCount})
	if err != nil {
		return err
	}
	// Not kept by the browser: the page shows it again after a change.
	w.Header().Set("Cache-Control", "private, no-cache")
	if data == nil {
		w.Header().Set("X-Paperboy-Edition", "nothing today")
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("X-Paperboy-Edition-At", at.Format(time.RFC3339))
	_, err = w.Write(data)
	return err
}
