package codec

import (
	"encoding/binary"
	"math/bits"
	"slices"
)

// rleChunks are the long-run codes, largest first (protocol.md, "Run-length
// encoding of the bitmap"): a run longer than 251 is cut into these, with a 0
// byte (an empty run of the other colour) between two chunks of one run.
var rleChunks = [...]struct {
	pixels int
	code   byte
}{{1536, 255}, {1152, 254}, {768, 253}, {384, 252}, {251, 251}}

// rleRunBytes maps a byte of the encoding to the run it stands for.
var rleRunBytes = func() (t [256]int) {
	for i := range 252 {
		t[i] = i
	}
	for _, c := range rleChunks {
		t[c.code] = c.pixels
	}
	return t
}()

// AppendRLE appends the run-length encoding of b to dst: the bitmap rotated
// 180° (the paper comes out upside down), read as one pixel sequence, written
// as runs that alternate white and black and start with white.
func AppendRLE(dst []byte, b *Bitmap) []byte {
	n := rleLen(b)
	return appendRLE(slices.Grow(dst, n+rleSlack), b, n)
}

// Rotating by 180° reads the pixels last to first. Pix packs the leftmost
// pixel in the most significant bit, so each big-endian 64-bit word is read
// from its least significant bit up, and the words last to first. A run ends
// where the colour changes: t below has a bit set at each such place (the
// pixel before the first is white, so a black first pixel ends an empty white
// run), and the runs are the distances between those bits.

// rlePix is the whole 64-bit words of b.Pix: a row is six.
func rlePix(b *Bitmap) []byte { return b.Pix[:len(b.Pix)&^7] }

// rleLen is the length of b's run-length encoding: a byte a run, as a run
// ends at each colour change and one more ends at the last pixel, and the
// extra bytes of the runs longer than 251. Those start before a word without
// a colour change and are rare.
func rleLen(b *Bitmap) int {
	pix := rlePix(b)
	n, start, base := 1, 0, 0 // where the current run started; the position of bit 0 of t
	var prev uint64           // the colour of the last pixel read
	for i := len(pix) - 8; i >= 0; i -= 8 {
		w := binary.BigEndian.Uint64(pix[i:])
		t := w ^ (w<<1 | prev)
		prev = w >> 63
		if t != 0 {
			n += bits.OnesCount64(t)
			if first := base + bits.TrailingZeros64(t); first-start > 251 {
				n += runLen(first-start) - 1
			}
			start = base + 63 - bits.LeadingZeros64(t)
		}
		base += 64
	}
	return n + runLen(base-start) - 1
}

// rleSlack is the room appendRLE needs after the encoding.
const rleSlack = 7

// appendRLE appends b's encoding, n bytes long, to dst, which has room for it
// and rleSlack bytes more.
//
// The pixels are read a byte at a time, each with the last pixel read before
// it (the top bit of the byte after it in Pix): rleBytes gives the runs that
// end in the byte as 8 bytes to write at once, and gap is the distance from
// the last run end to the start of the byte. A run that would be longer than
// 251 is written on its own.
func appendRLE(dst []byte, b *Bitmap, n int) []byte {
	start := len(dst)
	out, pix := dst[start:start+n+rleSlack], rlePix(b)
	var j, gap int
	if i := len(pix) - 1; i >= 0 {
		j, gap = rleByte(out, j, gap, uint(pix[i])<<1) // white before it
	}
	if len(pix) > 1 {
		j, gap = rleBytesBefore(out, pix, j, gap)
	}
	putRun(out, j, gap)
	return dst[:start+n]
}

// rleBytesBefore writes the runs that end in the bytes of pix but the last,
// last to first, as rleByte does, from out[j:], and returns the next j and
// gap. A function of its own, so that the loop has the registers to itself.
func rleBytesBefore(out, pix []byte, j, gap int) (int, int) {
	for i := len(pix) - 2; i >= 0; i-- {
		// rleByte, written out: the compiler does not inline it.
		e := &rleBytes[binary.BigEndian.Uint16(pix[i:i+2])>>7]
		if gap > 251-7 {
			j, gap = rleLongByte(out, j, gap, e)
			continue
		}
		binary.LittleEndian.PutUint64(out[j:j+8], e.runs+uint64(gap))
		j, gap = j+e.n, gap&e.keep+e.after
	}
	return j, gap
}

