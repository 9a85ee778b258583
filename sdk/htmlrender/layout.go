package htmlrender

import (
	"math"
	"slices"
)

// This file lays blocks and lines out: it places every box and line and
// lists what to draw, top to bottom, in items.

type itemKind uint8

const (
	iNone   itemKind = iota
	iFill            // a rectangle of one level
	iText            // a run of glyphs on a baseline at (x, y)
	iImage           // a picture in its rectangle
	iDisc            // a list bullet
	iCircle          // a hollow one
)

// item is one thing to draw.
type item struct {
	kind       itemKind
	x, y, w, h int
	level      uint8 // 0 black, 255 white
	text       string
	font       faceKey
	ls         int
	img        *imgRef
}

// layouter places the boxes of one page.
type layouter struct {
	items   []item
	limit   int  // rows past which nothing more is laid out: the cut
	stop    bool // the layout reached limit, or the render's time ran out
	check   func() bool
	steps   int
	markers []*pendingMarker
	floats  []float // of the block formatting context being laid out
	// inline-blocks laid out, and the baseline of the last line placed,
	// which an inline-block sits on the line by
	inlines  map[*atom]*laidBlock
	lastBase int
}

// pendingMarker is a list item's marker waiting for the item's first line,
// whose baseline it sits on.
type pendingMarker struct {
	b    *box
	x    int // the item's content left
	done bool
}

// strut is the margins met so far that collapse into one: the largest
// positive and the most negative, and the boxes whose tops wait for them
// (their top margins collapse with their children's).
type strut struct {
	pos, neg int
	waiting  []*box
}

func (m strut) add(v int) strut {
	if v > 0 {
		m.pos = max(m.pos, v)
	} else {
		m.neg = min(m.neg, v)
	}
	return m
}

func (m strut) value() int { return m.pos + m.neg }

// settle ends the collapsing at y, the position below the margin: the
// waiting boxes start there.
func (m strut) settle(y int) {
	for _, b := range m.waiting {
		if b.topPending {
			b.top, b.topPending = y, false
		}
	}
}

// tick counts work and says whether to stop: past the limit, or out of
// time (checked now and then, not at every step).
func (l *layouter) tick() bool {
	l.steps++
	if l.steps&1023 == 0 && l.check != nil && l.check() {
		l.stop = true
	}
	return l.stop
}

// edges are a box's margins, borders and paddings in pixels, for a
// containing block cw wide.
type edges struct {
	m, b, p [4]int
	mAuto   [2]bool // left, right
}

func edgesOf(s *style, cw int) edges {
	var e edges
	fs := s.fontSize
	for i := range 4 {
		e.m[i] = clampI(s.margin[i].resolve(fs, float64(cw)), -maxLength, maxLength)
		e.b[i] = int(s.borderW[i])
		e.p[i] = clampI(s.padding[i].resolve(fs, float64(cw)), 0, maxLength)
	}
	e.mAuto = [2]bool{s.margin[3].u == auto, s.margin[1].u == auto}
	return e
}

func clampI(v, lo, hi int) int { return min(max(v, lo), hi) }

// widthOf is the content width of a block in a containing block cw wide,
// and its left margin: specified, or what is left of cw; auto margins
// centre a narrower box, and so does a <center> around it.
func widthOf(s *style, e edges, cw int, parentAlign uint8, natural int) (w, ml int) {
	horiz := e.b[1] + e.b[3] + e.p[1] + e.p[3]
	switch {
	case natural >= 0:
		w = natural
	case s.width.u != auto:
		w = s.width.resolve(s.fontSize, float64(cw))
	default:
		w = cw - e.m[1] - e.m[3] - horiz
	}
	if s.maxWidth.u != auto {
		w = min(w, s.maxWidth.resolve(s.fontSize, float64(cw)))
	}
	w = clampI(w, 0, maxLength)
	ml = e.m[3]
	rest := cw - w - horiz
	switch {
	case e.mAuto[0] && e.mAuto[1]:
		ml = max(0, (rest)/2)
	case e.mAuto[0]:
		ml = max(0, rest-e.m[1])
	case e.mAuto[1]:
	case parentAlign == alignWebCenter && (s.width.u != auto || natural >= 0):
		ml = max(0, (rest-e.m[1]-e.m[3])/2) + e.m[3]
	}
	return w, ml
}

