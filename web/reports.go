package web

import (
	"context"
	"net/http"

	"github.com/tallyhq/tally"
)

// ReportPreviewer renders an audience's weekly report for the dashboard.
type ReportPreviewer interface {
	// WeeklyPreview returns the report of audience ("" for the default) for
	// week ("" for the last complete week: an ISO week or a date in it) as a
	// self-contained HTML page, or as plain text when text is set.
	WeeklyPreview(ctx context.Context, audience, week string, text bool) ([]byte, error)
}

// reportPreview answers GET /api/v1/reports/weekly/preview?audience=A[&week=2026-W42][&format=html|text]
// with the report exactly as the email shows it (charts inline as data: URIs).
func (s *Server) reportPreview(w http.ResponseWriter, r *http.Request) {
	if s.reports == nil {
		s.error(w, r, tally.Errorf(tally.EUnavailable, "weekly reports are not configured on this server"))
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
	}
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
}
