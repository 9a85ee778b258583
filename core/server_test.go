package core_test

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"paperboy/codec"
	"paperboy/core"
	"paperboy/delivery"
	"paperboy/internal/storetest"
)

func TestServer_Claim(t *testing.T) {
	t.Parallel()
	const xor = 0x4A3B2C
	code1 := codec.ClaimCode{HardwareXor: xor, Secret: 0x1122334455}
	code2 := codec.ClaimCode{HardwareXor: xor, Secret: 0x5544332211}
	dev1, dev2 := device(1, xor), device(2, xor)
	if dev1.HardwareXor() != xor || dev2.HardwareXor() != xor || dev1 == dev2 {
		t.Fatal("test devices are wrong")
	}
	for _, kind := range storetest.Kinds {
		t.Run(kind, func(t *testing.T) {
			t.Run("before the printer calls home", func(t *testing.T) {
				ts := newTestServer(t, kind, core.Config{})
				ann := ts.user("ann@example.com")
				p := ts.claim(ann, code1)
				if p.Status != "never seen" || p.Online {
					t.Fatalf("printer %+v, want never seen", p)
				}
				b := ts.bridge(0xB1)
				b.pair(dev1, code1)
				eventually(t, "printer online", func() bool { ps := ts.printers(ann); return ps[0].Online && ps[0].DeviceAddress == dev1.String() })
			})
			t.Run("after the printer calls home", func(t *testing.T) {
				ts := newTestServer(t, kind, core.Config{})
				ann := ts.user("ann@example.com")
				b := ts.bridge(0xB1)
				b.send(codec.EncryptionKeyRequired{Header: b.h(), Device: dev1})
				b.noCommand(200 * time.Millisecond) // nobody has claimed it
				p := ts.claim(ann, code1)
				if p.DeviceAddress != dev1.String() || p.Status != "waiting for its key" {
					t.Fatalf("printer %+v, want %s waiting for its key", p, dev1)
				}
				b.expectKey(dev1, code1) // sent at once, not at the next request
				b.send(codec.DeviceConnect{Header: b.h(), Device: dev1})
				eventually(t, "printer online", func() bool { return ts.printers(ann)[0].Online })
			})
			t.Run("a mistyped code is refused and says so", func(t *testing.T) {
				ts := newTestServer(t, kind, core.Config{})
				ann := ts.user("ann@example.com")
				typo := []byte(code1.String())
				typo[3] = map[bool]byte{true: 'z', false: 'y'}[typo[3] != 'z']
				var e errorOut
				if status := ts.postJSON("/api/v1/printers/claim", ann, map[string]string{"claim_code": string(typo)}, &e); status != http.StatusBadRequest {
					t.Fatalf("status %d, want 400", status)
				}
				if !strings.Contains(e.Error, "typo") {
					t.Errorf("error %q does not say it is a typo", e.Error)
				}
				for _, bad := range []string{"", "abcd-efgh", "aaaa-aaaa-aaaa-aaaa"} {
					if status := ts.postJSON("/api/v1/printers/claim", ann, map[string]string{"claim_code": bad}, &e); status != http.StatusBadRequest || e.Error == "" {
						t.Errorf("%q: status %d %q, want 400 with a message", bad, status, e.Error)
					}
				}
				if len(ts.printers(ann)) != 0 {
					t.Error("a refused code made a printer")
				}
			})
			t.Run("two codes for one hardware xor: the newest wins", func(t *testing.T) {
				ts := newTestServer(t, kind, core.Config{})
				ann, bob := ts.user("ann@example.com"), ts.user("bob@example.com")
				ts.claim(ann, code1)
				ts.claim(bob, code2)
				b := ts.bridge(0xB1)
				b.pair(dev1, code2)
				eventually(t, "bob's printer online", func() bool { return ts.printers(bob)[0].Online })
				if p := ts.printers(ann)[0]; p.DeviceAddress != "" || p.Online {
					t.Errorf("ann's printer %+v has the device", p)
				}
			})
			t.Run("a reset printer is found again", func(t *testing.T) {
				ts := newTestServer(t, kind, core.Config{})
				ann := ts.user("ann@example.com")
				first := ts.claim(ann, code1)
				b := ts.bridge(0xB1)
				b.pair(dev1, code1)
				eventually(t, "online", func() bool { return ts.printers(ann)[0].Online })
				// Reset: a new address with the same xor asks for its key. The
				// only code is spent (the old address was paired with it): it
				// gets none until the new code is entered.
				b.send(codec.EncryptionKeyRequired{Header: b.h(), Device: dev2})
				b.noCommand(200 * time.Millisecond)
				again := ts.claim(ann, code2)
				if again.ID != first.ID || again.DeviceAddress != dev2.String() {
					t.Fatalf("after reset: printer %+v, want printer %d with %s", again, first.ID, dev2)
				}
				b.expectKey(dev2, code2)
				b.send(codec.DeviceConnect{Header: b.h(), Device: dev2})
				eventually(t, "online again", func() bool { ps := ts.printers(ann); return len(ps) == 1 && ps[0].Online })
			})
		})
	}
}

