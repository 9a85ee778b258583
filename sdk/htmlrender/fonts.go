package htmlrender

import (
	"embed"
	"image"
	"strings"
	"sync"

	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/gobolditalic"
	"golang.org/x/image/font/gofont/goitalic"
	"golang.org/x/image/font/gofont/gomono"
	"golang.org/x/image/font/gofont/gomonobold"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
)

// The fonts are subsets of Liberation 2.1.5, metric-compatible with the
// Arial, Times New Roman and Courier New BERG's renderer printed in, so
// that lines break where they broke on paper then. fonts/subset.sh makes
// them; fonts/LICENSE is their licence (SIL OFL 1.1).
//
//go:embed fonts/*.ttf
var fontFiles embed.FS

// family is a kind of typeface a CSS font-family names.
type family uint8

const (
	serif family = iota // WebKit's standard font: what a page that names none gets
	sans
	mono
)

// fontID is one font file: a family in a weight and slant, or a Go font
// that glyphs missing from it fall back to. The Liberation
// subsets hold Latin, IPA, punctuation, currency signs and arrows; the Go
// fonts add Greek, Cyrillic and more symbols.
type fontID uint8

const (
	sansRegular fontID = iota
	sansBold
	sansItalic
	sansBoldItalic
	serifRegular
	serifBold
	serifItalic
	serifBoldItalic
	monoRegular
	monoBold
	goRegular
	goBold
	goItalic
	goBoldItalic
	goMono
	goMonoBold
	numFonts
)

// fontSource is where each font comes from: a file in fonts/ or a Go font.
var fontSource = [numFonts]struct {
	file string
	data []byte
}{
	sansRegular:     {file: "sans-regular.ttf"},
	sansBold:        {file: "sans-bold.ttf"},
	sansItalic:      {file: "sans-italic.ttf"},
	sansBoldItalic:  {file: "sans-bolditalic.ttf"},
	serifRegular:    {file: "serif-regular.ttf"},
	serifBold:       {file: "serif-bold.ttf"},
	serifItalic:     {file: "serif-italic.ttf"},
	serifBoldItalic: {file: "serif-bolditalic.ttf"},
	monoRegular:     {file: "mono-regular.ttf"},
	monoBold:        {file: "mono-bold.ttf"},
	goRegular:       {data: goregular.TTF},
	goBold:          {data: gobold.TTF},
	goItalic:        {data: goitalic.TTF},
	goBoldItalic:    {data: gobolditalic.TTF},
	goMono:          {data: gomono.TTF},
	goMonoBold:      {data: gomonobold.TTF},
}

// fallback is the Go font a Liberation font's missing glyphs come from.
var fallback = [...]fontID{
	sansRegular: goRegular, sansBold: goBold, sansItalic: goItalic, sansBoldItalic: goBoldItalic,
	serifRegular: goRegular, serifBold: goBold, serifItalic: goItalic, serifBoldItalic: goBoldItalic,
	monoRegular: goMono, monoBold: goMonoBold,
}

// fontFor is the font of a family, weight and slant. Liberation Mono is
// embedded upright only: italic monospaced text is upright.
func fontFor(f family, bold, italic bool) fontID {
	var id fontID
	switch f {
	case sans:
		id = sansRegular
	case mono:
		if bold {
			return monoBold
		}
		return monoRegular
	default:
		id = serifRegular
	}
	if bold {
		id++
	}
	if italic {
		id += 2
	}
	return id
}

// families maps the names pages give in font-family to the family that
// stands in for them: BERG's renderer had these installed.
var families = map[string]family{
	"arial": sans, "helvetica": sans, "helvetica neue": sans, "verdana": sans, "trebuchet ms": sans,
	"sans-serif": sans, "arial black": sans, "tahoma": sans, "liberation sans": sans, "arimo": sans,
	"cabin": sans, "signika": sans, "quicksand": sans, "comic sans ms": sans, "system-ui": sans,
	"times": serif, "times new roman": serif, "georgia": serif, "serif": serif, "liberation serif": serif,
	"tinos": serif, "crimson": serif, "crimson text": serif, "tex gyre schola": serif, "quattrocento": serif,
	"museo slab": serif, "palatino": serif, "garamond": serif, "book antiqua": serif, "cambria": serif,
	"courier": mono, "courier new": mono, "monospace": mono, "liberation mono": mono, "cousine": mono,
	"latin modern mono prop": mono, "latin modern mono prop light": mono, "consolas": mono, "monaco": mono,
	"menlo": mono, "lucida console": mono,
}

// parseFamily reads a font-family list: the first name known wins, as in a
// browser that has only these fonts; a list of unknown names is sans-serif.
// generic says whether the winner is the bare word monospace, which WebKit
// sizes smaller (see fontSize).
func parseFamily(v string) (f family, generic bool) {
	for name := range strings.SplitSeq(v, ",") {
		name = strings.ToLower(strings.Trim(strings.TrimSpace(name), `"'`))
		if fam, ok := families[name]; ok {
			return fam, name == "monospace"
		}
	}
	return sans, false
}

// parsedFonts are the fonts, parsed once: a parsed font is safe to share.
var parsedFonts = sync.OnceValue(func() *[numFonts]*opentype.Font {
	var out [numFonts]*opentype.Font
	for id, src := range fontSource {
		data := src.data
		if src.file != "" {
			var err error
			if data, err = fontFiles.ReadFile("fonts/" + src.file); err != nil {
				panic("htmlrender: embedded font: " + err.Error()) // the build embeds them
			}
		}
		f, err := opentype.Parse(data)
		if err != nil {
			panic("htmlrender: embedded font " + src.file + ": " + err.Error())
		}
		out[id] = f
	}
	return &out
})

