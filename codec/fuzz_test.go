package codec

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"image"
	"image/gif"
	"image/jpeg"
	"image/png"
	"reflect"
	"strings"
	"testing"

	"paperboy/internal/golden"
)

// Every decoder of outside input: a value or an error, never a panic or a
// hang; and where an encoder exists, what decodes encodes back the same.

func FuzzDecodeMessage(f *testing.F) {
	var cases []golden.DecodeCase
	golden.Load(f, "decode.json", &cases)
	for _, c := range cases {
		f.Add([]byte(c.Input))
	}
	f.Add([]byte(`{"type":"BridgeLog","bridge_address":"0000000000000001","records":["x",{"created":"no"}]}`))
	f.Add([]byte(`{"type":"DeviceCommandResponse","bridge_address":"0000000000000001","device_address":"0000000000000002","command_id":4294967295,"return_code":255}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		m := DecodeMessage(data)
		if m == nil {
			t.Fatal("DecodeMessage returned nil")
		}
		if me, ok := m.(MalformedEvent); ok && me.Err == nil {
			t.Fatal("MalformedEvent without an error")
		}
		if _, err := json.Marshal(m.Fields()); err != nil {
			t.Fatalf("Fields do not encode: %v", err)
		}
		first, err := EncodeMessage(m)
		if err != nil {
			return // UnknownEvent and MalformedEvent
		}
		again, err := EncodeMessage(DecodeMessage(first))
		if err != nil {
			t.Fatalf("re-encoding %s: %v", first, err)
		}
		if !bytes.Equal(first, again) {
			t.Fatalf("round trip changed the message:\n%s\n%s", first, again)
		}
	})
}

// FuzzFastDecode checks the fast path of bridge messages against
// encoding/json: wherever it answers, it answers as encoding/json does.
func FuzzFastDecode(f *testing.F) {
	var cases []golden.DecodeCase
	golden.Load(f, "decode.json", &cases)
	for _, c := range cases {
		f.Add([]byte(c.Input))
	}
	f.Add([]byte(`{"type": "DeviceEvent", "bridge_address": "3fa689e87c7882d7", "device_address": "0e492e540913f1a2", "timestamp": 1426256547.5, "rssi_stats": [-20, -20, -19], "binary_payload": "AQAAAAAABAAAABQAAAA="}`))
	f.Add([]byte(`{"type":"DeviceCommandResponse","bridge_address":"0000000000000001","device_address":"0000000000000002","command_id":4294967295,"return_code":255,"transfer_time":0.25,"rssi_stats":[]}`))
	f.Add([]byte(` { "Type" : "x", "type": "y", "extra": [true, false, "z", 1e400] } `))
	f.Add([]byte(`[1, -0, 2.5, 9223372036854775808]`))
	f.Add([]byte(`"AQAAAA=="`))
	f.Add([]byte(`-1.5e-3`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var fast inMessage
		if fastInMessage(data, &fast) {
			var slow inMessage
			if err := json.Unmarshal(data, &slow); err != nil {
				t.Fatalf("fast path took %q; encoding/json: %v", data, err)
			}
			if !reflect.DeepEqual(fast, slow) {
				t.Fatalf("%q: fast %+v, encoding/json %+v", data, fast, slow)
			}
		}
		if s, ok := fastString(data); ok {
			var want string
			if err := json.Unmarshal(data, &want); err != nil || s != want {
				t.Fatalf("%q: fast %q, encoding/json %q %v", data, s, want, err)
			}
		}
		if v, ok := fastFloat(data); ok {
			var want float64
			if err := json.Unmarshal(data, &want); err != nil || v != want {
				t.Fatalf("%q: fast %v, encoding/json %v %v", data, v, want, err)
			}
		}
		if v, ok := fastInts(data); ok {
			var want []int
			if err := json.Unmarshal(data, &want); err != nil || !reflect.DeepEqual(v, want) {
				t.Fatalf("%q: fast %#v, encoding/json %#v %v", data, v, want, err)
			}
		}
	})
}

func FuzzDecodeEvent(f *testing.F) {
	var cases []golden.DecodeCase
	golden.Load(f, "decode.json", &cases)
	for _, c := range cases {
		var m struct {
			BinaryPayload string `json:"binary_payload"`
		}
		if json.Unmarshal([]byte(c.Input), &m) == nil && m.BinaryPayload != "" {
			if b, err := base64.StdEncoding.DecodeString(m.BinaryPayload); err == nil {
				f.Add(b)
			}
		}
	}
	f.Add(EncodeEvent(BergCloudEvent{Packed: true, EventID: 3, Payload: []byte("hi")}, 9))
	f.Fuzz(func(t *testing.T, data []byte) {
		ev, inv, err := DecodeEvent(data)
		if err != nil {
			if ev != nil {
				t.Fatal("an event and an error")
			}
			return
		}
		back, inv2, err := DecodeEvent(EncodeEvent(ev, inv))
		if err != nil {
			t.Fatalf("re-decoding %#v: %v", ev, err)
		}
		if p, ok := ev.(DidPowerOn); ok && (len(p.FirmwareBuild) > 32 || len(p.LoaderBuild) > 32) {
			return // cut to fit on the way out
		}
		if inv2 != inv || !reflect.DeepEqual(back, ev) {
			t.Fatalf("round trip: %#v %d, want %#v %d", back, inv2, ev, inv)
		}
	})
}

func FuzzParseClaimCode(f *testing.F) {
	var v golden.Claiming
	golden.Load(f, "claiming.json", &v)
	for _, c := range v.ClaimCodes {
		f.Add(c.ClaimCode)
	}
	for _, c := range v.TypoTolerant {
		f.Add(c.Input)
	}
	for _, c := range v.Invalid {
		f.Add(c.Input)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseClaimCode(s)
		if err != nil {
			return
		}
		if c.HardwareXor > 0xFFFFFF || c.Secret > 0xFFFFFFFFFF {
			t.Fatalf("out of range: %+v", c)
		}
		again, err := ParseClaimCode(c.String())
		if err != nil || again != c {
			t.Fatalf("String()=%q parses to %+v, %v; want %+v", c.String(), again, err, c)
		}
		norm := strings.NewReplacer("-", "", " ", "", "i", "1", "l", "1", "u", "v").Replace(strings.ToLower(s))
		if norm != strings.ReplaceAll(c.String(), "-", "") {
			t.Fatalf("%q parsed as %q", s, c.String())
		}
	})
}

func FuzzDecodeImage(f *testing.F) {
	var cases []golden.RLECase
	golden.Load(f, "rle.json", &cases)
	for _, c := range cases {
		if data := golden.ReadFile(f, c.Image); len(data) < 4096 {
			f.Add(data)
		}
	}
	small := photo(40, 30)
	for _, enc := range []func(*bytes.Buffer) error{
		func(b *bytes.Buffer) error { return png.Encode(b, small) },
		func(b *bytes.Buffer) error { return jpeg.Encode(b, small, nil) },
		func(b *bytes.Buffer) error { return gif.Encode(b, small, &gif.Options{NumColors: 16}) },
	} {
		var buf bytes.Buffer
		if err := enc(&buf); err != nil {
			f.Fatal(err)
		}
		f.Add(buf.Bytes())
	}
	// Headers of pictures too large to decode: in pixels, and in memory
	// (the attack of 5000×5000 16-bit pixels, a progressive photo).
	f.Add(pngHead(100000, 100000, 8, 0, 0, false))
	f.Add(pngHead(5000, 5000, 16, 6, 0, false))
	f.Add(pngHead(8000, 6000, 8, 0, 1, true))
	f.Add(jpegHead(true, 6000, 4000, ycc420))
	f.Add(jpegHead(false, 1000, 1000, cmyk, adobe0))
	f.Add(gifHead(9000, 9000, true))
	f.Fuzz(func(t *testing.T, data []byte) {
		small, perr := DecodePrintImage(data)
		if perr == nil {
			if b := small.Bounds(); b.Dx() > PrintWidth || b.Dy() > MaxRows || b.Empty() {
				t.Fatalf("DecodePrintImage made a picture of %v", b)
			}
		} else if !errors.Is(perr, ErrImageFormat) && !errors.Is(perr, ErrImageTooLarge) && !errors.Is(perr, ErrMalformed) {
			t.Fatalf("an error of no kind: %v", perr)
		}
		img, err := DecodeImage(data)
		if err != nil {
			return
		}
		if perr != nil {
			t.Fatalf("DecodeImage read what DecodePrintImage refused: %v", perr)
		}
		for _, d := range []Dither{Threshold, FloydSteinberg, Atkinson} {
			bm := Rasterize(img, d)
			if bm.Height > MaxRows || len(bm.Pix) != bm.Height*rowBytes {
				t.Fatalf("%v: %d rows in %d bytes", d, bm.Height, len(bm.Pix))
			}
			if img.Bounds().Dy() > 0 && bm.Height == 0 {
				t.Fatalf("%v: a %v picture made an empty print", d, img.Bounds())
			}
		}
	})
}

func FuzzParsePayload(f *testing.F) {
	var cases []golden.CommandCase
	golden.Load(f, "commands.json", &cases)
	for _, c := range cases {
		var m struct {
			BinaryPayload string `json:"binary_payload"`
		}
		if json.Unmarshal(c.JSON, &m) == nil && m.BinaryPayload != "" {
			if b, err := base64.StdEncoding.DecodeString(m.BinaryPayload); err == nil && len(b) < 8192 {
				f.Add(b)
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := ParsePayload(data)
		if err != nil {
			return
		}
		if p.Command.Images() == 0 {
			return // a command paperboy does not send
		}
		again, err := EncodePayload(p.Command, p.PrintID, p.Images...)
		if err != nil {
			t.Fatalf("re-encoding: %v", err)
		}
		q, err := ParsePayload(again)
		if err != nil {
			t.Fatalf("re-parsing: %v", err)
		}
		for i := range p.Images {
			if !q.Images[i].Equal(p.Images[i]) {
				t.Fatalf("image %d changed in the round trip", i)
			}
		}
	})
}

func FuzzDecodeCommand(f *testing.F) {
	var cases []golden.CommandCase
	golden.Load(f, "commands.json", &cases)
	for _, c := range cases {
		if len(c.JSON) < 8192 {
			f.Add([]byte(c.JSON))
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := DecodeCommand(data)
		if err != nil {
			return
		}
		frame := c.AppendFrame(nil)
		if !json.Valid(frame) {
			t.Fatalf("frame is not JSON: %s", frame)
		}
		back, err := DecodeCommand(frame)
		if err != nil {
			t.Fatalf("re-decoding %s: %v", frame, err)
		}
		if again := back.AppendFrame(nil); !bytes.Equal(again, frame) {
			t.Fatalf("round trip:\n%s\n%s", frame, again)
		}
	})
}

// FuzzDecodeEdition feeds the check of a plugin's output: a plugin is
// outside input too.
func FuzzDecodeEdition(f *testing.F) {
	for _, img := range []image.Image{image.NewGray(image.Rect(0, 0, PrintWidth, 30)), image.NewGray(image.Rect(0, 0, 1000, 3))} {
		var buf bytes.Buffer
		png.Encode(&buf, img)
		f.Add(buf.Bytes())
	}
	f.Add([]byte("\x89PNG not a picture"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		bm, err := DecodeEdition(data)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("an error without a message")
			}
			return
		}
		if bm.Height > MaxRows || len(bm.Pix) != bm.Height*PrintWidth/8 {
			t.Fatalf("a print of %d rows in %d bytes", bm.Height, len(bm.Pix))
		}
	})
}
