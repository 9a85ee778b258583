package htmlrender

import "slices"

// This file breaks inline content into lines and places them: greedily,
// at spaces and around pictures, a word too long for a line broken
// between letters.

// piece is an atom, or part of a word, on a line.
type piece struct {
	a    *atom
	text string
	w, h int // h: a picture's height
}

type line struct {
	pieces []piece
	w      int // without the spaces at its end
	indent int // room on the left taken by floats placed on the line
	avail  int // the room for it, floats taken away
}

// lineHeight is the height of a line of text in style s in face k, and its
// ascent within that height: CSS's line-height, with the leading split
// above and below the glyphs.
func lineHeight(s *style, k faceKey) (above, below int) {
	fm := fontMetrics(k)
	a, d := fm.ascent, fm.descent
	var lh int
	switch s.lineHeight.u {
	case auto:
		lh = a + d + fm.lineGap
	case em:
		lh = int(s.lineHeight.v*s.fontSize + 0.5)
	default:
		lh = int(s.lineHeight.v)
	}
	lh = clampI(lh, 0, maxLength)
	lead := lh - (a + d)
	above = a + lead/2
	return above, lh - above
}

// breaker breaks a run of atoms into lines one at a time, each as wide as
// the room beside the floats at its height.
type breaker struct {
	l          *layouter
	atoms      []atom
	i          int
	partial    string // what is left of atoms[i]'s text after a break inside it
	hasPartial bool
	carry      []piece // pieces moved to the next line
	floats     []*atom // floats met where they did not fit: for the next line
	// Where the line being made lies, for the floats met on it.
	top, left int
}

// breakState is what next changes, to take a line back.
type breakState struct {
	i          int
	partial    string
	hasPartial bool
	carry      []piece
	floats     []*atom
}

func (br *breaker) save() breakState {
	return breakState{br.i, br.partial, br.hasPartial, slices.Clone(br.carry), slices.Clone(br.floats)}
}

func (br *breaker) restore(s breakState) {
	br.i, br.partial, br.hasPartial, br.carry, br.floats = s.i, s.partial, s.hasPartial, s.carry, s.floats
}

