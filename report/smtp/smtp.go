// Package smtp delivers weekly reports through an SMTP server with
// github.com/wneessen/go-mail: STARTTLS or implicit TLS, authentication, and
// MIME built as multipart/related (a multipart/alternative of the plain
// text and the HTML, then the PNG charts the HTML references by Content-ID).
package smtp

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"time"

	mail "github.com/wneessen/go-mail"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/report"
)

// TLS modes.
const (
	TLSStartTLS = "starttls" // plain connection upgraded with STARTTLS, which is required
	TLSImplicit = "tls"      // TLS from the first byte (SMTPS, port 465)
	TLSNone     = "none"     // no encryption: only for a relay on the same host or network
)

// Config is how to reach the mail server.
type Config struct {
	Host     string
	Port     int    // default 587 (starttls), 465 (tls), 25 (none)
	TLS      string // TLSStartTLS (default), TLSImplicit or TLSNone
	Username string // empty: no authentication
	Password string
	// TLSConfig overrides the TLS settings (e.g. a private CA); ServerName
	// defaults to Host.
	TLSConfig *tls.Config
	// Timeout bounds connecting and each command. Default 30 s.
	Timeout time.Duration
	// HELO is the name given in EHLO. Default: the machine's host name.
	HELO string
}

// Sender sends reports through one SMTP server.
type Sender struct {
	cfg Config
}

