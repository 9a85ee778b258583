package codec

import (
	"encoding/binary"
	"math/bits"
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
	// Rotating by 180° reads the pixels last to first. Pix packs the leftmost
	// pixel in the most significant bit, so each big-endian 64-bit word is read
	// from its least significant bit up, and the words last to first. A run
	// ends where the colour changes: t has a bit set at each such place (the
	// pixel before the first is white, so a black first pixel ends an empty
	// white run), and the runs are the distances between those bits.
	pix := b.Pix[:len(b.Pix)&^7]
	start, base := 0, 0 // where the current run started; the position of bit 0 of w
	var prev uint64     // the colour of the last pixel read
	for i := len(pix) - 8; i >= 0; i -= 8 {
		w := binary.BigEndian.Uint64(pix[i:])
		t := w ^ (w<<1 | prev)
		prev = w >> 63
		for t != 0 {
			end := base + bits.TrailingZeros64(t)
			if n := end - start; n <= 251 {
				dst = append(dst, byte(n))
			} else {
				dst = appendRun(dst, n)
			}
			start = end
			t &= t - 1
		}
		base += 64
	}
	return appendRun(dst, base-start)
}

// appendRun writes one run, cutting a long one into chunks.
func appendRun(dst []byte, n int) []byte {
	if n <= 251 {
		return append(dst, byte(n))
	}
	first := true
	for _, c := range rleChunks {
		for n >= c.pixels {
			if !first {
				dst = append(dst, 0)
			}
			dst = append(dst, c.code)
			n -= c.pixels
			first = false
		}
	}
	if n > 0 {
		dst = append(dst, 0, byte(n))
	}
	return dst
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
