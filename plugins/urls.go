package plugins

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"image/png"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"paperboy/plugins/berg"
	"paperboy/sdk"
	"paperboy/sdk/htmlrender"
)

// A URL is a publication that is a web server speaking BERG Cloud's
// contract (plugins/berg): the host asks it for meta.json's form, its
// editions and its sample over HTTP, and renders their HTML itself.
type URL struct {
	Name string
	Base string // the publication's base URL: endpoints are relative to it
	// Owner is the user who added it for their own printers; 0 for
	// everyone's.
	Owner int64
	Meta  berg.Meta
	Icon  []byte // icon.png, or nil
	// Failing says why it is marked as not answering; "" while it
	// answers. FailingSince is when that began.
	Failing      string
	FailingSince time.Time
}

// urlPub is a URL publication as the host runs it.
type urlPub struct {
	URL
	meta   sdk.Meta
	client *berg.Client
	sem    chan struct{} // its calls at once: a small web server is not to be crushed at 08:00
}

// URL publications' defaults.
const (
	// DefaultURLSchedule is when a URL publication's new subscriptions
	// print unless their subscriber says otherwise: BERG delivered once a
	// day, at the hour its subscriber chose.
	DefaultURLSchedule = "0 8 * * *"
	// maxETag is the longest ETag kept as it is; a longer one is kept as
	// its hash (the store has room for 255 characters).
	maxETag = 200
)

// ConfigErrors is a URL publication's refusal of a config: its own
// sentences, a flat list, as BERG's /validate_config/ gives them.
type ConfigErrors []string

func (e ConfigErrors) Error() string { return "config: " + strings.Join(e, " ") }

// SetURLs replaces the URL publications the host serves by those given
// (the store's, read again by the server every minute and after every
// change). A URL publication named as a plugin's publication is left out:
// the plugin's wins.
func (h *Host) SetURLs(us []URL) {
	h.mu.Lock()
	defer h.mu.Unlock()
	next := make(map[string]*urlPub, len(us))
	shadowed := map[string]string{}
	for _, u := range us {
		if _, taken := h.plugins[u.Name]; taken {
			if h.shadowed[u.Name] != u.Base { // said once, not every minute
				h.log.Warn("a plugin's publication has the name of a URL publication: the plugin's is served", "publication", u.Name, "url", u.Base)
			}
			shadowed[u.Name] = u.Base
			continue
		}
		p := &urlPub{URL: u, meta: u.Meta.SDK(u.Name)}
		p.meta.Schedule = DefaultURLSchedule
		if old := h.urls[u.Name]; old != nil && old.Base == u.Base {
			// The same publication: it keeps its client and its turns.
			p.client, p.sem = old.client, old.sem
		} else {
			c, err := berg.NewClient(u.Base, h.cfg.HTTP, UserAgent)
			if err != nil {
				h.log.Error("URL publication left out", "publication", u.Name, "url", u.Base, slog.Any("error", err))
				continue
			}
			p.client, p.sem = c, make(chan struct{}, h.cfg.Concurrency)
		}
		next[u.Name] = p
	}
	h.urls, h.shadowed = next, shadowed
}

// UserAgent is how the host names itself to the sites it fetches from.
var UserAgent = "paperboy (Little Printer server; BERG Cloud publication API 1.0)"

func (h *Host) urlPub(name string) *urlPub {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.urls[name]
}

// info is what the catalogue shows of a URL publication.
func (p *urlPub) info() Info {
	return Info{Meta: p.meta, URL: p.Base, Owner: p.Owner, DeliveredOn: p.Meta.DeliveredOn,
		DescriptionHTML: berg.Description(p.Meta.Description), HasIcon: len(p.Icon) > 0, Icon: p.Icon,
		Running: p.Failing == "", LastError: p.Failing, FailingSince: p.FailingSince}
}

// sent is a config as the publication is sent it: a box that is not
// ticked is left out, as a web form leaves it out (BERG never said how it
// sent them; a publication that asks isset() reads any value as ticked).
func (p *urlPub) sent(cfg sdk.Config) sdk.Config {
	out := make(sdk.Config, len(cfg))
	for _, f := range p.Meta.Fields {
		if v, ok := cfg[f.Name]; ok && !(f.Type == berg.TypeCheckbox && v != "true") {
			out[f.Name] = v
		}
	}
	return out
}

// acquire waits for a turn to call the publication.
func (p *urlPub) acquire(ctx context.Context) (func(), error) {
	select {
	case p.sem <- struct{}{}:
		return func() { <-p.sem }, nil
	case <-ctx.Done():
		return nil, &Error{p.Name, "too busy: " + ctx.Err().Error(), ctx.Err()}
	}
}

