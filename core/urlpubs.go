package core

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"regexp"
	"strings"
	"time"

	"paperboy/plugins"
	"paperboy/plugins/berg"
	"paperboy/sdk"
	"paperboy/store"
)

// URL publications (issue 16): a web server speaking BERG Cloud's contract
// is a publication. An operator adds one for everyone with "paperboy
// publication add URL"; a user adds one for their own printers, in the web
// app or the API, which is how an author tries theirs. They are kept in
// the store, so every instance sharing it serves them: each loads them
// every minute (LoadURLPublications) and after its own changes.

// URLAdd is a URL publication to add.
type URLAdd struct {
	URL string
	// Name is the name it goes by; "" for a slug of meta.json's name.
	Name string
	// Owner is the user adding it for their own printers; 0 for an
	// operator's, which is everyone's.
	Owner int64
	// Taken reports whether a name is a plugin's publication.
	Taken func(name string) bool
	// HTTP is the policy meta.json is read under: the plugins' (an
	// operator's --plugin-allow-private included).
	HTTP sdk.HTTPPolicy
	// Now is the present moment, that of the test edition; zero for the
	// machine's clock.
	Now time.Time
}

// URLAdded is a URL publication added, and what its first test edition
// said: BERG's validator asked for one (test=true) the same way.
type URLAdded struct {
	Publication store.URLPublication
	Meta        berg.Meta
	// Check is "" when the test edition came back, or why it did not: a
	// warning, not a refusal (BERG's Hello World answers 400 to a test
	// without its config).
	Check string
	// Credentials are a push publication's, to push with: shown once.
	Credentials *PushCredentials
}

var publicationNameRE = regexp.MustCompile(`^[a-z][a-z0-9-]{0,31}$`)

// maxURLPublicationsPerUser is how many URL publications one user may add:
// an author tries a few, not a thousand.
const maxURLPublicationsPerUser = 20

// AddURLPublication reads a publication's meta.json, checks it, and stores
// the publication under its name. Errors name the field they are about
// ("url", "name").
func AddURLPublication(ctx context.Context, st *store.Store, a URLAdd) (URLAdded, error) {
	u, err := url.Parse(strings.TrimSpace(a.URL))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		return URLAdded{}, errField("url", fmt.Sprintf("%q is not an http:// or https:// address", a.URL))
	}
	u.Fragment, u.RawFragment = "", ""
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
		u.RawPath = ""
	}
	if len(u.String()) > 2000 {
		return URLAdded{}, errField("url", "the address is longer than 2,000 characters")
	}
	if a.Name != "" && !publicationNameRE.MatchString(a.Name) {
		return URLAdded{}, errField("name", fmt.Sprintf("the name %q: use lower-case letters, digits and dashes, starting with a letter, at most 32", a.Name))
	}
	if a.Owner != 0 {
		n, err := st.CountURLPublications(ctx, a.Owner)
		if err != nil {
			return URLAdded{}, err
		}
		if n >= maxURLPublicationsPerUser {
			return URLAdded{}, errConflict(fmt.Sprintf("you have added %d publications, the most one account may: remove one first", n))
		}
	}
	c, err := berg.NewClient(u.String(), a.HTTP, plugins.UserAgent)
	if err != nil {
		return URLAdded{}, errField("url", err.Error())
	}
	mr, err := c.Meta(ctx, "")
	if err != nil {
		return URLAdded{}, errField("url", "could not read its meta.json: "+fetchError(err))
	}
	if mr.Meta.ExternalConfiguration {
		// Its subscribers would have to go through its /configure/ (an
		// OAuth sign-in, mostly) and come back with what it gives them:
		// paperboy has no such round trip yet, and its editions would fail.
		return URLAdded{}, errField("url", fmt.Sprintf("%q needs its own configuration step (external_configuration, /configure/), which this server does not offer yet", mr.Meta.Name))
	}
	name := a.Name
	if name == "" {
		name = berg.Slug(mr.Meta.Name)
		if name == "" {
			return URLAdded{}, errField("name", fmt.Sprintf("the publication's name %q gives no name to go by: choose one (--name)", mr.Meta.Name))
		}
	}
	taken := func() error {
		return &fieldError{"name", &httpError{status: 409, code: CodeConflict,
			msg: fmt.Sprintf("the name %q is taken: choose another (--name NAME)", name)}}
	}
	if a.Taken != nil && a.Taken(name) {
		return URLAdded{}, taken()
	}
	icon, _ := c.Icon(ctx) // an icon is for show: without one, the catalogue shows none
	p := store.URLPublication{Name: name, URL: u.String(), Owner: a.Owner, Meta: mr.Raw, MetaETag: mr.ETag, Icon: icon}
	if err := st.CreateURLPublication(ctx, p); errors.Is(err, store.ErrConflict) {
		return URLAdded{}, taken()
	} else if err != nil {
		return URLAdded{}, err
	}
	out := URLAdded{Publication: p, Meta: mr.Meta}
	if mr.Meta.Push {
		// It pushes its editions: it needs credentials to sign them with,
		// and asks for none (a push publication has no /edition/).
		c, err := NewPushCredentials(ctx, st, name)
		if err != nil {
			return out, err
		}
		out.Credentials = &c
		return out, nil
	}
	// The test edition, as BERG's validator asked for it: now, the first.
	now := a.Now
	if now.IsZero() {
		now = time.Now()
	}
	now = now.UTC()
	if _, err := c.Edition(ctx, berg.EditionRequest{Time: now, SendTime: mr.Meta.SendTimezoneInfo, SendCount: mr.Meta.SendDeliveryCount, Test: true}); err != nil {
		out.Check = fetchError(err)
	}
	return out, nil
}

