package main

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// apiClient calls a running server's JSON API as one user.
type apiClient struct {
	t     *testing.T
	base  string // http://host:port
	token string
}

// call sends a request and decodes the JSON answer into out; it returns
// the status.
func (c apiClient) call(method, path, contentType string, body io.Reader, out any) int {
	c.t.Helper()
	req, err := http.NewRequest(method, c.base+path, body)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		c.t.Fatalf("%s %s: %d: %v", method, path, resp.StatusCode, err)
	}
	return resp.StatusCode
}

// postJSON posts v as JSON.
func (c apiClient) postJSON(path string, v any, out any) int {
	c.t.Helper()
	b, _ := json.Marshal(v)
	return c.call("POST", path, "application/json", strings.NewReader(string(b)), out)
}

// deliveryOut is a delivery as the API lists it.
type deliveryOut struct {
	ID    int64  `json:"id"`
	State string `json:"state"`
}

// deliveries lists a printer's deliveries, newest first.
func (c apiClient) deliveries(printer int64) []deliveryOut {
	c.t.Helper()
	var out struct{ Deliveries []deliveryOut }
	c.call("GET", "/api/v1/printers/"+itoa(printer)+"/deliveries", "", nil, &out)
	return out.Deliveries
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// freeAddr is a loopback address with a port free now, for a server that
// must come back on the same port after a restart.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// waitFor polls cond every 50 ms for up to d.
func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, d)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
