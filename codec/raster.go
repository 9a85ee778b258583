package codec

import (
	"encoding/binary"
	"fmt"
	"image"
)

// Dither is how grey levels become black and white dots.
type Dither uint8

// The ways to make a 1-bit print.
const (
	// Threshold is the old server's rule, the one the vectors test: after
	// compositing onto white, a pixel is white if any of R, G, B is above 127.
	Threshold Dither = iota
	// FloydSteinberg spreads each pixel's error over four neighbours: the
	// best choice for photos.
	FloydSteinberg
	// Atkinson spreads three quarters of the error over six neighbours:
	// crisper, with lighter shadows, as on the early Macintosh.
	Atkinson
)

var ditherNames = [...]string{Threshold: "threshold", FloydSteinberg: "floyd-steinberg", Atkinson: "atkinson"}

// String is the dither's name: threshold, floyd-steinberg or atkinson.
func (d Dither) String() string {
	if int(d) < len(ditherNames) {
		return ditherNames[d]
	}
	return fmt.Sprintf("Dither(%d)", d)
}

// ParseDither reads a dither name as String gives it.
func ParseDither(s string) (Dither, error) {
	for d, name := range ditherNames {
		if s == name {
			return Dither(d), nil
		}
	}
	return 0, fmt.Errorf("unknown dither %q (want threshold, floyd-steinberg or atkinson)", s)
}

// Rasterize makes a print of img: scaled to PrintWidth keeping its aspect
// ratio (narrower pictures are scaled up) with ScaleToWidth, composited onto
// white paper, cut at MaxRows, and turned into black and white dots with d.
// An empty image gives an empty bitmap.
func Rasterize(img image.Image, d Dither) *Bitmap {
	src := img.Bounds()
	if src.Empty() {
		return NewBitmap(0)
	}
	if src.Dx() != PrintWidth {
		scaled := ScaleToWidth(img, PrintWidth)
		img, src = scaled, scaled.Bounds()
	} else if src.Dy() > MaxRows {
		src.Max.Y = src.Min.Y + MaxRows
	}
	mode := levelLuma
	if d == Threshold {
		mode = levelMax
	}
	levels := newLevelReader(img, src, mode)
	rows := func(y int, buf *row) *row { return (*row)(levels(y, buf[:])) }
	out := NewBitmap(src.Dy())
	switch d {
	case FloydSteinberg:
		floydSteinberg(out, rows)
	case Atkinson:
		atkinson(out, rows)
	default:
		threshold(out, rows)
	}
	return out
}

// RasterizeBytes is the memory Rasterize takes at most for a w×h picture:
// the print, and for a picture not PrintWidth wide its scaled copy, the
// buffer x/image scales it through (a float64 RGBA pixel for each of
// PrintWidth columns and each source row scaled) and its weights (a few
// for each column and row made).
func RasterizeBytes(w, h int) int64 {
	if w <= 0 || h <= 0 {
		return 0
	}
	rows := min(int64(h)*PrintWidth/int64(w)+1, MaxRows)
	n := rows * rowBytes
	if w != PrintWidth {
		src := min(int64(h), rows*int64(w)/PrintWidth+1)
		n += PrintWidth*rows*4 + PrintWidth*src*32 + 128*(PrintWidth+rows)
	}
	return n
}

// outRow is row y of a bitmap, packed.
func outRow(b *Bitmap, y int) *[rowBytes]byte {
	return (*[rowBytes]byte)(b.Pix[y*rowBytes : (y+1)*rowBytes])
}

// threshold: black where the level is 127 or less.
func threshold(out *Bitmap, rows rowReader) {
	var buf row
	for y := range out.Height {
		packRow(outRow(out, y), rows(y, &buf))
	}
}

// packRow packs a row into bits: black (1) where the level is below 128.
// Eight levels at a time: the top bit of each byte is moved to its bottom,
// and one multiplication gathers the eight bottom bits into the top byte,
// the first pixel highest.
func packRow(dst *[rowBytes]byte, r *row) {
	for i := range dst {
		v := binary.LittleEndian.Uint64(r[8*i:])
		dst[i] = byte(((^v >> 7) & 0x0101010101010101) * 0x8040201008040201 >> 56)
	}
}

