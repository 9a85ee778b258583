package core

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"image"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"paperboy/codec"
	"paperboy/delivery"
	"paperboy/sdk"
	"paperboy/sdk/htmlrender"
	"paperboy/store"
)

// Print keys (issue 17): a secret address per key, /k/CODE, through which
// anyone who holds it prints on one printer: a doorbell, a script, a
// shortcut on a phone, a friend without an account. The code is also the
// key's BERG direct-print code (/playground/direct_print/CODE). Only its
// SHA-256 is kept, and it is never logged (logPath); a revoked or unknown
// key is a plain 404.

// keyCodeLen is a key code's length: 20 of 36 characters, 103 bits, which
// no one guesses at any rate the server answers.
const keyCodeLen = 20

const keyAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

// newKeyCode is a new key's code: upper-case letters and digits, as
// BERG's direct-print codes were.
func newKeyCode() string {
	b := make([]byte, keyCodeLen)
	for i := range b {
		for {
			var c [1]byte
			rand.Read(c[:])
			if int(c[0]) < 256-256%len(keyAlphabet) { // no bias
				b[i] = keyAlphabet[int(c[0])%len(keyAlphabet)]
				break
			}
		}
	}
	return string(b)
}

// keyFormats are the kinds of content a key may take.
var keyFormats = []string{"text", "markdown", "html", "image"}

// Print keys' limits.
const (
	maxKeysPerPrinter = 50
	maxKeyPerHour     = 3600
	maxFromLen        = 64 // characters of a sender's name
)

// printKeyJSON is a key as its owner sees it; URL and Code only when it is
// made.
type printKeyJSON struct {
	ID            int64             `json:"id"`
	Name          string            `json:"name"`
	Hint          string            `json:"hint"` // the code's first characters
	URL           string            `json:"url,omitempty"`
	Code          string            `json:"code,omitempty"`
	PerHour       int               `json:"per_hour"`
	MaxBytes      int64             `json:"max_bytes"`
	Formats       []string          `json:"formats"`
	CreatedAt     time.Time         `json:"created_at"`
	Uses          int64             `json:"uses"`
	LastUsedAt    *time.Time        `json:"last_used_at"`
	RecentSenders []store.KeySender `json:"recent_senders"`
}

func (s *Server) printKeyJSON(k store.PrintKey) printKeyJSON {
	out := printKeyJSON{ID: k.ID, Name: k.Name, Hint: k.Hint, PerHour: s.keyPerHour(k), MaxBytes: s.keyMaxBytes(k), Formats: k.Formats,
		CreatedAt: k.Created, Uses: k.Uses, LastUsedAt: timePtr(k.LastUsed), RecentSenders: k.RecentSenders}
	if len(out.Formats) == 0 {
		out.Formats = keyFormats
	}
	if out.RecentSenders == nil {
		out.RecentSenders = []store.KeySender{}
	}
	return out
}

// keyPerHour and keyMaxBytes are a key's limits: its own, or the server's.
func (s *Server) keyPerHour(k store.PrintKey) int {
	if k.PerHour > 0 {
		return k.PerHour
	}
	return s.cfg.KeyPrintsPerHour
}

func (s *Server) keyMaxBytes(k store.PrintKey) int64 {
	if k.MaxBytes > 0 && k.MaxBytes < s.cfg.MaxUploadBytes {
		return k.MaxBytes
	}
	return s.cfg.MaxUploadBytes
}

// printKeyReq is the body of a new key.
type printKeyReq struct {
	Name     string   `json:"name"`
	PerHour  int      `json:"per_hour"`
	MaxBytes int64    `json:"max_bytes"`
	Formats  []string `json:"formats"`
}

