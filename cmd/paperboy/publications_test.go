package main

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"paperboy/codec"
	"paperboy/internal/plugintest"
	"paperboy/internal/storetest"
)

// TestPublicationsEndToEnd runs the server with the built-in publications
// and a virtual printer: a friend's note (a text and a drawing) and an
// edition of each scheduled publication print (news and weather from a
// local upstream serving their recorded data), and what the printer saved
// is, bit for bit, the picture the server's history shows for each.
func TestPublicationsEndToEnd(t *testing.T) {
	t.Parallel()
	root := plugintest.Root(t)
	feed, err := os.ReadFile(filepath.Join(root, "plugins", "news", "testdata", "town.rss"))
	if err != nil {
		t.Fatal(err)
	}
	forecast, err := os.ReadFile(filepath.Join(root, "plugins", "weather", "testdata", "leeds.json"))
	if err != nil {
		t.Fatal(err)
	}
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/town.rss":
			w.Header().Set("Content-Type", "application/rss+xml")
			w.Write(feed)
		case "/v1/forecast":
			// The recorded day, moved to the day asked for.
			w.Header().Set("Content-Type", "application/json")
			w.Write(bytes.ReplaceAll(forecast, []byte("2026-12-01"), []byte(r.URL.Query().Get("start_date"))))
		default:
			http.NotFound(w, r)
		}
	}))
	defer upstream.Close()
	editions := []map[string]any{
		{"publication": "hello", "config": map[string]string{"name": "Ann"}},
		{"publication": "news", "config": map[string]string{"feeds": upstream.URL + "/town.rss"}},
		{"publication": "weather", "config": map[string]string{"place": "Leeds", "latitude": "53.8", "longitude": "-1.55", "base_url": upstream.URL}},
		{"publication": "puzzle", "config": map[string]string{"difficulty": "easy"}},
	}
	for _, kind := range storetest.Kinds {
		t.Run(kind, func(t *testing.T) {
			dsn := storetest.DSN(t, kind)
			token := strings.TrimSpace(paperboy(t, "", "user", "add", "--db", dsn, "ann@example.com").stdout)
			srv := start(t, nil, "serve", "--db", dsn, "--listen", "127.0.0.1:0", "--plugin-allow-private")
			addr := srv.waitLine(regexp.MustCompile(`serving on http://([0-9.:]+) `))[1]
			api := apiClient{t, "http://" + addr, token}
			pr, printers := startPrinters(t, "ws://"+addr+"/api/v1/connection", 1, token)
			waitFor(t, 20*time.Second, "online", func() bool {
				var out struct{ Printers []struct{ Status string } }
				api.call("GET", "/api/v1/printers", "", nil, &out)
				return out.Printers[0].Status == "online"
			})
			id := printers[0]

			var q struct {
				DeliveryID int64 `json:"delivery_id"`
			}
			var form bytes.Buffer
			w := multipart.NewWriter(&form)
			w.WriteField("text", "For you :)")
			fw, _ := w.CreateFormFile("image", "drawing.png")
			fw.Write(drawingPNG(t))
			w.Close()
			if st := api.call("POST", fmt.Sprintf("/api/v1/printers/%d/print", id), w.FormDataContentType(), &form, &q); st != http.StatusAccepted {
				t.Fatalf("a note: status %d", st)
			}
			ids := []int64{q.DeliveryID}
			for _, ed := range editions {
				ed["time_zone"] = "UTC"
				if st := api.postJSON(fmt.Sprintf("/api/v1/printers/%d/editions", id), ed, &q); st != http.StatusAccepted {
					t.Fatalf("an edition of %s: status %d", ed["publication"], st)
				}
				ids = append(ids, q.DeliveryID)
			}
			for _, delivery := range ids {
				file := pr.waitLine(printedLine)[3]
				want := api.preview(id, delivery)
				if !sameBitmap(readPNG(t, file), codec.Rasterize(want, codec.Threshold)) {
					t.Fatalf("delivery %d: the printer printed something else than the server's history shows", delivery)
				}
			}
		})
	}
}

// preview is a delivery's picture as the API shows it.
func (c apiClient) preview(printer, delivery int64) image.Image {
	c.t.Helper()
	req, _ := http.NewRequest("GET", fmt.Sprintf("%s/api/v1/printers/%d/deliveries/%d/preview.png", c.base, printer, delivery), nil)
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	img, err := png.Decode(resp.Body)
	if err != nil {
		c.t.Fatalf("preview of delivery %d: %d: %v", delivery, resp.StatusCode, err)
	}
	return img
}

// drawingPNG is a ring on a transparent ground, as a canvas gives.
func drawingPNG(t *testing.T) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, 240, 240))
	for y := range 240 {
		for x := range 240 {
			if d := (x-120)*(x-120) + (y-120)*(y-120); d > 80*80 && d < 95*95 {
				img.SetNRGBA(x, y, color.NRGBA{A: 255})
			}
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
