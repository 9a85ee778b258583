package codec

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
)

// CommandCode says what a DeviceCommand asks the printer to do
// (protocol.md, "DeviceCommand").
type CommandCode uint16

// The device commands.
const (
	SetDeliveryAndPrint       CommandCode = 0x0001 // print at once
	SetDelivery               CommandCode = 0x0002 // print when the button is pressed
	SetDeliveryAndPrintNoFace CommandCode = 0x0011
	SetDeliveryNoFace         CommandCode = 0x0012
	SetPersonalityWithMessage CommandCode = 0x0101 // face, nothing-to-print, cannot-see-bridge, cannot-see-internet, message
	SetPersonality            CommandCode = 0x0102 // face, nothing-to-print, cannot-see-bridge, cannot-see-internet
	SetQuip                   CommandCode = 0x0202
	FirmwareUpdate            CommandCode = 0xF000 // not used
	deviceTypeLittlePrinter   byte        = 0x01
)

var commandInfo = map[CommandCode]struct {
	name   string
	images int
}{
	SetDeliveryAndPrint:       {"SetDeliveryAndPrint", 1},
	SetDelivery:               {"SetDelivery", 1},
	SetDeliveryAndPrintNoFace: {"SetDeliveryAndPrintNoFace", 1},
	SetDeliveryNoFace:         {"SetDeliveryNoFace", 1},
	SetPersonalityWithMessage: {"SetPersonalityWithMessage", 5},
	SetPersonality:            {"SetPersonality", 4},
	SetQuip:                   {"SetQuip", 3},
}

// IsDelivery reports whether the command is a delivery, one of the
// SetDelivery commands: the ones that print, and end in a did-print event.
func (c CommandCode) IsDelivery() bool {
	switch c {
	case SetDeliveryAndPrint, SetDelivery, SetDeliveryAndPrintNoFace, SetDeliveryNoFace:
		return true
	}
	return false
}

// String is the command's name, as golden/commands.json spells it.
func (c CommandCode) String() string {
	if i, ok := commandInfo[c]; ok {
		return i.name
	}
	if c == FirmwareUpdate {
		return "FirmwareUpdate"
	}
	return fmt.Sprintf("CommandCode(0x%04x)", uint16(c))
}

// Images is how many image blocks the command carries, 0 for an unknown one.
func (c CommandCode) Images() int { return commandInfo[c].images }

// ParseCommandCode reads a command name such as "SetDeliveryAndPrint".
func ParseCommandCode(name string) (CommandCode, error) {
	for c, i := range commandInfo {
		if i.name == name {
			return c, nil
		}
	}
	return 0, fmt.Errorf("unknown command %q (want SetDeliveryAndPrint, SetDelivery, SetDeliveryAndPrintNoFace, SetDeliveryNoFace, SetPersonality, SetPersonalityWithMessage or SetQuip)", name)
}

// printerControl is the fixed start of every image block: max speed,
// acceleration, peak current, max intensity (protocol.md, "image block").
var printerControl = []byte{0x1d, 0x73, 0x03, 0xe8, 0x1d, 0x61, 0xd0, 0x1d, 0x2f, 0x0f, 0x1d, 0x44, 0x80}

const (
	blockHeaderLen = 21   // printer control + data header
	compressionRLE = 0x01 // the only compression there is
	payloadHeadLen = 16   // device type, reserved, command, print id, CRC, length
)

// AppendImageBlock appends b as one image block: its length, the printer
// control and data header, and the run-length encoded bitmap.
func AppendImageBlock(dst []byte, b *Bitmap) []byte {
	n := rleLen(b)
	return appendImageBlock(slices.Grow(dst, imageBlockLen(n)+rleSlack), b, n)
}

// imageBlockLen is the length of an image block whose run-length code is
// rleLen bytes.
func imageBlockLen(rleLen int) int { return 4 + 2 + 4 + blockHeaderLen + 1 + 4 + rleLen }

