package friends

import (
	"bytes"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"math"
	"strings"
	"testing"
	"time"

	"paperboy/sdk"
	"paperboy/sdk/sdktest"
)

func TestFriends_Meta(t *testing.T) {
	m := friends{}.Meta()
	if err := m.Check(); err != nil {
		t.Fatal(err)
	}
	if m.Kind != sdk.Push {
		t.Errorf("kind %q, want %q", m.Kind, sdk.Push)
	}
	if !m.Personal {
		t.Error("not personal: a message is for one subscriber")
	}
	if len(m.Fields) != 0 {
		t.Errorf("%d config fields, want none", len(m.Fields))
	}
	if _, err := m.CheckConfig(sdk.Config{}); err != nil {
		t.Errorf("the empty config: %v", err)
	}
}

// The moment the tests' messages arrive: Tuesday 1 December 2026, 08:20
// in London.
const arrival = "2026-12-01T08:20:00"

func TestFriends_Compose(t *testing.T) {
	london := sdktest.At(t, arrival, "Europe/London")
	sent := time.Date(2026, 12, 1, 8, 15, 0, 0, time.UTC)
	long := strings.Repeat("It was lovely to see you all on Sunday. ", 5)
	tests := []struct {
		name    string
		at      time.Time // the recipient's clock
		push    *sdk.PushItem
		header  string
		text    string
		size    sdk.TextSize
		picture bool
		err     string // a part of the error; "" for none
	}{
		{
			name: "text", at: london, push: &sdk.PushItem{Sender: "Ann", Text: "Happy birthday!", SentAt: sent},
			header: "From Ann · Tue 1 Dec, 08:15", text: "Happy birthday!", size: sdk.Large,
		},
		{
			name: "longer text is normal size", at: london, push: &sdk.PushItem{Sender: "Ann", Text: long, SentAt: sent},
			header: "From Ann · Tue 1 Dec, 08:15", text: strings.TrimSpace(long), size: sdk.Normal,
		},
		{
			name: "picture", at: london, push: &sdk.PushItem{Sender: "Ann", Image: drawingPNG(t), SentAt: sent},
			header: "From Ann · Tue 1 Dec, 08:15", size: sdk.Normal, picture: true,
		},
		{
			name: "text and picture", at: london, push: &sdk.PushItem{Sender: "Ann", Text: "Look!", Image: photoJPEG(t), SentAt: sent},
			header: "From Ann · Tue 1 Dec, 08:15", text: "Look!", size: sdk.Large, picture: true,
		},
		{
			name: "a GIF", at: london, push: &sdk.PushItem{Sender: "Ann", Image: drawingGIF(t), SentAt: sent},
			header: "From Ann · Tue 1 Dec, 08:15", size: sdk.Normal, picture: true,
		},
		{
			// 23:30 UTC is 08:30 the next morning in Tokyo.
			name: "the recipient's zone", at: sdktest.At(t, "2026-12-02T08:31:00", "Asia/Tokyo"),
			push:   &sdk.PushItem{Sender: "Ann", Text: "Morning!", SentAt: time.Date(2026, 12, 1, 23, 30, 0, 0, time.UTC)},
			header: "From Ann · Wed 2 Dec, 08:30", text: "Morning!", size: sdk.Large,
		},
		{
			name: "no sender, no time", at: london, push: &sdk.PushItem{Text: "Guess who?"},
			header: "From a friend", text: "Guess who?", size: sdk.Large,
		},
		{
			name: "no time over the wire", at: london, push: &sdk.PushItem{Sender: "Ann", Text: "Hi", SentAt: time.UnixMilli(0)},
			header: "From Ann", text: "Hi", size: sdk.Large,
		},
		{
			name: "a long name on one line", at: london, push: &sdk.PushItem{Sender: " Ann\n\t" + strings.Repeat("b", 60), Text: "Hi", SentAt: sent},
			header: "From Ann " + strings.Repeat("b", 35) + "… · Tue 1 Dec, 08:15", text: "Hi", size: sdk.Large,
		},
		{
			name: "tidied text", at: london, push: &sdk.PushItem{Sender: "Ann", Text: "\n  I \u2764\ufe0f you\r\n\n\n\nx\x00o  \n", SentAt: sent},
			header: "From Ann · Tue 1 Dec, 08:15", text: "I ♥ you\n\nxo", size: sdk.Large,
		},
		{name: "no push", at: london, err: errNoPush.Error()},
		{name: "empty", at: london, push: &sdk.PushItem{Sender: "Ann", SentAt: sent}, err: errEmpty.Error()},
		{name: "only spaces", at: london, push: &sdk.PushItem{Sender: "Ann", Text: " \n\t ", SentAt: sent}, err: errEmpty.Error()},
		{
			name: "not a picture", at: london, push: &sdk.PushItem{Sender: "Ann", Text: "Hi", Image: []byte("hello, this is not a picture")},
			err: "the file is not a PNG, JPEG or GIF picture",
		},
		{
			name: "a broken PNG", at: london, push: &sdk.PushItem{Sender: "Ann", Image: drawingPNG(t)[:200]},
			err: "the PNG picture is damaged and cannot be read (",
		},
		{
			name: "too much text", at: london, push: &sdk.PushItem{Sender: "Ann", Text: strings.Repeat("x", sdk.MaxTextBytes+1)},
			err: "the message is too long to print",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := sdktest.Request(tt.at, sdk.Config{})
			r.Push = tt.push
			n, err := compose(r)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error %v, want one with %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if n.Header != tt.header {
				t.Errorf("header %q, want %q", n.Header, tt.header)
			}
			if n.Text != tt.text {
				t.Errorf("text %q, want %q", n.Text, tt.text)
			}
			if n.Size != tt.size {
				t.Errorf("size %d, want %d", n.Size, tt.size)
			}
			if (n.Picture != nil) != tt.picture {
				t.Errorf("a picture: %v, want %v", n.Picture != nil, tt.picture)
			}
		})
	}
}

