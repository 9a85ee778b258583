package codec

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"reflect"
	"testing"

	"paperboy/internal/golden"
)

// loadGoldenImage decodes a PNG of the vector folder.
func loadGoldenImage(t *testing.T, name string) *Bitmap {
	t.Helper()
	img, err := DecodeImage(golden.ReadFile(t, name))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return Rasterize(img, Threshold)
}

// jsonEqual compares two JSON values after decoding both.
func jsonEqual(t *testing.T, got, want []byte) bool {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("got is not JSON: %v: %s", err, got)
	}
	if err := json.Unmarshal(want, &w); err != nil {
		t.Fatalf("want is not JSON: %v: %s", err, want)
	}
	return reflect.DeepEqual(g, w)
}

func TestGolden_Decode(t *testing.T) {
	var cases []golden.DecodeCase
	golden.Load(t, "decode.json", &cases)
	for _, tc := range cases {
		t.Run(tc.MessageType, func(t *testing.T) {
			m := DecodeMessage([]byte(tc.Input))
			if got, want := m.MessageType(), tc.MessageType; got != want {
				t.Fatalf("MessageType=%s, want %s (%+v)", got, want, m)
			}
			fields, err := json.Marshal(m.Fields())
			if err != nil {
				t.Fatal(err)
			}
			if !jsonEqual(t, fields, tc.Fields) {
				t.Errorf("Fields=%s, want %s", fields, tc.Fields)
			}
		})
	}
	t.Logf("decode.json: %d cases", len(cases))
}

func TestGolden_RLE(t *testing.T) {
	var cases []golden.RLECase
	golden.Load(t, "rle.json", &cases)
	for _, tc := range cases {
		t.Run(tc.Image, func(t *testing.T) {
			bm := loadGoldenImage(t, tc.Image)
			if got, want := bm.Pixels(), tc.PixelCount; got != want {
				t.Fatalf("pixels=%d, want %d", got, want)
			}
			want, err := base64.StdEncoding.DecodeString(tc.RLE)
			if err != nil {
				t.Fatal(err)
			}
			// The vector is the tail of an image block: compression, length, RLE.
			block := AppendImageBlock(nil, bm)
			if got := block[len(block)-len(want):]; !bytes.Equal(got, want) {
				t.Errorf("block tail=%s\nwant      %s", base64.StdEncoding.EncodeToString(got), tc.RLE)
			}
			back, err := DecodeRLE(want[5:], tc.PixelCount)
			if err != nil {
				t.Fatalf("DecodeRLE: %v", err)
			}
			if !back.Equal(bm) {
				t.Errorf("DecodeRLE gives a different bitmap")
			}
		})
	}
	t.Logf("rle.json: %d cases", len(cases))
}

func TestGolden_Commands(t *testing.T) {
	var cases []golden.CommandCase
	golden.Load(t, "commands.json", &cases)
	for _, tc := range cases {
		t.Run(tc.Command+"/"+tc.DeviceAddress, func(t *testing.T) {
			bridge, err := ParseAddress(tc.BridgeAddress)
			if err != nil {
				t.Fatal(err)
			}
			device, err := ParseAddress(tc.DeviceAddress)
			if err != nil {
				t.Fatal(err)
			}
			var cmd Command
			if tc.Command == "AddDeviceEncryptionKey" {
				code, err := ParseClaimCode(tc.ClaimCode)
				if err != nil {
					t.Fatal(err)
				}
				cmd = NewAddDeviceEncryptionKey(bridge, device, tc.CommandID, code)
			} else {
				code, err := ParseCommandCode(tc.Command)
				if err != nil {
					t.Fatal(err)
				}
				if got, want := uint16(code), tc.CommandCode; got != want {
					t.Fatalf("code=%d, want %d", got, want)
				}
				var bms []*Bitmap
				for _, name := range tc.AllImages() {
					bms = append(bms, loadGoldenImage(t, name))
				}
				payload, err := EncodePayload(code, tc.CommandID, bms...)
				if err != nil {
					t.Fatal(err)
				}
				cmd = DeviceCommand{Bridge: bridge, Device: device, ID: tc.CommandID, Payload: payload}
				// Round trip: the payload decodes to the same bitmaps.
				p, err := ParsePayload(payload)
				if err != nil {
					t.Fatalf("ParsePayload: %v", err)
				}
				if p.Command != code || p.PrintID != tc.CommandID || len(p.Images) != len(bms) {
					t.Fatalf("ParsePayload=%v %d %d images, want %v %d %d", p.Command, p.PrintID, len(p.Images), code, tc.CommandID, len(bms))
				}
				for i := range bms {
					if !p.Images[i].Equal(bms[i]) {
						t.Errorf("image %d differs after the round trip", i)
					}
				}
			}
			got, err := json.Marshal(cmd)
			if err != nil {
				t.Fatal(err)
			}
			if !jsonEqual(t, got, tc.JSON) {
				t.Errorf("got  %s\nwant %s", got, tc.JSON)
			}
			back, err := DecodeCommand(got)
			if err != nil {
				t.Fatalf("DecodeCommand: %v", err)
			}
			again, _ := json.Marshal(back)
			if !bytes.Equal(again, got) {
				t.Errorf("DecodeCommand round trip: %s", again)
			}
		})
	}
	t.Logf("commands.json: %d cases", len(cases))
}
