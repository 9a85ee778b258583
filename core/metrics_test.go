package core_test

import (
	"net/http"
	"testing"
	"time"

	"paperboy/core"
)

// TestMetrics_HTTPRequests: requests are counted by the route pattern that
// took them, never their path, and by status; one no route took is
// "unmatched". A bridge's socket is no request.
func TestMetrics_HTTPRequests(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, "sqlite", core.Config{})
	for _, r := range []struct {
		method, path string
		status       int
	}{
		{"GET", "/healthz", http.StatusOK},
		{"GET", "/healthz", http.StatusOK},
		{"GET", "/api/v1/printers/12/deliveries", http.StatusUnauthorized},
		{"GET", "/api/v1/printers/34/deliveries", http.StatusUnauthorized},
		{"GET", "/no/such/page", http.StatusNotFound},
	} {
		if resp, _ := ts.call(r.method, r.path, "", "", ""); resp.StatusCode != r.status {
			t.Fatalf("%s %s: %d, want %d", r.method, r.path, resp.StatusCode, r.status)
		}
	}
	ts.bridge(0xB1)
	for name, want := range map[string]float64{
		`paperboy_http_requests_total{code="200",route="GET /healthz"}`:                         2,
		`paperboy_http_requests_total{code="401",route="GET /api/v1/printers/{id}/deliveries"}`: 2,
		`paperboy_http_requests_total{code="404",route="unmatched"}`:                            1,
		`paperboy_http_request_duration_seconds_count{route="GET /healthz"}`:                    2,
	} {
		if got := ts.metric(name); got != want {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
	if _, ok := ts.metricSample(`paperboy_http_request_duration_seconds_count{route="GET /api/v1/connection"}`); ok {
		t.Error("a bridge's socket counted as a request")
	}
}

// TestMetrics_BridgeSessions: a socket the bridge closes and one left
// silent past BridgeIdleTimeout are counted by how they ended.
func TestMetrics_BridgeSessions(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, "sqlite", core.Config{BridgeIdleTimeout: 300 * time.Millisecond})
	closed := ts.bridge(0xB1)
	closed.ws.Close()
	eventually(t, "the closed socket counted", func() bool {
		return ts.metric(`paperboy_bridge_sessions_total{outcome="bridge_closed"}`) == 1
	})
	silent := ts.bridge(0xB2)
	<-silent.gone
	eventually(t, "the silent socket counted", func() bool {
		return ts.metric(`paperboy_bridge_sessions_total{outcome="timed_out"}`) == 1
	})
	if n := ts.metric(`paperboy_bridge_sessions_total{outcome="error"}`); n != 0 {
		t.Errorf("%v sessions ended in error, want none", n)
	}
}
