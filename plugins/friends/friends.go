// Package friends prints the messages friends send: a text, a drawing or a
// photo, or a text and a picture, as a note in a rounded frame that says
// who sent it and when, with a little heart at the bottom.
package friends

import (
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"math"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"paperboy/sdk"
)

// friends is the publication. It keeps no state: the message comes in the
// Request.
type friends struct{}

// Meta tells paperboy what friends is. It has nothing to configure.
func (friends) Meta() sdk.Meta {
	return sdk.Meta{
		Name:        "friends",
		Title:       "Notes from friends",
		Description: "Messages, drawings and photos from your friends, printed the moment they send them.",
		Author:      "paperboy",
		Kind:        sdk.Push, // an edition for each message that arrives
		Personal:    true,     // each message is for one subscriber
	}
}

// Validate checks a config beyond the form; the form is empty.
func (friends) Validate(context.Context, sdk.Config) error { return nil }

// The errors Render returns for a message it cannot print.
var (
	errNoPush = errors.New("friends prints only messages sent to it")
	errEmpty  = errors.New("the message is empty: it has no text and no picture")
)

// Render prints the message in r.Push as a note.
func (friends) Render(ctx context.Context, r sdk.Request) (sdk.Result, error) {
	n, err := compose(r)
	if err != nil {
		return sdk.Result{}, err
	}
	if err := ctx.Err(); err != nil {
		return sdk.Result{}, err
	}
	img, err := n.draw()
	if err != nil {
		return sdk.Result{}, err
	}
	return sdk.PrintImage(img), nil
}

// note is what a print shows, before it is drawn.
type note struct {
	Header  string       // who sent it and when: "From Ann · Tue 1 Dec, 08:15"
	Text    string       // the message, tidied; "" for a picture alone
	Size    sdk.TextSize // the message's size: sdk.Large or sdk.Normal
	Picture image.Image  // the decoded picture, or nil
}

// compose reads the pushed message into a note, or says why it cannot be
// printed.
func compose(r sdk.Request) (note, error) {
	p := r.Push
	if p == nil {
		return note{}, errNoPush
	}
	if len(p.Text) > sdk.MaxTextBytes {
		return note{}, fmt.Errorf("the message is too long to print: %d bytes of text, at most %d", len(p.Text), sdk.MaxTextBytes)
	}
	n := note{Text: tidy(p.Text)}
	if n.Text == "" && len(p.Image) == 0 {
		return note{}, errEmpty
	}
	if len(p.Image) > 0 {
		img, err := sdk.DecodeImage(p.Image)
		if err != nil {
			return note{}, err // it says what is wrong with the picture
		}
		n.Picture = img
	}
	n.Header = header(p.Sender, p.SentAt, r.Time.Location())
	n.Size = sizeFor(n.Text)
	return n, nil
}

// header is the line at the top of a note: who sent it and when, in the
// recipient's time zone. A message without a time says only who (over
// the plugin protocol a missing time arrives as the Unix epoch).
func header(sender string, sent time.Time, loc *time.Location) string {
	h := "From " + name(sender)
	if sent.IsZero() || sent.UnixMilli() == 0 {
		return h
	}
	if loc == nil {
		loc = time.UTC
	}
	return h + " · " + sent.In(loc).Format("Mon 2 Jan, 15:04")
}

// maxName is how many characters of a sender's name a note shows.
const maxName = 40

// name is a sender's name on one line, shortened if it is long; "a friend"
// if there is none.
func name(s string) string {
	s = strings.Join(strings.Fields(tidy(s)), " ")
	if s == "" {
		return "a friend"
	}
	if utf8.RuneCountInString(s) > maxName {
		s = strings.TrimSpace(string([]rune(s)[:maxName-1])) + "…"
	}
	return s
}

// tidy makes text printable: valid UTF-8, no control characters but
// newlines and tabs, no emoji joiners and variation selectors (the fonts
// would draw them as boxes), at most one blank line in a row, and no blank
// space around it.
func tidy(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.ReplaceAll(s, "\r\n", "\n")
	var b strings.Builder
	newlines := 0
	for _, c := range s {
		switch {
		case c == '\n' || c == '\r' || c == '\u2028' || c == '\u2029':
			newlines++
			if newlines <= 2 {
				b.WriteByte('\n')
			}
			continue
		case c == '\t':
		case c == '\u200d' || c == '\ufe0e' || c == '\ufe0f':
			continue
		case c == '\u2764': // ❤, which the fonts lack
			c = '♥'
		case unicode.IsControl(c) || unicode.Is(unicode.Cf, c):
			continue
		}
		newlines = 0
		b.WriteRune(c)
	}
	lines := strings.Split(b.String(), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRightFunc(l, unicode.IsSpace)
	}
	return strings.TrimFunc(strings.Join(lines, "\n"), unicode.IsSpace)
}

