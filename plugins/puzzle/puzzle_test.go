package puzzle

import (
	"fmt"
	"image"
	"strings"
	"testing"
	"time"

	"paperboy/sdk"
	"paperboy/sdk/sdktest"
)

func TestPuzzle_Meta(t *testing.T) {
	m := puzzle{}.Meta()
	if err := m.Check(); err != nil {
		t.Fatal(err)
	}
	// One edition per difficulty and day, shared: nothing in it is personal.
	if m.Kind != sdk.Scheduled || m.Personal {
		t.Fatalf("kind %q, personal %v; want scheduled and shared", m.Kind, m.Personal)
	}
}

func TestPuzzle_CheckConfig(t *testing.T) {
	tests := []struct {
		name   string
		config sdk.Config
		want   string // the difficulty after the defaults, or the errors
	}{
		{"empty takes the default", sdk.Config{}, "medium"},
		{"easy", sdk.Config{"difficulty": "easy"}, "easy"},
		{"hard", sdk.Config{"difficulty": "hard"}, "hard"},
		{"not a choice", sdk.Config{"difficulty": "fiendish"}, "config: difficulty: not one of the choices"},
		{"unknown field", sdk.Config{"size": "4"}, "config: size: not a field of this publication"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := puzzle{}.Meta().CheckConfig(tt.config)
			got := c["difficulty"]
			if err != nil {
				got = err.Error()
			}
			if got != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// A well-known puzzle with one solution, and that solution.
const (
	knownPuzzle = "53..7...." + "6..195..." + ".98....6." +
		"8...6...3" + "4..8.3..1" + "7...2...6" +
		".6....28." + "...419..5" + "....8..79"
	knownSolution = "534678912" + "672195348" + "198342567" +
		"859761423" + "426853791" + "713924856" +
		"961537284" + "287419635" + "345286179"
)

func TestCountSolutions(t *testing.T) {
	tests := []struct {
		name  string
		grid  string
		limit int
		want  int
	}{
		{"a puzzle with one solution", knownPuzzle, 2, 1},
		{"its solution", knownSolution, 2, 1},
		{"an empty grid has many", strings.Repeat(".", 81), 2, 2},
		{"counting stops at the limit", strings.Repeat(".", 81), 5, 5},
		// Without its first row's clues the puzzle has more than one answer.
		{"too few clues", "........." + knownPuzzle[9:], 2, 2},
		{"two 5s in a row", "55" + knownPuzzle[2:], 2, 0},
		{"two 5s in a column", knownPuzzle[:9] + "5" + knownPuzzle[10:], 2, 0},
		{"two 9s in a box", knownPuzzle[:2] + "9" + knownPuzzle[3:], 2, 0},
		// Legal clues, but the top left cell can take no digit: its row has
		// 1 to 6, its column 7 and 8, its box 9.
		{"a dead end", ".12345" + "6.." + "7........" + "8.9......" + strings.Repeat(".", 54), 2, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := parseGrid(t, tt.grid)
			before := g
			if got := countSolutions(&g, tt.limit); got != tt.want {
				t.Errorf("%d solutions, want %d", got, tt.want)
			}
			if g != before {
				t.Error("counting changed the grid")
			}
		})
	}
}

// dates are the days the generator is checked on: ordinary days, the ends
// of months and years, a leap day and the days clocks change in Europe.
var dates = []string{
	"2026-12-01", "2026-12-02", "2026-12-31", "2027-01-01", "2028-02-29",
	"2026-03-29", "2026-10-25", "2030-06-15", "2026-07-04", "2099-12-31",
}

// clueRange is how many clues a level's puzzles may have: its target, or
// a few more when removing any further clue would allow a second answer.
var clueRange = map[string][2]int{
	"easy":   {40, 44},
	"medium": {32, 36},
	"hard":   {26, 30},
}

func TestGenerate(t *testing.T) {
	for _, l := range levels {
		for _, date := range dates {
			t.Run(l.name+"/"+date, func(t *testing.T) {
				s := generate(date, l)
				if err := checkSolved(&s.solution); err != nil {
					t.Fatalf("the solution is not a sudoku's: %v\n%s", err, s.solution.String())
				}
				for i, d := range s.clues {
					if d != 0 && d != s.solution[i] {
						t.Fatalf("cell %d: clue %d, but the solution has %d", i, d, s.solution[i])
					}
				}
				// With the clues agreeing with a valid full grid, one
				// solution means that grid is the answer.
				if n := countSolutions(&s.clues, 2); n != 1 {
					t.Fatalf("%d solutions, want 1\n%s", n, s.clues.String())
				}
				r := clueRange[l.name]
				if n := s.clues.clueCount(); n < r[0] || n > r[1] {
					t.Errorf("%d clues, want %d to %d", n, r[0], r[1])
				}
			})
		}
	}
}

func TestGenerate_SameDaySamePuzzle(t *testing.T) {
	medium, _ := levelByName("medium")
	hard, _ := levelByName("hard")
	tests := []struct {
		name       string
		date1      string
		level1     level
		date2      string
		level2     level
		wantSame   bool
		wantDiffer string // what differs, when not the same
	}{
		{"the same day", "2026-12-01", medium, "2026-12-01", medium, true, ""},
		{"the next day", "2026-12-01", medium, "2026-12-02", medium, false, "consecutive days"},
		{"the next year", "2026-12-31", medium, "2027-01-01", medium, false, "consecutive days"},
		{"another difficulty", "2026-12-01", medium, "2026-12-01", hard, false, "difficulties"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := generate(tt.date1, tt.level1), generate(tt.date2, tt.level2)
			same := a.clues == b.clues
			if same != tt.wantSame {
				t.Fatalf("%s %s and %s %s: same puzzle %v, want %v", tt.date1, tt.level1.name, tt.date2, tt.level2.name, same, tt.wantSame)
			}
			if !tt.wantSame && a.solution == b.solution {
				t.Errorf("two %s have the same solution", tt.wantDiffer)
			}
		})
	}
	// And over a run of days, no day repeats the day before.
	d := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	prev := generate(dateKey(d), medium)
	for range 60 {
		d = d.AddDate(0, 0, 1)
		s := generate(dateKey(d), medium)
		if s.solution == prev.solution {
			t.Fatalf("%s has the solution of the day before", dateKey(d))
		}
		prev = s
	}
}

func TestPuzzle_Render(t *testing.T) {
	tests := []struct {
		name       string
		at         time.Time
		difficulty string
		date       string // the puzzle printed
		yesterday  string // whose answer is printed
		line       string // the line under the title
	}{
		{
			name: "morning", at: sdktest.At(t, "2026-12-01T08:00:00", "Europe/London"), difficulty: "medium",
			date: "2026-12-01", yesterday: "2026-11-30", line: "Tuesday 1 December 2026 – Medium",
		},
		{
			// 23:30 in London on 1 December is already 2 December in Tokyo:
			// the subscriber's date, not the server's, picks the puzzle.
			name: "the subscriber's date", at: sdktest.At(t, "2026-12-01T23:30:00", "Europe/London").In(mustZone(t, "Asia/Tokyo")),
			difficulty: "medium", date: "2026-12-02", yesterday: "2026-12-01", line: "Wednesday 2 December 2026 – Medium",
		},
		{
			name: "behind UTC", at: sdktest.At(t, "2026-12-01T20:00:00", "America/Los_Angeles"), difficulty: "hard",
			date: "2026-12-01", yesterday: "2026-11-30", line: "Tuesday 1 December 2026 – Hard",
		},
		{
			name: "new year's day", at: sdktest.At(t, "2027-01-01T07:00:00", "Europe/Paris"), difficulty: "easy",
			date: "2027-01-01", yesterday: "2026-12-31", line: "Friday 1 January 2027 – Easy",
		},
		{
			// The morning after the clocks go forward, a day of 23 hours.
			name: "after a clock change", at: sdktest.At(t, "2026-03-30T00:30:00", "Europe/London"), difficulty: "medium",
			date: "2026-03-30", yesterday: "2026-03-29", line: "Monday 30 March 2026 – Medium",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, _ := levelByName(tt.difficulty)
			res, err := sdktest.RenderResult(t, puzzle{}, sdktest.Request(tt.at, sdk.Config{"difficulty": tt.difficulty}))
			if err != nil {
				t.Fatal(err)
			}
			if res.Document == nil {
				t.Fatal("no document")
			}
			if got := strings.Join(sdktest.Texts(res.Document), "|"); !strings.Contains(got, "Sudoku|"+tt.line+"|") {
				t.Errorf("the text %q has no title and line %q", got, tt.line)
			}
			imgs := images(res.Document)
			if len(imgs) != 2 {
				t.Fatalf("%d pictures, want 2: the puzzle and yesterday's answer", len(imgs))
			}
			today, prev := generate(tt.date, l), generate(tt.yesterday, l)
			want, err := drawGrid(&today.clues, puzzleStyle)
			if err != nil {
				t.Fatal(err)
			}
			if diff := sdktest.Diff(want, imgs[0]); diff != "" {
				t.Errorf("the puzzle printed is not %s's: %s", tt.date, diff)
			}
			want, err = drawGrid(&prev.solution, answerStyle)
			if err != nil {
				t.Fatal(err)
			}
			if diff := sdktest.Diff(want, imgs[1]); diff != "" {
				t.Errorf("the answer printed is not %s's solution: %s", tt.yesterday, diff)
			}
			img, err := sdk.RenderResult(res)
			if err != nil {
				t.Fatal(err)
			}
			if h := img.Bounds().Dy(); h > 1200 {
				t.Errorf("the edition is %d pixels tall, want at most 1200", h)
			}
		})
	}
}

