package sdk

import (
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	xdraw "golang.org/x/image/draw"
	"golang.org/x/image/font"
	"golang.org/x/image/math/fixed"
	"rsc.io/qr"

	"paperboy/codec"
)

// The layout of a document, in pixels.
const (
	margin   = 8  // left and right
	blockGap = 10 // between blocks
	// MaxHeight is the tallest edition: the printer's limit.
	MaxHeight = codec.MaxRows
)

// sizes are the pixel sizes of the text sizes, and of titles and headings.
var sizes = map[TextSize]float64{Normal: 22, Small: 17, Large: 34, Huge: 64}

const (
	titleSize   = 40
	headingSize = 28
)

// ErrTooTall is returned, wrapped, for an edition taller than MaxHeight.
var ErrTooTall = errors.New("sdk: the edition is too tall")

// RenderResult is the picture of an edition: its document laid out, or its
// image scaled to the width of a print. Nothing-today and finished results
// have no picture.
func RenderResult(r Result) (image.Image, error) {
	switch {
	case r.Document != nil && r.Image != nil:
		return nil, errors.New("sdk: a result has a document or an image, not both")
	case r.Document != nil:
		return r.Document.Render()
	case r.Image != nil:
		return scaleToWidth(r.Image, Width)
	}
	return nil, errors.New("sdk: the result has no edition: return Print, PrintImage, NothingToday or Finished")
}

// Render lays the document out on a print: 384 pixels wide, black on white
// in the embedded Go fonts, pictures dithered. The same document always
// gives the same image.
func (d *Document) Render() (*image.Gray, error) {
	if d == nil || len(d.Blocks) == 0 {
		return nil, errors.New("sdk: the document is empty")
	}
	r := &renderer{faces: map[faceKey]font.Face{}}
	defer r.close()
	var parts []*image.Gray
	height := 2 * margin
	for i, b := range d.Blocks {
		img, err := r.block(b)
		if err != nil {
			return nil, fmt.Errorf("sdk: block %d (%T): %w", i+1, b, err)
		}
		if img == nil {
			continue
		}
		if len(parts) > 0 {
			height += blockGap
		}
		height += img.Bounds().Dy()
		if height > MaxHeight {
			return nil, fmt.Errorf("%w: more than %d pixels at block %d", ErrTooTall, MaxHeight, i+1)
		}
		parts = append(parts, img)
	}
	out := blank(height)
	y := margin
	for _, p := range parts {
		paste(out, p, 0, y)
		y += p.Bounds().Dy() + blockGap
	}
	return out, nil
}

// blank is a white strip of the print's width.
func blank(height int) *image.Gray {
	img := image.NewGray(image.Rect(0, 0, Width, height))
	fill(img.Pix, 0xff)
	return img
}

// fill sets every byte of p to v, doubling what is done with each copy.
func fill(p []byte, v byte) {
	if len(p) == 0 {
		return
	}
	p[0] = v
	for n := 1; n < len(p); n *= 2 {
		copy(p[n:], p[:n])
	}
}

type faceKey struct {
	style Style
	size  float64
}

// renderer holds the faces of one Render: faces are not safe to share.
type renderer struct {
	faces map[faceKey]font.Face
}

func (r *renderer) close() {
	for _, f := range r.faces {
		f.Close()
	}
}

