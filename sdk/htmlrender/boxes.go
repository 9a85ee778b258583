package htmlrender

import (
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// This file turns styled nodes into boxes: blocks that stack, holding
// either blocks or a run of inline atoms (words, spaces, pictures, line
// breaks), as CSS's block layout does. Inline content beside blocks is
// wrapped in anonymous blocks.

type boxKind uint8

const (
	kBlock boxKind = iota
	kTable
	kImage // a picture shown as a block
)

type box struct {
	kind  boxKind
	st    *style
	node  *node  // nil for an anonymous block
	kids  []*box // blocks; or, for a table, its rows' cells (see table)
	atoms []atom // inline content, when there are no kids

	img *imgRef // kImage

	// A list item's marker: its kind (list type) and, for numbers and
	// letters, its text.
	marker     uint8
	markerText string

	tbl *table // kTable

	// Intrinsic widths, once measured (see measure).
	minW, maxW int
	measured   bool

	// Layout: the border box's top and bottom.
	top, bottom int
	topPending  bool
	skipBg      bool // the canvas has this box's background
	floating    bool // being laid out as a float
}

type atomKind uint8

const (
	aText atomKind = iota
	aSpace
	aImage
	aBreak
	aOpen  // an inline element starts: its left margin, border, padding
	aClose // it ends
	aFloat // a floated picture: it goes to the left or right of the lines
	aBox   // an inline-block: a block laid out on its own, placed as a word
)

// atom is an unbreakable piece of inline content.
type atom struct {
	kind   atomKind
	text   string
	font   faceKey
	st     *style
	w      int
	in     *inline // the innermost inline element it is in, or nil
	img    *imgRef
	box    *box // aBox
	nowrap bool // a space a line may not break at
	shift  int  // baseline shift of sub and super, down positive
}

// inline is an inline element atoms are in, and the ones it is in.
type inline struct {
	st     *style
	parent *inline
	depth  int
	shift  int // of the baseline, by sub and super here and outside
}

// imgRef is an <img> as laid out: its picture (nil if none could be had)
// and whether it is dithered.
type imgRef struct {
	pic    *picture
	st     *style
	dither bool
}

// builder makes the boxes of a styled tree.
type builder struct {
	pics   map[*node]*picture
	anon   map[*style]*style
	budget int // atoms left: text beyond it is left out
}

const maxAtoms = 200_000

// anonStyle is the style of an anonymous block in a box of style s.
func (bd *builder) anonStyle(s *style) *style {
	if a := bd.anon[s]; a != nil {
		return a
	}
	a := inherit(s)
	a.display = dBlock
	a.borderW = [4]float64{} // no border style is set on it
	bd.anon[s] = a
	return a
}

// blockBox is the box of a block-level element.
func (bd *builder) blockBox(n *node) *box {
	b := &box{kind: kBlock, st: n.st, node: n}
	switch {
	case n.tag == "img":
		b.kind = kImage
		b.img = bd.imgRef(n)
		return b
	case n.st.display == dTable:
		b.kind = kTable
		b.tbl = bd.table(n)
		return b
	}
	bd.fill(b, n)
	return b
}

// fill makes the content of block b from n's children.
func (bd *builder) fill(b *box, n *node) {
	r := &run{bd: bd, lastSpace: true}
	counter, step := 1, 1
	if n.tag == "ol" {
		if v, ok := n.attr("start"); ok {
			if s, err := strconv.Atoi(strings.TrimSpace(v)); err == nil {
				counter = s
			}
		}
		if _, ok := n.attr("reversed"); ok {
			step = -1
		}
	}
	for _, k := range n.kids {
		if k.tag != "" && isBlockLevel(k) {
			bd.flush(b, r)
			kb := bd.blockBox(k)
			if k.st.display == dListItem {
				if v, ok := k.attr("value"); ok {
					if s, err := strconv.Atoi(strings.TrimSpace(v)); err == nil {
						counter = s
					}
				}
				kb.marker = k.st.listType
				kb.markerText = markerText(k.st.listType, counter)
				counter += step
			}
			b.kids = append(b.kids, kb)
			continue
		}
		bd.inlineNode(b, r, k, nil)
	}
	if len(b.kids) == 0 {
		if r.content {
			b.atoms = r.atoms
		}
		return
	}
	bd.flush(b, r)
}

// isBlockLevel says whether an element makes a block box of its own.
func isBlockLevel(n *node) bool {
	switch n.st.display {
	case dNone, dInline, dInlineBlock:
		return false
	}
	return true
}

// flush ends an inline run inside b with blocks around it: a run that
// holds more than white space becomes an anonymous block.
func (bd *builder) flush(b *box, r *run) {
	if r.content {
		b.kids = append(b.kids, &box{kind: kBlock, st: bd.anonStyle(b.st), atoms: r.atoms})
	}
	r.atoms, r.content, r.lastSpace = nil, false, true
}

// inlineNode adds an inline node, with what it holds, to the run; a block
// inside it ends the run and starts another after it.
func (bd *builder) inlineNode(b *box, r *run, n *node, in *inline) {
	if n.tag == "" {
		r.text(n.text, n.parent.st, in)
		return
	}
	switch {
	case n.st.display == dNone:
		return
	case isBlockLevel(n):
		bd.flush(b, r)
		b.kids = append(b.kids, bd.blockBox(n))
		return
	case n.tag == "br":
		r.add(atom{kind: aBreak, st: n.st, in: in})
		r.lastSpace = true
		r.content = true
		return
	case n.st.display == dInlineBlock && n.tag != "img":
		kb := &box{kind: kBlock, st: n.st, node: n}
		if n.tag == "table" {
			kb.kind, kb.tbl = kTable, bd.table(n)
		} else {
			bd.fill(kb, n)
		}
		r.add(atom{kind: aBox, st: n.st, in: in, box: kb})
		r.lastSpace = false
		r.content = true
		return
	case n.tag == "img":
		ref := bd.imgRef(n)
		if ref.pic == nil || ref.pic.img == nil {
			if alt, ok := n.attr("alt"); ok && strings.TrimSpace(alt) != "" {
				r.text(alt, n.st, in)
				return
			}
			if n.st.width.u == auto || n.st.height.u == auto {
				return // a missing picture with no size takes no room
			}
		}
		if n.st.floatSide != 0 {
			r.add(atom{kind: aFloat, st: n.st, in: in, img: ref})
			r.content = true
			return
		}
		r.add(atom{kind: aImage, st: n.st, in: in, img: ref})
		r.lastSpace = false
		r.content = true
		return
	}
	s := n.st
	child := &inline{st: s, parent: in, shift: shiftOf(s)}
	if in != nil {
		child.depth = in.depth + 1
		child.shift = clampI(child.shift+in.shift, -maxLength, maxLength)
	}
	fs := s.fontSize
	left := s.margin[3].resolve(fs, 0) + int(s.borderW[3]) + s.padding[3].resolve(fs, 0)
	right := s.margin[1].resolve(fs, 0) + int(s.borderW[1]) + s.padding[1].resolve(fs, 0)
	r.add(atom{kind: aOpen, st: s, in: child, w: left, font: fontKey(s)})
	if left > 0 {
		r.lastSpace = false
	}
	for _, k := range n.kids {
		bd.inlineNode(b, r, k, child)
	}
	r.add(atom{kind: aClose, st: s, in: child, w: right, font: fontKey(s)})
	if right > 0 {
		r.lastSpace = false
	}
}

func (bd *builder) imgRef(n *node) *imgRef {
	return &imgRef{pic: bd.pics[n], st: n.st, dither: n.hasClass("dither")}
}

// fontKey is the face text of style s is drawn in; a size of 0 for text
// too small to draw.
func fontKey(s *style) faceKey {
	size := math.Round(s.fontSize)
	if size < minFontSize {
		if size < 3 {
			size = 0
		} else {
			size = minFontSize
		}
	}
	return faceKey{fontFor(s.family, s.bold, s.italic), uint16(min(size, maxFontSize))}
}

// run collects the atoms of one stretch of inline content.
type run struct {
	bd        *builder
	atoms     []atom
	lastSpace bool // the last atom is a collapsible space, or the run is empty
	content   bool // something other than collapsed white space
}

func (r *run) add(a atom) {
	if r.bd.budget <= 0 {
		return
	}
	r.bd.budget--
	if a.in != nil {
		a.shift = a.in.shift
	}
	r.atoms = append(r.atoms, a)
}

// shiftOf is how far sub and super move text down (up when negative)
// in an element of style s, from where its parent's text sits.
func shiftOf(s *style) int {
	switch s.valign {
	case vaSub:
		return int(s.fontSize*1.2/5 + 0.5)
	case vaSuper:
		return -int(s.fontSize*1.2/3 + 0.5)
	}
	return 0
}

// text adds the words and spaces of a text node in style s, white space
// collapsed or kept as s says.
func (r *run) text(t string, s *style, in *inline) {
	if t == "" {
		return
	}
	switch s.transform {
	case ttUpper:
		t = strings.ToUpper(t)
	case ttLower:
		t = strings.ToLower(t)
	case ttCapitalize:
		t = capitalize(t)
	}
	key := fontKey(s)
	pre := s.white == wsPre || s.white == wsPreWrap
	nowrap := s.white == wsNowrap || s.white == wsPre
	keepNewlines := pre || s.white == wsPreLine
	space := measure(" ", key, s.letterSpacing) + int(s.wordSpacing)
	for len(t) > 0 && r.bd.budget > 0 {
		c := t[0]
		if c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' {
			if c == '\n' && keepNewlines {
				r.add(atom{kind: aBreak, st: s, in: in, font: key})
				r.lastSpace, r.content = true, true
				t = t[1:]
				continue
			}
			if c == '\r' {
				t = t[1:]
				continue
			}
			if pre {
				// Kept spaces: one atom for the stretch, a tab to the
				// next multiple of eight columns.
				n := 0
				for len(t) > 0 && (t[0] == ' ' || t[0] == '\t') {
					if t[0] == '\t' {
						n += 8 - n%8
					} else {
						n++
					}
					t = t[1:]
				}
				r.add(atom{kind: aSpace, st: s, in: in, font: key, w: n * space, nowrap: nowrap, text: strings.Repeat(" ", min(n, 400))})
				r.lastSpace, r.content = false, true
				continue
			}
			for len(t) > 0 && (t[0] == ' ' || t[0] == '\t' || t[0] == '\r' || t[0] == '\f' || t[0] == '\n' && !keepNewlines) {
				t = t[1:]
			}
			if !r.lastSpace {
				r.add(atom{kind: aSpace, st: s, in: in, font: key, w: space, nowrap: nowrap, text: " "})
				r.lastSpace = true
			}
			continue
		}
		end := 0
		for end < len(t) && t[end] != ' ' && t[end] != '\t' && t[end] != '\n' && t[end] != '\r' && t[end] != '\f' {
			end++
		}
		word := clean(t[:end])
		t = t[end:]
		if word == "" {
			continue
		}
		r.add(atom{kind: aText, st: s, in: in, font: key, text: word, w: measure(word, key, s.letterSpacing)})
		r.lastSpace, r.content = false, true
	}
}

