package core

import (
	"bytes"
	"fmt"
	"image/png"
	"net/http"
	"strconv"

	"paperboy/codec"
)

func (s *Server) handleDeliveryList(w http.ResponseWriter, r *http.Request) error {
	p, pg, err := s.printerListPage(r)
	if err != nil {
		return err
	}
	before, err := beforeID(pg)
	if err != nil {
		return err
	}
	ds, err := s.store.DeliveriesByPrinter(r.Context(), p.ID, before, pg.limit+1)
	if err != nil {
		return err
	}
	next := ""
	if len(ds) > pg.limit {
		ds = ds[:pg.limit]
		next = idKey(ds[len(ds)-1].ID)
	}
	out := make([]deliveryJSON, len(ds))
	for i, d := range ds {
		out[i] = deliveryJSON{
			ID: d.ID, Kind: d.Kind, State: d.State, CreatedAt: d.CreatedAt, SentAt: timePtr(d.SentAt),
			PrintedAt: timePtr(d.PrintedAt), Attempts: d.Attempts, Reason: d.Reason, Sender: d.Sender,
		}
		if d.ReturnCode >= 0 {
			rc := d.ReturnCode
			out[i].ReturnCode = &rc
		}
	}
	writeJSON(w, http.StatusOK, listJSON("deliveries", out, next))
	return nil
}

// handleDeliveryPreview shows a delivery as it prints: its first image as a
// 1-bit PNG, or image n (from 1) with ?image=n.
func (s *Server) handleDeliveryPreview(w http.ResponseWriter, r *http.Request) error {
	_, d, err := s.ownDelivery(r.Context(), user(r), r.PathValue("id"), r.PathValue("delivery"))
	if err != nil {
		return err
	}
	if len(d.Payload) == 0 {
		return errNotFound(fmt.Sprintf("delivery %d has no picture: %s", d.ID, d.Reason))
	}
	payload, err := codec.ParsePayload(d.Payload)
	if err != nil {
		return err
	}
	n := 1
	if v := r.URL.Query().Get("image"); v != "" {
		if n, err = strconv.Atoi(v); err != nil || n < 1 || n > len(payload.Images) {
			return errBadRequest(fmt.Sprintf("image must be from 1 to %d", len(payload.Images)))
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, payload.Images[n-1]); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Cache-Control", "private, max-age=86400")
	_, err = w.Write(buf.Bytes())
	return err
}
