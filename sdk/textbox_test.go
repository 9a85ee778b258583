package sdk_test

import (
	"errors"
	"fmt"
	"image"
	"strings"
	"testing"

	"paperboy/sdk"
)

func ExampleTextBox() {
	box := sdk.TextBox{Spans: []sdk.Span{sdk.B("Happy birthday, "), sdk.I("Ada! See you on Sunday.")}, Size: sdk.Large, Align: sdk.AlignCenter}
	lines, height, err := box.Lines() // to refuse text too long, before drawing it
	if err != nil {
		panic(err)
	}
	strip, err := box.Draw()
	if err != nil {
		panic(err)
	}
	fmt.Printf("%d lines of %d pixels: a strip of %v\n", lines, height, strip.Bounds().Size())
	// Output: 2 lines of 40 pixels: a strip of (384,80)
}

// ink is the smallest rectangle holding every pixel darker than mid-grey.
func ink(img *image.Gray) image.Rectangle {
	var r image.Rectangle
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if img.GrayAt(x, y).Y < 128 {
				r = r.Union(image.Rect(x, y, x+1, y+1))
			}
		}
	}
	return r
}

func TestTextBox(t *testing.T) {
	long := strings.Repeat("the quick brown fox jumps ", 12)
	tests := []struct {
		name  string
		box   sdk.TextBox
		lines int
		// where the ink must lie across: from at least left, up to at most right
		left, right int
	}{
		{"one line, the defaults", sdk.TextBox{Spans: []sdk.Span{sdk.T("hello")}}, 1, 8, 100},
		{"sizes are a paragraph's", sdk.TextBox{Spans: []sdk.Span{sdk.T("hello")}, Size: sdk.Huge}, 1, 8, 200},
		{"wrapped between the margins", sdk.TextBox{Spans: []sdk.Span{sdk.T(long)}, Margin: 40}, 12, 40, sdk.Width - 40},
		{"newlines break lines", sdk.TextBox{Spans: []sdk.Span{sdk.T("a\nb\n\nc")}}, 4, 8, 40},
		{"centred", sdk.TextBox{Spans: []sdk.Span{sdk.B("hi")}, Align: sdk.AlignCenter}, 1, 170, 214},
		{"right", sdk.TextBox{Spans: []sdk.Span{sdk.M("hi")}, Align: sdk.AlignRight, Margin: 20}, 1, 300, sdk.Width - 20},
		{"a word wider than the paper is cut", sdk.TextBox{Spans: []sdk.Span{sdk.T(strings.Repeat("W", 60))}, Size: sdk.Small}, 3, 8, sdk.Width - 8},
		{"no text: one empty line", sdk.TextBox{}, 1, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, lh, err := tt.box.Lines()
			if err != nil {
				t.Fatal(err)
			}
			img, err := tt.box.Draw()
			if err != nil {
				t.Fatal(err)
			}
			if n != tt.lines {
				t.Errorf("%d lines, want %d", n, tt.lines)
			}
			if got, want := img.Bounds().Size(), image.Pt(sdk.Width, n*lh); got != want {
				t.Errorf("a strip of %v, want %v: Lines and Draw disagree", got, want)
			}
			in := ink(img)
			if tt.right == 0 {
				if !in.Empty() {
					t.Errorf("ink at %v, want none", in)
				}
				return
			}
			if in.Empty() || in.Min.X < tt.left || in.Max.X > tt.right {
				t.Errorf("ink across %d to %d, want it within %d to %d", in.Min.X, in.Max.X, tt.left, tt.right)
			}
			again, _ := tt.box.Draw()
			if d := string(again.Pix); d != string(img.Pix) {
				t.Error("the same text gave another picture")
			}
		})
	}
}

func TestTextBox_Errors(t *testing.T) {
	tests := []struct {
		name string
		box  sdk.TextBox
		want string
	}{
		{"an unknown size", sdk.TextBox{Spans: []sdk.Span{sdk.T("x")}, Size: 9}, "unknown text size"},
		{"a negative margin", sdk.TextBox{Spans: []sdk.Span{sdk.T("x")}, Margin: -1}, "no room"},
		{"margins wider than the paper", sdk.TextBox{Spans: []sdk.Span{sdk.T("x")}, Margin: sdk.Width / 2}, "no room"},
		{"too tall", sdk.TextBox{Spans: []sdk.Span{sdk.T(strings.Repeat("a\n", 1000))}, Size: sdk.Huge}, "too tall"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.box.Draw()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Draw: %v, want an error saying %q", err, tt.want)
			}
			if _, _, lerr := tt.box.Lines(); tt.want != "too tall" && lerr == nil {
				t.Errorf("Lines: no error, want one saying %q", tt.want)
			}
		})
	}
	_, err := sdk.TextBox{Spans: []sdk.Span{sdk.T(strings.Repeat("a\n", 1000))}, Size: sdk.Huge}.Draw()
	if !errors.Is(err, sdk.ErrTooTall) {
		t.Errorf("%v does not wrap ErrTooTall", err)
	}
}

func TestClip(t *testing.T) {
	tests := []struct {
		in   string
		n    int
		want string
	}{
		{"short", 10, "short"},
		{"exactly", 7, "exactly"},
		{"a headline too long", 10, "a headlin…"},
		{"ünïcödé letters", 5, "ünïc…"},
		{"anything", 0, ""},
	}
	for _, tt := range tests {
		if got := sdk.Clip(tt.in, tt.n); got != tt.want {
			t.Errorf("Clip(%q, %d) = %q, want %q", tt.in, tt.n, got, tt.want)
		}
	}
}
