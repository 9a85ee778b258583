package news

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"html"
	"io"
	"strings"

	"paperboy/sdk"
)

// feed is a news feed as news prints it: plain text, no markup.
type feed struct {
	Title string
	Items []item
}

// item is one story of a feed.
type item struct {
	Title, Summary string
}

// errNotFeed is returned by parseFeed for a document that is neither RSS
// nor Atom, such as the HTML page a feed's address often leads to.
var errNotFeed = errors.New("not an RSS or Atom feed")

// parseFeed reads an RSS 2.0, RSS 1.0 or Atom feed. Titles and summaries
// come back as plain text: HTML tags and entities removed, whitespace
// collapsed. Summaries are not shortened here.
func parseFeed(data []byte) (feed, error) {
	d := xml.NewDecoder(bytes.NewReader(data))
	// Feeds in the wild are often not quite XML: HTML entities such as
	// &nbsp; and unclosed <br> tags are common.
	d.Strict = false
	d.AutoClose = autoClose
	d.Entity = xml.HTMLEntity
	d.CharsetReader = charsetReader
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return feed{}, fmt.Errorf("%w: it is empty", errNotFeed)
		}
		if err != nil {
			return feed{}, fmt.Errorf("%w: %v", errNotFeed, err)
		}
		start, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		switch start.Name.Local {
		case "rss", "RDF":
			var doc rssDoc
			if err := d.DecodeElement(&doc, &start); err != nil {
				return feed{}, fmt.Errorf("broken RSS: %v", err)
			}
			return doc.feed(), nil
		case "feed":
			var doc atomFeed
			if err := d.DecodeElement(&doc, &start); err != nil {
				return feed{}, fmt.Errorf("broken Atom: %v", err)
			}
			return doc.feed(), nil
		default:
			return feed{}, fmt.Errorf("%w: it is <%s>", errNotFeed, start.Name.Local)
		}
	}
}

// autoClose are the HTML elements that have no end tag, as xml.HTMLAutoClose
// but for link: RSS's <link> has an address inside and an end tag, and
// taking it for HTML's would end the channel or item it is in.
var autoClose = func() []string {
	var out []string
	for _, name := range xml.HTMLAutoClose {
		if name != "link" {
			out = append(out, name)
		}
	}
	return out
}()

// rssDoc is RSS 2.0 (<rss><channel><item>) and RSS 1.0 (<rdf:RDF>, items
// beside the channel).
type rssDoc struct {
	Channel struct {
		Title xmlText   `xml:"title"`
		Items []rssItem `xml:"item"`
	} `xml:"channel"`
	Items []rssItem `xml:"item"`
}

type rssItem struct {
	Title       xmlText `xml:"title"`
	Description xmlText `xml:"description"`
	Content     xmlText `xml:"encoded"` // content:encoded, when there is no description
}

func (r rssDoc) feed() feed {
	f := feed{Title: plainText(string(r.Channel.Title))}
	for _, it := range append(r.Channel.Items, r.Items...) {
		summary := it.Description
		if strings.TrimSpace(string(summary)) == "" {
			summary = it.Content
		}
		f.add(string(it.Title), string(summary))
	}
	return f
}

type atomFeed struct {
	Title   xmlText     `xml:"title"`
	Entries []atomEntry `xml:"entry"`
}

type atomEntry struct {
	Title   xmlText `xml:"title"`
	Summary xmlText `xml:"summary"`
	Content xmlText `xml:"content"`
}

func (a atomFeed) feed() feed {
	f := feed{Title: plainText(string(a.Title))}
	for _, e := range a.Entries {
		summary := e.Summary
		if strings.TrimSpace(string(summary)) == "" {
			summary = e.Content
		}
		f.add(string(e.Title), string(summary))
	}
	return f
}

// add adds a story, as plain text; a story with neither title nor summary
// is left out, and a summary that only repeats the title is dropped.
func (f *feed) add(title, summary string) {
	it := item{Title: sdk.Clip(plainText(title), maxTitleRunes), Summary: plainText(summary)}
	if it.Summary == it.Title {
		it.Summary = ""
	}
	if it.Title == "" && it.Summary == "" {
		return
	}
	f.Items = append(f.Items, it)
}

// xmlText is all the text inside an element, that of nested elements too
// (Atom's type="xhtml"), with a space where a block of HTML ends. Escaped
// HTML (RSS descriptions, Atom's type="html") stays as text for plainText.
// The first of several elements of the same name wins: <title> and
// <media:title> have the same local name.
type xmlText string

func (t *xmlText) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	if *t != "" {
		return d.Skip()
	}
	var b strings.Builder
	for depth := 0; ; {
		tok, err := d.Token()
		if err != nil {
			return err
		}
		switch tok := tok.(type) {
		case xml.CharData:
			b.Write(tok)
		case xml.StartElement:
			depth++
			if blockTags[strings.ToLower(tok.Name.Local)] {
				b.WriteByte(' ')
			}
		case xml.EndElement:
			if depth == 0 {
				*t = xmlText(b.String())
				return nil
			}
			depth--
			if blockTags[strings.ToLower(tok.Name.Local)] {
				b.WriteByte(' ')
			}
		}
	}
}

