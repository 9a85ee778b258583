package htmlrender

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// FuzzRender renders whatever the fuzzer makes: no page may panic, take
// long, or give anything but a print no taller than MaxHeight.
func FuzzRender(f *testing.F) {
	pages, _ := filepath.Glob("testdata/*.html")
	for _, p := range pages {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b))
	}
	for _, s := range []string{
		"",
		"<p>hello",
		"<table><td>x<td colspan=3>y<tr><th>z</table>",
		"<ul><li><table><tr><td><ol start=-5 reversed><li value=99>deep</ol></td></tr></table></ul>",
		"<style>*{display:table-cell;border:1px solid;padding:3px}</style><p>x<span>y</span><div>z</div>",
		"<style>*{display:table-row}</style><body><table><tr><td>a",
		"<style>html{display:none}body{display:table}</style><p>x",
		"<style>@media screen{p{font:bold 40px/1 Courier}}@media print{p{color:white}}</style><p>x</p>",
		"<p style='margin:-1e9px;padding:1e9px;width:-5px;font-size:0'>x</p>",
		"<div style='background:#000;color:#fff;border:thick double red'><span style='background:white;color:black;padding:4px'>inv</span></div>",
		"<img src=data:image/gif;base64,R0lGODlhAQABAIAAAP///wAAACwAAAAAAQABAAACAkQBADs= width=300 height=200 class=dither>",
		"<img src='data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGNgAAAAAgABSK+kcQAAAABJRU5ErkJggg==' style='width:50%;max-width:10px'>",
		"<pre>\ttab\n  two\r\nlines</pre><p style='white-space:pre-wrap'>a  b\nc</p><p style='white-space:nowrap'>" + "word " + "word",
		"<h1>a<sub>b<sup>c</sup></sub></h1><center><table width=50%><tr><td align=right>r</table></center>",
		"<font size=+9 color=red face=courier>f</font><big><big><small>s</small></big></big>",
		"<ol style='list-style:upper-roman'><li>a<li>b</ol><ul style='list-style-type:square'><li><li>",
		"<hr size=5 noshade><hr style='height:0;border:0'><br><br><br>",
		"<p>\u00e9\u4e2d\U0001F600\u0301\ufffd\u200b\u00ad</p>",
		"<table border=5 cellspacing=-3 cellpadding=9999><tr><td width=1e9>x</table>",
		"<span style='display:inline-block;width:50%;border:2px solid'><p>a<div style='float:right'>f</div></p></span> b <span style='display:inline-table'><tr><td>t</span>",
		"<img src=x align=left width=100 height=50><p style='text-indent:-50px;clear:left'>x<img style='float:right;width:400px'>",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, page string) {
		const maxHeight = 1000
		e := New(Options{MaxHeight: maxHeight, Timeout: 2 * time.Second, MaxBytes: 64 << 10})
		start := time.Now()
		img, err := e.Render(context.Background(), Page{HTML: []byte(page)})
		if d := time.Since(start); d > 5*time.Second {
			t.Fatalf("took %v", d)
		}
		if err != nil {
			if errors.Is(err, ErrTooLarge) && len(page) > 64<<10 {
				return
			}
			t.Fatalf("%v", err)
		}
		if h := img.Bounds().Dy(); h < 1 || h > maxHeight {
			t.Fatalf("%d rows", h)
		}
		checkPicture(t, img)
	})
}
