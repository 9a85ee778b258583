package core_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"paperboy/core"
)

// TestServer_ErrorsInWords: a body the API cannot take is answered with
// what is wrong in the words of JSON and of its fields, never Go's type
// names or a prefix said twice; and JSON with anything after it is refused
// (issue 12, "Low").
func TestServer_ErrorsInWords(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, "sqlite", core.Config{}, withPublications(pluginHost(t, "hello", "friends")))
	token, id, _, _ := onlinePrinter(t, ts)
	printer := fmt.Sprintf("/api/v1/printers/%d", id)
	var sub struct{ ID int64 }
	if st := ts.postJSON(printer+"/subscriptions", token, map[string]any{"publication": "hello", "config": map[string]string{"name": "Ada"}, "time": "08:00"}, &sub); st != http.StatusCreated {
		t.Fatalf("subscribe: %d", st)
	}
	subPath := fmt.Sprintf("/api/v1/subscriptions/%d", sub.ID)
	tests := []struct {
		name, method, path, body string
		status                   int
		says                     string
	}{
		{"trailing object", "PATCH", printer, `{"name": "Hall"} {"name": "Evil"}`, 400, "has more after its JSON"},
		{"trailing garbage", "PATCH", printer, `{"name": "Hall"}x`, 400, "has more after its JSON"},
		{"trailing brace", "PATCH", printer, `{"name": "Hall"}}`, 400, "has more after its JSON"},
		{"trailing space is fine", "PATCH", printer, "{\"name\": \"Hall\"}  \n", 200, ""},
		{"a list, not an object", "POST", "/api/v1/printers/claim", `[]`, 400, "the body must be an object, not a list"},
		{"a string field given a number", "POST", "/api/v1/printers/claim", `{"claim_code": 5}`, 400, `field "claim_code" must be a string, not a number`},
		{"a config value not a string", "POST", printer + "/subscriptions", `{"publication": "hello", "config": {"name": 5}, "time": "08:00"}`, 400,
			`each value in field "config" must be a string, not a number`},
		{"days not a list", "PATCH", subPath, `{"days": "mon"}`, 400, `field "days" must be a list, not a string`},
		{"a day not a string", "PATCH", subPath, `{"days": ["mon", 1]}`, 400, `each value in field "days" must be a string, not a number`},
		{"paused not a bool", "PATCH", subPath, `{"paused": "yes"}`, 400, `field "paused" must be true or false, not a string`},
		{"config not an object", "PATCH", subPath, `{"config": [1]}`, 400, `field "config" must be an object, not a list`},
		{"unknown field", "POST", printer + "/print", `{"txt": "hi"}`, 400, `unknown field "txt"`},
		{"empty", "POST", printer + "/print", ``, 400, "the body is empty"},
		{"cut short", "POST", printer + "/print", `{"text": "hi`, 400, "ends in the middle"},
		{"not JSON", "POST", printer + "/print", `{"text" "hi"}`, 400, "not valid JSON (at byte 9)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, msg := ts.call(tt.method, tt.path, token, "application/json", tt.body)
			msg = errorText(msg)
			if resp.StatusCode != tt.status || !strings.Contains(msg, tt.says) {
				t.Fatalf("%d %s, want %d saying %q", resp.StatusCode, msg, tt.status, tt.says)
			}
			for _, jargon := range []string{"Go value", "Go struct", "unmarshal", "json:", "map[", "core."} {
				if strings.Contains(msg, jargon) {
					t.Errorf("%s speaks Go: %q", msg, jargon)
				}
			}
		})
	}

	// Pictures: what is wrong, after the field, once.
	form := func(field string, data []byte) (string, string) {
		var buf bytes.Buffer
		w := multipart.NewWriter(&buf)
		for _, f := range []string{"face", "nothing_to_print", "cannot_see_bridge", "cannot_see_internet", "image"} {
			d := data
			if f != field {
				var b bytes.Buffer
				png.Encode(&b, image.NewGray(image.Rect(0, 0, 8, 8)))
				d = b.Bytes()
			}
			fw, _ := w.CreateFormFile(f, f+".png")
			fw.Write(d)
		}
		w.Close()
		return w.FormDataContentType(), buf.String()
	}
	pics := []struct{ path, field, says string }{
		{printer + "/print", "image", "image: the file is not a PNG, JPEG or GIF picture"},
		{printer + "/personality", "face", "face: the file is not a PNG, JPEG or GIF picture"},
		{printer + "/personality", "cannot_see_bridge", "cannot_see_bridge: the PNG picture is damaged and cannot be read"},
	}
	for _, p := range pics {
		data := []byte("not a picture")
		if p.field == "cannot_see_bridge" {
			data = []byte("\x89PNG\r\n\x1a\n\x00\x00")
		}
		ct, body := form(p.field, data)
		resp, msg := ts.call("POST", p.path, token, ct, body)
		msg = errorText(msg)
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(msg, p.says) || strings.Contains(msg, "image: image") || strings.Contains(msg, "malformed") {
			t.Errorf("%s with a bad %s: %d %s, want 400 saying %s", p.path, p.field, resp.StatusCode, msg, p.says)
		}
	}
}

// errorText is the message of a JSON error body, or the body itself.
func errorText(body string) string {
	var e errorOut
	if json.Unmarshal([]byte(body), &e) == nil && e.Error != "" {
		return e.Error
	}
	return body
}
