package htmlrender

import (
	"bytes"
	"context"
	"flag"
	"image"
	"image/png"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"paperboy/codec"
)

var update = flag.Bool("update", false, "rewrite the golden pictures in testdata/golden")

// serveTestdata serves testdata/ on loopback, as a publication serves its
// edition and pictures, and gives a client that reaches it.
func serveTestdata(t testing.TB) (*url.URL, *http.Client) {
	t.Helper()
	srv := httptest.NewServer(http.FileServer(http.Dir("testdata")))
	t.Cleanup(srv.Close)
	u, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	return u, srv.Client()
}

// goldenHeights are the pages cut shorter than the default.
var goldenHeights = map[string]int{"long": 400}

// TestGolden renders the pages in testdata, modelled on BERG's
// publications, and compares them pixel by pixel with the pictures in
// testdata/golden. Run with -update to rewrite those, and look at them.
func TestGolden(t *testing.T) {
	pages, err := filepath.Glob("testdata/*.html")
	if err != nil || len(pages) == 0 {
		t.Fatalf("no pages in testdata: %v", err)
	}
	base, client := serveTestdata(t)
	for _, path := range pages {
		name := strings.TrimSuffix(filepath.Base(path), ".html")
		t.Run(name, func(t *testing.T) {
			html, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			e := New(Options{HTTP: client, MaxHeight: goldenHeights[name]})
			img, err := e.Render(context.Background(), Page{HTML: html, URL: base.JoinPath(name + ".html")})
			if err != nil {
				t.Fatal(err)
			}
			checkPicture(t, img)
			golden := filepath.Join("testdata", "golden", name+".png")
			got := encodePNG(t, img)
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update to make it)", err)
			}
			wantImg, err := png.Decode(bytes.NewReader(want))
			if err != nil {
				t.Fatal(err)
			}
			if n, where := differ(img, wantImg); n > 0 {
				out := filepath.Join(t.TempDir(), name+".png")
				_ = os.WriteFile(out, got, 0o644)
				t.Errorf("%d pixels differ from %s, the first at %v; the picture made is %s", n, golden, where, out)
			}
		})
	}
}

// checkPicture fails unless img is a print: Width wide, pixels 0 or 255.
func checkPicture(t testing.TB, img *image.Gray) {
	t.Helper()
	if img.Bounds().Dx() != Width || img.Bounds().Min != (image.Point{}) {
		t.Fatalf("the picture is %v, not %d wide from (0, 0)", img.Bounds(), Width)
	}
	for i, p := range img.Pix {
		if p != 0 && p != 255 {
			t.Fatalf("pixel (%d, %d) is %d, neither black nor white", i%img.Stride, i/img.Stride, p)
		}
	}
}

// encodePNG writes a print as a 1-bit PNG.
func encodePNG(t testing.TB, img *image.Gray) []byte {
	t.Helper()
	bm := codec.NewBitmap(img.Bounds().Dy())
	for y := range bm.Height {
		for x := range Width {
			bm.Set(x, y, img.Pix[y*img.Stride+x] == 0)
		}
	}
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	if err := enc.Encode(&buf, bm); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// differ counts the pixels where a and b differ in black and white, and
// says where the first is.
func differ(a *image.Gray, b image.Image) (int, image.Point) {
	n, first := 0, image.Point{-1, -1}
	if a.Bounds() != b.Bounds() {
		return a.Bounds().Dx() * a.Bounds().Dy(), image.Point{}
	}
	for y := range a.Bounds().Dy() {
		for x := range a.Bounds().Dx() {
			r, _, _, _ := b.At(x, y).RGBA()
			if (a.Pix[y*a.Stride+x] == 0) != (r < 0x8000) {
				if n == 0 {
					first = image.Pt(x, y)
				}
				n++
			}
		}
	}
	return n, first
}
