package store_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"paperboy/internal/storetest"
	"paperboy/store"
)

func TestStore_Claim(t *testing.T) {
	const xor = 0x123456
	type step struct {
		// "claim USER SECRET", "key ADDR" (a key request), "seen ADDR" (heard
		// from, with its key), "pair ADDR" (paired with its printer through
		// bridge ff).
		do     string
		device string // the device the claimed printer has after the step
		err    error  // the error a claim returns
		same   string // for claims: name of an earlier step's printer this must be
		name   string // the printer's name for later steps
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"claim before the printer calls home", []step{
			{do: "claim ann 1", device: "", name: "p"},
			{do: "key 00000000000000a1"},
			{do: "claim ann 1", device: "00000000000000a1", same: "p"}, // claimed again while the printer waits: attached
		}},
		{"claim after the printer calls home", []step{
			{do: "key 00000000000000a1"},
			{do: "claim ann 1", device: "00000000000000a1"},
		}},
		{"a device nobody has is attached even without a key request", []step{
			{do: "seen 00000000000000a1"},
			{do: "claim ann 1", device: "00000000000000a1"},
		}},
		{"a reset printer is found again by its owner", []step{
			{do: "key 00000000000000a1"},
			{do: "claim ann 1", device: "00000000000000a1", name: "p"},
			{do: "pair 00000000000000a1"},
			{do: "key 00000000000000b2"}, // reset: new address, same xor
			{do: "claim ann 2", device: "00000000000000b2", same: "p"},
		}},
		{"a device not yet paired goes to the newest code", []step{
			{do: "key 00000000000000a1"},
			{do: "claim ann 1", device: "00000000000000a1"},
			{do: "claim bob 2", device: "00000000000000a1"},
		}},
		{"a paired device never changes owner through a claim", []step{
			{do: "key 00000000000000a1"},
			{do: "claim ann 1", device: "00000000000000a1", name: "ann"},
			{do: "pair 00000000000000a1"},
			{do: "claim bob 2", device: ""}, // a code made up for the same hardware takes nothing
			{do: "key 00000000000000a1"},    // even if the device asks for its key again
			{do: "claim bob 3", device: ""},
		}},
		{"a spent code is refused to another account, and changes nothing for its own", []step{
			{do: "key 00000000000000a1"},
			{do: "claim ann 1", device: "00000000000000a1", name: "ann"},
			{do: "pair 00000000000000a1"},
			{do: "claim bob 1", err: store.ErrClaimSpent},
			{do: "key 00000000000000b2"}, // someone's device with the same xor asks
			{do: "claim ann 1", device: "00000000000000a1", same: "ann"},
		}},
		{"the old owner's code cannot take the reset printer back", []step{
			{do: "key 00000000000000a1"},
			{do: "claim ann 1", device: "00000000000000a1", name: "ann"},
			{do: "pair 00000000000000a1"},
			{do: "key 00000000000000b2"}, // reset and given to bob
			{do: "claim bob 2", device: "00000000000000b2"},
			{do: "pair 00000000000000b2"},
			{do: "claim ann 1", device: "00000000000000a1", same: "ann"},
			{do: "claim ann 9", device: "00000000000000a1"}, // a new code made up: bob's device stays his
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, s *store.Store) {
				ctx := t.Context()
				clock := time.Now()
				s.Now = func() time.Time { clock = clock.Add(time.Second); return clock }
				users := map[string]int64{}
				printers := map[string]int64{}
				for i, st := range tt.steps {
					var verb, a, b string
					parts := strings.Fields(st.do)
					verb, a = parts[0], parts[1]
					if len(parts) > 2 {
						b = parts[2]
					}
					switch verb {
					case "key":
						if err := s.DeviceKeyRequested(ctx, a, xor, "00000000000000ff"); err != nil {
							t.Fatal(err)
						}
					case "seen":
						if err := s.DeviceSeen(ctx, a, xor, "00000000000000ff"); err != nil {
							t.Fatal(err)
						}
					case "pair":
						p, err := s.PrinterByDevice(ctx, a)
						if err != nil {
							t.Fatalf("step %d: %v", i, err)
						}
						if _, err := s.ConfirmPairing(ctx, p.ID, a, "00000000000000ff"); err != nil {
							t.Fatalf("step %d: %v", i, err)
						}
					case "claim":
						if _, ok := users[a]; !ok {
							u, err := s.CreateUser(ctx, a+"@example.com")
							if err != nil {
								t.Fatal(err)
							}
							users[a] = u.ID
						}
						p, err := s.Claim(ctx, store.Claim{UserID: users[a], HardwareXor: xor, Secret: uint64(b[0])})
						if st.err != nil {
							if !errors.Is(err, st.err) {
								t.Fatalf("step %d (%s): err %v, want %v", i, st.do, err, st.err)
							}
							continue
						}
						if err != nil {
							t.Fatalf("step %d: %v", i, err)
						}
						if p.DeviceAddress != st.device {
							t.Fatalf("step %d (%s): printer device=%q, want %q", i, st.do, p.DeviceAddress, st.device)
						}
						if p.OwnerID != users[a] || p.HardwareXor != xor {
							t.Fatalf("step %d: printer %+v", i, p)
						}
						if st.same != "" && printers[st.same] != p.ID {
							t.Fatalf("step %d: printer %d, want the same as before (%d)", i, p.ID, printers[st.same])
						}
						if st.name != "" {
							printers[st.name] = p.ID
						}
					}
				}
			})
		})
	}
}

