package berg

import (
	"testing"
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
	}
	for _, tt := range tests {
		if got := string(Description(tt.in)); got != tt.want {
			t.Errorf("Description(%q)\n = %q\nwant %q", tt.in, got, tt.want)
		}
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
