package htmlrender

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// display is how an element takes part in layout.
type display uint8

const (
	dNone display = iota
	dInline
	dBlock
	dListItem
	dTable
	dRowGroup
	dRow
	dCell
	dCaption
	dInlineBlock
)

// Text alignments. alignWebCenter is <center>'s and align="center"'s: it
// centres text and also blocks narrower than their container, as WebKit's
// -webkit-center does.
const (
	alignLeft uint8 = iota
	alignCenter
	alignRight
	alignWebCenter
)

// White-space modes.
const (
	wsNormal uint8 = iota
	wsNowrap
	wsPre
	wsPreWrap
	wsPreLine
)

// List marker kinds.
const (
	listNone uint8 = iota
	listDisc
	listCircle
	listSquare
	listDecimal
	listLowerAlpha
	listUpperAlpha
	listLowerRoman
	listUpperRoman
)

// Vertical alignments.
const (
	vaBaseline uint8 = iota
	vaMiddle
	vaTop
	vaBottom
	vaSub
	vaSuper
	vaTextTop
	vaTextBottom
)

// Text decorations, as bits.
const (
	decoUnderline uint8 = 1 << iota
	decoLineThrough
	decoOverline
)

// Text transforms.
const (
	ttNone uint8 = iota
	ttUpper
	ttLower
	ttCapitalize
)

// defaultFontSize is WebKit's medium.
const defaultFontSize = 16

// Bounds on what CSS can ask for: font sizes in pixels (text smaller than
// minFontSize is not drawn), borders, spacing.
const (
	minFontSize    = 4
	maxFontSize    = 400
	maxBorder      = 100
	maxLetterSpace = 100
)

// style is an element's computed style, the properties this renderer
// knows. Sides are top, right, bottom, left.
type style struct {
	display display

	// Inherited.
	color         color
	fontSize      float64 // pixels
	kwSize        bool    // the size comes from keywords only: see monoSize
	family        family
	genericMono   bool // the family is the bare word monospace
	bold, italic  bool
	lineHeight    length // auto: normal; em: a number, a factor; px
	align         uint8
	transform     uint8
	letterSpacing float64
	wordSpacing   float64
	white         uint8
	listType      uint8
	collapse      bool    // border-collapse: collapse
	spacing       float64 // border-spacing
	hidden        bool    // visibility: hidden
	decoration    uint8   // drawn on all text inside, as browsers do
	textIndent    length  // of a block's first line

	// Not inherited.
	width, maxWidth, height, minHeight length
	margin, padding                    [4]length
	borderW                            [4]float64
	borderOn                           [4]bool  // a style other than none
	borderKind                         [4]uint8 // 0 solid (any other), 1 inset, 2 outset
	borderColor                        [4]color
	borderColorSet                     [4]bool // else the text colour
	bg                                 color
	valign                             uint8
	floatSide                          uint8 // 0 none, 1 left, 2 right
	clear                              uint8 // bits: 1 left, 2 right
}

// initialStyle is the root's parent: CSS's initial values.
func initialStyle() *style {
	return &style{
		display:    dInline,
		color:      black,
		fontSize:   defaultFontSize,
		kwSize:     true,
		family:     serif,
		lineHeight: autoLength,
		listType:   listDisc,
		spacing:    0,
		width:      autoLength, maxWidth: autoLength, height: autoLength, minHeight: length{},
		margin:  [4]length{},
		padding: [4]length{},
	}
}

