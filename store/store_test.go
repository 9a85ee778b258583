package store_test

import (
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"paperboy/internal/storetest"
	"paperboy/store"
)

func TestOpen_MigratesAndReopens(t *testing.T) {
	for _, kind := range storetest.Kinds {
		t.Run(kind, func(t *testing.T) {
			dsn := storetest.DSN(t, kind)
			ctx := t.Context()
			s, err := store.Open(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.CreateUser(ctx, "a@example.com"); err != nil {
				t.Fatal(err)
			}
			s.Close()
			// Opening again applies nothing and keeps the data.
			s, err = store.Open(ctx, dsn)
			if err != nil {
				t.Fatalf("reopen: %v", err)
			}
			defer s.Close()
			if _, err := s.UserByEmail(ctx, "a@example.com"); err != nil {
				t.Fatalf("after reopen: %v", err)
			}
		})
	}
}

func TestOpen_RefusesNewerSchema(t *testing.T) {
	for _, kind := range storetest.Kinds {
		t.Run(kind, func(t *testing.T) {
			dsn := storetest.DSN(t, kind)
			s, err := store.Open(t.Context(), dsn)
			if err != nil {
				t.Fatal(err)
			}
			if err := s.ExecForTest(t.Context(), `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, 'from the future', 0)`,
				store.SchemaVersion()+1); err != nil {
				t.Fatal(err)
			}
			s.Close()
			_, err = store.Open(t.Context(), dsn)
			if err == nil || !strings.Contains(err.Error(), "newer") {
				t.Fatalf("Open err=%v, want a refusal of the newer schema", err)
			}
		})
	}
}

func TestOpen_BadDSN(t *testing.T) {
	tests := []string{
		"postgres://x@localhost/db",
		"mysql://not a dsn",
		"mysql://user:pass@tcp(127.0.0.1:1)/",
	}
	for _, dsn := range tests {
		t.Run(dsn, func(t *testing.T) {
			if _, err := store.Open(t.Context(), dsn); err == nil {
				t.Fatal("Open succeeded")
			}
		})
	}
	// A SQLite path gets its folder made.
	dir := filepath.Join(t.TempDir(), "a", "b")
	s, err := store.Open(t.Context(), filepath.Join(dir, "p.db"))
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
}

func TestStore_Users(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		u, err := s.CreateUser(ctx, "ann@example.com")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreateUser(ctx, "ann@example.com"); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("second CreateUser err=%v, want ErrConflict", err)
		}
		if err := s.CreateToken(ctx, u.ID, "hash1", "cli"); err != nil {
			t.Fatal(err)
		}
		got, err := s.UserByTokenHash(ctx, "hash1")
		if err != nil || got.ID != u.ID {
			t.Fatalf("UserByTokenHash=%+v, %v", got, err)
		}
		if _, err := s.UserByTokenHash(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("unknown token err=%v, want ErrNotFound", err)
		}
	})
}

func TestStore_ReserveCommandIDs(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		// Concurrent reservations never overlap and never include 0.
		var mu sync.Mutex
		seen := map[uint32]bool{}
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				for range 10 {
					first, err := s.ReserveCommandIDs(ctx, 5)
					if err != nil {
						t.Error(err)
						return
					}
					mu.Lock()
					for id := first; id < first+5; id++ {
						if id == 0 || seen[id] {
							t.Errorf("id %d handed out twice or zero", id)
						}
						seen[id] = true
					}
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if len(seen) != 400 {
			t.Errorf("%d ids, want 400", len(seen))
		}
	})
}

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

