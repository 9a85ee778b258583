package codec

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"math"
	"strconv"
	"strings"
)

// inMessage is every field any bridge message has. Fields whose type depends
// on the message stay raw until the type is known, so an unknown message never
// fails on them.
type inMessage struct {
	Type          *string         `json:"type"`
	BridgeAddress *string         `json:"bridge_address"`
	DeviceAddress *string         `json:"device_address"`
	Timestamp     json.RawMessage `json:"timestamp"`
	JSONPayload   json.RawMessage `json:"json_payload"`
	BinaryPayload json.RawMessage `json:"binary_payload"`
	RSSIStats     json.RawMessage `json:"rssi_stats"`
	CommandID     json.RawMessage `json:"command_id"`
	ReturnCode    json.RawMessage `json:"return_code"`
	TransferTime  json.RawMessage `json:"transfer_time"`
	Records       json.RawMessage `json:"records"`
}

// DecodeMessage decodes one frame from a bridge. It never fails: input that
// is not a message protocol.md lists comes back as UnknownEvent or
// MalformedEvent.
func DecodeMessage(data []byte) Message {
	var in inMessage
	if !fastInMessage(data, &in) {
		in = inMessage{}
		if err := json.Unmarshal(data, &in); err != nil {
			return MalformedEvent{Err: malformed("not a JSON object: %v", err)}
		}
	}
	d := messageDecoder{in: &in}
	m := d.decode()
	if d.err != nil {
		return MalformedEvent{Bridge: d.bridge, Device: d.device, Err: d.err}
	}
	return m
}

// messageDecoder keeps the first error, so decode reads as a list of fields.
type messageDecoder struct {
	in     *inMessage
	err    error
	bridge Address
	device Address
}

func (d *messageDecoder) fail(format string, args ...any) {
	if d.err == nil {
		d.err = malformed(format, args...)
	}
}

func (d *messageDecoder) decode() Message {
	in := d.in
	if in.Type == nil {
		d.fail("no type")
		return nil
	}
	h := Header{Timestamp: lenientFloat(in.Timestamp)}
	if in.BridgeAddress != nil {
		a, err := ParseAddress(*in.BridgeAddress)
		if err == nil {
			h.Bridge, d.bridge = a, a
		} else if isKnownType(*in.Type) {
			d.fail("bridge_address: %v", errors.Unwrap(err))
		}
	} else if isKnownType(*in.Type) {
		d.fail("%s without bridge_address", *in.Type)
	}
	switch *in.Type {
	case "BridgeEvent":
		return d.bridgeEvent(h)
	case "DeviceEvent":
		dev := d.deviceAddress(*in.Type, in.DeviceAddress)
		payload := d.base64("binary_payload", in.BinaryPayload)
		if d.err != nil {
			return nil
		}
		ev, inv, err := DecodeEvent(payload)
		if errors.Is(err, ErrUnknownEvent) {
			return UnknownEvent{Header: h, Type: *in.Type, Device: dev, Code: EventCode(payload[0]) | EventCode(payload[1])<<8}
		}
		if err != nil {
			d.err = err
			return nil
		}
		return DeviceEvent{Header: h, Device: dev, RSSI: lenientInts(in.RSSIStats), InvocationID: inv, Event: ev}
	case "DeviceCommandResponse":
		return DeviceCommandResponse{
			Header:       h,
			Device:       d.deviceAddress(*in.Type, in.DeviceAddress),
			CommandID:    d.uint32("command_id", in.CommandID),
			ReturnCode:   d.returnCode(),
			TransferTime: lenientFloat(in.TransferTime),
			RSSI:         lenientInts(in.RSSIStats),
		}
	case "BridgeCommandResponse":
		return BridgeCommandResponse{Header: h, CommandID: d.uint32("command_id", in.CommandID), ReturnCode: d.returnCode()}
	case "BridgeLog":
		return BridgeLog{Header: h, Records: d.records()}
	}
	var dev Address
	if in.DeviceAddress != nil {
		dev, _ = ParseAddress(*in.DeviceAddress)
	}
	return UnknownEvent{Header: h, Type: *in.Type, Device: dev}
}

func isKnownType(t string) bool {
	switch t {
	case "BridgeEvent", "DeviceEvent", "DeviceCommandResponse", "BridgeCommandResponse", "BridgeLog":
		return true
	}
	return false
}

// Bridge event names (protocol.md, "BridgeEvent names").
const (
	eventPowerOn               = "power_on"
	eventDeviceConnect         = "device_connect"
	eventDeviceDisconnect      = "device_disconnect"
	eventEncryptionKeyRequired = "encryption_key_required"
)

type bridgeEventPayload struct {
	Name             *string         `json:"name"`
	DeviceAddress    *string         `json:"device_address"`
	Model            json.RawMessage `json:"model"`
	FirmwareVersion  json.RawMessage `json:"firmware_version"`
	NCPVersion       json.RawMessage `json:"ncp_version"`
	LocalIPAddress   json.RawMessage `json:"local_ip_address"`
	MACAddress       json.RawMessage `json:"mac_address"`
	Uptime           json.RawMessage `json:"uptime"`
	UBootEnvironment json.RawMessage `json:"uboot_environment"`
	NetworkInfo      json.RawMessage `json:"network_info"`
}

