package sdk

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/image/math/fixed"
)

func TestWrap(t *testing.T) {
	face, err := NewFace(Regular, 24)
	if err != nil {
		t.Fatal(err)
	}
	defer face.Close()
	long := strings.Repeat("w", 200)
	tests := []struct {
		name  string
		text  string
		lines int // -1: just check widths
	}{
		{"one word", "hello", 1},
		{"two paragraphs", "hello\nworld", 2},
		{"blank line kept", "a\n\nb", 3},
		{"empty", "", 1},
		{"long sentence wraps", strings.Repeat("the quick brown fox ", 20), -1},
		{"long word is cut", long, -1},
		{"tabs and CRLF", "a\tb\r\nc", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lines := Wrap(face, tt.text, 300)
			if tt.lines >= 0 && len(lines) != tt.lines {
				t.Fatalf("%d lines %q, want %d", len(lines), lines, tt.lines)
			}
			for _, l := range lines {
				if w := measure(t, l); w > fixed.I(300) {
					t.Errorf("line %q is %v wide, more than 300", l, w)
				}
			}
			// No text is lost.
			if strings.Join(strings.Fields(strings.Join(lines, "")), "") != strings.Join(strings.Fields(strings.ReplaceAll(tt.text, "\t", "")), "") {
				t.Errorf("lines %q lost text of %q", lines, tt.text)
			}
		})
	}
}

// TestWrap_NotUTF8: text that is not UTF-8 is wrapped with U+FFFD in the
// place of what is not, even where it must be cut.
func TestWrap_NotUTF8(t *testing.T) {
	face, err := NewFace(Regular, 24)
	if err != nil {
		t.Fatal(err)
	}
	defer face.Close()
	for _, width := range []int{300, 20, 5} {
		lines := Wrap(face, "caf\xe9 au lait \xff\xfe", width)
		for _, l := range lines {
			if !utf8.ValidString(l) {
				t.Errorf("width %d: line %q is not UTF-8", width, l)
			}
		}
		if got := strings.Join(lines, ""); !strings.Contains(got, "caf\uFFFD") {
			t.Errorf("width %d: lines %q, want caf\uFFFD in them", width, lines)
		}
	}
}

func measure(t *testing.T, s string) fixed.Int26_6 {
	face, _ := NewFace(Regular, 24)
	defer face.Close()
	var w fixed.Int26_6
	for _, r := range s {
		a, _ := face.GlyphAdvance(r)
		w += a
	}
	return w
}

func TestRenderText(t *testing.T) {
	img, err := RenderText("Hello, Little Printer!\nA second line.", TextOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if img.Bounds().Dx() != Width || img.Bounds().Dy() < 40 {
		t.Fatalf("bounds %v", img.Bounds())
	}
	dark := 0
	for _, p := range img.Pix {
		if p < 128 {
			dark++
		}
	}
	if dark < 200 || dark > len(img.Pix)/3 {
		t.Errorf("%d dark pixels of %d: no text drawn, or a smudge", dark, len(img.Pix))
	}
	again, _ := RenderText("Hello, Little Printer!\nA second line.", TextOptions{})
	if !bytes.Equal(img.Pix, again.Pix) {
		t.Error("the same text gave another image")
	}
	if _, err := RenderText(strings.Repeat("x", MaxTextBytes+1), TextOptions{}); err == nil {
		t.Error("an oversized text was accepted")
	}
	if _, err := RenderText("bad \xff utf-8", TextOptions{Style: Bold}); err != nil {
		t.Errorf("invalid UTF-8: %v", err)
	}
}
