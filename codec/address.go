package codec

import (
	"encoding/binary"
	"fmt"
	"strconv"
)

// Address is a bridge or device address: 8 bytes, written as 16 hex digits
// (protocol.md, "Topology"), e.g. 000d6f0002ff7a91.
type Address uint64

// ParseAddress reads 16 hex digits, in either case.
func ParseAddress(s string) (Address, error) {
	if len(s) != 16 {
		return 0, malformed("address %q: want 16 hex digits, got %d characters", s, len(s))
	}
	v, err := strconv.ParseUint(s, 16, 64)
	if err != nil {
		return 0, malformed("address %q: not hex", s)
	}
	return Address(v), nil
}

// String gives the address as 16 lower-case hex digits.
func (a Address) String() string { return fmt.Sprintf("%016x", uint64(a)) }

// MarshalText writes the 16 hex digits.
func (a Address) MarshalText() ([]byte, error) { return []byte(a.String()), nil }

// UnmarshalText reads 16 hex digits.
func (a *Address) UnmarshalText(b []byte) error {
	v, err := ParseAddress(string(b))
	if err != nil {
		return err
	}
	*a = v
	return nil
}

// HardwareXor is the 24-bit value a claim code carries for a device address; a
// factory reset changes the address but not its hardware xor (protocol.md,
// "Claiming a printer"): the 8 address bytes reversed, then
// x0 = b0^b5, x1 = b1^b3^b6, x2 = b2^b4^b7.
func (a Address) HardwareXor() uint32 {
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], uint64(a))
	x0 := uint32(b[0] ^ b[5])
	x1 := uint32(b[1] ^ b[3] ^ b[6])
	x2 := uint32(b[2] ^ b[4] ^ b[7])
	return x2<<16 | x1<<8 | x0
}
