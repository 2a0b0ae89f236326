package smtp_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/internal/smtptest"
	"github.com/tallyhq/tally/report"
	"github.com/tallyhq/tally/report/smtp"
)

func usd(s string) tally.Money { return tally.MustParseMoney(s, "USD") }

// sample is a small report built in memory.
func sample() *report.Report {
	wk := report.WeekOf(time.Date(2026, 10, 12, 0, 0, 0, 0, time.UTC))
	r := &report.Report{Audience: report.Audience{Name: "org", Title: `Example "Corp" <R&D>`}, Week: wk, Currency: "USD",
		Generated: time.Date(2026, 10, 19, 8, 0, 0, 0, time.UTC), ExpiringAvailable: true}
	for d := 0; d < 56; d++ {
		r.Daily = append(r.Daily, report.DailyCost{Day: wk.End().AddDate(0, 0, d-56), Cost: usd("200").Round(2)})
	}
	r.Spend = report.Spend{ThisWeek: usd("1400"), LastWeek: usd("1300"), Avg4Weeks: usd("1250"),
		VsLastWeek: report.Change{Delta: usd("100"), Ratio: 100.0 / 1300, Base: true}, VsAvg: report.Change{Delta: usd("150"), Ratio: 0.12, Base: true}}
	r.Month = report.MonthOutlook{Month: time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC), Through: wk.End(), MonthToDate: usd("3600"),
		Unavailable: "not available yet"}
	r.Movers = []report.MoverSet{{Dimension: "workload", Title: "Workloads", Movers: []report.Mover{
		{Name: "shop/checkout", LastWeek: usd("50"), ThisWeek: usd("75"), Ratio: 0.5, HasBase: true,
			Components: report.Components{Delta: usd("25"), Usage: usd("20"), Price: usd("2"), Coverage: usd("3")}, Link: "https://tally.example.com/allocations?x=1"},
	}}}
	r.Rightsizing.Unavailable, r.Commitments.Unavailable = "not available yet", "not available yet"
	return r
}

func email(t *testing.T, to string) *report.Email {
	t.Helper()
	rendered, err := report.Render(sample())
	if err != nil {
		t.Fatal(err)
	}
	wk := report.WeekOf(time.Date(2026, 10, 12, 0, 0, 0, 0, time.UTC))
	key := report.DeliveryKey(wk, "org", to)
	berlin, _ := time.LoadLocation("Europe/Berlin")
	return report.NewEmail(rendered, "Tally Reports <tally@example.com>", to, key, wk, "org", time.Date(2026, 10, 19, 8, 0, 3, 0, berlin))
}

