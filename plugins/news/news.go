package news

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"paperboy/sdk"
)

const (
	// maxFeeds bounds a subscriber's feeds: a morning's print, not a
	// newspaper, and a render that fits the host's call timeout.
	maxFeeds = 5
	// maxFeedBytes bounds what is read of one feed; real feeds are a few
	// hundred KB, and five of them are read at once.
	maxFeedBytes = 2 << 20
	// summaryWords is how long a summary may be: three or four lines.
	summaryWords = 40
	// maxTitleRunes and maxSummaryRunes bound text a feed's words do not:
	// a "word" of a megabyte.
	maxTitleRunes   = 200
	maxSummaryRunes = 400
)

// news prints headlines and summaries from the feeds a subscriber chooses.
type news struct{}

func (news) Meta() sdk.Meta {
	return sdk.Meta{
		Name:        "news",
		Title:       "News",
		Description: "Headlines and short summaries from the news feeds you choose (RSS or Atom), every morning.",
		Author:      "paperboy",
		Kind:        sdk.Scheduled,
		Personal:    true, // everyone's feeds differ
		Schedule:    "0 7 * * *",
		MinInterval: time.Hour, // feeds rarely say more sooner
		Fields: []sdk.Field{
			{Name: "feeds", Label: "Feeds", Help: "The addresses of up to 5 RSS or Atom feeds, one a line.",
				Type: sdk.TextArea, Required: true, MaxLength: 2000, Example: "https://feeds.bbci.co.uk/news/rss.xml"},
			{Name: "count", Label: "Stories per feed", Type: sdk.Number, Default: "5", Min: 1, Max: 10},
			{Name: "summaries", Label: "Print a summary of each story", Type: sdk.Bool, Default: "true"},
		},
	}
}

// Validate checks that each line of feeds is an http(s) address, that
// there are not too many, and that count is a whole number.
func (news) Validate(_ context.Context, c sdk.Config) error {
	errs := sdk.FieldErrors{}
	if _, err := feedURLs(c["feeds"]); err != nil {
		errs["feeds"] = err.Error()
	}
	if _, err := strconv.Atoi(strings.TrimSpace(c["count"])); err != nil && c["count"] != "" {
		errs["count"] = "must be a whole number"
	}
	if len(errs) > 0 {
		return errs
	}
	return nil
}

// feedURLs reads the feeds field: an address a line, blank lines ignored.
func feedURLs(s string) ([]string, error) {
	var urls []string
	seen := map[string]int{}
	for i, line := range strings.Split(s, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		u, err := url.Parse(line)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("line %d: %q is not an http:// or https:// address", i+1, sdk.Clip(line, 60))
		}
		if j, ok := seen[line]; ok {
			return nil, fmt.Errorf("line %d: the same feed as line %d", i+1, j)
		}
		seen[line] = i + 1
		urls = append(urls, line)
	}
	switch {
	case len(urls) == 0:
		return nil, errors.New("required")
	case len(urls) > maxFeeds:
		return nil, fmt.Errorf("at most %d feeds, not %d", maxFeeds, len(urls))
	}
	return urls, nil
}

// Render fetches the feeds, all at once, and prints what it could read. It
// fails only if it could read none of them.
func (news) Render(ctx context.Context, r sdk.Request) (sdk.Result, error) {
	urls, err := feedURLs(r.Config["feeds"])
	if err != nil {
		return sdk.Result{}, fmt.Errorf("feeds: %w", err)
	}
	count, err := strconv.Atoi(strings.TrimSpace(r.Config["count"]))
	if err != nil || count < 1 {
		count = 5
	}
	summaries := r.Config["summaries"] != "false"
	if r.HTTP == nil {
		return sdk.Result{}, errors.New("the request has no HTTP client")
	}

	feeds := make([]feed, len(urls))
	errs := make([]error, len(urls))
	var wg sync.WaitGroup
	for i, u := range urls {
		wg.Go(func() { feeds[i], errs[i] = fetchFeed(ctx, r.HTTP, u) })
	}
	wg.Wait()

	var failed []string
	for i, err := range errs {
		if err != nil {
			failed = append(failed, urls[i]+": "+err.Error())
		}
	}
	if len(failed) == len(urls) {
		return sdk.Result{}, fmt.Errorf("no feed could be read: %s", strings.Join(failed, "; "))
	}

	// Five feeds of ten long stories are taller than a print may be: print
	// fewer stories of each until the edition fits.
	for n := count; ; n-- {
		doc := edition(r, urls, feeds, errs, failed, n, summaries, n < count)
		if n == 1 {
			return sdk.Print(doc), nil
		}
		if _, err := doc.Render(); !errors.Is(err, sdk.ErrTooTall) {
			return sdk.Print(doc), nil
		}
	}
}

