package codec

import (
	"encoding/binary"
	"fmt"
)

// What the standard decoders allocate, read from a picture's header: the
// pixels in the image type each one returns, and what they hold on the way.
// InspectImage calls these after image.DecodeConfig accepted the header.

// pngHeader is what a PNG's chunks before its pixels say.
type pngHeader struct {
	width, height int64
	depth         uint8 // bits a sample: 1, 2, 4, 8 or 16
	colorType     uint8 // 0 grey, 2 colour, 3 palette, 4 grey and alpha, 6 colour and alpha
	interlaced    bool
	transparent   bool // a tRNS chunk: one colour is transparent
}

// readPNGHeader reads a PNG's IHDR chunk and looks for a tRNS chunk before
// its first IDAT; false if the chunks cannot be read.
func readPNGHeader(data []byte) (pngHeader, bool) {
	const sig = "\x89PNG\r\n\x1a\n"
	if len(data) < 33 || string(data[:8]) != sig || string(data[12:16]) != "IHDR" {
		return pngHeader{}, false
	}
	h := pngHeader{
		width:      int64(binary.BigEndian.Uint32(data[16:])),
		height:     int64(binary.BigEndian.Uint32(data[20:])),
		depth:      data[24],
		colorType:  data[25],
		interlaced: data[28] == 1,
	}
	for p := 33; p+8 <= len(data); {
		n := int64(binary.BigEndian.Uint32(data[p:]))
		switch string(data[p+4 : p+8]) {
		case "tRNS":
			h.transparent = true
		case "IDAT", "IEND":
			return h, true
		}
		next := int64(p) + 12 + n
		if next > int64(len(data)) {
			break
		}
		p = int(next)
	}
	return h, true
}

// bytesPerPixel is the size of a pixel in the image image/png returns:
// Gray, Gray16, RGBA, RGBA64, Paletted, or NRGBA and NRGBA64 when there
// is an alpha channel or a transparent colour.
func (h pngHeader) bytesPerPixel() int64 {
	bpp := int64(4) // 8-bit RGBA or NRGBA
	switch {
	case h.colorType == 3:
		bpp = 1
	case h.colorType == 0 && !h.transparent:
		bpp = 1
	}
	if h.depth == 16 {
		bpp *= 2
	}
	return bpp
}

// bytes is the memory image/png takes for the picture: its pixels, and as
// much again for an interlaced one, whose seven passes are each decoded
// into an image of their own before they are merged.
func (h pngHeader) bytes() int64 {
	n := h.width * h.height * h.bytesPerPixel()
	if h.interlaced {
		n *= 2
	}
	// Two rows of the stream as stored, the current and the previous one.
	return n + 2*(h.width*8+1)
}

// kind is a PNG's depth in words: "16-bit colour PNG with transparency".
func (h pngHeader) kind() string {
	var s string
	switch h.colorType {
	case 0, 4:
		s = fmt.Sprintf("%d-bit grey PNG", max(h.depth, 8))
	case 3:
		s = "palette PNG"
	default:
		s = fmt.Sprintf("%d-bit colour PNG", h.depth)
	}
	if h.colorType == 4 || h.colorType == 6 || h.transparent {
		s += " with transparency"
	}
	if h.interlaced {
		s = "interlaced " + s
	}
	return s
}

// jpegHeader is what a JPEG's segments before its first scan say.
type jpegHeader struct {
	orientation    int // EXIF, 1–8
	progressive    bool
	jfif           bool // an APP0 JFIF segment
	adobe          bool // an APP14 Adobe segment, with
	adobeTransform uint8
	width, height  int64
	comps          []jpegComp
}

// jpegComp is a component of a JPEG frame: its id and sampling factors.
type jpegComp struct{ id, h, v uint8 }

// readJPEGHeader walks a JPEG's segments up to its first scan. It never
// indexes past the input; what it cannot read stays zero (orientation 1).
func readJPEGHeader(data []byte) jpegHeader {
	h := jpegHeader{orientation: 1}
	if len(data) < 4 || data[0] != 0xFF || data[1] != 0xD8 {
		return h
	}
	for p := 2; p+4 <= len(data); {
		if data[p] != 0xFF {
			return h
		}
		marker := data[p+1]
		switch {
		case marker == 0xFF: // a fill byte before the marker
			p++
			continue
		case marker == 0x01 || marker >= 0xD0 && marker <= 0xD8: // markers without a length
			p += 2
			continue
		}
		if marker == 0xDA || marker == 0xD9 { // start of scan, end of image
			return h
		}
		n := int(binary.BigEndian.Uint16(data[p+2:]))
		if n < 2 || p+2+n > len(data) {
			return h
		}
		seg := data[p+4 : p+2+n]
		switch {
		case marker == 0xE0 && len(seg) >= 5 && string(seg[:5]) == "JFIF\x00":
			h.jfif = true
		case marker == 0xE1 && len(seg) > 6 && string(seg[:6]) == "Exif\x00\x00" && h.orientation == 1:
			h.orientation = exifOrientation(seg[6:])
		case marker == 0xEE && len(seg) >= 12 && string(seg[:5]) == "Adobe":
			h.adobe, h.adobeTransform = true, seg[11]
		case marker >= 0xC0 && marker <= 0xC2 && len(seg) >= 6: // the frames image/jpeg reads
			h.progressive = marker == 0xC2
			h.height = int64(binary.BigEndian.Uint16(seg[1:]))
			h.width = int64(binary.BigEndian.Uint16(seg[3:]))
			h.comps = h.comps[:0]
			for i := 6; i+3 <= len(seg) && len(h.comps) < int(seg[5]); i += 3 {
				h.comps = append(h.comps, jpegComp{id: seg[i], h: max(seg[i+1]>>4, 1), v: max(seg[i+1]&0x0F, 1)})
			}
		}
		p += 2 + n
	}
	return h
}

