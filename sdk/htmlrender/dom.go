package htmlrender

import (
	"strings"

	"golang.org/x/net/html"
)

// Bounds on a page's document: more nodes than a print can show, deeper
// nesting than any page needs. Past them the rest is left out, so that
// no page makes styling or layout slow or deep.
const (
	maxNodes    = 20_000
	maxDepth    = 200
	maxTextSize = 256 << 10 // bytes of text, over all text nodes: pages of a book
)

// node is an element or a text of the page, with its computed style.
type node struct {
	tag     string // lower case; "" for text
	text    string
	attrs   []html.Attribute
	id      string
	classes []string
	parent  *node
	kids    []*node
	first   bool // the first element among its siblings
	last    bool // the last
	st      *style
}

func (n *node) attr(name string) (string, bool) {
	for _, a := range n.attrs {
		if a.Key == name {
			return a.Val, true
		}
	}
	return "", false
}

func (n *node) hasClass(c string) bool {
	for _, x := range n.classes {
		if x == c {
			return true
		}
	}
	return false
}

// table is the table a cell is in, or nil.
func (n *node) table() *node {
	for p := n.parent; p != nil; p = p.parent {
		if p.tag == "table" {
			return p
		}
	}
	return nil
}

// domBuilder turns the parser's tree into nodes, within the bounds, and
// collects the page's style sheets on the way.
type domBuilder struct {
	nodes  int
	text   int
	sheets []string
}

// build is the tree of the document's <html> element.
func (b *domBuilder) build(doc *html.Node) *node {
	var root *html.Node
	for c := doc.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode {
			root = c
			break
		}
	}
	if root == nil {
		return &node{tag: "html"}
	}
	return b.element(root, nil, 0)
}

func (b *domBuilder) element(h *html.Node, parent *node, depth int) *node {
	b.nodes++
	n := &node{tag: strings.ToLower(h.Data), attrs: h.Attr, parent: parent}
	for _, a := range h.Attr {
		switch a.Key {
		case "id":
			n.id = a.Val
		case "class":
			n.classes = strings.Fields(a.Val)
		}
	}
	if n.tag == "style" {
		if t, ok := n.attr("type"); !ok || strings.EqualFold(strings.TrimSpace(t), "text/css") || t == "" {
			var sb strings.Builder
			for c := h.FirstChild; c != nil; c = c.NextSibling {
				if c.Type == html.TextNode {
					sb.WriteString(c.Data)
				}
			}
			if m, ok := n.attr("media"); !ok || mediaApplies(strings.ToLower(m)) {
				b.sheets = append(b.sheets, sb.String())
			}
		}
		return n
	}
	switch n.tag {
	case "script", "head", "title", "template", "noscript":
		if n.tag != "head" {
			return n
		}
	}
	if depth >= maxDepth {
		return n
	}
	var lastEl *node
	for c := h.FirstChild; c != nil && b.nodes < maxNodes; c = c.NextSibling {
		switch c.Type {
		case html.ElementNode:
			k := b.element(c, n, depth+1)
			if lastEl == nil {
				k.first = true
			}
			lastEl = k
			n.kids = append(n.kids, k)
		case html.TextNode:
			if b.text >= maxTextSize {
				continue
			}
			t := c.Data
			if len(t) > maxTextSize-b.text {
				t = t[:maxTextSize-b.text]
			}
			b.text += len(t)
			b.nodes++
			n.kids = append(n.kids, &node{text: t, parent: n})
		}
	}
	if lastEl != nil {
		lastEl.last = true
	}
	return n
}

// styleTree computes the style of every element, parents first.
func styleTree(n *node, parent *style, c *cascade) {
	n.st = c.compute(n, parent)
	for _, k := range n.kids {
		if k.tag != "" {
			styleTree(k, n.st, c)
		}
	}
}
