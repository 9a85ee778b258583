package sdk

import (
	"fmt"
	"image"
	"image/draw"
	"strings"
	"sync"
	"unicode/utf8"

	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goitalic"
	"golang.org/x/image/font/gofont/gomono"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
)

// Width is the width of a print in pixels.
const Width = 384

// MaxTextBytes bounds the text RenderText takes: a long letter, not a book.
const MaxTextBytes = 64 << 10

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

// TextOptions says how RenderText lays text out; zero values mean the
// defaults.
type TextOptions struct {
	Style  Style
	Size   float64 // pixels; default 24
	Margin int     // pixels left and right, and above and below; default 8
}

// RenderText draws text black on white, wrapped to Width: paragraphs at
// newlines, lines at spaces, and words too long for a line cut where they
// must. The same text gives the same image.
func RenderText(text string, opt TextOptions) (*image.Gray, error) {
	if len(text) > MaxTextBytes {
		return nil, fmt.Errorf("sdk: text of %d bytes is too long (at most %d)", len(text), MaxTextBytes)
	}
	if !utf8.ValidString(text) {
		text = strings.ToValidUTF8(text, "\uFFFD")
	}
	if opt.Size == 0 {
		opt.Size = 24
	}
	if opt.Margin == 0 {
		opt.Margin = 8
	}
	face, err := NewFace(opt.Style, opt.Size)
	if err != nil {
		return nil, err
	}
	defer face.Close()
	lines := Wrap(face, text, Width-2*opt.Margin)
	m := face.Metrics()
	lineHeight := m.Height.Ceil()
	img := image.NewGray(image.Rect(0, 0, Width, 2*opt.Margin+len(lines)*lineHeight))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	d := font.Drawer{Dst: img, Src: image.Black, Face: face}
	for i, line := range lines {
		d.Dot = fixed.P(opt.Margin, opt.Margin+i*lineHeight+m.Ascent.Ceil())
		d.DrawString(line)
	}
	return img, nil
}

// Wrap breaks text into lines no wider than width pixels in face.
func Wrap(face font.Face, text string, width int) []string {
	limit := fixed.I(width)
	text = strings.ReplaceAll(strings.ReplaceAll(text, "\r\n", "\n"), "\t", "    ")
	var lines []string
	for para := range strings.SplitSeq(text, "\n") {
		var line string
		for _, word := range strings.Fields(para) {
			switch {
			case line == "" && font.MeasureString(face, word) <= limit:
				line = word
			case line != "" && font.MeasureString(face, line+" "+word) <= limit:
				line += " " + word
			default:
				if line != "" {
					lines = append(lines, line)
				}
				// A word wider than a line is cut.
				for font.MeasureString(face, word) > limit {
					n := fit(face, word, limit)
					lines = append(lines, word[:n])
					word = word[n:]
				}
				line = word
			}
		}
		lines = append(lines, line)
	}
	return lines
}

// fit is how many bytes of s, cut at a rune, fit in limit; at least one rune.
func fit(face font.Face, s string, limit fixed.Int26_6) int {
	n := 0
	for i, r := range s {
		end := i + utf8.RuneLen(r)
		if n > 0 && font.MeasureString(face, s[:end]) > limit {
			break
		}
		n = end
	}
	return n
}
