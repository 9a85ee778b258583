package core_test

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
	"mime/multipart"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"paperboy/codec"
	"paperboy/core"
)

// plainPNG is a real w×h PNG of zero samples (black, or transparent where
// there is alpha) at a bit depth and colour type, written row by row: a
// picture that is large decoded and small as a file, as in the attack.
func plainPNG(t testing.TB, w, h int, depth, colorType byte) []byte {
	t.Helper()
	chunk := func(out []byte, typ string, data []byte) []byte {
		out = binary.BigEndian.AppendUint32(out, uint32(len(data)))
		start := len(out)
		out = append(out, typ...)
		out = append(out, data...)
		return binary.BigEndian.AppendUint32(out, crc32.ChecksumIEEE(out[start:]))
	}
	channels := map[byte]int{0: 1, 2: 3, 4: 2, 6: 4}[colorType]
	ihdr := binary.BigEndian.AppendUint32(nil, uint32(w))
	ihdr = binary.BigEndian.AppendUint32(ihdr, uint32(h))
	ihdr = append(ihdr, depth, colorType, 0, 0, 0)
	var z bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&z, zlib.BestSpeed)
	row := make([]byte, 1+w*channels*int(depth)/8) // filter byte 0, then zeros
	for range h {
		zw.Write(row)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	out := chunk([]byte("\x89PNG\r\n\x1a\n"), "IHDR", ihdr)
	out = chunk(out, "IDAT", z.Bytes())
	return chunk(out, "IEND", nil)
}

// pictureForm is a multipart form with a picture in its "image" field.
func pictureForm(data []byte) (string, []byte) {
	var form bytes.Buffer
	w := multipart.NewWriter(&form)
	fw, _ := w.CreateFormFile("image", "picture.png")
	fw.Write(data)
	w.Close()
	return w.FormDataContentType(), form.Bytes()
}

// TestServer_PictureBurst is issue 12's attack 4: six pictures of 5000×5000
// 16-bit pixels (a few hundred KB each, under the pixel cap, 191 MB each
// once decoded) sent at once to the sender's own printer. Each is refused
// from its header, in words, without being decoded, in the server or in
// the friends publication; and a message sent right after prints. Before,
// the server decoded each (1.2 GB), the friends publication decoded each
// again, passed its memory limit and was restarted, and messages failed
// with 502.
//
// It measures what the server allocates, so it runs alone: not in
// parallel with the tests that do.
func TestServer_PictureBurst(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, "sqlite", core.Config{}, withPublications(pluginHost(t, "friends")))
	token, id, b, dev := onlinePrinter(t, ts)
	path := fmt.Sprintf("/api/v1/printers/%d/print", id)
	attack := plainPNG(t, 5000, 5000, 16, 6)
	if len(attack) > 512<<10 {
		t.Fatalf("the attack's PNG is %d KB", len(attack)>>10)
	}
	contentType, form := pictureForm(attack)

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	var wg sync.WaitGroup
	statuses := make([]int, 6)
	answers := make([]string, 6)
	for i := range statuses {
		wg.Go(func() {
			req, _ := http.NewRequest("POST", ts.base+path, bytes.NewReader(form))
			req.Header.Set("Authorization", "Bearer "+token)
			req.Header.Set("Content-Type", contentType)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			statuses[i], answers[i] = resp.StatusCode, string(body)
		})
	}
	wg.Wait()
	runtime.ReadMemStats(&after)
	const want = `{"code":40001,"error":"image: the picture is too large to print: a 5000×5000 16-bit colour PNG with transparency takes 191 MB to read, ` +
		`and a picture may take at most 96 MB (12.6 megapixels of this kind); scale it down","field":"image"}`
	for i := range statuses {
		if statuses[i] != http.StatusBadRequest || strings.TrimSpace(answers[i]) != want {
			t.Errorf("picture %d: %d %s\nwant 400 %s", i, statuses[i], answers[i], want)
		}
	}
	// Six uploads of a few hundred KB each, parsed: nothing near one
	// decoded picture.
	if n := after.TotalAlloc - before.TotalAlloc; n > 64<<20 {
		t.Errorf("the server allocated %d MB for the burst", n>>20)
	}

	var queued struct {
		DeliveryID int64 `json:"delivery_id"`
	}
	if st := ts.postJSON(path, token, map[string]string{"text": "Still here"}, &queued); st != http.StatusAccepted {
		t.Fatalf("a message after the burst: status %d", st)
	}
	printed(t, b, dev, codec.SetDeliveryAndPrint)
}

// TestServer_PicturesWithinBudget: pictures the budget has room for one at
// a time, sent at once, wait their turn and all print.
func TestServer_PicturesWithinBudget(t *testing.T) {
	t.Parallel()
	// A minute to wait: the test is of the turns, not of the machine's speed.
	ts := newTestServer(t, "sqlite", core.Config{ImageMemoryBytes: 40 << 20, ImageWait: time.Minute}, withPublications(pluginHost(t, "friends")))
	token, id, b, dev := onlinePrinter(t, ts)
	path := fmt.Sprintf("/api/v1/printers/%d/print", id)
	// 3000×2000 of 8-bit colour: 24 MB decoded, so two do not fit at once.
	contentType, form := pictureForm(plainPNG(t, 3000, 2000, 8, 2))
	const n = 4
	var wg sync.WaitGroup
	statuses := make([]int, n)
	for i := range n {
		wg.Go(func() {
			statuses[i] = ts.do("POST", path, token, contentType, bytes.NewReader(form), nil)
		})
	}
	wg.Wait()
	for i, st := range statuses {
		if st != http.StatusAccepted {
			t.Errorf("picture %d: status %d", i, st)
		}
	}
	for range n {
		if bm := printed(t, b, dev, codec.SetDeliveryAndPrint); bm.Height < 200 {
			t.Fatalf("a note with a picture of 3000×2000 is %d rows", bm.Height)
		}
	}
}
