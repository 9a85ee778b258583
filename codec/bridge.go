package codec

import (
	"encoding/json"
	"fmt"
)

// Message is a decoded message from a bridge (protocol.md, "Messages from the
// bridge"): PowerOn, DeviceConnect, DeviceDisconnect, EncryptionKeyRequired,
// DeviceEvent, DeviceCommandResponse, BridgeCommandResponse, BridgeLog, or,
// for input that is not one of those, UnknownEvent or MalformedEvent.
type Message interface {
	// MessageType is the name golden/README.md gives the message.
	MessageType() string
	// Fields are the message's fields as golden/README.md names them, for
	// people and scripts (paperboy codec decode).
	Fields() map[string]any
}

// Header is what every bridge message carries.
type Header struct {
	Bridge    Address
	Timestamp float64 // unix seconds, as the bridge's clock has it; 0 if absent
}

// BridgeAddress is the bridge the message says it comes from: every message
// that embeds a Header has it.
func (h Header) BridgeAddress() Address { return h.Bridge }

// PowerOn is always the first message on a new socket, and is re-sent after
// socket trouble.
type PowerOn struct {
	Header
	Model            string
	FirmwareVersion  string
	NCPVersion       string
	LocalIPAddress   string
	MACAddress       string
	Uptime           string          // the bridge's /proc/uptime, e.g. "45.71 23.94"
	UBootEnvironment string          // base64, as sent
	NetworkInfo      json.RawMessage // an object, as sent
}

// DeviceConnect says a device joined the bridge.
type DeviceConnect struct {
	Header
	Device Address
}

// DeviceDisconnect says a device left; bridges often never send it.
type DeviceDisconnect struct {
	Header
	Device Address
}

// EncryptionKeyRequired is sent by a freshly reset device, about every 30 s,
// until it gets its link key.
type EncryptionKeyRequired struct {
	Header
	Device Address
}

// DeviceEvent is a binary event from a device (see DecodeEvent).
type DeviceEvent struct {
	Header
	Device       Address
	RSSI         []int // rssi_stats, as sent; nil if absent or not numbers
	InvocationID uint32
	Event        Event
}

// ReturnCode is the result a bridge reports for a command.
type ReturnCode uint8

// The return codes (protocol.md, "Command responses").
const (
	ReturnSuccess           ReturnCode = 0x00
	ReturnDeviceNotFound    ReturnCode = 0x01
	ReturnNetworkFailure    ReturnCode = 0x02
	ReturnInvalidSequence   ReturnCode = 0x20
	ReturnBusy              ReturnCode = 0x30
	ReturnInvalidSize       ReturnCode = 0x80
	ReturnInvalidDeviceType ReturnCode = 0x81
	ReturnFilesystemError   ReturnCode = 0x82
	ReturnFSInvalidID       ReturnCode = 0x90
	ReturnFSNoFreeHandles   ReturnCode = 0x91
	ReturnFSWriteError      ReturnCode = 0x92
	ReturnBridgeError       ReturnCode = 0xFF
)

var returnCodeText = map[ReturnCode]string{
	ReturnSuccess:           "success",
	ReturnDeviceNotFound:    "device not found",
	ReturnNetworkFailure:    "network failure",
	ReturnInvalidSequence:   "invalid sequence",
	ReturnBusy:              "busy",
	ReturnInvalidSize:       "invalid size",
	ReturnInvalidDeviceType: "invalid device type",
	ReturnFilesystemError:   "filesystem error",
	ReturnFSInvalidID:       "filesystem: invalid id",
	ReturnFSNoFreeHandles:   "filesystem: no free file handles",
	ReturnFSWriteError:      "filesystem write error",
	ReturnBridgeError:       "bridge error",
}

// String says what the code means, in words.
func (c ReturnCode) String() string {
	if s, ok := returnCodeText[c]; ok {
		return s
	}
	return fmt.Sprintf("unknown return code 0x%02x", uint8(c))
}

// DeviceCommandResponse answers a DeviceCommand.
type DeviceCommandResponse struct {
	Header
	Device       Address
	CommandID    uint32
	ReturnCode   ReturnCode
	TransferTime float64 // seconds
	RSSI         []int
}

