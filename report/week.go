package report

import (
	"fmt"
	"strings"
	"time"

	"github.com/tallyhq/tally"
)

// Week is a report week: Monday 00:00 to the next Monday 00:00, UTC, like
// every other day boundary in Tally.
type Week struct {
	Start time.Time `json:"start"`
}

// WeekOf returns the week containing t.
func WeekOf(t time.Time) Week {
	day := t.UTC().Truncate(24 * time.Hour)
	return Week{Start: day.AddDate(0, 0, -((int(day.Weekday()) + 6) % 7))}
}

// LastCompleteWeek returns the latest week that ended at or before t: what a
// report sent at t is about.
func LastCompleteWeek(t time.Time) Week { return WeekOf(t).Prev() }

// End returns the first instant after the week.
func (w Week) End() time.Time { return w.Start.AddDate(0, 0, 7) }

// Prev returns the week before w.
func (w Week) Prev() Week { return Week{Start: w.Start.AddDate(0, 0, -7)} }

// Label returns the ISO 8601 week, e.g. "2026-W42": the report-week part of
// the idempotency key.
func (w Week) Label() string {
	y, n := w.Start.ISOWeek()
	return fmt.Sprintf("%04d-W%02d", y, n)
}

// Span returns the week's days for people, e.g. "Oct 12–18, 2026" or
// "Sep 28 – Oct 4, 2026".
func (w Week) Span() string {
	last := w.End().AddDate(0, 0, -1)
	switch {
	case last.Year() != w.Start.Year():
		return w.Start.Format("Jan 2, 2006") + " – " + last.Format("Jan 2, 2006")
	case last.Month() != w.Start.Month():
		return w.Start.Format("Jan 2") + " – " + last.Format("Jan 2, 2006")
	}
	return w.Start.Format("Jan 2") + "–" + last.Format("2, 2006")
}

// weekForm says what a week is written as, in ParseWeek's errors.
const weekForm = "want an ISO week such as 2026-W47, or a date in it such as 2026-11-18"

// ParseWeek reads a week as an ISO week ("2026-W42") or any date in it
// ("2026-10-14"), from 0001-W01 on.
func ParseWeek(s string) (Week, error) {
	w, err := parseWeek(strings.TrimSpace(s))
	if err != nil {
		return Week{}, err
	}
	// Before it, ISO years are 0 and negative: the week of 0000-01-01 is
	// one of year −1, labelled "-001-W52", which no week reads as.
	if y, _ := w.Start.ISOWeek(); y < 1 {
		return Week{}, tally.Errorf(tally.EInvalid, "week %q: before 0001-W01; %s", strings.TrimSpace(s), weekForm)
	}
	return w, nil
}

func parseWeek(s string) (Week, error) {
	if len(s) >= 7 && len(s) <= 8 && s[4] == '-' && (s[5] == 'W' || s[5] == 'w') {
		// Four digits of year and one or two of week, nothing else (Sscanf
		// took "2026-W4x" for week 4 and "2026-W+4" too).
		y, yok := digits(s[:4])
		n, nok := digits(s[6:])
		if !yok || !nok {
			return Week{}, tally.Errorf(tally.EInvalid, "week %q: %s", s, weekForm)
		}
		// ISO week 1 contains January 4.
		jan4 := time.Date(y, 1, 4, 0, 0, 0, 0, time.UTC)
		w := WeekOf(jan4)
		w.Start = w.Start.AddDate(0, 0, 7*(n-1))
		if n < 1 || n > 53 || w.Label() != fmt.Sprintf("%04d-W%02d", y, n) {
			return Week{}, tally.Errorf(tally.EInvalid, "week %q: %d has no week %d; %s", s, y, n, weekForm)
		}
		return w, nil
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Week{}, tally.Errorf(tally.EInvalid, "week %q: %s", s, weekForm)
	}
	return WeekOf(t), nil
}

// digits returns the number s writes in ASCII digits only.
func digits(s string) (int, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		n = n*10 + int(s[i]-'0')
	}
	return n, s != ""
}

// CheckEnded returns an EInvalid error unless w ended at or before now: a
// week in progress (or to come) has no bill to report yet.
func (w Week) CheckEnded(now time.Time) error {
	if w.End().After(now) {
		return tally.Errorf(tally.EInvalid, "week %s (%s) has not ended yet: it ends %s", w.Label(), w.Span(), w.End().Format(time.RFC3339))
	}
	return nil
}