func TestStore_Deliveries(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		u, _ := s.CreateUser(ctx, "d@example.com")
		p, err := s.Claim(ctx, store.Claim{UserID: u.ID, HardwareXor: 1, Secret: 2})
		if err != nil {
			t.Fatal(err)
		}
		var ids []int64
		for i := range 3 {
			d, err := s.CreateDelivery(ctx, store.NewDelivery{PrinterID: p.ID, Kind: "message", Command: 1, Payload: []byte{byte(i), 0xFF}})
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, d.ID)
		}
		next, err := s.NextDelivery(ctx, p.ID, time.Now())
		if err != nil || next.ID != ids[0] || string(next.Payload) != "\x00\xff" {
			t.Fatalf("NextDelivery=%+v, %v; want the oldest with its payload", next, err)
		}
		if err := s.MarkSent(ctx, next.ID, 77); err != nil {
			t.Fatal(err)
		}
		if err := s.MarkSent(ctx, next.ID, 78); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("MarkSent twice err=%v, want ErrNotFound", err)
		}
		if next, _ = s.NextDelivery(ctx, p.ID, time.Now()); next.ID != ids[1] {
			t.Fatalf("after one sent, next is %d, want %d", next.ID, ids[1])
		}
		if err := s.MarkAnswered(ctx, 77, 0); err != nil {
			t.Fatal(err)
		}
		if err := s.MarkPrinted(ctx, p.ID, 77); err != nil {
			t.Fatal(err)
		}
		if err := s.MarkPrinted(ctx, p.ID, 77); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("MarkPrinted twice err=%v, want ErrNotFound", err)
		}
		if err := s.MarkPrinted(ctx, p.ID, 12345); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("MarkPrinted of an unknown id err=%v, want ErrNotFound", err)
		}
		// Requeue with a back-off: not sent before its time.
		if err := s.MarkSent(ctx, ids[1], 79); err != nil {
			t.Fatal(err)
		}
		later := time.Now().Add(time.Hour)
		if err := s.Requeue(ctx, ids[1], later, 0x30, "busy"); err != nil {
			t.Fatal(err)
		}
		if next, _ = s.NextDelivery(ctx, p.ID, time.Now()); next.ID != ids[2] {
			t.Fatalf("next is %d, want %d while %d waits", next.ID, ids[2], ids[1])
		}
		if next, _ = s.NextDelivery(ctx, p.ID, later); next.ID != ids[1] {
			t.Fatalf("later, next is %d, want %d", next.ID, ids[1])
		}
		if err := s.MarkFailed(ctx, ids[2], 0x80, "invalid size"); err != nil {
			t.Fatal(err)
		}
		list, err := s.DeliveriesByPrinter(ctx, p.ID, 0, 10)
		if err != nil {
			t.Fatal(err)
		}
		want := []struct {
			id    int64
			state store.State
		}{{ids[2], store.StateFailed}, {ids[1], store.StatePending}, {ids[0], store.StatePrinted}}
		if len(list) != len(want) {
			t.Fatalf("%d deliveries, want %d", len(list), len(want))
		}
		for i, w := range want {
			if list[i].ID != w.id || list[i].State != w.state || list[i].Payload != nil {
				t.Errorf("delivery %d = %d %s, want %d %s without payload", i, list[i].ID, list[i].State, w.id, w.state)
			}
		}
		if list[0].Reason != "invalid size" || list[0].ReturnCode != 0x80 || list[2].PrintedAt.IsZero() || list[2].Attempts != 1 {
			t.Errorf("details: %+v / %+v", list[0], list[2])
		}
	})
}

func TestStore_PrintedBeforeAnswered(t *testing.T) {
	// The did-print event can be handled before the answer: both stick.
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		u, _ := s.CreateUser(ctx, "e@example.com")
		p, _ := s.Claim(ctx, store.Claim{UserID: u.ID, HardwareXor: 1, Secret: 2})
		d, _ := s.CreateDelivery(ctx, store.NewDelivery{PrinterID: p.ID, Kind: "message", Command: 1, Payload: []byte{1}})
		if err := s.MarkSent(ctx, d.ID, 5); err != nil {
			t.Fatal(err)
		}
		if err := s.MarkPrinted(ctx, p.ID, 5); err != nil {
			t.Fatal(err)
		}
		if err := s.MarkAnswered(ctx, 5, 0); err != nil {
			t.Fatalf("MarkAnswered after MarkPrinted: %v", err)
		}
		got, _ := s.DeliveryByID(ctx, d.ID)
		if got.State != store.StatePrinted || got.ReturnCode != 0 || got.AnsweredAt.IsZero() {
			t.Errorf("delivery %+v", got)
		}
	})
}