// hasBackground says whether a box draws a background or a border.
func hasBackground(s *style) bool {
	return s.bg.set || s.borderW[0] > 0 || s.borderW[1] > 0 || s.borderW[2] > 0 || s.borderW[3] > 0
}

// reserve keeps room in items for a box's background and borders, drawn
// under its content but known only once it is laid out.
func (l *layouter) reserve(s *style) int {
	if !hasBackground(s) {
		return -1
	}
	at := len(l.items)
	l.items = append(l.items, item{}, item{}, item{}, item{}, item{})
	return at
}

// background fills the reserved items at with a box's background and
// borders, its border box at (x, y), w × h.
func (l *layouter) background(at int, s *style, bw [4]int, x, y, w, h int, skipBg bool) {
	if at < 0 || h <= 0 || w <= 0 || s.hidden {
		return
	}
	if s.bg.set && !skipBg {
		l.items[at] = item{kind: iFill, x: x, y: y, w: w, h: h, level: levelOf(s.bg)}
	}
	sides := [4][4]int{
		{x, y, w, bw[0]},
		{x + w - bw[1], y, bw[1], h},
		{x, y + h - bw[2], w, bw[2]},
		{x, y, bw[3], h},
	}
	for i, r := range sides {
		if bw[i] > 0 {
			l.items[at+1+i] = item{kind: iFill, x: r[0], y: r[1], w: r[2], h: r[3], level: levelOf(s.borderColor[i])}
		}
	}
}

// levelOf is a colour printed: black or white.
func levelOf(c color) uint8 {
	if c.dark() {
		return 0
	}
	return 255
}

// flow lays block b out in a containing block at cx, cw wide, with the
// flow at y and the margins m above it not yet placed. It returns the
// flow's position after b and the margins below it, which may collapse
// with what follows.
func (l *layouter) flow(b *box, cx, cw, y int, m strut, parentAlign uint8, root bool) (int, strut) {
	if l.tick() || y > l.limit {
		// Past the cut nothing more is laid out; no sum of lengths can
		// then grow without bound.
		l.stop = true
		return y, m
	}
	y = max(y, -maxLength)
	s := b.st
	if s.floatSide != 0 && !root && !b.floating {
		return l.floatBlock(b, cx, cw, y, m), m
	}
	if s.clear != 0 {
		if c := l.clearance(s.clear); c > y+m.value() {
			y += m.value()
			m.settle(y)
			m = strut{}
			y = c
		}
	}
	e := edgesOf(s, cw)
	natural := -1
	var iw, ih int
	if b.kind == kImage {
		iw, ih = imageSize(b.img, cw-e.m[1]-e.m[3]-e.b[1]-e.b[3]-e.p[1]-e.p[3])
		natural = iw
	}
	if b.kind == kTable {
		natural = l.tableWidth(b, cw, e)
	}
	w, ml := widthOf(s, e, cw, parentAlign, natural)
	bx := cx + ml
	bw := [4]int{e.b[0], e.b[1], e.b[2], e.b[3]}
	at := l.reserve(s)
	var pm *pendingMarker
	if b.marker != listNone {
		pm = &pendingMarker{b: b, x: bx + e.b[3] + e.p[3]}
		l.markers = append(l.markers, pm)
	}

	m = m.add(e.m[0])
	fixedH := s.height.u == px && b.kind != kImage
	closedTop := root || e.b[0] > 0 || e.p[0] > 0 || b.kind != kBlock || fixedH
	if closedTop {
		y += m.value()
		m.settle(y)
		m = strut{}
		b.top = y
		y += e.b[0] + e.p[0]
	} else {
		b.topPending = true
		m.waiting = append(m.waiting, b)
	}
	contentTop := y
	innerX := bx + e.b[3] + e.p[3]

	switch b.kind {
	case kImage:
		l.items = append(l.items, item{kind: iImage, x: innerX, y: y, w: iw, h: ih, img: b.img})
		y += ih
	case kTable:
		y += l.layoutTable(b, innerX, w, y)
	default:
		if len(b.atoms) > 0 {
			y, m = l.lines(b, innerX, w, y, m)
		} else {
			for _, k := range b.kids {
				if l.stop {
					break
				}
				y, m = l.flow(k, innerX, w, y, m, s.align, false)
			}
		}
	}

	minH := -1
	if fixedH {
		minH = s.height.resolve(s.fontSize, 0)
	} else if s.minHeight.u == px && s.minHeight.v > 0 {
		minH = s.minHeight.resolve(s.fontSize, 0)
	}
	closedBottom := root || e.b[2] > 0 || e.p[2] > 0 || b.kind != kBlock || minH >= 0
	if closedBottom {
		wasPending := b.topPending
		y += m.value()
		m.settle(y)
		if wasPending { // nothing in it, but a bottom edge of its own
			contentTop = b.top
		}
		if fixedH && b.kind != kTable {
			y = contentTop + minH // the content may overflow it
		} else if minH > 0 {
			y = max(y, contentTop+minH)
		}
		y += e.p[2] + e.b[2]
		b.bottom = y
		m = strut{}.add(e.m[2])
	} else {
		b.bottom = y
		if b.topPending { // nothing in it: its margins collapse through
			b.top, b.topPending = y, false
		}
		m = m.add(e.m[2])
	}
	if pm != nil && !pm.done {
		// An item with no line: the marker sits at its top.
		l.marker(pm, b.top+e.b[0]+e.p[0]+fontMetrics(fontKey(s)).ascent)
		l.markers = slices.DeleteFunc(l.markers, func(p *pendingMarker) bool { return p == pm })
	}
	l.background(at, s, bw, bx, b.top, w+e.b[1]+e.b[3]+e.p[1]+e.p[3], b.bottom-b.top, b.skipBg)
	return y, m
}

