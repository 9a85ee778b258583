package news

import (
	"os"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"paperboy/sdk"
	"paperboy/sdk/sdktest"
)

// The recorded feeds, by the addresses the tests give them.
const (
	townURL    = "https://gazette.example.org/feed.rss"
	villageURL = "http://cafe.example.fr/rss"
	blogURL    = "https://www.allotment.example.net/atom.xml"
	pageURL    = "https://gazette.example.org/old-feed"
	downURL    = "https://down.example.com/feed"
)

func recorded() map[string]string {
	return map[string]string{
		townURL:    "testdata/town.rss",
		villageURL: "testdata/village.rss",
		blogURL:    "testdata/blog.atom",
		pageURL:    "testdata/page.html",
	}
}

func TestNews_Meta(t *testing.T) {
	if err := (news{}).Meta().Check(); err != nil {
		t.Fatal(err)
	}
}

func TestNews_CheckConfig(t *testing.T) {
	tests := []struct {
		name   string
		config sdk.Config
		want   sdk.FieldErrors // nil: accepted
	}{
		{"one feed, the defaults", sdk.Config{"feeds": townURL}, nil},
		{"five feeds and blank lines", sdk.Config{"feeds": "\n" + feedList(5) + "\n\n", "count": "10", "summaries": "false"}, nil},
		{"no feeds", sdk.Config{}, sdk.FieldErrors{"feeds": "required"}},
		{"only blank lines", sdk.Config{"feeds": "\n  \n"}, sdk.FieldErrors{"feeds": "required"}},
		{"too many feeds", sdk.Config{"feeds": feedList(6)}, sdk.FieldErrors{"feeds": "at most 5 feeds, not 6"}},
		{"not an address", sdk.Config{"feeds": townURL + "\nthe Gazette"},
			sdk.FieldErrors{"feeds": `line 2: "the Gazette" is not an http:// or https:// address`}},
		{"not http", sdk.Config{"feeds": "ftp://example.org/feed"},
			sdk.FieldErrors{"feeds": `line 1: "ftp://example.org/feed" is not an http:// or https:// address`}},
		{"no host", sdk.Config{"feeds": "https:///feed"},
			sdk.FieldErrors{"feeds": `line 1: "https:///feed" is not an http:// or https:// address`}},
		{"a long line is clipped in the message", sdk.Config{"feeds": strings.Repeat("x", 100)},
			sdk.FieldErrors{"feeds": `line 1: "` + strings.Repeat("x", 59) + `…" is not an http:// or https:// address`}},
		{"the same feed twice", sdk.Config{"feeds": townURL + "\n\n" + townURL},
			sdk.FieldErrors{"feeds": "line 3: the same feed as line 1"}},
		{"too long", sdk.Config{"feeds": strings.Repeat("x", 2001)}, sdk.FieldErrors{"feeds": "at most 2000 characters"}},
		{"count too small", sdk.Config{"feeds": townURL, "count": "0"}, sdk.FieldErrors{"count": "must be from 1 to 10"}},
		{"count too large", sdk.Config{"feeds": townURL, "count": "11"}, sdk.FieldErrors{"count": "must be from 1 to 10"}},
		{"count not a number", sdk.Config{"feeds": townURL, "count": "five"}, sdk.FieldErrors{"count": "not a number"}},
		{"count not whole", sdk.Config{"feeds": townURL, "count": "2.5"}, sdk.FieldErrors{"count": "must be a whole number"}},
		{"summaries not a bool", sdk.Config{"feeds": townURL, "summaries": "yes"}, sdk.FieldErrors{"summaries": `must be "true" or "false"`}},
		{"unknown field", sdk.Config{"feeds": townURL, "colour": "red"}, sdk.FieldErrors{"colour": "not a field of this publication"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// As the host does: the form's rules, then Validate.
			c, err := news{}.Meta().CheckConfig(tt.config)
			if err == nil {
				err = news{}.Validate(t.Context(), c)
			}
			sdktest.CheckFieldErrors(t, err, tt.want)
		})
	}
}

// feedList is n different feed addresses, one a line.
func feedList(n int) string {
	lines := make([]string, n)
	for i := range lines {
		lines[i] = "https://feeds.example.org/" + string(rune('a'+i))
	}
	return strings.Join(lines, "\n")
}

