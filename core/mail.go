package core

import (
	"bytes"
	"cmp"
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"mime"
	"net"
	"net/smtp"
	"strconv"
	"strings"
	"time"
)

// SMTPConfig is the mail server password reset links are sent through.
// Without a Host no mail is sent: the forgotten-password page sends people
// to the operator ("paperboy user reset-password").
type SMTPConfig struct {
	Host string
	Port int // 587 if 0
	// User and Password sign in with AUTH PLAIN; none: no AUTH.
	User, Password string
	// From is the sender's address, such as paperboy@example.com.
	From string
	// TLS is the client's TLS configuration for STARTTLS, nil for the
	// system's roots and Host as the server's name: tests trust their own
	// certificate through it.
	TLS *tls.Config
	// Timeout bounds one message from the dial to QUIT; 30 s if 0.
	Timeout time.Duration
	// dial connects to the server, net.Dialer's if nil: tests name a host
	// that is not loopback and reach their sink.
	dial func(ctx context.Context, network, addr string) (net.Conn, error)
}

// DefaultSMTPPort is the submission port, where STARTTLS is spoken.
const DefaultSMTPPort = 587

// defaultSMTPTimeout is room for a slow mail server, not for a stuck one.
const defaultSMTPTimeout = 30 * time.Second

// mailQueue is how many mails may wait for the sender: a burst of reset
// requests beyond it (each rate-limited by email and address) is dropped,
// and logged, rather than held in memory.
const mailQueue = 64

// outMail is one message waiting to be sent.
type outMail struct {
	to      string
	subject string
	body    string
	userID  int64 // for the log, which never names the address
}

// isLoopback says whether a host is this machine: the one place a password
// may go over a plain connection.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// sendMail sends one message: STARTTLS whenever the server offers it, and
// no password over a plain connection to another machine. The whole
// exchange is bounded by ctx's deadline.
func sendMail(ctx context.Context, c SMTPConfig, m outMail) error {
	dial := c.dial
	if dial == nil {
		dial = (&net.Dialer{}).DialContext
	}
	conn, err := dial(ctx, "tcp", net.JoinHostPort(c.Host, strconv.Itoa(cmp.Or(c.Port, DefaultSMTPPort))))
	if err != nil {
		return err
	}
	defer conn.Close()
	if d, ok := ctx.Deadline(); ok {
		conn.SetDeadline(d)
	}
	// A cancelled context (the server stopping) ends the exchange too.
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Now()) })
	defer stop()
	client, err := smtp.NewClient(conn, c.Host)
	if err != nil {
		return err
	}
	defer client.Close()
	if err := client.Hello("localhost"); err != nil {
		return err
	}
	tlsOn := false
	if ok, _ := client.Extension("STARTTLS"); ok {
		cfg := c.TLS.Clone()
		if cfg == nil {
			cfg = &tls.Config{}
		}
		if cfg.ServerName == "" {
			cfg.ServerName = c.Host
		}
		if err := client.StartTLS(cfg); err != nil {
			return fmt.Errorf("STARTTLS: %w", err)
		}
		tlsOn = true
	}
	if c.User != "" {
		if !tlsOn && !isLoopback(c.Host) {
			return fmt.Errorf("%s offers no STARTTLS: the SMTP password is not sent over a plain connection", c.Host)
		}
		// PlainAuth checks again, as strictly or more (it knows fewer
		// names as local).
		if err := client.Auth(smtp.PlainAuth("", c.User, c.Password, c.Host)); err != nil {
			return fmt.Errorf("AUTH: %w", err)
		}
	}
	if err := client.Mail(c.From); err != nil {
		return err
	}
	if err := client.Rcpt(m.to); err != nil {
		return err
	}
	w, err := client.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(message(c.From, m)); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return client.Quit()
}

// message is a mail's header and text, CRLF line ends; the subject is
// encoded if it is not ASCII.
func message(from string, m outMail) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "From: %s\r\nTo: %s\r\nSubject: %s\r\n", from, m.to, mime.QEncoding.Encode("utf-8", m.subject))
	fmt.Fprintf(&b, "Date: %s\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n",
		time.Now().UTC().Format(time.RFC1123Z))
	for line := range strings.Lines(m.body) {
		b.WriteString(strings.TrimRight(line, "\r\n"))
		b.WriteString("\r\n")
	}
	return b.Bytes()
}

// queueMail hands a message to the sender, off the request: a slow mail
// server never holds a page. A full queue drops it, and says so in the log.
func (s *Server) queueMail(m outMail) {
	select {
	case s.mail <- m:
	default:
		s.log.Warn("mail dropped: too many waiting to be sent", "user", m.userID)
	}
}

// runMail sends the queued mails, one at a time, until the server stops.
// A failure is logged, with the user's id: never their address, nor the
// message (it carries a reset link).
func (s *Server) runMail() {
	for {
		select {
		case <-s.ctx.Done():
			return
		case m := <-s.mail:
			ctx, cancel := context.WithTimeout(s.ctx, cmp.Or(s.cfg.SMTP.Timeout, defaultSMTPTimeout))
			err := sendMail(ctx, s.cfg.SMTP, m)
			cancel()
			if err != nil {
				// A server's answer may quote the address: it is cut out.
				msg := strings.ReplaceAll(err.Error(), m.to, "<recipient>")
				s.log.Warn("mail not sent", "user", m.userID, "subject", m.subject, slog.String("error", msg))
				continue
			}
			s.log.Info("mail sent", "user", m.userID, "subject", m.subject)
		}
	}
}
