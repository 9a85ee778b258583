package codec

import (
	"encoding/base64"
	"encoding/hex"
	"errors"
	"testing"

	"paperboy/internal/golden"
)

func linkKeyB64(c ClaimCode) string {
	k := c.LinkKey()
	return base64.StdEncoding.EncodeToString(k[:])
}

func TestGolden_Claiming(t *testing.T) {
	var v golden.Claiming
	golden.Load(t, "claiming.json", &v)
	t.Run("claim_codes", func(t *testing.T) {
		for _, tc := range v.ClaimCodes {
			t.Run(tc.ClaimCode, func(t *testing.T) {
				c := ClaimCode{HardwareXor: tc.HardwareXor, Secret: tc.Secret}
				if got, want := c.String(), tc.ClaimCode; got != want {
					t.Errorf("String()=%q, want %q", got, want)
				}
				parsed, err := ParseClaimCode(tc.ClaimCode)
				if err != nil {
					t.Fatalf("ParseClaimCode: %v", err)
				}
				if parsed != c {
					t.Errorf("ParseClaimCode=%+v, want %+v", parsed, c)
				}
				if got, want := linkKeyB64(parsed), tc.LinkKey; got != want {
					t.Errorf("link key=%s, want %s", got, want)
				}
				if got, want := parsed.LinkKeyBase64(), tc.LinkKey+"\n"; got != want {
					t.Errorf("LinkKeyBase64=%q, want %q", got, want)
				}
			})
		}
	})
	t.Run("typo_tolerant", func(t *testing.T) {
		for _, tc := range v.TypoTolerant {
			t.Run(tc.Input, func(t *testing.T) {
				c, err := ParseClaimCode(tc.Input)
				if err != nil {
					t.Fatalf("ParseClaimCode: %v", err)
				}
				if got, want := c.HardwareXor, tc.HardwareXor; got != want {
					t.Errorf("hardware xor=%d, want %d", got, want)
				}
				if got, want := linkKeyB64(c), tc.LinkKey; got != want {
					t.Errorf("link key=%s, want %s", got, want)
				}
			})
		}
	})
	t.Run("invalid", func(t *testing.T) {
		for _, tc := range v.Invalid {
			t.Run(tc.Input, func(t *testing.T) {
				_, err := ParseClaimCode(tc.Input)
				var ce *ClaimCodeError
				if !errors.As(err, &ce) {
					t.Fatalf("ParseClaimCode(%q) err=%v, want a ClaimCodeError", tc.Input, err)
				}
				if got, want := ce.Reason, tc.Reason; got != want {
					t.Errorf("reason=%q (%v), want %q", got, err, want)
				}
				if !errors.Is(err, ErrMalformed) {
					t.Errorf("err=%v does not wrap ErrMalformed", err)
				}
			})
		}
	})
	t.Run("hardware_xor", func(t *testing.T) {
		for _, tc := range v.HardwareXor {
			t.Run(tc.DeviceAddress, func(t *testing.T) {
				a, err := ParseAddress(tc.DeviceAddress)
				if err != nil {
					t.Fatal(err)
				}
				if got, want := a.HardwareXor(), tc.HardwareXor; got != want {
					t.Errorf("HardwareXor=%d, want %d", got, want)
				}
			})
		}
	})
	t.Logf("claiming.json: %d claim codes, %d typo-tolerant, %d invalid, %d hardware xor cases",
		len(v.ClaimCodes), len(v.TypoTolerant), len(v.Invalid), len(v.HardwareXor))
}

func TestGolden_CRC16(t *testing.T) {
	var cases []golden.CRC16Case
	golden.Load(t, "crc16.json", &cases)
	for _, tc := range cases {
		t.Run(tc.DataHex, func(t *testing.T) {
			data, err := hex.DecodeString(tc.DataHex)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := CRC16(data), tc.CRC; got != want {
				t.Errorf("CRC16=%d, want %d", got, want)
			}
		})
	}
	t.Logf("crc16.json: %d cases", len(cases))
}

func TestParseClaimCode_Errors(t *testing.T) {
	tests := []struct {
		input, reason string
	}{
		{"n5ry-p6x6-kth7-7hc44", ClaimReasonLength},
		{"n5ry-p6x6-kth7-7hc", ClaimReasonLength},
		{"n5ry-p6x6-kth7-7hc!", ClaimReasonCharacter},
		{"n5ry-p6x6-kth7-7hcé", ClaimReasonCharacter},
		{"----", ClaimReasonLength},
		{"n5ry p6x6 kth7 7hc5", ClaimReasonChecksum},
	}
	for _, tt := range tests {
		t.Run(tt.input, func(t *testing.T) {
			_, err := ParseClaimCode(tt.input)
			var ce *ClaimCodeError
			if !errors.As(err, &ce) || ce.Reason != tt.reason {
				t.Fatalf("err=%v, want reason %q", err, tt.reason)
			}
		})
	}
}