// bytes is the memory image/jpeg takes for the picture, as it allocates
// it: the pixels in whole blocks of 8×8 (a Gray, or a YCbCr with its colour
// subsampled as stored), a fourth channel's samples apart, one int32 a
// sample for a progressive picture's coefficients, and four bytes a pixel
// more when it converts to RGBA or CMYK at the end.
func (h jpegHeader) bytes() int64 {
	if len(h.comps) == 0 || len(h.comps) == 2 {
		return 4 * h.width * h.height // not a frame image/jpeg decodes; an upper bound
	}
	comps := h.comps
	if len(comps) == 1 {
		comps = []jpegComp{{id: comps[0].id, h: 1, v: 1}} // as image/jpeg reads it
	}
	h0, v0 := int64(comps[0].h), int64(comps[0].v)
	mxx := (h.width + 8*h0 - 1) / (8 * h0) // minimum coded units across
	myy := (h.height + 8*v0 - 1) / (8 * v0)
	yw, yh := 8*h0*mxx, 8*v0*myy
	n := yw * yh
	if len(comps) >= 3 {
		hr, vr := max(h0/int64(comps[1].h), 1), max(v0/int64(comps[1].v), 1)
		n += 2 * ((yw + hr - 1) / hr) * ((yh + vr - 1) / vr)
	}
	if len(comps) == 4 {
		n += 64 * int64(comps[3].h) * mxx * int64(comps[3].v) * myy
	}
	if h.progressive {
		for _, c := range comps {
			n += 256 * mxx * myy * int64(c.h) * int64(c.v)
		}
	}
	if len(comps) == 4 || len(comps) == 3 && h.rgb() {
		n += 4 * h.width * h.height
	}
	return n
}

// rgb reports whether image/jpeg reads a three-component picture as RGB,
// not YCbCr, and so converts it to RGBA.
func (h jpegHeader) rgb() bool {
	if h.jfif {
		return false
	}
	if h.adobe && h.adobeTransform == 0 {
		return true
	}
	return h.comps[0].id == 'R' && h.comps[1].id == 'G' && h.comps[2].id == 'B'
}

// kind is a JPEG's kind in words: "JPEG", "progressive CMYK JPEG".
func (h jpegHeader) kind() string {
	s := "JPEG"
	switch len(h.comps) {
	case 1:
		s = "grey JPEG"
	case 4:
		s = "CMYK JPEG"
	}
	if h.progressive {
		s = "progressive " + s
	}
	return s
}

// gifBytes is the kind of a GIF of so many pixels, and the memory
// image/gif takes for its first frame, which is no larger than the
// picture: a byte a pixel, and as much again for an interlaced frame,
// copied once to put its rows in order. A frame it cannot find counts as
// interlaced.
func gifBytes(data []byte, pixels int64) (string, int64) {
	if gifInterlaced(data) {
		return "interlaced GIF", 2 * pixels
	}
	return "GIF", pixels
}

// gifInterlaced reports whether the first frame of a GIF is interlaced,
// or cannot be found: it walks the blocks before it.
func gifInterlaced(data []byte) bool {
	const header = 13 // "GIF89a" and the logical screen descriptor
	if len(data) < header {
		return true
	}
	p := header
	if data[10]&0x80 != 0 { // a global colour table
		p += 3 << (data[10]&7 + 1)
	}
	for p < len(data) {
		switch data[p] {
		case 0x2C: // an image descriptor: its flags are its tenth byte
			return p+9 >= len(data) || data[p+9]&0x40 != 0
		case 0x21: // an extension: its label, then sub-blocks to an empty one
			p += 2
			for p < len(data) && data[p] != 0 {
				p += int(data[p]) + 1
			}
			p++
		default:
			return true
		}
	}
	return true
}
