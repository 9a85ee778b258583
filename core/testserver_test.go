package core_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"paperboy/codec"
	"paperboy/core"
	"paperboy/delivery"
	"paperboy/internal/plugintest"
	"paperboy/internal/storetest"
	"paperboy/plugins"
	"paperboy/scheduler"
	"paperboy/store"
)

// TestMain: the tests' publications are this test binary, started as
// their processes (plugintest).
func TestMain(m *testing.M) {
	plugintest.Main()
	os.Exit(m.Run())
}

// testServer is a real server on 127.0.0.1:0 over a fresh store.
type testServer struct {
	t     *testing.T
	srv   *core.Server
	store *store.Store
	base  string
}

// testMetricsToken lets the tests read their server's /metrics.
const testMetricsToken = "metrics-for-the-tests"

// part is something a test server runs on besides its config.
type part func(*testParts)

type testParts struct {
	publications *plugins.Host
	delivery     delivery.Config
	scheduler    *scheduler.Config // nil: no scheduler
	clock        delivery.Clock    // nil: the real one
	metrics      []prometheus.Collector
	log          io.Writer // nil: none
}

// withPublications gives a test server publications.
func withPublications(h *plugins.Host) part { return func(p *testParts) { p.publications = h } }

// withDelivery tunes a test server's queue.
func withDelivery(c delivery.Config) part { return func(p *testParts) { p.delivery = c } }

// withScheduler runs a scheduler beside a test server, on its queue and
// publications, as cmd/paperboy does.
func withScheduler(c scheduler.Config) part { return func(p *testParts) { p.scheduler = &c } }

// withClock gives the server, its queue, its scheduler and its store one
// clock.
func withClock(c delivery.Clock) part { return func(p *testParts) { p.clock = c } }

// withMetrics serves more metrics on a test server's /metrics, as
// cmd/paperboy serves the housekeeping jobs'.
func withMetrics(c ...prometheus.Collector) part {
	return func(p *testParts) { p.metrics = append(p.metrics, c...) }
}

// withLog writes the server's log, at info and above, to w.
func withLog(w io.Writer) part { return func(p *testParts) { p.log = w } }

// startServer wires a server on a store as cmd/paperboy does (a queue, the
// server, and a scheduler if asked for), starts it on 127.0.0.1:0, and
// stops it all when the test ends.
func startServer(tb testing.TB, cfg core.Config, st *store.Store, parts ...part) *core.Server {
	tb.Helper()
	var tp testParts
	for _, p := range parts {
		p(&tp)
	}
	if cfg.Listen == "" {
		cfg.Listen = "127.0.0.1:0"
	}
	log := slog.New(slog.DiscardHandler)
	if tp.log != nil {
		log = slog.New(slog.NewTextHandler(tp.log, nil))
	}
	if tp.clock != nil {
		st.Now, tp.delivery.Clock = tp.clock.Now, tp.clock
		if tp.scheduler != nil {
			tp.scheduler.Clock = tp.clock
		}
	}
	queue := delivery.New(st, tp.delivery, log)
	srv := core.New(cfg, core.Parts{Store: st, Queue: queue, Publications: tp.publications, Clock: tp.clock, Metrics: tp.metrics}, log)
	if err := srv.Start(); err != nil {
		queue.Close()
		tb.Fatal(err)
	}
	stopSched := func() {}
	if tp.scheduler != nil {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		sched := scheduler.New(st, tp.publications, queue, *tp.scheduler, log)
		go func() {
			defer close(done)
			sched.Run(ctx)
		}()
		stopSched = func() { cancel(); <-done }
	}
	tb.Cleanup(func() {
		stopSched()
		srv.Shutdown(context.Background())
		queue.Close()
	})
	return srv
}

func newTestServer(t *testing.T, kind string, cfg core.Config, parts ...part) *testServer {
	t.Helper()
	st := storetest.Open(t, kind)
	if cfg.MetricsToken == "" {
		cfg.MetricsToken = testMetricsToken
	}
	srv := startServer(t, cfg, st, parts...)
	return &testServer{t: t, srv: srv, store: st, base: "http://" + srv.Addr()}
}

