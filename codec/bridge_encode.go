package codec

import (
	"encoding/json"
	"fmt"
)

// outMessage is the frame a bridge sends, for EncodeMessage.
type outMessage struct {
	Type          string          `json:"type"`
	BridgeAddress Address         `json:"bridge_address"`
	DeviceAddress *Address        `json:"device_address,omitempty"`
	Timestamp     float64         `json:"timestamp"`
	JSONPayload   json.RawMessage `json:"json_payload,omitempty"`
	BinaryPayload []byte          `json:"binary_payload,omitempty"`
	RSSIStats     []int           `json:"rssi_stats,omitempty"`
	CommandID     *uint32         `json:"command_id,omitempty"`
	ReturnCode    *uint8          `json:"return_code,omitempty"`
	TransferTime  *float64        `json:"transfer_time,omitempty"`
	Records       *[]LogRecord    `json:"records,omitempty"`
}

type bridgeEventOut struct {
	Name             string          `json:"name"`
	DeviceAddress    *Address        `json:"device_address,omitempty"`
	Model            string          `json:"model,omitempty"`
	FirmwareVersion  string          `json:"firmware_version,omitempty"`
	NCPVersion       string          `json:"ncp_version,omitempty"`
	LocalIPAddress   string          `json:"local_ip_address,omitempty"`
	MACAddress       string          `json:"mac_address,omitempty"`
	Uptime           string          `json:"uptime,omitempty"`
	UBootEnvironment string          `json:"uboot_environment,omitempty"`
	NetworkInfo      json.RawMessage `json:"network_info,omitempty"`
}

// EncodeMessage writes m as a bridge sends it, the inverse of DecodeMessage:
// what the virtual printer uses. UnknownEvent and MalformedEvent cannot be
// encoded.
func EncodeMessage(m Message) ([]byte, error) {
	var out outMessage
	event := func(h Header, p bridgeEventOut) error {
		raw, err := json.Marshal(p)
		out = outMessage{Type: "BridgeEvent", BridgeAddress: h.Bridge, Timestamp: h.Timestamp, JSONPayload: raw}
		return err
	}
	var err error
	switch m := m.(type) {
	case PowerOn:
		info := m.NetworkInfo
		if len(info) > 0 && !json.Valid(info) {
			return nil, fmt.Errorf("codec: PowerOn network_info is not JSON")
		}
		err = event(m.Header, bridgeEventOut{
			Name: eventPowerOn, Model: m.Model, FirmwareVersion: m.FirmwareVersion, NCPVersion: m.NCPVersion,
			LocalIPAddress: m.LocalIPAddress, MACAddress: m.MACAddress, Uptime: m.Uptime,
			UBootEnvironment: m.UBootEnvironment, NetworkInfo: info,
		})
	case DeviceConnect:
		err = event(m.Header, bridgeEventOut{Name: eventDeviceConnect, DeviceAddress: &m.Device})
	case DeviceDisconnect:
		err = event(m.Header, bridgeEventOut{Name: eventDeviceDisconnect, DeviceAddress: &m.Device})
	case EncryptionKeyRequired:
		err = event(m.Header, bridgeEventOut{Name: eventEncryptionKeyRequired, DeviceAddress: &m.Device})
	case DeviceEvent:
		if m.Event == nil {
			return nil, fmt.Errorf("codec: DeviceEvent without an event")
		}
		out = outMessage{
			Type: "DeviceEvent", BridgeAddress: m.Bridge, DeviceAddress: &m.Device, Timestamp: m.Timestamp,
			BinaryPayload: EncodeEvent(m.Event, m.InvocationID), RSSIStats: m.RSSI,
		}
	case DeviceCommandResponse:
		rc := uint8(m.ReturnCode)
		out = outMessage{
			Type: "DeviceCommandResponse", BridgeAddress: m.Bridge, DeviceAddress: &m.Device, Timestamp: m.Timestamp,
			CommandID: &m.CommandID, ReturnCode: &rc, TransferTime: &m.TransferTime, RSSIStats: m.RSSI,
		}
	case BridgeCommandResponse:
		rc := uint8(m.ReturnCode)
		out = outMessage{Type: "BridgeCommandResponse", BridgeAddress: m.Bridge, Timestamp: m.Timestamp, CommandID: &m.CommandID, ReturnCode: &rc}
	case BridgeLog:
		records := m.Records
		if records == nil {
			records = []LogRecord{}
		}
		out = outMessage{Type: "BridgeLog", BridgeAddress: m.Bridge, Timestamp: m.Timestamp, Records: &records}
	default:
		return nil, fmt.Errorf("codec: cannot encode %T", m)
	}
	if err != nil {
		return nil, err
	}
	return json.Marshal(out)
}