// clean drops what draws nothing and would only get in the way: soft
// hyphens, zero-width characters and other controls.
func clean(w string) string {
	ok := true
	for _, c := range w {
		if c < 0x20 || c == 0x7f || c == 0xad || c >= 0x200b && c <= 0x200f || c == 0xfeff {
			ok = false
			break
		}
	}
	if ok {
		return w
	}
	return strings.Map(func(c rune) rune {
		if c < 0x20 || c == 0x7f || c == 0xad || c >= 0x200b && c <= 0x200f || c == 0xfeff {
			return -1
		}
		return c
	}, w)
}

// capitalize upper-cases the first letter of each word.
func capitalize(t string) string {
	var b strings.Builder
	start := true
	for _, c := range t {
		if unicode.IsSpace(c) {
			start = true
		} else if start {
			c = unicode.ToUpper(c)
			start = false
		}
		b.WriteRune(c)
	}
	return b.String()
}

// measure is the width of text in a face: the advances rounded to whole
// pixels, as WebKit placed glyphs, and the letter spacing after each.
func measure(t string, k faceKey, ls float64) int {
	if k.size == 0 {
		return 0
	}
	w, n := 0, 0
	for _, c := range t {
		w += glyphOf(k, c).adv
		n++
	}
	return w + n*int(ls)
}