// inherit is a child's style before its own declarations: the inherited
// properties of its parent and the initial values of the others.
func inherit(p *style) *style {
	return &style{
		display:       dInline,
		color:         p.color,
		fontSize:      p.fontSize,
		kwSize:        p.kwSize,
		family:        p.family,
		genericMono:   p.genericMono,
		bold:          p.bold,
		italic:        p.italic,
		lineHeight:    p.lineHeight,
		align:         p.align,
		transform:     p.transform,
		letterSpacing: p.letterSpacing,
		wordSpacing:   p.wordSpacing,
		white:         p.white,
		listType:      p.listType,
		collapse:      p.collapse,
		spacing:       p.spacing,
		hidden:        p.hidden,
		decoration:    p.decoration,
		textIndent:    p.textIndent,
		width:         autoLength, maxWidth: autoLength, height: autoLength,
		borderW: [4]float64{3, 3, 3, 3}, // medium, drawn once a style is set
	}
}

// uaCSS is the user agent style sheet: WebKit's defaults for the elements
// pages use, so that a page that sets only some margins lays out as it
// did on BERG's printers.
const uaCSS = `
html, address, blockquote, body, dd, div, dl, dt, fieldset, form, h1, h2, h3, h4, h5, h6,
ol, p, ul, center, dir, hr, menu, pre, header, footer, section, article, aside, nav, main,
figure, figcaption, hgroup, details, summary, legend, listing, xmp, plaintext { display: block }
head, script, style, title, meta, link, base, noscript, template, iframe, object, embed, video,
audio, canvas, svg, input, button, select, textarea, map, area, datalist, param, source, track,
frame, frameset, noframes, applet, colgroup, col, option, optgroup { display: none }
body { margin: 8px }
p { margin: 1em 0 }
blockquote, figure { margin: 1em 40px }
h1 { font-size: 2em; margin: .67em 0; font-weight: bold }
h2 { font-size: 1.5em; margin: .83em 0; font-weight: bold }
h3 { font-size: 1.17em; margin: 1em 0; font-weight: bold }
h4 { margin: 1.33em 0; font-weight: bold }
h5 { font-size: .83em; margin: 1.67em 0; font-weight: bold }
h6 { font-size: .67em; margin: 2.33em 0; font-weight: bold }
ul, menu, dir { list-style-type: disc; margin: 1em 0; padding-left: 40px }
ol { list-style-type: decimal; margin: 1em 0; padding-left: 40px }
ul ul, ol ul, menu ul, ul menu { list-style-type: circle }
ul ul ul, ul ol ul, ol ul ul, ol ol ul { list-style-type: square }
ul ul, ul ol, ol ul, ol ol { margin-top: 0; margin-bottom: 0 }
li { display: list-item }
dl { margin: 1em 0 }
dd { margin-left: 40px }
pre, xmp, plaintext, listing { font-family: monospace; white-space: pre; margin: 1em 0 }
code, kbd, samp, tt { font-family: monospace }
b, strong, th { font-weight: bold }
i, cite, em, var, address, dfn { font-style: italic }
small { font-size: smaller }
big { font-size: larger }
sub { vertical-align: sub; font-size: smaller }
sup { vertical-align: super; font-size: smaller }
u, ins { text-decoration: underline }
s, strike, del { text-decoration: line-through }
a:link { color: #0000ee; text-decoration: underline }
center { text-align: -webkit-center }
hr { margin: .5em auto; border-style: inset; border-width: 1px; color: gray }
table { display: table; border-spacing: 2px; border-color: gray }
thead, tbody, tfoot { display: table-row-group; vertical-align: middle }
tr { display: table-row }
td, th { display: table-cell; padding: 1px }
th { text-align: center }
caption { display: table-caption; text-align: center }
`

// uaRules are uaCSS read once.
var uaRules = sync.OnceValue(func() []rule {
	order := 0
	return parseSheet(uaCSS, nil, &order)
})

// cascade computes the styles of a page's elements from its rules.
type cascade struct {
	rules   []rule
	nUA     int // rules[:nUA] are the user agent's
	byID    map[string][]int
	byClass map[string][]int
	byTag   map[string][]int
	any     []int
	m       matcher
	cand    []int
	matched []matchedDecl
}

type matchedDecl struct {
	d    decl
	rank [4]int // important, origin, specificity, order
}

