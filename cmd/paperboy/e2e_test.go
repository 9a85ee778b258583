package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"paperboy/codec"
	"paperboy/internal/storetest"
)

// TestEndToEnd runs the real server and a virtual printer as separate
// processes, claims the printer through the API, prints a text and a
// picture, and checks that the PNGs the printer saved hold exactly the
// bitmaps the server should have encoded: on SQLite, and on MySQL when
// PAPERBOY_TEST_MYSQL_DSN is set.
func TestEndToEnd(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds {
		t.Run(kind, func(t *testing.T) {
			dsn := storetest.DSN(t, kind)
			dir := t.TempDir()
			r := paperboy(t, "", "user", "add", "--db", dsn, "ann@example.com")
			if r.code != 0 {
				t.Fatalf("user add: %s", r.stderr)
			}
			token := strings.TrimSpace(r.stdout)

			srv := start(t, nil, "serve", "--db", dsn, "--listen", "127.0.0.1:0", "--builtins", "friends")
			base := srv.waitLine(regexp.MustCompile(`serving on (http://[0-9.:]+) `))[1]
			printer := start(t, nil, "printer", "--server", "ws"+strings.TrimPrefix(base, "http")+"/api/v1/connection",
				"--state", filepath.Join(dir, "printer.json"), "--out", filepath.Join(dir, "prints"), "--heartbeat", "1s")
			m := printer.waitLine(regexp.MustCompile(`^printer 1: device ([0-9a-f]{16}), claim code (\S+) \(not paired`))
			device, code := m[1], m[2]

			api := func(method, path, contentType string, body io.Reader, out any) int {
				t.Helper()
				req, _ := http.NewRequest(method, base+path, body)
				req.Header.Set("Authorization", "Bearer "+token)
				if contentType != "" {
					req.Header.Set("Content-Type", contentType)
				}
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
					t.Fatalf("%s %s: %v", method, path, err)
				}
				return resp.StatusCode
			}
			var p struct {
				ID     int64  `json:"id"`
				Status string `json:"status"`
			}
			if st := api("POST", "/api/v1/printers/claim", "application/json", strings.NewReader(`{"claim_code":"`+code+`","name":"Desk"}`), &p); st != http.StatusCreated {
				t.Fatalf("claim: status %d", st)
			}
			deadline := time.Now().Add(20 * time.Second)
			for p.Status != "online" {
				if time.Now().After(deadline) {
					t.Fatalf("the printer is %q, not online", p.Status)
				}
				time.Sleep(50 * time.Millisecond)
				var list struct {
					Printers []struct {
						Status string `json:"status"`
					}
				}
				api("GET", "/api/v1/printers", "", nil, &list)
				p.Status = list.Printers[0].Status
			}

			// A text, then a picture: each a note made by the friends
			// publication. What the printer saved must be, bit for bit,
			// the bitmap the server encoded, which its history shows.
			var queued struct {
				DeliveryID int64 `json:"delivery_id"`
			}
			var ids []int64
			if st := api("POST", fmt.Sprintf("/api/v1/printers/%d/print", p.ID), "application/json", strings.NewReader(`{"text":"hello"}`), &queued); st != http.StatusAccepted {
				t.Fatalf("print text: status %d", st)
			}
			ids = append(ids, queued.DeliveryID)
			picture := testPicture()
			var pngData bytes.Buffer
			png.Encode(&pngData, picture)
			var form bytes.Buffer
			w := multipart.NewWriter(&form)
			f, _ := w.CreateFormFile("image", "picture.png")
			f.Write(pngData.Bytes())
			w.Close()
			if st := api("POST", fmt.Sprintf("/api/v1/printers/%d/print", p.ID), w.FormDataContentType(), &form, &queued); st != http.StatusAccepted {
				t.Fatalf("print picture: status %d", st)
			}
			ids = append(ids, queued.DeliveryID)

			history := apiClient{t, base, token}
			printed := regexp.MustCompile(`^printed command \d+ on ` + device + `: (\S+)$`)
			for i, id := range ids {
				got := readPNG(t, printer.waitLine(printed)[1])
				bm := codec.Rasterize(history.preview(p.ID, id), codec.Threshold)
				if got.Bounds() != bm.Bounds() || bm.Height < 40 {
					t.Fatalf("print %d is %v, the server encoded %v", i, got.Bounds(), bm.Bounds())
				}
				if !sameBitmap(got, bm) {
					t.Fatalf("print %d differs from what the server encoded", i)
				}
			}

			// The history says both printed.
			deadline = time.Now().Add(20 * time.Second)
			for {
				var hist struct {
					Deliveries []struct {
						State string `json:"state"`
					}
				}
				api("GET", fmt.Sprintf("/api/v1/printers/%d/deliveries", p.ID), "", nil, &hist)
				if len(hist.Deliveries) == 2 && hist.Deliveries[0].State == "printed" && hist.Deliveries[1].State == "printed" {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("deliveries %+v, want two printed", hist.Deliveries)
				}
				time.Sleep(50 * time.Millisecond)
			}
			if err := printer.stop(syscall.SIGTERM); err != nil {
				t.Errorf("printer: %v", err)
			}
			if err := srv.stop(syscall.SIGTERM); err != nil {
				t.Errorf("serve after SIGTERM: %v, want exit status 0", err)
			}
			if !strings.Contains(srv.stderr.String(), "msg=stopped") {
				t.Errorf("serve did not stop cleanly:\n%s", srv.stderr.String())
			}
		})
	}
}

// testPicture is a 200×150 picture: a grey ramp with a dark disc.
func testPicture() image.Image {
	img := image.NewRGBA(image.Rect(0, 0, 200, 150))
	for y := range 150 {
		for x := range 200 {
			v := uint8(x * 255 / 199)
			if (x-100)*(x-100)+(y-75)*(y-75) < 40*40 {
				v /= 4
			}
			img.Set(x, y, color.RGBA{v, v, v, 255})
		}
	}
	return img
}

func readPNG(t *testing.T, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	return img
}
