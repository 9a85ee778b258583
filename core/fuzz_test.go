package core

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/png"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"paperboy/codec"
	"paperboy/delivery"
	"paperboy/scheduler"
	"paperboy/sdk"
)

// The API's decoders of outside input: a result or a client error, never a
// panic, a hang or a 500.

func FuzzReadClaim(f *testing.F) {
	f.Add([]byte(`{"claim_code":"0kxx-j4eq-c152-4sej","name":"Kitchen"}`))
	f.Add([]byte(`{"claim_code":"","name":""}`))
	f.Add([]byte(`{"claim_code":5}`))
	f.Add([]byte(`[]`))
	f.Add([]byte(`{"claim_code":"0kxx-j4eq-c152-4sej"} {}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		r := httptest.NewRequest("POST", "/api/v1/printers/claim", bytes.NewReader(body))
		req, err := readClaim(httptest.NewRecorder(), r)
		if err != nil {
			if !isClientError(err) {
				t.Fatalf("not a client error: %v", err)
			}
			checkWords(t, err)
			return
		}
		if _, err := codec.ParseClaimCode(req.ClaimCode); err != nil && !errors.Is(err, codec.ErrMalformed) {
			t.Fatalf("claim code error %v does not wrap ErrMalformed", err)
		}
	})
}

func FuzzPrintRequest(f *testing.F) {
	var pngData bytes.Buffer
	png.Encode(&pngData, image.NewGray(image.Rect(0, 0, 20, 10)))
	f.Add("application/json", []byte(`{"text":"hello"}`))
	f.Add("application/json", []byte(`{"text":"  ","mode":"button"}`))
	f.Add("text/plain", []byte(`hello`))
	f.Add("multipart/form-data; boundary=x", []byte("--x\r\nContent-Disposition: form-data; name=\"text\"\r\n\r\n\x80\r\n--x--\r\n"))
	for _, c := range []struct {
		name string
		data []byte
		text string
	}{{"a.png", pngData.Bytes(), ""}, {"a.png", pngData.Bytes(), "and a text"}, {"a.txt", []byte("not a picture"), "hi"},
		{"attack.png", hugePNGHeader(), ""}} {
		var buf bytes.Buffer
		w := multipart.NewWriter(&buf)
		w.WriteField("text", c.text)
		fw, _ := w.CreateFormFile("image", c.name)
		fw.Write(c.data)
		w.Close()
		f.Add(w.FormDataContentType(), buf.Bytes())
	}
	s := &Server{cfg: Config{MaxUploadBytes: 1 << 20}.withDefaults(), images: newImageBudget(DefaultImageMemoryBytes)}
	f.Fuzz(func(t *testing.T, contentType string, body []byte) {
		r := httptest.NewRequest("POST", "/api/v1/printers/1/print", bytes.NewReader(body))
		r.Header.Set("Content-Type", contentType)
		req, err := s.printRequest(httptest.NewRecorder(), r)
		if err != nil {
			if !isClientError(err) {
				t.Fatalf("not a client error: %v", err)
			}
			return
		}
		if strings.TrimSpace(req.text) == "" && req.image == nil {
			t.Fatal("an empty message was accepted")
		}
		if !utf8.ValidString(req.text) {
			t.Fatalf("a text that is not UTF-8 was accepted: %q", req.text)
		}
		if req.image != nil {
			if _, err := codec.DecodeImage(req.image); err != nil {
				t.Fatalf("a picture that does not decode was accepted: %v", err)
			}
		}
	})
}

// hugePNGHeader is the header of a PNG of 5000×5000 16-bit pixels with
// alpha, 191 MB decoded: refused before it is decoded.
func hugePNGHeader() []byte {
	chunk := func(out []byte, typ string, data []byte) []byte {
		out = binary.BigEndian.AppendUint32(out, uint32(len(data)))
		start := len(out)
		out = append(append(out, typ...), data...)
		return binary.BigEndian.AppendUint32(out, crc32.ChecksumIEEE(out[start:]))
	}
	out := chunk([]byte("\x89PNG\r\n\x1a\n"), "IHDR", []byte{0, 0, 0x13, 0x88, 0, 0, 0x13, 0x88, 16, 6, 0, 0, 0})
	return chunk(out, "IEND", nil)
}

// FuzzDecodeJSON decodes bodies into the API's largest request, with its
// maps, lists and pointers: a result or a client error in words, never a
// panic or Go's type names.
func FuzzDecodeJSON(f *testing.F) {
	for _, s := range []string{`{"publication": "hello", "config": {"name": "Ada"}, "time": "08:00", "days": ["mon"], "mode": "now"}`,
		`{"config": {"a": 5}}`, `{"days": "mon"}`, `{"paused": "yes"}`, `{"time": 7}`, `[]`, `"x"`, `null`, `{} {}`, `{}}`, `{"x": 1}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		r := httptest.NewRequest("PATCH", "/api/v1/subscriptions/1", bytes.NewReader(body))
		var req subscriptionReq
		if err := decodeJSON(httptest.NewRecorder(), r, &req); err != nil {
			if !isClientError(err) {
				t.Fatalf("not a client error: %v", err)
			}
			checkWords(t, err)
		}
	})
}

