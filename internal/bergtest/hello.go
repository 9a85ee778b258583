package bergtest

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"
)

// HelloWorld is BERG's example publication: it greets a subscriber by
// name in their language every Monday, by the day of local_delivery_time.
// The zero value is ready to serve.
type HelloWorld struct {
	recorder
}

// HelloWorldMeta is its meta.json.
const HelloWorldMeta = `{
  "owner_email": "hello@example.org",
  "publication_api_version": "1.0",
  "name": "Hello World",
  "description": "Says hello <strong>every Monday</strong>, in your language. An <a href=\"https://example.org/hello\">example</a> publication.",
  "delivered_on": "every Monday",
  "send_timezone_info": true,
  "send_delivery_count": false,
  "external_configuration": false,
  "config": {
    "fields": [
      {"type": "text", "name": "name", "label": "Say hello to"},
      {"type": "select", "name": "lang", "label": "Language", "options": [
        ["English", "english"], ["French", "french"], ["German", "german"],
        ["Spanish", "spanish"], ["Swedish", "swedish"]
      ]}
    ]
  }
}
`

// greetings are Hello World's languages.
var greetings = map[string]string{
	"english": "Hello",
	"french":  "Bonjour",
	"german":  "Hallo",
	"spanish": "Hola",
	"swedish": "Hej",
}

// HelloWorldETag is the ETag of Hello World's edition for a language, name
// and date (2006-01-02).
func HelloWorldETag(lang, name, date string) string { return etag(lang + name + date) }

func (p *HelloWorld) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.record(r)
	switch r.URL.Path {
	case "/meta.json":
		writeMeta(w, HelloWorldMeta)
	case "/icon.png":
		writePNG(w, Icon())
	case "/sample/":
		writeHTML(w, etag("sample"), "<h1>Hello, Little Printer</h1>")
	case "/edition/":
		p.edition(w, r)
	case "/validate_config/":
		p.validate(w, r)
	default:
		http.NotFound(w, r)
	}
}

func (p *HelloWorld) edition(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	t, ok := deliveryTime(q)
	if !ok {
		writeText(w, http.StatusBadRequest, "Error: Invalid or missing local_delivery_time")
		return
	}
	lang, name := q.Get("lang"), q.Get("name")
	greeting, ok := greetings[lang]
	if !ok {
		writeText(w, http.StatusBadRequest, "Error: Invalid or missing lang parameter")
		return
	}
	if name == "" {
		writeText(w, http.StatusBadRequest, "Error: No name was provided")
		return
	}
	if t.Weekday() != time.Monday {
		// As BERG's did since August 2013: 204, no body, no ETag.
		w.WriteHeader(http.StatusNoContent)
		return
	}
	writeHTML(w, HelloWorldETag(lang, name, t.Format(time.DateOnly)), "<h1>"+esc(greeting+", "+name)+"</h1>")
}

// validate answers {"valid": …, "errors": […]} for config=<JSON>.
func (p *HelloWorld) validate(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.WriteHeader(http.StatusMethodNotAllowed)
		return
	}
	raw := r.PostForm.Get("config")
	if raw == "" {
		writeText(w, http.StatusBadRequest, "You did not post any config to validate")
		return
	}
	var cfg map[string]any
	if err := json.Unmarshal([]byte(raw), &cfg); err != nil {
		// Ruby's JSON.parse raised, and Sinatra answered 500.
		writeText(w, http.StatusInternalServerError, "JSON::ParserError")
		return
	}
	var errs []string
	if lang, _ := cfg["lang"].(string); greetings[lang] == "" {
		errs = append(errs, "Please choose a language from the menu")
	}
	if name, _ := cfg["name"].(string); strings.TrimSpace(name) == "" {
		errs = append(errs, "Please enter a name")
	}
	if len(errs) > 0 {
		writeJSON(w, map[string]any{"valid": false, "errors": errs})
		return
	}
	writeJSON(w, map[string]any{"valid": true})
}