// blockTags are the HTML elements that separate words.
var blockTags = map[string]bool{
	"address": true, "article": true, "aside": true, "blockquote": true, "br": true, "dd": true, "div": true,
	"dl": true, "dt": true, "figcaption": true, "figure": true, "footer": true, "h1": true, "h2": true,
	"h3": true, "h4": true, "h5": true, "h6": true, "header": true, "hr": true, "img": true, "li": true,
	"ol": true, "p": true, "pre": true, "section": true, "table": true, "td": true, "th": true, "tr": true, "ul": true,
}

// plainText turns a bit of HTML into one line of text: tags removed (the
// contents of scripts and styles too), entities decoded, runs of
// whitespace made one space.
func plainText(s string) string {
	var b strings.Builder
	for s != "" {
		i := strings.IndexByte(s, '<')
		if i < 0 {
			b.WriteString(s)
			break
		}
		b.WriteString(s[:i])
		s = s[i:]
		// "a < b" is text, not a tag.
		if len(s) < 2 || !(isLetter(s[1]) || s[1] == '/' || s[1] == '!') {
			b.WriteByte('<')
			s = s[1:]
			continue
		}
		if strings.HasPrefix(s, "<!--") {
			s = after(s, "-->")
			continue
		}
		end := strings.IndexByte(s, '>')
		if end < 0 {
			break // a tag cut off at the end
		}
		name := tagName(s[1:end])
		s = s[end+1:]
		switch {
		case name == "script" || name == "style":
			s = after(s, "</"+name)
			s = after(s, ">")
		case blockTags[name]:
			b.WriteByte(' ')
		}
	}
	return strings.Join(strings.Fields(html.UnescapeString(b.String())), " ")
}

// after is what follows the first sep in s (ASCII case aside), or "". sep
// is lower case and starts with a byte that is not a letter. It does not
// lower-case s to search it: that is slow for a long s searched many
// times, and changes its length (an invalid byte becomes three, "Ⱥ"
// becomes "ⱥ"), so an index in the copy is not one in s.
func after(s, sep string) string {
	for i := 0; ; {
		j := strings.IndexByte(s[i:], sep[0])
		if j < 0 {
			return ""
		}
		i += j
		if len(s)-i < len(sep) {
			return ""
		}
		if asciiEqualFold(s[i:i+len(sep)], sep) {
			return s[i+len(sep):]
		}
		i++
	}
}

// asciiEqualFold reports whether a and b, of the same length, are equal
// with ASCII letters' case aside.
func asciiEqualFold(a, b string) bool {
	for i := 0; i < len(a); i++ {
		if a[i] != b[i] && !(isLetter(a[i]) && a[i]|0x20 == b[i]|0x20) {
			return false
		}
	}
	return true
}

func isLetter(c byte) bool { return 'a' <= c|0x20 && c|0x20 <= 'z' }

// tagName is the lower-case name of a tag from what is inside its < >.
func tagName(tag string) string {
	tag = strings.TrimPrefix(tag, "/")
	i := 0
	for i < len(tag) && (isLetter(tag[i]) || '0' <= tag[i] && tag[i] <= '9') {
		i++
	}
	return strings.ToLower(tag[:i])
}

// shorten cuts text to at most n words, ending with "…" if it cut. A
// "[…]" or "..." the feed put at the end becomes a plain "…".
func shorten(text string, n int) string {
	words := strings.Fields(text)
	cut := false
	if len(words) > 0 {
		switch words[len(words)-1] {
		case "[…]", "[...]", "…", "...":
			words, cut = words[:len(words)-1], true
		}
	}
	if len(words) > n {
		words, cut = words[:n], true
	}
	if !cut || len(words) == 0 {
		return sdk.Clip(strings.Join(words, " "), maxSummaryRunes)
	}
	last := strings.TrimRight(words[len(words)-1], ",;:-–—")
	if last == "" {
		words = words[:len(words)-1]
	} else {
		words[len(words)-1] = last
	}
	ellipsis := "…"
	if s := words[len(words)-1]; strings.ContainsRune(".!?", rune(s[len(s)-1])) {
		ellipsis = " …" // "13th. …", not "13th.…"
	}
	return sdk.Clip(strings.Join(words, " "), maxSummaryRunes) + ellipsis
}

// charsetReader reads the single-byte charsets old feeds still use, as
// UTF-8; encoding/xml handles UTF-8 itself. ISO-8859-1 is read as
// Windows-1252, as browsers do: feeds that say the one often mean the other.
func charsetReader(label string, r io.Reader) (io.Reader, error) {
	switch strings.ToLower(label) {
	case "iso-8859-1", "iso8859-1", "latin1", "latin-1", "windows-1252", "cp1252", "us-ascii", "ascii":
	default:
		return nil, fmt.Errorf("the charset %q is not supported", label)
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	var b strings.Builder
	for _, c := range data {
		switch {
		case c < 0x80 || c >= 0xa0:
			b.WriteRune(rune(c))
		default:
			b.WriteRune(cp1252[c-0x80])
		}
	}
	return strings.NewReader(b.String()), nil
}

// cp1252 is Windows-1252 from 0x80 to 0x9f; the rest is as Latin-1.
var cp1252 = [32]rune{
	'€', '\u0081', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u008d', 'Ž', '\u008f',
	'\u0090', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u009d', 'ž', 'Ÿ',
}
