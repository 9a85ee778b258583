package sdk

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestHTTPClient(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/slow":
			select {
			case <-r.Context().Done():
			case <-time.After(10 * time.Second):
			}
		default:
			io.WriteString(w, strings.Repeat("x", len(r.URL.Path)-1)) // "/xxx" answers 3 bytes
		}
	}))
	defer srv.Close()
	tests := []struct {
		name    string
		policy  HTTPPolicy
		path    string
		want    int    // bytes read
		wantErr string // "" for none
	}{
		{"loopback refused", HTTPPolicy{}, "/xxx", 0, "private"},
		{"loopback allowed", HTTPPolicy{AllowPrivate: true}, "/xxx", 3, ""},
		{"a body of exactly the cap", HTTPPolicy{AllowPrivate: true, MaxBytes: 3}, "/xxx", 3, ""},
		{"a body over the cap", HTTPPolicy{AllowPrivate: true, MaxBytes: 3}, "/xxxx", 3, "larger than"},
		{"too slow", HTTPPolicy{AllowPrivate: true, Timeout: 100 * time.Millisecond}, "/slow", 0, "timeout"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := NewHTTPClient(tt.policy).Get(srv.URL + tt.path)
			var n int
			if err == nil {
				var body []byte
				body, err = io.ReadAll(resp.Body)
				resp.Body.Close()
				n = len(body)
			}
			if tt.wantErr == "" {
				if err != nil || n != tt.want {
					t.Fatalf("read %d bytes, error %v; want %d and none", n, err, tt.want)
				}
				return
			}
			var ne net.Error
			timedOut := errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout()
			if tt.wantErr == "timeout" && timedOut {
				return
			}
			if err == nil || !strings.Contains(strings.ToLower(err.Error()), strings.ToLower(tt.wantErr)) {
				t.Fatalf("error %v, want one saying %q", err, tt.wantErr)
			}
			if tt.wantErr == "private" && !errors.Is(err, ErrPrivateAddress) {
				t.Fatalf("%v does not wrap ErrPrivateAddress", err)
			}
		})
	}
}

func TestField_NumberRefusesNaN(t *testing.T) {
	f := Field{Name: "n", Type: Number, Min: -90, Max: 90}
	for _, v := range []string{"NaN", "nan", "Inf", "-Inf", "1e999"} {
		if f.problem(v) == "" {
			t.Errorf("%q is taken as a number", v)
		}
	}
	if msg := f.problem(" 53.8 "); msg != "" {
		t.Errorf("53.8: %s", msg)
	}
}