// The edition of 2 December prints the solution of 1 December's puzzle,
// the one printed the day before.
func TestPuzzle_YesterdaysAnswer(t *testing.T) {
	cfg := sdk.Config{"difficulty": "medium"}
	res1, err := sdktest.RenderResult(t, puzzle{}, sdktest.Request(sdktest.At(t, "2026-12-01T08:00:00", "Europe/London"), cfg))
	if err != nil {
		t.Fatal(err)
	}
	res2, err := sdktest.RenderResult(t, puzzle{}, sdktest.Request(sdktest.At(t, "2026-12-02T08:00:00", "Europe/London"), cfg))
	if err != nil {
		t.Fatal(err)
	}
	medium, _ := levelByName("medium")
	dec1 := generate("2026-12-01", medium)
	printed, err := drawGrid(&dec1.clues, puzzleStyle)
	if err != nil {
		t.Fatal(err)
	}
	if diff := sdktest.Diff(printed, images(res1.Document)[0]); diff != "" {
		t.Fatalf("1 December's edition does not print 1 December's puzzle: %s", diff)
	}
	answer, err := drawGrid(&dec1.solution, answerStyle)
	if err != nil {
		t.Fatal(err)
	}
	if diff := sdktest.Diff(answer, images(res2.Document)[1]); diff != "" {
		t.Fatalf("2 December's answer is not the solution of 1 December's puzzle: %s", diff)
	}
}

