package store_test

import (
	"fmt"
	"math/rand/v2"
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
// devices, one statement) among 20,000 devices, in address order as a
// flush writes them: how long one batch holds the writer. The devices
// called home first in no order of their addresses, as a city's do.
//
//	go test ./store -run x -bench TouchDevices
func BenchmarkTouchDevices(b *testing.B) {
	for _, kind := range storetest.Kinds {
		b.Run(kind, func(b *testing.B) {
			ctx := b.Context()
			s := storetest.Open(b, kind)
			const devices = 20_000
			for _, i := range rand.New(rand.NewPCG(1, 2)).Perm(devices) {
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

// TestStore_MigrateDevicesByAddress: SQLite's devices table, rebuilt in
// address order (migration 0013), keeps every device and every column.
func TestStore_MigrateDevicesByAddress(t *testing.T) {
	for _, kind := range storetest.Kinds {
		t.Run(kind, func(t *testing.T) {
			ctx := t.Context()
			s, err := store.OpenAtVersion(ctx, storetest.DSN(t, kind), 12)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			// Every column set, on devices recorded out of address order.
			const cols = `address, hardware_xor, bridge_address, device_type, firmware_build, loader_build, protocol_version,
				reset_description, last_uptime, first_seen_at, last_seen_at, key_requested_at, claim_id, paired_bridge,
				paired_at, moved_bridge, moved_at, seen_by`
			for _, i := range []int{3, 1, 2} {
				err := s.ExecForTest(ctx, `INSERT INTO devices (`+cols+`) VALUES (?, ?, 'b0', 2, 'fw', 'ld', 1, 3, ?, 1000, 2000, 3000, ?, 'b1', 4000, 'b2', 5000, 'one')`,
					fmt.Sprintf("%016x", i), 70+i, 100+i, 10+i)
				if err != nil {
					t.Fatal(err)
				}
			}
			if err := s.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			for _, i := range []int{1, 2, 3} {
				d, err := s.DeviceByAddress(ctx, fmt.Sprintf("%016x", i))
				if err != nil {
					t.Fatal(err)
				}
				ms := func(at time.Time) int64 { return at.UnixMilli() }
				if d.HardwareXor != uint32(70+i) || d.BridgeAddress != "b0" || d.DeviceType != 2 || d.FirmwareBuild != "fw" || d.LoaderBuild != "ld" ||
					d.ProtocolVersion != 1 || d.ResetDescription != 3 || d.LastUptime != uint32(100+i) || ms(d.FirstSeenAt) != 1000 ||
					ms(d.LastSeenAt) != 2000 || ms(d.KeyRequestedAt) != 3000 || d.ClaimID != int64(10+i) || d.PairedBridge != "b1" ||
					ms(d.PairedAt) != 4000 || d.MovedBridge != "b2" || ms(d.MovedAt) != 5000 || d.SeenBy != "one" {
					t.Errorf("device %d after the migration: %+v", i, d)
				}
			}
			if n, err := s.CountForTest(ctx, `SELECT COUNT(*) FROM devices WHERE hardware_xor = 72`); err != nil || n != 1 {
				t.Errorf("devices by hardware xor: %d, %v", n, err)
			}
		})
	}
}