func at(t *testing.T) time.Time { return sdktest.At(t, "2026-12-01T07:00:00", "Europe/London") }

// request is a request for feeds (one a line) read from the recordings.
func request(t *testing.T, cfg sdk.Config) sdk.Request {
	r := sdktest.Request(at(t), cfg)
	r.HTTP = sdktest.Recorded(t, recorded())
	return r
}

func TestNews_RenderSnapshot(t *testing.T) {
	r := request(t, sdk.Config{"feeds": strings.Join([]string{townURL, blogURL, villageURL}, "\n"), "count": "4"})
	img := sdktest.Render(t, news{}, r)
	if w := img.Bounds().Dx(); w != sdk.Width {
		t.Fatalf("width %d", w)
	}
	sdktest.Snapshot(t, img, "testdata/morning.png")
}

// TestNews_Render checks the text of editions, block by block.
func TestNews_Render(t *testing.T) {
	date := []string{"T:News", "P:Tuesday 1 December"}
	town := []string{
		"H:The Hillford Gazette",
		"P:*Library reopens after a year of repairs*\nThe town library opens its doors again on Saturday, with a new roof, a children’s corner and “more chairs than anyone asked for”, says the head librarian.",
		"P:*Frost expected on the valley roads tonight*\nGritters will be out from 8pm. The council asks drivers to take the lower road to Eastbrook & to allow extra time in the morning.",
		"P:*Hillford Rovers 3, Eastbrook Town 1*\nTwo goals in the last ten minutes sealed a win that lifts the Rovers to third in the table. The manager praised a \"patient\" side that kept its shape through a difficult first half, when Eastbrook had the better of…",
		"P:*Christmas market dates announced*\nStalls will line the High Street on the 12th and 13th. …",
		"P:*Bakery on Mill Lane wins regional prize*",
		"S:via gazette.example.org",
	}
	tests := []struct {
		name   string
		config sdk.Config
		want   []string
	}{
		{"RSS", sdk.Config{"feeds": townURL}, concat(date, town)},
		{"RSS, more stories than the feed has", sdk.Config{"feeds": townURL, "count": "10"}, concat(date, town[:len(town)-1],
			[]string{"P:*Letters: the bus timetable, again*", "S:via gazette.example.org"})},
		{"RSS, titles only", sdk.Config{"feeds": townURL, "count": "2", "summaries": "false"}, concat(date, []string{
			"H:The Hillford Gazette",
			"L:Library reopens after a year of repairs|Frost expected on the valley roads tonight",
			"S:via gazette.example.org",
		})},
		{"Atom", sdk.Config{"feeds": blogURL}, concat(date, []string{
			"H:Notes from the Allotment",
			"P:*Garlic in, at last*\nForty cloves went into the cold ground this weekend. They will sit there quietly until spring.",
			"P:*Leaf mould, a love letter*\nBag the leaves, poke a few holes, forget about them. Two years later you have the best stuff in the garden.",
			"S:via allotment.example.net",
		})},
		{"RSS in Latin-1", sdk.Config{"feeds": villageURL}, concat(date, []string{
			"H:Café de la Place",
			"P:*Crêpes à midi, même le dimanche*\nLe café ouvre à 11 h.",
			"S:via cafe.example.fr",
		})},
		{"two feeds, a rule between", sdk.Config{"feeds": villageURL + "\n" + blogURL, "count": "1", "summaries": "false"}, concat(date, []string{
			"H:Café de la Place", "L:Crêpes à midi, même le dimanche", "S:via cafe.example.fr",
			"---",
			"H:Notes from the Allotment", "L:Garlic in, at last", "S:via allotment.example.net",
		})},
		{"one feed down, one an HTML page, one good", sdk.Config{"feeds": downURL + "\n" + villageURL + "\n" + pageURL, "summaries": "false"}, concat(date, []string{
			"H:Café de la Place", "L:Crêpes à midi, même le dimanche", "S:via cafe.example.fr",
			"---",
			"S:_Could not read " + downURL + ": dial tcp: sdktest: no recording for " + downURL + "._",
			"S:_Could not read " + pageURL + ": not an RSS or Atom feed: it is <html>._",
		})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := sdktest.RenderResult(t, news{}, request(t, tt.config))
			if err != nil {
				t.Fatal(err)
			}
			got := blocks(res.Document)
			if strings.Join(got, "\n\n") != strings.Join(tt.want, "\n\n") {
				t.Errorf("blocks:\n%s\n\nwant:\n%s", strings.Join(got, "\n\n"), strings.Join(tt.want, "\n\n"))
			}
			if _, err := sdk.RenderResult(res); err != nil {
				t.Errorf("the edition does not render: %v", err)
			}
		})
	}
}

