package berg

import (
	"fmt"
	"io"
	"net/url"
	"slices"
	"strings"
	"testing"

	xhtml "golang.org/x/net/html"
)

func TestDescription(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"plain", "plain"},
		{"Fish &amp; chips &lt;3", "Fish &amp; chips &lt;3"},
		{"bare & and < and >", "bare &amp; and &lt; and &gt;"},
		{"<strong>bold</strong> <em>it</em><br>next<br/>", "<strong>bold</strong> <em>it</em><br>next<br>"},
		{"<STRONG class=x>up</STRONG>", "<strong>up</strong>"},
		{`<a href="http://example.org/a?b=1&amp;c=2">link</a>`, `<a href="http://example.org/a?b=1&amp;c=2" rel="nofollow noopener">link</a>`},
		{`<a href="HTTPS://example.org/">s</a>`, `<a href="https://example.org/" rel="nofollow noopener">s</a>`},
		{`<a href="mailto:tom@example.org">mail</a>`, `<a href="mailto:tom@example.org" rel="nofollow noopener">mail</a>`},
		{`<a href="javascript:alert(1)">js</a>`, "js"},
		{`<a href=" JaVaScRiPt:alert(1)">js</a>`, "js"},
		{`<a href="java&#x0A;script:alert(1)">js</a>`, "js"},
		{`<a href="/relative">rel</a>`, "rel"},
		{`<a href="http:no-host">h</a>`, "h"},
		{`<a name="x">anchor</a>`, "anchor"},
		{`<a href="http://a/" onclick="x()" rel="me" target="_top">a</a>`, `<a href="http://a/" rel="nofollow noopener">a</a>`},
		{`<a href="http://a/" title='"><script>'>a</a>`, `<a href="http://a/" rel="nofollow noopener">a</a>`},
		{`<a href="http://a/"><a href="http://b/">nested</a></a>`, `<a href="http://a/" rel="nofollow noopener">nested</a>`},
		{`<p>para <b>b</b> <i>i</i> <span style="x">s</span></p>`, "para b i s"},
		{`before<script>alert("<b>x</b>")</script>after`, "beforeafter"},
		{`a<style>p { color: red }</style>b`, "ab"},
		{`<img src=x onerror=alert(1)>img`, "img"},
		{`<!-- comment -->c<!DOCTYPE html>`, "c"},
		{`<strong>unclosed <em>both`, "<strong>unclosed <em>both</em></strong>"},
		{`<strong><em>crossed</strong></em>`, "<strong><em>crossed</em></strong>"},
		{`</strong>stray</em></a>`, "stray"},
		{`<strong/>self`, "self"},
		{`<div><strong>x</div></strong>`, "<strong>x</strong>"},
		{`"quotes" 'too'`, "&#34;quotes&#34; &#39;too&#39;"},
		{`a < b`, "a &lt; b"},
		{`<scr<script>ipt>alert(1)</script>`, "ipt&gt;alert(1)"},
		{`<textarea><strong>t</strong></textarea>`, "&lt;strong&gt;t&lt;/strong&gt;"},
		{"cr&#13;lf\r\n", "cr&#13;lf\n"}, // the tokenizer makes a raw CR LF one LF
		{"nul\x00&#0;", "nul\uFFFD\uFFFD"},
	}
	for _, tt := range tests {
		if got := string(Description(tt.in)); got != tt.want {
			t.Errorf("Description(%q)\n = %q\nwant %q", tt.in, got, tt.want)
		}
	}
}

func TestDescriptionLinear(t *testing.T) {
	t.Parallel()
	// Many open tags and many end tags of others: each end tag must not
	// search all that is open.
	const n = 50000
	s := strings.Repeat("<strong><em>", n) + strings.Repeat("</a></b>", n) + "</strong>"
	want := strings.Repeat("<strong><em>", n) + strings.Repeat("</em></strong>", n)
	if got := string(Description(s)); got != want {
		t.Errorf("Description of %d nested tags: %d bytes, want %d", n, len(got), len(want))
	}
}

