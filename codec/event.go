package codec

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// EventCode says what a device event is (protocol.md, "Device events").
type EventCode uint16

// The device event codes.
const (
	EventHeartbeat       EventCode = 0x0001
	EventDidPrint        EventCode = 0x0002
	EventDidPowerOn      EventCode = 0x0003
	EventProductAnnounce EventCode = 0xA000
	eventBergCloudBinary EventCode = 0xE000 // 0xE0xx: BergCloudStartBinary + event id
	eventBergCloudPacked EventCode = 0xE100 // 0xE1xx: BergCloudStartPacked + event id
)

// eventHeaderLen is the code, the command invocation id and the payload length.
const eventHeaderLen = 10

// Event is the decoded payload of a device event: Heartbeat, DidPrint,
// DidPowerOn, ProductAnnounce or BergCloudEvent.
type Event interface {
	// Code is the event code on the wire.
	Code() EventCode
	// MessageType is the name golden/README.md gives the event.
	MessageType() string
	appendPayload(dst []byte) []byte
	fields(f map[string]any)
}

// Heartbeat is sent about every 10 s while a device is awake.
type Heartbeat struct {
	Uptime uint32 // seconds since the device powered on
}

// PrintType says what a did-print event reports.
type PrintType uint8

// The print types of DidPrint.
const (
	PrintDelivery PrintType = 0x01 // a delivery was printed; PrintID is its command id
	PrintNothing  PrintType = 0x10 // the button was pressed with nothing to print
	PrintQuip     PrintType = 0x11 // a quip was printed
)

// DidPrint is sent when the printer printed something, or the button was
// pressed with nothing to print.
type DidPrint struct {
	PrintType PrintType
	PrintID   uint32 // the command id of the delivery, for PrintDelivery
}

// ResetCause is the high byte of DidPowerOn.ResetDescription.
type ResetCause uint8

var resetCauses = [...]string{
	"undeterminable", "FIB bootloader", "Ember bootloader", "external reset", "power on",
	"watchdog", "software triggered", "software crash", "flash failure", "fatal error", "access fault",
}

// String names the cause.
func (c ResetCause) String() string {
	if int(c) < len(resetCauses) {
		return resetCauses[c]
	}
	return fmt.Sprintf("ResetCause(0x%02x)", uint8(c))
}

// DidPowerOn is sent when a device starts.
type DidPowerOn struct {
	DeviceType       uint32
	FirmwareBuild    string // NULs trimmed
	LoaderBuild      string // NULs trimmed
	ProtocolVersion  uint32
	ResetDescription uint16 // high byte the cause, low byte detail
}

// ResetCause is why the device started.
func (e DidPowerOn) ResetCause() ResetCause { return ResetCause(e.ResetDescription >> 8) }

// ProductAnnounce tells what product a device is; unlike everything else on
// the wire its fields are big-endian.
type ProductAnnounce struct {
	ProductID [16]byte
	Version   uint32
}

// BergCloudEvent is a raw event of the BERG Cloud device API (codes 0xE0xx,
// binary, and 0xE1xx, packed), passed through undecoded.
type BergCloudEvent struct {
	Packed  bool  // 0xE1xx rather than 0xE0xx
	EventID uint8 // the low byte of the code
	Payload []byte
}

func (Heartbeat) Code() EventCode       { return EventHeartbeat }
func (DidPrint) Code() EventCode        { return EventDidPrint }
func (DidPowerOn) Code() EventCode      { return EventDidPowerOn }
func (ProductAnnounce) Code() EventCode { return EventProductAnnounce }
func (e BergCloudEvent) Code() EventCode {
	if e.Packed {
		return eventBergCloudPacked | EventCode(e.EventID)
	}
	return eventBergCloudBinary | EventCode(e.EventID)
}

func (Heartbeat) MessageType() string       { return "DeviceHeartbeat" }
func (DidPrint) MessageType() string        { return "DeviceDidPrint" }
func (DidPowerOn) MessageType() string      { return "DeviceDidPowerOn" }
func (ProductAnnounce) MessageType() string { return "BergCloudProductAnnounce" }
func (e BergCloudEvent) MessageType() string {
	if e.Packed {
		return "BergCloudPackedEvent"
	}
	return "BergCloudBinaryEvent"
}