func TestPuzzle_RenderUnknownDifficulty(t *testing.T) {
	// The host checks the config first; Render still refuses a bad one
	// with a message rather than printing something.
	_, err := puzzle{}.Render(t.Context(), sdk.Request{Config: sdk.Config{"difficulty": "fiendish"}, Time: time.Now()})
	if err == nil || !strings.Contains(err.Error(), "fiendish") {
		t.Fatalf("error %v, want one naming the difficulty", err)
	}
}

func TestDrawGrid(t *testing.T) {
	g := parseGrid(t, knownPuzzle)
	for _, tt := range []struct {
		name string
		st   gridStyle
	}{{"puzzle", puzzleStyle}, {"answer", answerStyle}} {
		t.Run(tt.name, func(t *testing.T) {
			img, err := drawGrid(&g, tt.st)
			if err != nil {
				t.Fatal(err)
			}
			if n := img.Bounds().Dx(); n > sdk.Width {
				t.Fatalf("the grid is %d pixels wide, more than the paper's %d", n, sdk.Width)
			}
			for _, p := range img.Pix {
				if p != 0 && p != 0xff {
					t.Fatalf("a pixel of grey %d: want black and white only", p)
				}
			}
			// A cell with a clue has ink in it, an empty one none; the
			// cells' insides never touch the lines.
			for i, d := range g {
				x, y := tt.st.cellStart(i%9), tt.st.cellStart(i/9)
				inside := img.SubImage(image.Rect(x, y, x+tt.st.cell, y+tt.st.cell)).(*image.Gray)
				if inked := !inkBounds(inside).Empty(); inked != (d != 0) {
					t.Fatalf("cell %d (digit %d): ink %v", i, d, inked)
				}
			}
		})
	}
}

