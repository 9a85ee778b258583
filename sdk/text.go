package sdk

import (
	"fmt"
	"image"
	"image/draw"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/image/font"
	"golang.org/x/image/math/fixed"
)

// MaxTextBytes bounds the text RenderText takes: a long letter, not a book.
const MaxTextBytes = 64 << 10

// Align is how lines of text sit between their margins.
type Align int

// The alignments.
const (
	AlignLeft Align = iota
	AlignCenter
	AlignRight
)

// TextBox is styled text drawn on its own, outside a document: spans in
// one of a paragraph's sizes, so that a publication never needs their
// pixels, laid out as a paragraph is (wrapped between margins at spaces,
// and within a word too long for a line) with each line aligned. It is for
// a publication that draws a picture of its own with text in it. Its
// glyphs' grey edges are blended as RenderText's are, which can differ by
// one level from a document's where two glyphs touch.
//
//	strip, err := sdk.TextBox{Spans: []sdk.Span{sdk.I("Happy birthday!")}, Size: sdk.Large, Align: sdk.AlignCenter}.Draw()
type TextBox struct {
	Spans []Span
	// Size is Normal (the zero value), Small, Large or Huge: the pixel
	// size a paragraph of that size has.
	Size TextSize
	// Align is AlignLeft (the zero value), AlignCenter or AlignRight.
	Align Align
	// Margin is the white left and right of the lines, in pixels: the
	// lines are Width - 2×Margin wide. Zero is a document's margin, 8.
	Margin int
}

// box is the pixel size and margin of the text.
func (b TextBox) box() (size float64, margin int, err error) {
	size, ok := sizes[b.Size]
	if !ok {
		return 0, 0, fmt.Errorf("sdk: unknown text size %d", b.Size)
	}
	margin = b.Margin
	if margin == 0 {
		margin = 8 // a document's
	}
	if margin < 0 || 2*margin >= Width {
		return 0, 0, fmt.Errorf("sdk: a margin of %d pixels leaves no room for text", b.Margin)
	}
	return size, margin, nil
}

// Lines wraps the text as Draw does, drawing nothing: how many lines it
// takes, and the height of each in pixels. A publication can refuse text
// too long for it before it is drawn.
func (b TextBox) Lines() (n, lineHeight int, err error) {
	size, margin, err := b.box()
	if err != nil {
		return 0, 0, err
	}
	r := newRenderer()
	defer r.close()
	lines, m, _, err := r.layout(b.Spans, size, Width-2*margin)
	if err != nil {
		return 0, 0, err
	}
	return len(lines), m.Height.Ceil(), nil
}

// Draw draws the text black on white in a strip as wide as a print and as
// tall as its lines. It refuses text taller than MaxHeight with an error
// that wraps ErrTooTall. The same text always gives the same picture.
func (b TextBox) Draw() (*image.Gray, error) {
	size, margin, err := b.box()
	if err != nil {
		return nil, err
	}
	r := newRenderer()
	r.blend = blendDraw
	defer r.close()
	return r.textAt(b.Spans, size, margin, Width-2*margin, b.Align)
}

// TextOptions says how RenderText lays text out; zero values mean the
// defaults.
type TextOptions struct {
	Style  Style
	Size   float64 // pixels; default 24
	Margin int     // pixels left and right, and above and below; default 8
}

// RenderText draws text in one style and a size in pixels, black on white,
// wrapped to Width as paragraphs are (TextBox): paragraphs at newlines,
// lines at spaces, and words too long for a line cut where they must; with
// a margin all round. The same text gives the same image.
func RenderText(text string, opt TextOptions) (*image.Gray, error) {
	if len(text) > MaxTextBytes {
		return nil, fmt.Errorf("sdk: text of %d bytes is too long (at most %d)", len(text), MaxTextBytes)
	}
	if opt.Size == 0 {
		opt.Size = 24
	}
	if opt.Margin == 0 {
		opt.Margin = 8
	}
	r := newRenderer()
	r.blend = blendDraw
	defer r.close()
	face, err := r.face(opt.Style, opt.Size)
	if err != nil {
		return nil, err
	}
	width := Width - 2*opt.Margin
	space := font.MeasureString(face, " ") // a space of the text's style
	lines, err := r.wrap([]Span{styled(text, opt.Style)}, opt.Size, width, space)
	if err != nil {
		return nil, err
	}
	m := face.Metrics()
	img := blank(2*opt.Margin + len(lines)*m.Height.Ceil())
	r.draw(img, lines, opt.Size, m, space, image.Pt(opt.Margin, opt.Margin), width, AlignLeft)
	return img, nil
}

// styled is text in one style as a span.
func styled(text string, s Style) Span {
	return Span{Text: text, Bold: s == Bold, Italic: s == Italic, Mono: s == Mono}
}

