package berg

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	_ "image/png" // icons are PNGs
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"paperboy/sdk"
)

// Limits of what a publication answers.
const (
	MaxEditionBytes  = 2 << 20
	MaxIconBytes     = 64 << 10
	MaxIconSide      = 512
	maxValidateBytes = 64 << 10
	maxDetailBytes   = 64 << 10 // of an error page read for its reason
	maxRedirects     = 5
	maxErrors        = 20  // a validation answer's errors kept
	maxErrorLen      = 300 // characters of one
	maxDetailLen     = 200 // characters of an error's reason
)

// DefaultUserAgent is sent when a Client has no UserAgent.
const DefaultUserAgent = "paperboy (a BERG Cloud-compatible Little Printer server)"

// TimeLayout is local_delivery_time's: ISO 8601 with a numeric offset, no
// Z and no fractions of a second. Publishers cut the last six characters
// off or parsed it with strptime, so nothing else will do.
const TimeLayout = "2006-01-02T15:04:05-07:00"

// Client speaks to one publication as BERG Cloud did. Its endpoints are
// relative to Base, as BERG's were: Base http://h/pub/ has its edition at
// http://h/pub/edition/.
//
// Whatever HTTP is, the Client follows at most 5 redirects and sends no
// Referer: Sinatra's protection answers 403 to a JSON request that carries
// one from another site, and a redirect would add one.
type Client struct {
	HTTP      *http.Client // sdk.NewHTTPClient's, for its timeout, size cap and refusal of private addresses
	Base      *url.URL     // absolute, http or https, its path ending in a slash
	UserAgent string       // DefaultUserAgent if ""
}

// NewClient is a Client for the publication at base, fetching as policy
// says. base must be an absolute http or https URL without a query; a
// slash is added to its path if it has none at the end.
func NewClient(base string, policy sdk.HTTPPolicy, userAgent string) (*Client, error) {
	u, err := ParseBase(base)
	if err != nil {
		return nil, err
	}
	return &Client{HTTP: sdk.NewHTTPClient(policy), Base: u, UserAgent: userAgent}, nil
}

// ParseBase checks a publication's address and makes its path end in a
// slash, so that endpoints resolve under it.
func ParseBase(base string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(base))
	if err != nil {
		return nil, fmt.Errorf("the publication's address: %v", err)
	}
	u.Scheme = strings.ToLower(u.Scheme)
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, fmt.Errorf("the publication's address %q: want an http:// or https:// address", base)
	case u.Host == "":
		return nil, fmt.Errorf("the publication's address %q has no host", base)
	case u.RawQuery != "" || u.ForceQuery:
		return nil, fmt.Errorf("the publication's address %q has a query: BERG's endpoints are paths under it", base)
	case u.User != nil:
		return nil, fmt.Errorf("the publication's address %q has a user name or password", base)
	}
	u.Fragment, u.RawFragment = "", ""
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
		if u.RawPath != "" {
			u.RawPath += "/"
		}
	}
	return u, nil
}

// Kind is what an edition request came to.
type Kind int

// The kinds of answer to an edition request. The zero Kind is none of
// them, so that a zero Edition does not read as one to print.
const (
	// Print: there is an edition to print (200 with HTML).
	Print Kind = iota + 1
	// Nothing to print today (204, or a 200 with an empty body).
	Nothing
	// Finished: the subscription has ended (410).
	Finished
)