// FuzzSchedule reads a subscription's schedule as the API and the web form
// take it (a spec, or times and days, over a current schedule): a
// schedule that parses again, or a client's error naming its field, never
// a panic or a hang.
func FuzzSchedule(f *testing.F) {
	for _, s := range []string{`{"schedule": "0 7,18 * * 1-5"}`, `{"schedule": "0 8 * * 1#1"}`, `{"schedule": "@every 1h"}`,
		`{"time": "07:30", "days": ["mon", "Friday"]}`, `{"times": ["07:00", "18:30", "07:00"]}`, `{"days": ["sun"]}`,
		`{"schedule": "*/1 * * * *"}`, `{"schedule": "0 8 * * *", "time": "08:00"}`, `{"times": []}`, `{"time": "25:00"}`,
		`{"schedule": ", , , , ,"}`, `{"schedule": "0 0 30 2 *; 0 8 * * *"}`, `{}`} {
		f.Add([]byte(s), "30 7 * * 1-5")
		f.Add([]byte(s), "")
	}
	srv := &Server{cfg: Config{MinScheduleInterval: time.Minute}, clock: delivery.RealClock}
	meta := sdk.Meta{Name: "weekly", Days: []time.Weekday{time.Monday, time.Friday}, MinInterval: time.Hour}
	f.Fuzz(func(t *testing.T, body []byte, current string) {
		r := httptest.NewRequest("PATCH", "/api/v1/subscriptions/1", bytes.NewReader(body))
		var req subscriptionReq
		if decodeJSON(httptest.NewRecorder(), r, &req) != nil {
			return
		}
		spec, err := srv.schedule(req, current, meta)
		if err != nil {
			var fe *fieldError
			if !errors.As(err, &fe) || fe.field == "" || !isClientError(err) {
				t.Fatalf("%s: %v is not a client's error about a field", body, err)
			}
			return
		}
		if spec == "" {
			return // left as it was
		}
		if _, err := scheduler.ParseSpec(spec); err != nil {
			t.Fatalf("%s gave %q, which does not parse: %v", body, spec, err)
		}
	})
}

// checkWords fails if a client's error speaks Go rather than JSON.
func checkWords(t *testing.T, err error) {
	t.Helper()
	for _, jargon := range []string{"Go value", "Go struct", "unmarshal", "json:", "map[", "core."} {
		if strings.Contains(err.Error(), jargon) {
			t.Fatalf("%q speaks Go (%q)", err, jargon)
		}
	}
}

// isClientError reports whether err is answered as the client's fault
// (4xx), not as a server failure.
func isClientError(err error) bool {
	var he *httpError
	var tooLarge *http.MaxBytesError
	return errors.As(err, &he) || errors.As(err, &tooLarge)
}