func TestServer_Presence(t *testing.T) {
	t.Parallel()
	for _, io := range bridgeIOs {
		t.Run(io.name, func(t *testing.T) {
			t.Parallel()
			ts := newTestServer(t, "sqlite", io.cfg(core.Config{PresenceTimeout: 400 * time.Millisecond}))
			ann := ts.user("ann@example.com")
			code := codec.ClaimCode{HardwareXor: 0x010203, Secret: 7}
			dev := device(1, code.HardwareXor)
			ts.claim(ann, code)
			b := ts.bridge(0xB1)
			b.pair(dev, code)
			eventually(t, "online", func() bool { return ts.printers(ann)[0].Online })
			if got := ts.metric("paperboy_printers_online"); got != 1 {
				t.Errorf("printers online metric %v, want 1", got)
			}
			// A second power_on on the same socket is harmless.
			b.send(codec.PowerOn{Header: b.h(), Model: "A"})
			// Silence: offline after the presence timeout, with the socket still open.
			eventually(t, "offline after silence", func() bool { return !ts.printers(ann)[0].Online })
			b.event(dev, codec.Heartbeat{Uptime: 9})
			eventually(t, "online after a heartbeat", func() bool { return ts.printers(ann)[0].Online })
			// The socket closing takes it offline at once.
			b.ws.Close()
			eventually(t, "offline with the socket gone", func() bool { return !ts.printers(ann)[0].Online })
		})
	}
}

func TestServer_SecondSocketOfABridge(t *testing.T) {
	t.Parallel()
	// A bridge cannot prove its address: a second socket naming it closes
	// nothing, and both are counted as one bridge online.
	ts := newTestServer(t, "sqlite", core.Config{})
	first := ts.bridge(0xB1)
	eventually(t, "one bridge", func() bool { return ts.metric("paperboy_bridges_online") == 1 })
	second := ts.bridge(0xB1)
	second.send(codec.BridgeLog{Header: second.h()})
	first.send(codec.BridgeLog{Header: first.h()})
	eventually(t, "still one bridge", func() bool { return ts.metric("paperboy_bridges_online") == 1 })
	for _, b := range []*fakeBridge{first, second} {
		select {
		case <-b.gone:
			t.Fatal("a socket was closed")
		default:
		}
	}
	second.ws.Close()
	first.send(codec.BridgeLog{Header: first.h()})
	eventually(t, "the first still online", func() bool { return ts.metric("paperboy_bridges_online") == 1 })
}

func TestServer_UnknownAndMalformed(t *testing.T) {
	t.Parallel()
	for _, io := range bridgeIOs {
		t.Run(io.name, func(t *testing.T) {
			t.Parallel()
			ts := newTestServer(t, "sqlite", io.cfg(core.Config{}))
			b := ts.bridge(0xB1)
			b.raw([]byte(`not json`))
			b.raw([]byte(`{"type":"BridgeEvent","bridge_address":"00000000000000b1","json_payload":{}}`))
			b.raw([]byte(`{"type":"SomethingNew","bridge_address":"00000000000000b1"}`))
			b.raw([]byte(`{"type":"BridgeEvent","bridge_address":"00000000000000b1","json_payload":{"name":"firmware_update"}}`))
			// A response for a command id the server never sent is ignored.
			b.send(codec.DeviceCommandResponse{Header: b.h(), Device: 5, CommandID: 987654, ReturnCode: codec.ReturnSuccess})
			// A binary frame is no message.
			if err := b.ws.WriteMessage(websocket.BinaryMessage, []byte{1, 2, 3}); err != nil {
				t.Fatal(err)
			}
			eventually(t, "counted", func() bool {
				return ts.metric("paperboy_bridge_malformed_messages_total") == 3 &&
					ts.metric("paperboy_bridge_unknown_messages_total") == 2 &&
					ts.metric("paperboy_command_responses_unknown_total") == 1
			})
			select {
			case <-b.gone:
				t.Fatal("the socket was closed")
			default:
			}
			if ts.metric("paperboy_bridges_online") != 1 {
				t.Error("the bridge is not online")
			}
		})
	}
}