// DecodeEvent decodes a device event's binary payload: the 10-byte header
// (code, command invocation id, payload length), then the payload, whose size
// must be exactly what the header says and what the code needs. An error wraps
// ErrMalformed, or ErrUnknownEvent for a well-formed event of a code
// protocol.md does not list.
func DecodeEvent(b []byte) (ev Event, invocationID uint32, err error) {
	fail := func(off int, e error) (Event, uint32, error) {
		return nil, 0, &DecodeError{What: "device event", Offset: off, Err: e}
	}
	if len(b) < eventHeaderLen {
		return fail(len(b), malformed("%d bytes, shorter than the %d-byte header", len(b), eventHeaderLen))
	}
	code := EventCode(binary.LittleEndian.Uint16(b))
	invocationID = binary.LittleEndian.Uint32(b[2:])
	n := binary.LittleEndian.Uint32(b[6:])
	p := b[eventHeaderLen:]
	if uint64(n) != uint64(len(p)) {
		return fail(6, malformed("payload length %d, but %d bytes follow the header", n, len(p)))
	}
	need := func(sizes ...int) error {
		want := make([]string, len(sizes))
		for i, s := range sizes {
			if len(p) == s {
				return nil
			}
			want[i] = strconv.Itoa(s)
		}
		return malformed("event 0x%04x has a %d-byte payload, want %s", uint16(code), len(p), strings.Join(want, " or "))
	}
	switch {
	case code == EventHeartbeat:
		if err := need(4); err != nil {
			return fail(6, err)
		}
		return Heartbeat{Uptime: binary.LittleEndian.Uint32(p)}, invocationID, nil
	case code == EventDidPrint:
		if err := need(5); err != nil {
			return fail(6, err)
		}
		return DidPrint{PrintType: PrintType(p[0]), PrintID: binary.LittleEndian.Uint32(p[1:])}, invocationID, nil
	case code == EventDidPowerOn:
		if err := need(74, 58); err != nil {
			return fail(6, err)
		}
		s := (len(p) - 10) / 2 // 32 or 24 bytes per string
		e := DidPowerOn{
			DeviceType:       binary.LittleEndian.Uint32(p),
			FirmwareBuild:    cString(p[4 : 4+s]),
			LoaderBuild:      cString(p[4+s : 4+2*s]),
			ProtocolVersion:  binary.LittleEndian.Uint32(p[4+2*s:]),
			ResetDescription: binary.LittleEndian.Uint16(p[8+2*s:]),
		}
		if c := e.ResetCause(); int(c) >= len(resetCauses) {
			return fail(eventHeaderLen+8+2*s+1, malformed("reset cause 0x%02x is not one protocol.md lists", uint8(c)))
		}
		return e, invocationID, nil
	case code == EventProductAnnounce:
		if err := need(20); err != nil {
			return fail(6, err)
		}
		var e ProductAnnounce
		copy(e.ProductID[:], p)
		e.Version = binary.BigEndian.Uint32(p[16:])
		return e, invocationID, nil
	case code&0xFF00 == eventBergCloudBinary, code&0xFF00 == eventBergCloudPacked:
		return BergCloudEvent{
			Packed:  code&0xFF00 == eventBergCloudPacked,
			EventID: uint8(code),
			Payload: append([]byte(nil), p...),
		}, invocationID, nil
	}
	return fail(0, fmt.Errorf("%w 0x%04x", ErrUnknownEvent, uint16(code)))
}

// cString cuts a NUL-padded string at its first NUL and keeps it valid UTF-8.
func cString(b []byte) string {
	if i := strings.IndexByte(string(b), 0); i >= 0 {
		b = b[:i]
	}
	if !utf8.Valid(b) {
		return strings.ToValidUTF8(string(b), "\uFFFD")
	}
	return string(b)
}

// EncodeEvent is the inverse of DecodeEvent: the binary payload a device sends
// for ev. DidPowerOn strings use the 32-byte form and are cut to fit.
func EncodeEvent(ev Event, invocationID uint32) []byte {
	b := make([]byte, eventHeaderLen, 64)
	binary.LittleEndian.PutUint16(b, uint16(ev.Code()))
	binary.LittleEndian.PutUint32(b[2:], invocationID)
	b = ev.appendPayload(b)
	binary.LittleEndian.PutUint32(b[6:], uint32(len(b)-eventHeaderLen))
	return b
}

func (e Heartbeat) appendPayload(b []byte) []byte {
	return binary.LittleEndian.AppendUint32(b, e.Uptime)
}

func (e DidPrint) appendPayload(b []byte) []byte {
	return binary.LittleEndian.AppendUint32(append(b, byte(e.PrintType)), e.PrintID)
}

func (e DidPowerOn) appendPayload(b []byte) []byte {
	b = binary.LittleEndian.AppendUint32(b, e.DeviceType)
	for _, s := range [...]string{e.FirmwareBuild, e.LoaderBuild} {
		var f [32]byte
		copy(f[:], s)
		b = append(b, f[:]...)
	}
	b = binary.LittleEndian.AppendUint32(b, e.ProtocolVersion)
	return binary.LittleEndian.AppendUint16(b, e.ResetDescription)
}

func (e ProductAnnounce) appendPayload(b []byte) []byte {
	return binary.BigEndian.AppendUint32(append(b, e.ProductID[:]...), e.Version)
}

func (e BergCloudEvent) appendPayload(b []byte) []byte { return append(b, e.Payload...) }

func (e Heartbeat) fields(f map[string]any) { f["uptime"] = e.Uptime }

func (e DidPrint) fields(f map[string]any) {
	f["print_type"] = uint8(e.PrintType)
	f["print_id"] = e.PrintID
}

func (e DidPowerOn) fields(f map[string]any) {
	f["device_type"] = e.DeviceType
	f["firmware_build_version"] = e.FirmwareBuild
	f["loader_build_version"] = e.LoaderBuild
	f["protocol_version"] = e.ProtocolVersion
	f["reset_description"] = e.ResetDescription
}

func (e ProductAnnounce) fields(f map[string]any) {
	f["product_id"] = hex.EncodeToString(e.ProductID[:])
	f["product_version"] = e.Version
}

func (e BergCloudEvent) fields(f map[string]any) {
	f["event_id"] = e.EventID
	f["payload"] = e.Payload // base64 in JSON
}