// BridgeCommandResponse answers a BridgeCommand.
type BridgeCommandResponse struct {
	Header
	CommandID  uint32
	ReturnCode ReturnCode
}

// LogRecord is one Python logging record of a BridgeLog.
type LogRecord struct {
	Name      string  `json:"name"`
	Created   float64 `json:"created"`
	LevelName string  `json:"levelname"`
	Message   string  `json:"message"`
}

// BridgeLog carries the bridge's own log.
type BridgeLog struct {
	Header
	Records []LogRecord
}

// UnknownEvent is a well-formed message that protocol.md does not list: a new
// type, a new BridgeEvent name, or a new device event code. Log it, count it,
// keep the connection.
type UnknownEvent struct {
	Header
	Type   string    // the message type
	Name   string    // the BridgeEvent name, if Type is BridgeEvent
	Device Address   // if the message names one
	Code   EventCode // the device event code, if Type is DeviceEvent
}

// MalformedEvent is input that breaks the protocol: not a JSON object, a
// missing or mistyped field, a bad device event. Log it, count it, keep the
// connection.
type MalformedEvent struct {
	Bridge Address // if it could be read
	Device Address // if it could be read
	Err    error   // what is wrong; wraps ErrMalformed
}

func (PowerOn) MessageType() string               { return "PowerOn" }
func (DeviceConnect) MessageType() string         { return "DeviceConnect" }
func (DeviceDisconnect) MessageType() string      { return "DeviceDisconnect" }
func (EncryptionKeyRequired) MessageType() string { return "EncryptionKeyRequired" }
func (m DeviceEvent) MessageType() string         { return m.Event.MessageType() }
func (DeviceCommandResponse) MessageType() string { return "DeviceCommandResponse" }
func (BridgeCommandResponse) MessageType() string { return "BridgeCommandResponse" }
func (BridgeLog) MessageType() string             { return "BridgeLog" }
func (UnknownEvent) MessageType() string          { return "UnknownEvent" }
func (MalformedEvent) MessageType() string        { return "MalformedEvent" }

func (m PowerOn) Fields() map[string]any {
	return map[string]any{
		"bridge_address":   m.Bridge,
		"model":            m.Model,
		"firmware_version": m.FirmwareVersion,
		"ncp_version":      m.NCPVersion,
		"local_ip_address": m.LocalIPAddress,
		"mac_address":      m.MACAddress,
	}
}

func (m DeviceConnect) Fields() map[string]any {
	return map[string]any{"bridge_address": m.Bridge, "device_address": m.Device}
}

func (m DeviceDisconnect) Fields() map[string]any {
	return map[string]any{"bridge_address": m.Bridge, "device_address": m.Device}
}

func (m EncryptionKeyRequired) Fields() map[string]any {
	return map[string]any{"bridge_address": m.Bridge, "device_address": m.Device, "hardware_xor": m.Device.HardwareXor()}
}

// Fields of a device event: the device and the event's own fields; a
// heartbeat also names its bridge (golden/README.md).
func (m DeviceEvent) Fields() map[string]any {
	f := map[string]any{"device_address": m.Device}
	if _, ok := m.Event.(Heartbeat); ok {
		f["bridge_address"] = m.Bridge
	}
	m.Event.fields(f)
	return f
}

func (m DeviceCommandResponse) Fields() map[string]any {
	return map[string]any{"bridge_address": m.Bridge, "command_id": m.CommandID, "return_code": uint8(m.ReturnCode)}
}

func (m BridgeCommandResponse) Fields() map[string]any {
	return map[string]any{"bridge_address": m.Bridge, "command_id": m.CommandID, "return_code": uint8(m.ReturnCode)}
}

func (m BridgeLog) Fields() map[string]any {
	return map[string]any{"bridge_address": m.Bridge, "records": len(m.Records)}
}

func (UnknownEvent) Fields() map[string]any   { return map[string]any{} }
func (MalformedEvent) Fields() map[string]any { return map[string]any{} }

// Error says what is wrong with the input.
func (m MalformedEvent) Error() string { return m.Err.Error() }