func newCascade(author []rule) *cascade {
	ua := uaRules()
	c := &cascade{
		rules:   append(slices.Clip(ua), author...),
		nUA:     len(ua),
		byID:    map[string][]int{},
		byClass: map[string][]int{},
		byTag:   map[string][]int{},
	}
	for i, r := range c.rules {
		last := r.sel[len(r.sel)-1]
		switch {
		case last.matchNever:
		case last.id != "":
			c.byID[last.id] = append(c.byID[last.id], i)
		case len(last.classes) > 0:
			c.byClass[last.classes[0]] = append(c.byClass[last.classes[0]], i)
		case last.tag != "":
			c.byTag[last.tag] = append(c.byTag[last.tag], i)
		default:
			c.any = append(c.any, i)
		}
	}
	return c
}

// compute is the style of element n, whose parent's style is parent.
func (c *cascade) compute(n *node, parent *style) *style {
	c.cand = c.cand[:0]
	if n.id != "" {
		c.cand = append(c.cand, c.byID[n.id]...)
	}
	for _, cl := range n.classes {
		c.cand = append(c.cand, c.byClass[cl]...)
	}
	c.cand = append(c.cand, c.byTag[n.tag]...)
	c.cand = append(c.cand, c.any...)
	slices.Sort(c.cand)
	c.cand = slices.Compact(c.cand)

	c.matched = c.matched[:0]
	for _, i := range c.cand {
		r := &c.rules[i]
		if !c.m.matches(r.sel, n) {
			continue
		}
		origin := 0
		if i >= c.nUA {
			origin = 1
		}
		for _, d := range r.decls {
			imp := 0
			if d.important && origin == 1 {
				imp = 1
			}
			c.matched = append(c.matched, matchedDecl{d, [4]int{imp, origin, r.spec, r.order}})
		}
	}
	for _, d := range hints(n) {
		c.matched = append(c.matched, matchedDecl{d, [4]int{0, 1, 0, 0}})
	}
	if v, ok := n.attr("style"); ok {
		for _, d := range parseDecls(stripComments(v)) {
			imp := 0
			if d.important {
				imp = 1
			}
			c.matched = append(c.matched, matchedDecl{d, [4]int{imp, 1, 1 << 24, 0}})
		}
	}
	slices.SortStableFunc(c.matched, func(a, b matchedDecl) int {
		for i := range a.rank {
			if a.rank[i] != b.rank[i] {
				return a.rank[i] - b.rank[i]
			}
		}
		return 0
	})

	s := inherit(parent)
	// Font sizes first: ems in every other property are of the element's
	// own size.
	for i := range c.matched {
		d := &c.matched[i].d
		if d.prop == "font-size" || d.prop == "font" {
			s.apply(d.prop, d.value, parent)
		}
	}
	s.monoSize(parent)
	for i := range c.matched {
		d := &c.matched[i].d
		if d.prop != "font-size" && d.prop != "font" {
			s.apply(d.prop, d.value, parent)
		}
	}
	if s.floatSide != 0 && (s.display == dInline || s.display == dInlineBlock) && n.tag != "img" {
		s.display = dBlock // a float is a block, as CSS makes it
	}
	for i := range 4 {
		if !s.borderOn[i] {
			s.borderW[i] = 0
		}
		if !s.borderColorSet[i] {
			s.borderColor[i] = s.color
		}
		// Inset and outset darken two sides, as WebKit draws them: a
		// grey <hr> prints its dark top line.
		if k := s.borderKind[i]; k == 1 && (i == 0 || i == 3) || k == 2 && (i == 1 || i == 2) {
			s.borderColor[i] = s.borderColor[i].darker()
		}
	}
	return s
}

// darker is the shade WebKit draws the dark sides of inset and outset
// borders in.
func (c color) darker() color {
	if c.level == 0 {
		return color{0x54, c.set}
	}
	v := float64(c.level) / 255
	return color{uint8(255 * v * math.Max(0, (v-0.33)/v)), c.set}
}

