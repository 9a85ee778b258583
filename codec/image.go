package codec

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/gif"
	"image/jpeg"
	"image/png"
	"strings"
)

// MaxImagePixels bounds the pictures DecodeImage accepts: 50 megapixels is
// more than a phone camera makes.
const MaxImagePixels = 50_000_000

// MaxImageBytes bounds the memory decoding one picture may take, which the
// pixels alone do not: a 5000×5000 PNG of 16-bit colour is 25 megapixels
// but 191 MB once decoded (8 bytes a pixel), while a JPEG photo keeps its
// colour at half the size across and down and takes 1.5 bytes a pixel. 96
// MB lets every phone photo under MaxImagePixels through (a 50-megapixel
// JPEG takes 72 MB; a 12-megapixel one 17 MB, or 86 MB stored progressive),
// and 25 megapixels of an 8-bit PNG.
const MaxImageBytes = 96 << 20

// ErrImageFormat is wrapped by the error for input that is not a PNG, JPEG
// or GIF picture.
var ErrImageFormat = errors.New("not a PNG, JPEG or GIF picture")

// ErrImageTooLarge is wrapped by the error for a picture too large to
// decode: more than MaxImagePixels, or more than MaxImageBytes of memory.
var ErrImageTooLarge = errors.New("the picture is too large to print")

// imageError is an error about a picture, in words a sender understands,
// that wraps one of ErrImageFormat, ErrImageTooLarge and ErrMalformed.
type imageError struct {
	msg string
	err error
}

func (e *imageError) Error() string { return e.msg }
func (e *imageError) Unwrap() error { return e.err }

// ImageInfo is what a picture's header says, before it is decoded.
type ImageInfo struct {
	Format string // "png", "jpeg" or "gif"
	// Kind is the picture's format and depth in words, for messages:
	// "16-bit colour PNG", "progressive JPEG".
	Kind string
	// Width and Height are as stored: Orientation may turn them.
	Width, Height int
	// Orientation is a JPEG's EXIF orientation, 1 (upright) to 8.
	Orientation int
	// Bytes is the memory decoding the picture takes at most: its pixels
	// as the decoder keeps them, and what the decoder needs on the way
	// (a progressive JPEG's coefficients, an interlaced PNG's passes).
	Bytes int64
}

// InspectImage reads a picture's header and says what decoding it would
// take, refusing what is not a PNG, JPEG or GIF picture, what is empty, and
// what is too large to decode (MaxImagePixels, MaxImageBytes), all without
// decoding it: a small file that claims to be huge is refused without using
// the memory.
func InspectImage(data []byte) (ImageInfo, error) {
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	switch {
	case errors.Is(err, image.ErrFormat):
		return ImageInfo{}, &imageError{"the file is " + ErrImageFormat.Error(), ErrImageFormat}
	case err != nil:
		return ImageInfo{}, damaged(format, err)
	}
	info := ImageInfo{Format: format, Width: cfg.Width, Height: cfg.Height, Orientation: 1}
	name := strings.ToUpper(format)
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return info, &imageError{fmt.Sprintf("the %s picture is empty: %d×%d pixels", name, cfg.Width, cfg.Height), ErrMalformed}
	}
	pixels := int64(cfg.Width) * int64(cfg.Height)
	if pixels > MaxImagePixels {
		return info, &imageError{fmt.Sprintf("%v: %d×%d pixels is more than %d megapixels; scale it down",
			ErrImageTooLarge, cfg.Width, cfg.Height, MaxImagePixels/1_000_000), ErrImageTooLarge}
	}
	switch format {
	case "png":
		h, ok := readPNGHeader(data)
		if !ok {
			return info, damaged(format, errors.New("its header cannot be read"))
		}
		info.Kind, info.Bytes = h.kind(), h.bytes()
	case "jpeg":
		h := readJPEGHeader(data)
		info.Orientation = h.orientation
		info.Kind, info.Bytes = h.kind(), h.bytes()
	case "gif":
		info.Kind, info.Bytes = gifBytes(data, pixels)
	default: // a format another package registered with image
		return info, &imageError{"the file is " + ErrImageFormat.Error(), ErrImageFormat}
	}
	if info.Bytes > MaxImageBytes {
		return info, tooLarge(info, info.Bytes)
	}
	return info, nil
}

// tooLarge is the error for a picture that would take more than
// MaxImageBytes of memory, n bytes, to read: it says how many megapixels of
// that kind fit.
func tooLarge(info ImageInfo, n int64) error {
	pixels := float64(info.Width) * float64(info.Height)
	fit := float64(MaxImageBytes) / (float64(n) / pixels) / 1e6
	return &imageError{fmt.Sprintf("%v: a %d×%d %s takes %d MB to read, and a picture may take at most %d MB "+
		"(%.1f megapixels of this kind); scale it down",
		ErrImageTooLarge, info.Width, info.Height, info.Kind, (n+1<<20-1)>>20, MaxImageBytes>>20, fit), ErrImageTooLarge}
}

// damaged is the error for a picture its decoder cannot read.
func damaged(format string, err error) error {
	why := strings.TrimPrefix(err.Error(), format+": ")
	return &imageError{fmt.Sprintf("the %s picture is damaged and cannot be read (%s)", strings.ToUpper(format), why), ErrMalformed}
}

// decodeInspected decodes a picture InspectImage accepted, with the
// decoder of its format only.
func decodeInspected(data []byte, info ImageInfo) (image.Image, error) {
	var img image.Image
	var err error
	r := bytes.NewReader(data)
	switch info.Format {
	case "png":
		img, err = png.Decode(r)
	case "jpeg":
		img, err = jpeg.Decode(r)
	default:
		img, err = gif.Decode(r)
	}
	if err != nil {
		return nil, damaged(info.Format, err)
	}
	return img, nil
}

// DecodeImage reads an uploaded picture: PNG, JPEG or GIF (its first
// frame), at its full size. It checks the header first (InspectImage), so
// a picture too large to decode is refused without using the memory, and it
// turns a JPEG the way its EXIF orientation says, as phones expect; the
// upright copy counts towards MaxImageBytes. Every error is in words a
// sender understands and wraps ErrImageFormat, ErrImageTooLarge or
// ErrMalformed.
//
// To print a picture, DecodePrintImage takes far less memory.
func DecodeImage(data []byte) (image.Image, error) {
	info, err := InspectImage(data)
	if err != nil {
		return nil, err
	}
	if info.Orientation > 1 {
		if n := info.Bytes + orientBytes(info.Width, info.Height); n > MaxImageBytes {
			return nil, tooLarge(info, n)
		}
	}
	img, err := decodeInspected(data, info)
	if err != nil {
		return nil, err
	}
	return orient(img, info.Orientation), nil
}
