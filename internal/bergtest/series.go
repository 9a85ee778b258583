package bergtest

import (
	"fmt"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"
)

// Miniseries is BERG's finite publication: an episode every weekday, the
// episode being delivery_count, then 410 after the last. Weekends answer
// 204 and do not count. The zero value has 5 episodes.
type Miniseries struct {
	recorder
	// Episodes is how many there are; 0 means 5. Set it before serving.
	Episodes int
}

// MiniseriesMeta is its meta.json.
const MiniseriesMeta = `{
  "owner_email": "series@example.org",
  "publication_api_version": "1.0",
  "name": "Miniseries",
  "description": "A story in five parts, one every weekday. <em>It ends.</em>",
  "delivered_on": "every weekday",
  "send_timezone_info": true,
  "send_delivery_count": true,
  "external_configuration": false
}
`

// MiniseriesETag is the ETag of the episode for a delivery_count and date
// (2006-01-02).
func MiniseriesETag(count int, date string) string { return etag(strconv.Itoa(count) + date) }

func (p *Miniseries) episodes() int {
	if p.Episodes > 0 {
		return p.Episodes
	}
	return 5
}

func (p *Miniseries) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.record(r)
	switch r.URL.Path {
	case "/meta.json":
		writeMeta(w, MiniseriesMeta)
	case "/icon.png":
		writePNG(w, Icon())
	case "/sample/":
		writeHTML(w, "", p.episode(0))
	case "/edition/":
		q := r.URL.Query()
		t, ok := deliveryTime(q)
		if !ok {
			writeText(w, http.StatusBadRequest, "Error: Invalid or missing local_delivery_time")
			return
		}
		count, err := strconv.Atoi(q.Get("delivery_count"))
		if err != nil || count < 0 {
			writeText(w, http.StatusBadRequest, "Error: Invalid or missing delivery_count")
			return
		}
		if d := t.Weekday(); d == time.Saturday || d == time.Sunday {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		if count >= p.episodes() {
			w.WriteHeader(http.StatusGone)
			return
		}
		writeHTML(w, MiniseriesETag(count, t.Format(time.DateOnly)), p.episode(count))
	default:
		http.NotFound(w, r)
	}
}

// episode is the page of an episode, 0-based.
func (p *Miniseries) episode(n int) string {
	return fmt.Sprintf("<h1>Episode %d of %d</h1>\n<p>In which part %d happens.</p>", n+1, p.episodes(), n+1)
}

// WordOfTheDay is BERG's production Word of the Day as it was in 2012: a
// legacy meta.json (delivered_every), and the day taken from its own
// clock, not the subscriber's. At weekends it answers 200 with an empty
// body and the same ETag every weekend, as BERG's did before 204 was the
// rule.
type WordOfTheDay struct {
	recorder
	// Now is its clock, read in UTC; nil is time.Now. Set it before
	// serving.
	Now func() time.Time
	// RepeatETag makes a weekday's edition carry the previous day's ETag:
	// a new word with an ETag already seen.
	RepeatETag atomic.Bool
}

// WordOfTheDayMeta is its meta.json.
const WordOfTheDayMeta = `{
  "name": "Word of the Day",
  "description": "A new word and what it means, every week day.",
  "delivered_every": "day"
}
`

// WeekendETag is the ETag of Word of the Day's empty weekend answer.
var WeekendETag = etag("saturday/sunday")

// WordOfTheDayETag is the ETag of the word of a date (2006-01-02).
func WordOfTheDayETag(date string) string { return etag(date) }

// words are the words of the day, in turn.
var words = []struct{ word, meaning string }{
	{"petrichor", "the smell of rain on dry ground"},
	{"sonder", "the sense that every passer-by has a life as vivid as yours"},
	{"apricity", "the warmth of the sun in winter"},
	{"defenestrate", "to throw out of a window"},
	{"susurrus", "a whispering or rustling sound"},
	{"vellichor", "the wistfulness of used bookshops"},
	{"hiraeth", "a homesickness for a home you cannot return to"},
}

// Word is the word Word of the Day prints at t, by t's date in UTC.
func Word(t time.Time) string { return words[t.UTC().YearDay()%len(words)].word }

func (p *WordOfTheDay) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.record(r)
	now := time.Now
	if p.Now != nil {
		now = p.Now
	}
	switch r.URL.Path {
	case "/meta.json":
		writeMeta(w, WordOfTheDayMeta)
	case "/icon.png":
		writePNG(w, Icon())
	case "/sample/":
		writeHTML(w, "", wordPage(time.Date(2012, 4, 2, 0, 0, 0, 0, time.UTC)))
	case "/edition/":
		day := now().UTC()
		if d := day.Weekday(); d == time.Saturday || d == time.Sunday {
			w.Header().Set("ETag", WeekendETag)
			w.Header().Set("Content-Type", "text/html;charset=utf-8")
			return
		}
		tagDay := day
		if p.RepeatETag.Load() {
			tagDay = day.AddDate(0, 0, -1)
		}
		writeHTML(w, WordOfTheDayETag(tagDay.Format(time.DateOnly)), wordPage(day))
	default:
		http.NotFound(w, r)
	}
}

func wordPage(t time.Time) string {
	w := words[t.YearDay()%len(words)]
	return "<h1>" + esc(w.word) + "</h1>\n<p>" + esc(w.meaning) + "</p>"
}
