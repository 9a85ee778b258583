package codec

import (
	"errors"
	"fmt"
)

// DecodeEdition turns a publication's edition, a PNG made by a plugin, into
// a print. It refuses what is not a picture of the print's width and at
// most MaxRows tall, by its header, before decoding it: a plugin's output
// is outside input like any other. An edition is black on white already,
// so the threshold rule makes the dots.
func DecodeEdition(png []byte) (*Bitmap, error) {
	if len(png) == 0 {
		return nil, errors.New("the publication sent no edition")
	}
	info, err := InspectImage(png)
	if errors.Is(err, ErrImageTooLarge) {
		return nil, fmt.Errorf("the publication sent an edition that cannot be printed: %w", err)
	}
	if err != nil {
		return nil, fmt.Errorf("the publication sent an edition that is not a picture: %w", err)
	}
	// Its size is checked before it is decoded: a picture of the wrong size
	// costs nothing.
	if info.Width != PrintWidth {
		return nil, fmt.Errorf("the publication sent a picture %d pixels wide, not %d", info.Width, PrintWidth)
	}
	if info.Height > MaxRows {
		return nil, fmt.Errorf("the publication sent a picture %d rows tall, more than %d", info.Height, MaxRows)
	}
	img, err := decodeInspected(png, info)
	if err != nil {
		return nil, fmt.Errorf("the publication sent an edition that is not a picture: %w", err)
	}
	return Rasterize(img, Threshold), nil
}
