package core

import (
	"testing"
	"time"

	"paperboy/codec"
)

// TestPresence_Retouch: heartbeats taken for a write that failed are
// written by the next flush, not lost.
func TestPresence_Retouch(t *testing.T) {
	p := presence{timeout: time.Minute, maxDevices: 4, devices: map[codec.Address]*deviceState{}}
	c := &bridgeConn{}
	now := time.Unix(1000, 0)
	for _, dev := range []codec.Address{1, 2} {
		p.heard(c, dev, heardNormal, now)
		p.setHeld(dev)
	}
	taken := p.touches()
	if len(taken) != 2 {
		t.Fatalf("took %d heartbeats, want 2", len(taken))
	}
	if again := p.touches(); len(again) != 0 {
		t.Fatalf("took %d heartbeats twice", len(again))
	}
	p.retouch(taken) // the write failed
	if again := p.touches(); len(again) != 2 {
		t.Fatalf("after a failed write, %d heartbeats to write, want 2", len(again))
	}
}
