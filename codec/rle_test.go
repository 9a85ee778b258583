package codec

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math/rand/v2"
	"testing"
)

// randomBitmap makes a bitmap with runs of random lengths, long and short.
func randomBitmap(r *rand.Rand, height int) *Bitmap {
	b := NewBitmap(height)
	black := r.IntN(2) == 0
	for p := 0; p < b.Pixels(); {
		n := 1 + r.IntN(8)
		if r.IntN(10) == 0 {
			n = 1 + r.IntN(4000)
		}
		for i := p; i < min(p+n, b.Pixels()); i++ {
			b.Set(i%PrintWidth, i/PrintWidth, black)
		}
		p += n
		black = !black
	}
	return b
}

func TestRLE_RoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	tests := []struct {
		name string
		bm   *Bitmap
	}{
		{"empty", NewBitmap(0)},
		{"white row", NewBitmap(1)},
		{"black row", &Bitmap{Height: 1, Pix: bytes.Repeat([]byte{0xFF}, rowBytes)}},
		{"first pixel black", func() *Bitmap { b := NewBitmap(2); b.Set(PrintWidth-1, 1, true); return b }()},
		{"last pixel black", func() *Bitmap { b := NewBitmap(2); b.Set(0, 0, true); return b }()},
		{"stripes", func() *Bitmap {
			b := NewBitmap(20)
			for x := 0; x < PrintWidth; x += 2 {
				for y := range 20 {
					b.Set(x, y, true)
				}
			}
			return b
		}()},
		{"random 10", randomBitmap(r, 10)},
		{"random 300", randomBitmap(r, 300)},
		{"random max", randomBitmap(r, MaxRows)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rle := AppendRLE(nil, tt.bm)
			back, err := DecodeRLE(rle, tt.bm.Pixels())
			if err != nil {
				t.Fatalf("DecodeRLE: %v", err)
			}
			if !back.Equal(tt.bm) {
				t.Fatal("round trip changed the bitmap")
			}
			// The same bitmap through a payload and back.
			payload, err := EncodePayload(SetDelivery, 7, tt.bm)
			if err != nil {
				t.Fatal(err)
			}
			p, err := ParsePayload(payload)
			if err != nil {
				t.Fatalf("ParsePayload: %v", err)
			}
			if !p.Images[0].Equal(tt.bm) {
				t.Fatal("payload round trip changed the bitmap")
			}
		})
	}
}

func TestRLE_Runs(t *testing.T) {
	// protocol.md: "a black run of 1537 pixels → 255, 0, 1".
	b := NewBitmap(5) // 1920 pixels
	for i := range 1537 {
		p := b.Pixels() - 1 - i // the rotated sequence starts at the last pixel
		b.Set(p%PrintWidth, p/PrintWidth, true)
	}
	got := AppendRLE(nil, b)
	// White 0, black 1537, then white 383 = 251 and a leftover of 132.
	want := []byte{0, 255, 0, 1, 251, 0, 132}
	if !bytes.Equal(got, want) {
		t.Errorf("AppendRLE=%v, want %v", got, want)
	}
}

func TestDecodeRLE_Errors(t *testing.T) {
	tests := []struct {
		name   string
		rle    []byte
		pixels int
	}{
		{"too few pixels", []byte{10}, PrintWidth},
		{"too many pixels", []byte{252, 0, 1}, PrintWidth},
		{"not whole rows", []byte{100}, 100},
		{"negative", []byte{}, -PrintWidth},
		{"too tall", []byte{}, PrintWidth * (MaxRows + 1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecodeRLE(tt.rle, tt.pixels)
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("err=%v, want ErrMalformed", err)
			}
		})
	}
}

func TestParsePayload_Errors(t *testing.T) {
	good, err := EncodePayload(SetPersonality, 9, NewBitmap(2), NewBitmap(3), NewBitmap(4), NewBitmap(5))
	if err != nil {
		t.Fatal(err)
	}
	mutate := func(f func(p []byte) []byte) []byte { return f(bytes.Clone(good)) }
	tests := []struct {
		name    string
		payload []byte
	}{
		{"empty", nil},
		{"short header", good[:10]},
		{"device type", mutate(func(p []byte) []byte { p[0] = 2; return p })},
		{"length field", mutate(func(p []byte) []byte { p[12]++; return p })},
		{"truncated", mutate(func(p []byte) []byte { p = p[:len(p)-1]; p[12]--; return p })},
		{"block length", mutate(func(p []byte) []byte { p[16] += 9; return p })},
		{"reserved", mutate(func(p []byte) []byte { p[20] = 1; return p })},
		{"header length", mutate(func(p []byte) []byte { p[22] = 20; return p })},
		{"printer control", mutate(func(p []byte) []byte { p[26] = 0; return p })},
		{"data header", mutate(func(p []byte) []byte { p[39] = 0; return p })},
		{"compression", mutate(func(p []byte) []byte { p[47] = 2; return p })},
		{"rle length", mutate(func(p []byte) []byte { p[48]++; return p })},
		{"pixels", mutate(func(p []byte) []byte { p[41]++; return p })},
		{"image count", func() []byte {
			p, _ := EncodePayload(SetDelivery, 1, NewBitmap(1))
			binary.LittleEndian.PutUint16(p[2:], uint16(SetQuip))
			return p
		}()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParsePayload(tt.payload)
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("err=%v, want ErrMalformed", err)
			}
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("err=%v, want a DecodeError", err)
			}
		})
	}
	if _, err := ParsePayload(good); err != nil {
		t.Fatalf("the unchanged payload: %v", err)
	}
}

func TestEncodePayload_ImageCount(t *testing.T) {
	tests := []struct {
		cmd    CommandCode
		images int
		ok     bool
	}{
		{SetDeliveryAndPrint, 1, true},
		{SetDeliveryAndPrint, 2, false},
		{SetPersonality, 4, true},
		{SetPersonality, 5, false},
		{SetPersonalityWithMessage, 5, true},
		{SetQuip, 3, true},
		{SetQuip, 0, false},
		{FirmwareUpdate, 1, false},
	}
	for _, tt := range tests {
		t.Run(tt.cmd.String(), func(t *testing.T) {
			imgs := make([]*Bitmap, tt.images)
			for i := range imgs {
				imgs[i] = NewBitmap(1)
			}
			_, err := EncodePayload(tt.cmd, 1, imgs...)
			if (err == nil) != tt.ok {
				t.Fatalf("EncodePayload(%v, %d images) err=%v, want ok=%v", tt.cmd, tt.images, err, tt.ok)
			}
		})
	}
}

func TestSetPrintID(t *testing.T) {
	p, err := EncodePayload(SetDelivery, 0, NewBitmap(1))
	if err != nil {
		t.Fatal(err)
	}
	if err := SetPrintID(p, 0xDEADBEEF); err != nil {
		t.Fatal(err)
	}
	got, err := ParsePayload(p)
	if err != nil {
		t.Fatal(err)
	}
	if got.PrintID != 0xDEADBEEF {
		t.Errorf("PrintID=%x, want deadbeef", got.PrintID)
	}
	if err := SetPrintID(p[:3], 1); !errors.Is(err, ErrMalformed) {
		t.Errorf("short payload: err=%v, want ErrMalformed", err)
	}
}
