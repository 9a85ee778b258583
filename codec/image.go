package codec

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	_ "image/gif" // register the decoders DecodeImage accepts
	_ "image/jpeg"
	_ "image/png"
)

// MaxImagePixels bounds the pictures DecodeImage accepts: 50 megapixels is
// more than a phone camera makes, and decoding it needs at most 200 MB.
const MaxImagePixels = 50_000_000

// ErrImageFormat is returned for input that is not a PNG, JPEG or GIF picture.
var ErrImageFormat = errors.New("not a PNG, JPEG or GIF picture")

// DecodeImage reads an uploaded picture: PNG, JPEG or GIF (its first frame). It checks the size in the header before decoding, so a small file
// that claims to be huge is refused without using the memory, and it turns a
// JPEG the way its EXIF orientation says, as phones expect.
func DecodeImage(data []byte) (image.Image, error) {
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		if errors.Is(err, image.ErrFormat) {
			return nil, fmt.Errorf("image: %w", ErrImageFormat)
		}
		return nil, fmt.Errorf("image: %w: %v", ErrMalformed, err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return nil, fmt.Errorf("image: %w: %s of %d×%d pixels is empty", ErrMalformed, format, cfg.Width, cfg.Height)
	}
	if int64(cfg.Width)*int64(cfg.Height) > MaxImagePixels {
		return nil, fmt.Errorf("image: %w: %d×%d pixels is too large (at most %d megapixels)",
			ErrMalformed, cfg.Width, cfg.Height, MaxImagePixels/1_000_000)
	}
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("image: %w: %s: %v", ErrMalformed, format, err)
	}
	if format == "jpeg" {
		img = orient(img, jpegOrientation(data))
	}
	return img, nil
}