func TestFriends_Render(t *testing.T) {
	at := sdktest.At(t, arrival, "Europe/London")
	sent := time.Date(2026, 12, 1, 8, 15, 0, 0, time.UTC)
	words := strings.Fields(strings.Repeat("Dear Bob, the garden is full of apples this year and we cannot eat them all. ", 40))
	tests := []struct {
		name      string
		push      *sdk.PushItem
		minHeight int // the print is at least this tall
	}{
		{name: "text", push: &sdk.PushItem{Sender: "Ann", Text: "See you at 7!", SentAt: sent}, minHeight: 100},
		{name: "drawing", push: &sdk.PushItem{Sender: "Ann", Image: drawingPNG(t), SentAt: sent}, minHeight: 300},
		{name: "text and photo", push: &sdk.PushItem{Sender: "Ann", Text: "Us at the beach", Image: photoJPEG(t), SentAt: sent}, minHeight: 300},
		{name: "a long letter wraps", push: &sdk.PushItem{Sender: "Ann", Text: strings.Join(words, " "), SentAt: sent}, minHeight: 2000},
		{name: "a long word is cut", push: &sdk.PushItem{Sender: "Ann", Text: strings.Repeat("a", 400), SentAt: sent}, minHeight: 200},
		{name: "a tall thin picture", push: &sdk.PushItem{Image: encodePNG(t, solid(3, 9000, color.Black)), SentAt: sent}, minHeight: maxPicture},
		{name: "a wide flat picture", push: &sdk.PushItem{Image: encodePNG(t, solid(9000, 2, color.Black)), SentAt: sent}, minHeight: 50},
		{name: "a one-pixel picture", push: &sdk.PushItem{Image: encodePNG(t, solid(1, 1, color.Black)), SentAt: sent}, minHeight: 300},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := sdktest.Request(at, sdk.Config{})
			r.Push = tt.push
			img := sdktest.Render(t, friends{}, r)
			b := img.Bounds()
			if b.Dx() != sdk.Width || b.Dy() < tt.minHeight || b.Dy() > sdk.MaxHeight {
				t.Fatalf("the print is %d×%d, want %d wide and %d to %d tall", b.Dx(), b.Dy(), sdk.Width, tt.minHeight, sdk.MaxHeight)
			}
			if tt.push.Text != "" && b.Dy() > 5000 {
				t.Errorf("the print is %d pixels tall", b.Dy())
			}
		})
	}
}

