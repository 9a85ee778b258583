package sdk

import (
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"net/url"
	"strconv"

	"paperboy/codec"
	"paperboy/sdk/htmlrender"
)

// The layout of a document, in pixels.
const (
	// Width is the width of a print.
	Width    = codec.PrintWidth
	margin   = 8  // left and right, of a document and of a TextBox
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
	case r.Document != nil && r.Image != nil, r.HTML != "" && (r.Document != nil || r.Image != nil):
		return nil, errors.New("sdk: a result has a document, an image or HTML: one, not both")
	case r.HTML != "":
		return renderHTML(r.HTML, r.BaseURL)
	case r.Document != nil:
		return r.Document.Render()
	case r.Image != nil:
		return scaleToWidth(r.Image, Width)
	}
	return nil, errors.New("sdk: the result has no edition: return Print, PrintImage, PrintHTML, NothingToday or Finished")
}

// Render lays the document out on a print: 384 pixels wide, black on white
// in the embedded Go fonts, pictures dithered. The same document always
// gives the same image.
func (d *Document) Render() (*image.Gray, error) {
	if d == nil || len(d.Blocks) == 0 {
		return nil, errors.New("sdk: the document is empty")
	}
	r := newRenderer()
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

// block draws one block as a strip of the print's width; nil for nothing.
func (r *renderer) block(b Block) (*image.Gray, error) {
	switch b := b.(type) {
	case TitleBlock:
		return r.text([]Span{{Text: b.Text, Bold: true}}, titleSize, Width-2*margin, AlignCenter)
	case HeadingBlock:
		return r.text([]Span{{Text: b.Text, Bold: true}}, headingSize, Width-2*margin, AlignLeft)
	case ParagraphBlock:
		size, ok := sizes[b.Size]
		if !ok {
			return nil, fmt.Errorf("unknown text size %d", b.Size)
		}
		align := AlignLeft
		if b.Center {
			align = AlignCenter
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
		body, err := r.textAt(item, size, margin+indent, Width-2*margin-indent, AlignLeft)
		if err != nil {
			return nil, err
		}
		mark, err := r.textAt([]Span{T(marker(i))}, size, margin, indent, AlignLeft)
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
	left, err := r.textAt(b.Left, sizes[Normal], margin, half, AlignLeft)
	if err != nil {
		return nil, err
	}
	right, err := r.textAt(b.Right, sizes[Normal], Width-margin-half, half, AlignRight)
	if err != nil {
		return nil, err
	}
	out := blank(max(left.Bounds().Dy(), right.Bounds().Dy()))
	paste(out, left, 0, 0)
	darken(out, right)
	return out, nil
}

// renderHTML renders a Result's HTML as the server's default engine does,
// for a plugin's tests and previews; the server renders it again with its
// own. Only data: images are drawn here: a test fetches nothing.
func renderHTML(page, base string) (image.Image, error) {
	var u *url.URL
	if base != "" {
		var err error
		if u, err = url.Parse(base); err != nil || !u.IsAbs() {
			return nil, fmt.Errorf("sdk: the HTML's base URL %q is not an absolute address", base)
		}
	}
	return htmlrender.New(htmlrender.Options{}).Render(context.Background(), htmlrender.Page{HTML: []byte(page), URL: u})
}