// createPrintKey makes a key for one of the user's printers and returns it
// with its URL and code, the only time they are shown.
func (s *Server) createPrintKey(ctx context.Context, r *http.Request, p store.Printer, req printKeyReq) (printKeyJSON, error) {
	req.Name = strings.TrimSpace(req.Name)
	if msg := checkTokenName(req.Name); msg != "" {
		return printKeyJSON{}, errField("name", msg)
	}
	if req.PerHour < 0 || req.PerHour > maxKeyPerHour {
		return printKeyJSON{}, errField("per_hour", fmt.Sprintf("per_hour: from 1 to %d prints an hour, or 0 for the server's %d", maxKeyPerHour, s.cfg.KeyPrintsPerHour))
	}
	if req.MaxBytes < 0 || req.MaxBytes > s.cfg.MaxUploadBytes {
		return printKeyJSON{}, errField("max_bytes", fmt.Sprintf("max_bytes: at most %d, or 0 for that", s.cfg.MaxUploadBytes))
	}
	for _, f := range req.Formats {
		if !slices.Contains(keyFormats, f) {
			return printKeyJSON{}, errField("formats", fmt.Sprintf("formats: %q is not one of %s", f, strings.Join(keyFormats, ", ")))
		}
	}
	keys, err := s.store.PrintKeysByPrinter(ctx, p.ID)
	if err != nil {
		return printKeyJSON{}, err
	}
	if len(keys) >= maxKeysPerPrinter {
		return printKeyJSON{}, errConflict(fmt.Sprintf("%s has %d keys, the most a printer may have: revoke one first", p.Name, len(keys)))
	}
	code := newKeyCode()
	k, err := s.store.CreatePrintKey(ctx, store.PrintKey{PrinterID: p.ID, Name: req.Name, CodeHash: HashToken(code), Hint: code[:4],
		PerHour: req.PerHour, MaxBytes: req.MaxBytes, Formats: slices.Compact(slices.Sorted(slices.Values(req.Formats)))})
	if err != nil {
		return printKeyJSON{}, err
	}
	s.log.Info("print key made", "printer", p.ID, "key", k.ID, "hint", k.Hint)
	out := s.printKeyJSON(k)
	out.URL, out.Code = siteURL(r)+"/k/"+code, code
	return out, nil
}

func (s *Server) handleKeyCreate(w http.ResponseWriter, r *http.Request) error {
	p, err := s.pathPrinter(r)
	if err != nil {
		return err
	}
	var req printKeyReq
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	k, err := s.createPrintKey(r.Context(), r, p, req)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, k)
	return nil
}

func (s *Server) handleKeyList(w http.ResponseWriter, r *http.Request) error {
	p, err := s.pathPrinter(r)
	if err != nil {
		return err
	}
	keys, err := s.store.PrintKeysByPrinter(r.Context(), p.ID)
	if err != nil {
		return err
	}
	out := []printKeyJSON{}
	for _, k := range keys {
		out = append(out, s.printKeyJSON(k))
	}
	writeJSON(w, http.StatusOK, map[string]any{"keys": out})
	return nil
}

