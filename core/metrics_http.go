package core

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// httpMetrics count the server's requests by route: the pattern the mux
// chose (r.Pattern), never the path, whose ids and codes would make a
// series each; a request no route took is "unmatched".
type httpMetrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

func newHTTPMetrics() *httpMetrics {
	return &httpMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "paperboy_http_requests_total", Help: "HTTP requests answered, by route pattern and status code."},
			[]string{"route", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "paperboy_http_request_duration_seconds", Help: "How long HTTP requests took to answer, by route pattern.",
			Buckets: []float64{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}},
			[]string{"route"}),
	}
}

// bridgePath is where bridges open their sockets: not counted as a
// request (a socket lives for days), but as a session when it ends.
const bridgePath = "/api/v1/connection"

// unmatchedRoute is the route of a request no pattern took: a 404 or 405.
const unmatchedRoute = "unmatched"

// countRequests counts and times every request h answers, by the route
// the mux inside h chose: the mux sets r.Pattern on the request it is
// given, which is this one.
func (s *Server) countRequests(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == bridgePath {
			h.ServeHTTP(w, r) // gorilla's upgrade wants the server's own ResponseWriter
			return
		}
		began := time.Now()
		rec := &statusRecorder{ResponseWriter: w}
		h.ServeHTTP(rec, r)
		route := r.Pattern
		if route == "" {
			route = unmatchedRoute
		}
		s.metrics.http.requests.WithLabelValues(route, strconv.Itoa(rec.code())).Inc()
		s.metrics.http.duration.WithLabelValues(route).Observe(time.Since(began).Seconds())
	})
}

// statusRecorder keeps the status a handler answered with.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (w *statusRecorder) WriteHeader(code int) {
	if w.status == 0 && code >= 200 { // an informational 1xx is not the answer
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusRecorder) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the server's writer (Flush,
// deadlines).
func (w *statusRecorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// code is the status answered: 200 if the handler wrote nothing.
func (w *statusRecorder) code() int {
	if w.status == 0 {
		return http.StatusOK
	}
	return w.status
}
