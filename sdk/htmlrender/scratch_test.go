package htmlrender

import (
	"context"
	"os"
	"testing"
)

func TestScratch(t *testing.T) {
	b, err := os.ReadFile(os.Getenv("SCRATCH"))
	if err != nil {
		t.Skip()
	}
	base, client := serveTestdata(t)
	img, err := New(Options{HTTP: client}).Render(context.Background(), Page{HTML: b, URL: base.JoinPath("x.html")})
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(os.Getenv("SCRATCH")+".png", encodePNG(t, img), 0o644)
}