func (s *Server) handleKeyDelete(w http.ResponseWriter, r *http.Request) error {
	p, err := s.pathPrinter(r)
	if err != nil {
		return err
	}
	if err := s.revokePrintKey(r.Context(), p, r.PathValue("key")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// revokePrintKey revokes one of a printer's keys, named by its id.
func (s *Server) revokePrintKey(ctx context.Context, p store.Printer, v string) error {
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return errNotFound("no such key: " + v)
	}
	if err := s.store.DeletePrintKey(ctx, p.ID, id); errors.Is(err, store.ErrNotFound) {
		return errNotFound("no such key: " + v)
	} else if err != nil {
		return err
	}
	s.log.Info("print key revoked", "printer", p.ID, "key", id)
	return nil
}

// keyOf is the key a code names, and its printer; a plain 404 when there is
// none, whatever the reason.
func (s *Server) keyOf(ctx context.Context, code string) (store.PrintKey, store.Printer, error) {
	notFound := &httpError{status: http.StatusNotFound, msg: "404 page not found"}
	code = strings.ToUpper(strings.TrimSpace(code))
	if len(code) != keyCodeLen {
		return store.PrintKey{}, store.Printer{}, notFound
	}
	k, err := s.store.PrintKeyByHash(ctx, HashToken(code))
	if errors.Is(err, store.ErrNotFound) {
		return k, store.Printer{}, notFound
	}
	if err != nil {
		return k, store.Printer{}, err
	}
	p, err := s.store.PrinterByID(ctx, k.PrinterID)
	if errors.Is(err, store.ErrNotFound) {
		return k, p, notFound
	}
	return k, p, err
}

// plainNotFound answers a key that is not one as any address that is not:
// a plain 404, which says nothing of keys. Other errors are returned.
func plainNotFound(w http.ResponseWriter, r *http.Request, err error) error {
	var he *httpError
	if errors.As(err, &he) && he.status == http.StatusNotFound {
		http.NotFound(w, r)
		return nil
	}
	return err
}

// logPath is a request's path as the log may keep it: a key's code, a
// push subscription's id and the like are secrets, cut to their first
// characters.
func logPath(r *http.Request) string {
	p := r.URL.Path
	for _, prefix := range []string{"/k/", "/playground/direct_print/", "/v1/subscriptions/", "/reset/"} {
		if rest, ok := strings.CutPrefix(p, prefix); ok {
			secret, tail, _ := strings.Cut(rest, "/")
			if len(secret) > 4 {
				secret = secret[:4] + "…"
			}
			if tail != "" {
				tail = "/" + tail
			}
			return prefix + secret + tail
		}
	}
	return p
}

// keyPrint is what a POST to a key carries: one kind of content, who sent
// it and how it prints.
type keyPrint struct {
	format string // text, markdown, html or image
	text   string // the text, Markdown or HTML
	image  []byte
	dither codec.Dither
	from   string
	mode   store.Mode
}

// readKeyPrint reads a POST to a key: text/plain, text/markdown,
// text/html, an image, JSON {"text"|"markdown"|"html"|"image_base64",
// "from", "mode"}, a multipart form (text, markdown, html, an image file,
// from, mode) or a plain form (the same fields; BERG's direct print sends
// html=). ?from=, ?mode= and ?dither= may be given in the address.
func readKeyPrint(w http.ResponseWriter, r *http.Request, maxBytes int64) (keyPrint, error) {
	q := r.URL.Query()
	kp := keyPrint{from: q.Get("from")}
	mode := q.Get("mode")
	dither := q.Get("dither")
	r.Body = http.MaxBytesReader(w, r.Body, maxBytes)
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch mt {
	case "text/plain", "":
		b, err := io.ReadAll(r.Body)
		if err != nil {
			return kp, err
		}
		kp.format, kp.text = "text", string(b)
	case "text/markdown", "text/x-markdown":
		b, err := io.ReadAll(r.Body)
		if err != nil {
			return kp, err
		}
		kp.format, kp.text = "markdown", string(b)
	case "text/html":
		b, err := io.ReadAll(r.Body)
		if err != nil {
			return kp, err
		}
		kp.format, kp.text = "html", string(b)
	case "image/png", "image/jpeg", "image/gif":
		b, err := io.ReadAll(r.Body)
		if err != nil {
			return kp, err
		}
		kp.format, kp.image = "image", b
	case "application/json":
		var body struct {
			Text        string `json:"text"`
			Markdown    string `json:"markdown"`
			HTML        string `json:"html"`
			ImageBase64 string `json:"image_base64"`
			From        string `json:"from"`
			Mode        string `json:"mode"`
			Dither      string `json:"dither"`
		}
		if err := decodeJSON(w, r, &body); err != nil {
			return kp, err
		}
		if err := kp.set(body.Text, body.Markdown, body.HTML, nil); err != nil {
			return kp, err
		}
		if body.ImageBase64 != "" {
			if kp.format != "" {
				return kp, errBadRequest("send one of text, markdown, html or image_base64, not two")
			}
			b, err := base64.StdEncoding.DecodeString(body.ImageBase64)
			if err != nil {
				return kp, errField("image_base64", "image_base64 is not base64: "+err.Error())
			}
			kp.format, kp.image = "image", b
		}
		kp.from, mode, dither = cmp.Or(body.From, kp.from), cmp.Or(body.Mode, mode), cmp.Or(body.Dither, dither)
	case "application/x-www-form-urlencoded":
		b, err := io.ReadAll(r.Body)
		if err != nil {
			return kp, err
		}
		form, ferr := url.ParseQuery(string(b))
		if ferr != nil || !hasAny(form, "text", "markdown", "html", "from", "mode", "dither") {
			// curl -d 'The washing is done' sends text as a form: a body
			// with none of the form's fields is the text itself.
			text, uerr := url.QueryUnescape(strings.ReplaceAll(string(b), "+", " "))
			if uerr != nil {
				text = string(b)
			}
			kp.format, kp.text = "text", text
			break
		}
		if err := kp.set(form.Get("text"), form.Get("markdown"), form.Get("html"), nil); err != nil {
			return kp, err
		}
		kp.from, mode, dither = cmp.Or(form.Get("from"), kp.from), cmp.Or(form.Get("mode"), mode), cmp.Or(form.Get("dither"), dither)
	case "multipart/form-data":
		if err := r.ParseMultipartForm(maxBytes); err != nil {
			var tooLarge *http.MaxBytesError
			if errors.As(err, &tooLarge) {
				return kp, err
			}
			return kp, errBadRequest("the form cannot be read: " + err.Error())
		}
		var pic []byte
		if r.MultipartForm != nil && r.MultipartForm.File["image"] != nil {
			f, _, err := r.FormFile("image")
			if err != nil {
				return kp, errBadRequest("the image file cannot be read: " + err.Error())
			}
			pic, err = io.ReadAll(f)
			f.Close()
			if err != nil {
				return kp, err
			}
		}
		if err := kp.set(r.PostFormValue("text"), r.PostFormValue("markdown"), r.PostFormValue("html"), pic); err != nil {
			return kp, err
		}
		kp.from, mode, dither = cmp.Or(r.PostFormValue("from"), kp.from), cmp.Or(r.PostFormValue("mode"), mode), cmp.Or(r.PostFormValue("dither"), dither)
	default:
		return kp, &httpError{status: http.StatusUnsupportedMediaType, msg: fmt.Sprintf("%q is not taken: send text/plain, text/markdown, text/html, "+
			"image/png, image/jpeg, image/gif, JSON or a form", mt)}
	}
	if kp.format == "" || kp.format != "image" && strings.TrimSpace(kp.text) == "" {
		return kp, errBadRequest("there is nothing to print: send a text, Markdown, HTML or a picture")
	}
	if !utf8.ValidString(kp.text) {
		return kp, errBadRequest("the text is not valid text (UTF-8)")
	}
	kp.from = strings.TrimSpace(kp.from)
	if utf8.RuneCountInString(kp.from) > maxFromLen {
		return kp, errField("from", fmt.Sprintf("from: a name of at most %d characters", maxFromLen))
	}
	if msg := nameProblem("from", kp.from); msg != "" {
		return kp, errField("from", msg)
	}
	var err error
	if kp.mode, err = parseMode(mode, store.ModeNow); err != nil {
		return kp, err
	}
	kp.dither = codec.FloydSteinberg
	if dither != "" {
		if kp.dither, err = codec.ParseDither(dither); err != nil {
			return kp, errField("dither", err.Error())
		}
	}
	return kp, nil
}

// set takes the one kind of content a form or JSON body gave.
func (kp *keyPrint) set(text, md, html string, pic []byte) error {
	n := 0
	for _, c := range []struct {
		format, v string
	}{{"text", text}, {"markdown", md}, {"html", html}} {
		if c.v != "" {
			kp.format, kp.text = c.format, c.v
			n++
		}
	}
	if pic != nil {
		kp.format, kp.image = "image", pic
		n++
	}
	if n > 1 {
		return errBadRequest("send one of text, markdown, html or an image, not two")
	}
	return nil
}

// hasAny reports whether a form has any of the fields.
func hasAny(form url.Values, fields ...string) bool {
	for _, f := range fields {
		if _, ok := form[f]; ok {
			return true
		}
	}
	return false
}

// printThroughKey prints what a key was sent on its printer, within the
// key's and the printer's limits, and counts it.
func (s *Server) printThroughKey(ctx context.Context, k store.PrintKey, p store.Printer, kp keyPrint) (store.Delivery, error) {
	if len(k.Formats) > 0 && !slices.Contains(k.Formats, kp.format) {
		return store.Delivery{}, &httpError{status: http.StatusUnsupportedMediaType,
			msg: fmt.Sprintf("this key takes %s, not %s", strings.Join(k.Formats, ", "), kp.format)}
	}
	now := s.now()
	if ok, wait := s.keyPrints.takeN(k.ID, float64(s.keyPerHour(k)), now); !ok {
		return store.Delivery{}, errTooMany(fmt.Sprintf("this key has printed all it may for now (%d an hour): try again in %s", s.keyPerHour(k), wait), wait)
	}
	if ok, wait := s.printerKeyPrints.take(p.ID, now); !ok {
		return store.Delivery{}, errTooMany(fmt.Sprintf("%s has had all the prints it takes through keys for now (%d an hour): try again in %s",
			p.Name, s.cfg.PrinterKeyPrintsPerHour, wait), wait)
	}
	sender := kp.from
	if sender == "" {
		sender = k.Name // the key's name says where it came from
	}
	print := delivery.Print{PrinterID: p.ID, Kind: "message", Sender: sender, Mode: kp.mode}
	var d store.Delivery
	var err error
	switch kp.format {
	case "text":
		if s.plugins == nil {
			return d, errUnavailable(ErrNoPublications.Error())
		}
		if len(kp.text) > sdk.MaxTextBytes {
			return d, errBadRequest(fmt.Sprintf("the text is too long: at most %d KB", sdk.MaxTextBytes>>10))
		}
		print.Publication = FriendsPublication
		var ed edition
		ed, err = s.printEdition(ctx, print, sdk.RenderArgs{Config: sdk.Config{}, Time: now.In(p.Location()),
			Push: &sdk.PushItem{Sender: sender, Text: kp.text, SentAt: now}})
		if err == nil && ed.delivery.ID == 0 {
			err = errNothingMade
		}
		d, err = ed.delivery, messageError(err)
	case "markdown", "html":
		page := []byte(kp.text)
		if kp.format == "markdown" {
			if page, err = markdownPage(kp.text, kp.from, now.In(p.Location())); err != nil {
				return d, errBadRequest(err.Error())
			}
		}
		d, err = s.printHTML(ctx, print, page)
	case "image":
		var bm *codec.Bitmap
		extra := func(info codec.ImageInfo) int64 { return codec.RasterizeBytes(info.PrintSize()) }
		err = s.withPicture(ctx, "image", "image: ", kp.image, extra, func(img *image.RGBA) error {
			bm = codec.Rasterize(img, kp.dither)
			return nil
		})
		if err != nil {
			return d, err
		}
		print.Pictures = []*codec.Bitmap{bm}
		d, err = s.queue.Print(ctx, print)
	}
	if err != nil {
		return d, err
	}
	if err := s.store.PrintKeyUsed(context.WithoutCancel(ctx), k.ID, sender); err != nil {
		s.log.Warn("count a key's print", "key", k.ID, "error", err)
	}
	s.log.Info("print queued through a key", "printer", p.ID, "key", k.ID, "format", kp.format, "delivery_id", d.ID)
	return d, nil
}

// printHTML renders HTML with the server's engine and prints it: a key's
// HTML and Markdown, BERG's direct print, and a push publication's edition.
func (s *Server) printHTML(ctx context.Context, print delivery.Print, page []byte) (store.Delivery, error) {
	if s.plugins == nil {
		return store.Delivery{}, errUnavailable(ErrNoPublications.Error())
	}
	png, err := s.plugins.RenderHTML(ctx, htmlrender.Page{HTML: page})
	if err != nil {
		return store.Delivery{}, errBadRequest("the HTML could not be rendered: " + err.Error())
	}
	print.Edition = png
	d, err := s.queue.Print(ctx, print)
	var perr *delivery.PictureError
	if errors.As(err, &perr) {
		return d, errBadRequest(perr.Err.Error())
	}
	return d, err
}

// handleKeyPost prints what is sent to a key: 202 with the delivery for a
// script; a browser's form (the key's own page) is sent back to the page.
func (s *Server) handleKeyPost(w http.ResponseWriter, r *http.Request) error {
	k, p, err := s.keyOf(r.Context(), r.PathValue("code"))
	if err != nil {
		return plainNotFound(w, r, err)
	}
	kp, err := readKeyPrint(w, r, s.keyMaxBytes(k))
	if err != nil {
		return err
	}
	d, err := s.printThroughKey(r.Context(), k, p, kp)
	if err != nil {
		return err
	}
	if r.PostFormValue("from_page") != "" {
		http.Redirect(w, r, "/k/"+strings.ToUpper(r.PathValue("code"))+"?sent=1", http.StatusSeeOther)
		return nil
	}
	writeJSON(w, http.StatusAccepted, map[string]any{"delivery_id": d.ID, "state": d.State, "printer": p.Name})
	return nil
}

// handleDirectPrint is BERG's direct print on a key's code: a form with
// the field html, answered "OK" as BERG did, so old scripts change only
// the host.
func (s *Server) handleDirectPrint(w http.ResponseWriter, r *http.Request) error {
	k, p, err := s.keyOf(r.Context(), r.PathValue("code"))
	if err != nil {
		return plainNotFound(w, r, err)
	}
	r.Body = http.MaxBytesReader(w, r.Body, s.keyMaxBytes(k))
	if err := r.ParseForm(); err != nil {
		return errBadRequest("a form with the field html is expected: " + err.Error())
	}
	page := r.PostFormValue("html")
	if strings.TrimSpace(page) == "" {
		return errBadRequest("there is nothing to print: send the form field html")
	}
	if _, err := s.printThroughKey(r.Context(), k, p, keyPrint{format: "html", text: page, mode: store.ModeNow, from: r.PostFormValue("from")}); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, err = io.WriteString(w, "OK")
	return err
}
