package core

import (
	"bytes"
	"fmt"
	"html"
	"time"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	east "github.com/yuin/goldmark/extension/ast"
	"github.com/yuin/goldmark/renderer"
	ghtml "github.com/yuin/goldmark/renderer/html"
	"github.com/yuin/goldmark/util"
)

// Markdown notes: a print key takes text/markdown and prints it as a note,
// through the HTML renderer. goldmark (CommonMark, maintained, no
// dependencies) reads it: a Markdown parser is far more than this project
// should write. Raw HTML in it is left out (a key takes text/html for
// that); links print as their text and address, as paper cannot be
// clicked; a task list's boxes print as [ ] and [x].

var markdown = goldmark.New(
	goldmark.WithExtensions(extension.TaskList, extension.Strikethrough, extension.Table),
	goldmark.WithRendererOptions(ghtml.WithHardWraps(),
		renderer.WithNodeRenderers(util.Prioritized(paperNodes{}, 100))),
)

// paperNodes renders what a page would make clickable or a form control as
// what paper can show.
type paperNodes struct{}

func (paperNodes) RegisterFuncs(reg renderer.NodeRendererFuncRegisterer) {
	reg.Register(ast.KindLink, renderLink)
	reg.Register(ast.KindAutoLink, renderAutoLink)
	reg.Register(east.KindTaskCheckBox, renderCheckBox)
}

func renderLink(w util.BufWriter, _ []byte, n ast.Node, entering bool) (ast.WalkStatus, error) {
	if !entering {
		link := n.(*ast.Link)
		fmt.Fprintf(w, ` <span class="url">(%s)</span>`, html.EscapeString(string(link.Destination)))
	}
	return ast.WalkContinue, nil
}

func renderAutoLink(w util.BufWriter, source []byte, n ast.Node, entering bool) (ast.WalkStatus, error) {
	if entering {
		w.WriteString(html.EscapeString(string(n.(*ast.AutoLink).Label(source))))
	}
	return ast.WalkSkipChildren, nil
}

func renderCheckBox(w util.BufWriter, _ []byte, n ast.Node, entering bool) (ast.WalkStatus, error) {
	if entering {
		if n.(*east.TaskCheckBox).IsChecked {
			w.WriteString("[x] ")
		} else {
			w.WriteString("[ ] ")
		}
	}
	return ast.WalkContinue, nil
}

// noteStyle is how a Markdown note looks on paper: the size a note's text
// has, headings a little larger, code in a box.
const noteStyle = `body{margin:0 8px;font:22px Arial,sans-serif}h1{font-size:34px;margin:8px 0}h2{font-size:28px;margin:8px 0}` +
	`h3{font-size:24px;margin:6px 0}p{margin:8px 0}ul,ol{margin:8px 0;padding-left:28px}li{margin:2px 0}` +
	`pre,code{font-family:"Courier New",monospace;font-size:18px}pre{border:2px solid #000;padding:6px;white-space:pre-wrap}` +
	`.url{font-size:16px}blockquote{margin:8px 0;padding-left:10px;border-left:4px solid #000}` +
	`table{border-collapse:collapse}td,th{border:1px solid #000;padding:2px 6px}.from{font-size:16px;border-bottom:2px solid #000;padding-bottom:4px}`

// markdownPage is a Markdown note as the page the HTML renderer prints:
// a line with its sender and when it was sent, then the note.
func markdownPage(source, from string, at time.Time) ([]byte, error) {
	var body bytes.Buffer
	if err := markdown.Convert([]byte(source), &body); err != nil {
		return nil, fmt.Errorf("the Markdown could not be read: %w", err)
	}
	var page bytes.Buffer
	page.WriteString(`<!DOCTYPE html><html><head><meta charset="utf-8"><style>` + noteStyle + `</style></head><body>`)
	if from != "" {
		fmt.Fprintf(&page, `<p class="from">From <strong>%s</strong>, %s</p>`, html.EscapeString(from), at.Format("Mon 2 Jan 15:04"))
	}
	page.Write(body.Bytes())
	page.WriteString(`</body></html>`)
	return page.Bytes(), nil
}