// appendImageBlock is AppendImageBlock with the length of b's run-length
// code, rleLen, known; dst has room for the block and rleSlack bytes more.
func appendImageBlock(dst []byte, b *Bitmap, rleLen int) []byte {
	dst = binary.LittleEndian.AppendUint32(dst, uint32(imageBlockLen(rleLen)-4))
	dst = append(dst, 0, 0)
	dst = binary.LittleEndian.AppendUint32(dst, blockHeaderLen)
	dst = append(dst, printerControl...)
	n := b.Pixels() / 8
	dst = append(dst, 0x1b, 0x2a, byte(n), byte(n>>8), byte(n>>16), 0, 0, 0x30)
	dst = append(dst, compressionRLE)
	dst = binary.LittleEndian.AppendUint32(dst, uint32(rleLen))
	return appendRLE(dst, b, rleLen)
}

// EncodePayload builds the binary payload of a DeviceCommand: the header, with
// printID (the command id) that comes back in the did-print event, and one
// image block per bitmap. The number of bitmaps must be what the command
// takes.
func EncodePayload(cmd CommandCode, printID uint32, images ...*Bitmap) ([]byte, error) {
	if want := cmd.Images(); want == 0 || len(images) != want {
		if want == 0 {
			return nil, fmt.Errorf("codec: cannot encode command %v", cmd)
		}
		return nil, fmt.Errorf("codec: %v takes %d images, got %d", cmd, want, len(images))
	}
	// The payload may be stored for a long time, so it is made at its exact
	// size: the run-length codes are measured first (a dithered photo's is
	// five times the size of its bitmap, a text print's a tenth).
	var buf [5]int // the most images a command takes
	lens := buf[:0]
	size := payloadHeadLen
	for _, img := range images {
		n := rleLen(img)
		lens = append(lens, n)
		size += imageBlockLen(n)
	}
	p := make([]byte, payloadHeadLen, size+rleSlack)
	p[0] = deviceTypeLittlePrinter
	binary.LittleEndian.PutUint16(p[2:], uint16(cmd))
	binary.LittleEndian.PutUint32(p[4:], printID)
	binary.LittleEndian.PutUint32(p[12:], uint32(size-payloadHeadLen))
	for i, img := range images {
		p = appendImageBlock(p, img, lens[i])
	}
	return p, nil
}

// SetPrintID writes the print id (the command id) into an encoded payload, so
// a payload can be stored before its command id is known.
func SetPrintID(payload []byte, printID uint32) error {
	if len(payload) < payloadHeadLen {
		return &DecodeError{What: "device payload", Offset: len(payload), Err: malformed("shorter than its %d-byte header", payloadHeadLen)}
	}
	binary.LittleEndian.PutUint32(payload[4:], printID)
	return nil
}

// Payload is a decoded DeviceCommand payload.
type Payload struct {
	DeviceType byte
	Command    CommandCode
	PrintID    uint32
	Images     []*Bitmap
}

// ParsePayload decodes a DeviceCommand's binary payload and its image blocks
// back into bitmaps: what a printer does with it. Every length must agree.
func ParsePayload(p []byte) (Payload, error) {
	fail := func(off int, format string, args ...any) (Payload, error) {
		return Payload{}, &DecodeError{What: "device payload", Offset: off, Err: malformed(format, args...)}
	}
	if len(p) < payloadHeadLen {
		return fail(len(p), "shorter than its %d-byte header", payloadHeadLen)
	}
	out := Payload{
		DeviceType: p[0],
		Command:    CommandCode(binary.LittleEndian.Uint16(p[2:])),
		PrintID:    binary.LittleEndian.Uint32(p[4:]),
	}
	if out.DeviceType != deviceTypeLittlePrinter {
		return fail(0, "device type 0x%02x, want 0x01 (Little Printer)", out.DeviceType)
	}
	if n := binary.LittleEndian.Uint32(p[12:]); uint64(n) != uint64(len(p)-payloadHeadLen) {
		return fail(12, "length field says %d bytes follow, %d do", n, len(p)-payloadHeadLen)
	}
	for off := payloadHeadLen; off < len(p); {
		img, next, err := parseImageBlock(p, off)
		if err != nil {
			return Payload{}, err
		}
		out.Images = append(out.Images, img)
		off = next
	}
	if want := out.Command.Images(); want != 0 && len(out.Images) != want {
		return fail(len(p), "%v carries %d image blocks, want %d", out.Command, len(out.Images), want)
	}
	return out, nil
}