// imageSize is the size a picture is shown at: as its width and height
// say, keeping its aspect ratio where only one is given, and no wider
// than avail.
func imageSize(ref *imgRef, avail int) (w, h int) {
	nw, nh := 0, 0
	if ref.pic != nil && ref.pic.img != nil {
		b := ref.pic.img.Bounds()
		nw, nh = b.Dx(), b.Dy()
	}
	s := ref.st
	fs := s.fontSize
	sw, sh := -1, -1
	if s.width.u != auto {
		sw = max(0, s.width.resolve(fs, float64(max(avail, 0))))
	}
	if s.height.u == px {
		sh = max(0, s.height.resolve(fs, 0))
	}
	switch {
	case sw >= 0 && sh >= 0:
		w, h = sw, sh
	case sw >= 0:
		w = sw
		if nw > 0 {
			h = int(math.Round(float64(sw) * float64(nh) / float64(nw)))
		}
	case sh >= 0:
		h = sh
		if nh > 0 {
			w = int(math.Round(float64(sh) * float64(nw) / float64(nh)))
		}
	default:
		w, h = nw, nh
	}
	if s.maxWidth.u != auto {
		if mw := s.maxWidth.resolve(fs, float64(max(avail, 0))); w > mw && w > 0 {
			h, w = int(math.Round(float64(h)*float64(mw)/float64(w))), mw
		}
	}
	if avail > 0 && w > avail {
		h, w = int(math.Round(float64(h)*float64(avail)/float64(w))), avail
	}
	return clampI(w, 0, Width), clampI(h, 0, maxImageRows)
}

// maxImageRows is the tallest a picture is drawn.
const maxImageRows = 4096

// marker draws a list item's marker on the baseline y.
func (l *layouter) marker(pm *pendingMarker, y int) {
	pm.done = true
	s := pm.b.st
	if s.hidden {
		return
	}
	key := fontKey(s)
	if key.size == 0 {
		return
	}
	fm := fontMetrics(key)
	level := levelOf(s.color)
	switch pm.b.marker {
	case listDisc, listCircle, listSquare:
		// WebKit's bullet: a third of the ascent across, half an ascent
		// above the baseline, seven pixels left of the text.
		d := max(1, (fm.ascent*2/3+1)/2)
		x := pm.x - d - 6
		top := y - fm.ascent/2
		switch pm.b.marker {
		case listDisc:
			l.items = append(l.items, item{kind: iDisc, x: x, y: top, w: d, h: d, level: level})
		case listCircle:
			l.items = append(l.items, item{kind: iCircle, x: x, y: top, w: d, h: d, level: level})
		default:
			l.items = append(l.items, item{kind: iFill, x: x, y: top, w: d, h: d, level: level})
		}
	default:
		if pm.b.markerText == "" {
			return
		}
		w := measure(pm.b.markerText, key, 0) + measure(" ", key, 0)
		l.items = append(l.items, item{kind: iText, x: pm.x - w, y: y, text: pm.b.markerText, font: key, level: level})
	}
}