// monoSize applies WebKit's rule for the bare monospace family: where no
// page set a size, its medium is 13 pixels, not 16, so <pre> and <code>
// come out smaller than the text around them.
func (s *style) monoSize(parent *style) {
	if !s.kwSize {
		return
	}
	switch {
	case s.genericMono && !parent.genericMono:
		s.fontSize = s.fontSize * 13 / 16
	case !s.genericMono && parent.genericMono:
		s.fontSize = s.fontSize * 16 / 13
	}
}

// hints are the declarations presentational attributes stand for:
// align, bgcolor, width, border and the like, which pages of BERG's day
// used as much as CSS.
func hints(n *node) []decl {
	var out []decl
	add := func(p, v string) { out = append(out, decl{prop: p, value: v}) }
	dim := func(v string) string {
		v = strings.TrimSpace(v)
		if strings.HasSuffix(v, "%") {
			return v
		}
		if _, err := strconv.ParseFloat(v, 64); err == nil {
			return v + "px"
		}
		return v
	}
	for _, a := range n.attrs {
		v := a.Val
		switch a.Key {
		case "align":
			switch n.tag {
			case "table", "img":
				switch strings.ToLower(v) {
				case "center":
					add("margin-left", "auto")
					add("margin-right", "auto")
				case "left":
					add("float", "left")
				case "right":
					add("float", "right")
				case "middle", "absmiddle":
					add("vertical-align", "middle")
				case "top", "texttop":
					add("vertical-align", "text-top")
				}
			default:
				switch strings.ToLower(v) {
				case "center", "middle":
					add("text-align", "-webkit-center")
				case "right", "left":
					add("text-align", v)
				}
			}
		case "valign":
			add("vertical-align", v)
		case "bgcolor":
			add("background-color", v)
		case "color":
			if n.tag == "font" {
				add("color", v)
			}
		case "face":
			if n.tag == "font" {
				add("font-family", v)
			}
		case "size":
			switch n.tag {
			case "font":
				if sz, ok := fontTagSize(v); ok {
					add("font-size", sz)
				}
			case "hr":
				add("height", dim(v))
			}
		case "width":
			switch n.tag {
			case "img", "table", "td", "th", "hr", "col", "div", "p", "pre":
				add("width", dim(v))
			}
		case "height":
			switch n.tag {
			case "img", "td", "th", "tr", "table":
				add("height", dim(v))
			}
		case "border":
			switch n.tag {
			case "img":
				add("border", dim(v)+" solid")
			case "table":
				w := strings.TrimSpace(v)
				if w == "" {
					w = "1"
				}
				if w != "0" {
					add("border", dim(w)+" outset")
				}
			}
		case "cellspacing":
			if n.tag == "table" {
				add("border-spacing", dim(v))
			}
		case "hspace":
			if n.tag == "img" {
				add("margin-left", dim(v))
				add("margin-right", dim(v))
			}
		case "vspace":
			if n.tag == "img" {
				add("margin-top", dim(v))
				add("margin-bottom", dim(v))
			}
		case "nowrap":
			if n.tag == "td" || n.tag == "th" {
				add("white-space", "nowrap")
			}
		case "noshade":
			if n.tag == "hr" {
				add("border-style", "solid")
				add("background-color", "gray")
			}
		}
	}
	// A table's border and cellpadding attributes are drawn on its cells.
	if n.tag == "td" || n.tag == "th" {
		if t := n.table(); t != nil {
			if v, ok := t.attr("border"); ok && strings.TrimSpace(v) != "0" {
				add("border", "1px inset")
			}
			if v, ok := t.attr("cellpadding"); ok {
				add("padding", dim(v))
			}
		}
	}
	return out
}