// next is the next line in avail pixels, or false when there is none.
// split says a word had to be broken between letters to make it.
func (br *breaker) next(avail int) (ln line, split, ok bool) {
	l := br.l
	cur := line{pieces: br.carry, avail: avail}
	br.carry = nil
	// Floats that did not fit beside the last line go at this one's top.
	for _, f := range br.floats {
		w, left := l.placeFloat(f, br.top, br.left+cur.indent, br.left+cur.indent+cur.avail)
		cur.avail -= w
		if left {
			cur.indent += w
		}
	}
	br.floats = br.floats[:0]
	x := 0
	for _, p := range cur.pieces {
		x += p.w
	}
	lastBreak := -1 // cur.pieces[:lastBreak] may end a line
	finish := func(n int) line {
		ps := cur.pieces[:n]
		w := 0
		for _, p := range ps {
			w += p.w
		}
		// Spaces at the end of a line take no room.
		for len(ps) > 0 && ps[len(ps)-1].a.kind == aSpace {
			w -= ps[len(ps)-1].w
			ps = ps[:len(ps)-1]
		}
		return line{pieces: ps, w: w, indent: cur.indent, avail: cur.avail}
	}
	empty := func() bool {
		for _, p := range cur.pieces {
			if p.a.kind != aOpen && p.a.kind != aClose {
				return false
			}
		}
		return true
	}
	for br.i < len(br.atoms) {
		if l.tick() {
			break
		}
		a := &br.atoms[br.i]
		switch a.kind {
		case aBreak:
			br.i++
			return finish(len(cur.pieces)), false, true
		case aSpace:
			if empty() && !a.nowrap && a.st.white != wsPreWrap {
				br.i++ // a collapsible space at the start of a line
				continue
			}
			cur.pieces = append(cur.pieces, piece{a: a, text: a.text, w: a.w})
			x += a.w
			if !a.nowrap {
				lastBreak = len(cur.pieces)
			}
			br.i++
			continue
		case aOpen, aClose:
			cur.pieces = append(cur.pieces, piece{a: a, w: a.w})
			x += a.w
			br.i++
			continue
		case aFloat:
			br.i++
			fw, _ := imageSize(a.img, cur.avail)
			if fw+a.img.marginX() > cur.avail-x && !empty() {
				br.floats = append(br.floats, a) // below this line
				continue
			}
			w, left := l.placeFloat(a, br.top, br.left+cur.indent, br.left+cur.indent+cur.avail)
			cur.avail -= w
			if left {
				cur.indent += w
			}
			continue
		}
		avail := cur.avail
		var p piece
		wrap := a.st.white != wsNowrap && a.st.white != wsPre
		if a.kind == aImage || a.kind == aBox {
			if a.kind == aImage {
				iw, ih := imageSize(a.img, avail)
				p = piece{a: a, w: iw + a.img.marginX(), h: ih}
			} else {
				ib := l.inlineBlock(a, avail)
				p = piece{a: a, w: ib.w, h: ib.h}
			}
			if wrap && !empty() {
				lastBreak = len(cur.pieces) // a line may break before a picture
			}
		} else {
			t := a.text
			w := a.w
			if br.hasPartial {
				// What is left of a long word is measured only as far as
				// the line: a word of a thousand lines costs no more than
				// its letters.
				t = br.partial
				w = measureUpTo(t, a.font, a.st.letterSpacing, avail+1)
			}
			p = piece{a: a, text: t, w: w}
		}
		if x+p.w <= avail || !wrap {
			cur.pieces = append(cur.pieces, p)
			x += p.w
			br.i++
			br.hasPartial = false
			if (a.kind == aImage || a.kind == aBox) && wrap {
				lastBreak = len(cur.pieces) // and after one
			}
			continue
		}
		if lastBreak > 0 && !empty() {
			// What follows the last break starts the next line.
			br.carry = append([]piece(nil), cur.pieces[lastBreak:]...)
			return finish(lastBreak), false, true
		}
		if a.kind == aImage || a.kind == aBox {
			if !empty() {
				return finish(len(cur.pieces)), false, true
			}
			cur.pieces = append(cur.pieces, p)
			br.i++
			return finish(len(cur.pieces)), false, true
		}
		// A word wider than the line: break it between letters.
		n := fitRunes(p.text, a.font, a.st.letterSpacing, avail-x, x == 0)
		if n == 0 {
			return finish(len(cur.pieces)), false, true
		}
		head := p.text[:n]
		cur.pieces = append(cur.pieces, piece{a: a, text: head, w: measure(head, a.font, a.st.letterSpacing)})
		if n == len(p.text) {
			br.i++
			br.hasPartial = false
		} else {
			br.partial, br.hasPartial = p.text[n:], true
		}
		return finish(len(cur.pieces)), true, true
	}
	if !empty() || len(br.floats) > 0 {
		return finish(len(cur.pieces)), false, true
	}
	return line{}, false, false
}

// marginX is a picture's left and right margins.
func (r *imgRef) marginX() int {
	fs := r.st.fontSize
	return max(0, r.st.margin[1].resolve(fs, 0)) + max(0, r.st.margin[3].resolve(fs, 0))
}

func (r *imgRef) marginY() (top, bottom int) {
	fs := r.st.fontSize
	return max(0, r.st.margin[0].resolve(fs, 0)), max(0, r.st.margin[2].resolve(fs, 0))
}

// lines lays out block b's inline content, at x and w pixels wide, from
// y, beside the floats there, and returns the flow's position below it.
func (l *layouter) lines(b *box, x, w, y int, m strut) (int, strut) {
	br := &breaker{l: l, atoms: b.atoms}
	s := b.st
	strutKey := fontKey(s)
	sa, sd := lineHeight(s, strutKey)
	if strutKey.size == 0 {
		sa, sd = 0, 0
	}
	settled := false
	indent := 0 // the first line's text-indent
	if s.textIndent.u != auto {
		indent = clampI(s.textIndent.resolve(s.fontSize, float64(w)), -w, w)
	}
	for !l.stop {
		if y > l.limit {
			l.stop = true
			break
		}
		top := y
		if !settled {
			top += m.value()
		}
		left, right := l.band(top, x, x+w)
		br.top, br.left = top, left
		saved := br.save()
		mark := len(l.items)
		nfloats := len(l.floats)
		ln, split, ok := br.next(right - left - indent)
		if !ok {
			break
		}
		if split && right-left < w {
			// A word does not fit beside a float: the line goes below it.
			if below := l.floatBottomAfter(top, x, x+w); below > top {
				br.restore(saved)
				l.items, l.floats = l.items[:mark], l.floats[:nfloats]
				if !settled {
					y += m.value()
					m.settle(y)
					m, settled = strut{}, true
				}
				y = below
				continue
			}
		}
		if !settled {
			y += m.value()
			m.settle(y)
			m, settled = strut{}, true
		}
		above, below := sa, sd
		// The line's height: every piece's ascent and descent with its
		// own leading, pictures standing on the baseline.
		for _, p := range ln.pieces {
			a := p.a
			if a.kind == aImage {
				mt, mb := a.img.marginY()
				full := p.h + mt + mb
				var up int
				switch a.st.valign {
				case vaMiddle:
					up = full/2 + fontMetrics(fontKey(a.parentStyle(s))).xHeight/2
				case vaTextTop, vaTop:
					up = fontMetrics(fontKey(a.parentStyle(s))).ascent
				default:
					up = full
				}
				above, below = max(above, up-a.shift), max(below, full-up+a.shift)
				continue
			}
			if a.kind == aBox {
				ib := l.inlineBlock(a, 0)
				up := ib.base
				if a.st.valign == vaMiddle {
					up = ib.h/2 + fontMetrics(fontKey(a.parentStyle(s))).xHeight/2
				}
				above, below = max(above, up-a.shift), max(below, ib.h-up+a.shift)
				continue
			}
			if a.font.size == 0 {
				continue
			}
			pa, pd := lineHeight(a.st, a.font)
			above, below = max(above, pa-a.shift), max(below, pd+a.shift)
		}
		base := y + above
		lx := left + ln.indent + indent
		indent = 0
		switch s.align {
		case alignCenter, alignWebCenter:
			lx += (ln.avail - ln.w) / 2
		case alignRight:
			lx += ln.avail - ln.w
		}
		l.placeLine(&ln, lx, base, s)
		l.lastBase = base
		for _, pm := range l.markers {
			if !pm.done {
				l.marker(pm, base)
			}
		}
		l.markers = l.markers[:0]
		y = base + below
	}
	return y, m
}

