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

	"paperboy/codec"
)

// The API's decoders of outside input: a result or a client error, never a
// panic, a hang or a 500.

func FuzzReadClaim(f *testing.F) {
	f.Add([]byte(`{"claim_code":"0kxx-j4eq-c152-4sej","name":"Kitchen"}`))
	f.Add([]byte(`{"claim_code":"","name":""}`))
	f.Add([]byte(`{"claim_code":5}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, body []byte) {
		r := httptest.NewRequest("POST", "/api/v1/printers/claim", bytes.NewReader(body))
		req, err := readClaim(httptest.NewRecorder(), r)
		if err != nil {
			if !isClientError(err) {
				t.Fatalf("not a client error: %v", err)
			}
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

// isClientError reports whether err is answered as the client's fault
// (4xx), not as a server failure.
func isClientError(err error) bool {
	var he *httpError
	var tooLarge *http.MaxBytesError
	return errors.As(err, &he) || errors.As(err, &tooLarge)
}
