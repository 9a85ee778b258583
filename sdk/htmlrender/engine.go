package htmlrender

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"time"

	"golang.org/x/net/html"
)

// GoEngine is the pure-Go Engine: it lays out the HTML and CSS BERG
// publications use (blocks, paragraphs, headings, lists, simple tables,
// pictures, floats, inline-blocks, borders and backgrounds in black and
// white) in metric copies of the fonts BERG's WebKit had, with no browser
// to run. It runs no scripts, draws no background pictures and knows no
// positioning, flexbox or web fonts. It is safe for concurrent use.
type GoEngine struct {
	o Options
}

// New is a GoEngine with the options o, zero values meaning the defaults.
func New(o Options) *GoEngine {
	return &GoEngine{o: o.WithDefaults()}
}

// maxPictureRows bounds the picture whatever Options.MaxHeight says: the
// printer's longest.
const maxPictureRows = 20_000

// ErrTooLarge is wrapped by the error for a page with more HTML than
// Options.MaxBytes.
var ErrTooLarge = errors.New("htmlrender: the page is too large")

// Render lays the page out and draws it: Width pixels wide, as tall as the
// page up to Options.MaxHeight (the rest is cut), every pixel 0 or 255.
// The same page and pictures always give the same picture. Pictures that
// cannot be fetched or read are left out; the error is for a page too
// large or too slow to render.
func (e *GoEngine) Render(ctx context.Context, p Page) (*image.Gray, error) {
	o := e.o
	if len(p.HTML) > o.MaxBytes {
		return nil, fmt.Errorf("%w: it is %s of HTML, more than %s", ErrTooLarge, size(len(p.HTML)), size(o.MaxBytes))
	}
	start := time.Now()
	ctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	late := func() error {
		if err := ctx.Err(); err != nil {
			if errors.Is(err, context.DeadlineExceeded) && time.Since(start) >= o.Timeout {
				return fmt.Errorf("htmlrender: the page took longer than %v to render", o.Timeout)
			}
			return fmt.Errorf("htmlrender: rendering stopped: %w", err)
		}
		return nil
	}

	doc, err := parseHTML(p.HTML)
	if err != nil {
		return nil, fmt.Errorf("htmlrender: the HTML cannot be read: %w", err)
	}
	if err := late(); err != nil {
		return nil, err
	}
	var db domBuilder
	root := db.build(doc)
	var author []rule
	order := 0
	for _, s := range db.sheets {
		author = parseSheet(s, author, &order)
	}
	styleTree(root, initialStyle(), newCascade(author))
	if root.st.display == dNone {
		root.st.display = dBlock
	}
	if !isBlockLevel(root) || root.st.display != dBlock {
		root.st.display = dBlock
	}
	if err := late(); err != nil {
		return nil, err
	}

	// Fetches may take most of the time, not all: a slow server costs
	// its pictures, not the edition.
	fetchCtx, cancelFetch := context.WithTimeout(ctx, o.Timeout*fetchShare/4)
	pics := loadImages(fetchCtx, root, p.URL, o.HTTP)
	cancelFetch()
	if err := late(); err != nil {
		return nil, err
	}

	bd := &builder{pics: pics, anon: map[*style]*style{}, budget: maxAtoms}
	rootBox := bd.blockBox(root)
	paper := canvasBackground(rootBox)

	maxRows := min(o.MaxHeight, maxPictureRows)
	l := &layouter{limit: maxRows, check: func() bool { return ctx.Err() != nil }}
	y, m := l.flow(rootBox, 0, Width, 0, strut{}, alignLeft, true)
	if err := late(); err != nil {
		return nil, err
	}
	height := clampI(max(y+max(0, m.value()), l.floatsBottom()), 1, maxRows)
	return paint(l.items, height, paper), nil
}

// parseHTML parses a page as a browser does. The parser refuses elements
// nested more than 512 deep; for such a page the start tags past a depth
// (as the tags alone count it, before the parser closes any) are dropped
// with their end tags, and the page parsed again: content that deep is
// left out of layout anyway (maxDepth).
func parseHTML(b []byte) (*html.Node, error) {
	doc, err := html.Parse(bytes.NewReader(b))
	if err == nil {
		return doc, nil
	}
	for _, limit := range []int{maxDepth, maxDepth / 4} {
		if doc, err = html.Parse(bytes.NewReader(flatten(b, limit))); err == nil {
			return doc, nil
		}
	}
	return nil, err
}

// flatten is the page with the start tags nested deeper than limit, and
// as many end tags, left out.
func flatten(b []byte, limit int) []byte {
	out := make([]byte, 0, len(b))
	z := html.NewTokenizer(bytes.NewReader(b))
	depth, dropped := 0, 0
	for {
		switch z.Next() {
		case html.ErrorToken:
			return out
		case html.StartTagToken:
			name, _ := z.TagName()
			if voidElements[string(name)] {
				break
			}
			if depth >= limit {
				dropped++
				continue
			}
			depth++
		case html.EndTagToken:
			if dropped > 0 {
				dropped--
				continue
			}
			depth = max(0, depth-1)
		}
		out = append(out, z.Raw()...)
	}
}

// voidElements have no end tag.
var voidElements = map[string]bool{
	"area": true, "base": true, "br": true, "col": true, "embed": true, "hr": true, "img": true, "input": true,
	"link": true, "meta": true, "param": true, "source": true, "track": true, "wbr": true,
}

// canvasBackground is the level of the paper: the root's background, or
// else the body's, covers the whole picture, as in a browser; that box
// then draws none of its own.
func canvasBackground(root *box) uint8 {
	if root.st.bg.set {
		root.skipBg = true
		return levelOf(root.st.bg)
	}
	for _, k := range root.kids {
		if k.node != nil && k.node.tag == "body" {
			if k.st.bg.set {
				k.skipBg = true
				return levelOf(k.st.bg)
			}
			break
		}
	}
	return 0xff
}

// size is a number of bytes in words: 3 MB, 120 KB, 512 bytes.
func size(n int) string {
	switch {
	case n >= 1<<20:
		if n%(1<<20) == 0 {
			return fmt.Sprintf("%d MB", n>>20)
		}
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%d KB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
