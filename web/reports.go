package web

import (
	"bytes"
	"context"
	"net/http"
	"net/url"

	"github.com/tallyhq/tally"
)

// ReportPreviewer renders an audience's weekly report for the dashboard.
type ReportPreviewer interface {
	// WeeklyPreview returns the report of audience ("" for the default) for
	// week ("" for the last complete week: an ISO week or a date in it) as a
	// self-contained HTML page, or as plain text when text is set.
	WeeklyPreview(ctx context.Context, audience, week string, text bool) ([]byte, error)
	// WeeklySubject returns which week ("" for the last complete one) the
	// report of audience is about, as YYYY-MM-DD of its Monday, and its subject line.
	WeeklySubject(ctx context.Context, audience, week string) (monday, subject string, err error)
}

// weeklyReport is the body of GET /api/v1/reports/weekly.
type weeklyReport struct {
	Week       string `json:"week"` // its Monday, YYYY-MM-DD
	Subject    string `json:"subject"`
	PreviewURL string `json:"previewUrl"`
}

// weeklyReportInfo answers GET /api/v1/reports/weekly?audience=A[&week=W]:
// which week the report covers, its subject, and where its preview is.
func (s *Server) weeklyReportInfo(w http.ResponseWriter, r *http.Request) {
	if s.reports == nil {
		s.error(w, r, tally.Errorf(tally.ENotConfigured, "weekly reports are not configured on this server"))
		return
	}
	q := r.URL.Query()
	monday, subject, err := s.reports.WeeklySubject(r.Context(), q.Get("audience"), q.Get("week"))
	if err != nil {
		s.error(w, r, err)
		return
	}
	preview := url.Values{"week": {monday}}
	if a := q.Get("audience"); a != "" {
		preview.Set("audience", a)
	}
	writeJSON(w, http.StatusOK, weeklyReport{Week: monday, Subject: subject, PreviewURL: "/api/v1/reports/weekly/preview?" + preview.Encode()})
}

// reportPreview answers GET /api/v1/reports/weekly/preview?audience=A[&week=2026-W42][&format=html|text]
// with the report exactly as the email shows it (charts inline as data: URIs).
func (s *Server) reportPreview(w http.ResponseWriter, r *http.Request) {
	if s.reports == nil {
		s.error(w, r, tally.Errorf(tally.ENotConfigured, "weekly reports are not configured on this server"))
		return
	}
	q := r.URL.Query()
	format := q.Get("format")
	if format != "" && format != "html" && format != "text" {
		s.error(w, r, tally.Errorf(tally.EInvalid, "format %q: want html or text", format))
		return
	}
	body, err := s.reports.WeeklyPreview(r.Context(), q.Get("audience"), q.Get("week"), format == "text")
	if err != nil {
		s.error(w, r, err)
		return
	}
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	if format == "text" {
		h.Set("Content-Type", "text/plain; charset=utf-8")
	} else {
		h.Set("Content-Type", "text/html; charset=utf-8")
		// The email has no scripts and loads nothing: keep it that way when framed.
		h.Set("Content-Security-Policy", "default-src 'none'; img-src data:; style-src 'unsafe-inline'; frame-ancestors 'self'")
		body = linksToTop(body)
	}
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
}

// linksToTop makes the links of a report page open in the window that frames
// it (the dashboard) rather than in the frame, where the dashboard cannot
// run: <base target="_top"> first in its head (or first of all without one).
func linksToTop(page []byte) []byte {
	const base = `<base target="_top">`
	i := bytes.Index(bytes.ToLower(page), []byte("<head>"))
	if i < 0 {
		return append([]byte(base), page...)
	}
	i += len("<head>")
	out := make([]byte, 0, len(page)+len(base))
	out = append(out, page[:i]...)
	out = append(out, base...)
	return append(out, page[i:]...)
}