// Wrap breaks text into lines no wider than width pixels in face, as
// RenderText wraps it: paragraphs at newlines, lines at spaces (runs of
// spaces and tabs become one), and words too long for a line cut where
// they must. Text that is not UTF-8 has U+FFFD in its place.
func Wrap(face font.Face, text string, width int) []string {
	r := &renderer{only: face}
	lines, _ := r.wrap([]Span{T(text)}, 0, width, font.MeasureString(face, " ")) // with only, faces never fail
	out := make([]string, len(lines))
	for i, ln := range lines {
		var b strings.Builder
		for j, w := range ln.words {
			if j > 0 && w.space {
				b.WriteByte(' ')
			}
			for _, p := range w.pieces {
				b.WriteString(p.text)
			}
		}
		out[i] = b.String()
	}
	return out
}

// piece is text in one style; a word is pieces with no space between.
type piece struct {
	text  string
	style Style
}

// word is text between spaces.
type word struct {
	pieces []piece
	space  bool // a space before it
}

// line is the words of one line of text.
type line struct {
	words []word
}

// spanStyle is the style a span is drawn in.
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

// wrap breaks spans into lines no wider than width pixels, in faces of
// size; space is the width of a space between two words.
func (r *renderer) wrap(spans []Span, size float64, width int, space fixed.Int26_6) ([]line, error) {
	limit := fixed.I(width)
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

// layout wraps spans as a document's text, into lines no wider than width
// with a space as wide as a regular one: the lines, the regular face's
// metrics, and the space.
func (r *renderer) layout(spans []Span, size float64, width int) ([]line, font.Metrics, fixed.Int26_6, error) {
	base, err := r.face(Regular, size)
	if err != nil {
		return nil, font.Metrics{}, 0, err
	}
	space := font.MeasureString(base, " ")
	lines, err := r.wrap(spans, size, width, space)
	return lines, base.Metrics(), space, err
}

// text draws spans wrapped to width, starting at the left margin.
func (r *renderer) text(spans []Span, size float64, width int, a Align) (*image.Gray, error) {
	return r.textAt(spans, size, margin, width, a)
}

// textAt draws spans wrapped to width, in a strip whose text starts at x.
func (r *renderer) textAt(spans []Span, size float64, x, width int, a Align) (*image.Gray, error) {
	lines, m, space, err := r.layout(spans, size, width)
	if err != nil {
		return nil, err
	}
	lh := m.Height.Ceil()
	if len(lines)*lh > MaxHeight {
		return nil, fmt.Errorf("%w: %d lines of text", ErrTooTall, len(lines))
	}
	img := blank(len(lines) * lh)
	r.draw(img, lines, size, m, space, image.Pt(x, 0), width, a)
	return img, nil
}

// draw draws lines into dst, the first one's top left at at, each
// m.Height tall, aligned in width pixels; space is the width of a space
// between words.
func (r *renderer) draw(dst *image.Gray, lines []line, size float64, m font.Metrics, space fixed.Int26_6, at image.Point, width int, a Align) {
	lh := m.Height.Ceil()
	for i, ln := range lines {
		var lw fixed.Int26_6
		for j, w := range ln.words {
			if j > 0 && w.space {
				lw += space
			}
			n, _ := r.wordWidth(w, size)
			lw += n
		}
		dot := fixed.I(at.X)
		switch a {
		case AlignCenter:
			dot += (fixed.I(width) - lw) / 2
		case AlignRight:
			dot += fixed.I(width) - lw
		}
		y := fixed.I(at.Y + i*lh + m.Ascent.Ceil())
		for j, w := range ln.words {
			if j > 0 && w.space {
				dot += space
			}
			for _, p := range w.pieces {
				f, _ := r.face(p.style, size)
				dot = drawString(dst, f, fixed.Point26_6{X: dot, Y: y}, p.text, r.blend)
			}
		}
	}
}

// blend is how a glyph's coverage darkens the grey under it: black over it,
// with the coverage as alpha, rounded one of two ways. The two differ by a
// level where glyphs overlap; each keeps the pictures made with it as they
// were.
type blend uint8

const (
	blendRound blend = iota // to the nearest level: documents
	blendDraw               // as image/draw does (font.Drawer), in 16 bits then grey: RenderText and TextBox
)

// drawString draws s in black from dot, kerned as font.Drawer does, and
// returns where the dot ends. Each glyph's coverage darkens the grey by the
// blend, which image/draw does for an *image.Gray only through its slow
// general path.
func drawString(dst *image.Gray, f font.Face, dot fixed.Point26_6, s string, b blend) fixed.Int26_6 {
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
				m = m[:len(d)]
				if b == blendDraw {
					for x := range d {
						d[x] = uint8(uint32(d[x]) * 257 * (65535 - 257*uint32(m[x])) / 65535 >> 8)
					}
					continue
				}
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

// Clip is s cut to at most n characters (runes), the last of them "…"
// when it is cut: for a headline, a feed's words or an error, which a
// publication shows but does not control.
func Clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	if n < 1 {
		return ""
	}
	return string([]rune(s)[:n-1]) + "…"
}
