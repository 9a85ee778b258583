package htmlrender

import (
	"strconv"
	"strings"
)

// This file lays out simple tables as WebKit's automatic table layout
// does: each column as wide as its widest cell wants (or as its width
// says), narrower columns squeezed towards their longest word when the
// table is too wide, and what is left of a table of a set width shared by
// the columns in proportion. There are no row spans.

const maxCols = 100

type table struct {
	rows    []tableRow
	caption []*box
	ncols   int

	measured   bool
	mins, maxs []int
	fixed      []int // a column's set width, or -1
	pcts       []float64
}

type tableRow struct {
	st    *style
	cells []tcell
}

type tcell struct {
	b         *box
	col, span int
}

// table makes the rows and cells of a table element: rows from its row
// groups and its own rows, and anything else in it a row of one cell.
func (bd *builder) table(n *node) *table {
	t := &table{}
	cellBox := func(c *node) *box {
		b := &box{kind: kBlock, st: c.st, node: c}
		bd.fill(b, c)
		return b
	}
	addRow := func(r *node) {
		row := tableRow{st: r.st}
		col := 0
		for _, c := range r.kids {
			if c.tag == "" || c.st.display == dNone {
				continue
			}
			if col >= maxCols {
				break
			}
			span := 1
			if v, ok := c.attr("colspan"); ok {
				if k, err := strconv.Atoi(strings.TrimSpace(v)); err == nil {
					span = clampI(k, 1, maxCols)
				}
			}
			span = min(span, maxCols-col)
			row.cells = append(row.cells, tcell{b: cellBox(c), col: col, span: span})
			col += span
		}
		t.ncols = max(t.ncols, col)
		t.rows = append(t.rows, row)
	}
	lone := func(c *node) {
		t.rows = append(t.rows, tableRow{st: n.st, cells: []tcell{{b: cellBox(c), col: 0, span: 1}}})
		t.ncols = max(t.ncols, 1)
	}
	for _, k := range n.kids {
		if k.tag == "" || k.st.display == dNone {
			continue
		}
		switch k.st.display {
		case dCaption:
			t.caption = append(t.caption, cellBox(k))
		case dRowGroup:
			for _, r := range k.kids {
				switch {
				case r.tag == "" || r.st.display == dNone:
				case r.st.display == dRow:
					addRow(r)
				default:
					lone(r)
				}
			}
		case dRow:
			addRow(k)
		default:
			lone(k)
		}
	}
	return t
}

// spacingOf is the room between cells and around them.
func spacingOf(s *style) int {
	if s.collapse {
		return 0
	}
	return int(s.spacing)
}

// columns measures each column: the narrowest and widest its cells want,
// and any width set on them.
func (l *layouter) columns(t *table, spacing int) {
	if t.measured {
		return
	}
	t.measured = true
	n := t.ncols
	t.mins, t.maxs, t.fixed, t.pcts = make([]int, n), make([]int, n), make([]int, n), make([]float64, n)
	for i := range t.fixed {
		t.fixed[i] = -1
	}
	for pass := range 2 { // single cells, then the ones that span columns
		for _, row := range t.rows {
			for _, c := range row.cells {
				if (c.span == 1) != (pass == 0) {
					continue
				}
				mn, mx := l.measure(c.b)
				s := c.b.st
				if c.span == 1 {
					t.mins[c.col] = max(t.mins[c.col], mn)
					t.maxs[c.col] = max(t.maxs[c.col], mx)
					switch s.width.u {
					case px, em, rem:
						e := edgesOf(s, 0)
						t.fixed[c.col] = max(t.fixed[c.col], s.width.resolve(s.fontSize, 0)+e.b[1]+e.b[3]+e.p[1]+e.p[3])
					case pct:
						t.pcts[c.col] = max(t.pcts[c.col], clampF(s.width.v, 0, 100))
					}
					continue
				}
				// A spanning cell widens its columns evenly by what they lack.
				haveMin, haveMax := spacing*(c.span-1), spacing*(c.span-1)
				for k := c.col; k < c.col+c.span; k++ {
					haveMin += t.mins[k]
					haveMax += t.maxs[k]
				}
				for k := c.col; k < c.col+c.span; k++ {
					if mn > haveMin {
						t.mins[k] += (mn - haveMin) / c.span
					}
					if mx > haveMax {
						t.maxs[k] += (mx - haveMax) / c.span
					}
				}
			}
		}
	}
	for i := range n {
		if t.fixed[i] >= 0 {
			t.maxs[i] = max(t.mins[i], t.fixed[i])
		}
		t.maxs[i] = max(t.maxs[i], t.mins[i])
	}
}