// float is a box floated to the left or right of the lines beside it.
type float struct {
	left        bool
	x0, x1      int // its margin box
	top, bottom int
}

// maxFloats bounds the floats of a page; past it floats are placed, but
// lines no longer make room for them.
const maxFloats = 256

// band is the room lines have at y between x0 and x1, floats taken away.
func (l *layouter) band(y, x0, x1 int) (left, right int) {
	left, right = x0, x1
	for _, f := range l.floats {
		if y < f.top || y >= f.bottom {
			continue
		}
		if f.left {
			left = max(left, f.x1)
		} else {
			right = min(right, f.x0)
		}
	}
	return left, max(left, right)
}

// floatBottomAfter is the nearest bottom, below y, of the floats that
// narrow the band at y; or y.
func (l *layouter) floatBottomAfter(y, x0, x1 int) int {
	next := -1
	for _, f := range l.floats {
		if y >= f.top && y < f.bottom && f.x1 > x0 && f.x0 < x1 && (next < 0 || f.bottom < next) {
			next = f.bottom
		}
	}
	if next < 0 {
		return y
	}
	return next
}

// clearance is the bottom of the floats a box with clear c must go below.
func (l *layouter) clearance(c uint8) int {
	y := math.MinInt32
	for _, f := range l.floats {
		if f.left && c&1 != 0 || !f.left && c&2 != 0 {
			y = max(y, f.bottom)
		}
	}
	return y
}

// floatsBottom is the lowest bottom of the floats, for a block
// formatting context that holds them.
func (l *layouter) floatsBottom() int {
	y := math.MinInt32
	for _, f := range l.floats {
		y = max(y, f.bottom)
	}
	return y
}

// placeFloat places a floated picture at the top of a line whose room is
// x0 to x1, and says how wide it is and whether it is on the left.
func (l *layouter) placeFloat(a *atom, top, x0, x1 int) (int, bool) {
	iw, ih := imageSize(a.img, x1-x0)
	mt, mb := a.img.marginY()
	w := iw + a.img.marginX()
	left := a.st.floatSide == 1
	fx := x0
	if !left {
		fx = x1 - w
	}
	if !a.st.hidden {
		ml := max(0, a.st.margin[3].resolve(a.st.fontSize, 0))
		l.items = append(l.items, item{kind: iImage, x: fx + ml, y: top + mt, w: iw, h: ih, img: a.img})
	}
	if len(l.floats) < maxFloats {
		l.floats = append(l.floats, float{left: left, x0: fx, x1: fx + w, top: top, bottom: top + ih + mt + mb})
	}
	return w, left
}

// floatBlock lays out a floated block beside the lines that follow: as
// wide as it says, or as its content wants up to the room there is, in a
// block formatting context of its own. The flow does not move.
func (l *layouter) floatBlock(b *box, cx, cw, y int, m strut) int {
	s := b.st
	top := y + m.value()
	left, right := l.band(top, cx, cx+cw)
	e := edgesOf(s, cw)
	horiz := e.m[1] + e.m[3] + e.b[1] + e.b[3] + e.p[1] + e.p[3]
	var w int
	if s.width.u != auto {
		w = s.width.resolve(s.fontSize, float64(cw)) + horiz
	} else {
		_, mx := l.measure(b)
		w = min(mx, right-left)
	}
	w = clampI(w, 0, maxLength)
	x := left
	if s.floatSide == 2 {
		x = right - w
	}
	outer := l.floats
	l.floats = nil
	b.floating = true
	bottom, bm := l.flow(b, x, w, top, strut{}, alignLeft, true)
	bottom = max(bottom+bm.value(), l.floatsBottom())
	l.floats = outer
	if len(l.floats) < maxFloats {
		l.floats = append(l.floats, float{left: s.floatSide == 1, x0: x, x1: x + w, top: top, bottom: bottom})
	}
	return y
}
