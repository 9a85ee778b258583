package core

import (
	"cmp"
	"net/http"
	"strconv"
	"strings"
	"time"

	"paperboy/store"
)

// keysPage is a printer's print keys page: its keys, a key just made (its
// address shown this once), and the form that makes one.
type keysPage struct {
	Printer printerJSON
	Keys    []printKeyJSON
	New     *printKeyJSON
	Name    string
	Errors  map[string]string
}

func (s *Server) renderKeys(w http.ResponseWriter, r *http.Request, status int, p store.Printer, page keysPage) error {
	keys, err := s.store.PrintKeysByPrinter(r.Context(), p.ID)
	if err != nil {
		return err
	}
	for _, k := range keys {
		page.Keys = append(page.Keys, s.printKeyJSON(k))
	}
	page.Printer = s.printerJSON(p)
	if page.Errors == nil {
		page.Errors = map[string]string{}
	}
	return s.render(w, r, status, "keys", "Print keys of "+p.Name, page)
}

func (s *Server) handleKeysPage(w http.ResponseWriter, r *http.Request) error {
	p, err := s.pathPrinter(r)
	if err != nil {
		return err
	}
	return s.renderKeys(w, r, http.StatusOK, p, keysPage{})
}

// handleWebKeyCreate makes a key and shows it, this once, on the page it
// answers with (not a redirect: the key must not go into an address that
// is kept in the history).
func (s *Server) handleWebKeyCreate(w http.ResponseWriter, r *http.Request) error {
	p, err := s.pathPrinter(r)
	if err != nil {
		return err
	}
	req := printKeyReq{Name: r.PostFormValue("name"), Formats: r.PostForm["formats"]}
	if v := strings.TrimSpace(r.PostFormValue("per_hour")); v != "" {
		if req.PerHour, err = strconv.Atoi(v); err != nil {
			req.PerHour = -1 // refused with the field's sentence
		}
	}
	if v := strings.TrimSpace(r.PostFormValue("max_kb")); v != "" {
		kb, err := strconv.ParseInt(v, 10, 64)
		if err != nil || kb <= 0 || kb > s.cfg.MaxUploadBytes>>10 {
			req.MaxBytes = -1 // refused with the field's sentence
		} else {
			req.MaxBytes = kb << 10
		}
	}
	k, err := s.createPrintKey(r.Context(), r, p, req)
	if err != nil {
		return s.formError(w, r, err, func(status int, field, msg string) error {
			return s.renderKeys(w, r, status, p, keysPage{Name: req.Name, Errors: map[string]string{cmp.Or(field, "name"): msg}})
		})
	}
	return s.renderKeys(w, r, http.StatusOK, p, keysPage{New: &k})
}

func (s *Server) handleWebKeyRevoke(w http.ResponseWriter, r *http.Request) error {
	p, err := s.pathPrinter(r)
	if err != nil {
		return err
	}
	if err := s.revokePrintKey(r.Context(), p, r.PathValue("key")); err != nil {
		return err
	}
	return redirect(w, r, "/printers/"+strconv.FormatInt(p.ID, 10)+"/keys", "keyrevoked")
}

// keyPage is what a browser sees at a key's address: the printer's name, a
// form to send a note or a picture, and examples to copy.
type keyPage struct {
	Printer  string
	KeyName  string
	URL      string
	Online   bool
	Sent     bool
	Formats  []string
	Takes    map[string]bool
	LastSeen *time.Time
}

// keyStatus is what a script sees at a key's address.
type keyStatus struct {
	Printer   string     `json:"printer"`
	Key       string     `json:"key"`
	Online    bool       `json:"online"`
	Queue     int        `json:"queue"` // prints waiting to print
	LastPrint *time.Time `json:"last_print"`
	Formats   []string   `json:"formats"`
}

// handleKeyGet answers a key's address: JSON for scripts, a page for a
// browser (one that asks for HTML).
func (s *Server) handleKeyGet(w http.ResponseWriter, r *http.Request) error {
	k, p, err := s.keyOf(r.Context(), r.PathValue("code"))
	if err != nil {
		return err
	}
	pj := s.printerJSON(p)
	formats := s.printKeyJSON(k).Formats
	if strings.Contains(r.Header.Get("Accept"), "text/html") {
		page := keyPage{Printer: p.Name, KeyName: k.Name, URL: siteURL(r) + "/k/" + strings.ToUpper(r.PathValue("code")),
			Online: pj.Online, Sent: r.URL.Query().Get("sent") != "", Formats: formats, Takes: map[string]bool{}}
		for _, f := range formats {
			page.Takes[f] = true
		}
		return s.render(w, r, http.StatusOK, "key", "Print on "+p.Name, page)
	}
	queue, err := s.store.OpenDeliveries(r.Context(), p.ID)
	if err != nil {
		return err
	}
	st := keyStatus{Printer: p.Name, Key: k.Name, Online: pj.Online, Queue: queue, Formats: formats}
	ds, err := s.store.DeliveriesByPrinter(r.Context(), p.ID, 0, 20)
	if err != nil {
		return err
	}
	for _, d := range ds {
		if !d.PrintedAt.IsZero() {
			st.LastPrint = timePtr(d.PrintedAt)
			break
		}
	}
	writeJSON(w, http.StatusOK, st)
	return nil
}
