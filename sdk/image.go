package sdk

import (
	"image"

	"paperboy/codec"
)

// DecodeImage reads a PNG, JPEG or GIF picture, such as one a publication
// fetched, refusing pictures too large to be sensible: more than 50
// megapixels, or more than 96 MB of memory once decoded (a 16-bit PNG of
// 12 megapixels). Its errors say so in words a reader understands.
func DecodeImage(data []byte) (image.Image, error) { return codec.DecodeImage(data) }