// measureUpTo is measure, stopping once the width passes limit.
func measureUpTo(t string, k faceKey, ls float64, limit int) int {
	w := 0
	for _, c := range t {
		if k.size > 0 {
			w += glyphOf(k, c).adv
		}
		w += int(ls)
		if w > limit {
			return w
		}
	}
	return w
}

// fitRunes is how many bytes of t's leading runes fit in w pixels; at
// least one rune when must is set.
func fitRunes(t string, k faceKey, ls float64, w int, must bool) int {
	x := 0
	for i, c := range t {
		adv := int(ls)
		if k.size > 0 {
			adv += glyphOf(k, c).adv
		}
		if x+adv > w {
			if i == 0 && must {
				_, n := utf8.DecodeRuneInString(t) // 1 for a byte that is not UTF-8
				return n
			}
			return i
		}
		x += adv
	}
	return len(t)
}

// markerText is the text of a numbered or lettered list item's marker.
func markerText(kind uint8, n int) string {
	switch kind {
	case listDecimal:
		return strconv.Itoa(n) + "."
	case listLowerAlpha, listUpperAlpha:
		if n < 1 || n > 18278 {
			return strconv.Itoa(n) + "."
		}
		var s []byte
		for n > 0 {
			n--
			s = append([]byte{byte('a' + n%26)}, s...)
			n /= 26
		}
		if kind == listUpperAlpha {
			return strings.ToUpper(string(s)) + "."
		}
		return string(s) + "."
	case listLowerRoman, listUpperRoman:
		if n < 1 || n > 3999 {
			return strconv.Itoa(n) + "."
		}
		var b strings.Builder
		for _, p := range []struct {
			v int
			s string
		}{{1000, "m"}, {900, "cm"}, {500, "d"}, {400, "cd"}, {100, "c"}, {90, "xc"}, {50, "l"}, {40, "xl"}, {10, "x"}, {9, "ix"}, {5, "v"}, {4, "iv"}, {1, "i"}} {
			for n >= p.v {
				b.WriteString(p.s)
				n -= p.v
			}
		}
		if kind == listUpperRoman {
			return strings.ToUpper(b.String()) + "."
		}
		return b.String() + "."
	}
	return ""
}