// floydSteinberg diffuses each pixel's error: 7/16 right, 3/16 down-left,
// 5/16 down, 1/16 down-right, in sixteenths.
//
// Each pixel waits for the error of the one before it, so a row is a chain of
// dependent steps. Two rows are worked at once, the second one chunk of 64
// pixels behind the first (where its errors from above are complete), so the
// CPU runs the two chains side by side. A pixel's error is looked up, not
// worked out (see fsRight and fsBelow), and its dot goes straight into a
// 64-bit word of the packed row.
func floydSteinberg(out *Bitmap, rows rowReader) {
	// The two rows' levels side by side, so that one pointer reaches both.
	var pair fsPair
	bufA, bufB := (*row)(pair[:PrintWidth]), (*row)(pair[PrintWidth:])
	// errs[p+1] is the error for pixel p, biased by fsBias: of the row about
	// to be read, or, once written back, of the row below it. A row
	// overwrites errs[p] only after it read it, and the trailing row stays
	// behind the leading one.
	errs := new(fsErrs)
	for i := range errs {
		errs[i] = fsBias
	}
	for y := 0; y < out.Height; y += 2 {
		a := rows(y, bufA)
		if y+1 == out.Height { // an odd height ends with a row on its own
			fsRow(outRow(out, y), a, errs)
			break
		}
		if a != bufA {
			*bufA = *a
		}
		if b := rows(y+1, bufB); b != bufB {
			*bufB = *b
		}
		fsRows(outRow(out, y), outRow(out, y+1), &pair, errs)
	}
}

// fsPair holds the levels of two rows, one after the other.
type fsPair = [2 * PrintWidth]uint8

// fsErrs holds the errors from above of a row (see floydSteinberg).
type fsErrs = [PrintWidth + 1]uint16

const (
	fsChunk = 64 // pixels a word of packed output holds
	fsBias  = 9 * 128
	// fsRound is added to the error from the left (see fsTable) to make a
	// pixel's sum, in sixteenths, its level and the errors: it takes the bias
	// of the error from above away, and adds a half for rounding.
	fsRound = 8 - fsBias
	// fsStart and fsStartRight are the running sum of below entries and the
	// right entry before a row's first pixel: no error owed.
	fsStart      = (5*128+128)<<16 | 128<<32
	fsStartRight = fsRound
)

// A pixel whose sum rounds to v (in sixteenths, the level it is made from)
// is white if v ≥ 128, with error e = v-255, else black with e = v. From
// 0 ≤ level ≤ 255 and -128 ≤ e ≤ 127 for every earlier pixel (whose weights
// sum to 16) follows -128 ≤ v ≤ 382, so v&511 picks an entry of fsTable
// without a clash. The entries are 16 bytes, so the pixel's sum s, 16v plus
// the rounding in its low four bits, gives the entry's offset as s&0x1FF0;
// the offset is below len(fsTable)-16, so no bounds check is needed. An entry
// holds, little-endian:
//
// below (bytes 0–7): the errors for the row below in three 16-bit lanes,
// each biased to be positive so that no lane borrows from the next: 3e+384
// for pixel x-1, 5e+640 for x and e+128 for x+1. A running sum that is
// shifted down one lane a pixel and has the entry added then has in its
// lowest lane 3e(x) + 5e(x-1) + e(x-2) + fsBias, all the error for pixel
// x-1 of the row below: the value written to errs.
//
// right (bytes 8–11): 7e+fsRound, the error for the next pixel to the right
// with the constant of its sum, which is then level<<4 + above + right.
//
// black (bytes 12–15): 1 for a black pixel, else 0.
var fsTable = func() (t [512 * 16]byte) {
	for v := -128; v <= 382; v++ {
		e, black := v, uint32(1)
		if v >= 128 {
			e, black = v-255, 0
		}
		p := t[(v&511)*16:]
		binary.LittleEndian.PutUint64(p, uint64(3*e+3*128)|uint64(5*e+5*128)<<16|uint64(e+128)<<32)
		binary.LittleEndian.PutUint32(p[8:], uint32(7*e+fsRound))
		binary.LittleEndian.PutUint32(p[12:], black)
	}
	return t
}()

// fsStep is one pixel of the given level with the error above from errs,
// the right entry r of the pixel before it and the running sum q of their
// below entries (see fsTable). It returns them for the next pixel, with q's
// lowest lane the error to write back, and the pixel's dot, 1 for black.
func fsStep(level uint8, above uint16, r int32, q uint64) (int32, uint64, uint64) {
	p := fsTable[(int32(level)<<4+int32(above)+r)&0x1FF0:]
	return int32(binary.LittleEndian.Uint32(p[8:])), q>>16 + binary.LittleEndian.Uint64(p), uint64(binary.LittleEndian.Uint32(p[12:]))
}

// fsBelowZero is the below entry of a pixel without error: a row's last
// sum adds it to move its last error into the lowest lane.
const fsBelowZero = 3*128 | 5*128<<16 | 128<<32

