package core

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/png"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"paperboy/codec"
	"paperboy/delivery"
	"paperboy/store"
)

// maxJSONBytes bounds a JSON request body.
const maxJSONBytes = 256 << 10

// maxNameLen bounds a printer's name, in characters.
const maxNameLen = 64

func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) error {
	if err := s.store.Ping(r.Context()); err != nil {
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "database unreachable"})
		return nil
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	return nil
}

// printerJSON is a printer as the API shows it.
type printerJSON struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
	// Status: online, offline, waiting for its key, never seen, behind
	// another bridge, reset and claimed by someone else. Online: it prints
	// what is sent to it now.
	Status        string     `json:"status"`
	Online        bool       `json:"online"`
	LastSeenAt    *time.Time `json:"last_seen_at"`
	DeviceAddress string     `json:"device_address,omitempty"`
	BridgeAddress string     `json:"bridge_address,omitempty"`
	HardwareXor   uint32     `json:"hardware_xor"`
	Firmware      string     `json:"firmware,omitempty"`
	TimeZone      string     `json:"time_zone"`
	// PairedBridge is the bridge its device was paired through: only that
	// bridge's socket may print on it (core/doc.go).
	PairedBridge string `json:"paired_bridge,omitempty"`
	// MovedToBridge is another bridge its device has shown up behind since
	// MovedAt: it prints there once its owner confirms (POST …/move).
	MovedToBridge string     `json:"moved_to_bridge,omitempty"`
	MovedAt       *time.Time `json:"moved_at,omitempty"`
	// HandedOnAt is when its hardware was reset and claimed by another
	// account, its device having gone silent.
	HandedOnAt *time.Time `json:"handed_on_at,omitempty"`
}

func (s *Server) printerJSON(p store.Printer) printerJSON {
	out := printerJSON{
		ID: p.ID, Name: p.Name, HardwareXor: p.HardwareXor, DeviceAddress: p.DeviceAddress,
		BridgeAddress: p.Device.BridgeAddress, Firmware: p.Device.FirmwareBuild, Status: "never seen", TimeZone: p.TimeZone,
		PairedBridge: p.Device.PairedBridge, MovedToBridge: p.Device.MovedBridge,
		MovedAt: timePtr(p.Device.MovedAt), HandedOnAt: timePtr(p.HandedOnAt),
	}
	last := p.Device.LastSeenAt
	if addr, err := codec.ParseAddress(p.DeviceAddress); err == nil && p.DeviceAddress != "" {
		out.Status = "offline"
		st, ok := s.presence.state(addr)
		stored := p.Device.LastSeenAt
		elsewhere := !ok || (!st.online && stored.After(st.lastHeard.Add(s.cfg.PresenceTimeout)))
		if elsewhere && s.now().Sub(stored) < s.cfg.PresenceTimeout+s.cfg.FlushEvery {
			// Heard from lately through another instance sharing the store
			// (which writes heartbeats every FlushEvery), not here.
			out.Status, out.Online = "online", true
		}
		if ok {
			if st.lastHeard.After(last) {
				last = st.lastHeard
			}
			switch {
			case st.online && st.awaitingKey:
				out.Status = "waiting for its key"
			case st.online:
				out.Status, out.Online = "online", true
			}
		}
	}
	switch {
	case out.MovedToBridge != "":
		// Heard, maybe, but it prints nothing until its owner confirms.
		out.Status, out.Online = "behind another bridge", false
	case out.Online:
	case !p.HandedOnAt.IsZero() && p.HandedOnAt.After(last):
		out.Status = "reset and claimed by someone else"
	}
	if !last.IsZero() {
		t := last.UTC().Truncate(time.Second)
		out.LastSeenAt = &t
	}
	return out
}

// decodeJSON reads a JSON body of at most maxJSONBytes into v: one JSON
// value, and nothing after it.
func decodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxJSONBytes)
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err, v)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return err
		}
		return errBadRequest("the body has more after its JSON: send one JSON object and nothing else")
	}
	return nil
}