// fontTagSize is the CSS size of <font size=N>.
func fontTagSize(v string) (string, bool) {
	v = strings.TrimSpace(v)
	rel := 0
	if v != "" && (v[0] == '+' || v[0] == '-') {
		rel = 3
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return "", false
	}
	n = min(max(n+rel, 1), 7)
	return [...]string{"", "x-small", "small", "medium", "large", "x-large", "xx-large", "48px"}[n], true
}

// sideNames are the sides in the order of the arrays in style.
var sideNames = [4]string{"top", "right", "bottom", "left"}

// apply sets a property from a declaration. What it does not know or
// cannot read it leaves as it was.
func (s *style) apply(prop, v string, parent *style) {
	lv := strings.ToLower(v)
	if lv == "inherit" {
		s.inheritProp(prop, parent)
		return
	}
	switch prop {
	case "display":
		switch lv {
		case "none":
			s.display = dNone
		case "inline", "contents", "ruby":
			s.display = dInline
		case "inline-block", "inline-flex", "inline-table":
			s.display = dInlineBlock
		case "block", "flex", "grid", "flow-root", "-webkit-box":
			s.display = dBlock
		case "list-item":
			s.display = dListItem
		case "table":
			s.display = dTable
		case "table-row-group", "table-header-group", "table-footer-group":
			s.display = dRowGroup
		case "table-row":
			s.display = dRow
		case "table-cell":
			s.display = dCell
		case "table-caption":
			s.display = dCaption
		case "table-column", "table-column-group":
			s.display = dNone
		}
	case "color":
		if c, ok := parseColor(v); ok && c.set {
			s.color = c
		}
	case "background-color":
		if c, ok := parseColor(v); ok {
			s.bg = c
		}
	case "background":
		// Only a colour: background pictures are not drawn.
		for _, f := range fields(v) {
			if c, ok := parseColor(f); ok {
				s.bg = c
			}
		}
		if lv == "none" {
			s.bg = color{}
		}
	case "font-size":
		s.setFontSize(lv, parent)
	case "font":
		s.setFont(v, parent)
	case "font-family":
		s.family, s.genericMono = parseFamily(v)
	case "font-weight":
		s.setWeight(lv)
	case "font-style":
		s.italic = lv == "italic" || lv == "oblique"
	case "line-height":
		s.setLineHeight(lv)
	case "text-align":
		switch lv {
		case "left", "start", "justify", "-webkit-left", "-webkit-auto":
			s.align = alignLeft
		case "right", "end", "-webkit-right":
			s.align = alignRight
		case "center":
			s.align = alignCenter
		case "-webkit-center":
			s.align = alignWebCenter
		}
	case "text-transform":
		switch lv {
		case "uppercase":
			s.transform = ttUpper
		case "lowercase":
			s.transform = ttLower
		case "capitalize":
			s.transform = ttCapitalize
		case "none":
			s.transform = ttNone
		}
	case "text-decoration", "text-decoration-line":
		s.decoration &^= decoUnderline | decoLineThrough | decoOverline
		if lv == "none" {
			s.decoration = 0
		}
		for _, f := range fields(lv) {
			switch f {
			case "underline":
				s.decoration |= decoUnderline
			case "line-through":
				s.decoration |= decoLineThrough
			case "overline":
				s.decoration |= decoOverline
			}
		}
		s.decoration |= parent.decoration
	case "letter-spacing":
		if lv == "normal" {
			s.letterSpacing = 0
		} else if l, ok := parseLength(lv); ok && l.u != pct && l.u != auto {
			s.letterSpacing = clampF(float64(l.resolve(s.fontSize, 0)), -maxLetterSpace, maxLetterSpace)
		}
	case "word-spacing":
		if lv == "normal" {
			s.wordSpacing = 0
		} else if l, ok := parseLength(lv); ok && l.u != pct && l.u != auto {
			s.wordSpacing = clampF(float64(l.resolve(s.fontSize, 0)), -maxLetterSpace, maxLetterSpace)
		}
	case "white-space":
		switch lv {
		case "normal":
			s.white = wsNormal
		case "nowrap":
			s.white = wsNowrap
		case "pre":
			s.white = wsPre
		case "pre-wrap", "break-spaces":
			s.white = wsPreWrap
		case "pre-line":
			s.white = wsPreLine
		}
	case "list-style-type":
		s.setListType(lv)
	case "list-style":
		for _, f := range fields(lv) {
			s.setListType(f)
		}
	case "visibility":
		s.hidden = lv == "hidden" || lv == "collapse"
	case "vertical-align":
		switch lv {
		case "baseline":
			s.valign = vaBaseline
		case "middle":
			s.valign = vaMiddle
		case "top":
			s.valign = vaTop
		case "bottom":
			s.valign = vaBottom
		case "sub":
			s.valign = vaSub
		case "super":
			s.valign = vaSuper
		case "text-top":
			s.valign = vaTextTop
		case "text-bottom":
			s.valign = vaTextBottom
		}
	case "border-collapse":
		s.collapse = lv == "collapse"
	case "border-spacing":
		if f := fields(lv); len(f) > 0 {
			if l, ok := parseLength(f[0]); ok && l.u != pct && l.u != auto {
				s.spacing = clampF(float64(l.resolve(s.fontSize, 0)), 0, 100)
			}
		}
	case "float":
		switch lv {
		case "left":
			s.floatSide = 1
		case "right":
			s.floatSide = 2
		case "none":
			s.floatSide = 0
		}
	case "text-indent":
		s.textIndent = s.boxLength(lv, s.textIndent, true)
	case "clear":
		switch lv {
		case "left":
			s.clear = 1
		case "right":
			s.clear = 2
		case "both":
			s.clear = 3
		case "none":
			s.clear = 0
		}
	case "width":
		s.width = s.boxLength(lv, s.width, false)
	case "max-width":
		if lv == "none" {
			s.maxWidth = autoLength
		} else {
			s.maxWidth = s.boxLength(lv, s.maxWidth, false)
		}
	case "height":
		s.height = s.boxLength(lv, s.height, false)
	case "min-height":
		s.minHeight = s.boxLength(lv, s.minHeight, false)
	case "margin":
		s.setSides(&s.margin, v, true)
	case "padding":
		s.setSides(&s.padding, v, false)
	case "border":
		for i := range 4 {
			s.setBorder(i, lv)
		}
	case "border-width", "border-style", "border-color":
		s.setBorderSides(prop[len("border-"):], lv)
	default:
		for i, side := range sideNames {
			switch prop {
			case "margin-" + side:
				s.margin[i] = s.boxLength(lv, s.margin[i], true)
			case "padding-" + side:
				s.padding[i] = s.boxLength(lv, s.padding[i], false)
			case "border-" + side:
				s.setBorder(i, lv)
			case "border-" + side + "-width":
				s.setBorderPart(i, "width", lv)
			case "border-" + side + "-style":
				s.setBorderPart(i, "style", lv)
			case "border-" + side + "-color":
				s.setBorderPart(i, "color", lv)
			}
		}
	}
}