// fsRows dithers the two rows of levels together into oa and ob, the second
// a chunk behind the first.
func fsRows(oa, ob *[rowBytes]byte, levels *fsPair, errs *fsErrs) {
	ra, qa, bits := fsRun((*[fsChunk]uint8)(levels[:]), (*[fsChunk + 1]uint16)(errs[:]), fsStartRight, fsStart)
	binary.BigEndian.PutUint64(oa[:], bits)
	rb, qb := int32(fsStartRight), uint64(fsStart)
	for k := fsChunk; k < PrintWidth; k += fsChunk {
		var bitsA, bitsB uint64
		ra, rb, qa, qb, bitsA, bitsB = fsRun2((*[PrintWidth]uint8)(levels[k:]),
			(*[2*fsChunk + 1]uint16)(errs[k-fsChunk:]), ra, rb, qa, qb)
		binary.BigEndian.PutUint64(oa[k/8:], bitsA)
		binary.BigEndian.PutUint64(ob[(k-fsChunk)/8:], bitsB)
	}
	errs[PrintWidth] = uint16(qa>>16 + fsBelowZero)
	const last = PrintWidth - fsChunk
	_, qb, bits = fsRun((*[fsChunk]uint8)(levels[PrintWidth+last:]), (*[fsChunk + 1]uint16)(errs[last:]), rb, qb)
	binary.BigEndian.PutUint64(ob[last/8:], bits)
	errs[PrintWidth] = uint16(qb>>16 + fsBelowZero)
}

// fsRow dithers row a on its own into oa.
func fsRow(oa *[rowBytes]byte, a *row, errs *fsErrs) {
	r, q := int32(fsStartRight), uint64(fsStart)
	var bits uint64
	for k := 0; k < PrintWidth; k += fsChunk {
		r, q, bits = fsRun((*[fsChunk]uint8)(a[k:]), (*[fsChunk + 1]uint16)(errs[k:]), r, q)
		binary.BigEndian.PutUint64(oa[k/8:], bits)
	}
	errs[PrintWidth] = uint16(q>>16 + fsBelowZero)
}

// fsRun dithers one chunk of a row, whose errors from above are e[1:], with
// the error from the left r and the running sum q of the pixels before it
// (see fsTable). It returns them for the next chunk, and the chunk's dots.
func fsRun(l *[fsChunk]uint8, e *[fsChunk + 1]uint16, r int32, q uint64) (int32, uint64, uint64) {
	var bits uint64
	_, _ = l[0], e[0] // nil checks once, not in the loop
	for i := range fsChunk {
		var black uint64
		r, q, black = fsStep(l[i], e[i+1], r, q)
		e[i] = uint16(q)
		bits = bits<<1 | black
	}
	return r, q, bits
}

// fsRun2 is fsRun for two rows at once: a chunk of the first, l[:64], whose
// errors from above are e[65:], and the chunk before it of the second, 384
// bytes on, with e[1:65]. The chains of the two rows do not wait for each
// other.
func fsRun2(l *[PrintWidth]uint8, e *[2*fsChunk + 1]uint16, ra, rb int32, qa, qb uint64) (_, _ int32, _, _, bitsA, bitsB uint64) {
	_, _ = l[0], e[0] // nil checks once, not in the loop
	for i := range fsChunk {
		var blackA, blackB uint64
		ra, qa, blackA = fsStep(l[i], e[i+fsChunk+1], ra, qa)
		rb, qb, blackB = fsStep(l[i+PrintWidth-fsChunk], e[i+1], rb, qb)
		e[i+fsChunk], e[i] = uint16(qa), uint16(qb)
		bitsA = bitsA*2 + blackA
		bitsB = bitsB*2 + blackB
	}
	return ra, rb, qa, qb, bitsA, bitsB
}

// atkinson diffuses an eighth of each pixel's error to six neighbours: two to
// the right, three below, one two rows down. Errors are kept in eighths.
//
// A pixel's sum is its level and all the error owed to it: from the two
// pixels before it, kept in registers, and from the rows above, which
// atkTotals adds up before the row begins. So a pixel reads one total and
// writes its own error, and the chain from one pixel to the next is an
// addition, a shift and a choice.
func atkinson(out *Bitmap, rows rowReader) {
	var buf row
	// Each row's errors are written to cur; prev holds the row above's.
	totals, cur, prev := new(atkErrs), new(atkErrs), new(atkErrs)
	for i := 0; i < len(cur); i += 2 {
		binary.LittleEndian.PutUint16(cur[i:], atkZero)
		binary.LittleEndian.PutUint16(prev[i:], atkZero)
		binary.LittleEndian.PutUint16(totals[i:], atkTotalZero)
	}
	for y := range out.Height {
		atkRow(outRow(out, y), rows(y, &buf), totals, cur)
		atkTotals(totals, cur, prev)
		cur, prev = prev, cur
	}
}

