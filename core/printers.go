package core

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"paperboy/codec"
	"paperboy/store"
)

// maxNameLen bounds a printer's name, in characters.
const maxNameLen = 64

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
	// OfflineNoticeHours is how long it may be offline before its owner
	// is told (0: never).
	OfflineNoticeHours int `json:"offline_notice_hours"`
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
		PairedBridge: p.Device.PairedBridge, MovedToBridge: p.Device.MovedBridge, OfflineNoticeHours: int(p.OfflineNotice / time.Hour),
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

// claimRequest is the body of POST /api/v1/printers/claim.
type claimRequest struct {
	ClaimCode string `json:"claim_code"`
	Name      string `json:"name"`
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

// claimPrinter claims a printer for a user with a checked claim request:
// the claim of the API and of the web app. A mistyped code is a fieldError
// of claim_code that says so.
func (s *Server) claimPrinter(ctx context.Context, u store.User, from string, req claimRequest) (store.Printer, error) {
	if err := s.allowCode(u, from, s.claims, s.claimsByIP, "claim attempts"); err != nil {
		s.metrics.claimAttempts.WithLabelValues("rate_limited").Inc()
		return store.Printer{}, err
	}
	code, err := codec.ParseClaimCode(req.ClaimCode)
	if err != nil {
		s.metrics.claimAttempts.WithLabelValues("invalid").Inc()
		return store.Printer{}, errField("claim_code", err.Error())
	}
	if err := s.roomForPrinter(ctx, u, code.HardwareXor); err != nil {
		s.metrics.claimAttempts.WithLabelValues("too_many_printers").Inc()
		return store.Printer{}, err
	}
	p, err := s.store.Claim(ctx, store.Claim{UserID: u.ID, HardwareXor: code.HardwareXor, Secret: code.Secret, Name: req.Name})
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
	return &fieldError{"claim_code", &httpError{status: http.StatusForbidden, code: CodeForbidden, msg: fmt.Sprintf(
		"You have %d printers, the most one account may have: this one was not claimed. "+
			"A printer you have already can be claimed again (after a reset, say).", len(ps))}}
}

// ownPrinter is a printer named by its id, if the user owns it; another
// user's printer is not found, as one that does not exist.
func (s *Server) ownPrinter(ctx context.Context, u store.User, id string) (store.Printer, error) {
	p, err := s.printerByID(ctx, id)
	if err == nil && p.OwnerID != u.ID {
		return store.Printer{}, errNoPrinter(id)
	}
	return p, err
}

// printerByID is a printer named by its id (as a path has it), whoever's
// it is: callers decide who may see it.
func (s *Server) printerByID(ctx context.Context, id string) (store.Printer, error) {
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil || n <= 0 {
		return store.Printer{}, errNoPrinter(id)
	}
	p, err := s.store.PrinterByID(ctx, n)
	if errors.Is(err, store.ErrNotFound) {
		return store.Printer{}, errNoPrinter(id)
	}
	return p, err
}

// errNoPrinter answers for a printer that does not exist or is not the
// user's to see: the same words, so neither can be told from the other.
func errNoPrinter(id string) error { return errNotFound("no such printer: " + id) }

// changePrinter renames a printer or sets its time zone, or both (nil:
// left as it is), each checked before either is changed: the change of the
// API and of the web app.
func (s *Server) changePrinter(ctx context.Context, p *store.Printer, name, zone *string) error {
	var newName string
	if name != nil {
		var err error
		if newName, err = checkPrinterName(*name); err != nil {
			return err
		}
	}
	if zone != nil {
		if err := store.CheckTimeZone(*zone); err != nil {
			return zoneError(*zone, err)
		}
	}
	if name != nil {
		if err := s.store.SetPrinterName(ctx, p.ID, newName); err != nil {
			return err
		}
		p.Name = newName
	}
	if zone != nil {
		if err := s.store.SetPrinterTimeZone(ctx, p.ID, *zone); err != nil {
			return err
		}
		p.TimeZone = *zone
	}
	return nil
}

// zoneError says why a time zone is refused, and which to use instead
// when the store knows: US/Pacific is America/Los_Angeles now.
func zoneError(zone string, err error) error {
	var ze *store.ZoneError
	if errors.As(err, &ze) && ze.Use != "" {
		return errField("time_zone", fmt.Sprintf("time_zone %q is not a canonical IANA name: use %s", zone, ze.Use))
	}
	return errField("time_zone", fmt.Sprintf("time_zone %q is not an IANA time zone of a place, such as Europe/London", zone))
}

// checkPrinterName is a printer's name trimmed, or what is wrong with it.
func checkPrinterName(name string) (string, error) {
	name = strings.TrimSpace(name)
	switch {
	case name == "":
		return "", errField("name", "name is empty: give the printer a name, such as Kitchen")
	case utf8.RuneCountInString(name) > maxNameLen:
		return "", errField("name", fmt.Sprintf("name is too long: at most %d characters", maxNameLen))
	}
	if msg := nameProblem("name", name); msg != "" {
		return "", errField("name", msg)
	}
	return name, nil
}

// eventsLen is how many of a printer's events its page and the API show.
const eventsLen = 20

// confirmMove lets a printer print behind the bridge its device has shown
// up behind: its owner says they moved it (core/doc.go). The bridge must be
// the one the printer page shows, so that a stale page confirms nothing.
func (s *Server) confirmMove(ctx context.Context, p *store.Printer, bridge string) error {
	addr, err := codec.ParseAddress(bridge)
	if err != nil {
		return errField("bridge_address", "bridge_address must be the 16 hex digits of the bridge the printer shows up behind")
	}
	err = s.store.ConfirmMove(ctx, p.ID, addr.String())
	if errors.Is(err, store.ErrNotFound) {
		return errConflict(fmt.Sprintf("the printer has not shown up behind bridge %s: nothing to confirm", addr))
	}
	if err != nil {
		return err
	}
	s.log.Info("printer move confirmed", "printer", p.ID, "bridge", addr)
	s.recheck(p.DeviceAddress)
	*p, err = s.store.PrinterByID(ctx, p.ID)
	return err
}
