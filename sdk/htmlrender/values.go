package htmlrender

import (
	"math"
	"strconv"
	"strings"
)

// unit is what a length is measured in once read: pixels, or a part of
// something only layout knows.
type unit uint8

const (
	px   unit = iota
	em        // of the element's font size
	rem       // of the root's font size
	pct       // of the containing block's width, or of the font size
	auto      // no number: the keyword auto
)

type length struct {
	v float64
	u unit
}

var autoLength = length{u: auto}

// parseLength reads a CSS length: 12px, 1.5em, 50%, 10pt, 0, auto.
func parseLength(s string) (length, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "auto" {
		return autoLength, true
	}
	i := 0
	for i < len(s) && (s[i] >= '0' && s[i] <= '9' || s[i] == '.' || s[i] == '-' || s[i] == '+') {
		i++
	}
	v, err := strconv.ParseFloat(s[:i], 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return length{}, false
	}
	v = math.Max(-1e6, math.Min(1e6, v))
	switch s[i:] {
	case "px":
		return length{v, px}, true
	case "":
		return length{v, px}, v == 0
	case "pt":
		return length{v * 4 / 3, px}, true
	case "pc":
		return length{v * 16, px}, true
	case "in":
		return length{v * 96, px}, true
	case "cm":
		return length{v * 96 / 2.54, px}, true
	case "mm":
		return length{v * 96 / 25.4, px}, true
	case "em":
		return length{v, em}, true
	case "ex", "ch":
		return length{v / 2, em}, true
	case "rem":
		return length{v, rem}, true
	case "%":
		return length{v, pct}, true
	case "vw", "vmin":
		return length{v * Width / 100, px}, true
	}
	return length{}, false
}

// clampF keeps v within [lo, hi].
func clampF(v, lo, hi float64) float64 {
	if v < lo || math.IsNaN(v) {
		return lo
	}
	if v > hi {
		return hi
	}
	return v
}

// resolve is l in pixels for an element of font size fs, against a width
// of base for percentages; auto is 0.
func (l length) resolve(fs, base float64) int {
	var v float64
	switch l.u {
	case px:
		v = l.v
	case em:
		v = l.v * fs
	case rem:
		v = l.v * defaultFontSize
	case pct:
		v = l.v * base / 100
	}
	return int(math.Round(clampF(v, -maxLength, maxLength)))
}

// maxLength bounds every length layout uses: far beyond a print, far
// below an overflow.
const maxLength = 100_000

// fields splits a value at white space outside parentheses: the parts of
// a shorthand.
func fields(s string) []string {
	var out []string
	depth, start := 0, -1
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '(':
			depth++
		case c == ')':
			depth = max(0, depth-1)
		}
		space := depth == 0 && (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f')
		if space && start >= 0 {
			out = append(out, s[start:i])
			start = -1
		} else if !space && start < 0 {
			start = i
		}
		if len(out) > 16 {
			return out
		}
	}
	if start >= 0 {
		out = append(out, s[start:])
	}
	return out
}

// color is a CSS colour as the printer sees it: its brightness, or none.
type color struct {
	level uint8 // 0 black … 255 white
	set   bool  // false for transparent
}

var black = color{0, true}

// dark says whether the colour prints as black: a brightness below half.
// BT.601's weights, as codec.Luma's, so that red or blue text prints
// black, as a reader expects of it on paper.
func (c color) dark() bool { return c.level < 128 }

