package puzzle

import (
	"fmt"
	"image"

	"paperboy/sdk"
)

// gridStyle is how a grid is drawn, in pixels.
type gridStyle struct {
	cell         int // the inside of a cell
	thin, thick  int // the lines between cells, and around boxes and the grid
	digitStyle   sdk.Style
	digitSize    float64
	digitPadding int // at least this much white between a digit and its cell's edge
}

// The two grids of an edition: today's puzzle as large as the paper
// allows (9×38 + 6×2 + 4×4 = 370 of 384 pixels), and yesterday's answer at
// about half that.
var (
	puzzleStyle = gridStyle{cell: 38, thin: 2, thick: 4, digitStyle: sdk.Bold, digitSize: 34, digitPadding: 4}
	answerStyle = gridStyle{cell: 19, thin: 1, thick: 3, digitStyle: sdk.Bold, digitSize: 16, digitPadding: 2}
)

// side is the width (and height) of a grid drawn in the style.
func (st gridStyle) side() int { return 9*st.cell + 6*st.thin + 4*st.thick }

// cellStart is where the inside of cell k (0 to 8) of a row or column
// begins.
func (st gridStyle) cellStart(k int) int {
	return k*st.cell + (k/3+1)*st.thick + (k-k/3)*st.thin
}

// drawGrid draws g's digits in their cells, black on white, with thin
// lines between cells and thick ones around the boxes; empty cells stay
// white.
func drawGrid(g *grid, st gridStyle) (*image.Gray, error) {
	glyphs, err := digitGlyphs(st)
	if err != nil {
		return nil, err
	}
	n := st.side()
	img := image.NewGray(image.Rect(0, 0, n, n))
	for i := range img.Pix {
		img.Pix[i] = 0xff
	}
	// The lines: line k lies just before cell k, and line 9 after cell 8.
	for k := 0; k <= 9; k++ {
		w, at := st.thin, 0
		if k%3 == 0 {
			w = st.thick
		}
		if k < 9 {
			at = st.cellStart(k) - w
		} else {
			at = n - w
		}
		for y := range n {
			for x := at; x < at+w; x++ {
				img.Pix[y*img.Stride+x] = 0 // a vertical line
				img.Pix[x*img.Stride+y] = 0 // and its horizontal twin
			}
		}
	}
	for i, d := range g {
		if d == 0 {
			continue
		}
		gl := glyphs[d]
		b := gl.Bounds()
		x0 := st.cellStart(i%9) + (st.cell-b.Dx()+1)/2
		y0 := st.cellStart(i/9) + (st.cell-b.Dy()+1)/2
		for y := range b.Dy() {
			copy(img.Pix[(y0+y)*img.Stride+x0:][:b.Dx()], gl.Pix[y*gl.Stride:][:b.Dx()])
		}
	}
	return img, nil
}

// digitGlyphs are the digits 1 to 9 (at their index) in the style's face,
// cropped to their ink and made pure black and white, which prints more
// crisply than grey edges dithered.
func digitGlyphs(st gridStyle) ([10]*image.Gray, error) {
	var out [10]*image.Gray
	room := st.cell - 2*st.digitPadding
	for d := 1; d <= 9; d++ {
		// sdk.RenderText draws text at a size in pixels, which a digit sized
		// to its cell needs (a TextBox has a document's sizes): a strip the
		// print's width, with the digit at its left.
		strip, err := sdk.RenderText(fmt.Sprint(d), sdk.TextOptions{Style: st.digitStyle, Size: st.digitSize, Margin: 2})
		if err != nil {
			return out, err
		}
		ink := inkBounds(strip)
		if ink.Empty() || ink.Dx() > room || ink.Dy() > room {
			return out, fmt.Errorf("puzzle: the digit %d is %v pixels, too big for a cell of %d", d, ink.Size(), st.cell)
		}
		gl := image.NewGray(image.Rect(0, 0, ink.Dx(), ink.Dy()))
		for y := range ink.Dy() {
			for x := range ink.Dx() {
				if strip.GrayAt(ink.Min.X+x, ink.Min.Y+y).Y >= inkLevel {
					gl.Pix[y*gl.Stride+x] = 0xff
				}
			}
		}
		out[d] = gl
	}
	return out, nil
}

// inkLevel is the grey below which a pixel of anti-aliased text is black.
const inkLevel = 0x80

// inkBounds is the smallest rectangle holding every pixel of img darker
// than inkLevel; empty if there is none.
func inkBounds(img *image.Gray) image.Rectangle {
	var r image.Rectangle
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if img.GrayAt(x, y).Y < inkLevel {
				r = r.Union(image.Rect(x, y, x+1, y+1))
			}
		}
	}
	return r
}