// parseImageBlock decodes the image block at p[off:] and returns the offset
// after it.
func parseImageBlock(p []byte, off int) (*Bitmap, int, error) {
	fail := func(at int, format string, args ...any) (*Bitmap, int, error) {
		return nil, 0, &DecodeError{What: "image block", Offset: at, Err: malformed(format, args...)}
	}
	const fixed = 4 + 2 + 4 + blockHeaderLen + 1 + 4
	if len(p)-off < fixed {
		return fail(off, "%d bytes left, an image block needs at least %d", len(p)-off, fixed)
	}
	blockLen := binary.LittleEndian.Uint32(p[off:])
	if uint64(blockLen) > uint64(len(p)-off-4) || blockLen < fixed-4 {
		return fail(off, "block length %d does not fit the %d bytes left", blockLen, len(p)-off-4)
	}
	end := off + 4 + int(blockLen)
	h := p[off+4:]
	if h[0] != 0 || h[1] != 0 {
		return fail(off+4, "reserved bytes are %02x %02x, want 00 00", h[0], h[1])
	}
	if n := binary.LittleEndian.Uint32(h[2:]); n != blockHeaderLen {
		return fail(off+6, "header length %d, want %d", n, blockHeaderLen)
	}
	if !bytes.Equal(h[6:6+len(printerControl)], printerControl) {
		return fail(off+10, "printer control bytes % x are not the expected % x", h[6:6+len(printerControl)], printerControl)
	}
	d := h[6+len(printerControl):]
	if d[0] != 0x1b || d[1] != 0x2a || d[5] != 0 || d[6] != 0 || d[7] != 0x30 {
		return fail(off+23, "data header % x, want 1b 2a n1 n2 n3 00 00 30", d[:8])
	}
	pixels := 8 * (int(d[2]) | int(d[3])<<8 | int(d[4])<<16)
	if d[8] != compressionRLE {
		return fail(off+31, "compression 0x%02x, want 0x01 (run-length)", d[8])
	}
	rleLen := binary.LittleEndian.Uint32(d[9:])
	rleStart := off + fixed
	if uint64(rleLen) != uint64(end-rleStart) {
		return fail(off+32, "RLE length %d, but the block holds %d bytes of it", rleLen, end-rleStart)
	}
	bm, err := DecodeRLE(p[rleStart:end], pixels)
	if err != nil {
		if de, ok := err.(*DecodeError); ok {
			de.Offset += rleStart
		}
		return nil, 0, err
	}
	return bm, end, nil
}

// Command is a message from the server to a bridge: a DeviceCommand or a
// BridgeCommand.
type Command interface {
	json.Marshaler
	// AppendFrame appends the JSON frame the bridge expects to dst.
	AppendFrame(dst []byte) []byte
	command()
}

// commandTimestamp is what the old server put in every command's timestamp.
const commandTimestamp = "0"

// DeviceCommand is a command for a device, carried by its bridge; its payload
// comes from EncodePayload.
type DeviceCommand struct {
	Bridge  Address
	Device  Address
	ID      uint32 // the command id, never 0, never repeated
	Payload []byte
}

func (DeviceCommand) command() {}

// AppendFrame appends the frame the bridge expects. It is written by hand,
// not by encoding/json, because a photo's frame is a quarter of a megabyte of
// base64 that needs no escaping and no second look.
func (c DeviceCommand) AppendFrame(dst []byte) []byte {
	dst = append(dst, `{"type":"DeviceCommand","bridge_address":"`...)
	dst = append(dst, c.Bridge.String()...)
	dst = append(dst, `","command_id":`...)
	dst = strconv.AppendUint(dst, uint64(c.ID), 10)
	dst = append(dst, `,"timestamp":"`+commandTimestamp+`","binary_payload":"`...)
	dst = base64.StdEncoding.AppendEncode(dst, c.Payload)
	dst = append(dst, `","device_address":"`...)
	dst = append(dst, c.Device.String()...)
	return append(dst, `"}`...)
}

// MarshalJSON is AppendFrame for encoding/json.
func (c DeviceCommand) MarshalJSON() ([]byte, error) {
	return c.AppendFrame(make([]byte, 0, 160+base64.StdEncoding.EncodedLen(len(c.Payload)))), nil
}