// edition is the document: the feeds that could be read, count stories
// of each, then the ones that could not; cut says stories were left out.
func edition(r sdk.Request, urls []string, feeds []feed, errs []error, failed []string, count int, summaries, cut bool) *sdk.Document {
	doc := sdk.NewDocument().Title("News")
	doc.Blocks = append(doc.Blocks, sdk.ParagraphBlock{Spans: []sdk.Span{sdk.T(r.Time.Format("Monday 2 January"))}, Center: true})
	first := true
	for i, f := range feeds {
		if errs[i] != nil {
			continue
		}
		if !first {
			doc.Rule()
		}
		first = false
		addFeed(doc, urls[i], f, count, summaries)
	}
	if len(failed) > 0 {
		doc.Rule()
		for _, msg := range failed {
			doc.Small(sdk.I("Could not read " + msg + "."))
		}
	}
	if cut {
		doc.Small(sdk.I(fmt.Sprintf("%d stories of each feed, to fit on the paper.", count)))
	}
	return doc
}

// addFeed prints a feed: its title, its first count stories, and where
// they came from.
func addFeed(doc *sdk.Document, address string, f feed, count int, summaries bool) {
	host := hostOf(address)
	title := f.Title
	if title == "" {
		title = host
	}
	doc.Heading(title)
	items := f.Items[:min(count, len(f.Items))]
	switch {
	case len(items) == 0:
		doc.Paragraph(sdk.I("No stories today."))
	case summaries:
		for _, it := range items {
			spans := []sdk.Span{sdk.B(it.Title)}
			if s := shorten(it.Summary, summaryWords); s != "" {
				if it.Title != "" {
					s = "\n" + s
				}
				spans = append(spans, sdk.T(s))
			}
			doc.Paragraph(spans...)
		}
	default:
		l := sdk.ListBlock{}
		for _, it := range items {
			t := it.Title
			if t == "" {
				t = shorten(it.Summary, 12)
			}
			l.Items = append(l.Items, []sdk.Span{sdk.T(t)})
		}
		doc.Blocks = append(doc.Blocks, l)
	}
	doc.Small(sdk.T("via " + host))
}

// hostOf is the host of an address without "www.", for "via" lines.
func hostOf(address string) string {
	u, err := url.Parse(address)
	if err != nil {
		return address
	}
	return strings.TrimPrefix(u.Hostname(), "www.")
}

// fetchFeed gets and parses one feed. Its errors say what went wrong in a
// few words, without the address: the caller adds it.
func fetchFeed(ctx context.Context, client *http.Client, address string) (feed, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, address, nil)
	if err != nil {
		return feed{}, err
	}
	req.Header.Set("Accept", "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.1")
	req.Header.Set("User-Agent", "paperboy-news/1 (a Little Printer server)")
	resp, err := client.Do(req)
	if err != nil {
		return feed{}, fetchError(ctx, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return feed{}, errors.New(statusText(resp))
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxFeedBytes+1))
	if err != nil {
		return feed{}, fetchError(ctx, err)
	}
	if len(data) > maxFeedBytes {
		return feed{}, fmt.Errorf("the feed is larger than %d MB", maxFeedBytes>>20)
	}
	return parseFeed(data)
}

// statusText is "500 Internal Server Error" for an answer's status.
func statusText(resp *http.Response) string {
	if resp.Status != "" {
		return resp.Status
	}
	return fmt.Sprintf("%d %s", resp.StatusCode, http.StatusText(resp.StatusCode))
}

// fetchError says why a fetch failed in words for a subscriber: a
// *url.Error repeats the method and address the caller already names.
func fetchError(ctx context.Context, err error) error {
	if ctx.Err() != nil || errors.Is(err, context.DeadlineExceeded) {
		return errors.New("the site did not answer in time")
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		if ue.Timeout() {
			return errors.New("the site did not answer in time")
		}
		return ue.Err
	}
	return err
}
