// Package smtptest is a mail server for tests: it speaks enough SMTP for
// net/smtp (EHLO, STARTTLS, AUTH PLAIN, MAIL, RCPT, DATA, RSET, NOOP,
// QUIT), on 127.0.0.1, and hands each message it takes to a channel.
package smtptest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"math/big"
	"net"
	"net/textproto"
	"strings"
	"sync"
	"testing"
	"time"
)

// Options are what a sink offers.
type Options struct {
	// TLS offers STARTTLS with this configuration; nil offers none.
	TLS *tls.Config
	// User and Password, if set, are the one account AUTH PLAIN takes, and
	// a message is refused without it.
	User, Password string
}

// Message is one mail the sink took.
type Message struct {
	From string
	To   []string
	Data string // header and body, dots unstuffed and lines ending in \n
	TLS  bool   // sent after STARTTLS
	User string // the user it signed in as, "" for none
}

// Sink is a running mail server.
type Sink struct {
	Addr     string // host:port
	Host     string
	Port     int
	Messages chan Message // each message taken, in order
	opts     Options
	ln       net.Listener
	done     chan struct{} // closed when the test ends
	wg       sync.WaitGroup
}

// Start runs a sink until the test ends.
func Start(t testing.TB, opts Options) *Sink {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	a := ln.Addr().(*net.TCPAddr)
	s := &Sink{Addr: a.String(), Host: a.IP.String(), Port: a.Port, Messages: make(chan Message, 16), opts: opts, ln: ln,
		done: make(chan struct{})}
	s.wg.Go(func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			s.wg.Go(func() { s.serve(conn) })
		}
	})
	t.Cleanup(func() {
		close(s.done)
		ln.Close()
		s.wg.Wait()
	})
	return s
}

// serve speaks SMTP on one connection until QUIT or an error.
func (s *Sink) serve(conn net.Conn) {
	defer func() { conn.Close() }()
	conn.SetDeadline(time.Now().Add(time.Minute)) // a stuck client does not hold the test's end
	tp := textproto.NewConn(conn)
	tp.PrintfLine("220 sink ESMTP")
	var m Message
	for {
		line, err := tp.ReadLine()
		if err != nil {
			return
		}
		verb, arg, _ := strings.Cut(line, " ")
		switch strings.ToUpper(verb) {
		case "EHLO", "HELO":
			lines := []string{"sink"}
			if s.opts.TLS != nil && !m.TLS {
				lines = append(lines, "STARTTLS")
			}
			if s.opts.User != "" {
				lines = append(lines, "AUTH PLAIN")
			}
			lines = append(lines, "8BITMIME")
			for i, l := range lines {
				sep := "-"
				if i == len(lines)-1 {
					sep = " "
				}
				tp.PrintfLine("250%s%s", sep, l)
			}
		case "STARTTLS":
			if s.opts.TLS == nil || m.TLS {
				tp.PrintfLine("502 no STARTTLS here")
				continue
			}
			tp.PrintfLine("220 go ahead")
			tc := tls.Server(conn, s.opts.TLS)
			if err := tc.Handshake(); err != nil {
				return
			}
			conn, tp = tc, textproto.NewConn(tc)
			m = Message{TLS: true} // RFC 3207: all is forgotten
		case "AUTH":
			mech, resp, _ := strings.Cut(arg, " ")
			if !strings.EqualFold(mech, "PLAIN") || s.opts.User == "" {
				tp.PrintfLine("504 PLAIN only")
				continue
			}
			if resp == "" {
				tp.PrintfLine("334 ")
				if resp, err = tp.ReadLine(); err != nil {
					return
				}
			}
			b, _ := base64.StdEncoding.DecodeString(resp)
			if !bytes.Equal(b, []byte("\x00"+s.opts.User+"\x00"+s.opts.Password)) {
				tp.PrintfLine("535 wrong user or password")
				continue
			}
			m.User = s.opts.User
			tp.PrintfLine("235 signed in")
		case "MAIL":
			if s.opts.User != "" && m.User == "" {
				tp.PrintfLine("530 sign in first")
				continue
			}
			m.From = address(arg)
			tp.PrintfLine("250 ok")
		case "RCPT":
			m.To = append(m.To, address(arg))
			tp.PrintfLine("250 ok")
		case "DATA":
			if m.From == "" || len(m.To) == 0 {
				tp.PrintfLine("503 MAIL and RCPT first")
				continue
			}
			tp.PrintfLine("354 go ahead")
			data, err := tp.ReadDotBytes()
			if err != nil {
				return
			}
			m.Data = string(data)
			select {
			case s.Messages <- m:
			case <-s.done:
				return
			}
			m = Message{TLS: m.TLS, User: m.User}
			tp.PrintfLine("250 taken")
		case "RSET":
			m = Message{TLS: m.TLS, User: m.User}
			tp.PrintfLine("250 ok")
		case "NOOP":
			tp.PrintfLine("250 ok")
		case "QUIT":
			tp.PrintfLine("221 bye")
			return
		default:
			tp.PrintfLine("502 not here")
		}
	}
}

// address is the address of "FROM:<a@b> SIZE=…" or "TO:<a@b>".
func address(arg string) string {
	_, rest, _ := strings.Cut(arg, "<")
	a, _, _ := strings.Cut(rest, ">")
	return a
}

// Certificate makes a self-signed certificate for 127.0.0.1, localhost and
// the other names given, and returns the server's TLS configuration and a
// pool for the client that trusts it.
func Certificate(t testing.TB, names ...string) (*tls.Config, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "smtptest"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA:         true, BasicConstraintsValid: true,
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames:    append([]string{"localhost"}, names...),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}, pool
}
