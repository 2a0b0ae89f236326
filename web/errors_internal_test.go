package web

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/tallyhq/tally"
)

// TestWriteJSONUnencodable: an answer JSON cannot hold (a time past year
// 9999) is a 500 with a JSON error body; it was a 200 with an empty body,
// the status written before the encoder failed.
func TestWriteJSONUnencodable(t *testing.T) {
	rec := httptest.NewRecorder()
	writeJSON(rec, http.StatusOK, map[string]time.Time{"end": time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)})
	var body errorBody
	if err := json.Unmarshal(rec.Body.Bytes(), &body); rec.Code != http.StatusInternalServerError || err != nil || body.Code != "internal" || body.Message == "" {
		t.Errorf("status %d, body %q (%v); want 500 with a JSON error", rec.Code, rec.Body.String(), err)
	}
	rec = httptest.NewRecorder()
	writeJSON(rec, http.StatusCreated, map[string]int{"n": 1})
	if rec.Code != http.StatusCreated || rec.Body.String() != "{\"n\":1}\n" {
		t.Errorf("status %d, body %q; want 201 {\"n\":1}", rec.Code, rec.Body.String())
	}
}

// TestCalendarPeriodsBounded: a window of more periods than a query may
// have steps is refused before they are built; a century of hours was
// built whole (876,600 windows) and only then refused.
func TestCalendarPeriodsBounded(t *testing.T) {
	century := tally.Window{Start: time.Date(1926, 1, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	var err error
	allocs := testing.AllocsPerRun(1, func() { _, err = calendarPeriods(century, "hour") })
	if tally.ErrorCode(err) != tally.EInvalid || allocs > 30 {
		t.Errorf("a century of hours: %v after %.0f allocations; want EInvalid, few allocations", err, allocs)
	}
	ps, err := calendarPeriods(century, "quarter")
	if err != nil || len(ps) != 400 {
		t.Errorf("a century of quarters: %d periods, %v; want 400", len(ps), err)
	}
}