func TestStore_CreateDeliveries(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		u, _ := s.CreateUser(ctx, "b@example.com")
		p, _ := s.Claim(ctx, store.Claim{UserID: u.ID, HardwareXor: 1, Secret: 2})
		// More rows than one statement takes, with payloads that tell them apart.
		ns := make([]store.NewDelivery, 1203)
		for i := range ns {
			ns[i] = store.NewDelivery{PrinterID: p.ID, Kind: "edition", Command: 2, Payload: []byte{byte(i), byte(i >> 8)}}
		}
		ids, err := s.CreateDeliveries(ctx, ns)
		if err != nil {
			t.Fatal(err)
		}
		if len(ids) != len(ns) {
			t.Fatalf("%d ids for %d deliveries", len(ids), len(ns))
		}
		for _, i := range []int{0, 1, 499, 500, 501, 1202} {
			d, err := s.DeliveryByID(ctx, ids[i])
			if err != nil {
				t.Fatal(err)
			}
			if d.Payload[0] != byte(i) || d.Payload[1] != byte(i>>8) || d.State != store.StatePending {
				t.Fatalf("id %d (number %d) holds delivery %d", ids[i], i, int(d.Payload[0])|int(d.Payload[1])<<8)
			}
		}
	})
}

func TestStore_ExpireAndPrune(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		clock := time.Now()
		s.Now = func() time.Time { return clock }
		u, _ := s.CreateUser(ctx, "j@example.com")
		p, _ := s.Claim(ctx, store.Claim{UserID: u.ID, HardwareXor: 1, Secret: 2})
		mk := func(expires time.Time) int64 {
			d, err := s.CreateDelivery(ctx, store.NewDelivery{PrinterID: p.ID, Kind: "m", Command: 1, Payload: []byte{1}, ExpiresAt: expires})
			if err != nil {
				t.Fatal(err)
			}
			return d.ID
		}
		stale, fresh, never := mk(clock.Add(time.Hour)), mk(clock.Add(3*time.Hour)), mk(time.Time{})
		printed := mk(time.Time{})
		s.MarkSent(ctx, printed, 1)
		s.MarkPrinted(ctx, p.ID, 1)
		if n, err := s.ExpireDue(ctx, clock.Add(2*time.Hour)); err != nil || n != 1 {
			t.Fatalf("ExpireDue=%d, %v; want 1", n, err)
		}
		for id, want := range map[int64]store.State{stale: store.StateExpired, fresh: store.StatePending, never: store.StatePending, printed: store.StatePrinted} {
			if d, _ := s.DeliveryByID(ctx, id); d.State != want || (want == store.StateExpired && d.Reason == "") {
				t.Errorf("delivery %d is %s (%q), want %s", id, d.State, d.Reason, want)
			}
		}
		// Pruning takes the finished ones made before the time, not the open ones.
		if n, err := s.PruneDeliveries(ctx, clock.Add(time.Minute)); err != nil || n != 2 {
			t.Fatalf("PruneDeliveries=%d, %v; want 2 (expired and printed)", n, err)
		}
		if list, _ := s.DeliveriesByPrinter(ctx, p.ID, 0, 10); len(list) != 2 {
			t.Errorf("%d deliveries left, want the 2 pending", len(list))
		}
	})
}

func TestStore_CreateFailedDelivery(t *testing.T) {
	// An edition that could not be made is in the history with its reason,
	// and is never sent.
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		u, _ := s.CreateUser(ctx, "f@example.com")
		p, _ := s.Claim(ctx, store.Claim{UserID: u.ID, HardwareXor: 1, Secret: 2})
		d, err := s.CreateFailedDelivery(ctx, p.ID, "edition", "not printed: weather: the weather service cannot be reached")
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.DeliveryByID(ctx, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.State != store.StateFailed || got.Kind != "edition" || !strings.Contains(got.Reason, "cannot be reached") || got.Attempts != 0 {
			t.Fatalf("delivery %+v", got)
		}
		if next, err := s.NextDelivery(ctx, p.ID, time.Now()); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("NextDelivery = %+v, %v; want nothing to send", next, err)
		}
	})
}
