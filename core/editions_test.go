package core_test

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"log/slog"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	"paperboy/codec"
	"paperboy/core"
	"paperboy/internal/plugintest"
	"paperboy/internal/syncbuf"
	"paperboy/plugins"
)

// pluginHost starts the named built-in publications for a test.
func pluginHost(t *testing.T, names ...string) *plugins.Host {
	t.Helper()
	var bs []plugins.Builtin
	for _, n := range names {
		bs = append(bs, plugins.Builtin{Name: n, Path: plugintest.Self(t), Args: plugintest.Args(n)})
	}
	h := plugins.New(plugins.Config{Dir: t.TempDir(), Builtins: bs}, slog.New(slog.DiscardHandler))
	t.Cleanup(h.Close)
	if err := h.Load(t.Context()); err != nil {
		t.Fatal(err)
	}
	if n := len(h.Publications()); n != len(names) {
		t.Fatalf("%d publications started, want %d", n, len(names))
	}
	return h
}

// onlinePrinter claims a printer for a new user and brings it online.
func onlinePrinter(t *testing.T, ts *testServer) (token string, id int64, b *fakeBridge, dev codec.Address) {
	t.Helper()
	token = ts.user("ann@example.com")
	code := codec.ClaimCode{HardwareXor: 0x0A0B0C, Secret: 99}
	dev = device(3, code.HardwareXor)
	p := ts.claim(token, code)
	b = ts.bridge(0xB2)
	b.pair(dev, code)
	return token, p.ID, b, dev
}

// deviceCommand waits for the next command on b, a DeviceCommand for dev,
// and returns it with its payload.
func deviceCommand(t *testing.T, b *fakeBridge, dev codec.Address) (codec.DeviceCommand, codec.Payload) {
	t.Helper()
	c, ok := b.command().(codec.DeviceCommand)
	if !ok || c.Device != dev {
		t.Fatalf("got %#v, want a DeviceCommand for %s", c, dev)
	}
	p, err := codec.ParsePayload(c.Payload)
	if err != nil {
		t.Fatal(err)
	}
	return c, p
}

// printed waits for the next print command and returns its picture,
// answering it as a printer does.
func printed(t *testing.T, b *fakeBridge, dev codec.Address, want codec.CommandCode) *codec.Bitmap {
	t.Helper()
	c, p := deviceCommand(t, b, dev)
	if p.Command != want || len(p.Images) != 1 {
		t.Fatalf("command %v with %d images, want %v with one", p.Command, len(p.Images), want)
	}
	b.send(codec.DeviceCommandResponse{Header: b.h(), Device: dev, CommandID: c.ID, ReturnCode: codec.ReturnSuccess})
	b.event(dev, codec.DidPrint{PrintType: codec.PrintDelivery, PrintID: c.ID})
	return p.Images[0]
}