func TestStore_Pairing(t *testing.T) {
	const xor = 0x0A0B0C
	const bridge1, bridge2 = "00000000000000b1", "00000000000000b2"
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		clock := time.Now()
		s.Now = func() time.Time { clock = clock.Add(time.Second); return clock }
		ann, _ := s.CreateUser(ctx, "ann@example.com")
		bob, _ := s.CreateUser(ctx, "bob@example.com")
		if err := s.DeviceKeyRequested(ctx, "00000000000000a1", xor, bridge1); err != nil {
			t.Fatal(err)
		}
		p, err := s.Claim(ctx, store.Claim{UserID: ann.ID, HardwareXor: xor, Secret: 1})
		if err != nil || p.DeviceAddress != "00000000000000a1" {
			t.Fatalf("claim: %+v %v", p, err)
		}
		newest, err := s.NewestClaim(ctx, xor)
		if err != nil || newest.PrinterID != p.ID || newest.Secret != 1 {
			t.Fatalf("NewestClaim=%+v, %v", newest, err)
		}
		if before, err := s.ConfirmPairing(ctx, p.ID, "00000000000000a1", bridge1); err != nil || len(before) != 0 {
			t.Fatalf("ConfirmPairing=%v, %v", before, err)
		}
		if _, err := s.ConfirmPairing(ctx, p.ID, "00000000000000a1", bridge1); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("paired twice: %v, want ErrNotFound", err)
		}
		if _, err := s.NewestClaim(ctx, xor); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("NewestClaim of a spent code: %v, want ErrNotFound", err)
		}
		got, _ := s.PrinterByID(ctx, p.ID)
		if got.Device.PairedBridge != bridge1 || got.Device.ClaimID != newest.ID {
			t.Fatalf("paired printer %+v", got.Device)
		}
		key, err := s.PairedClaim(ctx, got.Device, p.ID)
		if err != nil || key.Secret != 1 {
			t.Fatalf("PairedClaim=%+v, %v", key, err)
		}
		// Behind another bridge: recorded once, confirmed by the owner.
		for i, want := range []bool{true, false} {
			if news, err := s.DeviceMoved(ctx, p.ID, "00000000000000a1", bridge2); err != nil || news != want {
				t.Fatalf("DeviceMoved #%d=%v, %v; want %v", i, news, err, want)
			}
		}
		if news, _ := s.DeviceMoved(ctx, p.ID, "00000000000000a1", bridge1); news {
			t.Error("its own bridge recorded as a move")
		}
		if err := s.ConfirmMove(ctx, p.ID, bridge1); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("confirmed a move to a bridge it was not seen behind: %v", err)
		}
		if err := s.ConfirmMove(ctx, p.ID, bridge2); err != nil {
			t.Fatal(err)
		}
		got, _ = s.PrinterByID(ctx, p.ID)
		if got.Device.PairedBridge != bridge2 || got.Device.MovedBridge != "" {
			t.Fatalf("after the move %+v", got.Device)
		}
		// Reset and given to bob: ann's printer is handed on.
		if err := s.DeviceKeyRequested(ctx, "00000000000000a2", xor, bridge2); err != nil {
			t.Fatal(err)
		}
		bobs, err := s.Claim(ctx, store.Claim{UserID: bob.ID, HardwareXor: xor, Secret: 2})
		if err != nil || bobs.DeviceAddress != "00000000000000a2" {
			t.Fatalf("bob's claim: %+v %v", bobs, err)
		}
		before, err := s.ConfirmPairing(ctx, bobs.ID, "00000000000000a2", bridge2)
		if err != nil || len(before) != 1 || before[0].PrinterID != p.ID || before[0].DeviceAddress != "00000000000000a1" {
			t.Fatalf("ConfirmPairing=%v, %v; want ann's printer", before, err)
		}
		if err := s.HandOn(ctx, p.ID); err != nil {
			t.Fatal(err)
		}
		got, _ = s.PrinterByID(ctx, p.ID)
		if got.HandedOnAt.IsZero() || got.DeviceAddress != "00000000000000a1" {
			t.Fatalf("ann's printer %+v", got)
		}
		events, err := s.PrinterEvents(ctx, p.ID, 10)
		if err != nil {
			t.Fatal(err)
		}
		var kinds []string
		for _, e := range events {
			kinds = append(kinds, e.Kind)
		}
		if want := []string{store.EventHandedOn, store.EventMoveConfirmed, store.EventMoved, store.EventPaired}; !slices.Equal(kinds, want) {
			t.Errorf("events %v, want %v", kinds, want)
		}
	})
}