// sizeFor is the size a message is printed in: large for a few words,
// normal for more.
func sizeFor(text string) sdk.TextSize {
	if text == "" || utf8.RuneCountInString(text) > 60 || strings.Count(text, "\n") > 2 {
		return sdk.Normal
	}
	return sdk.Large
}

// The layout of a note, in pixels.
const (
	edge      = 5                      // from the paper's edge to the frame
	stroke    = 3                      // the frame's line
	radius    = 18                     // the frame's corners
	inset     = 26                     // from the paper's edge to the text and pictures
	top       = 18                     // inside the frame, above the header
	gap       = 14                     // between the parts of a note
	bottom    = 22                     // inside the frame, below the last part
	heartSize = 22                     // the heart in the frame's bottom line
	below     = edge + heartSize/2 + 2 // under the frame: room for the heart
	// maxPicture is the tallest a picture is printed: a taller one is
	// printed narrower, and one too narrow for that is cut at the bottom.
	maxPicture = 640
	minPicture = 64 // the narrowest a picture is printed
)

// inner is the width of the text and pictures.
const inner = sdk.Width - 2*inset

// draw lays the note out on a print.
func (n note) draw() (*image.Gray, error) {
	head, err := text(sdk.T(n.Header), sdk.Small, true)
	if err != nil {
		return nil, err
	}
	parts := []*image.Gray{head, dashes()}
	if n.Text != "" {
		msg, err := text(sdk.I(n.Text), n.Size, n.Size == sdk.Large)
		if err != nil {
			return nil, err
		}
		parts = append(parts, msg)
	}
	if n.Picture != nil {
		pic, err := picture(n.Picture)
		if err != nil {
			return nil, err
		}
		parts = append(parts, pic)
	}
	height := edge + 2*stroke + top + bottom + below
	for i, p := range parts {
		if i > 0 {
			height += gap
		}
		height += p.Bounds().Dy()
	}
	if height > sdk.MaxHeight {
		return nil, tooLong(height)
	}
	out := image.NewGray(image.Rect(0, 0, sdk.Width, height))
	draw.Draw(out, out.Bounds(), image.White, image.Point{}, draw.Src)
	y := edge + stroke + top
	for _, p := range parts {
		draw.Draw(out, image.Rect(0, y, sdk.Width, y+p.Bounds().Dy()), p, p.Bounds().Min, draw.Src)
		y += p.Bounds().Dy() + gap
	}
	frame(out)
	return out, nil
}

func tooLong(height int) error {
	return fmt.Errorf("the message is too long to print: it would be %d pixels long, and a print is at most %d", height, sdk.MaxHeight)
}

// text draws text in one of the SDK's sizes, wrapped to the inner width,
// each line centred if center: a strip of the print's width as tall as its
// lines.
func text(s sdk.Span, size sdk.TextSize, center bool) (*image.Gray, error) {
	box := sdk.TextBox{Spans: []sdk.Span{s}, Size: size, Margin: inset}
	lines, lh, err := box.Lines()
	if err != nil {
		return nil, err
	}
	// Refuse what cannot fit before drawing it.
	if lines*lh > sdk.MaxHeight {
		return nil, tooLong(lines * lh)
	}
	strip, err := box.Draw()
	if err != nil {
		return nil, err
	}
	if center {
		for i := range lines {
			centre(strip, strip.Bounds().Min.Y+i*lh, lh)
		}
	}
	return strip, nil
}

// centre moves the ink of the rows [y, y+h) of img to the middle of the
// print.
func centre(img *image.Gray, y, h int) {
	b := img.Bounds()
	y1 := min(y+h, b.Max.Y)
	left, right := b.Max.X, b.Min.X
	for yy := y; yy < y1; yy++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if img.GrayAt(x, yy).Y < 0xff {
				left, right = min(left, x), max(right, x+1)
			}
		}
	}
	if left >= right {
		return
	}
	shift := (b.Min.X+b.Max.X)/2 - (left+right)/2
	if shift == 0 {
		return
	}
	row := make([]uint8, b.Dx())
	for yy := y; yy < y1; yy++ {
		for i := range row {
			row[i] = 0xff
		}
		for x := left; x < right; x++ {
			if nx := x + shift - b.Min.X; nx >= 0 && nx < len(row) {
				row[nx] = img.GrayAt(x, yy).Y
			}
		}
		copy(img.Pix[img.PixOffset(b.Min.X, yy):], row)
	}
}

// dashes is a dashed line across the inner width, under the header.
func dashes() *image.Gray {
	img := image.NewGray(image.Rect(0, 0, sdk.Width, 2))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	for x := inset; x < sdk.Width-inset; x++ {
		if (x-inset)%10 < 6 {
			img.SetGray(x, 0, color.Gray{})
			img.SetGray(x, 1, color.Gray{})
		}
	}
	return img
}

