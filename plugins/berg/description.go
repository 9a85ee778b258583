package berg

import (
	"html"
	"html/template"
	"io"
	"iter"
	"maps"
	"net/url"
	"strings"
	"unicode/utf8"

	xhtml "golang.org/x/net/html"
)

// dropped are the elements whose content is not text to show: code, style
// and markup for other contexts.
var dropped = map[string]bool{
	"script": true, "style": true, "noscript": true, "iframe": true,
	"noembed": true, "noframes": true, "object": true, "template": true,
}

// Description is a description from meta.json as HTML that is safe to put
// in a page as is. BERG allowed <strong>, <em>, <br> and <a>, and stripped
// every other tag; so does Description, keeping the text inside, except
// that of scripts and styles. A link keeps only an http, https or mailto
// href, and gets rel="nofollow noopener": the publication is not ours to
// vouch for. Tags are balanced: what Description opens, it closes.
func Description(s string) template.HTML {
	var b strings.Builder
	var open []string          // the allowed elements open, innermost last
	opened := map[string]int{} // how many of each are in open
	for tt, tok := range shownTokens(strings.NewReader(s), dropped) {
		switch tt {
		case xhtml.TextToken:
			b.WriteString(escapeText(tok.Data))
		case xhtml.StartTagToken, xhtml.SelfClosingTagToken:
			switch tok.Data {
			case "br":
				b.WriteString("<br>")
			case "strong", "em":
				if tt == xhtml.StartTagToken {
					b.WriteString("<" + tok.Data + ">")
					open = append(open, tok.Data)
					opened[tok.Data]++
				}
			case "a":
				href := safeHref(tok.Attr)
				if tt != xhtml.StartTagToken || href == "" || opened["a"] > 0 {
					// A link in a link, or to nowhere safe: its text only.
					continue
				}
				b.WriteString(`<a href="` + html.EscapeString(href) + `" rel="nofollow noopener">`)
				open = append(open, "a")
				opened["a"]++
			}
		case xhtml.EndTagToken:
			if opened[tok.Data] == 0 {
				continue
			}
			// Close what was opened inside it too, so that the result
			// nests.
			for {
				last := open[len(open)-1]
				open = open[:len(open)-1]
				opened[last]--
				b.WriteString("</" + last + ">")
				if last == tok.Data {
					break
				}
			}
		}
	}
	for i := len(open) - 1; i >= 0; i-- {
		b.WriteString("</" + open[i] + ">")
	}
	return template.HTML(b.String())
}

// textEscaper escapes text for HTML as html.EscapeString does, and also
// a carriage return, which an HTML parser would read as a line feed, and
// NUL, which it would drop or replace.
var textEscaper = strings.NewReplacer(
	`&`, "&amp;", `'`, "&#39;", `<`, "&lt;", `>`, "&gt;", `"`, "&#34;",
	"\r", "&#13;", "\x00", "\uFFFD",
)

// escapeText escapes text for HTML, so that reading it back gives the same
// text.
func escapeText(s string) string { return textEscaper.Replace(s) }

// safeHref is the href of a link if it is an http, https or mailto
// address, made canonical; "" otherwise.
func safeHref(attrs []xhtml.Attribute) string {
	for _, a := range attrs {
		if a.Namespace != "" || a.Key != "href" {
			continue
		}
		u, err := url.Parse(strings.TrimSpace(a.Val))
		if err != nil {
			return ""
		}
		switch strings.ToLower(u.Scheme) {
		case "http", "https":
			if u.Host == "" {
				return ""
			}
		case "mailto":
		default:
			return ""
		}
		u.Scheme = strings.ToLower(u.Scheme)
		return u.String()
	}
	return ""
}

// PlainText is HTML as one paragraph of text: tags stripped, the content of
// scripts and styles dropped, entities decoded, white space collapsed to
// single spaces, except that a <br> is a line break.
func PlainText(s string) string {
	return plainText(strings.NewReader(s), false)
}

// plainText is PlainText of r; withoutTitle drops the <title> too, for an
// error page whose title repeats its heading.
func plainText(r io.Reader, withoutTitle bool) string {
	var b strings.Builder
	space := false // white space is pending
	drop := dropped
	if withoutTitle {
		drop = maps.Clone(dropped)
		drop["title"] = true
	}
	for tt, tok := range shownTokens(r, drop) {
		switch tt {
		case xhtml.TextToken:
			words := strings.FieldsFunc(tok.Data, isSpace)
			if len(words) == 0 {
				space = space || tok.Data != ""
				continue
			}
			if strings.IndexFunc(tok.Data, isSpace) == 0 {
				space = true
			}
			for i, w := range words {
				if (i > 0 || space) && b.Len() > 0 && !strings.HasSuffix(b.String(), "\n") {
					b.WriteByte(' ')
				}
				b.WriteString(w)
			}
			r, _ := utf8.DecodeLastRuneInString(tok.Data)
			space = isSpace(r)
		case xhtml.StartTagToken, xhtml.SelfClosingTagToken:
			switch {
			case tok.Data == "br":
				if b.Len() > 0 && !strings.HasSuffix(b.String(), "\n") {
					b.WriteByte('\n')
				}
				space = false
			case blockish[tok.Data]:
				space = true
			}
		case xhtml.EndTagToken:
			if blockish[tok.Data] {
				space = true
			}
		}
	}
	return strings.TrimSpace(b.String())
}

// shownTokens are the tokens of an HTML document but those inside the
// elements drop names (their start and end tags included): the one walk
// Description and PlainText both make.
func shownTokens(r io.Reader, drop map[string]bool) iter.Seq2[xhtml.TokenType, xhtml.Token] {
	return func(yield func(xhtml.TokenType, xhtml.Token) bool) {
		skip := "" // the element whose content is being dropped
		z := xhtml.NewTokenizer(r)
		for {
			tt := z.Next()
			if tt == xhtml.ErrorToken {
				return
			}
			tok := z.Token()
			switch {
			case skip != "":
				if tt == xhtml.EndTagToken && tok.Data == skip {
					skip = ""
				}
			case tt == xhtml.StartTagToken && drop[tok.Data]:
				skip = tok.Data
			default:
				if !yield(tt, tok) {
					return
				}
			}
		}
	}
}

// blockish are elements that separate words: text either side of them is
// not one word.
var blockish = map[string]bool{
	"p": true, "div": true, "li": true, "ul": true, "ol": true, "h1": true, "h2": true,
	"h3": true, "h4": true, "h5": true, "h6": true, "tr": true, "td": true, "th": true,
	"table": true, "title": true, "body": true, "head": true, "html": true, "pre": true,
	"blockquote": true, "section": true, "article": true, "header": true, "footer": true,
	"dt": true, "dd": true, "hr": true,
}

func isSpace(r rune) bool {
	return r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\f' || r == '\u00a0'
}
