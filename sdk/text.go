package sdk

import (
	"fmt"
	"image"
	"image/draw"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goitalic"
	"golang.org/x/image/font/gofont/gomono"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
)

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

type align int

const (
	alignLeft align = iota
	alignCenter
	alignRight
)

// piece is text in one style; a word is pieces with no space between.
type piece struct {
	text  string
	style Style
}

type word struct {
	pieces []piece
	space  bool // a space before it
}

type line struct {
	words []word
}

func spanStyle(s Span) Style {
	switch {
	case s.Mono:
		return Mono
	case s.Bold:
		return Bold
	case s.Italic:
		return Italic
	}
	return Regular
}

// paragraphs splits spans into paragraphs (at newlines) of words.
func paragraphs(spans []Span) [][]word {
	paras := [][]word{nil}
	space := false
	for _, s := range spans {
		st := spanStyle(s)
		text := s.Text
		if !utf8.ValidString(text) {
			text = strings.ToValidUTF8(text, "\uFFFD")
		}
		text = strings.ReplaceAll(text, "\r\n", "\n")
		var cur strings.Builder
		flush := func() {
			if cur.Len() == 0 {
				return
			}
			ws := &paras[len(paras)-1]
			if !space && len(*ws) > 0 {
				last := &(*ws)[len(*ws)-1]
				last.pieces = append(last.pieces, piece{cur.String(), st})
			} else {
				*ws = append(*ws, word{pieces: []piece{{cur.String(), st}}, space: space})
			}
			cur.Reset()
			space = false
		}
		for _, c := range text {
			switch {
			case c == '\n':
				flush()
				paras = append(paras, nil)
				space = false
			case unicode.IsSpace(c):
				flush()
				space = true
			default:
				cur.WriteRune(c)
			}
		}
		flush()
	}
	return paras
}

func (r *renderer) measure(p piece, size float64) (fixed.Int26_6, error) {
	f, err := r.face(p.style, size)
	if err != nil {
		return 0, err
	}
	return font.MeasureString(f, p.text), nil
}

func (r *renderer) wordWidth(w word, size float64) (fixed.Int26_6, error) {
	var total fixed.Int26_6
	for _, p := range w.pieces {
		n, err := r.measure(p, size)
		if err != nil {
			return 0, err
		}
		total += n
	}
	return total, nil
}

// cut splits a word too wide for limit into words that fit, at runes.
func (r *renderer) cut(w word, size float64, limit fixed.Int26_6) ([]word, error) {
	var out []word
	cur := word{space: w.space}
	var width fixed.Int26_6
	for _, p := range w.pieces {
		f, err := r.face(p.style, size)
		if err != nil {
			return nil, err
		}
		start := 0
		for i, c := range p.text {
			adv, _ := f.GlyphAdvance(c)
			if width+adv > limit && (width > 0 || i > start) {
				if i > start {
					cur.pieces = append(cur.pieces, piece{p.text[start:i], p.style})
				}
				out = append(out, cur)
				cur, width, start = word{}, 0, i
			}
			width += adv
		}
		if start < len(p.text) {
			cur.pieces = append(cur.pieces, piece{p.text[start:], p.style})
		}
	}
	if len(cur.pieces) > 0 {
		out = append(out, cur)
	}
	return out, nil
}

// wrap breaks spans into lines no wider than width pixels.
func (r *renderer) wrap(spans []Span, size float64, width int) ([]line, error) {
	limit := fixed.I(width)
	space, err := r.measure(piece{" ", Regular}, size)
	if err != nil {
		return nil, err
	}
	var lines []line
	for _, para := range paragraphs(spans) {
		var cur line
		var curW fixed.Int26_6
		for _, w := range para {
			ww, err := r.wordWidth(w, size)
			if err != nil {
				return nil, err
			}
			gap := fixed.Int26_6(0)
			if w.space && len(cur.words) > 0 {
				gap = space
			}
			if curW+gap+ww <= limit {
				cur.words = append(cur.words, w)
				curW += gap + ww
				continue
			}
			if len(cur.words) > 0 {
				lines = append(lines, cur)
				cur, curW = line{}, 0
			}
			if ww <= limit {
				cur.words, curW = []word{w}, ww
				continue
			}
			parts, err := r.cut(w, size, limit)
			if err != nil {
				return nil, err
			}
			for _, p := range parts[:len(parts)-1] {
				lines = append(lines, line{words: []word{p}})
			}
			last := parts[len(parts)-1]
			cur.words = []word{last}
			if curW, err = r.wordWidth(last, size); err != nil {
				return nil, err
			}
		}
		lines = append(lines, cur)
	}
	return lines, nil
}

// text draws spans wrapped to width, starting at the left margin.
func (r *renderer) text(spans []Span, size float64, width int, a align) (*image.Gray, error) {
	return r.textAt(spans, size, margin, width, a)
}

// textAt draws spans wrapped to width, in a strip whose text starts at x.
func (r *renderer) textAt(spans []Span, size float64, x, width int, a align) (*image.Gray, error) {
	lines, err := r.wrap(spans, size, width)
	if err != nil {
		return nil, err
	}
	base, err := r.face(Regular, size)
	if err != nil {
		return nil, err
	}
	m := base.Metrics()
	lh := m.Height.Ceil()
	if len(lines)*lh > MaxHeight {
		return nil, fmt.Errorf("%w: %d lines of text", ErrTooTall, len(lines))
	}
	img := blank(len(lines) * lh)
	space, _ := r.measure(piece{" ", Regular}, size)
	for i, ln := range lines {
		var lw fixed.Int26_6
		for j, w := range ln.words {
			if j > 0 && w.space {
				lw += space
			}
			n, _ := r.wordWidth(w, size)
			lw += n
		}
		dot := fixed.I(x)
		switch a {
		case alignCenter:
			dot += (fixed.I(width) - lw) / 2
		case alignRight:
			dot += fixed.I(width) - lw
		}
		y := fixed.I(i*lh + m.Ascent.Ceil())
		for j, w := range ln.words {
			if j > 0 && w.space {
				dot += space
			}
			for _, p := range w.pieces {
				f, _ := r.face(p.style, size)
				dot = drawString(img, f, fixed.Point26_6{X: dot, Y: y}, p.text)
			}
		}
	}
	return img, nil
}

// drawString draws s in black from dot, kerned as font.Drawer does, and
// returns where the dot ends. Each glyph's coverage darkens the grey
// (black over it with the glyph's alpha), which image/draw does for an
// *image.Gray only through its slow general path.
func drawString(dst *image.Gray, f font.Face, dot fixed.Point26_6, s string) fixed.Int26_6 {
	prev := rune(-1)
	for _, c := range s {
		if prev >= 0 {
			dot.X += f.Kern(prev, c)
		}
		dr, mask, mp, advance, _ := f.Glyph(dot, c)
		if a, ok := mask.(*image.Alpha); ok {
			clip := dr.Intersect(dst.Bounds())
			for y := clip.Min.Y; y < clip.Max.Y; y++ {
				d := dst.Pix[y*dst.Stride+clip.Min.X : y*dst.Stride+clip.Max.X]
				m := a.Pix[(mp.Y+y-dr.Min.Y)*a.Stride+mp.X+clip.Min.X-dr.Min.X:]
				for x := range d {
					d[x] = uint8((uint32(d[x])*(255-uint32(m[x])) + 127) / 255)
				}
			}
		} else if !dr.Empty() {
			draw.DrawMask(dst, dr, image.Black, image.Point{}, mask, mp, draw.Over)
		}
		dot.X += advance
		prev = c
	}
	return dot.X
}