// faceKey is a font at a size in whole pixels: WebKit of BERG's day drew
// text at whole-pixel sizes.
type faceKey struct {
	font fontID
	size uint16
}

// metrics are a face's vertical measures in whole pixels, rounded as
// WebKit rounds them: normal line height is their sum.
type metrics struct {
	ascent, descent, lineGap int
	xHeight                  int
}

// glyph is one character drawn 1-bit at a whole-pixel origin: the pixels
// at or above half coverage, relative to the origin on the baseline.
type glyph struct {
	adv  int             // advance, rounded to a pixel
	rect image.Rectangle // where the bits lie, relative to the origin
	bits []bool          // rect.Dx() × rect.Dy(), row by row
}

type glyphKey struct {
	face faceKey
	r    rune
}

// glyphs caches what text needs of the fonts for every render: faces are
// not safe for concurrent use, so they live here, behind the lock, and a
// glyph is rasterised once, not once a render. The cache is emptied when
// full, which changes speed, never pictures.
var glyphs = struct {
	sync.Mutex
	faces   map[faceKey]font.Face
	metrics map[faceKey]metrics
	glyphs  map[glyphKey]*glyph
	bytes   int // of the glyphs' bits
}{
	faces:   map[faceKey]font.Face{},
	metrics: map[faceKey]metrics{},
	glyphs:  map[glyphKey]*glyph{},
}

const (
	maxCachedGlyphs     = 40_000
	maxCachedGlyphBytes = 16 << 20 // glyphs of 400 pixels take 160 KB each
	maxCachedFaces      = 400
)

// face is the face of k; the caller holds glyphs' lock.
func face(k faceKey) font.Face {
	if f := glyphs.faces[k]; f != nil {
		return f
	}
	if len(glyphs.faces) >= maxCachedFaces {
		clear(glyphs.faces)
		clear(glyphs.metrics)
		clear(glyphs.glyphs)
		glyphs.bytes = 0
	}
	f, err := opentype.NewFace(parsedFonts()[k.font], &opentype.FaceOptions{Size: float64(k.size), DPI: 72, Hinting: font.HintingNone})
	if err != nil {
		panic("htmlrender: a face of an embedded font: " + err.Error()) // parsed fonts and sizes above 0 make none
	}
	glyphs.faces[k] = f
	return f
}

// fontMetrics are the vertical measures of a face.
func fontMetrics(k faceKey) metrics {
	if k.size == 0 {
		return metrics{} // text too small to draw
	}
	glyphs.Lock()
	defer glyphs.Unlock()
	if m, ok := glyphs.metrics[k]; ok {
		return m
	}
	fm := face(k).Metrics()
	m := metrics{
		ascent:  fm.Ascent.Round(),
		descent: fm.Descent.Round(),
		lineGap: max(0, (fm.Height - fm.Ascent - fm.Descent).Round()),
		xHeight: fm.XHeight.Round(),
	}
	if m.xHeight <= 0 {
		m.xHeight = (int(k.size) + 1) / 2
	}
	glyphs.metrics[k] = m
	return m
}

// glyphOf is the glyph of r in k's font, or in its Go fallback when the
// font lacks it, or the font's box for a missing character when both do.
func glyphOf(k faceKey, r rune) *glyph {
	if k.size == 0 {
		return &glyph{}
	}
	glyphs.Lock()
	defer glyphs.Unlock()
	gk := glyphKey{k, r}
	if g := glyphs.glyphs[gk]; g != nil {
		return g
	}
	if len(glyphs.glyphs) >= maxCachedGlyphs || glyphs.bytes >= maxCachedGlyphBytes {
		clear(glyphs.glyphs)
		glyphs.bytes = 0
	}
	g := rasterize(face(k), r, false)
	if g == nil && int(k.font) < len(fallback) {
		g = rasterize(face(faceKey{fallback[k.font], k.size}), r, false)
	}
	if g == nil {
		g = rasterize(face(k), r, true) // the font's box for what it lacks
	}
	if g == nil {
		g = &glyph{}
	}
	glyphs.glyphs[gk] = g
	glyphs.bytes += len(g.bits) + 64
	return g
}

// rasterize draws r at the origin and keeps the pixels covered half or
// more: the printer has no grey, and BERG's renderer drew no
// anti-aliasing. Nil if the face has no glyph for r, unless notdef asks
// for the face's glyph of a missing character.
func rasterize(f font.Face, r rune, notdef bool) *glyph {
	dr, mask, mp, adv, ok := f.Glyph(fixed.Point26_6{}, r)
	if !ok && (!notdef || mask == nil) {
		return nil
	}
	g := &glyph{adv: adv.Round(), rect: dr}
	if dr.Empty() {
		return g
	}
	a, isAlpha := mask.(*image.Alpha)
	g.bits = make([]bool, dr.Dx()*dr.Dy())
	for y := range dr.Dy() {
		for x := range dr.Dx() {
			var v uint8
			if isAlpha {
				v = a.Pix[(mp.Y+y-a.Rect.Min.Y)*a.Stride+mp.X+x-a.Rect.Min.X]
			} else {
				_, _, _, al := mask.At(mp.X+x, mp.Y+y).RGBA()
				v = uint8(al >> 8)
			}
			g.bits[y*dr.Dx()+x] = v >= 0x80
		}
	}
	return g
}