// parentStyle is the style of the element a picture is in.
func (a *atom) parentStyle(block *style) *style {
	if a.in != nil {
		return a.in.st
	}
	return block
}

// placeLine lists what a line draws: the backgrounds of the inline
// elements on it, then glyphs, pictures and decorations.
func (l *layouter) placeLine(ln *line, left, base int, block *style) {
	type span struct {
		in         *inline
		x0, x1     int
		top, bot   int
		start, end bool // its first and last piece are on this line
	}
	var spans []span
	x := left
	for _, p := range ln.pieces {
		for in := p.a.in; in != nil; in = in.parent {
			st := in.st
			if !st.bg.set && st.borderW == [4]float64{} || st.hidden {
				continue
			}
			k := fontKey(st)
			fm := fontMetrics(k)
			fs := st.fontSize
			top := base - fm.ascent - st.padding[0].resolve(fs, 0) - int(st.borderW[0])
			bot := base + fm.descent + st.padding[2].resolve(fs, 0) + int(st.borderW[2])
			x0, x1 := x, x+p.w
			start := p.a.kind == aOpen && p.a.in == in
			end := p.a.kind == aClose && p.a.in == in
			if start {
				x0 += st.margin[3].resolve(fs, 0)
			}
			if end {
				x1 -= st.margin[1].resolve(fs, 0)
			}
			found := false
			for i := range spans {
				if spans[i].in == in {
					spans[i].x0, spans[i].x1 = min(spans[i].x0, x0), max(spans[i].x1, x1)
					spans[i].start = spans[i].start || start
					spans[i].end = spans[i].end || end
					found = true
					break
				}
			}
			if !found {
				spans = append(spans, span{in: in, x0: x0, x1: x1, top: top, bot: bot, start: start, end: end})
			}
		}
		x += p.w
	}
	// The backgrounds and borders of inline elements, outer ones first
	// so that inner ones draw over them; the left and right borders only
	// where the element starts and ends.
	for depth := 0; len(spans) > 0 && depth <= 64; depth++ {
		for _, sp := range spans {
			if sp.in.depth != depth || sp.x1 <= sp.x0 {
				continue
			}
			st := sp.in.st
			w, h := sp.x1-sp.x0, sp.bot-sp.top
			if st.bg.set {
				l.items = append(l.items, item{kind: iFill, x: sp.x0, y: sp.top, w: w, h: h, level: levelOf(st.bg)})
			}
			bw := [4]int{int(st.borderW[0]), int(st.borderW[1]), int(st.borderW[2]), int(st.borderW[3])}
			if !sp.end {
				bw[1] = 0
			}
			if !sp.start {
				bw[3] = 0
			}
			for i, r := range [4][4]int{
				{sp.x0, sp.top, w, bw[0]},
				{sp.x1 - bw[1], sp.top, bw[1], h},
				{sp.x0, sp.bot - bw[2], w, bw[2]},
				{sp.x0, sp.top, bw[3], h},
			} {
				if bw[i] > 0 {
					l.items = append(l.items, item{kind: iFill, x: r[0], y: r[1], w: r[2], h: r[3], level: levelOf(st.borderColor[i])})
				}
			}
		}
	}
	x = left
	for _, p := range ln.pieces {
		a := p.a
		switch a.kind {
		case aText:
			if a.font.size > 0 && !a.st.hidden {
				l.items = append(l.items, item{kind: iText, x: x, y: base + a.shift, text: p.text, font: a.font, ls: int(a.st.letterSpacing), level: levelOf(a.st.color)})
			}
		case aBox:
			ib := l.inlineBlock(a, 0)
			top := base - ib.base
			if a.st.valign == vaMiddle {
				top = base - ib.h/2 - fontMetrics(fontKey(a.parentStyle(block))).xHeight/2
			}
			for _, it := range ib.items {
				it.x += x
				it.y += top + a.shift
				l.items = append(l.items, it)
			}
		case aImage:
			if !a.st.hidden {
				mt, mb := a.img.marginY()
				full := p.h + mt + mb
				top := base - full + mt
				switch a.st.valign {
				case vaMiddle:
					top = base - full/2 - fontMetrics(fontKey(a.parentStyle(block))).xHeight/2 + mt
				case vaTextTop, vaTop:
					top = base - fontMetrics(fontKey(a.parentStyle(block))).ascent + mt
				}
				ml := max(0, a.st.margin[3].resolve(a.st.fontSize, 0))
				l.items = append(l.items, item{kind: iImage, x: x + ml, y: top + a.shift, w: p.w - a.img.marginX(), h: p.h, img: a.img})
			}
		}
		if a.st.decoration != 0 && (a.kind == aText || a.kind == aSpace) && a.font.size > 0 && !a.st.hidden {
			l.decorate(a, x, p.w, base+a.shift)
		}
		x += p.w
	}
}

