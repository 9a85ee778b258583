package sdk

import "image"

// Document is an edition as blocks from top to bottom: what most
// publications return. Render lays it out on a 384-pixel-wide print in the
// embedded Go fonts; the same document always gives the same image.
//
//	doc := sdk.NewDocument().
//		Title("The Morning Paper").
//		Paragraph(sdk.B("Today: "), sdk.T("sunny, 18 °C.")).
//		Rule().
//		List("Buy bread", "Call Grandma")
type Document struct {
	Blocks []Block
}

// Block is one part of a document: TitleBlock, HeadingBlock,
// ParagraphBlock, ListBlock, ImageBlock, QRBlock, RuleBlock, SpacerBlock or
// RowBlock.
type Block interface{ block() }

// Span is a run of text in one style.
type Span struct {
	Text   string
	Bold   bool
	Italic bool
	Mono   bool
}

// T is plain text.
func T(s string) Span { return Span{Text: s} }

// B is bold text.
func B(s string) Span { return Span{Text: s, Bold: true} }

// I is italic text.
func I(s string) Span { return Span{Text: s, Italic: true} }

// M is monospaced text.
func M(s string) Span { return Span{Text: s, Mono: true} }

// TitleBlock is the edition's title: large, bold, centred.
type TitleBlock struct{ Text string }

// HeadingBlock starts a section: bold, a little larger than text.
type HeadingBlock struct{ Text string }

// ParagraphBlock is text wrapped to the width. Newlines in spans break
// lines.
type ParagraphBlock struct {
	Spans  []Span
	Size   TextSize
	Center bool
}

// TextSize is the size of a paragraph's text.
type TextSize int

// The text sizes.
const (
	Normal TextSize = iota // 22 px
	Small                  // 17 px
	Large                  // 34 px
	Huge                   // 64 px, for a number or a word
)

// ListBlock is a bulleted or numbered list; each item is wrapped with a
// hanging indent.
type ListBlock struct {
	Items    [][]Span
	Numbered bool
}

// ImageBlock is a picture, scaled to the width (or to Width pixels, centred,
// if set) and dithered.
type ImageBlock struct {
	Image image.Image
	Width int
}

// QRBlock is a QR code of Data, with an optional caption under it.
type QRBlock struct {
	Data    string
	Caption string
}

// RuleBlock is a horizontal line.
type RuleBlock struct{ Dashed bool }

// SpacerBlock is empty space.
type SpacerBlock struct{ Height int }

// RowBlock is two columns on one row: Left aligned left, Right aligned
// right, each wrapped in its half if it must be. For tables of two
// columns, such as times and events, or a label and a value.
type RowBlock struct {
	Left, Right []Span
}

func (TitleBlock) block()     {}
func (HeadingBlock) block()   {}
func (ParagraphBlock) block() {}
func (ListBlock) block()      {}
func (ImageBlock) block()     {}
func (QRBlock) block()        {}
func (RuleBlock) block()      {}
func (SpacerBlock) block()    {}
func (RowBlock) block()       {}

// NewDocument is an empty document; its methods add blocks and return it,
// so they chain.
func NewDocument() *Document { return &Document{} }

func (d *Document) add(b Block) *Document {
	d.Blocks = append(d.Blocks, b)
	return d
}

// Title adds the title.
func (d *Document) Title(text string) *Document { return d.add(TitleBlock{text}) }

// Heading adds a section heading.
func (d *Document) Heading(text string) *Document { return d.add(HeadingBlock{text}) }

// Paragraph adds a paragraph of spans in the normal size.
func (d *Document) Paragraph(spans ...Span) *Document {
	return d.add(ParagraphBlock{Spans: spans})
}

// Text adds a paragraph of plain text.
func (d *Document) Text(s string) *Document { return d.Paragraph(T(s)) }

// Small adds a paragraph of small text, such as a source or a footnote.
func (d *Document) Small(spans ...Span) *Document {
	return d.add(ParagraphBlock{Spans: spans, Size: Small})
}

// Big adds a huge centred line, such as a temperature.
func (d *Document) Big(text string) *Document {
	return d.add(ParagraphBlock{Spans: []Span{B(text)}, Size: Huge, Center: true})
}

// List adds a bulleted list of plain items.
func (d *Document) List(items ...string) *Document {
	l := ListBlock{}
	for _, it := range items {
		l.Items = append(l.Items, []Span{T(it)})
	}
	return d.add(l)
}

// Image adds a picture, scaled to the width and dithered.
func (d *Document) Image(img image.Image) *Document { return d.add(ImageBlock{Image: img}) }

// QR adds a QR code of data with a caption.
func (d *Document) QR(data, caption string) *Document {
	return d.add(QRBlock{Data: data, Caption: caption})
}

// Rule adds a horizontal line.
func (d *Document) Rule() *Document { return d.add(RuleBlock{}) }

// Spacer adds empty space, in pixels.
func (d *Document) Spacer(height int) *Document { return d.add(SpacerBlock{Height: height}) }

// Row adds a row of two columns of plain text.
func (d *Document) Row(left, right string) *Document {
	return d.add(RowBlock{Left: []Span{T(left)}, Right: []Span{T(right)}})
}