// atkErrs is a row of errors, or of totals of errors, in little-endian
// 16-bit entries: entry i is for pixel i-1, and entries 0 and PrintWidth+1
// stand for the pixels beside the row, which never owe or receive error.
//
// An error e is kept as e+atkZero, between 1 and 255: |e| ≤ 127, as a
// black pixel's level is below 128, a white one's at least 128, and either
// is within 6·127/8 of 0 to 255.
// A total of four errors is kept with atkBias added, at most 4·255+260, so
// that four entries can be added in a 64-bit word without carries.
type atkErrs = [2 * (PrintWidth + 2)]byte

const (
	atkZero = 128 // a zero error, as atkErrs keeps it
	// atkBias is in a pixel's sum t of its level in eighths, its total and
	// the two errors before it: it takes away the six atkZero, adds a half
	// for rounding, and adds 1024, so that t>>3 is the pixel's error (with
	// atkZero) when it is black (t < 2048), and 0 ≤ t < 4096.
	atkBias      = 4 + 1024 - 6*atkZero
	atkTotalZero = 4*atkZero + atkBias // no error from above
)

// atkRow dithers one row of levels l into o, with the totals of error from
// the rows above, and writes each pixel's error to errs.
func atkRow(o *[rowBytes]byte, l *row, totals, errs *atkErrs) {
	e1, e2 := int32(atkZero), int32(atkZero) // the errors of the pixels before
	for k := 0; k < PrintWidth; k += 64 {
		var whites uint64
		e1, e2, whites = atkRun((*[64]uint8)(l[k:]), (*[128]byte)(totals[2*k+2:]), (*[128]byte)(errs[2*k+2:]), e1, e2)
		binary.BigEndian.PutUint64(o[k/8:], ^whites)
	}
}

// atkRun dithers 64 pixels of a row, l, with their totals, and writes their
// errors, e1 and e2 the errors of the two pixels before. It returns those of
// its last two, and a bit for each pixel, 1 if white, the first highest.
func atkRun(l *[64]uint8, totals, errs *[128]byte, e1, e2 int32) (_, _ int32, whites uint64) {
	_, _, _ = l[0], totals[0], errs[0] // nil checks once, not in the loop
	// Unrolled by four, each pixel's error replacing the older of the two,
	// so that they never move.
	for i := 0; i < 64; i += 4 {
		var w0, w1, w2, w3 uint64
		e2, w0 = atkStep(l[i], binary.LittleEndian.Uint16(totals[2*i:]), e2, e1)
		binary.LittleEndian.PutUint16(errs[2*i:], uint16(e2))
		e1, w1 = atkStep(l[i+1], binary.LittleEndian.Uint16(totals[2*i+2:]), e1, e2)
		binary.LittleEndian.PutUint16(errs[2*i+2:], uint16(e1))
		e2, w2 = atkStep(l[i+2], binary.LittleEndian.Uint16(totals[2*i+4:]), e2, e1)
		binary.LittleEndian.PutUint16(errs[2*i+4:], uint16(e2))
		e1, w3 = atkStep(l[i+3], binary.LittleEndian.Uint16(totals[2*i+6:]), e1, e2)
		binary.LittleEndian.PutUint16(errs[2*i+6:], uint16(e1))
		whites = whites<<4 + w0<<3 + w1<<2 + w2<<1 + w3
	}
	return e1, e2, whites
}

// atkStep is one pixel of level l with the total of error from above, the
// errors of the pixel two before, older, and of the one before, newer. It
// returns the pixel's error, and 1 if it is white.
func atkStep(l uint8, total uint16, older, newer int32) (int32, uint64) {
	t := int32(l)<<3 + int32(total) + older + newer
	e := t >> 3
	if t >= 2048 {
		e -= 255
	}
	return e, uint64(uint32(t) >> 11) // 0 ≤ t < 4096
}

// atkTotals makes the totals of error for the row below errs: for pixel x,
// the errors of pixels x-1, x and x+1 of errs and of pixel x of the row
// above it, prev. Four pixels at a time, a 16-bit lane each.
func atkTotals(totals, errs, prev *atkErrs) {
	const bias = atkBias * 0x0001_0001_0001_0001
	for i := 2; i < 2*(PrintWidth+1); i += 8 {
		w := binary.LittleEndian.Uint64(errs[i-2:]) + binary.LittleEndian.Uint64(errs[i:]) +
			binary.LittleEndian.Uint64(errs[i+2:]) + binary.LittleEndian.Uint64(prev[i:])
		binary.LittleEndian.PutUint64(totals[i:], w+bias)
	}
}

// rowReader gives row y of a print's levels, as a levelReader does, in a
// row.
type rowReader func(y int, buf *row) *row