func TestServer_PrintEndToEnd(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds {
		t.Run(kind, func(t *testing.T) {
			ts := newTestServer(t, kind, core.Config{}, withPublications(pluginHost(t, "friends")))
			ann := ts.user("ann@example.com")
			code := codec.ClaimCode{HardwareXor: 0x0A0B0C, Secret: 99}
			dev := device(3, code.HardwareXor)
			p := ts.claim(ann, code)
			b := ts.bridge(0xB2)
			b.pair(dev, code)
			var queued struct {
				DeliveryID int64 `json:"delivery_id"`
			}
			if status := ts.postJSON(fmt.Sprintf("/api/v1/printers/%d/print", p.ID), ann, map[string]string{"text": "hello"}, &queued); status != http.StatusAccepted {
				t.Fatalf("print: status %d", status)
			}
			c, ok := b.command().(codec.DeviceCommand)
			if !ok || c.Device != dev || c.Bridge != 0xB2 {
				t.Fatalf("got %#v, want a DeviceCommand for %s", c, dev)
			}
			payload, err := codec.ParsePayload(c.Payload)
			if err != nil {
				t.Fatal(err)
			}
			if payload.PrintID != c.ID || payload.Command != codec.SetDeliveryAndPrint || len(payload.Images) != 1 || payload.Images[0].Height < 20 {
				t.Fatalf("payload %+v", payload)
			}
			b.send(codec.DeviceCommandResponse{Header: b.h(), Device: dev, CommandID: c.ID, ReturnCode: codec.ReturnSuccess})
			b.event(dev, codec.DidPrint{PrintType: codec.PrintDelivery, PrintID: c.ID})
			eventually(t, "printed", func() bool {
				var out struct {
					Deliveries []struct {
						ID    int64  `json:"id"`
						State string `json:"state"`
					}
				}
				ts.do("GET", fmt.Sprintf("/api/v1/printers/%d/deliveries", p.ID), ann, "", nil, &out)
				return len(out.Deliveries) == 1 && out.Deliveries[0].ID == queued.DeliveryID && out.Deliveries[0].State == "printed"
			})
		})
	}
}

