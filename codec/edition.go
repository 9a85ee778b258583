package codec

import (
	"errors"
	"fmt"
)

// DecodeEdition turns a publication's edition, a PNG made by a plugin, into
// a print. It refuses what is not a picture of the print's width and at
// most MaxRows tall: a plugin's output is outside input like any other. An
// edition is black on white already, so the threshold rule makes the dots.
func DecodeEdition(png []byte) (*Bitmap, error) {
	if len(png) == 0 {
		return nil, errors.New("the publication sent no edition")
	}
	img, err := DecodeImage(png)
	if err != nil {
		return nil, fmt.Errorf("the publication sent an edition that is not a picture: %w", err)
	}
	if w := img.Bounds().Dx(); w != PrintWidth {
		return nil, fmt.Errorf("the publication sent a picture %d pixels wide, not %d", w, PrintWidth)
	}
	if h := img.Bounds().Dy(); h > MaxRows {
		return nil, fmt.Errorf("the publication sent a picture %d rows tall, more than %d", h, MaxRows)
	}
	return Rasterize(img, Threshold), nil
}