// boxLength reads a width, height, margin or padding, keeping old if it
// cannot: ems become pixels now, percentages wait for layout.
func (s *style) boxLength(v string, old length, negative bool) length {
	l, ok := parseLength(v)
	if !ok {
		return old
	}
	switch l.u {
	case em, rem:
		l = length{float64(l.resolve(s.fontSize, 0)), px}
	case auto:
		return l
	}
	if !negative && l.v < 0 {
		return old
	}
	l.v = clampF(l.v, -maxLength, maxLength)
	return l
}

// setSides reads the 1 to 4 values of margin or padding.
func (s *style) setSides(sides *[4]length, v string, negative bool) {
	f := fields(v)
	if len(f) == 0 || len(f) > 4 {
		return
	}
	var vals [4]length
	for i, p := range f {
		l, ok := parseLength(p)
		if !ok || !negative && (l.u == auto || l.v < 0) {
			return
		}
		vals[i] = s.boxLength(p, length{}, negative)
	}
	switch len(f) {
	case 1:
		vals[1], vals[2], vals[3] = vals[0], vals[0], vals[0]
	case 2:
		vals[2], vals[3] = vals[0], vals[1]
	case 3:
		vals[3] = vals[1]
	}
	*sides = vals
}

// setBorder reads a border shorthand for one side: width, style, colour
// in any order. Every style but none and hidden draws a solid line.
func (s *style) setBorder(i int, v string) {
	w, on, kind, c, cset := 3.0, false, uint8(0), color{}, false // medium
	for _, f := range fields(v) {
		switch {
		case isBorderStyle(f):
			on, kind = f != "none" && f != "hidden", borderKind(f)
		case borderWidth(f) >= 0:
			w = borderWidth(f)
		default:
			if col, ok := parseColor(f); ok {
				c, cset = col, true
			} else if f == "currentcolor" {
				cset = false
			}
		}
	}
	s.borderW[i], s.borderOn[i], s.borderKind[i], s.borderColor[i], s.borderColorSet[i] = w, on, kind, c, cset
	if cset && !c.set { // transparent
		s.borderOn[i] = false
	}
}