func (d *messageDecoder) bridgeEvent(h Header) Message {
	var p bridgeEventPayload
	if len(d.in.JSONPayload) == 0 {
		d.fail("BridgeEvent without json_payload")
		return nil
	}
	if err := json.Unmarshal(d.in.JSONPayload, &p); err != nil {
		d.fail("BridgeEvent json_payload: %v", err)
		return nil
	}
	if p.Name == nil {
		d.fail("BridgeEvent without json_payload.name")
		return nil
	}
	device := func() Address { return d.deviceAddress(*p.Name, p.DeviceAddress) }
	switch *p.Name {
	case eventPowerOn:
		return PowerOn{
			Header:           h,
			Model:            lenientString(p.Model),
			FirmwareVersion:  lenientString(p.FirmwareVersion),
			NCPVersion:       lenientString(p.NCPVersion),
			LocalIPAddress:   lenientString(p.LocalIPAddress),
			MACAddress:       lenientString(p.MACAddress),
			Uptime:           lenientString(p.Uptime),
			UBootEnvironment: lenientString(p.UBootEnvironment),
			NetworkInfo:      p.NetworkInfo,
		}
	case eventDeviceConnect:
		return DeviceConnect{Header: h, Device: device()}
	case eventDeviceDisconnect:
		return DeviceDisconnect{Header: h, Device: device()}
	case eventEncryptionKeyRequired:
		return EncryptionKeyRequired{Header: h, Device: device()}
	}
	var dev Address
	if p.DeviceAddress != nil {
		dev, _ = ParseAddress(*p.DeviceAddress)
	}
	return UnknownEvent{Header: h, Type: "BridgeEvent", Name: *p.Name, Device: dev}
}

// deviceAddress reads the device_address that message what must have.
func (d *messageDecoder) deviceAddress(what string, s *string) Address {
	if s == nil {
		d.fail("%s without device_address", what)
		return 0
	}
	a, err := ParseAddress(*s)
	if err != nil {
		d.fail("%s device_address: %v", what, errors.Unwrap(err))
	}
	d.device = a
	return a
}

func (d *messageDecoder) base64(name string, raw json.RawMessage) []byte {
	s, ok := fastString(raw)
	if !ok {
		if err := json.Unmarshal(raw, &s); err != nil || len(raw) == 0 {
			d.fail("%s: want a base64 string", name)
			return nil
		}
	}
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		if b, err2 := base64.RawStdEncoding.DecodeString(s); err2 == nil {
			return b
		}
		d.fail("%s: %v", name, err)
	}
	return b
}

func (d *messageDecoder) uint32(name string, raw json.RawMessage) uint32 {
	v, err := strconv.ParseUint(string(raw), 10, 32)
	if err != nil {
		d.fail("%s: want an integer from 0 to 4294967295, got %.40q", name, raw)
	}
	return uint32(v)
}

func (d *messageDecoder) returnCode() ReturnCode {
	v, err := strconv.ParseUint(string(d.in.ReturnCode), 10, 8)
	if err != nil {
		d.fail("return_code: want an integer from 0 to 255, got %.40q", d.in.ReturnCode)
	}
	return ReturnCode(v)
}

// records reads a BridgeLog's records; a record that is not as expected is
// kept as its JSON text, so no log line is lost.
func (d *messageDecoder) records() []LogRecord {
	var raw []json.RawMessage
	if err := json.Unmarshal(d.in.Records, &raw); err != nil {
		d.fail("BridgeLog records: want a list")
		return nil
	}
	out := make([]LogRecord, len(raw))
	for i, r := range raw {
		if err := json.Unmarshal(r, &out[i]); err != nil {
			out[i] = LogRecord{Message: validText(r)}
		}
	}
	return out
}

// lenientString gives a JSON string's value, or any other JSON as its text.
func lenientString(raw json.RawMessage) string {
	var s string
	if len(raw) == 0 || json.Unmarshal(raw, &s) == nil {
		return s
	}
	return validText(raw)
}

// validText is raw JSON as text, with any bytes that are not UTF-8 replaced
// (as encoding/json does when it writes them), so a message decoded from
// what it encodes is the same message.
func validText(raw json.RawMessage) string {
	return strings.ToValidUTF8(string(raw), "\uFFFD")
}

// lenientFloat gives a JSON number, or a string holding one; else 0.
func lenientFloat(raw json.RawMessage) float64 {
	f, ok := fastFloat(raw)
	if !ok && json.Unmarshal(raw, &f) != nil {
		f, _ = strconv.ParseFloat(lenientString(raw), 64)
	}
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return 0
	}
	return f
}

// lenientInts gives a JSON list of integers, else nil.
func lenientInts(raw json.RawMessage) []int {
	if v, ok := fastInts(raw); ok {
		return v
	}
	var v []int
	if json.Unmarshal(raw, &v) != nil {
		return nil
	}
	return v
}