func TestServer_APIErrors(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, "sqlite", core.Config{MaxUploadBytes: 64 << 10, ClaimsPerMinute: 3, PrintsPerMinute: 2}, withPublications(pluginHost(t, "friends")))
	ann, bob := ts.user("ann@example.com"), ts.user("bob@example.com")
	annsPrinter := ts.claim(ann, codec.ClaimCode{HardwareXor: 1, Secret: 1})
	bobsPath := fmt.Sprintf("/api/v1/printers/%d", annsPrinter.ID)
	big := &bytes.Buffer{}
	mw := multipart.NewWriter(big)
	fw, _ := mw.CreateFormFile("image", "big.png")
	fw.Write(make([]byte, 100<<10))
	mw.Close()
	tests := []struct {
		name        string
		method      string
		path        string
		token       string
		contentType string
		body        string
		status      int
	}{
		{"no token", "GET", "/api/v1/printers", "", "", "", http.StatusUnauthorized},
		{"bad token", "GET", "/api/v1/printers", "pb_nope", "", "", http.StatusUnauthorized},
		{"another user's printer: print", "POST", bobsPath + "/print", bob, "application/json", `{"text":"hi"}`, http.StatusNotFound},
		{"another user's printer: deliveries", "GET", bobsPath + "/deliveries", bob, "", "", http.StatusNotFound},
		{"no such printer", "GET", "/api/v1/printers/99999/deliveries", ann, "", "", http.StatusNotFound},
		{"printer id not a number", "GET", "/api/v1/printers/abc/deliveries", ann, "", "", http.StatusNotFound},
		{"unknown endpoint", "GET", "/api/v1/nothing", ann, "", "", http.StatusNotFound},
		{"empty text", "POST", bobsPath + "/print", ann, "application/json", `{"text":"  "}`, http.StatusBadRequest},
		{"not json", "POST", bobsPath + "/print", ann, "application/json", `{"text":`, http.StatusBadRequest},
		{"unknown field", "POST", bobsPath + "/print", ann, "application/json", `{"txt":"hi"}`, http.StatusBadRequest},
		{"wrong content type", "POST", bobsPath + "/print", ann, "text/plain", `hi`, http.StatusBadRequest},
		{"upload too large", "POST", bobsPath + "/print", ann, mw.FormDataContentType(), big.String(), http.StatusRequestEntityTooLarge},
		{"not an image", "POST", bobsPath + "/print", ann, "", "", http.StatusBadRequest},
		{"name too long", "POST", "/api/v1/printers/claim", ann, "application/json", `{"claim_code":"0kxx-j4eq-c152-4sej","name":"` + strings.Repeat("n", 65) + `"}`, http.StatusBadRequest},
		{"claim 2", "POST", "/api/v1/printers/claim", ann, "application/json", `{"claim_code":"0kxx-j4eq-c152-4sej"}`, http.StatusCreated},
		{"claim 3", "POST", "/api/v1/printers/claim", ann, "application/json", `{"claim_code":"0kxx-j4eq-c152-4sej"}`, http.StatusCreated},
		{"claim 4: too many", "POST", "/api/v1/printers/claim", ann, "application/json", `{"claim_code":"0kxx-j4eq-c152-4sej"}`, http.StatusTooManyRequests},
		{"print 1", "POST", bobsPath + "/print", ann, "application/json", `{"text":"one"}`, http.StatusAccepted},
		{"print 2", "POST", bobsPath + "/print", ann, "application/json", `{"text":"two"}`, http.StatusAccepted},
		{"print 3: too many", "POST", bobsPath + "/print", ann, "application/json", `{"text":"three"}`, http.StatusTooManyRequests},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body, ct := tt.body, tt.contentType
			if tt.name == "not an image" {
				var buf bytes.Buffer
				w := multipart.NewWriter(&buf)
				f, _ := w.CreateFormFile("image", "notes.txt")
				f.Write([]byte("not a picture"))
				w.Close()
				body, ct = buf.String(), w.FormDataContentType()
			}
			var e errorOut
			status := ts.do(tt.method, tt.path, tt.token, ct, strings.NewReader(body), &e)
			if status != tt.status {
				t.Fatalf("status %d (%q), want %d", status, e.Error, tt.status)
			}
			if status >= 400 && e.Error == "" {
				t.Errorf("no error message")
			}
		})
	}
}