// picture scales a picture to the inner width, or narrower if it is tall,
// and dithers it. Where it is transparent, as a drawing from a canvas
// mostly is, the paper stays white.
func picture(src image.Image) (*image.Gray, error) {
	b := src.Bounds()
	if b.Dx() <= 0 || b.Dy() <= 0 {
		return nil, errors.New("the picture cannot be printed: it is empty")
	}
	w := inner
	if int64(b.Dy())*inner > int64(maxPicture)*int64(b.Dx()) {
		w = int(int64(maxPicture) * int64(b.Dx()) / int64(b.Dy()))
	}
	if w < minPicture {
		// Too tall and thin to print whole: keep the top.
		w = minPicture
		keep := int(int64(maxPicture) * int64(b.Dx()) / minPicture)
		src = cut(src, image.Rect(b.Min.X, b.Min.Y, b.Max.X, b.Min.Y+max(keep, 1)))
	}
	doc := &sdk.Document{Blocks: []sdk.Block{sdk.ImageBlock{Image: flatten(src, w), Width: w}}}
	img, err := doc.Render()
	if err != nil {
		return nil, fmt.Errorf("the picture cannot be printed: %w", err)
	}
	return img, nil
}

// cut is the part r of img.
func cut(img image.Image, r image.Rectangle) image.Image {
	if s, ok := img.(interface {
		SubImage(image.Rectangle) image.Image
	}); ok {
		return s.SubImage(r)
	}
	return part{img, r.Intersect(img.Bounds())}
}

// part is a part of a picture that has no SubImage.
type part struct {
	image.Image
	r image.Rectangle
}

func (p part) Bounds() image.Rectangle { return p.r }

// The levels of grey that flatten makes black and white: dark ink prints
// solid, not speckled, and a photo gains a little contrast.
const (
	blackBelow = 40
	whiteAbove = 235
)

// flatten is a picture in grey as it looks on white paper, where it is
// transparent too, with its levels stretched (blackBelow, whiteAbove);
// shrunk by averaging to w pixels wide if it is wider (sdk.Shrink), so
// that sdk prints it as it is. A narrower one keeps its size, for sdk to
// enlarge.
func flatten(src image.Image, w int) *image.Gray {
	var lut [256]uint8
	for i := range lut {
		lut[i] = uint8(min(max((i-blackBelow)*255/(whiteAbove-blackBelow), 0), 255))
	}
	out := sdk.Shrink(src, w)
	for i, v := range out.Pix {
		out.Pix[i] = lut[v]
	}
	return out
}

// frame draws a rounded frame around the print, with a heart in a gap in
// the middle of its bottom line.
func frame(img *image.Gray) {
	b := img.Bounds()
	x0, y0 := float64(edge)+stroke/2.0, float64(edge)+stroke/2.0
	x1, y1 := float64(b.Dx()-edge)-stroke/2.0, float64(b.Dy()-below)-stroke/2.0
	cx, cy := (x0+x1)/2, (y0+y1)/2
	hw, hh := (x1-x0)/2-radius, (y1-y0)/2-radius
	heartX, heartY := float64(b.Dx())/2, y1
	// Only the pixels near the edges can be on the frame.
	near := edge + radius + stroke
	for y := range b.Dy() {
		middle := y > near && y < b.Dy()-below-near
		for x := range b.Dx() {
			if middle && x > near && x < b.Dx()-near {
				continue
			}
			px, py := float64(x)+0.5, float64(y)+0.5
			// The distance from the frame's centre line.
			qx, qy := math.Abs(px-cx)-hw, math.Abs(py-cy)-hh
			d := math.Hypot(math.Max(qx, 0), math.Max(qy, 0)) + math.Min(math.Max(qx, qy), 0) - radius
			if math.Abs(d) > stroke/2.0 {
				continue
			}
			if math.Abs(px-heartX) < heartSize && math.Abs(py-heartY) < heartSize {
				continue // the gap for the heart
			}
			img.SetGray(b.Min.X+x, b.Min.Y+y, color.Gray{})
		}
	}
	heart(img, heartX, heartY, heartSize)
}

// heart draws a filled heart of a width centred at (cx, cy).
func heart(img *image.Gray, cx, cy float64, width int) {
	s := float64(width) / 2.4 // the curve is about 2.4 wide
	for y := int(cy) - width; y <= int(cy)+width; y++ {
		for x := int(cx) - width; x <= int(cx)+width; x++ {
			// (x² + y² − 1)³ − x²y³ ≤ 0, with y up.
			u := (float64(x) + 0.5 - cx) / s
			v := -(float64(y)+0.5-cy)/s + 0.15
			if t := u*u + v*v - 1; t*t*t-u*u*v*v*v <= 0 && image.Pt(x, y).In(img.Bounds()) {
				img.SetGray(x, y, color.Gray{})
			}
		}
	}
}

// New is the publication, for sdk.Serve or paperboy's built-ins.
func New() sdk.Publication { return friends{} }
