package bergtest

import (
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
)

// StringBools is a third party's publication as PHP generators wrote
// them: every boolean of its meta.json a string, API version "0.1", a
// check_box and a radio field. Its edition prints the parameters it got.
// It answers /edition/ and /sample/ with or without the slash, as
// publications that routed '/edition/?' did, unless SlashlessOnly.
type StringBools struct {
	recorder
	// SlashlessOnly: only /edition and /sample are routed, and the
	// documented /edition/ and /sample/ are 404.
	SlashlessOnly atomic.Bool
}

// StringBoolsMeta is its meta.json.
const StringBoolsMeta = `{"owner_email":"php@example.com","publication_api_version":"0.1","name":"Quoted Booleans","description":"Made with a PHP framework","delivered_on":"every day","external_configuration":"false","send_timezone_info":"true","send_delivery_count":"false","config":{"fields":[{"type":"check_box","name":"pictures","label":"Include pictures"},{"type":"radio","name":"size","label":"Size","options":[["Small","small"],["Large","large"]]}]}}`

func (p *StringBools) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.record(r)
	path := r.URL.Path
	switch {
	case path == "/meta.json":
		writeMeta(w, StringBoolsMeta)
	case path == "/icon.png":
		writePNG(w, Icon())
	case p.SlashlessOnly.Load() && strings.HasSuffix(path, "/"):
		http.NotFound(w, r)
	case path == "/edition/" || path == "/edition", path == "/sample/" || path == "/sample":
		q := r.URL.Query()
		keys := make([]string, 0, len(q))
		for k := range q {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var b strings.Builder
		b.WriteString("<h1>Parameters</h1>\n<ul>\n")
		for _, k := range keys {
			fmt.Fprintf(&b, "<li>%s = %s</li>\n", esc(k), esc(q.Get(k)))
		}
		b.WriteString("</ul>")
		// Unquoted, as third-party ETags often were.
		tag := strings.Trim(etag(path+"?"+r.URL.RawQuery), `"`)
		writeHTML(w, tag, b.String())
	default:
		http.NotFound(w, r)
	}
}

// Redirecting is a publication behind redirects: meta.json is a 302 to a
// static copy, as easylittleprinter's was, and /edition/ a 302 to
// /editions/today/, whose page uses root-relative, relative and
// Host-built absolute image addresses. Each redirect is a chance for the
// client to send a Referer, which the log shows.
type Redirecting struct {
	recorder
	// Hops is how many more redirects /edition/ makes before the edition:
	// /hop/1/, /hop/2/… .
	Hops atomic.Int32
}

// RedirectingMeta is its meta.json.
const RedirectingMeta = `{"name":"Redirecting","description":"Lives elsewhere.","delivered_on":"every day","send_timezone_info":false,"send_delivery_count":false}`

// Images is the PNG served under /images/.
var Images = sync.OnceValue(func() []byte { return pngOf(8, 8) })

func (p *Redirecting) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.record(r)
	path := r.URL.Path
	switch {
	case path == "/meta.json":
		http.Redirect(w, r, "/static/meta.json", http.StatusFound)
	case path == "/static/meta.json":
		writeMeta(w, RedirectingMeta)
	case path == "/edition/":
		p.hop(w, r, 1)
	case strings.HasPrefix(path, "/hop/"):
		var n int32
		if _, err := fmt.Sscanf(path, "/hop/%d/", &n); err != nil {
			http.NotFound(w, r)
			return
		}
		p.hop(w, r, n+1)
	case path == "/editions/today/":
		writeHTML(w, etag("today"), `<h1>Today</h1>
<img src="/images/masthead.png" alt="masthead">
<img src="../../images/rule.png" alt="rule">
<img src="http://`+esc(r.Host)+`/images/footer.png" alt="footer">`)
	case strings.HasPrefix(path, "/images/") && strings.HasSuffix(path, ".png"):
		writePNG(w, Images())
	default:
		http.NotFound(w, r)
	}
}

// hop redirects to the n-th hop, or to the edition after the last,
// keeping the query.
func (p *Redirecting) hop(w http.ResponseWriter, r *http.Request, n int32) {
	to := "/editions/today/"
	if n <= p.Hops.Load() {
		to = fmt.Sprintf("/hop/%d/", n)
	}
	if r.URL.RawQuery != "" {
		to += "?" + r.URL.RawQuery
	}
	http.Redirect(w, r, to, http.StatusFound)
}

// PushExample is BERG's push example as far as paperboy meets it before
// it pushes: a push meta.json and a /validate_config/ that reads
// subscription_id and endpoint as top-level form fields, next to config,
// and refuses without them.
type PushExample struct {
	recorder
}

// PushExampleMeta is its meta.json.
const PushExampleMeta = `{
  "owner_email": "push@example.org",
  "publication_api_version": "1.0",
  "name": "Push Example",
  "description": "Prints whenever something happens.",
  "delivered_on": "when an event happens",
  "delivery_type": "push",
  "send_timezone_info": false,
  "send_delivery_count": false,
  "external_configuration": false,
  "config": {"fields": [{"type": "text", "name": "name", "label": "Your name"}]}
}
`

func (p *PushExample) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.record(r)
	switch r.URL.Path {
	case "/meta.json":
		writeMeta(w, PushExampleMeta)
	case "/icon.png":
		writePNG(w, Icon())
	case "/sample/":
		writeHTML(w, "", "<h1>Something happened</h1>")
	case "/validate_config/":
		if r.Method != http.MethodPost {
			w.WriteHeader(http.StatusMethodNotAllowed)
			return
		}
		var errs []string
		if r.PostForm.Get("config") == "" {
			writeText(w, http.StatusBadRequest, "You did not post any config to validate")
			return
		}
		if r.PostForm.Get("subscription_id") == "" {
			errs = append(errs, "No subscription_id")
		}
		if u, err := url.Parse(r.PostForm.Get("endpoint")); err != nil || !u.IsAbs() {
			errs = append(errs, "No endpoint")
		}
		if len(errs) > 0 {
			writeJSON(w, map[string]any{"valid": false, "errors": errs})
			return
		}
		writeJSON(w, map[string]any{"valid": true})
	default:
		http.NotFound(w, r)
	}
}