func TestServer_PersonalityModeAndPreview(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, "sqlite", core.Config{}, withPublications(pluginHost(t, "friends")), withDelivery(delivery.Config{MaxPending: 3}))
	ann := ts.user("ann@example.com")
	code := codec.ClaimCode{HardwareXor: 0x0C0D0E, Secret: 5}
	dev := device(4, code.HardwareXor)
	p := ts.claim(ann, code)
	b := ts.bridge(0xB3)
	b.pair(dev, code)
	path := fmt.Sprintf("/api/v1/printers/%d", p.ID)

	// A personality: four pictures, one SetPersonality, done on success.
	var form bytes.Buffer
	w := multipart.NewWriter(&form)
	for i, field := range []string{"face", "nothing_to_print", "cannot_see_bridge", "cannot_see_internet"} {
		img := image.NewGray(image.Rect(0, 0, 384, 10+i))
		var buf bytes.Buffer
		png.Encode(&buf, img)
		f, _ := w.CreateFormFile(field, field+".png")
		f.Write(buf.Bytes())
	}
	w.WriteField("dither", "threshold")
	w.Close()
	var queued struct {
		DeliveryID int64 `json:"delivery_id"`
	}
	if st := ts.do("POST", path+"/personality", ann, w.FormDataContentType(), &form, &queued); st != http.StatusAccepted {
		t.Fatalf("personality: status %d", st)
	}
	c := b.command().(codec.DeviceCommand)
	pl, err := codec.ParsePayload(c.Payload)
	if err != nil || pl.Command != codec.SetPersonality || len(pl.Images) != 4 || pl.Images[3].Height != 13 {
		t.Fatalf("personality payload %v %+v", err, pl)
	}
	b.send(codec.DeviceCommandResponse{Header: b.h(), Device: dev, CommandID: c.ID})

	// "button": waits for the button (SetDelivery).
	if st := ts.postJSON(path+"/print", ann, map[string]string{"text": "later", "mode": "button"}, &queued); st != http.StatusAccepted {
		t.Fatalf("print: status %d", st)
	}
	c = b.command().(codec.DeviceCommand)
	if pl, _ := codec.ParsePayload(c.Payload); pl.Command != codec.SetDelivery {
		t.Fatalf("mode button sent %v", pl.Command)
	}
	var e errorOut
	if st := ts.postJSON(path+"/print", ann, map[string]string{"text": "x", "mode": "soon"}, &e); st != http.StatusBadRequest {
		t.Errorf("bad mode: status %d", st)
	}

	// The preview is the print.
	resp, err := http.DefaultClient.Do(func() *http.Request {
		r, _ := http.NewRequest("GET", ts.base+fmt.Sprintf("%s/deliveries/%d/preview.png", path, queued.DeliveryID), nil)
		r.Header.Set("Authorization", "Bearer "+ann)
		return r
	}())
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(resp.Body)
	resp.Body.Close()
	if err != nil || resp.Header.Get("Content-Type") != "image/png" {
		t.Fatalf("preview: %v, %s", err, resp.Header.Get("Content-Type"))
	}
	sent, _ := codec.ParsePayload(c.Payload)
	for y := range sent.Images[0].Height {
		for x := range codec.PrintWidth {
			if r, _, _, _ := img.At(x, y).RGBA(); (r == 0) != sent.Images[0].Black(x, y) {
				t.Fatalf("preview differs from the print at (%d,%d)", x, y)
			}
		}
	}
	if st := ts.do("GET", fmt.Sprintf("%s/deliveries/%d/preview.png", path, 999999), ann, "", nil, &e); st != http.StatusNotFound {
		t.Errorf("preview of no delivery: %d", st)
	}

	// The queue limit: the personality is done, the button print waits;
	// with 3 open at most, the 3rd more is refused with 429 and a message.
	b.send(codec.DeviceCommandResponse{Header: b.h(), Device: dev, CommandID: c.ID})
	ts.postJSON(path+"/print", ann, map[string]string{"text": "one"}, &queued)
	ts.postJSON(path+"/print", ann, map[string]string{"text": "two"}, &queued)
	if st := ts.postJSON(path+"/print", ann, map[string]string{"text": "three"}, &e); st != http.StatusTooManyRequests || !strings.Contains(e.Error, "queue is full") {
		t.Errorf("over the queue limit: status %d %q", st, e.Error)
	}
}

// TestShutdown_WritesLastHeartbeats: heartbeats heard since the last flush
// are in the store once Shutdown returns.
func TestShutdown_WritesLastHeartbeats(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, "sqlite", core.Config{FlushEvery: time.Hour})
	o := ownedPrinter(t, ts)
	o.real.event(o.dev, codec.Heartbeat{Uptime: 4242})
	// The socket's messages are read in order: once a later one is
	// counted, the heartbeat has been heard.
	answered := `paperboy_command_responses_total{return_code="0"}`
	before := ts.metric(answered)
	o.real.send(codec.BridgeCommandResponse{Header: o.real.h(), CommandID: 999})
	eventually(t, "the bridge's answer counted", func() bool { return ts.metric(answered) > before })
	if err := ts.srv.Shutdown(t.Context()); err != nil {
		t.Fatal(err)
	}
	d, err := ts.store.DeviceByAddress(t.Context(), o.dev.String())
	if err != nil {
		t.Fatal(err)
	}
	if d.LastUptime != 4242 {
		t.Fatalf("after shutdown the store has uptime %d, want the last heartbeat's 4242", d.LastUptime)
	}
}
