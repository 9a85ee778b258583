package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"paperboy/codec"
	"paperboy/internal/golden"
)

// These tests are the script the issue asks for: the golden inputs piped
// through the real paperboy codec command give every golden output.

func jsonValue(t *testing.T, s string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("not JSON: %v: %q", err, s)
	}
	return v
}

func TestCLI_GoldenDecode(t *testing.T) {
	var cases []golden.DecodeCase
	golden.Load(t, "decode.json", &cases)
	var stdin strings.Builder
	for _, c := range cases {
		stdin.WriteString(c.Input + "\n\n") // blank lines are skipped
	}
	r := paperboy(t, stdin.String(), "codec", "decode")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
	if len(lines) != len(cases) {
		t.Fatalf("%d lines out for %d in", len(lines), len(cases))
	}
	malformed := 0
	for i, c := range cases {
		want := map[string]any{"message_type": c.MessageType, "fields": jsonValue(t, string(c.Fields))}
		if got := jsonValue(t, lines[i]); !reflect.DeepEqual(got, jsonValue(t, mustJSON(t, want))) {
			t.Errorf("case %d (%s): got %s, want %s", i, c.MessageType, lines[i], mustJSON(t, want))
		}
		if c.MessageType == "MalformedEvent" {
			malformed++
		}
	}
	// Each malformed message is explained on stderr, one line each.
	if got := strings.Count(r.stderr, "\n"); got != malformed {
		t.Errorf("stderr has %d lines for %d malformed messages: %q", got, malformed, r.stderr)
	}
	t.Logf("decode.json: %d cases through paperboy codec decode", len(cases))
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestCLI_GoldenCommands(t *testing.T) {
	var cases []golden.CommandCase
	golden.Load(t, "commands.json", &cases)
	for _, c := range cases {
		t.Run(c.Command+"/"+c.DeviceAddress, func(t *testing.T) {
			args := []string{"codec", "encode", "--command", c.Command, "--bridge", c.BridgeAddress,
				"--device", c.DeviceAddress, "--command-id", strconv.FormatUint(uint64(c.CommandID), 10)}
			if c.ClaimCode != "" {
				args = append(args, "--claim-code", c.ClaimCode)
			}
			for _, img := range c.AllImages() {
				args = append(args, golden.Path(t, img))
			}
			r := paperboy(t, "", args...)
			r.mustSucceed(t)
			if got, want := jsonValue(t, r.stdout), jsonValue(t, string(c.JSON)); !reflect.DeepEqual(got, want) {
				t.Errorf("got  %s\nwant %s", r.stdout, c.JSON)
			}
		})
	}
	t.Logf("commands.json: %d cases through paperboy codec encode", len(cases))
}

func TestCLI_GoldenRLE(t *testing.T) {
	// rle.json through the command line: the block tail is the end of the
	// payload of a one-image command.
	var cases []golden.RLECase
	golden.Load(t, "rle.json", &cases)
	for _, c := range cases {
		t.Run(c.Image, func(t *testing.T) {
			r := paperboy(t, "", "codec", "encode", "--command", "SetDelivery", "--bridge", "0000000000000001",
				"--device", "0000000000000002", "--command-id", "1", golden.Path(t, c.Image))
			r.mustSucceed(t)
			var frame struct {
				BinaryPayload []byte `json:"binary_payload"`
			}
			if err := json.Unmarshal([]byte(r.stdout), &frame); err != nil {
				t.Fatal(err)
			}
			want, _ := base64.StdEncoding.DecodeString(c.RLE)
			if !bytes.HasSuffix(frame.BinaryPayload, want) {
				t.Errorf("payload does not end with the vector's RLE block tail")
			}
		})
	}
	t.Logf("rle.json: %d cases through paperboy codec encode", len(cases))
}

func TestCLI_GoldenClaim(t *testing.T) {
	var v golden.Claiming
	golden.Load(t, "claiming.json", &v)
	type out struct {
		HardwareXor uint32 `json:"hardware_xor"`
		Secret      uint64 `json:"secret"`
		LinkKey     string `json:"link_key"`
	}
	claim := func(t *testing.T, code string) out {
		r := paperboy(t, "", "codec", "claim", code)
		r.mustSucceed(t)
		var o out
		if err := json.Unmarshal([]byte(r.stdout), &o); err != nil {
			t.Fatal(err)
		}
		return o
	}
	for _, c := range v.ClaimCodes {
		t.Run(c.ClaimCode, func(t *testing.T) {
			if got, want := claim(t, c.ClaimCode), (out{c.HardwareXor, c.Secret, c.LinkKey}); got != want {
				t.Errorf("got %+v, want %+v", got, want)
			}
		})
	}
	for _, c := range v.TypoTolerant {
		t.Run(c.Input, func(t *testing.T) {
			got := claim(t, c.Input)
			if got.HardwareXor != c.HardwareXor || got.LinkKey != c.LinkKey {
				t.Errorf("got %+v, want hardware xor %d, link key %s", got, c.HardwareXor, c.LinkKey)
			}
		})
	}
	for _, c := range v.Invalid {
		t.Run("invalid/"+c.Input, func(t *testing.T) {
			r := paperboy(t, "", "codec", "claim", c.Input)
			r.mustFailWithOneLine(t)
		})
	}
	t.Logf("claiming.json: %d claim codes, %d typo-tolerant, %d invalid through paperboy codec claim",
		len(v.ClaimCodes), len(v.TypoTolerant), len(v.Invalid))
}

func TestCLI_Errors(t *testing.T) {
	img := golden.Path(t, "images/white-384x8.png")
	notImage := filepath.Join(t.TempDir(), "notes.txt")
	if err := os.WriteFile(notImage, []byte("not a picture"), 0o644); err != nil {
		t.Fatal(err)
	}
	base := []string{"codec", "encode", "--bridge", "0000000000000001", "--device", "0000000000000002", "--command-id", "5"}
	tests := []struct {
		name string
		args []string
	}{
		{"no command", append(base, img)},
		{"unknown command", append(base, "--command", "PrintNow", img)},
		{"bad bridge", []string{"codec", "encode", "--command", "SetDelivery", "--bridge", "xyz", "--device", "0000000000000002", "--command-id", "5", img}},
		{"command id 0", []string{"codec", "encode", "--command", "SetDelivery", "--bridge", "0000000000000001", "--device", "0000000000000002", "--command-id", "0", img}},
		{"command id too big", []string{"codec", "encode", "--command", "SetDelivery", "--bridge", "0000000000000001", "--device", "0000000000000002", "--command-id", "4294967296", img}},
		{"too many images", append(base, "--command", "SetDelivery", img, img)},
		{"personality needs four", append(base, "--command", "SetPersonality", img)},
		{"missing file", append(base, "--command", "SetDelivery", "/nonexistent.png")},
		{"not an image", append(base, "--command", "SetDelivery", notImage)},
		{"bad dither", append(base, "--command", "SetDelivery", "--dither", "ordered", img)},
		{"key without code", append(base, "--command", "AddDeviceEncryptionKey")},
		{"key with bad code", append(base, "--command", "AddDeviceEncryptionKey", "--claim-code", "0kxx-j4eq-c152-4sez")},
		{"unknown flag", append(base, "--colour", "red")},
		{"claim without code", []string{"codec", "claim"}},
		{"preview without -o", []string{"codec", "preview", img}},
		{"preview of text", []string{"codec", "preview", notImage, "-o", filepath.Join(t.TempDir(), "x.png")}},
		{"decode with argument", []string{"codec", "decode", "file.json"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			paperboy(t, "", tt.args...).mustFailWithOneLine(t)
		})
	}
}

func TestCLI_Preview(t *testing.T) {
	dir := t.TempDir()
	for _, d := range []string{"threshold", "floyd-steinberg", "atkinson"} {
		t.Run(d, func(t *testing.T) {
			out := filepath.Join(dir, d+".png")
			r := paperboy(t, "", "codec", "preview", "--dither", d, golden.Path(t, "images/gradient-384x256.png"), "-o", out)
			r.mustSucceed(t)
			var info struct {
				Height int    `json:"height"`
				Dither string `json:"dither"`
			}
			if err := json.Unmarshal([]byte(r.stdout), &info); err != nil {
				t.Fatal(err)
			}
			img := readPNG(t, out)
			if b := img.Bounds(); b.Dx() != codec.PrintWidth || b.Dy() != 256 || info.Height != 256 || info.Dither != d {
				t.Fatalf("preview is %v, says %+v; want 384×256 with %s", b, info, d)
			}
			// Every pixel is black or white.
			for y := 0; y < 256; y += 5 {
				for x := 0; x < codec.PrintWidth; x += 3 {
					if r, g, b, _ := img.At(x, y).RGBA(); !(r == g && g == b && (r == 0 || r == 0xFFFF)) {
						t.Fatalf("pixel (%d,%d) is not black or white", x, y)
					}
				}
			}
		})
	}
}