func (s *style) setBorderSides(part, v string) {
	f := fields(v)
	if len(f) == 0 || len(f) > 4 {
		return
	}
	idx := [4][4]int{{0, 0, 0, 0}, {0, 1, 0, 1}, {0, 1, 2, 1}, {0, 1, 2, 3}}[len(f)-1]
	for i := range 4 {
		s.setBorderPart(i, part, f[idx[i]])
	}
}

func (s *style) setBorderPart(i int, part, v string) {
	switch part {
	case "width":
		if w := borderWidth(v); w >= 0 {
			s.borderW[i] = w
		}
	case "style":
		if isBorderStyle(v) {
			s.borderOn[i], s.borderKind[i] = v != "none" && v != "hidden", borderKind(v)
		}
	case "color":
		if c, ok := parseColor(v); ok {
			s.borderColor[i], s.borderColorSet[i] = c, true
			if !c.set {
				s.borderOn[i] = false
			}
		}
	}
}

// borderKind is how a border style is drawn: solid for all but inset (1)
// and outset (2).
func borderKind(v string) uint8 {
	switch v {
	case "inset":
		return 1
	case "outset":
		return 2
	}
	return 0
}

func isBorderStyle(v string) bool {
	switch v {
	case "none", "hidden", "solid", "dashed", "dotted", "double", "groove", "ridge", "inset", "outset":
		return true
	}
	return false
}

// borderWidth is a border width in pixels, or -1 for what is not one.
func borderWidth(v string) float64 {
	switch v {
	case "thin":
		return 1
	case "medium":
		return 3
	case "thick":
		return 5
	}
	l, ok := parseLength(v)
	if !ok || l.u == pct || l.u == auto || l.v < 0 {
		return -1
	}
	if l.u == em || l.u == rem {
		l.v = l.v * defaultFontSize
	}
	return clampF(math.Round(l.v), 0, maxBorder)
}

func (s *style) setListType(v string) {
	switch v {
	case "none":
		s.listType = listNone
	case "disc":
		s.listType = listDisc
	case "circle":
		s.listType = listCircle
	case "square":
		s.listType = listSquare
	case "decimal", "decimal-leading-zero":
		s.listType = listDecimal
	case "lower-alpha", "lower-latin":
		s.listType = listLowerAlpha
	case "upper-alpha", "upper-latin":
		s.listType = listUpperAlpha
	case "lower-roman":
		s.listType = listLowerRoman
	case "upper-roman":
		s.listType = listUpperRoman
	}
}