// claimRequest is the body of POST /api/v1/printers/claim.
type claimRequest struct {
	ClaimCode string `json:"claim_code"`
	Name      string `json:"name"`
}

// readClaim reads and checks a claim request.
func readClaim(w http.ResponseWriter, r *http.Request) (claimRequest, error) {
	var req claimRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return req, err
	}
	return checkClaim(req)
}

// checkClaim checks a claim request's fields; the code itself is parsed
// after the rate limit (in claimPrinter), so every code tried counts.
func checkClaim(req claimRequest) (claimRequest, error) {
	if req.Name = strings.TrimSpace(req.Name); req.Name != "" { // none: the default name
		var err error
		if req.Name, err = checkPrinterName(req.Name); err != nil {
			return req, err
		}
	}
	if strings.TrimSpace(req.ClaimCode) == "" {
		return req, errField("claim_code", "claim_code is required: the 16 characters the printer printed, like n5ry-p6x6-kth7-7hc4")
	}
	return req, nil
}

func (s *Server) handlePrinterClaim(w http.ResponseWriter, r *http.Request) error {
	req, err := readClaim(w, r)
	if err != nil {
		return err
	}
	p, err := s.claimPrinter(r, user(r), req)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, s.printerJSON(p))
	return nil
}

// claimPrinter claims a printer for a user with a checked claim request:
// the claim of the API and of the web app. A mistyped code is a fieldError
// of claim_code that says so.
func (s *Server) claimPrinter(r *http.Request, u store.User, req claimRequest) (store.Printer, error) {
	if err := s.allowCode(r, u, s.claims, s.claimsByIP, "claim attempts"); err != nil {
		s.metrics.claimAttempts.WithLabelValues("rate_limited").Inc()
		return store.Printer{}, err
	}
	code, err := codec.ParseClaimCode(req.ClaimCode)
	if err != nil {
		s.metrics.claimAttempts.WithLabelValues("invalid").Inc()
		return store.Printer{}, errField("claim_code", err.Error())
	}
	if err := s.roomForPrinter(r.Context(), u, code.HardwareXor); err != nil {
		s.metrics.claimAttempts.WithLabelValues("too_many_printers").Inc()
		return store.Printer{}, err
	}
	p, err := s.store.Claim(r.Context(), store.Claim{UserID: u.ID, HardwareXor: code.HardwareXor, Secret: code.Secret, Name: req.Name})
	if errors.Is(err, store.ErrClaimSpent) {
		s.metrics.claimAttempts.WithLabelValues("spent").Inc()
		return store.Printer{}, errField("claim_code", store.ErrClaimSpent.Error())
	}
	if err != nil {
		return store.Printer{}, err
	}
	s.metrics.claimAttempts.WithLabelValues("claimed").Inc()
	s.log.Info("printer claimed", "user", u.ID, "printer", p.ID, "device", p.DeviceAddress)
	// A device here already: one that waits for its key gets it now, one
	// that has it starts printing.
	s.recheck(p.DeviceAddress)
	return p, nil
}

// allowCode takes a code tried (a claim code or a friend code: both are
// guessed only by trying many) from the user's allowance and the client
// address's, which is twice as large: a few accounts on one address get no
// more tries than two.
func (s *Server) allowCode(r *http.Request, u store.User, byUser *rateLimiter[int64], byIP *rateLimiter[string], what string) error {
	now := s.now()
	if ok, wait := byUser.take(u.ID, now); !ok {
		return errTooMany(fmt.Sprintf("Too many %s: at most %d a minute. Try again in %s.", what, s.cfg.ClaimsPerMinute, wait), wait)
	}
	if ok, wait := byIP.take(s.clientIP(r), now); !ok {
		return errTooMany(fmt.Sprintf("Too many %s from your address: at most %d a minute. Try again in %s.", what, 2*s.cfg.ClaimsPerMinute, wait), wait)
	}
	return nil
}