func (k Kind) String() string {
	switch k {
	case Print:
		return "print"
	case Nothing:
		return "nothing"
	case Finished:
		return "finished"
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// Edition is a publication's answer to an edition or sample request.
type Edition struct {
	Kind Kind
	HTML []byte // for Print
	// ETag is the answer's, normalised (NormalizeETag), for a 200 only:
	// BERG's publications sent one with errors too, where it means
	// nothing. An empty 200 may have one; it still prints nothing.
	ETag string
	// URL is where the edition was found, after redirects: relative
	// addresses in it are relative to this.
	URL         *url.URL
	ContentType string // as the publication said, or as sniffed if it did not
}

// EditionRequest is what an edition is asked for with.
type EditionRequest struct {
	// Config is sent as query parameters, each value under its field's
	// name. It must not use the names of the parameters below.
	Config map[string]string
	// Time is the delivery's moment, sent as local_delivery_time in
	// Time's own location when SendTime (meta.json's send_timezone_info).
	Time     time.Time
	SendTime bool
	// Count is how many editions the subscription has had before, sent as
	// delivery_count when SendCount (send_delivery_count).
	Count     int
	SendCount bool
	// Test sends test=true, as BERG's validator did.
	Test bool
}

// Query is the query string of the request, as BERG Cloud sent it: config
// values under their names, local_delivery_time, delivery_count and test,
// sorted by name, the + of an offset encoded as %2B.
func (r EditionRequest) Query() (url.Values, error) {
	q := url.Values{}
	for k, v := range r.Config {
		if reservedParams[k] {
			return nil, fmt.Errorf("the config has a value named %q, which paperboy sends itself", k)
		}
		q.Set(k, v)
	}
	if r.SendTime {
		if r.Time.IsZero() {
			return nil, errors.New("no time for local_delivery_time")
		}
		q.Set("local_delivery_time", r.Time.Format(TimeLayout))
	}
	if r.SendCount {
		if r.Count < 0 {
			return nil, fmt.Errorf("delivery_count %d: it counts from 0", r.Count)
		}
		q.Set("delivery_count", strconv.Itoa(r.Count))
	}
	if r.Test {
		q.Set("test", "true")
	}
	return q, nil
}

// StatusError is an answer with a status that is not part of the
// contract, such as 400, 500 or 502.
type StatusError struct {
	Code   int
	Status string // "500 Internal Server Error"
	// Detail is the start of the answer's text, if it was text/plain or
	// text/html: the publication's reason, on one line.
	Detail string
}

func (e *StatusError) Error() string {
	s := "the publication answered " + e.Status
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	return s
}

// MetaResult is the answer to a meta.json request.
type MetaResult struct {
	// NotModified: the publication answered 304 to the ETag given; the
	// other fields are empty.
	NotModified bool
	Meta        Meta
	Raw         []byte // the JSON as served
	ETag        string // normalised
	URL         *url.URL
}

// Meta fetches and reads meta.json. With an etag from an earlier answer it
// asks only for a changed one, and reports NotModified when it has not
// changed.
func (c *Client) Meta(ctx context.Context, etag string) (MetaResult, error) {
	const what = "meta.json"
	req, err := c.request(ctx, http.MethodGet, what, nil)
	if err != nil {
		return MetaResult{}, fmt.Errorf("%s: %w", what, err)
	}
	if etag = NormalizeETag(etag); etag != "" {
		req.Header.Set("If-None-Match", `"`+etag+`"`)
	}
	resp, err := c.do(req)
	if err != nil {
		return MetaResult{}, c.fetchError(ctx, what, err)
	}
	defer resp.Body.Close()
	if etag != "" && resp.StatusCode == http.StatusNotModified {
		return MetaResult{NotModified: true}, nil
	}
	if resp.StatusCode != http.StatusOK {
		return MetaResult{}, fmt.Errorf("%s: %w", what, statusError(resp))
	}
	raw, err := readAtMost(resp.Body, MaxMetaBytes, "")
	if err != nil {
		return MetaResult{}, c.fetchError(ctx, what, err)
	}
	m, err := ParseMeta(raw)
	if err != nil {
		return MetaResult{}, err
	}
	return MetaResult{Meta: m, Raw: raw, ETag: NormalizeETag(resp.Header.Get("ETag")), URL: resp.Request.URL}, nil
}

// Edition asks for an edition. Its errors are for a subscriber to read:
// "the publication answered 500 Internal Server Error: …".
func (c *Client) Edition(ctx context.Context, r EditionRequest) (Edition, error) {
	q, err := r.Query()
	if err != nil {
		return Edition{}, err
	}
	return c.edition(ctx, "", "edition/", q)
}

// Sample asks for the sample edition, with no parameters, as BERG showed
// it in Remote and printed it for "Print a sample". Its errors start with
// "sample: ".
func (c *Client) Sample(ctx context.Context) (Edition, error) {
	return c.edition(ctx, "sample", "sample/", nil)
}

// edition asks for an edition at path, and at path without its slash when
// that is not found: some publications routed only /edition.
func (c *Client) edition(ctx context.Context, what, path string, q url.Values) (Edition, error) {
	e, err := c.editionAt(ctx, what, path, q)
	var se *StatusError
	if errors.As(err, &se) && se.Code == http.StatusNotFound {
		e, err = c.editionAt(ctx, what, strings.TrimSuffix(path, "/"), q)
	}
	return e, err
}

func (c *Client) editionAt(ctx context.Context, what, path string, q url.Values) (Edition, error) {
	req, err := c.request(ctx, http.MethodGet, path, nil)
	if err != nil {
		return Edition{}, prefixed(what, err)
	}
	req.URL.RawQuery = q.Encode()
	resp, err := c.do(req)
	if err != nil {
		return Edition{}, c.fetchError(ctx, what, err)
	}
	defer resp.Body.Close()
	e := Edition{URL: resp.Request.URL}
	switch resp.StatusCode {
	case http.StatusOK:
	case http.StatusNoContent:
		e.Kind = Nothing
		return e, nil
	case http.StatusGone:
		e.Kind = Finished
		return e, nil
	default:
		return Edition{}, prefixed(what, statusError(resp))
	}
	body, err := readAtMost(resp.Body, MaxEditionBytes, "the edition")
	if err != nil {
		return Edition{}, c.fetchError(ctx, what, err)
	}
	e.ETag = NormalizeETag(resp.Header.Get("ETag"))
	e.ContentType = resp.Header.Get("Content-Type")
	if len(bytes.TrimSpace(body)) == 0 {
		// Before 204 was the rule, BERG's own publications said "nothing
		// today" with an empty 200.
		e.Kind = Nothing
		return e, nil
	}
	sniffed := http.DetectContentType(body)
	if e.ContentType == "" {
		e.ContentType = sniffed
	}
	if !isHTML(e.ContentType) && !isHTML(sniffed) {
		return Edition{}, prefixed(what, fmt.Errorf("the publication answered with %s, not HTML", mediaType(e.ContentType)))
	}
	e.Kind = Print
	e.HTML = body
	return e, nil
}

// Icon fetches icon.png: a PNG of at most 64 KB and 512 × 512 pixels
// (BERG's were 55 × 55).
func (c *Client) Icon(ctx context.Context) ([]byte, error) {
	const what = "icon.png"
	req, err := c.request(ctx, http.MethodGet, what, nil)
	if err != nil {
		return nil, prefixed(what, err)
	}
	resp, err := c.do(req)
	if err != nil {
		return nil, c.fetchError(ctx, what, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, prefixed(what, statusError(resp))
	}
	data, err := readAtMost(resp.Body, MaxIconBytes, "the icon")
	if err != nil {
		return nil, c.fetchError(ctx, what, err)
	}
	if !bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")) {
		return nil, fmt.Errorf("%s: not a PNG", what)
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil || format != "png" {
		return nil, fmt.Errorf("%s: a broken PNG: %v", what, err)
	}
	if cfg.Width < 1 || cfg.Height < 1 || cfg.Width > MaxIconSide || cfg.Height > MaxIconSide {
		return nil, fmt.Errorf("%s: %d × %d pixels: want at most %d × %d (55 × 55 is BERG's size)", what, cfg.Width, cfg.Height, MaxIconSide, MaxIconSide)
	}
	return data, nil
}

// ValidateConfig asks the publication whether it accepts a config: a form
// POST of config=<the config as a JSON object>, plus extra as top-level
// fields (push publications read subscription_id and endpoint there). It
// returns the publication's errors, each for a subscriber to read, or nil
// when it accepts the config or has no /validate_config/ (the endpoint is
// optional: 404 or 405).
func (c *Client) ValidateConfig(ctx context.Context, cfg map[string]string, extra url.Values) ([]string, error) {
	const what = "validate_config"
	form := url.Values{}
	for k, v := range extra {
		if k == "config" {
			return nil, fmt.Errorf("%s: an extra field named config", what)
		}
		form[k] = v
	}
	if cfg == nil {
		cfg = map[string]string{}
	}
	var js bytes.Buffer
	enc := json.NewEncoder(&js)
	// As other servers wrote it: a publication that strips slashes (PHP's
	// magic quotes) would break \u003c.
	enc.SetEscapeHTML(false)
	if err := enc.Encode(cfg); err != nil {
		return nil, fmt.Errorf("%s: %v", what, err)
	}
	form.Set("config", strings.TrimSpace(js.String()))
	req, err := c.request(ctx, http.MethodPost, "validate_config/", strings.NewReader(form.Encode()))
	if err != nil {
		return nil, prefixed(what, err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := c.do(req)
	if err != nil {
		return nil, c.fetchError(ctx, what, err)
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK:
	case http.StatusNotFound, http.StatusMethodNotAllowed, http.StatusNotImplemented:
		// The endpoint is optional: a server without it (Python's
		// http.server answers a POST it has no handler for with 501)
		// accepts every config.
		return nil, nil
	case http.StatusInternalServerError:
		// BERG's examples fail so when a key is missing from the config,
		// rather than answer valid: false.
		se := statusError(resp)
		return nil, fmt.Errorf("%s: the publication could not check this config: it answered %s", what, strings.TrimPrefix(se.Error(), "the publication answered "))
	default:
		return nil, prefixed(what, statusError(resp))
	}
	body, err := readAtMost(resp.Body, maxValidateBytes, "the answer")
	if err != nil {
		return nil, c.fetchError(ctx, what, err)
	}
	return validation(body)
}

// validation reads {"valid": true} or {"valid": false, "errors": [...]}.
func validation(body []byte) ([]string, error) {
	var ans struct {
		Valid  json.RawMessage
		Errors json.RawMessage
	}
	if err := json.Unmarshal(body, &ans); err != nil || ans.Valid == nil {
		return nil, errors.New(`validate_config: the publication's answer is not {"valid": true} or {"valid": false, "errors": [...]}`)
	}
	valid, err := boolOf(ans.Valid, "valid")
	if err != nil {
		return nil, fmt.Errorf("validate_config: %v", err)
	}
	if valid {
		return nil, nil
	}
	var list []string
	var one string
	switch {
	case isNull(ans.Errors):
	case json.Unmarshal(ans.Errors, &list) == nil:
	case json.Unmarshal(ans.Errors, &one) == nil:
		list = []string{one}
	default:
		return nil, errors.New("validate_config: the publication's errors are not a list of strings")
	}
	var out []string
	for _, e := range list {
		if e = oneLine(e); e == "" {
			continue
		}
		out = append(out, clip(e, maxErrorLen))
		if len(out) == maxErrors {
			break
		}
	}
	if len(out) == 0 {
		out = []string{"the publication refused this config"}
	}
	return out, nil
}

// request is a request for an endpoint under Base.
func (c *Client) request(ctx context.Context, method, path string, body io.Reader) (*http.Request, error) {
	if c.Base == nil || !c.Base.IsAbs() {
		return nil, errors.New("the client has no publication address")
	}
	u := c.Base.ResolveReference(&url.URL{Path: path})
	req, err := http.NewRequestWithContext(ctx, method, u.String(), body)
	if err != nil {
		return nil, err
	}
	ua := c.UserAgent
	if ua == "" {
		ua = DefaultUserAgent
	}
	req.Header.Set("User-Agent", ua)
	return req, nil
}

// do sends a request with the client's HTTP client, following redirects
// BERG's way.
func (c *Client) do(req *http.Request) (*http.Response, error) {
	hc := http.Client{}
	if c.HTTP != nil {
		hc = *c.HTTP
	}
	hc.CheckRedirect = checkRedirect
	return hc.Do(req)
}

// checkRedirect follows at most 5 redirects and drops the Referer the
// client adds to each.
func checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) > maxRedirects {
		return fmt.Errorf("more than %d redirects", maxRedirects)
	}
	req.Header.Del("Referer")
	return nil
}

// timeout is the client's time for a request, for messages.
func (c *Client) timeout() time.Duration {
	if c.HTTP != nil {
		return c.HTTP.Timeout
	}
	return 0
}

// fetchError says in words why a request got no answer, or no whole one.
func (c *Client) fetchError(ctx context.Context, what string, err error) error {
	var ne net.Error
	var tooBig *tooBigError
	switch {
	case errors.As(err, &tooBig):
		return prefixed(what, err)
	case errors.Is(err, sdk.ErrPrivateAddress):
		host := "its address"
		var ue *url.Error
		if errors.As(err, &ue) {
			if u, perr := url.Parse(ue.URL); perr == nil {
				host = u.Hostname()
			}
		}
		return prefixed(what, fmt.Errorf("the publication is at a private address (%s), which paperboy does not fetch: %w", host, sdk.ErrPrivateAddress))
	case ctx.Err() == context.Canceled:
		return prefixed(what, fmt.Errorf("the request was cancelled: %w", ctx.Err()))
	case ctx.Err() == context.DeadlineExceeded:
		return prefixed(what, fmt.Errorf("the publication did not answer in time: %w", ctx.Err()))
	case errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout():
		if t := c.timeout(); t > 0 {
			return prefixed(what, fmt.Errorf("the publication did not answer in %s", t))
		}
		return prefixed(what, errors.New("the publication did not answer in time"))
	}
	var ue *url.Error
	if !errors.As(err, &ue) {
		// The answer came but broke off, or was over the policy's cap.
		return prefixed(what, fmt.Errorf("the answer could not be read: %w", err))
	}
	// "Get "http://…": dial tcp: …" says the address twice over.
	return prefixed(what, fmt.Errorf("could not reach the publication: %w", ue.Err))
}

// prefixed puts what the request was for in front of an error, unless it
// is "" (editions, whose errors a subscriber reads).
func prefixed(what string, err error) error {
	if what == "" {
		return err
	}
	return fmt.Errorf("%s: %w", what, err)
}

// tooBigError is an answer over a limit.
type tooBigError struct {
	what  string
	limit int
}

func (e *tooBigError) Error() string {
	if e.what == "" {
		return "larger than " + size(e.limit)
	}
	return fmt.Sprintf("%s is larger than %s", e.what, size(e.limit))
}

func size(n int) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return strconv.Itoa(n>>20) + " MB"
	}
	return strconv.Itoa(n>>10) + " KB"
}

// readAtMost reads a body of at most limit bytes; what names it in the
// error beyond, if not "".
func readAtMost(r io.Reader, limit int, what string) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, int64(limit)+1))
	if err != nil {
		return nil, err
	}
	if len(data) > limit {
		return nil, &tooBigError{what, limit}
	}
	return data, nil
}