// validateURL asks a URL publication's /validate_config/ about a config
// the form's rules passed: its sentences come back as ConfigErrors.
func (h *Host) validateURL(ctx context.Context, p *urlPub, cfg sdk.Config, extra url.Values) error {
	release, err := p.acquire(ctx)
	if err != nil {
		return err
	}
	defer release()
	ctx, cancel := context.WithTimeout(ctx, h.cfg.CallTimeout)
	defer cancel()
	sent := p.sent(cfg)
	for k := range extra {
		sent[k] = extra.Get(k)
	}
	errs, err := p.client.ValidateConfig(ctx, sent, extra)
	if err != nil {
		return &Error{p.Name, err.Error(), err}
	}
	if len(errs) > 0 {
		return ConfigErrors(errs)
	}
	return nil
}

// renderURL fetches a URL publication's edition (or its sample) and renders
// its HTML. An edition whose ETag is the last printed one's is nothing new.
func (h *Host) renderURL(ctx context.Context, p *urlPub, a sdk.RenderArgs) (sdk.Output, error) {
	release, err := p.acquire(ctx)
	if err != nil {
		return sdk.Output{}, err
	}
	defer release()
	ctx, cancel := context.WithTimeout(ctx, h.cfg.CallTimeout)
	defer cancel()
	var ed berg.Edition
	if a.Sample {
		ed, err = p.client.Sample(ctx)
	} else {
		ed, err = p.client.Edition(ctx, berg.EditionRequest{Config: p.sent(a.Config), Time: a.Time, SendTime: p.Meta.SendTimezoneInfo,
			Count: a.Count, SendCount: p.Meta.SendDeliveryCount})
	}
	if err != nil {
		return sdk.Output{}, &Error{p.Name, err.Error(), err}
	}
	switch ed.Kind {
	case berg.Nothing:
		return sdk.Output{NothingToday: true}, nil
	case berg.Finished:
		return sdk.Output{Finished: "the publication has ended: its last edition has been sent (it answered 410 Gone); subscribe again to start from the first"}, nil
	}
	etag := keptETag(ed.ETag)
	if !a.Sample && etag != "" && etag == a.LastETag {
		return sdk.Output{NothingToday: true}, nil // BERG's rule: the same ETag is the same edition
	}
	out, err := h.htmlEdition(ctx, p.Name, htmlrender.Page{HTML: ed.HTML, URL: ed.URL})
	out.ETag = etag
	return out, err
}

// htmlEdition is a publication's HTML edition rendered with the host's
// engine, a URL publication's or a plugin's: its failure is the
// publication's.
func (h *Host) htmlEdition(ctx context.Context, name string, page htmlrender.Page) (sdk.Output, error) {
	png, err := h.RenderHTML(ctx, page)
	if err != nil {
		return sdk.Output{}, &Error{name, "its edition could not be rendered: " + err.Error(), err}
	}
	return sdk.Output{PNG: png}, nil
}

// keptETag is an ETag as a subscription keeps it: normalised (berg), and a
// long one as its hash.
func keptETag(etag string) string {
	if len(etag) <= maxETag {
		return etag
	}
	sum := sha256.Sum256([]byte(etag))
	return "sha256:" + hex.EncodeToString(sum[:])
}

// RenderHTML renders HTML with the host's engine, fetching what it refers
// to under the host's HTTP policy: a message's or a print key's HTML.
func (h *Host) RenderHTML(ctx context.Context, page htmlrender.Page) ([]byte, error) {
	img, err := h.html.Render(ctx, page)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(&buf, img); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// ErrNotURL is returned, wrapped, for a name that is no URL publication.
var ErrNotURL = errors.New("not a URL publication")

// URLIcon is a URL publication's icon.png, or ErrNotURL.
func (h *Host) URLIcon(name string) ([]byte, error) {
	p := h.urlPub(name)
	if p == nil || len(p.Icon) == 0 {
		return nil, fmt.Errorf("plugins: %q: %w", name, ErrNotURL)
	}
	return p.Icon, nil
}

// URLOwner is the user who added a URL publication for their own
// printers; 0 for everyone's, and for a plugin's publication.
func (h *Host) URLOwner(name string) int64 {
	if p := h.urlPub(name); p != nil {
		return p.Owner
	}
	return 0
}

// HTTPPolicy is the policy the host fetches under: what URL publications
// are read with, wherever they are read.
func (h *Host) HTTPPolicy() sdk.HTTPPolicy { return h.cfg.HTTP }

// pluginHTML renders a plugin's HTML edition with the host's engine, as a
// URL publication's is: its failures are the publication's.
func (h *Host) pluginHTML(ctx context.Context, name string, out sdk.Output) (sdk.Output, error) {
	var base *url.URL
	if out.BaseURL != "" {
		u, err := url.Parse(out.BaseURL)
		if err != nil || !u.IsAbs() {
			return sdk.Output{}, &Error{name, fmt.Sprintf("its HTML edition's base URL %q is not an absolute address", out.BaseURL), err}
		}
		base = u
	}
	return h.htmlEdition(ctx, name, htmlrender.Page{HTML: out.HTML, URL: base})
}
