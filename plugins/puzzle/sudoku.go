package puzzle

import (
	"crypto/sha256"
	"encoding/binary"
	"math/bits"
	"math/rand/v2"
)

// grid is a sudoku, row by row: cell 9*row+col holds a digit 1 to 9, or 0
// when it is empty.
type grid [81]uint8

// clueCount is how many cells are filled in.
func (g *grid) clueCount() int {
	n := 0
	for _, v := range g {
		if v != 0 {
			n++
		}
	}
	return n
}

// sudoku is one day's puzzle and its answer.
type sudoku struct {
	clues    grid // the puzzle as printed
	solution grid // the only way to complete it
}

// level is a difficulty: how many clues generate aims for.
type level struct {
	name   string // the config value
	label  string // as printed
	target int    // clues left when removal stops, unless uniqueness stops it first
}

// levels are the difficulties, easiest first. Fewer clues is harder.
var levels = []level{
	{"easy", "Easy", 40},
	{"medium", "Medium", 32},
	{"hard", "Hard", 26},
}

// levelByName is the level of a config value; "" is medium.
func levelByName(name string) (level, bool) {
	if name == "" {
		name = "medium"
	}
	for _, l := range levels {
		if l.name == name {
			return l, true
		}
	}
	return level{}, false
}

// newRand is the random source for a date ("2026-12-01") and a level: the
// same pair always gives the same numbers, so any day's puzzle can be made
// again, such as yesterday's for its answer.
func newRand(date string, l level) *rand.Rand {
	sum := sha256.Sum256([]byte(date + "/" + l.name))
	return rand.New(rand.NewPCG(binary.LittleEndian.Uint64(sum[:8]), binary.LittleEndian.Uint64(sum[8:16])))
}

// generate makes the puzzle for a date and level: a random full grid, then
// cells emptied in random order as long as the puzzle keeps exactly one
// solution, until l.target clues are left or no cell can go.
func generate(date string, l level) sudoku {
	rng := newRand(date, l)
	var b board
	b.fill(rng)
	s := sudoku{clues: b.cells, solution: b.cells}
	left := 81
	for _, i := range rng.Perm(81) {
		if left <= l.target {
			break
		}
		d := s.clues[i]
		s.clues[i] = 0
		if countSolutions(&s.clues, 2) != 1 {
			s.clues[i] = d // without it the answer is no longer unique
			continue
		}
		left--
	}
	return s
}

// countSolutions counts the ways to complete g, stopping at limit: 0 for a
// puzzle with none (or with clues that clash), limit for one with limit or
// more.
func countSolutions(g *grid, limit int) int {
	var b board
	for i, d := range g {
		if d == 0 {
			continue
		}
		if b.candidates(i)&(1<<d) == 0 {
			return 0 // the clue repeats a digit in its row, column or box
		}
		b.place(i, d)
	}
	return b.count(limit)
}

// allDigits is the set of digits 1 to 9 as bits 1 to 9.
const allDigits = 0x3fe

// board is a grid being solved, with the digits used in each row, column
// and box as bit sets, so a cell's candidates take three ORs.
type board struct {
	cells            grid
	rows, cols, boxs [9]uint16
}

func boxOf(i int) int { return i/27*3 + i%9/3 }

// candidates are the digits cell i may take, as bits 1 to 9.
func (b *board) candidates(i int) uint16 {
	return allDigits &^ (b.rows[i/9] | b.cols[i%9] | b.boxs[boxOf(i)])
}

func (b *board) place(i int, d uint8) {
	m := uint16(1) << d
	b.cells[i] = d
	b.rows[i/9] |= m
	b.cols[i%9] |= m
	b.boxs[boxOf(i)] |= m
}

func (b *board) unplace(i int) {
	m := ^(uint16(1) << b.cells[i])
	b.cells[i] = 0
	b.rows[i/9] &= m
	b.cols[i%9] &= m
	b.boxs[boxOf(i)] &= m
}

// mostConstrained is the empty cell with the fewest candidates, and those
// candidates; -1 when the grid is full.
func (b *board) mostConstrained() (int, uint16) {
	best, bestSet, bestN := -1, uint16(0), 10
	for i, d := range b.cells {
		if d != 0 {
			continue
		}
		c := b.candidates(i)
		if n := bits.OnesCount16(c); n < bestN {
			best, bestSet, bestN = i, c, n
			if n <= 1 {
				break // it cannot get better: forced, or a dead end
			}
		}
	}
	return best, bestSet
}

// count counts the completions of the board up to limit, leaving it as it
// found it.
func (b *board) count(limit int) int {
	i, set := b.mostConstrained()
	if i < 0 {
		return 1
	}
	n := 0
	for set != 0 {
		d := uint8(bits.TrailingZeros16(set))
		set &= set - 1
		b.place(i, d)
		n += b.count(limit - n)
		b.unplace(i)
		if n >= limit {
			break
		}
	}
	return n
}

// fill completes the board with digits tried in random order: on an empty
// board, a random full grid.
func (b *board) fill(rng *rand.Rand) bool {
	i, set := b.mostConstrained()
	if i < 0 {
		return true
	}
	var ds [9]uint8
	n := 0
	for ; set != 0; set &= set - 1 {
		ds[n] = uint8(bits.TrailingZeros16(set))
		n++
	}
	rng.Shuffle(n, func(a, c int) { ds[a], ds[c] = ds[c], ds[a] })
	for _, d := range ds[:n] {
		b.place(i, d)
		if b.fill(rng) {
			return true
		}
		b.unplace(i)
	}
	return false
}
