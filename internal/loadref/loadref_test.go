package loadref

import (
	"bufio"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"paperboy/codec"
)

// metrics reads the server's /metrics: sample → value.
func metrics(t *testing.T, base string) map[string]float64 {
	t.Helper()
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		if i := strings.LastIndexByte(line, ' '); i > 0 && line[0] != '#' {
			if v, err := strconv.ParseFloat(line[i+1:], 64); err == nil {
				out[line[:i]] = v
			}
		}
	}
	return out
}

// waitMetric polls the metrics until name has the value want.
func waitMetric(t *testing.T, base, name string, want float64) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for got := metrics(t, base)[name]; got != want; got = metrics(t, base)[name] {
		if time.Now().After(deadline) {
			t.Fatalf("%s = %v, want %v", name, got, want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestServer_CountsFrames sends a socket frames of each kind and reads
// them back from /metrics, counted by type as paperboy counts them.
func TestServer_CountsFrames(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(New().Handler())
	t.Cleanup(srv.Close)
	frame := func(m codec.Message) []byte {
		b, err := codec.EncodeMessage(m)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	h := codec.Header{Bridge: 0x0102030405060708, Timestamp: 1}
	tests := []struct {
		name   string
		kind   int
		frame  []byte
		metric string
	}{
		{"heartbeat", websocket.TextMessage, frame(codec.DeviceEvent{Header: h, Device: 9, Event: codec.Heartbeat{Uptime: 5}}),
			`paperboy_bridge_messages_total{type="DeviceHeartbeat"}`},
		{"device connect", websocket.TextMessage, frame(codec.DeviceConnect{Header: h, Device: 9}),
			`paperboy_bridge_messages_total{type="DeviceConnect"}`},
		{"not JSON", websocket.TextMessage, []byte("{"), `paperboy_bridge_messages_total{type="MalformedEvent"}`},
		{"binary", websocket.BinaryMessage, []byte{1, 2}, `paperboy_bridge_messages_total{type="MalformedEvent"}`},
	}
	base := srv.URL
	ws, resp, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(base, "http")+"/api/v1/connection",
		http.Header{"Sec-WebSocket-Protocol": {Subprotocol}})
	if err != nil {
		t.Fatal(err)
	}
	if got := resp.Header.Get("Sec-WebSocket-Protocol"); got != Subprotocol {
		t.Fatalf("subprotocol %q, want %q", got, Subprotocol)
	}
	waitMetric(t, base, "paperboy_bridges_online", 1)
	want := map[string]float64{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := ws.WriteMessage(tt.kind, tt.frame); err != nil {
				t.Fatal(err)
			}
			want[tt.metric]++
			waitMetric(t, base, tt.metric, want[tt.metric])
		})
	}
	ws.Close()
	waitMetric(t, base, "paperboy_bridges_online", 0)
	m := metrics(t, base)
	for _, name := range []string{"process_resident_memory_bytes", "process_cpu_seconds_total", "go_goroutines"} {
		if _, ok := m[name]; !ok {
			t.Errorf("/metrics has no %s", name)
		}
	}
}
