package report

import (
	"crypto/sha256"
	"encoding/hex"
	"net/mail"
	"strings"
	"time"
)

// Email is a rendered report addressed to one recipient.
type Email struct {
	From    string
	To      string
	Subject string
	Date    time.Time
	// MessageID is the Message-ID without angle brackets. It is derived from
	// the idempotency key, so a message sent twice (which the delivery log
	// prevents) would still be one message to the receiving side.
	MessageID string
	Text      string
	HTML      string // references Images as cid:ContentID
	Images    []Image
	// Headers are extra header fields (X-Tally-Report, Auto-Submitted).
	Headers map[string]string
}

// DeliveryKey is the idempotency key of one report to one recipient:
// report-week × audience × recipient, e.g. "weekly/2026-W42/org/ana@example.com".
func DeliveryKey(wk Week, audience, recipient string) string {
	return "weekly/" + wk.Label() + "/" + audience + "/" + strings.ToLower(recipient)
}

// MessageID derives a delivery's Message-ID from its key and the sender's domain.
func MessageID(key, from string) string {
	domain := "tally.localhost"
	if a, err := mail.ParseAddress(from); err == nil {
		if _, d, ok := strings.Cut(a.Address, "@"); ok && d != "" {
			domain = d
		}
	}
	sum := sha256.Sum256([]byte(key))
	return "tally-weekly-" + hex.EncodeToString(sum[:12]) + "@" + domain
}

// NewEmail addresses a rendered report.
func NewEmail(r *Rendered, from, to, key string, wk Week, audience string, date time.Time) *Email {
	return &Email{From: from, To: to, Subject: r.Subject, Date: date, MessageID: MessageID(key, from), Text: r.Text, HTML: r.HTML,
		Images: r.Images, Headers: map[string]string{
			"X-Tally-Report": "weekly " + wk.Label() + " " + audience,
			"Auto-Submitted": "auto-generated", // RFC 3834: no auto-replies
		}}
}