// statusError is the error for an answer's status, with the start of its
// text as the reason.
func statusError(resp *http.Response) *StatusError {
	e := &StatusError{Code: resp.StatusCode, Status: resp.Status}
	if t := http.StatusText(resp.StatusCode); t != "" {
		e.Status = strconv.Itoa(resp.StatusCode) + " " + t
	}
	data, _ := io.ReadAll(io.LimitReader(resp.Body, maxDetailBytes))
	if len(data) == 0 {
		return e
	}
	ct := resp.Header.Get("Content-Type")
	if ct == "" {
		ct = http.DetectContentType(data)
	}
	var text string
	switch mediaType(ct) {
	case "text/plain":
		text = string(data)
	case "text/html":
		text = plainText(bytes.NewReader(data), true)
	default:
		return e
	}
	e.Detail = clip(oneLine(text), maxDetailLen)
	return e
}

// oneLine is s with its runs of white space and control characters made
// single spaces, and invalid UTF-8 replaced.
func oneLine(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool {
		return isSpace(r) || r < 0x20 || r == 0x7f
	}), " ")
}

// mediaType is a Content-Type without its parameters, in lower case.
func mediaType(ct string) string {
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		mt, _, _ = strings.Cut(ct, ";")
		mt = strings.ToLower(strings.TrimSpace(mt))
	}
	if mt == "" {
		return "no content type"
	}
	return mt
}

func isHTML(ct string) bool {
	mt := mediaType(ct)
	return mt == "text/html" || mt == "application/xhtml+xml"
}