func TestPuzzle_Snapshot(t *testing.T) {
	req := sdktest.Request(sdktest.At(t, "2026-12-01T08:00:00", "Europe/London"), sdk.Config{"difficulty": "medium"})
	img := sdktest.Render(t, puzzle{}, req)
	sdktest.Snapshot(t, img, "testdata/2026-12-01-medium.png")
}

func BenchmarkGenerate(b *testing.B) {
	for _, l := range levels {
		b.Run(l.name, func(b *testing.B) {
			d := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
			i := 0
			for b.Loop() {
				generate(dateKey(d.AddDate(0, 0, i)), l)
				i++
			}
		})
	}
}

// checkSolved says what keeps g from being a solved sudoku: each row,
// column and box must hold 1 to 9 once. It is written apart from the
// solver, to check it.
func checkSolved(g *grid) error {
	for k := range 9 {
		var row, col, box [10]bool
		for j := range 9 {
			cells := []struct {
				what string
				seen *[10]bool
				d    uint8
			}{
				{"row", &row, g[9*k+j]},
				{"column", &col, g[9*j+k]},
				{"box", &box, g[(k/3*3+j/3)*9+k%3*3+j%3]},
			}
			for _, c := range cells {
				if c.d < 1 || c.d > 9 {
					return fmt.Errorf("%s %d holds %d", c.what, k+1, c.d)
				}
				if c.seen[c.d] {
					return fmt.Errorf("%s %d has two %ds", c.what, k+1, c.d)
				}
				c.seen[c.d] = true
			}
		}
	}
	return nil
}

// parseGrid reads 81 cells, digits or dots for empty ones.
func parseGrid(t *testing.T, s string) grid {
	t.Helper()
	var g grid
	if len(s) != 81 {
		t.Fatalf("a grid of %d cells", len(s))
	}
	for i, c := range s {
		switch {
		case c == '.':
		case c >= '1' && c <= '9':
			g[i] = uint8(c - '0')
		default:
			t.Fatalf("cell %d is %q", i, c)
		}
	}
	return g
}

// String is the grid in rows, for failure messages.
func (g *grid) String() string {
	var s strings.Builder
	for i, d := range g {
		if d == 0 {
			s.WriteByte('.')
		} else {
			s.WriteByte('0' + d)
		}
		if i%9 == 8 {
			s.WriteByte('\n')
		}
	}
	return s.String()
}

// images are the document's pictures, top to bottom.
func images(d *sdk.Document) []image.Image {
	var out []image.Image
	for _, b := range d.Blocks {
		if b, ok := b.(sdk.ImageBlock); ok {
			out = append(out, b.Image)
		}
	}
	return out
}

func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}
