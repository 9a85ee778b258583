package sdk_test

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/png"
	"strings"
	"testing"

	"paperboy/sdk"
	"paperboy/sdk/sdktest"
)

// gradient is a grey ramp, as a photo would have.
func gradient(w, h int) image.Image {
	img := image.NewGray(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.SetGray(x, y, color.Gray{uint8((x*255/w + y*255/h) / 2)})
		}
	}
	return img
}

// sample is a document with every kind of block.
func sample() *sdk.Document {
	d := sdk.NewDocument().
		Title("The Morning Paper").
		Heading("Weather").
		Paragraph(sdk.B("Today: "), sdk.T("sunny, 18 °C, and "), sdk.I("rather"), sdk.T(" nice.")).
		Rule().
		List("Buy bread", "Call Grandma about the thing that is long enough to wrap").
		Row("08:00", "Breakfast").
		QR("https://example.com/paperboy", "scan me").
		Big("18°").
		Small(sdk.T("Source: a test")).
		Image(gradient(200, 60)).
		Spacer(12)
	d.Blocks = append(d.Blocks,
		sdk.ListBlock{Numbered: true, Items: [][]sdk.Span{{sdk.T("one")}, {sdk.M("two")}}},
		sdk.RuleBlock{Dashed: true},
		sdk.ImageBlock{Image: gradient(50, 50), Width: 100},
		sdk.ParagraphBlock{Spans: []sdk.Span{sdk.T("centred\nand large")}, Size: sdk.Large, Center: true})
	return d
}

func TestDocument_Render(t *testing.T) {
	img, err := sample().Render()
	if err != nil {
		t.Fatal(err)
	}
	if w := img.Bounds().Dx(); w != sdk.Width {
		t.Fatalf("width %d, want %d", w, sdk.Width)
	}
	sdktest.Snapshot(t, img, "testdata/sample.png")
}

func TestDocument_RenderIsStable(t *testing.T) {
	encode := func() []byte {
		img, err := sample().Render()
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		png.Encode(&buf, img)
		return buf.Bytes()
	}
	if !bytes.Equal(encode(), encode()) {
		t.Fatal("the same document gave two different pictures")
	}
}

// inked reports whether any pixel of img is darker than mid-grey.
func inked(img *image.Gray) bool {
	for _, p := range img.Pix {
		if p < 128 {
			return true
		}
	}
	return false
}

func TestDocument_RenderBlocks(t *testing.T) {
	tests := []struct {
		name  string
		block sdk.Block
		ink   bool // whether it draws anything black
	}{
		{"title", sdk.TitleBlock{Text: "Title"}, true},
		{"heading", sdk.HeadingBlock{Text: "Heading"}, true},
		{"paragraph", sdk.ParagraphBlock{Spans: []sdk.Span{sdk.T("text")}}, true},
		{"small", sdk.ParagraphBlock{Spans: []sdk.Span{sdk.T("text")}, Size: sdk.Small}, true},
		{"huge", sdk.ParagraphBlock{Spans: []sdk.Span{sdk.B("42")}, Size: sdk.Huge}, true},
		{"list", sdk.ListBlock{Items: [][]sdk.Span{{sdk.T("a")}}}, true},
		{"an empty list", sdk.ListBlock{}, false},
		{"picture", sdk.ImageBlock{Image: gradient(40, 40)}, true},
		{"qr", sdk.QRBlock{Data: "hello"}, true},
		{"rule", sdk.RuleBlock{}, true},
		{"dashed rule", sdk.RuleBlock{Dashed: true}, true},
		{"spacer", sdk.SpacerBlock{Height: 30}, false},
		{"row", sdk.RowBlock{Left: []sdk.Span{sdk.T("l")}, Right: []sdk.Span{sdk.T("r")}}, true},
		{"a word wider than the paper", sdk.ParagraphBlock{Spans: []sdk.Span{sdk.T(strings.Repeat("W", 200))}}, true},
		{"text that is not UTF-8", sdk.ParagraphBlock{Spans: []sdk.Span{sdk.T("caf\xe9")}}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			img, err := (&sdk.Document{Blocks: []sdk.Block{tt.block}}).Render()
			if err != nil {
				t.Fatal(err)
			}
			if img.Bounds().Dx() != sdk.Width || img.Bounds().Dy() < 1 {
				t.Fatalf("a picture of %v", img.Bounds())
			}
			if got := inked(img); got != tt.ink {
				t.Fatalf("ink %v, want %v", got, tt.ink)
			}
		})
	}
}

func TestDocument_RenderErrors(t *testing.T) {
	tests := []struct {
		name string
		doc  *sdk.Document
		want string
	}{
		{"nil", nil, "empty"},
		{"no blocks", sdk.NewDocument(), "empty"},
		{"a nil block", &sdk.Document{Blocks: []sdk.Block{nil}}, "nil block"},
		{"an image block without an image", &sdk.Document{Blocks: []sdk.Block{sdk.ImageBlock{}}}, "without an image"},
		{"an unknown size", &sdk.Document{Blocks: []sdk.Block{sdk.ParagraphBlock{Size: 9}}}, "unknown text size"},
		{"a negative spacer", sdk.NewDocument().Spacer(-1), "spacer"},
		{"too tall", sdk.NewDocument().Spacer(6000).Spacer(6000), "too tall"},
		{"a QR code of nothing", sdk.NewDocument().QR("", ""), "QR code of nothing"},
		{"a QR code too long", sdk.NewDocument().QR(strings.Repeat("x", 5000), ""), "QR code"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.doc.Render()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one saying %q", err, tt.want)
			}
		})
	}
	if _, err := sdk.NewDocument().Spacer(6000).Spacer(6000).Render(); !errors.Is(err, sdk.ErrTooTall) {
		t.Fatalf("%v does not wrap ErrTooTall", err)
	}
}

func TestRenderResult(t *testing.T) {
	tests := []struct {
		name    string
		res     sdk.Result
		height  int // of the picture; 0 for an error
		wantErr string
	}{
		{"a document", sdk.Print(sdk.NewDocument().Spacer(20)), 36, ""},
		{"a picture of the width", sdk.PrintImage(gradient(384, 50)), 50, ""},
		{"a wide picture is scaled", sdk.PrintImage(gradient(768, 100)), 50, ""},
		{"a narrow picture is scaled", sdk.PrintImage(gradient(192, 10)), 20, ""},
		{"both", sdk.Result{Document: sdk.NewDocument().Rule(), Image: gradient(1, 1)}, 0, "not both"},
		{"nothing", sdk.Result{}, 0, "no edition"},
		{"nothing today", sdk.NothingToday(), 0, "no edition"},
		{"a picture too tall", sdk.PrintImage(gradient(10, 1000)), 0, "too tall"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			img, err := sdk.RenderResult(tt.res)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want one saying %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if b := img.Bounds(); b.Dx() != sdk.Width || b.Dy() != tt.height {
				t.Fatalf("a picture of %dx%d, want %dx%d", b.Dx(), b.Dy(), sdk.Width, tt.height)
			}
		})
	}
}

func BenchmarkDocument_Render(b *testing.B) {
	d := sample()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := d.Render(); err != nil {
			b.Fatal(err)
		}
	}
}