// sibling is a second server on ts's store, as another instance sharing
// its database.
func (ts *testServer) sibling(cfg core.Config, parts ...part) *testServer {
	ts.t.Helper()
	if cfg.MetricsToken == "" {
		cfg.MetricsToken = testMetricsToken
	}
	srv := startServer(ts.t, cfg, ts.store, parts...)
	return &testServer{t: ts.t, srv: srv, store: ts.store, base: "http://" + srv.Addr()}
}

// user adds a user and returns their token.
func (ts *testServer) user(email string) string {
	ts.t.Helper()
	_, token, err := core.AddUser(ts.t.Context(), ts.store, email)
	if err != nil {
		ts.t.Fatal(err)
	}
	return token
}

// do sends a request and decodes a JSON answer into out (if not nil).
func (ts *testServer) do(method, path, token, contentType string, body io.Reader, out any) int {
	ts.t.Helper()
	var text []byte
	if body != nil {
		text, _ = io.ReadAll(body)
	}
	resp, data := ts.call(method, path, token, contentType, string(text))
	if out != nil {
		if err := json.Unmarshal([]byte(data), out); err != nil {
			ts.t.Fatalf("%s %s: %d %q is not JSON: %v", method, path, resp.StatusCode, data, err)
		}
	}
	return resp.StatusCode
}

// call sends a request and returns the answer, its body read; a redirect
// is not followed.
func (ts *testServer) call(method, path, token, contentType, body string) (*http.Response, string) {
	ts.t.Helper()
	req, err := http.NewRequest(method, ts.base+path, strings.NewReader(body))
	if err != nil {
		ts.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := noRedirects.Do(req)
	if err != nil {
		ts.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp, string(data)
}

func (ts *testServer) postJSON(path, token string, v any, out any) int {
	ts.t.Helper()
	b, _ := json.Marshal(v)
	return ts.do("POST", path, token, "application/json", bytes.NewReader(b), out)
}

type printerOut struct {
	ID            int64  `json:"id"`
	Name          string `json:"name"`
	Status        string `json:"status"`
	Online        bool   `json:"online"`
	DeviceAddress string `json:"device_address"`
	TimeZone      string `json:"time_zone"`
	PairedBridge  string `json:"paired_bridge"`
	MovedToBridge string `json:"moved_to_bridge"`
}

type errorOut struct {
	Error string `json:"error"`
}

// claim claims a code and returns the printer.
func (ts *testServer) claim(token string, code codec.ClaimCode) printerOut {
	ts.t.Helper()
	var p printerOut
	if status := ts.postJSON("/api/v1/printers/claim", token, map[string]string{"claim_code": code.String(), "name": "Kitchen"}, &p); status != http.StatusCreated {
		ts.t.Fatalf("claim: status %d", status)
	}
	return p
}

func (ts *testServer) printers(token string) []printerOut {
	ts.t.Helper()
	var out struct{ Printers []printerOut }
	if status := ts.do("GET", "/api/v1/printers", token, "", nil, &out); status != http.StatusOK {
		ts.t.Fatalf("printers: status %d", status)
	}
	return out.Printers
}

// metric reads one sample of /metrics, 0 if absent.
func (ts *testServer) metric(name string) float64 {
	ts.t.Helper()
	v, _ := ts.metricSample(name)
	return v
}

// metricSample reads one sample of /metrics, and whether it is there: name
// is the metric's name with its labels, as /metrics writes them.
func (ts *testServer) metricSample(name string) (float64, bool) {
	ts.t.Helper()
	req, _ := http.NewRequest("GET", ts.base+"/metrics", nil)
	req.Header.Set("Authorization", "Bearer "+testMetricsToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		ts.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	for line := range strings.Lines(string(data)) {
		if rest, ok := strings.CutPrefix(line, name+" "); ok {
			var v float64
			fmt.Sscan(rest, &v)
			return v, true
		}
	}
	return 0, false
}

// eventually polls cond until it holds or 10 s pass.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 10 s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
