package sdk

import (
	"fmt"
	"sync"

	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goitalic"
	"golang.org/x/image/font/gofont/gomono"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/opentype"
)

// Style is a typeface of the Go font family.
type Style int

// The styles.
const (
	Regular Style = iota
	Bold
	Italic
	Mono
)

var fontData = [...][]byte{Regular: goregular.TTF, Bold: gobold.TTF, Italic: goitalic.TTF, Mono: gomono.TTF}

// fonts are parsed once; a parsed font is safe to share, a face is not.
var fonts = sync.OnceValues(func() ([]*opentype.Font, error) {
	out := make([]*opentype.Font, len(fontData))
	for i, data := range fontData {
		f, err := opentype.Parse(data)
		if err != nil {
			return nil, err
		}
		out[i] = f
	}
	return out, nil
})

// NewFace makes a face of a style at a size in pixels. A face is for one
// goroutine at a time.
func NewFace(style Style, size float64) (font.Face, error) {
	fs, err := fonts()
	if err != nil {
		return nil, fmt.Errorf("sdk: fonts: %w", err)
	}
	if int(style) < 0 || int(style) >= len(fs) {
		return nil, fmt.Errorf("sdk: no font style %d", style)
	}
	return opentype.NewFace(fs[style], &opentype.FaceOptions{Size: size, DPI: 72, Hinting: font.HintingFull})
}

type faceKey struct {
	style Style
	size  float64
}

// renderer holds the faces of one drawing (a Render, a RenderText, a
// TextBox): faces are not safe to share.
type renderer struct {
	faces map[faceKey]font.Face
	only  font.Face // if set, the face of every style and size (Wrap's)
	blend blend     // how glyphs darken the paper
}

func newRenderer() *renderer { return &renderer{faces: map[faceKey]font.Face{}} }

func (r *renderer) close() {
	for _, f := range r.faces {
		f.Close()
	}
}

func (r *renderer) face(style Style, size float64) (font.Face, error) {
	if r.only != nil {
		return r.only, nil
	}
	k := faceKey{style, size}
	if f := r.faces[k]; f != nil {
		return f, nil
	}
	f, err := NewFace(style, size)
	if err != nil {
		return nil, err
	}
	r.faces[k] = f
	return f, nil
}