func concat(parts ...[]string) []string {
	var out []string
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// blocks describes a document, a string a block: "T:" a title, "H:" a
// heading, "P:" a paragraph, "S:" small text, "L:" a list (items split by
// "|"), "---" a rule; *bold* and _italic_.
func blocks(d *sdk.Document) []string {
	var out []string
	for _, b := range d.Blocks {
		switch b := b.(type) {
		case sdk.TitleBlock:
			out = append(out, "T:"+b.Text)
		case sdk.HeadingBlock:
			out = append(out, "H:"+b.Text)
		case sdk.ParagraphBlock:
			kind := "P:"
			if b.Size == sdk.Small {
				kind = "S:"
			}
			out = append(out, kind+spans(b.Spans))
		case sdk.ListBlock:
			items := make([]string, len(b.Items))
			for i, it := range b.Items {
				items[i] = spans(it)
			}
			out = append(out, "L:"+strings.Join(items, "|"))
		case sdk.RuleBlock:
			out = append(out, "---")
		default:
			out = append(out, "?")
		}
	}
	return out
}

func spans(ss []sdk.Span) string {
	var b strings.Builder
	for _, s := range ss {
		switch {
		case s.Bold:
			b.WriteString("*" + s.Text + "*")
		case s.Italic:
			b.WriteString("_" + s.Text + "_")
		default:
			b.WriteString(s.Text)
		}
	}
	return b.String()
}

func TestNews_RenderFails(t *testing.T) {
	tests := []struct {
		name   string
		config sdk.Config
		want   string
	}{
		{"an HTML page", sdk.Config{"feeds": pageURL}, "no feed could be read: " + pageURL + ": not an RSS or Atom feed: it is <html>"},
		{"every feed down", sdk.Config{"feeds": downURL + "\nhttps://down.example.com/other"},
			"no feed could be read: " + downURL + ": dial tcp: sdktest: no recording for " + downURL + "; https://down.example.com/other: dial tcp"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := sdktest.RenderResult(t, news{}, request(t, tt.config))
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Fatalf("Render: %v, want an error starting %q", err, tt.want)
			}
		})
	}
}

func TestNews_UpstreamFaults(t *testing.T) {
	sdktest.CheckUpstreamFaults(t, news{}, sdktest.Request(at(t), sdk.Config{"feeds": townURL + "\n" + blogURL}))
}

// TestNews_RenderFits: the most a subscriber can ask for, from feeds of
// long stories, is still an edition the printer takes.
func TestNews_RenderFits(t *testing.T) {
	long := writeLongFeed(t, 12)
	files := map[string]string{}
	for _, u := range strings.Split(feedList(maxFeeds), "\n") {
		files[u] = long
	}
	r := sdktest.Request(at(t), sdk.Config{"feeds": feedList(maxFeeds), "count": "10"})
	r.HTTP = sdktest.Recorded(t, files)
	res, err := sdktest.RenderResult(t, news{}, r)
	if err != nil {
		t.Fatal(err)
	}
	img, err := sdk.RenderResult(res)
	if err != nil {
		t.Fatalf("the edition: %v", err)
	}
	if h := img.Bounds().Dy(); h > sdk.MaxHeight {
		t.Fatalf("the edition is %d pixels tall", h)
	}
	// Every feed has its say, and the edition says what it left out.
	got := strings.Join(blocks(res.Document), "\n")
	if n := strings.Count(got, "H:A long feed"); n != maxFeeds {
		t.Errorf("%d feeds printed, want %d:\n%s", n, maxFeeds, got)
	}
	if !strings.Contains(got, "stories of each feed, to fit on the paper.") {
		t.Errorf("the edition does not say stories were left out:\n%s", got)
	}
}

