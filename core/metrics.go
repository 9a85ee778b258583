package core

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"regexp"
	"slices"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics are the server's Prometheus metrics, on a registry of its own.
type metrics struct {
	reg             *prometheus.Registry
	bridgesOnline   prometheus.Gauge
	printersOnline  prometheus.Gauge
	messagesIn      *prometheus.CounterVec
	unknownMessages prometheus.Counter
	malformed       prometheus.Counter
	commandsSent    *prometheus.CounterVec
	acks            *prometheus.CounterVec
	unknownAcks     prometheus.Counter
	claimAttempts   *prometheus.CounterVec
	refused         *prometheus.CounterVec
	logDropped      prometheus.Counter
	connsRefused    prometheus.Counter
	// HTTP requests by route (metrics_http.go), and bridge sockets by how
	// they ended (metrics_bridge.go).
	http     *httpMetrics
	sessions *prometheus.CounterVec
	// collectors are every collector registered, for MetricNames.
	collectors []prometheus.Collector
}

// register registers collectors, keeping them for MetricNames.
func (m *metrics) register(cs ...prometheus.Collector) {
	m.reg.MustRegister(cs...)
	m.collectors = append(m.collectors, cs...)
}

// fqName finds a metric's name in what Desc.String prints: the client
// library gives no other way to it.
var fqName = regexp.MustCompile(`fqName: "([^"]+)"`)

// MetricNames lists the names of every metric served on /metrics, the
// parts' included, as their collectors describe them: those not yet
// observed (a vector with no labels yet) too, which a scrape leaves out.
// Dashboards are checked against it.
func (s *Server) MetricNames() []string {
	ch := make(chan *prometheus.Desc)
	go func() {
		for _, c := range s.metrics.collectors {
			c.Describe(ch)
		}
		close(ch)
	}()
	seen := map[string]bool{}
	for d := range ch {
		if m := fqName.FindStringSubmatch(d.String()); m != nil {
			seen[m[1]] = true
		}
	}
	return slices.Sorted(maps.Keys(seen))
}

func newMetrics() *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		bridgesOnline: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "paperboy_bridges_online", Help: "Bridges with an open socket."}),
		printersOnline: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "paperboy_printers_online", Help: "Devices heard from within the presence timeout."}),
		messagesIn: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "paperboy_bridge_messages_total", Help: "Messages from bridges, by type."}, []string{"type"}),
		unknownMessages: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "paperboy_bridge_unknown_messages_total", Help: "Well-formed messages protocol.md does not list."}),
		malformed: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "paperboy_bridge_malformed_messages_total", Help: "Messages that break the protocol."}),
		commandsSent: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "paperboy_commands_sent_total", Help: "Commands queued for bridges, by type."}, []string{"type"}),
		acks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "paperboy_command_responses_total", Help: "Command responses, by return code."}, []string{"return_code"}),
		unknownAcks: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "paperboy_command_responses_unknown_total", Help: "Responses for a command id no one waits for, ignored."}),
		claimAttempts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "paperboy_claim_attempts_total", Help: "Claim codes entered, by result."}, []string{"result"}),
		refused: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "paperboy_bridge_refused_total",
			Help: "Bridge messages refused, changing nothing, by reason (core/doc.go, \"What a bridge can and cannot prove\")."},
			[]string{"reason"}),
		logDropped: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "paperboy_bridge_log_lines_dropped_total", Help: "Log lines about bridge sockets dropped: over a socket's allowance."}),
		connsRefused: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "paperboy_http_connections_refused_total", Help: "Connections refused: their address held as many as it may."}),
	}
	m.register(m.bridgesOnline, m.printersOnline, m.messagesIn, m.unknownMessages, m.malformed,
		m.commandsSent, m.acks, m.unknownAcks, m.claimAttempts, m.refused, m.logDropped, m.connsRefused,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m.http = newHTTPMetrics()
	m.sessions = newSessionMetrics()
	m.register(m.http.requests, m.http.duration, m.sessions)
	return m
}

// metricsHandler answers GET /metrics, wherever it is served.
func (s *Server) metricsHandler() http.Handler {
	return promhttp.HandlerFor(s.metrics.reg, promhttp.HandlerOpts{})
}

// serveMetrics serves /metrics alone, with no token, on MetricsListen:
// an address the operator keeps to themselves.
func (s *Server) serveMetrics() error {
	ln, err := net.Listen("tcp", s.cfg.MetricsListen)
	if err != nil {
		return fmt.Errorf("metrics: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", s.metricsHandler())
	s.metricsLn = ln
	s.metricsHTTP = &http.Server{Handler: mux, ReadHeaderTimeout: s.cfg.HTTP.ReadHeaderTimeout, ReadTimeout: s.cfg.HTTP.ReadTimeout,
		WriteTimeout: s.cfg.HTTP.WriteTimeout, IdleTimeout: s.cfg.HTTP.IdleTimeout, ErrorLog: s.http.ErrorLog}
	go func() {
		if err := s.metricsHTTP.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("serve metrics", slog.Any("error", err))
		}
	}()
	s.log.Info("serving metrics", "addr", ln.Addr().String())
	return nil
}

// metricsToken lets through only requests that carry MetricsToken.
func (s *Server) metricsToken(h http.Handler) http.Handler {
	want := []byte("Bearer " + s.cfg.MetricsToken)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if subtle.ConstantTimeCompare([]byte(r.Header.Get("Authorization")), want) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="paperboy metrics"`)
			http.Error(w, "the metrics need the operator's token: Authorization: Bearer TOKEN", http.StatusUnauthorized)
			return
		}
		h.ServeHTTP(w, r)
	})
}

func (m *metrics) ack(code int) { m.acks.WithLabelValues(strconv.Itoa(code)).Inc() }