// parseColor reads a CSS colour. Partly transparent colours are taken over
// white paper.
func parseColor(s string) (color, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" {
		return color{}, false
	}
	if s == "transparent" {
		return color{}, true
	}
	if s[0] == '#' {
		h := s[1:]
		var r, g, b, a uint64 = 0, 0, 0, 255
		switch len(h) {
		case 3, 4:
			v, err := strconv.ParseUint(h, 16, 16)
			if err != nil {
				return color{}, false
			}
			if len(h) == 4 {
				a, v = (v&15)*17, v>>4
			}
			r, g, b = (v>>8&15)*17, (v>>4&15)*17, (v&15)*17
		case 6, 8:
			v, err := strconv.ParseUint(h, 16, 32)
			if err != nil {
				return color{}, false
			}
			if len(h) == 8 {
				a, v = v&255, v>>8
			}
			r, g, b = v>>16&255, v>>8&255, v&255
		default:
			return color{}, false
		}
		return rgba(float64(r), float64(g), float64(b), float64(a)/255), true
	}
	if name, args, ok := strings.Cut(s, "("); ok && strings.HasSuffix(args, ")") {
		parts := strings.FieldsFunc(args[:len(args)-1], func(r rune) bool { return r == ',' || r == ' ' || r == '/' })
		if len(parts) < 3 {
			return color{}, false
		}
		var v [4]float64
		v[3] = 1
		for i, p := range parts[:min(len(parts), 4)] {
			n, err := strconv.ParseFloat(strings.TrimSuffix(p, "%"), 64)
			if err != nil || math.IsNaN(n) {
				return color{}, false
			}
			if strings.HasSuffix(p, "%") {
				n = n / 100
				if i < 3 {
					n *= 255
				}
			}
			v[i] = n
		}
		switch name {
		case "rgb", "rgba":
			return rgba(v[0], v[1], v[2], v[3]), true
		case "hsl", "hsla":
			r, g, b := hsl(v[0], v[1]/255, v[2]/255)
			return rgba(r, g, b, v[3]), true
		}
		return color{}, false
	}
	if c, ok := namedColors[s]; ok {
		return rgba(float64(c>>16), float64(c>>8&255), float64(c&255), 1), true
	}
	return color{}, false
}

// rgba is a colour's brightness over white paper.
func rgba(r, g, b, a float64) color {
	a = clampF(a, 0, 1)
	if a == 0 {
		return color{}
	}
	y := (77*clampF(r, 0, 255) + 150*clampF(g, 0, 255) + 29*clampF(b, 0, 255)) / 256
	y = y*a + 255*(1-a)
	return color{uint8(clampF(math.Round(y), 0, 255)), true}
}

// hsl turns hue (degrees), saturation and lightness (0–1) to RGB.
func hsl(h, s, l float64) (r, g, b float64) {
	h = math.Mod(math.Mod(h, 360)+360, 360) / 360
	s, l = clampF(s, 0, 1), clampF(l, 0, 1)
	var q float64
	if l < 0.5 {
		q = l * (1 + s)
	} else {
		q = l + s - l*s
	}
	p := 2*l - q
	f := func(t float64) float64 {
		t = math.Mod(t+1, 1)
		switch {
		case t < 1.0/6:
			return p + (q-p)*6*t
		case t < 0.5:
			return q
		case t < 2.0/3:
			return p + (q-p)*(2.0/3-t)*6
		}
		return p
	}
	return 255 * f(h+1.0/3), 255 * f(h), 255 * f(h-1.0/3)
}

// namedColors are the CSS colour names pages use most, as 0xRRGGBB.
var namedColors = map[string]uint32{
	"black": 0x000000, "white": 0xffffff, "gray": 0x808080, "grey": 0x808080, "silver": 0xc0c0c0,
	"darkgray": 0xa9a9a9, "darkgrey": 0xa9a9a9, "dimgray": 0x696969, "dimgrey": 0x696969,
	"lightgray": 0xd3d3d3, "lightgrey": 0xd3d3d3, "gainsboro": 0xdcdcdc, "whitesmoke": 0xf5f5f5,
	"red": 0xff0000, "maroon": 0x800000, "darkred": 0x8b0000, "crimson": 0xdc143c,
	"orange": 0xffa500, "darkorange": 0xff8c00, "gold": 0xffd700, "yellow": 0xffff00,
	"green": 0x008000, "darkgreen": 0x006400, "lime": 0x00ff00, "olive": 0x808000,
	"teal": 0x008080, "aqua": 0x00ffff, "cyan": 0x00ffff, "navy": 0x000080, "blue": 0x0000ff,
	"darkblue": 0x00008b, "purple": 0x800080, "fuchsia": 0xff00ff, "magenta": 0xff00ff,
	"brown": 0xa52a2a, "pink": 0xffc0cb, "beige": 0xf5f5dc, "ivory": 0xfffff0, "linen": 0xfaf0e6,
	"snow": 0xfffafa, "ghostwhite": 0xf8f8ff, "floralwhite": 0xfffaf0, "tan": 0xd2b48c,
	"lightblue": 0xadd8e6, "skyblue": 0x87ceeb, "steelblue": 0x4682b4, "slategray": 0x708090,
	"darkslategray": 0x2f4f4f, "midnightblue": 0x191970, "indigo": 0x4b0082, "violet": 0xee82ee,
	"lightyellow": 0xffffe0, "lightgreen": 0x90ee90, "darkolivegreen": 0x556b2f,
}
