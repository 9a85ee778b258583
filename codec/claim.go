package codec

import (
	"crypto/aes"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"strings"
)

// claimAlphabet holds the 32 symbols of a claim code, value order
// (protocol.md, "Claiming a printer"): no a, i, l, u.
const claimAlphabet = "0123456789bcdefghjkmnopqrstvwxyz"

// claimSymbols maps a lower-case input byte to its 5-bit value, or -1.
// The slips people make are forgiven: i and l read as 1, u as v.
var claimSymbols = func() [256]int8 {
	var t [256]int8
	for i := range t {
		t[i] = -1
	}
	for v, c := range []byte(claimAlphabet) {
		t[c] = int8(v)
		if c >= 'a' && c <= 'z' {
			t[c-'a'+'A'] = int8(v)
		}
	}
	for _, slip := range [...]struct{ from, to byte }{{'i', '1'}, {'l', '1'}, {'u', 'v'}} {
		t[slip.from] = t[slip.to]
		t[slip.from-'a'+'A'] = t[slip.to]
	}
	return t
}()

// linkKeySalt is the first block of the link key's Matyas–Meyer–Oseas hash.
var linkKeySalt = [16]byte{0x38, 0x96, 0x10, 0xd9, 0xb6, 0xb1, 0x0d, 0x16, 0x9e, 0xe9, 0xbf, 0x87, 0x95, 0x32, 0x62, 0x5b}

// ClaimCode is what a reset printer prints so its owner can claim it: an
// 80-bit number of a 24-bit hardware xor, a 40-bit secret and a CRC-16 over
// both.
type ClaimCode struct {
	HardwareXor uint32 // 24 bits; matches Address.HardwareXor of the printer
	Secret      uint64 // 40 bits; the link key is derived from it
}

// Claim code rejection reasons, as ClaimCodeError.Reason gives them.
const (
	ClaimReasonLength    = "length"
	ClaimReasonCharacter = "character"
	ClaimReasonChecksum  = "checksum"
)

// ClaimCodeError says why a claim code was refused, in words a person can act
// on. It wraps ErrMalformed.
type ClaimCodeError struct {
	Reason string // ClaimReasonLength, ClaimReasonCharacter or ClaimReasonChecksum
	Msg    string
}

func (e *ClaimCodeError) Error() string { return "claim code: " + e.Msg }

func (e *ClaimCodeError) Unwrap() error { return ErrMalformed }

// ParseClaimCode reads a claim code such as n5ry-p6x6-kth7-7hc4. Case does not
// matter, dashes and spaces are optional, and i, l (read as 1) and u (read as
// v) are forgiven. A code whose checksum does not match has a typo and is
// refused.
func ParseClaimCode(s string) (ClaimCode, error) {
	var n uint64 // the low 64 bits of the 80-bit number
	var hi uint16
	count := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '-' || c == ' ' {
			continue
		}
		v := claimSymbols[c]
		if v < 0 {
			if c >= 0x80 || c < 0x20 {
				return ClaimCode{}, &ClaimCodeError{ClaimReasonCharacter, fmt.Sprintf("character %d is not in the claim code alphabet", count+1)}
			}
			return ClaimCode{}, &ClaimCodeError{ClaimReasonCharacter, fmt.Sprintf("%q (character %d) is not in the claim code alphabet", c, count+1)}
		}
		count++
		if count > 16 {
			return ClaimCode{}, &ClaimCodeError{ClaimReasonLength, "too long: a claim code has 16 characters"}
		}
		hi = hi<<5 | uint16(n>>59)
		n = n<<5 | uint64(v)
	}
	if count != 16 {
		return ClaimCode{}, &ClaimCodeError{ClaimReasonLength, fmt.Sprintf("%d characters, want 16", count)}
	}
	var low [8]byte
	binary.LittleEndian.PutUint64(low[:], n)
	if CRC16(low[:]) != hi {
		return ClaimCode{}, &ClaimCodeError{ClaimReasonChecksum, "checksum does not match: check it for a typo"}
	}
	return ClaimCode{HardwareXor: uint32(n & 0xFFFFFF), Secret: n >> 24}, nil
}

// String writes the code the way a printer prints it: four groups of four
// lower-case symbols joined by dashes.
func (c ClaimCode) String() string {
	n := uint64(c.Secret&0xFFFFFFFFFF)<<24 | uint64(c.HardwareXor&0xFFFFFF)
	var low [8]byte
	binary.LittleEndian.PutUint64(low[:], n)
	hi := CRC16(low[:])
	var sym [16]byte
	for i := 15; i >= 0; i-- {
		sym[i] = claimAlphabet[n&31]
		n = n>>5 | uint64(hi&31)<<59
		hi >>= 5
	}
	var b strings.Builder
	for i, s := range sym {
		if i > 0 && i%4 == 0 {
			b.WriteByte('-')
		}
		b.WriteByte(s)
	}
	return b.String()
}

// LinkKey is the device's 16-byte encryption key: a Matyas–Meyer–Oseas hash
// with AES-128 over the salt and the padded 5-byte secret.
func (c ClaimCode) LinkKey() [16]byte {
	var padded [16]byte
	var secret [8]byte
	binary.LittleEndian.PutUint64(secret[:], c.Secret)
	copy(padded[:5], secret[:5])
	padded[5] = 0x80
	binary.BigEndian.PutUint16(padded[14:], uint16((5+len(linkKeySalt))*8))

	var h [16]byte
	for _, block := range [...][16]byte{linkKeySalt, padded} {
		cipher, err := aes.NewCipher(h[:])
		if err != nil {
			panic(err) // unreachable: the key is always 16 bytes
		}
		var out [16]byte
		cipher.Encrypt(out[:], block[:])
		for i := range out {
			h[i] = out[i] ^ block[i]
		}
	}
	return h
}

// LinkKeyBase64 is the link key as add_device_encryption_key sends it: base64
// with a trailing newline, as the old server did.
func (c ClaimCode) LinkKeyBase64() string {
	k := c.LinkKey()
	return base64.StdEncoding.EncodeToString(k[:]) + "\n"
}