func TestFriends_RenderErrors(t *testing.T) {
	at := sdktest.At(t, arrival, "Europe/London")
	tests := []struct {
		name string
		push *sdk.PushItem
		err  string
	}{
		{"no push", nil, "friends prints only messages sent to it"},
		{"empty", &sdk.PushItem{Sender: "Ann"}, "the message is empty"},
		{"corrupt picture", &sdk.PushItem{Sender: "Ann", Image: append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{7}, 100)...)}, "the PNG picture is damaged and cannot be read"},
		{"too much text", &sdk.PushItem{Sender: "Ann", Text: strings.Repeat("é", sdk.MaxTextBytes)}, "too long"},
		// Within the bytes allowed, but too many lines for a print.
		{"too many lines", &sdk.PushItem{Sender: "Ann", Text: strings.Repeat("a\n\nb\n\n", sdk.MaxTextBytes/7)}, "too long to print"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := sdktest.Request(at, sdk.Config{})
			r.Push = tt.push
			_, err := sdktest.RenderResult(t, friends{}, r)
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Fatalf("error %v, want one with %q", err, tt.err)
			}
		})
	}
}

func TestFriends_TransparentIsWhite(t *testing.T) {
	at := sdktest.At(t, arrival, "Europe/London")
	// A drawing from a canvas: a black square in the middle of a
	// transparent picture; and the same on an opaque white picture.
	square := image.Rect(90, 90, 110, 110)
	drawn := func(background color.Color) *image.NRGBA {
		img := solid(200, 200, background)
		for y := square.Min.Y; y < square.Max.Y; y++ {
			for x := square.Min.X; x < square.Max.X; x++ {
				img.Set(x, y, color.Black)
			}
		}
		return img
	}
	render := func(pic image.Image) image.Image {
		r := sdktest.Request(at, sdk.Config{})
		r.Push = &sdk.PushItem{Sender: "Ann", Image: encodePNG(t, pic)}
		return sdktest.Render(t, friends{}, r)
	}
	for _, bg := range []color.Color{color.Transparent, color.NRGBA{0, 0, 0, 0}, color.NRGBA{255, 0, 0, 0}} {
		seeThrough := render(drawn(bg))
		if diff := sdktest.Diff(render(drawn(color.White)), seeThrough); diff != "" {
			t.Errorf("a transparent background %v does not print as white paper: %s", bg, diff)
		}
		// The square is there: the print has as many more black pixels
		// than a blank picture's as the square, enlarged to the width.
		n := dark(seeThrough) - dark(render(solid(200, 200, bg)))
		want := float64(square.Dx()*square.Dy()) * math.Pow(float64(inner)/200, 2)
		if math.Abs(float64(n)-want) > want/10 {
			t.Errorf("the drawing's square is %d black pixels, want about %.0f", n, want)
		}
	}
}

// dark is how many pixels of img are black.
func dark(img image.Image) int {
	n := 0
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if grey(img.At(x, y)) < 0x80 {
				n++
			}
		}
	}
	return n
}

// grey is the brightness of a colour, 0 to 255.
func grey(c color.Color) uint8 { return color.GrayModel.Convert(c).(color.Gray).Y }

func TestFriends_Snapshots(t *testing.T) {
	at := sdktest.At(t, arrival, "Europe/London")
	sent := time.Date(2026, 12, 1, 8, 15, 0, 0, time.UTC)
	tests := []struct {
		name string
		push *sdk.PushItem
	}{
		{"text", &sdk.PushItem{Sender: "Ann", Text: "Good luck today! You'll be brilliant x", SentAt: sent}},
		{"drawing", &sdk.PushItem{Sender: "Ann", Text: "For you :)", Image: drawingPNG(t), SentAt: sent}},
		{"letter", &sdk.PushItem{Sender: "Grandma", Text: "Dear Sam,\n\nThe apples are ripe and the cat has " +
			"learnt to open the back door, so do come on Sunday and bring a bag. Dad says the bus is at ten past two.\n\n" +
			"Lots of love, Grandma", SentAt: sent}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := sdktest.Request(at, sdk.Config{})
			r.Push = tt.push
			sdktest.Snapshot(t, sdktest.Render(t, friends{}, r), "testdata/"+tt.name+".png")
		})
	}
}

