package golden

import "encoding/json"

// The formats of the vector files (see golden/README.md), one type a file.

// Claiming is claiming.json.
type Claiming struct {
	ClaimCodes []struct {
		HardwareXor uint32 `json:"hardware_xor"`
		Secret      uint64 `json:"secret"`
		ClaimCode   string `json:"claim_code"`
		LinkKey     string `json:"link_key_b64"` // without its trailing newline
	} `json:"claim_codes"`
	TypoTolerant []struct {
		Input       string `json:"input"`
		HardwareXor uint32 `json:"hardware_xor"`
		LinkKey     string `json:"link_key_b64"`
	} `json:"typo_tolerant"`
	Invalid []struct {
		Input  string `json:"input"`
		Reason string `json:"reason"` // checksum, character or length
	} `json:"invalid"`
	HardwareXor []struct {
		DeviceAddress string `json:"device_address"`
		HardwareXor   uint32 `json:"hardware_xor"`
	} `json:"hardware_xor"`
}

// CRC16Case is one case of crc16.json.
type CRC16Case struct {
	DataHex string `json:"data_hex"`
	CRC     uint16 `json:"crc"`
}

// RLECase is one case of rle.json.
type RLECase struct {
	Image      string `json:"image"`
	Width      int    `json:"width"`
	Height     int    `json:"height"`
	PixelCount int    `json:"pixel_count"`
	RLE        string `json:"rle_b64"` // compression byte, uint32 length, RLE bytes
}

// CommandCase is one case of commands.json.
type CommandCase struct {
	Image         string          `json:"image"`
	Images        []string        `json:"images"` // SetPersonality
	Command       string          `json:"command"`
	CommandCode   uint16          `json:"command_code"`
	ClaimCode     string          `json:"claim_code"` // AddDeviceEncryptionKey
	BridgeAddress string          `json:"bridge_address"`
	DeviceAddress string          `json:"device_address"`
	CommandID     uint32          `json:"command_id"`
	JSON          json.RawMessage `json:"json"`
}

// AllImages is the case's images, one or several.
func (c CommandCase) AllImages() []string {
	if c.Image != "" {
		return []string{c.Image}
	}
	return c.Images
}

// DecodeCase is one case of decode.json.
type DecodeCase struct {
	Input       string          `json:"input"`
	MessageType string          `json:"message_type"`
	Fields      json.RawMessage `json:"fields"`
}
