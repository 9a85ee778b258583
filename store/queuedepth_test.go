package store_test

import (
	"fmt"
	"testing"
	"time"

	"paperboy/internal/storetest"
	"paperboy/store"
)

func TestStore_QueueDepths(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		got, err := s.QueueDepths(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := []store.QueueDepth{{State: store.StatePending}, {State: store.StateSent}}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("empty: QueueDepths=%v, want %v", got, want)
		}
		u, _ := s.CreateUser(ctx, "q@example.com")
		p, err := s.Claim(ctx, store.Claim{UserID: u.ID, HardwareXor: 1, Secret: 2})
		if err != nil {
			t.Fatal(err)
		}
		start := time.UnixMilli(1_700_000_000_000).UTC()
		var ids []int64
		for i := range 5 {
			s.Now = func() time.Time { return start.Add(time.Duration(i) * time.Minute) }
			d, err := s.CreateDelivery(ctx, store.NewDelivery{PrinterID: p.ID, Kind: "message", Command: 1, Payload: []byte{1}})
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, d.ID)
		}
		// The first printed (finished: not counted), the second and third
		// sent, the rest pending.
		for i, id := range ids[:3] {
			if err := s.MarkSent(ctx, id, uint32(100+i)); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.MarkPrinted(ctx, p.ID, 100); err != nil {
			t.Fatal(err)
		}
		got, err = s.QueueDepths(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want = []store.QueueDepth{
			{State: store.StatePending, Count: 2, Oldest: start.Add(3 * time.Minute)},
			{State: store.StateSent, Count: 2, Oldest: start.Add(time.Minute)},
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("QueueDepths=%v, want %v", got, want)
		}
	})
}

func TestStore_TouchDevices(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		// More than a batch, so that it takes several statements; one
		// device never recorded, skipped.
		n := store.TouchBatch + 7
		at := time.UnixMilli(1_700_000_000_000).UTC()
		var touches []store.DeviceTouch
		for i := range n {
			addr := fmt.Sprintf("%016x", i+1)
			if err := s.DeviceKeyRequested(ctx, addr, uint32(i), "00000000000000ff"); err != nil {
				t.Fatal(err)
			}
			touches = append(touches, store.DeviceTouch{Address: addr, Uptime: uint32(1000 + i), SeenAt: at.Add(time.Duration(i) * time.Second)})
		}
		touches = append(touches, store.DeviceTouch{Address: "00000000deadbeef", Uptime: 1, SeenAt: at})
		if err := s.TouchDevices(ctx, "one", touches); err != nil {
			t.Fatal(err)
		}
		for _, i := range []int{0, 1, store.TouchBatch - 1, store.TouchBatch, n - 1} {
			d, err := s.DeviceByAddress(ctx, touches[i].Address)
			if err != nil {
				t.Fatal(err)
			}
			// A touch holds nothing (HoldDevice does, when a socket speaks
			// for a device): a flush after a release must not take it back.
			if d.LastUptime != touches[i].Uptime || !d.LastSeenAt.Equal(touches[i].SeenAt) || d.SeenBy != "" || !d.KeyRequestedAt.IsZero() {
				t.Errorf("device %d: uptime %d, seen %v by %q, key asked %v; want %d, %v held by none, no key asked",
					i, d.LastUptime, d.LastSeenAt, d.SeenBy, d.KeyRequestedAt, touches[i].Uptime, touches[i].SeenAt)
			}
		}
		if _, err := s.DeviceByAddress(ctx, "00000000deadbeef"); err == nil {
			t.Error("a device never recorded was added by a touch")
		}
		// A device another instance holds now is not touched by one that
		// heard it before (its last heartbeats, flushed late).
		if ok, err := s.HoldDevice(ctx, touches[0].Address, "two", at); err != nil || !ok {
			t.Fatalf("hold: %v, %v", ok, err)
		}
		late := store.DeviceTouch{Address: touches[0].Address, Uptime: 1, SeenAt: at.Add(time.Hour)}
		if err := s.TouchDevices(ctx, "one", []store.DeviceTouch{late}); err != nil {
			t.Fatal(err)
		}
		if d, _ := s.DeviceByAddress(ctx, late.Address); d.SeenBy != "two" || d.LastUptime == 1 {
			t.Errorf("a late touch from another instance: held by %q, uptime %d", d.SeenBy, d.LastUptime)
		}
		if err := s.TouchDevices(ctx, "one", nil); err != nil {
			t.Errorf("no touches: %v", err)
		}
	})
}

// BenchmarkTouchDevices writes one batch of heartbeats (TouchBatch
// devices, one statement) among 20,000 devices: how long one batch holds
// the writer.
//
//	go test ./store -run x -bench TouchDevices
func BenchmarkTouchDevices(b *testing.B) {
	for _, kind := range storetest.Kinds {
		b.Run(kind, func(b *testing.B) {
			ctx := b.Context()
			s := storetest.Open(b, kind)
			const devices = 20_000
			for i := range devices {
				if err := s.DeviceSeen(ctx, fmt.Sprintf("%016x", i+1), uint32(i), "00000000000000ff"); err != nil {
					b.Fatal(err)
				}
			}
			touches := make([]store.DeviceTouch, store.TouchBatch)
			at := time.Now()
			b.ResetTimer()
			for n := 0; b.Loop(); n++ {
				for i := range touches {
					touches[i] = store.DeviceTouch{Address: fmt.Sprintf("%016x", (n*store.TouchBatch+i)%devices+1), Uptime: uint32(n), SeenAt: at}
				}
				if err := s.TouchDevices(ctx, "bench", touches); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