// rleByte writes the runs that end in a byte of pixels, b the byte and the
// last pixel read before it, to out[j:]. It returns the next j and gap.
func rleByte(out []byte, j, gap int, b uint) (int, int) {
	e := &rleBytes[b&511]
	if gap > 251-7 { // the first run might be long
		return rleLongByte(out, j, gap, e)
	}
	binary.LittleEndian.PutUint64(out[j:j+8], e.runs+uint64(gap))
	return j + e.n, gap&e.keep + e.after
}

// rleLongByte is rleByte when the run ending first in the byte, of gap
// pixels before it and more in it, might be longer than 251.
func rleLongByte(out []byte, j, gap int, e *rleEntry) (int, int) {
	if e.n == 0 {
		return j, gap + 8
	}
	j = putRun(out, j, gap+int(e.runs&0xFF))
	binary.LittleEndian.PutUint64(out[j:j+8], e.runs>>8)
	return j + e.n - 1, e.after
}

// rleEntry is what rleBytes holds for a byte of pixels and the last pixel
// read before it: the runs that end in the byte, the first measured from
// the start of the byte (gap is added to it, with no carry if it is at most
// 251-7), how many there are, n, and the gap after the byte, which is
// gap&keep + after.
type rleEntry struct {
	runs           uint64
	n, keep, after int
}

// rleBytes[b] is the rleEntry for a byte of pixels and the last pixel read
// before it, b as appendRLE reads them.
var rleBytes = func() (tab [512]rleEntry) {
	for b := range tab {
		px := uint(b >> 1) // read from bit 0 up; bit 0 of b is the pixel before
		t := (px ^ (px<<1 | uint(b&1))) & 0xFF
		e := &tab[b]
		e.keep, e.after = -1, 8
		prev := 0
		for p := range 8 {
			if t>>p&1 != 0 {
				e.runs |= uint64(p-prev) << (8 * e.n)
				e.n++
				e.keep, e.after, prev = 0, 8-p, p
			}
		}
	}
	return tab
}()

// runLen is the number of bytes putRun writes for a run of n.
func runLen(n int) int {
	if n <= 251 {
		return 1
	}
	k := 0
	for _, c := range rleChunks {
		k += n / c.pixels
		n %= c.pixels
	}
	k = 2*k - 1 // a 0 between two chunks
	if n > 0 {
		k += 2 // a 0 and the rest
	}
	return k
}

// putRun writes one run at out[j:], cutting a long one into chunks, and
// returns the index after it.
func putRun(out []byte, j, n int) int {
	if n <= 251 {
		out[j] = byte(n)
		return j + 1
	}
	first := true
	for _, c := range rleChunks {
		for n >= c.pixels {
			if !first {
				out[j] = 0
				j++
			}
			out[j] = c.code
			j++
			n -= c.pixels
			first = false
		}
	}
	if n > 0 {
		out[j], out[j+1] = 0, byte(n)
		j += 2
	}
	return j
}

// DecodeRLE turns run-length encoded bytes back into a bitmap of the given
// number of pixels (a multiple of PrintWidth), undoing the 180° rotation. The
// runs must cover exactly that many pixels.
func DecodeRLE(rle []byte, pixels int) (*Bitmap, error) {
	if pixels < 0 || pixels%PrintWidth != 0 || pixels/PrintWidth > MaxRows {
		return nil, &DecodeError{What: "rle", Err: malformed("%d pixels is not a whole number of %d-pixel rows up to %d rows", pixels, PrintWidth, MaxRows)}
	}
	b := NewBitmap(pixels / PrintWidth)
	pos, black := 0, false // pos counts pixels of the rotated sequence
	for i, c := range rle {
		n := rleRunBytes[c]
		if n > pixels-pos {
			return nil, &DecodeError{What: "rle", Offset: i, Err: malformed("runs cover more than %d pixels", pixels)}
		}
		if black && n > 0 {
			// Sequence positions [pos, pos+n) are pixels [pixels-pos-n, pixels-pos).
			setBlack(b.Pix, pixels-pos-n, pixels-pos)
		}
		pos += n
		black = !black
	}
	if pos != pixels {
		return nil, &DecodeError{What: "rle", Offset: len(rle), Err: malformed("runs cover %d pixels, want %d", pos, pixels)}
	}
	return b, nil
}

// setBlack sets the bits of pixels [lo, hi) in a packed MSB-first buffer.
func setBlack(pix []byte, lo, hi int) {
	for lo < hi && lo&7 != 0 {
		pix[lo>>3] |= 0x80 >> (lo & 7)
		lo++
	}
	for ; lo+8 <= hi; lo += 8 {
		pix[lo>>3] = 0xFF
	}
	for ; lo < hi; lo++ {
		pix[lo>>3] |= 0x80 >> (lo & 7)
	}
}