func (r *renderer) face(style Style, size float64) (font.Face, error) {
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

// block draws one block as a strip of the print's width; nil for nothing.
func (r *renderer) block(b Block) (*image.Gray, error) {
	switch b := b.(type) {
	case TitleBlock:
		return r.text([]Span{{Text: b.Text, Bold: true}}, titleSize, Width-2*margin, alignCenter)
	case HeadingBlock:
		return r.text([]Span{{Text: b.Text, Bold: true}}, headingSize, Width-2*margin, alignLeft)
	case ParagraphBlock:
		size, ok := sizes[b.Size]
		if !ok {
			return nil, fmt.Errorf("unknown text size %d", b.Size)
		}
		align := alignLeft
		if b.Center {
			align = alignCenter
		}
		return r.text(b.Spans, size, Width-2*margin, align)
	case ListBlock:
		return r.list(b)
	case ImageBlock:
		return picture(b)
	case QRBlock:
		return r.qrCode(b)
	case RuleBlock:
		img := blank(3)
		for x := margin; x < Width-margin; x++ {
			if b.Dashed && (x-margin)%12 >= 8 {
				continue
			}
			img.SetGray(x, 1, color.Gray{})
			img.SetGray(x, 2, color.Gray{})
		}
		return img, nil
	case SpacerBlock:
		if b.Height < 0 || b.Height > MaxHeight {
			return nil, fmt.Errorf("a spacer of %d pixels", b.Height)
		}
		if b.Height == 0 {
			return nil, nil
		}
		return blank(b.Height), nil
	case RowBlock:
		return r.row(b)
	case nil:
		return nil, errors.New("a nil block")
	}
	return nil, fmt.Errorf("unknown block type %T", b)
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

// list draws items with a bullet or number and a hanging indent.
func (r *renderer) list(b ListBlock) (*image.Gray, error) {
	size := sizes[Normal]
	marker := func(i int) string {
		if b.Numbered {
			return strconv.Itoa(i+1) + "."
		}
		return "•"
	}
	widest, err := r.measure(piece{marker(len(b.Items) - 1), Regular}, size)
	if err != nil {
		return nil, err
	}
	indent := widest.Ceil() + 10
	var parts []*image.Gray
	height := 0
	for i, item := range b.Items {
		body, err := r.textAt(item, size, margin+indent, Width-2*margin-indent, alignLeft)
		if err != nil {
			return nil, err
		}
		mark, err := r.textAt([]Span{T(marker(i))}, size, margin, indent, alignLeft)
		if err != nil {
			return nil, err
		}
		darken(body, mark)
		parts = append(parts, body)
		height += body.Bounds().Dy() + 4
	}
	if len(parts) == 0 {
		return nil, nil
	}
	return stack(parts, 4), nil
}

// paste copies src, whose origin is (0, 0), into dst at (x, y), clipped
// to dst: a row copy, where image/draw would go pixel by pixel.
func paste(dst, src *image.Gray, x, y int) {
	w := min(src.Bounds().Dx(), dst.Bounds().Dx()-x)
	for row := range min(src.Bounds().Dy(), dst.Bounds().Dy()-y) {
		copy(dst.Pix[(y+row)*dst.Stride+x:][:w], src.Pix[row*src.Stride:][:w])
	}
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

// darken draws src over dst where src is darker: text drawn on white
// strips of the same width combines without erasing.
func darken(dst, src *image.Gray) {
	h := min(dst.Bounds().Dy(), src.Bounds().Dy())
	for y := range h {
		d, s := dst.Pix[y*dst.Stride:y*dst.Stride+Width], src.Pix[y*src.Stride:y*src.Stride+Width]
		for x := range d {
			d[x] = min(d[x], s[x])
		}
	}
}

// stack puts strips one under another with gap pixels between.
func stack(parts []*image.Gray, gap int) *image.Gray {
	height := 0
	for _, p := range parts {
		height += p.Bounds().Dy()
	}
	height += gap * (len(parts) - 1)
	out := blank(height)
	y := 0
	for _, p := range parts {
		paste(out, p, 0, y)
		y += p.Bounds().Dy() + gap
	}
	return out
}

// row draws two columns: the left one aligned left, the right one right.
func (r *renderer) row(b RowBlock) (*image.Gray, error) {
	const gap = 12
	half := (Width - 2*margin - gap) / 2
	left, err := r.textAt(b.Left, sizes[Normal], margin, half, alignLeft)
	if err != nil {
		return nil, err
	}
	right, err := r.textAt(b.Right, sizes[Normal], Width-margin-half, half, alignRight)
	if err != nil {
		return nil, err
	}
	out := blank(max(left.Bounds().Dy(), right.Bounds().Dy()))
	paste(out, left, 0, 0)
	darken(out, right)
	return out, nil
}

// picture scales an image block to its width and dithers it.
func picture(b ImageBlock) (*image.Gray, error) {
	if b.Image == nil {
		return nil, errors.New("an image block without an image")
	}
	w := b.Width
	if w <= 0 || w > Width {
		w = Width
	}
	scaled, err := scaleToWidth(b.Image, w)
	if err != nil {
		return nil, err
	}
	canvas := blank(scaled.Bounds().Dy())
	x := (Width - w) / 2
	paste(canvas, scaled, x, 0)
	bm := codec.Rasterize(canvas, codec.FloydSteinberg)
	out := blank(bm.Height)
	for y := range bm.Height {
		for x := range Width {
			if bm.Black(x, y) {
				out.Pix[y*out.Stride+x] = 0
			}
		}
	}
	return out, nil
}

// scaleToWidth scales a picture to w pixels wide keeping its aspect, on
// white where it is transparent, in grey.
func scaleToWidth(src image.Image, w int) (*image.Gray, error) {
	b := src.Bounds()
	if b.Dx() <= 0 || b.Dy() <= 0 {
		return nil, errors.New("the picture is empty")
	}
	h := int((int64(b.Dy())*int64(w) + int64(b.Dx())/2) / int64(b.Dx()))
	h = max(h, 1)
	if h > MaxHeight {
		return nil, fmt.Errorf("%w: the picture is %d pixels tall at the print's width", ErrTooTall, h)
	}
	out := image.NewGray(image.Rect(0, 0, w, h))
	if g, ok := src.(*image.Gray); ok && b.Dx() == w && b.Dy() == h {
		paste(out, g.SubImage(b).(*image.Gray), 0, 0)
		return out, nil
	}
	// Scaled onto white paper in RGBA, which x/image/draw has fast paths
	// for, then to grey.
	rgba := image.NewRGBA(image.Rect(0, 0, w, h))
	fill(rgba.Pix, 0xff)
	if b.Dx() == w && b.Dy() == h {
		draw.Draw(rgba, rgba.Bounds(), src, b.Min, draw.Over)
	} else {
		xdraw.CatmullRom.Scale(rgba, rgba.Bounds(), src, b, draw.Over, nil)
	}
	for i := range out.Pix {
		p := rgba.Pix[4*i : 4*i+3 : 4*i+3]
		out.Pix[i] = uint8((19595*uint32(p[0]) + 38470*uint32(p[1]) + 7471*uint32(p[2]) + 1<<15) >> 16)
	}
	return out, nil
}

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
	caption, err := r.text([]Span{T(b.Caption)}, sizes[Small], Width-2*margin, alignCenter)
	if err != nil {
		return nil, err
	}
	return stack([]*image.Gray{img, caption}, 0), nil
}