// drawing is a PNG of a black square on a transparent ground, as a canvas
// in a page gives.
func drawing(t *testing.T) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, 200, 120))
	for y := 30; y < 90; y++ {
		for x := 70; x < 130; x++ {
			img.SetNRGBA(x, y, color.NRGBA{A: 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestServer_PrintIsANote(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, "sqlite", core.Config{}, withPublications(pluginHost(t, "friends")))
	token, id, b, dev := onlinePrinter(t, ts)
	path := fmt.Sprintf("/api/v1/printers/%d/print", id)

	var queued struct {
		DeliveryID int64 `json:"delivery_id"`
	}
	if st := ts.postJSON(path, token, map[string]string{"text": "See you at eight!"}, &queued); st != http.StatusAccepted {
		t.Fatalf("a text message: status %d", st)
	}
	text := printed(t, b, dev, codec.SetDeliveryAndPrint)

	var form bytes.Buffer
	w := multipart.NewWriter(&form)
	w.WriteField("text", "Look!")
	w.WriteField("mode", "button")
	fw, _ := w.CreateFormFile("image", "drawing.png")
	fw.Write(drawing(t))
	w.Close()
	if st := ts.do("POST", path, token, w.FormDataContentType(), &form, &queued); st != http.StatusAccepted {
		t.Fatalf("a drawing: status %d", st)
	}
	pic := printed(t, b, dev, codec.SetDelivery)
	if pic.Height <= text.Height {
		t.Fatalf("the note with a drawing is %d rows, the text alone %d", pic.Height, text.Height)
	}

	tests := []struct {
		name        string
		contentType string
		body        string
		status      int
		says        string
	}{
		{"empty", "application/json", `{"text": "  "}`, 400, "empty"},
		{"a bad mode", "application/json", `{"text": "hi", "mode": "later"}`, 400, "mode"},
		{"not JSON or a form", "text/plain", `hi`, 400, "JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var e errorOut
			if st := ts.do("POST", path, token, tt.contentType, strings.NewReader(tt.body), &e); st != tt.status || !strings.Contains(e.Error, tt.says) {
				t.Fatalf("status %d %q, want %d saying %q", st, e.Error, tt.status, tt.says)
			}
		})
	}
	var e errorOut
	if st := ts.postJSON(path, ts.user("bob@example.com"), map[string]string{"text": "hi"}, &e); st != http.StatusNotFound {
		t.Fatalf("another user's printer: status %d", st)
	}
}

func TestServer_PrintWithoutFriends(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, "sqlite", core.Config{}, withPublications(pluginHost(t, "hello")))
	token, id, _, _ := onlinePrinter(t, ts)
	var e errorOut
	if st := ts.postJSON(fmt.Sprintf("/api/v1/printers/%d/print", id), token, map[string]string{"text": "hi"}, &e); st != http.StatusServiceUnavailable || !strings.Contains(e.Error, "friends") {
		t.Fatalf("status %d %q, want 503 saying friends is not installed", st, e.Error)
	}
}

func TestServer_Editions(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, "sqlite", core.Config{}, withPublications(pluginHost(t, "hello", "puzzle")))
	token, id, b, dev := onlinePrinter(t, ts)
	path := fmt.Sprintf("/api/v1/printers/%d/editions", id)

	var pubs struct {
		Publications []struct {
			Name   string `json:"name"`
			Fields []struct {
				Name string `json:"name"`
			} `json:"fields"`
		} `json:"publications"`
	}
	if st := ts.do("GET", "/api/v1/publications", token, "", nil, &pubs); st != 200 || len(pubs.Publications) != 2 || pubs.Publications[0].Name != "hello" {
		t.Fatalf("publications: status %d, %+v", st, pubs)
	}

	var queued struct {
		DeliveryID int64 `json:"delivery_id"`
	}
	if st := ts.postJSON(path, token, map[string]any{"publication": "puzzle", "config": map[string]string{"difficulty": "hard"},
		"time_zone": "Pacific/Kiritimati"}, &queued); st != http.StatusAccepted {
		t.Fatalf("an edition: status %d", st)
	}
	if bm := printed(t, b, dev, codec.SetDeliveryAndPrint); bm.Height < 300 {
		t.Fatalf("a puzzle of %d rows", bm.Height)
	}
	req, err := http.NewRequest("GET", fmt.Sprintf("%s/api/v1/printers/%d/deliveries/%d/preview.png", ts.base, id, queued.DeliveryID), nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(resp.Body)
	resp.Body.Close()
	if err != nil || img.Bounds().Dx() != codec.PrintWidth {
		t.Fatalf("the preview of the edition: %v, %v", err, img)
	}

	tests := []struct {
		name   string
		body   map[string]any
		status int
		says   string
	}{
		{"an unknown publication", map[string]any{"publication": "horoscope"}, 400, `no publication "horoscope"`},
		{"a config the form refuses", map[string]any{"publication": "puzzle", "config": map[string]string{"difficulty": "fiendish"}}, 400, "config"},
		{"an unknown zone", map[string]any{"publication": "hello", "time_zone": "Mars/Olympus"}, 400, "IANA"},
		{"a bad mode", map[string]any{"publication": "hello", "mode": "soon"}, 400, "mode"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var e struct {
				Error  string            `json:"error"`
				Fields map[string]string `json:"fields"`
			}
			if st := ts.postJSON(path, token, tt.body, &e); st != tt.status || !strings.Contains(e.Error, tt.says) {
				t.Fatalf("status %d %q, want %d saying %q", st, e.Error, tt.status, tt.says)
			}
		})
	}
	var e struct {
		Fields map[string]string `json:"fields"`
	}
	ts.postJSON(path, token, map[string]any{"publication": "puzzle", "config": map[string]string{"difficulty": "fiendish"}}, &e)
	if e.Fields["difficulty"] == "" {
		t.Fatalf("the refused config names no field: %+v", e)
	}
}

