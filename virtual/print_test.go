package virtual

import (
	"strings"
	"testing"

	"paperboy/codec"
)

func TestDraw(t *testing.T) {
	bm := codec.NewBitmap(24)
	for x := range codec.PrintWidth {
		for y := range 4 { // char row 1: top half black
			bm.Set(x, y, true)
		}
		for y := 12; y < 16; y++ { // char row 2: bottom half black
			bm.Set(x, y, true)
		}
		for y := 16; y < 24; y++ { // char row 3: left half of the page black
			bm.Set(x, y, x < codec.PrintWidth/2)
		}
	}
	bm.Set(0, 9, true) // one dot in a half cell is too little ink
	var sb strings.Builder
	draw(&sb, "command 1 on 0e492e540913f1a2", bm)
	lines := strings.Split(strings.TrimSuffix(sb.String(), "\n"), "\n")
	want := []string{
		"", // the caption rule, checked below
		strings.Repeat("▀", 96),
		strings.Repeat("▄", 96),
		strings.Repeat("█", 48),
		strings.Repeat("─", 96),
	}
	if len(lines) != len(want) {
		t.Fatalf("%d lines, want %d:\n%s", len(lines), len(want), sb.String())
	}
	if !strings.HasPrefix(lines[0], "── command 1 on 0e492e540913f1a2 ─") || len([]rune(lines[0])) != 96 {
		t.Errorf("caption rule %q", lines[0])
	}
	for i := 1; i < len(want); i++ {
		if lines[i] != want[i] {
			t.Errorf("line %d = %q, want %q", i, lines[i], want[i])
		}
	}
}