// fetchError is a fetch's error as its reader is told it: a private
// address says how an operator may allow it.
func fetchError(err error) string {
	if errors.Is(err, sdk.ErrPrivateAddress) {
		return err.Error() + " (an operator may allow loopback and the LAN with paperboy serve --plugin-allow-private)"
	}
	return err.Error()
}

// urlsOf are the store's URL publications as the plugin host serves them;
// one whose stored meta.json no longer parses is left out, and logged.
func urlsOf(ps []store.URLPublication, log *slog.Logger) []plugins.URL {
	out := make([]plugins.URL, 0, len(ps))
	for _, p := range ps {
		m, err := berg.ParseMeta(p.Meta)
		if err != nil {
			log.Error("URL publication left out: its meta.json", "publication", p.Name, slog.Any("error", err))
			continue
		}
		out = append(out, plugins.URL{Name: p.Name, Base: p.URL, Owner: p.Owner, Meta: m, Icon: p.Icon,
			Failing: p.LastError, FailingSince: p.FailingSince})
	}
	return out
}

// LoadURLPublications reads the URL publications from the store into the
// plugin host: at start, every minute (housekeeping: another instance may
// have added one) and after this one's changes.
func (s *Server) LoadURLPublications(ctx context.Context) (int64, error) {
	if s.plugins == nil {
		return 0, nil
	}
	ps, err := s.store.URLPublications(ctx)
	if err != nil {
		return 0, err
	}
	s.plugins.SetURLs(urlsOf(ps, s.log))
	return int64(len(ps)), nil
}

// wholeReadHour is the hour (UTC) of the day's refresh that reads every
// meta.json whole, not asking with its ETag.
const wholeReadHour = 3

// RefreshURLPublications reads every URL publication's meta.json again,
// asking with its ETag: a changed one is kept (and its icon read again), a
// publication that does not answer is marked so in the catalogue, not
// dropped. It is housekeeping, every hour. It returns how many answered.
func (s *Server) RefreshURLPublications(ctx context.Context) (int64, error) {
	if s.plugins == nil {
		return 0, nil
	}
	ps, err := s.store.URLPublications(ctx)
	if err != nil {
		return 0, err
	}
	var ok int64
	var errs []error
	for _, p := range ps {
		if err := ctx.Err(); err != nil {
			return ok, err
		}
		if err := s.refreshURL(ctx, p); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", p.Name, err))
			continue
		}
		ok++
	}
	if _, err := s.LoadURLPublications(ctx); err != nil {
		errs = append(errs, err)
	}
	return ok, errors.Join(errs...)
}

func (s *Server) refreshURL(ctx context.Context, p store.URLPublication) error {
	c, err := berg.NewClient(p.URL, s.plugins.HTTPPolicy(), plugins.UserAgent)
	if err != nil {
		return err
	}
	// Once a day (the run of 03:xx UTC) it is read whole even if its ETag
	// would say it is the same: a server may keep an ETag for changed
	// content.
	etag := p.MetaETag
	if s.now().UTC().Hour() == wholeReadHour {
		etag = ""
	}
	mr, err := c.Meta(ctx, etag)
	if err != nil {
		if ctx.Err() != nil {
			return err
		}
		failure := errors.New("its meta.json: " + fetchError(err))
		if serr := s.store.URLPublicationChecked(ctx, p.Name, nil, "", nil, failure); serr != nil {
			return serr
		}
		return failure
	}
	if mr.NotModified {
		return s.store.URLPublicationChecked(ctx, p.Name, nil, "", nil, nil)
	}
	icon, _ := c.Icon(ctx)
	return s.store.URLPublicationChecked(ctx, p.Name, mr.Raw, mr.ETag, icon, nil)
}
