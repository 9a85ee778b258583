package sdk

import (
	"errors"
	"fmt"
	"image"

	"rsc.io/qr"
)

// qrCode draws a QR code as large as fits, centred, with its caption.
func (r *renderer) qrCode(b QRBlock) (*image.Gray, error) {
	if b.Data == "" {
		return nil, errors.New("a QR code of nothing")
	}
	code, err := qr.Encode(b.Data, qr.M)
	if err != nil {
		return nil, fmt.Errorf("the QR code: %w", err)
	}
	const quiet = 4 // modules of white around it
	scale := min(6, (Width-2*margin)/(code.Size+2*quiet))
	if scale < 1 {
		return nil, fmt.Errorf("the QR code's data is too long to print (%d bytes)", len(b.Data))
	}
	side := code.Size * scale
	x0 := (Width - side) / 2
	img := blank(side + 2*quiet*scale)
	for y := range code.Size {
		for x := range code.Size {
			if code.Black(x, y) {
				for yy := (quiet + y) * scale; yy < (quiet+y+1)*scale; yy++ {
					clear(img.Pix[yy*img.Stride+x0+x*scale : yy*img.Stride+x0+(x+1)*scale])
				}
			}
		}
	}
	if b.Caption == "" {
		return img, nil
	}
	caption, err := r.text([]Span{T(b.Caption)}, sizes[Small], Width-2*margin, AlignCenter)
	if err != nil {
		return nil, err
	}
	return stack([]*image.Gray{img, caption}, 0), nil
}