// roomForPrinter says whether a user may claim a printer of a hardware
// xor: one they have already (claimed again after a reset) always, a new
// one while they have fewer than MaxPrinters.
func (s *Server) roomForPrinter(ctx context.Context, u store.User, xor uint32) error {
	ps, err := s.store.PrintersByOwner(ctx, u.ID)
	if err != nil {
		return err
	}
	if len(ps) < s.cfg.MaxPrinters || slices.ContainsFunc(ps, func(p store.Printer) bool { return p.HardwareXor == xor }) {
		return nil
	}
	return &fieldError{"claim_code", &httpError{http.StatusForbidden, fmt.Sprintf(
		"You have %d printers, the most one account may have: this one was not claimed. "+
			"A printer you have already can be claimed again (after a reset, say).", len(ps))}}
}

func (s *Server) handlePrinterList(w http.ResponseWriter, r *http.Request) error {
	ps, err := s.store.PrintersByOwner(r.Context(), user(r).ID)
	if err != nil {
		return err
	}
	out := make([]printerJSON, len(ps))
	for i, p := range ps {
		out[i] = s.printerJSON(p)
	}
	writeJSON(w, http.StatusOK, map[string]any{"printers": out})
	return nil
}

// ownPrinter is the printer named in the path, if the user owns it; another
// user's printer is not found, as one that does not exist.
func (s *Server) ownPrinter(r *http.Request) (store.Printer, error) {
	p, err := s.pathPrinter(r)
	if err == nil && p.OwnerID != user(r).ID {
		return store.Printer{}, errNoPrinter(r)
	}
	return p, err
}

// pathPrinter is the printer named in the path, whoever's it is: callers
// decide who may see it.
func (s *Server) pathPrinter(r *http.Request) (store.Printer, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return store.Printer{}, errNoPrinter(r)
	}
	p, err := s.store.PrinterByID(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		return store.Printer{}, errNoPrinter(r)
	}
	return p, err
}

// errNoPrinter answers for a printer that does not exist or is not the
// user's to see: the same words, so neither can be told from the other.
func errNoPrinter(r *http.Request) error { return errNotFound("no such printer: " + r.PathValue("id")) }

// parseMode reads a "mode": "now" (print at once) or "button" (print when
// the button is pressed); "" is def.
func parseMode(v string, def store.Mode) (store.Mode, error) {
	switch m := store.Mode(v); m {
	case "":
		return def, nil
	case store.ModeNow, store.ModeButton:
		return m, nil
	}
	return "", errField("mode", `mode must be "now" (print at once) or "button" (print when the button is pressed)`)
}

// formImage reads an image file of a parsed multipart form, dithered; a
// nil bitmap and no error when the form has no such file. It is decoded
// within the budget for pictures.
func (s *Server) formImage(w http.ResponseWriter, r *http.Request, field string, dither codec.Dither) (*codec.Bitmap, error) {
	f, _, err := r.FormFile(field)
	if err != nil {
		return nil, nil
	}
	data, err := io.ReadAll(f)
	f.Close()
	if err != nil {
		return nil, err
	}
	var bm *codec.Bitmap
	extra := func(info codec.ImageInfo) int64 { return codec.RasterizeBytes(info.PrintSize()) }
	err = s.withPicture(w, r, field, field+": ", data, extra, func(img *image.RGBA) error {
		bm = codec.Rasterize(img, dither)
		return nil
	})
	return bm, err
}

// formDither is the dithering a form asks for with "dither",
// floyd-steinberg by default.
func formDither(r *http.Request) (codec.Dither, error) {
	v := r.FormValue("dither")
	if v == "" {
		return codec.FloydSteinberg, nil
	}
	d, err := codec.ParseDither(v)
	if err != nil {
		return d, errField("dither", err.Error())
	}
	return d, nil
}

// personalityImages are the pictures of a printer's personality, in the
// order SetPersonality carries them.
var personalityImages = []string{"face", "nothing_to_print", "cannot_see_bridge", "cannot_see_internet"}

