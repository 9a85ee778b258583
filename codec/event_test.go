package codec

import (
	"encoding/hex"
	"errors"
	"reflect"
	"testing"
)

func TestEvent_RoundTrip(t *testing.T) {
	tests := []struct {
		name string
		ev   Event
	}{
		{"heartbeat", Heartbeat{Uptime: 12345}},
		{"did print delivery", DidPrint{PrintType: PrintDelivery, PrintID: 0xFFFFFFFF}},
		{"did print nothing", DidPrint{PrintType: PrintNothing}},
		{"did power on", DidPowerOn{DeviceType: 1, FirmwareBuild: "v0.5-12-g26e82f0", LoaderBuild: "v0.5-0", ProtocolVersion: 4, ResetDescription: 0x0A07}},
		{"product announce", ProductAnnounce{ProductID: [16]byte{1, 2, 3, 15: 16}, Version: 0x01020304}},
		{"berg cloud binary", BergCloudEvent{EventID: 0x42, Payload: []byte{1, 2, 3}}},
		{"berg cloud packed, empty", BergCloudEvent{Packed: true, EventID: 0xFF}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := EncodeEvent(tt.ev, 77)
			got, inv, err := DecodeEvent(b)
			if err != nil {
				t.Fatalf("DecodeEvent(%x): %v", b, err)
			}
			if inv != 77 {
				t.Errorf("invocation id=%d, want 77", inv)
			}
			if !reflect.DeepEqual(got, tt.ev) {
				t.Errorf("DecodeEvent=%#v, want %#v", got, tt.ev)
			}
		})
	}
}

func TestDecodeEvent_Errors(t *testing.T) {
	powerOn := func(size int, reset uint16) string {
		b := EncodeEvent(DidPowerOn{ResetDescription: reset}, 0)
		if size == 58 { // the short form: 24-byte strings
			p := append([]byte{}, b[10:14]...)
			p = append(p, make([]byte, 48)...)
			p = append(p, b[78:]...)
			b = append(b[:10], p...)
			b[6] = 58
		}
		return hex.EncodeToString(b)
	}
	tests := []struct {
		name    string
		hex     string
		unknown bool
	}{
		{"empty", "", false},
		{"short header", "0100000000", false},
		{"length too long", "01000000000005000000aabbccdd", false},
		{"length too short", "01000000000003000000aabbccdd", false},
		{"huge length", "010000000000ffffffffaabbccdd", false},
		{"heartbeat 5 bytes", "01000000000005000000aabbccddee", false},
		{"did print 4 bytes", "02000000000004000000aabbccdd", false},
		{"did power on 60 bytes", "030000000000" + "3c000000" + hex.EncodeToString(make([]byte, 60)), false},
		{"reset cause 0x0b", powerOn(74, 0x0B00), false},
		{"reset cause 0xff short form", powerOn(58, 0xFF00), false},
		{"product announce 19 bytes", "00a0000000001300000000000000000000000000000000000000", false},
		{"unknown code", "77000000000002000000aabb", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := hex.DecodeString(tt.hex)
			if err != nil {
				t.Fatal(err)
			}
			_, _, err = DecodeEvent(b)
			want := ErrMalformed
			if tt.unknown {
				want = ErrUnknownEvent
			}
			if !errors.Is(err, want) {
				t.Fatalf("err=%v, want %v", err, want)
			}
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("err=%v is not a DecodeError", err)
			}
		})
	}
	// Both string sizes decode when the reset cause is good.
	for _, size := range []int{74, 58} {
		b, _ := hex.DecodeString(powerOn(size, 0x0A00))
		if _, _, err := DecodeEvent(b); err != nil {
			t.Errorf("did power on, %d bytes: %v", size, err)
		}
	}
}

func TestDidPowerOn_Strings(t *testing.T) {
	b := EncodeEvent(DidPowerOn{FirmwareBuild: "v1\x00junk", LoaderBuild: "\xffbad"}, 0)
	ev, _, err := DecodeEvent(b)
	if err != nil {
		t.Fatal(err)
	}
	p := ev.(DidPowerOn)
	if p.FirmwareBuild != "v1" {
		t.Errorf("FirmwareBuild=%q, want cut at the NUL", p.FirmwareBuild)
	}
	if p.LoaderBuild != "\uFFFDbad" {
		t.Errorf("LoaderBuild=%q, want valid UTF-8", p.LoaderBuild)
	}
	if got, want := p.ResetCause().String(), "undeterminable"; got != want {
		t.Errorf("ResetCause=%q, want %q", got, want)
	}
}
