// Package loadref is the reference server of paperboy loadtest --compare:
// the least a server of Little Printer bridges can do, so that what
// paperboy spends on an idle bridge can be read against it in the same run.
//
// It upgrades GET /api/v1/connection with gorilla/websocket, echoing the
// bridge subprotocol, and runs the read loop in the handler: each frame is
// read under an idle deadline, parsed by codec.DecodeMessage as paperboy
// parses it, and counted by type. It answers nothing, remembers nothing,
// and writes to no database. GET /metrics has the same names paperboy's
// /metrics uses for what both have (paperboy_bridges_online,
// paperboy_bridge_messages_total{type}, and the process and Go runtime
// collectors), so the load tool reads both alike.
//
// It imports codec for the frames and nothing else of paperboy's.
package loadref

import (
	"net/http"
	"sync"
	"time"

	"github.com/gorilla/websocket"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"paperboy/codec"
)

// Subprotocol is what a bridge asks for (protocol.md, "Topology").
const Subprotocol = "bergcloud-bridge-v1"

// IdleTimeout is how long a socket may send nothing before it is closed:
// a bridge heartbeats every 10 s.
const IdleTimeout = 2 * time.Minute

// maxFrame bounds a frame from a bridge, as paperboy's default does.
const maxFrame = 1 << 20

// The upgrader is sized as paperboy's: a small read buffer per socket and
// write buffers lent per write, so the two differ in what they do with a
// socket, not in the buffers they give it.
var upgrader = websocket.Upgrader{
	Subprotocols:    []string{Subprotocol},
	CheckOrigin:     func(*http.Request) bool { return true },
	ReadBufferSize:  1024,
	WriteBufferPool: &sync.Pool{},
}

// Server is a reference server. Make one with New.
type Server struct {
	reg      *prometheus.Registry
	online   prometheus.Gauge
	messages *prometheus.CounterVec
}

// New makes a reference server with a registry of its own.
func New() *Server {
	s := &Server{
		reg: prometheus.NewRegistry(),
		online: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "paperboy_bridges_online", Help: "Bridge sockets open."}),
		messages: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "paperboy_bridge_messages_total", Help: "Messages from bridges, by type."}, []string{"type"}),
	}
	s.reg.MustRegister(s.online, s.messages,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return s
}

// Handler serves GET /api/v1/connection and GET /metrics.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v1/connection", s.handleConnection)
	mux.Handle("GET /metrics", promhttp.HandlerFor(s.reg, promhttp.HandlerOpts{}))
	return mux
}

// handleConnection reads a bridge's frames until its socket ends.
func (s *Server) handleConnection(w http.ResponseWriter, r *http.Request) {
	ws, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return // the upgrader has answered
	}
	defer ws.Close()
	s.online.Inc()
	defer s.online.Dec()
	ws.SetReadLimit(maxFrame)
	for {
		ws.SetReadDeadline(time.Now().Add(IdleTimeout))
		kind, data, err := ws.ReadMessage()
		if err != nil {
			return
		}
		if kind != websocket.TextMessage {
			s.messages.WithLabelValues("MalformedEvent").Inc()
			continue
		}
		s.messages.WithLabelValues(codec.DecodeMessage(data).MessageType()).Inc()
	}
}
