package core

import (
	"context"
	"crypto/tls"
	"net"
	"strings"
	"testing"
	"time"

	"paperboy/internal/smtptest"
)

func TestSendMail(t *testing.T) {
	t.Parallel()
	serverTLS, pool := smtptest.Certificate(t, "mail.example.com")
	trusted := &tls.Config{RootCAs: pool}
	tests := []struct {
		name     string
		sink     smtptest.Options
		host     string // as configured; reached at the sink whatever it is
		user, pw string
		client   *tls.Config
		wantErr  string // "" for sent
		wantTLS  bool
	}{
		{"STARTTLS, then AUTH", smtptest.Options{TLS: serverTLS, User: "pb", Password: "secret"}, "127.0.0.1", "pb", "secret", trusted, "", true},
		{"STARTTLS to a named host", smtptest.Options{TLS: serverTLS, User: "pb", Password: "secret"}, "mail.example.com", "pb", "secret", trusted, "", true},
		{"STARTTLS whenever offered, even with no AUTH", smtptest.Options{TLS: serverTLS}, "mail.example.com", "", "", trusted, "", true},
		{"a certificate not trusted", smtptest.Options{TLS: serverTLS, User: "pb", Password: "secret"}, "127.0.0.1", "pb", "secret", nil, "certificate", false},
		{"a certificate of another name", smtptest.Options{TLS: serverTLS}, "mail.other.example", "", "", trusted, "certificate", false},
		{"no STARTTLS on loopback: the password goes plain", smtptest.Options{User: "pb", Password: "secret"}, "127.0.0.1", "pb", "secret", nil, "", false},
		{"no STARTTLS elsewhere: no password sent", smtptest.Options{User: "pb", Password: "secret"}, "mail.example.com", "pb", "secret", nil, "offers no STARTTLS", false},
		{"no STARTTLS elsewhere and no AUTH: sent", smtptest.Options{}, "mail.example.com", "", "", nil, "", false},
		{"a wrong password", smtptest.Options{TLS: serverTLS, User: "pb", Password: "secret"}, "127.0.0.1", "pb", "wrong", trusted, "AUTH", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sink := smtptest.Start(t, tt.sink)
			cfg := SMTPConfig{Host: tt.host, Port: 25, User: tt.user, Password: tt.pw, From: "paperboy@example.com", TLS: tt.client,
				dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
					return (&net.Dialer{}).DialContext(ctx, network, sink.Addr)
				}}
			ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
			defer cancel()
			err := sendMail(ctx, cfg, outMail{to: "ann@example.com", subject: "Your paperboy password", body: "Hello.\nA link:\n  http://x/reset/abc\n"})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err=%v, want one saying %q", err, tt.wantErr)
				}
				// The sink hands a message over before it answers DATA, which
				// sendMail waits for: none came.
				if len(sink.Messages) != 0 {
					t.Fatal("a message was sent")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			m := <-sink.Messages
			if m.TLS != tt.wantTLS || m.User != tt.user || m.From != "paperboy@example.com" || len(m.To) != 1 || m.To[0] != "ann@example.com" {
				t.Errorf("message %+v", m)
			}
			// The sink reads lines as SMTP sends them, CRLF, and gives LF.
			for _, want := range []string{"From: paperboy@example.com\n", "To: ann@example.com\n", "Subject: Your paperboy password\n",
				"Content-Type: text/plain; charset=utf-8\n", "\n\nHello.\nA link:\n  http://x/reset/abc\n"} {
				if !strings.Contains(m.Data, want) {
					t.Errorf("the message lacks %q:\n%s", want, m.Data)
				}
			}
		})
	}
}

func TestIsLoopback(t *testing.T) {
	t.Parallel()
	for host, want := range map[string]bool{"localhost": true, "LOCALHOST": true, "127.0.0.1": true, "127.0.0.2": true, "::1": true,
		"mail.example.com": false, "10.0.0.1": false, "localhost.example.com": false, "": false} {
		if got := isLoopback(host); got != want {
			t.Errorf("isLoopback(%q)=%v, want %v", host, got, want)
		}
	}
}