// decorate draws underline, line-through and overline under, through or
// over a piece of text.
func (l *layouter) decorate(a *atom, x, w, base int) {
	fm := fontMetrics(a.font)
	size := int(a.font.size)
	thick := max(1, (size+7)/15)
	level := levelOf(a.st.color)
	if a.st.decoration&decoUnderline != 0 {
		l.items = append(l.items, item{kind: iFill, x: x, y: base + max(1, (size+5)/10), w: w, h: thick, level: level})
	}
	if a.st.decoration&decoLineThrough != 0 {
		l.items = append(l.items, item{kind: iFill, x: x, y: base - fm.xHeight/2 - thick/2, w: w, h: thick, level: level})
	}
	if a.st.decoration&decoOverline != 0 {
		l.items = append(l.items, item{kind: iFill, x: x, y: base - fm.ascent, w: w, h: thick, level: level})
	}
}

// laidBlock is an inline-block laid out on its own, at (0, 0): its
// margin box's size, the baseline it sits on the line by, and what it
// draws.
type laidBlock struct {
	w, h, base int
	items      []item
}

// inlineBlock lays out an inline-block once, as wide as it says or as
// its content wants up to avail, in a block formatting context of its
// own; it is then placed on a line as a word is.
func (l *layouter) inlineBlock(a *atom, avail int) *laidBlock {
	if ib := l.inlines[a]; ib != nil {
		return ib
	}
	b := a.box
	s := b.st
	e := edgesOf(s, avail)
	horiz := e.m[1] + e.m[3] + e.b[1] + e.b[3] + e.p[1] + e.p[3]
	var w int
	if s.width.u != auto {
		w = s.width.resolve(s.fontSize, float64(avail)) + horiz
	} else {
		_, mx := l.measure(b)
		w = min(mx, max(avail, 0))
	}
	w = clampI(w, 0, maxLength)
	mark, outerFloats, outerBase, outerMarkers := len(l.items), l.floats, l.lastBase, l.markers
	l.floats, l.lastBase, l.markers = nil, -1, nil
	bottom, bm := l.flow(b, 0, w, 0, strut{}, alignLeft, true)
	h := max(bottom+bm.value(), l.floatsBottom(), 0)
	base := h // with no line, its bottom margin edge sits on the baseline
	if l.lastBase >= 0 {
		base = l.lastBase
	}
	ib := &laidBlock{w: w, h: h, base: base, items: slices.Clone(l.items[mark:])}
	l.items = l.items[:mark]
	l.floats, l.lastBase, l.markers = outerFloats, outerBase, outerMarkers
	if l.inlines == nil {
		l.inlines = map[*atom]*laidBlock{}
	}
	l.inlines[a] = ib
	return ib
}