func FuzzRender(f *testing.F) {
	f.Add("Happy birthday!", []byte(nil))
	f.Add("", encodePNG(f, solid(4, 4, color.Black)))
	f.Add("Look", encodeGIF(f, solid(3, 2, color.White)))
	f.Add("", []byte("\x89PNG\r\n\x1a\nnot really"))
	f.Add("\x00\xff\n\n\n\t \u200d\ufe0f", []byte("GIF89a"))
	f.Add(strings.Repeat("word ", 300), []byte{0xff, 0xd8, 0xff})
	at := time.Date(2026, 12, 1, 8, 20, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, text string, pic []byte) {
		r := sdk.Request{Time: at, Config: sdk.Config{}, Push: &sdk.PushItem{Sender: text, Text: text, Image: pic, SentAt: at}}
		res, err := friends{}.Render(t.Context(), r)
		if err != nil {
			if strings.TrimSpace(err.Error()) == "" {
				t.Fatal("an error without a message")
			}
			return
		}
		img, err := sdk.RenderResult(res)
		if err != nil {
			t.Fatalf("Render gave no error, but its result does not print: %v", err)
		}
		if b := img.Bounds(); b.Dx() != sdk.Width || b.Dy() > sdk.MaxHeight {
			t.Fatalf("a print of %d×%d", b.Dx(), b.Dy())
		}
	})
}

// drawingPNG is a drawing as a canvas sends it: a smiling face in black on
// a transparent background.
func drawingPNG(tb testing.TB) []byte {
	tb.Helper()
	return encodePNG(tb, drawing())
}

// drawingGIF is the drawing as a GIF, its background transparent.
func drawingGIF(tb testing.TB) []byte {
	tb.Helper()
	d := drawing()
	img := image.NewPaletted(d.Bounds(), color.Palette{color.Transparent, color.NRGBA{20, 20, 60, 255}})
	for y := range d.Bounds().Dy() {
		for x := range d.Bounds().Dx() {
			if d.NRGBAAt(x, y).A > 0 {
				img.SetColorIndex(x, y, 1)
			}
		}
	}
	return encodeGIF(tb, img)
}

func drawing() *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, 240, 200))
	ink := color.NRGBA{20, 20, 60, 255}
	dot := func(cx, cy, r float64) {
		for y := int(cy - r); y <= int(cy+r); y++ {
			for x := int(cx - r); x <= int(cx+r); x++ {
				if math.Hypot(float64(x)-cx, float64(y)-cy) <= r {
					img.SetNRGBA(x, y, ink)
				}
			}
		}
	}
	// A line drawn with a round pen.
	for a := 0.0; a < 2*math.Pi; a += 0.01 {
		dot(120+80*math.Cos(a), 100+80*math.Sin(a), 3) // the face
	}
	for a := 0.2 * math.Pi; a < 0.8*math.Pi; a += 0.01 {
		dot(120+50*math.Cos(a), 100+50*math.Sin(a), 3) // the smile
	}
	dot(92, 78, 9) // the eyes
	dot(148, 78, 9)
	for x := 20.0; x < 60; x++ { // a little wave of the hand
		dot(x, 180+6*math.Sin(x/4), 2)
	}
	return img
}

// photoJPEG is a photo: a soft gradient with a dark disc, as a JPEG.
func photoJPEG(tb testing.TB) []byte {
	tb.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 320, 240))
	for y := range 240 {
		for x := range 320 {
			v := uint8(60 + (x+y)*180/560)
			if math.Hypot(float64(x-200), float64(y-100)) < 50 {
				v = 30
			}
			img.Set(x, y, color.RGBA{v, v, 255 - v/2, 255})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 80}); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

func solid(w, h int, c color.Color) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, c)
		}
	}
	return img
}

func encodePNG(tb testing.TB, img image.Image) []byte {
	tb.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

func encodeGIF(tb testing.TB, img image.Image) []byte {
	tb.Helper()
	var buf bytes.Buffer
	if err := gif.Encode(&buf, img, nil); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}
