package virtual

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"paperboy/codec"
)

func TestNew_StateSurvives(t *testing.T) {
	cfg := testConfig(t, "ws://127.0.0.1:1/api/v1/connection")
	cfg.Printers = 3
	first := mustNew(t, cfg)
	info, err := os.Stat(cfg.StatePath)
	if err != nil {
		t.Fatal(err)
	}
	if mode := info.Mode().Perm(); mode != 0o600 {
		t.Errorf("state file mode %v, want 0600", mode)
	}
	if n := len(first.Devices()); n != 3 {
		t.Fatalf("%d printers, want 3", n)
	}

	cfg.Printers = 1 // a bridge read from its file keeps its printers
	again := mustNew(t, cfg)
	if again.Address() != first.Address() {
		t.Errorf("bridge address %s, then %s", first.Address(), again.Address())
	}
	if !reflect.DeepEqual(again.Devices(), first.Devices()) {
		t.Errorf("devices %+v, then %+v", first.Devices(), again.Devices())
	}
	seen := map[codec.Address]bool{first.Address(): true}
	for _, d := range first.Devices() {
		if seen[d.Address] {
			t.Errorf("address %s used twice", d.Address)
		}
		seen[d.Address] = true
		if d.Paired || d.ClaimCode.HardwareXor != d.Address.HardwareXor() || d.ClaimCode.Secret>>40 != 0 {
			t.Errorf("fresh printer %+v", d)
		}
	}
	// Only the state file is in its folder: the temporary file is gone.
	if entries, _ := os.ReadDir(filepath.Dir(cfg.StatePath)); len(entries) != 2 { // state.json and prints/
		t.Errorf("state folder holds %d entries, want the state file and the prints folder", len(entries))
	}
}

func TestNew_InMemory(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	a := mustNew(t, Config{URL: "ws://localhost/api/v1/connection"})
	b := mustNew(t, Config{URL: "ws://localhost/api/v1/connection"})
	if a.Address() == b.Address() {
		t.Error("two new bridges have the same address")
	}
	if len(a.Devices()) != 1 {
		t.Errorf("%d printers, want the default 1", len(a.Devices()))
	}
	if err := a.Reset(0); err != nil {
		t.Fatal(err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("a bridge without StatePath wrote %d files", len(entries))
	}
}

func TestNew_Errors(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	const url = "ws://localhost/api/v1/connection"
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"no URL", Config{}, "URL"},
		{"http URL", Config{URL: "http://localhost/"}, "URL"},
		{"negative printers", Config{URL: url, Printers: -1}, "negative"},
		{"negative delay", Config{URL: url, AnswerDelay: -1}, "negative"},
		{"state not JSON", Config{URL: url, StatePath: write("a.json", "{")}, "a.json"},
		{"state without printers", Config{URL: url, StatePath: write("b.json", `{"bridge_address":"000d6f0002ff7a91","printers":[]}`)}, "no printers"},
		{"state with a bad secret", Config{URL: url, StatePath: write("c.json", `{"bridge_address":"000d6f0002ff7a91","printers":[{"device_address":"0e492e540913f1a2","secret":"ffffffffffff"}]}`)}, "secret"},
		{"state with a printer twice", Config{URL: url, StatePath: write("d.json", `{"bridge_address":"000d6f0002ff7a91","printers":[{"device_address":"0e492e540913f1a2","secret":"0000000001"},{"device_address":"0e492e540913f1a2","secret":"0000000002"}]}`)}, "repeated"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("New: %v, want an error about %q", err, tt.want)
			}
		})
	}
}

func TestWithHardwareXor(t *testing.T) {
	for i := range 1000 {
		a, xor := randomAddress(), uint32(randomAddress())&0xFFFFFF
		if i == 0 {
			a, xor = 0x0e492e540913f1a2, 0 // an all-zero xor too
		}
		got := withHardwareXor(a, xor)
		if got.HardwareXor() != xor {
			t.Fatalf("withHardwareXor(%s, %06x) = %s, whose hardware xor is %06x", a, xor, got, got.HardwareXor())
		}
		if uint64(got)>>24 != uint64(a)>>24 {
			t.Fatalf("withHardwareXor(%s, %06x) = %s changed more than the three low bytes", a, xor, got)
		}
	}
}