// writeLongFeed writes an RSS feed of n stories with long titles and
// summaries, and returns its path.
func writeLongFeed(t *testing.T, n int) string {
	t.Helper()
	var b strings.Builder
	b.WriteString(`<?xml version="1.0"?><rss version="2.0"><channel><title>A long feed</title>`)
	for i := range n {
		b.WriteString("<item><title>" + strings.Repeat("A rather long headline about story "+string(rune('A'+i))+" ", 5) + "</title>")
		b.WriteString("<description>" + strings.Repeat("Words and more words about what happened today in the town. ", 10) + "</description></item>")
	}
	b.WriteString("</channel></rss>")
	path := t.TempDir() + "/long.rss"
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestParseFeed(t *testing.T) {
	tests := []struct {
		name    string
		data    string
		want    feed
		wantErr string // a prefix
	}{
		{"RSS 2.0", `<rss><channel><title>T</title><item><title>A</title><description>a &amp; b</description></item></channel></rss>`,
			feed{Title: "T", Items: []item{{"A", "a & b"}}}, ""},
		{"RSS 1.0", `<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/">
			<channel><title>R</title></channel><item><title>One</title><description>First.</description></item><item><title>Two</title></item></rdf:RDF>`,
			feed{Title: "R", Items: []item{{"One", "First."}, {"Two", ""}}}, ""},
		{"Atom, content when no summary", `<feed xmlns="http://www.w3.org/2005/Atom"><title>F</title><entry><title>E</title><content type="html">&lt;p&gt;Body&lt;/p&gt;</content></entry></feed>`,
			feed{Title: "F", Items: []item{{"E", "Body"}}}, ""},
		{"RSS content:encoded when no description", `<rss><channel><item><title>A</title><content:encoded><![CDATA[<p>Full <b>text</b></p>]]></content:encoded></item></channel></rss>`,
			feed{Items: []item{{"A", "Full text"}}}, ""},
		{"HTML entities and an unclosed br", `<rss><channel><title>Caf&eacute;&nbsp;News</title><item><title>A<br>B</title></item></channel></rss>`,
			feed{Title: "Café News", Items: []item{{"A B", ""}}}, ""},
		{"scripts and comments dropped", `<rss><channel><item><title>T</title><description><![CDATA[<script>alert(1)</script>Hi <!-- no -->there<style>p{}</STYLE>!]]></description></item></channel></rss>`,
			feed{Items: []item{{"T", "Hi there!"}}}, ""},
		{"a less-than sign is text", `<rss><channel><item><title>1 &lt; 2</title></item></channel></rss>`,
			feed{Items: []item{{"1 < 2", ""}}}, ""},
		{"empty stories left out", `<rss><channel><item><title> </title></item><item><description>Only a summary</description></item></channel></rss>`,
			feed{Items: []item{{"", "Only a summary"}}}, ""},
		{"a long title clipped", `<rss><channel><item><title>` + strings.Repeat("ab ", 100) + `</title></item></channel></rss>`,
			feed{Items: []item{{sdk.Clip(strings.TrimSpace(strings.Repeat("ab ", 100)), maxTitleRunes), ""}}}, ""},
		{"RSS links have end tags", `<rss><channel><title>T</title><link>https://x.example/</link><item><title>A</title><link>https://x.example/a</link></item><item><title>B</title></item></channel></rss>`,
			feed{Title: "T", Items: []item{{"A", ""}, {"B", ""}}}, ""},
		{"a script of letters that lower-case longer", `<rss><channel><item><title>T</title><description><![CDATA[<script>ȺȺȺȺȺȺȺȺ</script>ok]]></description></item></channel></rss>`,
			feed{Items: []item{{"T", "ok"}}}, ""},
		{"an unclosed script", `<rss><channel><item><title>T</title><description>Hi &lt;SCRIPT&gt;x</description></item></channel></rss>`,
			feed{Items: []item{{"T", "Hi"}}}, ""},
		{"HTML", `<!DOCTYPE html><html><body>Hi</body></html>`, feed{}, "not an RSS or Atom feed: it is <html>"},
		{"empty", ``, feed{}, "not an RSS or Atom feed: it is empty"},
		{"JSON", `{"items": []}`, feed{}, "not an RSS or Atom feed: it is empty"},
		{"broken RSS", `<rss><channel><item><title>A</titl`, feed{}, "broken RSS: "},
		{"an unknown charset", `<?xml version="1.0" encoding="Shift_JIS"?><rss></rss>`, feed{}, `not an RSS or Atom feed: xml: opening charset "Shift_JIS": the charset "Shift_JIS" is not supported`},
		{"Windows-1252", "<?xml version=\"1.0\" encoding=\"windows-1252\"?><rss><channel><item><title>\x93Quoted\x94 \x80 5</title></item></channel></rss>",
			feed{Items: []item{{"“Quoted” € 5", ""}}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseFeed([]byte(tt.data))
			if tt.wantErr != "" {
				if err == nil || !strings.HasPrefix(err.Error(), tt.wantErr) {
					t.Fatalf("parseFeed: %v, want an error starting %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !equalFeeds(got, tt.want) {
				t.Errorf("parseFeed:\n%#v\nwant\n%#v", got, tt.want)
			}
		})
	}
}

func equalFeeds(a, b feed) bool {
	if a.Title != b.Title || len(a.Items) != len(b.Items) {
		return false
	}
	for i := range a.Items {
		if a.Items[i] != b.Items[i] {
			return false
		}
	}
	return true
}

func TestShorten(t *testing.T) {
	tests := []struct {
		text string
		n    int
		want string
	}{
		{"", 5, ""},
		{"one two three", 5, "one two three"},
		{"one two three four five six", 3, "one two three…"},
		{"one two, three", 2, "one two…"},
		{"one two — three", 2, "one two…"},
		{"one two — three", 3, "one two…"},
		{"Stalls open. [...]", 5, "Stalls open. …"},
		{"Stalls open [...]", 5, "Stalls open…"},
		{"…", 5, ""},
	}
	for _, tt := range tests {
		if got := shorten(tt.text, tt.n); got != tt.want {
			t.Errorf("shorten(%q, %d) = %q, want %q", tt.text, tt.n, got, tt.want)
		}
	}
}

func FuzzParseFeed(f *testing.F) {
	for _, name := range []string{"town.rss", "village.rss", "blog.atom", "page.html"} {
		data, err := os.ReadFile("testdata/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(`<rdf:RDF><item><title>A</title></item></rdf:RDF>`))
	f.Add([]byte(`<rss><channel><item><description><![CDATA[<script>x</script><!-- c --><p>t</p>]]></description></item></channel></rss>`))
	f.Add([]byte(`<rss><channel><link>l</link><item><description>&lt;script&gt;ȺȺȺȺ&lt;/SCRIPT&gt;</description></item></channel></rss>`))
	f.Add([]byte(`<feed><entry><content type="xhtml"><div><p>a</p><br>b</div></content></entry></feed>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		type result struct {
			f   feed
			err error
		}
		done := make(chan result, 1)
		go func() {
			fd, err := parseFeed(data)
			done <- result{fd, err}
		}()
		var r result
		select {
		case r = <-done:
		case <-time.After(10 * time.Second):
			t.Fatalf("parseFeed of %d bytes did not return", len(data))
		}
		if r.err != nil {
			if r.err.Error() == "" {
				t.Error("an error with no message")
			}
			return
		}
		checkPlain(t, "the feed's title", r.f.Title, 0)
		for _, it := range r.f.Items {
			if it.Title == "" && it.Summary == "" {
				t.Error("an empty story")
			}
			checkPlain(t, "a title", it.Title, maxTitleRunes)
			checkPlain(t, "a summary", it.Summary, 0)
			checkPlain(t, "a shortened summary", shorten(it.Summary, summaryWords), maxSummaryRunes+1)
		}
	})
}

// checkPlain fails the test unless s is one line of text, of at most max
// runes if max > 0.
func checkPlain(t *testing.T, what, s string, max int) {
	t.Helper()
	if s != strings.Join(strings.Fields(s), " ") {
		t.Errorf("%s %q is not one line of single spaces", what, s)
	}
	if max > 0 && utf8.RuneCountInString(s) > max {
		t.Errorf("%s of %d runes, more than %d", what, utf8.RuneCountInString(s), max)
	}
}
