package codec

import "testing"

func TestCommandCode_IsDelivery(t *testing.T) {
	t.Parallel()
	tests := []struct {
		c    CommandCode
		want bool
	}{
		{SetDeliveryAndPrint, true},
		{SetDelivery, true},
		{SetDeliveryAndPrintNoFace, true},
		{SetDeliveryNoFace, true},
		{SetPersonality, false},
		{SetPersonalityWithMessage, false},
		{SetQuip, false},
		{FirmwareUpdate, false},
		{0x7777, false},
	}
	for _, tt := range tests {
		if got := tt.c.IsDelivery(); got != tt.want {
			t.Errorf("%v.IsDelivery() = %v, want %v", tt.c, got, tt.want)
		}
	}
}
