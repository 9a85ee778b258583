package codec

import (
	"image"
	"image/color"
)

// PrintWidth is the width of every print in pixels (protocol.md, "Run-length
// encoding of the bitmap").
const PrintWidth = 384

// MaxRows is the tallest print: the old server cut images at 10 000 rows, and
// Rasterize does the same.
const MaxRows = 10000

// rowBytes is the size of one packed row.
const rowBytes = PrintWidth / 8

// Palette is the two colours of a print: index 0 white paper, index 1 black
// dots.
var Palette = color.Palette{color.Gray{Y: 0xFF}, color.Gray{Y: 0}}

// Bitmap is a 1-bit print, PrintWidth pixels wide, as it comes out of the
// printer (not rotated). Pix holds the rows top to bottom, 48 bytes each; in
// each byte the most significant bit is the leftmost pixel, and a set bit is
// black.
//
// Bitmap is an image.PalettedImage with Palette, so image/png writes it as a
// 1-bit PNG.
type Bitmap struct {
	Height int
	Pix    []byte
}

// NewBitmap returns an all-white bitmap of the given height.
func NewBitmap(height int) *Bitmap {
	return &Bitmap{Height: height, Pix: make([]byte, height*rowBytes)}
}

// Black reports whether the pixel at (x, y) is black; outside the bitmap is
// white.
func (b *Bitmap) Black(x, y int) bool {
	if x < 0 || y < 0 || x >= PrintWidth || y >= b.Height {
		return false
	}
	return b.Pix[y*rowBytes+x>>3]&(0x80>>(x&7)) != 0
}

// Set makes the pixel at (x, y) black or white; outside the bitmap it does
// nothing.
func (b *Bitmap) Set(x, y int, black bool) {
	if x < 0 || y < 0 || x >= PrintWidth || y >= b.Height {
		return
	}
	i, m := y*rowBytes+x>>3, byte(0x80>>(x&7))
	if black {
		b.Pix[i] |= m
	} else {
		b.Pix[i] &^= m
	}
}

// Pixels is the number of pixels, PrintWidth × Height.
func (b *Bitmap) Pixels() int { return PrintWidth * b.Height }

// ColorModel is Palette.
func (b *Bitmap) ColorModel() color.Model { return Palette }

// Bounds is (0, 0)–(PrintWidth, Height).
func (b *Bitmap) Bounds() image.Rectangle { return image.Rect(0, 0, PrintWidth, b.Height) }

// At gives white or black.
func (b *Bitmap) At(x, y int) color.Color { return Palette[b.ColorIndexAt(x, y)] }

// ColorIndexAt gives 1 for black, 0 for white.
func (b *Bitmap) ColorIndexAt(x, y int) uint8 {
	if b.Black(x, y) {
		return 1
	}
	return 0
}

// Equal reports whether two bitmaps hold the same pixels.
func (b *Bitmap) Equal(o *Bitmap) bool {
	if b.Height != o.Height || len(b.Pix) != len(o.Pix) {
		return false
	}
	for i := range b.Pix {
		if b.Pix[i] != o.Pix[i] {
			return false
		}
	}
	return true
}