// New checks cfg and returns a Sender.
func New(cfg Config) (*Sender, error) {
	if cfg.Host == "" {
		return nil, tally.Errorf(tally.EInvalid, "smtp: no host configured")
	}
	switch cfg.TLS {
	case "":
		cfg.TLS = TLSStartTLS
	case TLSStartTLS, TLSImplicit, TLSNone:
	default:
		return nil, tally.Errorf(tally.EInvalid, "smtp tls %q: want starttls, tls or none", cfg.TLS)
	}
	if cfg.Port == 0 {
		cfg.Port = map[string]int{TLSStartTLS: 587, TLSImplicit: 465, TLSNone: 25}[cfg.TLS]
	}
	if cfg.Port < 1 || cfg.Port > 65535 {
		return nil, tally.Errorf(tally.EInvalid, "smtp port %d: want 1–65535", cfg.Port)
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	return &Sender{cfg: cfg}, nil
}

// Addr returns host:port.
func (s *Sender) Addr() string { return net.JoinHostPort(s.cfg.Host, strconv.Itoa(s.cfg.Port)) }

func (s *Sender) client() (*mail.Client, error) {
	opts := []mail.Option{mail.WithPort(s.cfg.Port), mail.WithTimeout(s.cfg.Timeout), mail.WithTLSConfig(tlsConfigOrDefault(s.cfg))}
	if s.cfg.Username != "" {
		opts = append(opts, mail.WithSMTPAuth(mail.SMTPAuthAutoDiscover), mail.WithUsername(s.cfg.Username), mail.WithPassword(s.cfg.Password))
	}
	if s.cfg.HELO != "" {
		opts = append(opts, mail.WithHELO(s.cfg.HELO))
	}
	c, err := mail.NewClient(s.cfg.Host, opts...)
	if err != nil {
		return nil, tally.Errorf(tally.EInvalid, "smtp %s: %v", s.Addr(), err)
	}
	// Set the policies directly: the *PortPolicy options would change the port.
	switch s.cfg.TLS {
	case TLSStartTLS:
		c.SetTLSPolicy(mail.TLSMandatory)
	case TLSImplicit:
		c.SetTLSPolicy(mail.NoTLS) // TLS from the first byte, no STARTTLS on top
		c.SetSSL(true)
	case TLSNone:
		c.SetTLSPolicy(mail.NoTLS)
	}
	return c, nil
}

// Send connects, authenticates, calls transmit and hands e to the server.
// When transmit fails nothing is sent. Rejections with a 5xx code wrap
// report.ErrPermanent; connection failures before the end of the message
// and 4xx codes are temporary. A failure to read the server's reply to the
// end of the message (a timeout, a dropped connection) wraps
// report.ErrMaybeSent: the server may have accepted the message.
func (s *Sender) Send(ctx context.Context, e *report.Email, transmit func() error) error {
	msg, err := Message(e)
	if err != nil {
		return fmt.Errorf("%w: %v", report.ErrPermanent, err)
	}
	c, err := s.client()
	if err != nil {
		return err
	}
	sc, err := c.DialToSMTPClientWithContext(ctx)
	if err != nil {
		return fmt.Errorf("smtp %s: connect: %w", s.Addr(), err)
	}
	defer c.CloseWithSMTPClient(sc)
	if err := transmit(); err != nil {
		return fmt.Errorf("smtp %s: before sending: %w", s.Addr(), err)
	}
	if err := c.SendWithSMTPClient(sc, msg); err != nil {
		return s.sendError(msg, err)
	}
	return nil
}

// sendError classifies the failure err of handing msg over. Only a reply of
// the server says what became of a message whose end it received (the
// final "." of DATA): 5xx rejected it for good, 4xx for now; without a
// reply it may have been accepted, and sending it again could deliver it
// twice. Before the end of the message (MAIL, RCPT, DATA, the content) the
// server cannot have accepted it, so every failure there but a 5xx is
// temporary. A message the server accepted is sent, even when what follows
// (RSET) fails.
func (s *Sender) sendError(msg *mail.Msg, err error) error {
	if msg.IsDelivered() {
		return nil
	}
	var se *mail.SendError
	if !errors.As(err, &se) {
		return fmt.Errorf("smtp %s: send: %w", s.Addr(), err)
	}
	code := se.ErrorCode() // 4xx or 5xx when the server replied, else 0
	switch {
	case code >= 500 && !se.IsTemp():
		return fmt.Errorf("smtp %s: %w: %v", s.Addr(), report.ErrPermanent, err)
	case se.Reason == mail.ErrSMTPDataClose && code < 400:
		return fmt.Errorf("smtp %s: %w: %v", s.Addr(), report.ErrMaybeSent, err)
	}
	return fmt.Errorf("smtp %s: send: %w", s.Addr(), err)
}

func tlsConfigOrDefault(cfg Config) *tls.Config {
	if cfg.TLSConfig != nil {
		tc := cfg.TLSConfig.Clone()
		if tc.ServerName == "" {
			tc.ServerName = cfg.Host
		}
		return tc
	}
	return &tls.Config{ServerName: cfg.Host, MinVersion: tls.VersionTLS12}
}

// Message builds the MIME message of e: multipart/related holding a
// multipart/alternative (text/plain, then text/html) and the inline PNGs,
// each with the Content-ID the HTML's cid: URLs name, in angle brackets
// as RFC 2045 writes it (cid:trend@tally names <trend@tally>).
func Message(e *report.Email) (*mail.Msg, error) {
	m := mail.NewMsg(mail.WithNoDefaultUserAgent())
	if err := m.From(e.From); err != nil {
		return nil, fmt.Errorf("from %q: %w", e.From, err)
	}
	if err := m.To(e.To); err != nil {
		return nil, fmt.Errorf("to %q: %w", e.To, err)
	}
	m.Subject(e.Subject)
	m.SetDateWithValue(e.Date)
	m.SetMessageIDWithValue(e.MessageID)
	for k, v := range e.Headers {
		m.SetGenHeader(mail.Header(k), v)
	}
	m.SetGenHeader(mail.HeaderUserAgent, "Tally/"+tally.Version)
	m.SetGenHeader(mail.HeaderXMailer, "Tally/"+tally.Version)
	m.SetBodyString(mail.TypeTextPlain, e.Text)
	m.AddAlternativeString(mail.TypeTextHTML, e.HTML)
	for _, im := range e.Images {
		if err := m.EmbedReader(im.Name, bytes.NewReader(im.PNG), mail.WithFileContentID("<"+im.ContentID+">"),
			mail.WithFileContentType("image/png")); err != nil {
			return nil, fmt.Errorf("embed %s: %w", im.Name, err)
		}
	}
	return m, nil
}

// WriteEML writes e as an .eml file (RFC 5322), as it would be sent.
func WriteEML(w io.Writer, e *report.Email) error {
	m, err := Message(e)
	if err != nil {
		return err
	}
	_, err = m.WriteTo(w)
	return err
}
