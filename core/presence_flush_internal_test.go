package core

import (
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"time"

	"paperboy/codec"
	"paperboy/internal/storetest"
	"paperboy/store"
)

// TestFlush_KeepsWhatFailed: a write of heartbeats that fails loses none.
// The batches written are marked so; the rest stay to be written, and the
// next flush writes them.
func TestFlush_KeepsWhatFailed(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	dsn := storetest.DSN(t, "sqlite")
	st, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	s := &Server{store: st, instance: "one"}
	s.presence.devices = map[codec.Address]*deviceState{}
	// Three batches and a bit.
	n := 3*store.TouchBatch + 10
	at := time.UnixMilli(1_700_000_000_000).UTC()
	for i := range n {
		addr := codec.Address(i + 1)
		if err := st.DeviceSeen(ctx, addr.String(), uint32(i), "00000000000000ff"); err != nil {
			t.Fatal(err)
		}
		s.presence.devices[addr] = &deviceState{lastHeard: at.Add(time.Duration(i) * time.Second), uptime: uint32(1000 + i),
			dirty: true, held: true, stored: true, online: true}
	}
	// The store refuses the batch holding one device: a trigger made by a
	// second connection to the same file.
	db, err := sql.Open("sqlite", strings.TrimPrefix(dsn, "sqlite:"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	const failing = 1000 + 2*store.TouchBatch
	if _, err := db.Exec(fmt.Sprintf(`CREATE TRIGGER fail_touch BEFORE UPDATE OF last_uptime ON devices
		WHEN NEW.last_uptime = %d BEGIN SELECT RAISE(ABORT, 'the disk is full'); END`, failing)); err != nil {
		t.Fatal(err)
	}
	if err := s.flush(ctx); err == nil || !strings.Contains(err.Error(), "the disk is full") {
		t.Fatalf("flush with the store failing: %v, want its error", err)
	}
	left, _ := s.presence.touches()
	if len(left) == 0 || (n-len(left))%store.TouchBatch != 0 {
		t.Fatalf("%d heartbeats left to write of %d, want those of the batch that failed and after", len(left), n)
	}
	found := false
	for _, l := range left {
		found = found || l.Uptime == failing
	}
	if !found {
		t.Fatal("the heartbeat whose batch failed is not left to write")
	}
	if _, err := db.Exec(`DROP TRIGGER fail_touch`); err != nil {
		t.Fatal(err)
	}
	if err := s.flush(ctx); err != nil {
		t.Fatal(err)
	}
	if left, _ := s.presence.touches(); len(left) != 0 {
		t.Fatalf("%d heartbeats left after a flush that worked", len(left))
	}
	for i := range n {
		d, err := st.DeviceByAddress(ctx, codec.Address(i+1).String())
		if err != nil {
			t.Fatal(err)
		}
		if want := at.Add(time.Duration(i) * time.Second); d.LastUptime != uint32(1000+i) || !d.LastSeenAt.Equal(want) {
			t.Fatalf("device %d: uptime %d, seen %v; want %d, %v", i, d.LastUptime, d.LastSeenAt, 1000+i, want)
		}
	}
}

// TestPresence_WrittenKeepsNewer: a heartbeat heard while the one before
// it was being written is still to be written.
func TestPresence_WrittenKeepsNewer(t *testing.T) {
	t.Parallel()
	var p presence
	p.devices = map[codec.Address]*deviceState{}
	at := time.UnixMilli(1_700_000_000_000)
	p.devices[1] = &deviceState{lastHeard: at, uptime: 5, dirty: true, held: true}
	p.devices[2] = &deviceState{lastHeard: at, uptime: 5, dirty: true, held: true}
	p.devices[3] = &deviceState{lastHeard: at, uptime: 5, dirty: true, held: true, awaitingKey: true} // not written
	p.devices[4] = &deviceState{lastHeard: at, uptime: 5, dirty: true}                                // held elsewhere
	ts, addrs := p.touches()
	if len(ts) != 2 {
		t.Fatalf("%d heartbeats to write, want 2: %v", len(ts), ts)
	}
	p.devices[2].lastHeard, p.devices[2].uptime = at.Add(time.Second), 6 // heard again meanwhile
	p.written(ts, addrs)
	ts, _ = p.touches()
	if len(ts) != 1 || ts[0].Address != codec.Address(2).String() || ts[0].Uptime != 6 {
		t.Fatalf("left to write: %v, want device 2's newer heartbeat alone", ts)
	}
}