// tableWidth is the width of a table's content: as set, else as wide as
// its columns want up to the room there is; never narrower than its
// columns' narrowest.
func (l *layouter) tableWidth(b *box, cw int, e edges) int {
	t := b.tbl
	s := b.st
	sp := spacingOf(s)
	l.columns(t, sp)
	sumMin, sumMax := sp*(t.ncols+1), sp*(t.ncols+1)
	for i := range t.ncols {
		sumMin += t.mins[i]
		sumMax += t.maxs[i]
	}
	horiz := e.b[1] + e.b[3] + e.p[1] + e.p[3]
	if s.width.u != auto {
		// A table's width includes its borders, in browsers.
		w := s.width.resolve(s.fontSize, float64(cw)) - horiz
		return clampI(max(w, sumMin), 0, maxLength)
	}
	avail := cw - e.m[1] - e.m[3] - horiz
	return clampI(max(min(avail, sumMax), sumMin), 0, maxLength)
}

// distribute shares inner pixels out among the columns.
func distribute(t *table, inner int) []int {
	n := t.ncols
	cols := make([]int, n)
	rest := inner
	var autoCols []int
	for i := range n {
		switch {
		case t.pcts[i] > 0:
			cols[i] = max(t.mins[i], int(t.pcts[i]*float64(inner)/100))
		case t.fixed[i] >= 0:
			cols[i] = max(t.mins[i], t.fixed[i])
		default:
			autoCols = append(autoCols, i)
			continue
		}
		rest -= cols[i]
	}
	sumMin, sumMax := 0, 0
	for _, i := range autoCols {
		sumMin += t.mins[i]
		sumMax += t.maxs[i]
	}
	switch {
	case len(autoCols) == 0:
		// Set widths that leave room grow in proportion.
		total := 0
		for _, c := range cols {
			total += c
		}
		if rest > 0 && total > 0 {
			share(cols, allCols(n), cols, rest, total)
		}
	case rest >= sumMax:
		for _, i := range autoCols {
			cols[i] = t.maxs[i]
		}
		if sumMax > 0 {
			share(cols, autoCols, t.maxs, rest-sumMax, sumMax)
		} else {
			ones := make([]int, n)
			for i := range ones {
				ones[i] = 1
			}
			share(cols, autoCols, ones, rest, len(autoCols))
		}
	case rest > sumMin:
		weights := make([]int, n)
		total := 0
		for _, i := range autoCols {
			cols[i] = t.mins[i]
			weights[i] = t.maxs[i] - t.mins[i]
			total += weights[i]
		}
		if total > 0 {
			share(cols, autoCols, weights, rest-sumMin, total)
		}
	default:
		for _, i := range autoCols {
			cols[i] = t.mins[i]
		}
	}
	return cols
}

func allCols(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}

// share adds extra to the columns idx in proportion to weights (summing
// to total), the pixels left by rounding to the last.
func share(cols, idx, weights []int, extra, total int) {
	if extra <= 0 || total <= 0 || len(idx) == 0 {
		return
	}
	given := 0
	base := append([]int(nil), weights...)
	for _, i := range idx {
		add := int(int64(extra) * int64(base[i]) / int64(total))
		cols[i] += add
		given += add
	}
	cols[idx[len(idx)-1]] += extra - given
}

// layoutTable lays a table's caption, rows and cells out in its content
// box at x, w wide, from y, and returns the height they take.
func (l *layouter) layoutTable(b *box, x, w, y int) int {
	t := b.tbl
	s := b.st
	top := y
	for _, c := range t.caption {
		y, _ = l.cellContent(c, x, w, y)
	}
	if t.ncols == 0 {
		return y - top
	}
	sp := spacingOf(s)
	l.columns(t, sp)
	cols := distribute(t, w-sp*(t.ncols+1))
	colX := make([]int, t.ncols+1)
	colX[0] = x + sp
	for i, c := range cols {
		colX[i+1] = colX[i] + c + sp
	}
	tableB := [4]int{int(s.borderW[0]), int(s.borderW[1]), int(s.borderW[2]), int(s.borderW[3])}
	prevBottom := make([]int, t.ncols) // collapsed: the bottom borders above each column
	rowY := y + sp
	type placed struct {
		c          tcell
		at         int
		start, end int
		x, w, h    int
		bw         [4]int
	}
	var cells []placed
	for ri, row := range t.rows {
		if rowY > l.limit || l.stop {
			l.stop = true
			break
		}
		rowAt := -1
		if row.st.bg.set && row.st != s {
			rowAt = len(l.items)
			l.items = append(l.items, item{})
		}
		rowH := 0
		if row.st != s && row.st.height.u == px {
			rowH = row.st.height.resolve(row.st.fontSize, 0)
		}
		cells = cells[:0]
		leftRight := 0
		for ci, c := range row.cells {
			cs := c.b.st
			e := edgesOf(cs, w)
			bw := [4]int{e.b[0], e.b[1], e.b[2], e.b[3]}
			if s.collapse {
				// Shared edges are drawn once: by the cell above, by
				// the cell to the left, or by the table.
				if ri > 0 && prevBottom[c.col] > 0 || ri == 0 && tableB[0] > 0 {
					bw[0] = 0
				}
				if ci > 0 && leftRight > 0 || c.col == 0 && tableB[3] > 0 {
					bw[3] = 0
				}
				if c.col+c.span == t.ncols && tableB[1] > 0 {
					bw[1] = 0
				}
				if ri == len(t.rows)-1 && tableB[2] > 0 {
					bw[2] = 0
				}
				leftRight = bw[1]
				for k := c.col; k < c.col+c.span; k++ {
					prevBottom[k] = bw[2]
				}
			}
			cx := colX[c.col]
			cw := colX[c.col+c.span] - sp - cx
			at := l.reserve(cs)
			start := len(l.items)
			inner := cw - bw[1] - bw[3] - e.p[1] - e.p[3]
			yy, _ := l.cellContent(c.b, cx+bw[3]+e.p[3], max(0, inner), rowY+bw[0]+e.p[0])
			h := yy - rowY + e.p[2] + bw[2]
			if cs.height.u == px {
				h = max(h, cs.height.resolve(cs.fontSize, 0))
			}
			rowH = max(rowH, h)
			cells = append(cells, placed{c: c, at: at, start: start, end: len(l.items), x: cx, w: cw, h: h, bw: bw})
		}
		if rowAt >= 0 {
			l.items[rowAt] = item{kind: iFill, x: colX[0], y: rowY, w: colX[t.ncols] - sp - colX[0], h: rowH, level: levelOf(row.st.bg)}
		}
		for _, p := range cells {
			va := p.c.b.st.valign
			if va == vaBaseline {
				va = row.st.valign
			}
			dy := 0
			switch va {
			case vaTop, vaTextTop:
			case vaBottom, vaTextBottom:
				dy = rowH - p.h
			default:
				dy = (rowH - p.h) / 2
			}
			if dy != 0 {
				for i := p.start; i < p.end; i++ {
					l.items[i].y += dy
				}
			}
			l.background(p.at, p.c.b.st, p.bw, p.x, rowY, p.w, rowH, false)
		}
		rowY += rowH + sp
	}
	return rowY - top
}