// fontKeywords are WebKit's sizes of the font-size keywords, for a medium
// of 16 pixels.
var fontKeywords = map[string]float64{
	"xx-small": 9, "x-small": 10, "small": 13, "medium": 16, "large": 18, "x-large": 24, "xx-large": 32, "xxx-large": 48,
}

func (s *style) setFontSize(v string, parent *style) {
	if sz, ok := fontKeywords[v]; ok {
		s.fontSize, s.kwSize = sz, true
		if s.genericMono {
			s.fontSize = sz * 13 / 16
		}
		return
	}
	switch v {
	case "smaller":
		s.fontSize = parent.fontSize / 1.2
		return
	case "larger":
		s.fontSize = parent.fontSize * 1.2
		return
	}
	l, ok := parseLength(v)
	if !ok || l.u == auto || l.v < 0 {
		return
	}
	switch l.u {
	case px:
		s.fontSize, s.kwSize = l.v, false
	case em:
		s.fontSize = l.v * parent.fontSize
	case pct:
		s.fontSize = l.v * parent.fontSize / 100
	case rem:
		s.fontSize, s.kwSize = l.v*defaultFontSize, false
	}
	s.fontSize = clampF(s.fontSize, 0, maxFontSize)
}

func (s *style) setWeight(v string) {
	switch v {
	case "bold", "bolder":
		s.bold = true
	case "normal", "lighter":
		s.bold = false
	default:
		if n, err := strconv.Atoi(v); err == nil {
			s.bold = n >= 600
		}
	}
}

func (s *style) setLineHeight(v string) {
	if v == "normal" {
		s.lineHeight = autoLength
		return
	}
	l, ok := parseLength(v)
	if !ok {
		// A bare number is a factor of each element's own size.
		if n, err := strconv.ParseFloat(v, 64); err == nil && n >= 0 && !math.IsNaN(n) {
			s.lineHeight = length{math.Min(n, 100), em}
		}
		return
	}
	if l.u == auto || l.v < 0 {
		return
	}
	if l.u == px && l.v == 0 && v == "0" {
		s.lineHeight = length{0, em}
		return
	}
	s.lineHeight = length{float64(l.resolve(s.fontSize, s.fontSize)), px}
}

// setFont reads the font shorthand: [style] [weight] size[/line-height]
// family, or a system keyword (ignored).
func (s *style) setFont(v string, parent *style) {
	f := fields(v)
	for i, p := range f {
		lp := strings.ToLower(p)
		switch lp {
		case "italic", "oblique":
			s.italic = true
			continue
		case "bold", "bolder", "600", "700", "800", "900":
			s.bold = true
			continue
		case "normal", "small-caps", "lighter", "100", "200", "300", "400", "500":
			continue
		}
		size, lh, hasLH := strings.Cut(lp, "/")
		s.setFontSize(size, parent)
		if hasLH {
			s.setLineHeight(lh)
		} else {
			s.lineHeight = autoLength
		}
		if i+1 < len(f) {
			s.family, s.genericMono = parseFamily(strings.Join(f[i+1:], " "))
		}
		return
	}
}

// inheritProp sets a property to its parent's value, for the keyword
// inherit.
func (s *style) inheritProp(prop string, p *style) {
	switch prop {
	case "color":
		s.color = p.color
	case "background-color", "background":
		s.bg = p.bg
	case "font-size":
		s.fontSize, s.kwSize = p.fontSize, p.kwSize
	case "font-family":
		s.family, s.genericMono = p.family, p.genericMono
	case "font-weight":
		s.bold = p.bold
	case "font-style":
		s.italic = p.italic
	case "text-align":
		s.align = p.align
	case "width":
		s.width = p.width
	case "height":
		s.height = p.height
	case "margin":
		s.margin = p.margin
	case "padding":
		s.padding = p.padding
	case "vertical-align":
		s.valign = p.valign
	case "line-height":
		s.lineHeight = p.lineHeight
	}
}
