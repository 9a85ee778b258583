package codec

import (
	"encoding/binary"
	"image"
	"image/draw"
)

// exifOrientation reads tag 0x0112 of the first IFD of a TIFF structure.
func exifOrientation(t []byte) int {
	if len(t) < 8 {
		return 1
	}
	var bo binary.ByteOrder
	switch string(t[:2]) {
	case "II":
		bo = binary.LittleEndian
	case "MM":
		bo = binary.BigEndian
	default:
		return 1
	}
	ifd := int(bo.Uint32(t[4:]))
	if ifd < 8 || ifd+2 > len(t) {
		return 1
	}
	count := int(bo.Uint16(t[ifd:]))
	for i := range count {
		e := ifd + 2 + 12*i
		if e+12 > len(t) {
			return 1
		}
		if bo.Uint16(t[e:]) == 0x0112 {
			if v := int(bo.Uint16(t[e+8:])); v >= 1 && v <= 8 {
				return v
			}
			return 1
		}
	}
	return 1
}

// orientBytes is the memory orient takes for a w×h picture it turns: the
// upright copy, in RGBA, and a row on the way.
func orientBytes(w, h int) int64 { return 4*int64(w)*int64(h) + 4*int64(w) }

// orient turns img upright for an EXIF orientation value, in a copy; a
// picture already upright (1, or a value that is not one) is returned as
// it is.
func orient(img image.Image, o int) image.Image {
	if o <= 1 || o > 8 {
		return img
	}
	b := img.Bounds()
	sw, sh := b.Dx(), b.Dy()
	w, h := sw, sh
	if o >= 5 {
		w, h = h, w
	}
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	// Row by row through an RGBA row, which draw has fast paths for.
	row := image.NewRGBA(image.Rect(0, 0, sw, 1))
	for y := range sh {
		draw.Draw(row, row.Bounds(), img, image.Pt(b.Min.X, b.Min.Y+y), draw.Src)
		for x := range sw {
			dx, dy := upright(o, x, y, sw, sh)
			do := dst.PixOffset(dx, dy)
			copy(dst.Pix[do:do+4], row.Pix[4*x:4*x+4])
		}
	}
	return dst
}

// upright is where pixel (x, y) of a sw×sh picture stored with EXIF
// orientation o (2–8) is once the picture is upright.
func upright(o, x, y, sw, sh int) (int, int) {
	switch o {
	case 2: // mirrored
		return sw - 1 - x, y
	case 3: // upside down
		return sw - 1 - x, sh - 1 - y
	case 4: // upside down, mirrored
		return x, sh - 1 - y
	case 5: // transposed
		return y, x
	case 6: // turned 90° clockwise to be upright
		return sh - 1 - y, x
	case 7: // transversed
		return sh - 1 - y, sw - 1 - x
	case 8: // turned 90° anticlockwise to be upright
		return y, sw - 1 - x
	}
	return x, y
}