// TestServer_PluginFaults: a publication that panics, crashes, hangs or
// answers garbage fails its edition with a readable error in the printer's
// history, and is restarted; one that exits at start is left out. The
// server stays up throughout.
func TestServer_PluginFaults(t *testing.T) {
	t.Parallel()
	dir := plugintest.Folder(t, "panics", "crashes", "hangs", "garbage", "exits", "hello")
	var logs syncbuf.Buffer
	h := plugins.New(plugins.Config{Dir: dir, CallTimeout: time.Second, RestartMin: 50 * time.Millisecond, CheckEvery: 20 * time.Millisecond},
		slog.New(slog.NewTextHandler(&logs, nil)))
	t.Cleanup(h.Close)
	if err := h.Load(t.Context()); err != nil {
		t.Fatal(err)
	}
	ts := newTestServer(t, "sqlite", core.Config{}, withPublications(h))
	token, id, b, dev := onlinePrinter(t, ts)
	path := fmt.Sprintf("/api/v1/printers/%d/editions", id)

	type pub struct {
		Name     string `json:"name"`
		Running  bool   `json:"running"`
		Restarts int    `json:"restarts"`
	}
	publications := func() map[string]pub {
		var out struct{ Publications []pub }
		ts.do("GET", "/api/v1/publications", token, "", nil, &out)
		m := map[string]pub{}
		for _, p := range out.Publications {
			m[p.Name] = p
		}
		return m
	}
	if _, ok := publications()["exits"]; ok || !strings.Contains(logs.String(), "exits: cannot read my settings") {
		t.Fatalf("a plugin that exits at start is listed, or its words are not logged:\n%s", logs.String())
	}

	tests := []struct {
		publication string
		config      map[string]string
		says        string // in the error and the history
		restarted   bool
	}{
		{"panics", nil, "crashed", false},
		{"crashes", nil, "crashed", true},
		{"hangs", nil, "did not answer within 1s", true},
		{"garbage", nil, "not a picture", false},
		{"garbage", map[string]string{"wide": "true"}, "1000 pixels wide", false},
	}
	for _, tt := range tests {
		t.Run(tt.publication, func(t *testing.T) {
			var e errorOut
			if st := ts.postJSON(path, token, map[string]any{"publication": tt.publication, "config": tt.config}, &e); st != http.StatusBadGateway || !strings.Contains(e.Error, tt.says) {
				t.Fatalf("status %d %q, want 502 saying %q", st, e.Error, tt.says)
			}
			var out struct {
				Deliveries []struct {
					ID     int64  `json:"id"`
					State  string `json:"state"`
					Reason string `json:"reason"`
				}
			}
			ts.do("GET", fmt.Sprintf("/api/v1/printers/%d/deliveries", id), token, "", nil, &out)
			last := out.Deliveries[0]
			if last.State != "failed" || !strings.Contains(last.Reason, tt.publication) || !strings.Contains(last.Reason, tt.says) {
				t.Fatalf("the history's newest is %+v, want a failed edition saying %q", last, tt.says)
			}
			if st := ts.do("GET", fmt.Sprintf("/api/v1/printers/%d/deliveries/%d/preview.png", id, last.ID), token, "", nil, &e); st != http.StatusNotFound || !strings.Contains(e.Error, "no picture") {
				t.Fatalf("preview of a failed edition: status %d %q", st, e.Error)
			}
			if tt.restarted {
				eventually(t, tt.publication+" restarted", func() bool {
					p := publications()[tt.publication]
					return p.Running && p.Restarts >= 1
				})
			}
		})
	}
	// Through all that the server kept serving, and a good publication prints.
	var q struct {
		DeliveryID int64 `json:"delivery_id"`
	}
	if st := ts.postJSON(path, token, map[string]any{"publication": "hello"}, &q); st != http.StatusAccepted {
		t.Fatalf("hello after the faults: status %d", st)
	}
	printed(t, b, dev, codec.SetDeliveryAndPrint)
}
