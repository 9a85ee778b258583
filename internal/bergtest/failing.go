package bergtest

import (
	"math/rand/v2"
	"net/http"
	"sync"
	"sync/atomic"
)

// plainMeta is the meta.json of the publications that exist for their
// failures.
func plainMeta(name string) string {
	return `{"name":"` + name + `","description":"A test publication.","delivered_on":"every day","send_timezone_info":true,"send_delivery_count":true}`
}

// Slow is a publication whose /edition/ does not answer until the
// request ends (the client gives up) or Release is closed. Its meta.json
// answers at once.
type Slow struct {
	recorder
	// Release, once closed, lets waiting and later editions answer. A nil
	// channel never does. Set it before serving.
	Release chan struct{}
}

func (p *Slow) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.record(r)
	switch r.URL.Path {
	case "/meta.json":
		writeMeta(w, plainMeta("Slow"))
	case "/edition/":
		select {
		case <-r.Context().Done():
		case <-p.Release:
			writeHTML(w, etag("slow"), "<h1>At last</h1>")
		}
	default:
		http.NotFound(w, r)
	}
}

// Garbage is a publication that answers what is not what was asked for:
// a meta.json that is not JSON, and an edition of binary bytes as
// application/octet-stream.
type Garbage struct {
	recorder
	// ValidMeta makes meta.json valid.
	ValidMeta atomic.Bool
	// Fail makes /edition/ answer 500 with a text/plain reason,
	// GarbageReason.
	Fail atomic.Bool
}

// GarbageReason is the text of Garbage's 500.
const GarbageReason = "Error: could not reach\nthe upstream feed"

// GarbageMeta is its meta.json when it is not JSON: an error page, as a
// misrouted request got.
const GarbageMeta = "<html><body><h1>It works!</h1></body></html>\n"

// Binary is the edition Garbage answers: bytes that look random, the same
// every time.
var Binary = sync.OnceValue(func() []byte {
	r := rand.New(rand.NewPCG(1, 2))
	b := make([]byte, 4096)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	b[0], b[1], b[2] = 0, 0xff, 0x01 // binary from the first bytes, whatever the rest
	return b
})

func (p *Garbage) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.record(r)
	switch r.URL.Path {
	case "/meta.json":
		if p.ValidMeta.Load() {
			writeMeta(w, plainMeta("Garbage"))
			return
		}
		writeMeta(w, GarbageMeta)
	case "/edition/", "/sample/":
		if p.Fail.Load() {
			writeText(w, http.StatusInternalServerError, GarbageReason)
			return
		}
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("ETag", etag("garbage"))
		w.Write(Binary())
	case "/icon.png":
		// A JPEG's first bytes: an icon that is not a PNG.
		w.Header().Set("Content-Type", "image/png")
		w.Write([]byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00"))
	default:
		http.NotFound(w, r)
	}
}

// Gone is a finished publication: its /edition/ answers 410, which ends
// the subscription.
type Gone struct {
	recorder
}

func (p *Gone) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.record(r)
	switch r.URL.Path {
	case "/meta.json":
		writeMeta(w, plainMeta("Gone"))
	case "/edition/":
		w.WriteHeader(http.StatusGone)
	case "/sample/":
		writeHTML(w, "", "<h1>The last episode</h1>")
	default:
		http.NotFound(w, r)
	}
}

// Answer is what Flaky answers.
type Answer struct {
	Status      int // 0 is 500
	ETag        string
	ContentType string
	Body        string
	Location    string // for redirects
}

// Flaky answers every request, whatever its path, with the Answer set
// last: for the tests of each status.
type Flaky struct {
	recorder
	mu     sync.Mutex
	answer Answer
}

// Set is what Flaky answers from now on.
func (p *Flaky) Set(a Answer) {
	p.mu.Lock()
	p.answer = a
	p.mu.Unlock()
}

func (p *Flaky) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.record(r)
	p.mu.Lock()
	a := p.answer
	p.mu.Unlock()
	if a.Status == 0 {
		a.Status = http.StatusInternalServerError
	}
	if a.ETag != "" {
		w.Header().Set("ETag", a.ETag)
	}
	if a.ContentType != "" {
		w.Header().Set("Content-Type", a.ContentType)
	} else if a.Body != "" {
		// Not sniffed: a test that wants a type says which.
		w.Header()["Content-Type"] = nil
	}
	if a.Location != "" {
		w.Header().Set("Location", a.Location)
	}
	w.WriteHeader(a.Status)
	w.Write([]byte(a.Body))
}