func TestPlainText(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"", ""},
		{"plain", "plain"},
		{"  lots   of\n\tspace  ", "lots of space"},
		{"Fish &amp; chips&nbsp;&nbsp;&eacute;", "Fish & chips é"},
		{"<strong>bold</strong>text", "boldtext"},
		{"one<br>two<br/><br>three", "one\ntwo\nthree"},
		{"<p>one</p><p>two</p>", "one two"},
		{"a<script>var x = '<p>';</script>b", "ab"},
		{`<a href="http://x/">link</a> after`, "link after"},
	}
	for _, tt := range tests {
		if got := PlainText(tt.in); got != tt.want {
			t.Errorf("PlainText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func FuzzDescription(f *testing.F) {
	for _, s := range []string{
		"plain", "<strong>b</strong><em>i</em><br>", `<a href="http://x/">l</a>`, `<a href="javascript:x">j</a>`,
		"<script>alert(1)</script>", "<style>p{}</style>", "<!-- c -->", "<textarea><b>", "<plaintext><a href=http://x>",
		`<a href="mailto:a@b">m</a><a href=" http://a/b?c=<d>">`, "&lt;&amp;&#0;\x00", "<strong><em>x</strong></em>",
		`<a href="http://a/"><strong>x</a></strong>`, "<svg><a href=http://x/>s</a></svg>", "<math><style><a>",
		"<scr<script>ipt>", "<a href='http://a/\"onclick=\"x'>q</a>", "<![CDATA[<a>]]>", "<noscript><a href=http://x>n</a></noscript>",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := string(Description(s))
		if err := checkSafe(out); err != nil {
			t.Fatalf("Description(%q) = %q: %v", s, out, err)
		}
		if again := string(Description(out)); again != out {
			t.Fatalf("Description(%q) = %q, but again %q", s, out, again)
		}
		PlainText(s)
	})
}

// checkSafe reports what in HTML is not what Description may write: only
// text, <strong>, <em>, <br> and <a> with a safe href and our rel,
// balanced.
func checkSafe(out string) error {
	z := xhtml.NewTokenizer(strings.NewReader(out))
	var open []string
	for {
		tt := z.Next()
		if tt == xhtml.ErrorToken {
			if z.Err() != io.EOF {
				return z.Err()
			}
			break
		}
		raw := string(z.Raw())
		tok := z.Token()
		switch tt {
		case xhtml.TextToken:
			if strings.Contains(raw, "<") {
				return fmt.Errorf("text %q has a <", raw)
			}
		case xhtml.StartTagToken:
			switch tok.Data {
			case "strong", "em":
				if len(tok.Attr) > 0 || raw != "<"+tok.Data+">" {
					return fmt.Errorf("tag %q", raw)
				}
				open = append(open, tok.Data)
			case "br":
				if raw != "<br>" {
					return fmt.Errorf("tag %q", raw)
				}
			case "a":
				if len(tok.Attr) != 2 || tok.Attr[0].Key != "href" || tok.Attr[1].Key != "rel" || tok.Attr[1].Val != "nofollow noopener" {
					return fmt.Errorf("link %q", raw)
				}
				u, err := url.Parse(tok.Attr[0].Val)
				if err != nil || (u.Scheme != "http" && u.Scheme != "https" && u.Scheme != "mailto") {
					return fmt.Errorf("link %q: href %q", raw, tok.Attr[0].Val)
				}
				if slices.Contains(open, "a") {
					return fmt.Errorf("a link in a link")
				}
				open = append(open, "a")
			default:
				return fmt.Errorf("tag %q", raw)
			}
		case xhtml.EndTagToken:
			if len(open) == 0 || open[len(open)-1] != tok.Data || raw != "</"+tok.Data+">" {
				return fmt.Errorf("end tag %q with %v open", raw, open)
			}
			open = open[:len(open)-1]
		default:
			return fmt.Errorf("token %q", raw)
		}
	}
	if len(open) > 0 {
		return fmt.Errorf("%v left open", open)
	}
	return nil
}