// personalityBitmaps reads a personality's pictures from a parsed
// multipart form, in personalityImages' order. The API needs all four (as
// it has always said). The web form needs only the face, and each picture
// not given is the face too: the printer then looks the same in every
// state rather than keeping an old picture for some, and one upload is all
// most people want.
func (s *Server) personalityBitmaps(w http.ResponseWriter, r *http.Request, faceForMissing bool) ([]*codec.Bitmap, error) {
	dither, err := formDither(r)
	if err != nil {
		return nil, err
	}
	out := make([]*codec.Bitmap, len(personalityImages))
	for i, field := range personalityImages {
		bm, err := s.formImage(w, r, field, dither)
		switch {
		case err != nil:
			return nil, err
		case bm == nil && i > 0 && faceForMissing:
			bm = out[0]
		case bm == nil:
			return nil, errField(field, fmt.Sprintf("the form has no image file %q", field))
		}
		out[i] = bm
	}
	return out, nil
}

func (s *Server) handlePrinterPersonality(w http.ResponseWriter, r *http.Request) error {
	p, err := s.ownPrinter(r)
	if err != nil {
		return err
	}
	if err := s.allowPersonality(user(r)); err != nil {
		return err
	}
	r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxUploadBytes)
	if err := r.ParseMultipartForm(s.cfg.MaxUploadBytes); err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return err
		}
		return errBadRequest("a multipart form with the images " + strings.Join(personalityImages, ", ") + " is expected")
	}
	defer r.MultipartForm.RemoveAll()
	bms, err := s.personalityBitmaps(w, r, false)
	if err != nil {
		return err
	}
	d, err := s.setPersonality(r.Context(), p, bms)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusAccepted, map[string]any{"delivery_id": d.ID, "state": d.State})
	return nil
}

// allowPersonality takes one of a user's personalities an hour, before its
// pictures are decoded, or says there are none left.
func (s *Server) allowPersonality(u store.User) error {
	if ok, wait := s.personalities.take(u.ID, s.now()); !ok {
		return errTooMany(fmt.Sprintf("Too many personalities: at most %d an hour. Try again in %s.", s.cfg.PersonalitiesPerHour, wait), wait)
	}
	return nil
}

// setPersonality queues a printer's new personality, its four pictures:
// the setting of the API and of the web app.
func (s *Server) setPersonality(ctx context.Context, p store.Printer, bms []*codec.Bitmap) (store.Delivery, error) {
	d, err := s.queue.Print(ctx, delivery.Print{PrinterID: p.ID, Kind: "personality", Command: codec.SetPersonality, Pictures: bms})
	if err != nil {
		return store.Delivery{}, err
	}
	s.log.Info("personality queued", "printer", p.ID, "delivery_id", d.ID)
	return d, nil
}

// handleDeliveryPreview shows a delivery as it prints: its first image as a
// 1-bit PNG, or image n (from 1) with ?image=n.
func (s *Server) handleDeliveryPreview(w http.ResponseWriter, r *http.Request) error {
	_, d, err := s.ownDelivery(r)
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

// deliveryJSON is a delivery as the API shows it.
type deliveryJSON struct {
	ID         int64      `json:"id"`
	Kind       string     `json:"kind"`
	State      string     `json:"state"`
	CreatedAt  time.Time  `json:"created_at"`
	SentAt     *time.Time `json:"sent_at"`
	PrintedAt  *time.Time `json:"printed_at"`
	Attempts   int        `json:"attempts"`
	ReturnCode *int       `json:"return_code"`
	Reason     string     `json:"reason,omitempty"`
	Sender     string     `json:"sender,omitempty"` // the friend who sent a message
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func (s *Server) handleDeliveryList(w http.ResponseWriter, r *http.Request) error {
	p, err := s.ownPrinter(r)
	if err != nil {
		return err
	}
	ds, err := s.store.DeliveriesByPrinter(r.Context(), p.ID, 100)
	if err != nil {
		return err
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
	writeJSON(w, http.StatusOK, map[string]any{"deliveries": out})
	return nil
}

// byteSize writes a size for people.
func byteSize(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%d MB", n>>20)
	case n >= 1<<10:
		return fmt.Sprintf("%d KB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