// cellContent lays out the content of a cell or caption, a block of its
// own whose children's margins stay inside it, at x, w wide, from y, and
// returns the flow's position below it.
func (l *layouter) cellContent(b *box, x, w, y int) (int, strut) {
	outer := l.floats
	l.floats = nil
	defer func() { l.floats = outer }()
	m := strut{}
	if len(b.atoms) > 0 {
		y, m = l.lines(b, x, w, y, m)
	} else {
		for _, k := range b.kids {
			if l.stop {
				break
			}
			y, m = l.flow(k, x, w, y, m, b.st.align, false)
		}
	}
	y += max(0, m.value())
	m.settle(y)
	return max(y, l.floatsBottom()), strut{}
}

// measure is the narrowest a box can be laid out (its widest word or
// picture) and the width it takes with no line broken but where the page
// breaks them, margins, borders and paddings included.
func (l *layouter) measure(b *box) (minW, maxW int) {
	if b.measured {
		return b.minW, b.maxW
	}
	b.measured = true
	s := b.st
	e := edgesOf(s, 0)
	horiz := max(0, e.m[1]) + max(0, e.m[3]) + e.b[1] + e.b[3] + e.p[1] + e.p[3]
	switch b.kind {
	case kImage:
		w, _ := imageSize(b.img, 0)
		minW, maxW = w, w
	case kTable:
		sp := spacingOf(s)
		l.columns(b.tbl, sp)
		minW, maxW = sp*(b.tbl.ncols+1), sp*(b.tbl.ncols+1)
		for i := range b.tbl.ncols {
			minW += b.tbl.mins[i]
			maxW += b.tbl.maxs[i]
		}
	default:
		if len(b.atoms) > 0 {
			minW, maxW = l.measureAtoms(b.atoms)
		}
		for _, k := range b.kids {
			mn, mx := l.measure(k)
			minW, maxW = max(minW, mn), max(maxW, mx)
		}
	}
	if s.width.u == px && b.kind != kTable {
		w := s.width.resolve(s.fontSize, 0)
		if b.kind == kImage {
			w = minW
		}
		minW, maxW = w, w
	}
	b.minW, b.maxW = clampI(minW+horiz, 0, maxLength), clampI(maxW+horiz, 0, maxLength)
	return b.minW, b.maxW
}

// measureAtoms is the widest unbreakable stretch of inline content and
// its widest line.
func (l *layouter) measureAtoms(atoms []atom) (minW, maxW int) {
	line, seg := 0, 0
	for i := range atoms {
		a := &atoms[i]
		switch a.kind {
		case aBreak:
			maxW, minW = max(maxW, line), max(minW, seg)
			line, seg = 0, 0
		case aSpace:
			line += a.w
			if a.nowrap {
				seg += a.w
			} else {
				minW, seg = max(minW, seg), 0
			}
		case aImage, aFloat:
			w, _ := imageSize(a.img, 0)
			w += a.img.marginX()
			minW, seg = max(minW, seg, w), 0
			line += w
		case aBox:
			mn, mx := l.measure(a.box)
			minW, seg = max(minW, seg, mn), 0
			line += mx
		default:
			line += a.w
			seg += a.w
		}
	}
	return max(minW, seg), max(maxW, line)
}
