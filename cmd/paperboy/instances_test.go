package main

import (
	"fmt"
	"image"
	"regexp"
	"strings"
	"testing"
	"time"

	"paperboy/codec"
	"paperboy/internal/storetest"
)

// sameBitmap reports whether a saved print holds exactly a bitmap.
func sameBitmap(img image.Image, bm *codec.Bitmap) bool {
	if img.Bounds() != bm.Bounds() {
		return false
	}
	for y := range bm.Height {
		for x := range codec.PrintWidth {
			if r, _, _, _ := img.At(x, y).RGBA(); (r == 0) != bm.Black(x, y) {
				return false
			}
		}
	}
	return true
}

// TestTwoInstances runs two servers on one database: the printer is
// connected to B, and 100 deliveries made on A all print, in order.
func TestTwoInstances(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds {
		t.Run(kind, func(t *testing.T) {
			dsn := storetest.DSN(t, kind)
			token := strings.TrimSpace(paperboy(t, "", "user", "add", "--db", dsn, "ann@example.com").stdout)
			var addrs []string
			for range 2 {
				srv := start(t, nil, "serve", "--db", dsn, "--listen", "127.0.0.1:0", "--prints-per-minute", "100000", "--builtins", "friends")
				addrs = append(addrs, srv.waitLine(regexp.MustCompile(`serving on http://([0-9.:]+) `))[1])
			}
			a, b := apiClient{t, "http://" + addrs[0], token}, apiClient{t, "http://" + addrs[1], token}
			pr, printers := startPrinters(t, "ws://"+addrs[1]+"/api/v1/connection", 1, token)
			waitFor(t, 20*time.Second, "online on B", func() bool {
				var out struct{ Printers []struct{ Status string } }
				b.call("GET", "/api/v1/printers", "", nil, &out)
				return out.Printers[0].Status == "online"
			})
			path := fmt.Sprintf("/api/v1/printers/%d/print", printers[0])
			text := func(i int) string { return fmt.Sprintf("made on A, number %d", i) }

			// One first, timed: A queues it, B learns of it through the database.
			began := time.Now()
			var q struct {
				DeliveryID int64 `json:"delivery_id"`
			}
			if st := a.postJSON(path, map[string]string{"text": text(0)}, &q); st != 202 {
				t.Fatalf("print on A: status %d", st)
			}
			ids := []int64{q.DeliveryID}
			first := pr.waitLine(printedLine)
			t.Logf("%s: queued on A, printed through B after %v", kind, time.Since(began).Round(time.Millisecond))
			files := []string{first[3]}
			for i := 1; i < 100; i++ {
				if st := a.postJSON(path, map[string]string{"text": text(i)}, &q); st != 202 {
					t.Fatalf("print %d on A: status %d", i, st)
				}
				ids = append(ids, q.DeliveryID)
			}
			for len(files) < 100 {
				files = append(files, pr.waitLine(printedLine)[3])
			}
			// In order: the i-th print is the i-th delivery made, as A's
			// history shows it.
			for i, f := range files {
				if !sameBitmap(readPNG(t, f), codec.Rasterize(a.preview(printers[0], ids[i]), codec.Threshold)) {
					t.Fatalf("print %d is not %q: out of order or wrong", i, text(i))
				}
			}
			waitFor(t, 20*time.Second, "all printed", func() bool {
				ds := a.deliveries(printers[0])
				for _, d := range ds {
					if d.State != "printed" {
						return false
					}
				}
				return len(ds) == 100
			})
		})
	}
}
