package codec

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"
)

func TestDecodeMessage_Malformed(t *testing.T) {
	tests := []struct{ name, input string }{
		{"empty", ``},
		{"not json", `hello`},
		{"array", `[1,2]`},
		{"string", `"BridgeEvent"`},
		{"null", `null`},
		{"no type", `{"bridge_address":"0000000000000001"}`},
		{"type not a string", `{"type":5}`},
		{"no bridge address", `{"type":"BridgeLog","records":[]}`},
		{"bad bridge address", `{"type":"BridgeLog","bridge_address":"xyz","records":[]}`},
		{"short bridge address", `{"type":"BridgeLog","bridge_address":"0001","records":[]}`},
		{"bridge event without payload", `{"type":"BridgeEvent","bridge_address":"0000000000000001"}`},
		{"bridge event payload not object", `{"type":"BridgeEvent","bridge_address":"0000000000000001","json_payload":[1]}`},
		{"device connect without device", `{"type":"BridgeEvent","bridge_address":"0000000000000001","json_payload":{"name":"device_connect"}}`},
		{"key required bad device", `{"type":"BridgeEvent","bridge_address":"0000000000000001","json_payload":{"name":"encryption_key_required","device_address":"zz"}}`},
		{"device event without payload", `{"type":"DeviceEvent","bridge_address":"0000000000000001","device_address":"0000000000000002"}`},
		{"device event bad base64", `{"type":"DeviceEvent","bridge_address":"0000000000000001","device_address":"0000000000000002","binary_payload":"!!"}`},
		{"device event payload number", `{"type":"DeviceEvent","bridge_address":"0000000000000001","device_address":"0000000000000002","binary_payload":5}`},
		{"device event short", `{"type":"DeviceEvent","bridge_address":"0000000000000001","device_address":"0000000000000002","binary_payload":"AQA="}`},
		{"response without id", `{"type":"DeviceCommandResponse","bridge_address":"0000000000000001","device_address":"0000000000000002","return_code":0}`},
		{"response negative id", `{"type":"BridgeCommandResponse","bridge_address":"0000000000000001","command_id":-1,"return_code":0}`},
		{"response id too big", `{"type":"BridgeCommandResponse","bridge_address":"0000000000000001","command_id":4294967296,"return_code":0}`},
		{"response id string", `{"type":"BridgeCommandResponse","bridge_address":"0000000000000001","command_id":"12","return_code":0}`},
		{"return code 256", `{"type":"BridgeCommandResponse","bridge_address":"0000000000000001","command_id":1,"return_code":256}`},
		{"log records not a list", `{"type":"BridgeLog","bridge_address":"0000000000000001","records":{}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := DecodeMessage([]byte(tt.input))
			me, ok := m.(MalformedEvent)
			if !ok {
				t.Fatalf("DecodeMessage=%#v, want MalformedEvent", m)
			}
			if !errors.Is(me.Err, ErrMalformed) || me.Error() == "" {
				t.Errorf("Err=%v, want a message wrapping ErrMalformed", me.Err)
			}
		})
	}
}

func TestDecodeMessage_Lenient(t *testing.T) {
	tests := []struct {
		name, input string
		want        Message
	}{
		{
			"unknown type needs no bridge",
			`{"type":"NewThing","command_id":"x"}`,
			UnknownEvent{Type: "NewThing"},
		},
		{
			"unknown bridge event keeps its device",
			`{"type":"BridgeEvent","bridge_address":"0000000000000001","timestamp":"2.5","json_payload":{"name":"firmware_update","device_address":"00000000000000AB"}}`,
			UnknownEvent{Header: Header{Bridge: 1, Timestamp: 2.5}, Type: "BridgeEvent", Name: "firmware_update", Device: 0xAB},
		},
		{
			"power on with odd fields",
			`{"type":"BridgeEvent","bridge_address":"0000000000000001","timestamp":null,"json_payload":{"name":"power_on","model":7,"uptime":1.5}}`,
			PowerOn{Header: Header{Bridge: 1}, Model: "7", Uptime: "1.5"},
		},
		{
			"log record of another shape",
			`{"type":"BridgeLog","bridge_address":"0000000000000001","timestamp":1,"records":["plain", {"message":"m","levelname":"INFO"}]}`,
			BridgeLog{Header: Header{Bridge: 1, Timestamp: 1}, Records: []LogRecord{{Message: `"plain"`}, {Message: "m", LevelName: "INFO"}}},
		},
		{
			"rssi not numbers, timestamp NaN",
			`{"type":"DeviceEvent","bridge_address":"0000000000000001","device_address":"0000000000000002","timestamp":"NaN","rssi_stats":"x","binary_payload":"AQAAAAAABAAAABQAAAA"}`,
			DeviceEvent{Header: Header{Bridge: 1}, Device: 2, Event: Heartbeat{Uptime: 20}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := DecodeMessage([]byte(tt.input)); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("DecodeMessage=%#v\nwant          %#v", got, tt.want)
			}
		})
	}
}

func TestMessage_RoundTrip(t *testing.T) {
	h := Header{Bridge: 0x000d6f0002ff7a91, Timestamp: 1426256547.5}
	tests := []Message{
		PowerOn{Header: h, Model: "A", FirmwareVersion: "v2.3.1", NCPVersion: "0x46C5", LocalIPAddress: "192.168.1.98",
			MACAddress: "40:d8:55:01:c1:b3", Uptime: "45.71 23.94", UBootEnvironment: "dHJ1bmNhdGVk", NetworkInfo: json.RawMessage(`{"channel":11}`)},
		DeviceConnect{Header: h, Device: 7},
		DeviceDisconnect{Header: h, Device: 7},
		EncryptionKeyRequired{Header: h, Device: 0x0e492e540913f1a2},
		DeviceEvent{Header: h, Device: 7, RSSI: []int{-20, -20, -19}, InvocationID: 3, Event: Heartbeat{Uptime: 20}},
		DeviceEvent{Header: h, Device: 7, Event: DidPrint{PrintType: PrintDelivery, PrintID: 99}},
		DeviceCommandResponse{Header: h, Device: 7, CommandID: 12, ReturnCode: ReturnBusy, TransferTime: 3.43, RSSI: []int{-1, -2, -3}},
		BridgeCommandResponse{Header: h, CommandID: 14, ReturnCode: ReturnSuccess},
		BridgeLog{Header: h, Records: []LogRecord{{Name: "cloud.socket", Created: 1.5, LevelName: "ERROR", Message: "refused"}}},
		BridgeLog{Header: h, Records: []LogRecord{}},
	}
	for _, m := range tests {
		t.Run(m.MessageType(), func(t *testing.T) {
			b, err := EncodeMessage(m)
			if err != nil {
				t.Fatal(err)
			}
			got := DecodeMessage(b)
			if !reflect.DeepEqual(got, m) {
				t.Errorf("DecodeMessage(EncodeMessage(m))=%#v\nwant %#v\nframe %s", got, m, b)
			}
		})
	}
	for _, m := range []Message{UnknownEvent{}, MalformedEvent{}, DeviceEvent{}} {
		if _, err := EncodeMessage(m); err == nil {
			t.Errorf("EncodeMessage(%T) succeeded, want an error", m)
		}
	}
}

func TestReturnCode_String(t *testing.T) {
	tests := []struct {
		code ReturnCode
		want string
	}{
		{ReturnSuccess, "success"},
		{ReturnBusy, "busy"},
		{ReturnInvalidSize, "invalid size"},
		{ReturnFSNoFreeHandles, "filesystem: no free file handles"},
		{0x55, "unknown return code 0x55"},
	}
	for _, tt := range tests {
		if got := tt.code.String(); got != tt.want {
			t.Errorf("ReturnCode(%d)=%q, want %q", tt.code, got, tt.want)
		}
	}
}

func TestDecodeCommand_Errors(t *testing.T) {
	tests := []struct{ name, input string }{
		{"not json", `x`},
		{"no bridge", `{"type":"DeviceCommand","command_id":1,"device_address":"0000000000000001","binary_payload":""}`},
		{"no payload", `{"type":"DeviceCommand","bridge_address":"0000000000000001","command_id":1,"device_address":"0000000000000001"}`},
		{"bad base64", `{"type":"DeviceCommand","bridge_address":"0000000000000001","command_id":1,"device_address":"0000000000000001","binary_payload":"%"}`},
		{"no name", `{"type":"BridgeCommand","bridge_address":"0000000000000001","command_id":1,"json_payload":{"params":{}}}`},
		{"other type", `{"type":"PowerOn","bridge_address":"0000000000000001","command_id":1}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := DecodeCommand([]byte(tt.input)); !errors.Is(err, ErrMalformed) {
				t.Fatalf("err=%v, want ErrMalformed", err)
			}
		})
	}
}