// TestRoundTrip sends a report through a real SMTP server over STARTTLS
// and implicit TLS with authentication, and checks the MIME it received.
func TestRoundTrip(t *testing.T) {
	for _, mode := range []string{"starttls", "tls"} {
		t.Run(mode, func(t *testing.T) {
			srv := smtptest.Start(t, smtptest.Options{TLS: mode, Username: "tally", Password: "s3cret"})
			s, err := smtp.New(smtp.Config{Host: srv.Host, Port: srv.Port, TLS: mode, Username: "tally", Password: "s3cret",
				TLSConfig: &tls.Config{RootCAs: srv.Roots}, Timeout: 10 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			e := email(t, "ana@example.com")
			transmitted := false
			if err := s.Send(context.Background(), e, func() error { transmitted = true; return nil }); err != nil {
				t.Fatal(err)
			}
			if !transmitted {
				t.Error("transmit was not called")
			}
			msgs := srv.Messages()
			if len(msgs) != 1 {
				t.Fatalf("server got %d messages", len(msgs))
			}
			m := msgs[0]
			if m.From != "tally@example.com" || strings.Join(m.To, ",") != "ana@example.com" || m.Auth != "tally" {
				t.Errorf("envelope from %q to %v auth %q", m.From, m.To, m.Auth)
			}
			checkMIME(t, m.Data, e)
		})
	}
}

func checkMIME(t *testing.T, data []byte, e *report.Email) {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	h := msg.Header
	subject, err := new(mime.WordDecoder).DecodeHeader(h.Get("Subject"))
	if err != nil || subject != e.Subject || !strings.Contains(subject, "Oct 12–18, 2026") || !strings.Contains(subject, "$1,400") {
		t.Errorf("subject %q (%v), want %q", subject, err, e.Subject)
	}
	if to, _ := h.AddressList("To"); len(to) != 1 || to[0].Address != "ana@example.com" {
		t.Errorf("To %v", h.Get("To"))
	}
	if from, _ := h.AddressList("From"); len(from) != 1 || from[0].Address != "tally@example.com" || from[0].Name != "Tally Reports" {
		t.Errorf("From %v", h.Get("From"))
	}
	date, err := h.Date()
	if err != nil || !date.Equal(e.Date) || !strings.HasSuffix(h.Get("Date"), "+0200") {
		t.Errorf("Date %q (%v), want %v in Berlin summer time", h.Get("Date"), err, e.Date)
	}
	if h.Get("Message-Id") != "<"+e.MessageID+">" || !strings.HasSuffix(e.MessageID, "@example.com") {
		t.Errorf("Message-ID %q, want <%s>", h.Get("Message-Id"), e.MessageID)
	}
	if h.Get("X-Tally-Report") != "weekly 2026-W42 org" || h.Get("Auto-Submitted") != "auto-generated" {
		t.Errorf("headers %v", h)
	}
	// multipart/related { multipart/alternative { text/plain, text/html }, image/png… }
	mt, params, err := mime.ParseMediaType(h.Get("Content-Type"))
	if err != nil || mt != "multipart/related" {
		t.Fatalf("top-level %q (%v), want multipart/related", h.Get("Content-Type"), err)
	}
	related := multipart.NewReader(msg.Body, params["boundary"])
	alt, err := related.NextPart()
	if err != nil {
		t.Fatal(err)
	}
	amt, aparams, _ := mime.ParseMediaType(alt.Header.Get("Content-Type"))
	if amt != "multipart/alternative" {
		t.Fatalf("first part %q, want multipart/alternative", amt)
	}
	var text, html string
	ar := multipart.NewReader(alt, aparams["boundary"])
	var order []string
	for {
		p, err := ar.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		ct, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		body, err := io.ReadAll(p) // decodes quoted-printable
		if err != nil {
			t.Fatal(err)
		}
		order = append(order, ct)
		switch ct {
		case "text/plain":
			text = string(body)
		case "text/html":
			html = string(body)
		}
	}
	if strings.Join(order, ",") != "text/plain,text/html" {
		t.Errorf("alternatives %v, want text/plain then text/html (the preferred last)", order)
	}
	crlf := strings.NewReplacer("\r\n", "\n")
	if crlf.Replace(text) != e.Text || crlf.Replace(html) != e.HTML {
		t.Errorf("bodies changed in transit (text %v, html %v)", text == e.Text, html == e.HTML)
	}
	if !strings.Contains(html, "Example &#34;Corp&#34; &lt;R&amp;D&gt;") {
		t.Error("the audience title is not escaped in the HTML")
	}
	cids := map[string]bool{}
	for _, m := range regexp.MustCompile(`src="cid:([^"]+)"`).FindAllStringSubmatch(html, -1) {
		cids[m[1]] = false
	}
	if len(cids) != 2 {
		t.Errorf("the HTML references %d images, want 2 (trend, movers)", len(cids))
	}
	for {
		p, err := related.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		ct, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		// RFC 2045 and 2392: a Content-ID is a msg-id, in angle
		// brackets; cid:ID names the part whose Content-ID is <ID>.
		raw := p.Header.Get("Content-Id")
		cid := strings.TrimSuffix(strings.TrimPrefix(raw, "<"), ">")
		if raw != "<"+cid+">" {
			t.Errorf("embedded part's Content-ID %q: want <%s>", raw, cid)
		}
		disp, _, _ := mime.ParseMediaType(p.Header.Get("Content-Disposition"))
		var src io.Reader = p
		if strings.EqualFold(p.Header.Get("Content-Transfer-Encoding"), "base64") {
			src = base64.NewDecoder(base64.StdEncoding, p)
		}
		body, _ := io.ReadAll(src)
		if ct != "image/png" || disp != "inline" || !bytes.HasPrefix(body, []byte("\x89PNG\r\n\x1a\n")) {
			t.Errorf("embedded part %s: %s, %s, %d bytes", cid, ct, disp, len(body))
		}
		if _, ok := cids[cid]; !ok {
			t.Errorf("image %s is not referenced by the HTML", cid)
		}
		cids[cid] = true
	}
	for cid, found := range cids {
		if !found {
			t.Errorf("the HTML references cid:%s, which is not attached", cid)
		}
	}
}

// TestTransmitAborts checks nothing is sent when transmit fails.
func TestTransmitAborts(t *testing.T) {
	srv := smtptest.Start(t, smtptest.Options{TLS: "none"})
	s, err := smtp.New(smtp.Config{Host: srv.Host, Port: srv.Port, TLS: "none", Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	boom := errors.New("database down")
	if err := s.Send(context.Background(), email(t, "ana@example.com"), func() error { return boom }); !errors.Is(err, boom) {
		t.Fatalf("err %v, want %v", err, boom)
	}
	if n := len(srv.Messages()); n != 0 {
		t.Fatalf("server got %d messages", n)
	}
}

// TestRejections: a 5xx rejection is permanent, a 4xx or a dead server is not.
func TestRejections(t *testing.T) {
	for _, tt := range []struct {
		name      string
		err       error
		permanent bool
	}{
		{"5xx", &smtptestError{550, "mailbox unavailable"}, true},
		{"4xx", &smtptestError{451, "try again later"}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := smtptest.Start(t, smtptest.Options{TLS: "none", OnData: func(smtptest.Message) error { return tt.err.(*smtptestError).smtp() }})
			s, _ := smtp.New(smtp.Config{Host: srv.Host, Port: srv.Port, TLS: "none", Timeout: 10 * time.Second})
			err := s.Send(context.Background(), email(t, "ana@example.com"), func() error { return nil })
			if err == nil || errors.Is(err, report.ErrPermanent) != tt.permanent || errors.Is(err, report.ErrMaybeSent) {
				t.Fatalf("err %v, want permanent=%v, not maybe sent (the server replied)", err, tt.permanent)
			}
		})
	}
	s, _ := smtp.New(smtp.Config{Host: "127.0.0.1", Port: 1, TLS: "none", Timeout: 2 * time.Second})
	if err := s.Send(context.Background(), email(t, "ana@example.com"), func() error { return nil }); err == nil || errors.Is(err, report.ErrPermanent) {
		t.Fatalf("connection refused: %v, want a temporary error", err)
	}
}

// TestLostReply: the server's reply to the end of the message comes after
// the client's timeout. The server may have accepted the message (here it
// did): the error says so (report.ErrMaybeSent), so it is not retried. It
// was a temporary error, and the dispatcher sent the message again.
func TestLostReply(t *testing.T) {
	srv := smtptest.Start(t, smtptest.Options{TLS: "none", OnData: func(smtptest.Message) error {
		time.Sleep(2 * time.Second)
		return nil
	}})
	s, err := smtp.New(smtp.Config{Host: srv.Host, Port: srv.Port, TLS: "none", Timeout: 500 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	err = s.Send(context.Background(), email(t, "ana@example.com"), func() error { return nil })
	if !errors.Is(err, report.ErrMaybeSent) || errors.Is(err, report.ErrPermanent) {
		t.Fatalf("err %v, want report.ErrMaybeSent", err)
	}
	if n := len(srv.Wait(1, 5*time.Second)); n != 1 {
		t.Fatalf("the server accepted %d messages, want 1", n)
	}
}

func TestWriteEML(t *testing.T) {
	e := email(t, "ana@example.com")
	var buf bytes.Buffer
	if err := smtp.WriteEML(&buf, e); err != nil {
		t.Fatal(err)
	}
	checkMIME(t, buf.Bytes(), e)
}

func TestNewChecksConfig(t *testing.T) {
	for _, c := range []smtp.Config{{}, {Host: "x", TLS: "ssl"}, {Host: "x", Port: 70000}} {
		if _, err := smtp.New(c); err == nil {
			t.Errorf("%+v: want an error", c)
		}
	}
}