// Bridge command names (protocol.md, "BridgeCommand").
const (
	BridgeAddDeviceEncryptionKey = "add_device_encryption_key"
	BridgeLeave                  = "leave"
	BridgeForm                   = "form"
	BridgeReboot                 = "reboot"
	BridgeRestart                = "restart"
	BridgeSetCloudLogLevel       = "set_cloud_log_level"
)

// BridgeCommand is a command for the bridge itself, with a JSON payload.
type BridgeCommand struct {
	Bridge Address
	ID     uint32
	Name   string
	Params map[string]string
}

func (BridgeCommand) command() {}

// NewAddDeviceEncryptionKey is the answer to encryption_key_required: the
// device's link key, derived from its claim code.
func NewAddDeviceEncryptionKey(bridge, device Address, id uint32, code ClaimCode) BridgeCommand {
	return BridgeCommand{
		Bridge: bridge,
		ID:     id,
		Name:   BridgeAddDeviceEncryptionKey,
		Params: map[string]string{
			"device_address": device.String(),
			"encryption_key": code.LinkKeyBase64(),
		},
	}
}

type bridgeCommandJSON struct {
	Type          string  `json:"type"`
	BridgeAddress Address `json:"bridge_address"`
	CommandID     uint32  `json:"command_id"`
	Timestamp     string  `json:"timestamp"`
	JSONPayload   struct {
		Name   string            `json:"name"`
		Params map[string]string `json:"params"`
	} `json:"json_payload"`
}

// MarshalJSON writes the frame the bridge expects; params is always an object.
func (c BridgeCommand) MarshalJSON() ([]byte, error) {
	v := bridgeCommandJSON{Type: "BridgeCommand", BridgeAddress: c.Bridge, CommandID: c.ID, Timestamp: commandTimestamp}
	v.JSONPayload.Name = c.Name
	v.JSONPayload.Params = c.Params
	if v.JSONPayload.Params == nil {
		v.JSONPayload.Params = map[string]string{}
	}
	return json.Marshal(v)
}

// AppendFrame appends the frame the bridge expects.
func (c BridgeCommand) AppendFrame(dst []byte) []byte {
	b, _ := c.MarshalJSON() // strings and a string map always encode
	return append(dst, b...)
}

// DecodeCommand reads a command frame as a bridge receives it: a
// DeviceCommand (its payload still encoded; see ParsePayload) or a
// BridgeCommand.
func DecodeCommand(data []byte) (Command, error) {
	var v struct {
		Type          string           `json:"type"`
		BridgeAddress *Address         `json:"bridge_address"`
		DeviceAddress *Address         `json:"device_address"`
		CommandID     *uint32          `json:"command_id"`
		BinaryPayload *string          `json:"binary_payload"`
		JSONPayload   *json.RawMessage `json:"json_payload"`
	}
	if err := json.Unmarshal(data, &v); err != nil {
		return nil, malformed("command: %v", err)
	}
	if v.BridgeAddress == nil || v.CommandID == nil {
		return nil, malformed("command: bridge_address and command_id are required")
	}
	switch v.Type {
	case "DeviceCommand":
		if v.DeviceAddress == nil || v.BinaryPayload == nil {
			return nil, malformed("DeviceCommand: device_address and binary_payload are required")
		}
		p, err := base64.StdEncoding.DecodeString(*v.BinaryPayload)
		if err != nil {
			return nil, malformed("DeviceCommand: binary_payload: %v", err)
		}
		return DeviceCommand{Bridge: *v.BridgeAddress, Device: *v.DeviceAddress, ID: *v.CommandID, Payload: p}, nil
	case "BridgeCommand":
		if v.JSONPayload == nil {
			return nil, malformed("BridgeCommand: json_payload is required")
		}
		var jp struct {
			Name   string            `json:"name"`
			Params map[string]string `json:"params"`
		}
		if err := json.Unmarshal(*v.JSONPayload, &jp); err != nil {
			return nil, malformed("BridgeCommand: json_payload: %v", err)
		}
		if jp.Name == "" {
			return nil, malformed("BridgeCommand: json_payload.name is required")
		}
		return BridgeCommand{Bridge: *v.BridgeAddress, ID: *v.CommandID, Name: jp.Name, Params: jp.Params}, nil
	}
	return nil, malformed("command: unknown type %q", v.Type)
}
