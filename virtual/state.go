package virtual

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"paperboy/codec"
)

// state is what the state file holds: who the bridge and its printers are.
type state struct {
	Bridge   codec.Address  `json:"bridge_address"`
	Printers []printerState `json:"printers"`
}

// printerState is one printer behind the bridge.
type printerState struct {
	Address codec.Address `json:"device_address"`
	Secret  secret        `json:"secret"`
	Paired  bool          `json:"paired"` // it got its link key
}

// claimCode is what the printer prints after a reset.
func (p printerState) claimCode() codec.ClaimCode {
	return codec.ClaimCode{HardwareXor: p.Address.HardwareXor(), Secret: uint64(p.Secret)}
}

// secret is the 40-bit secret of a claim code, written as 10 hex digits.
type secret uint64

const secretBits = 40

func (s secret) MarshalText() ([]byte, error) {
	return fmt.Appendf(nil, "%010x", uint64(s)), nil
}

func (s *secret) UnmarshalText(b []byte) error {
	v, err := strconv.ParseUint(string(b), 16, 64)
	if err != nil || len(b) != 10 || v>>secretBits != 0 {
		return fmt.Errorf("secret %q: want 10 hex digits", b)
	}
	*s = secret(v)
	return nil
}

// newState makes a bridge with n fresh printers.
func newState(n int) state {
	st := state{Bridge: randomAddress()}
	for range n {
		st.Printers = append(st.Printers, printerState{Address: st.freeAddress(0, false), Secret: randomSecret()})
	}
	return st
}

// freeAddress is a random address no one in st has; with keepXor, one whose
// hardware xor is xor.
func (st state) freeAddress(xor uint32, keepXor bool) codec.Address {
	for {
		a := randomAddress()
		if keepXor {
			a = withHardwareXor(a, xor)
		}
		if a != 0 && a != st.Bridge && st.index(a) < 0 {
			return a
		}
	}
}

// index is the position of the printer at addr, or -1.
func (st state) index(addr codec.Address) int {
	for i, p := range st.Printers {
		if p.Address == addr {
			return i
		}
	}
	return -1
}

func (st state) check() error {
	if st.Bridge == 0 {
		return errors.New("no bridge_address")
	}
	if len(st.Printers) == 0 {
		return errors.New("no printers")
	}
	seen := map[codec.Address]bool{st.Bridge: true}
	for i, p := range st.Printers {
		if p.Address == 0 || seen[p.Address] {
			return fmt.Errorf("printer %d: device_address %s is missing or repeated", i+1, p.Address)
		}
		seen[p.Address] = true
	}
	return nil
}

// loadState reads the state file, or reports an error that wraps
// fs.ErrNotExist if there is none.
func loadState(path string) (state, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return state{}, err
	}
	var st state
	if err := json.Unmarshal(data, &st); err != nil {
		return state{}, fmt.Errorf("virtual: state %s: %w", path, err)
	}
	if err := st.check(); err != nil {
		return state{}, fmt.Errorf("virtual: state %s: %w", path, err)
	}
	return st, nil
}

// saveState writes the state file atomically (a temporary file renamed over
// it), readable by its owner only: the secrets are the printers' keys.
func saveState(path string, st state) error {
	data, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	data = append(data, '\n')
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("virtual: state: %w", err)
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("virtual: state: %w", err)
	}
	defer os.Remove(f.Name()) // fails once renamed, as it should
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return fmt.Errorf("virtual: state: %w", err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("virtual: state: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("virtual: state: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("virtual: state: %w", err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("virtual: state: %w", err)
	}
	return nil
}

// randomAddress is a random, nonzero 8-byte address.
func randomAddress() codec.Address {
	for {
		var b [8]byte
		rand.Read(b[:]) // never fails (crypto/rand)
		if a := codec.Address(binary.LittleEndian.Uint64(b[:])); a != 0 {
			return a
		}
	}
}

// randomSecret is a random 40-bit secret.
func randomSecret() secret {
	var b [8]byte
	rand.Read(b[:5]) // never fails (crypto/rand)
	return secret(binary.LittleEndian.Uint64(b[:]))
}

// withHardwareXor changes the three low bytes of a (the first three of its
// little-endian form) so that its hardware xor is xor, keeping the other five
// (protocol.md, "Hardware xor": x0 = b0^b5, x1 = b1^b3^b6, x2 = b2^b4^b7).
// With five random bytes in, the address out has 40 random bits.
func withHardwareXor(a codec.Address, xor uint32) codec.Address {
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], uint64(a))
	b[0] = byte(xor) ^ b[5]
	b[1] = byte(xor>>8) ^ b[3] ^ b[6]
	b[2] = byte(xor>>16) ^ b[4] ^ b[7]
	return codec.Address(binary.LittleEndian.Uint64(b[:]))
}
