package sdk

import (
	"image"

	"paperboy/codec"
)

// DecodeImage reads a PNG, JPEG or GIF picture, such as a pushed photo,
// refusing pictures too large to be sensible (50 megapixels).
func DecodeImage(data []byte) (image.Image, error) { return codec.DecodeImage(data) }
