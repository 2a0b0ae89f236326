package tally

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Hour is an hour bucket [h, h+1) in UTC, counted in hours since the Unix epoch.
type Hour int64

// HourOf returns the hour bucket containing t.
func HourOf(t time.Time) Hour {
	s := t.Unix()
	if s < 0 && s%3600 != 0 {
		return Hour(s/3600 - 1)
	}
	return Hour(s / 3600)
}

// Start returns the first instant of h.
func (h Hour) Start() time.Time { return time.Unix(int64(h)*3600, 0).UTC() }

// End returns the first instant after h.
func (h Hour) End() time.Time { return h.Start().Add(time.Hour) }

// Window returns [h, h+1).
func (h Hour) Window() Window { return Window{Start: h.Start(), End: h.End()} }

// String formats h as RFC 3339, e.g. "2026-11-02T13:00:00Z".
func (h Hour) String() string { return h.Start().Format(time.RFC3339) }

// Window is the half-open interval [Start, End) in UTC.
type Window struct {
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
}

// NewWindow returns [start, end) in UTC; it is an EInvalid error when end is not after start.
func NewWindow(start, end time.Time) (Window, error) {
	if !end.After(start) {
		return Window{}, Errorf(EInvalid, "window %s–%s: end must be after start", start.UTC().Format(time.RFC3339), end.UTC().Format(time.RFC3339))
	}
	return Window{Start: start.UTC(), End: end.UTC()}, nil
}

// Duration returns End − Start.
func (w Window) Duration() time.Duration { return w.End.Sub(w.Start) }

// Contains reports whether t is in [Start, End).
func (w Window) Contains(t time.Time) bool { return !t.Before(w.Start) && t.Before(w.End) }

// Overlap returns how long w and o overlap (zero if they do not).
func (w Window) Overlap(o Window) time.Duration {
	in := w.Intersect(o)
	if !in.End.After(in.Start) {
		return 0
	}
	return in.Duration()
}

// Intersect returns the part of w within o: from the later start to the
// earlier end. When they do not overlap it is empty, its End not after
// its Start.
func (w Window) Intersect(o Window) Window {
	if o.Start.After(w.Start) {
		w.Start = o.Start
	}
	if o.End.Before(w.End) {
		w.End = o.End
	}
	return w
}

// Span returns the smallest window holding w and o: from the earlier start
// to the later end.
func (w Window) Span(o Window) Window {
	if o.Start.Before(w.Start) {
		w.Start = o.Start
	}
	if o.End.After(w.End) {
		w.End = o.End
	}
	return w
}

// Widen returns the smallest window of whole units (an hour, a day: units
// from the Unix epoch, UTC) that holds w: its start truncated to a unit,
// its end rounded up to one.
func (w Window) Widen(unit time.Duration) Window {
	end := w.End.Truncate(unit)
	if end.Before(w.End) {
		end = end.Add(unit)
	}
	return Window{Start: w.Start.Truncate(unit), End: end}
}

// Hours returns the hour buckets that w touches, in order.
func (w Window) Hours() []Hour {
	if !w.End.After(w.Start) {
		return nil
	}
	first, last := HourOf(w.Start), HourOf(w.End.Add(-time.Nanosecond))
	hours := make([]Hour, 0, last-first+1)
	for h := first; h <= last; h++ {
		hours = append(hours, h)
	}
	return hours
}

// Split cuts w into consecutive steps of length step (the last may be shorter).
func (w Window) Split(step time.Duration) []Window {
	if step <= 0 {
		return []Window{w}
	}
	var out []Window
	for s := w.Start; s.Before(w.End); s = s.Add(step) {
		e := s.Add(step)
		if e.After(w.End) {
			e = w.End
		}
		out = append(out, Window{Start: s, End: e})
	}
	return out
}

// StepCount returns how many windows Split(step) would return, computed
// without building them, so a caller can refuse a request for too many
// steps before paying for them. A window longer than time.Duration can hold
// (about 292 years) is counted in float64 seconds, which is exact enough for
// such counts.
func (w Window) StepCount(step time.Duration) int {
	if !w.End.After(w.Start) {
		return 0
	}
	if step <= 0 {
		return 1
	}
	d := w.End.Sub(w.Start)
	if d == math.MaxInt64 { // saturated
		n := math.Ceil(float64(w.End.Unix()-w.Start.Unix()) / step.Seconds())
		if n >= math.MaxInt32 {
			return math.MaxInt32
		}
		return int(n)
	}
	n := d / step
	if d%step != 0 {
		n++
	}
	return int(min(n, math.MaxInt32))
}

// String formats w as "START,END" in RFC 3339, the form ParseWindow reads.
func (w Window) String() string {
	return w.Start.Format(time.RFC3339) + "," + w.End.Format(time.RFC3339)
}

// maxRelativeHours bounds "Nh", "Nd" and "Nw" windows to a century, so the
// count cannot overflow time.Duration or the calendar arithmetic.
const maxRelativeHours = 100 * 366 * 24

// ParseWindow reads a window the way OpenCost's API does, relative to now:
// "today", "yesterday", "week" (since Monday), "lastweek", "month",
// "lastmonth", "Nh" and "Nd" (the last N hours or days, the current one
// included), "Nw", an RFC 3339 pair "2026-11-01T00:00:00Z,2026-11-08T00:00:00Z",
// or a Unix-seconds pair "1730419200,1731024000". A pair's bounds must fall
// within the years 0001–9998 (see maxWindowYear).
func ParseWindow(s string, now time.Time) (Window, error) {
	now = now.UTC()
	day := now.Truncate(24 * time.Hour)
	s = strings.TrimSpace(s)
	switch s {
	case "today":
		return Window{Start: day, End: day.Add(24 * time.Hour)}, nil
	case "yesterday":
		return Window{Start: day.Add(-24 * time.Hour), End: day}, nil
	case "week", "lastweek":
		monday := day.Add(-time.Duration((int(day.Weekday())+6)%7) * 24 * time.Hour)
		if s == "week" {
			return Window{Start: monday, End: monday.Add(7 * 24 * time.Hour)}, nil
		}
		return Window{Start: monday.Add(-7 * 24 * time.Hour), End: monday}, nil
	case "month", "lastmonth":
		first := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
		if s == "month" {
			return Window{Start: first, End: first.AddDate(0, 1, 0)}, nil
		}
		return Window{Start: first.AddDate(0, -1, 0), End: first}, nil
	}
	if a, b, ok := strings.Cut(s, ","); ok {
		return parseWindowPair(a, b)
	}
	if n := len(s); n >= 2 {
		count, err := strconv.Atoi(s[:n-1])
		if err == nil && count > 0 {
			if unit := map[byte]int{'h': 1, 'd': 24, 'w': 7 * 24}[s[n-1]]; unit > 0 && count > maxRelativeHours/unit {
				return Window{}, Errorf(EInvalid, "window %q: at most %d years", s, maxRelativeHours/(24*366))
			}
			switch s[n-1] {
			case 'h':
				end := now.Truncate(time.Hour).Add(time.Hour)
				return Window{Start: end.Add(-time.Duration(count) * time.Hour), End: end}, nil
			case 'd':
				end := day.Add(24 * time.Hour)
				return Window{Start: end.AddDate(0, 0, -count), End: end}, nil
			case 'w':
				end := day.Add(24 * time.Hour)
				return Window{Start: end.AddDate(0, 0, -7*count), End: end}, nil
			}
		}
	}
	return Window{}, Errorf(EInvalid, "window %q: want today, yesterday, week, lastweek, month, lastmonth, Nh, Nd, Nw, or a START,END pair (YYYY-MM-DD, RFC 3339 or Unix seconds)", s)
}

// maxWindowYear is the last year a window's bounds may fall in: one before
// RFC 3339's last, so that the window rounded out to whole days, weeks,
// months or quarters (as the API's steps and OpenCost's accumulated sets
// are) can still be written. A window ending in 9999 ended in 10000 once
// rounded, and the API answered 200 with an empty body.
const maxWindowYear = 9998

func parseWindowPair(a, b string) (Window, error) {
	parse := func(v string) (time.Time, error) {
		v = strings.TrimSpace(v)
		t, ok := windowBound(v)
		if !ok {
			return time.Time{}, Errorf(EInvalid, "window bound %q: want YYYY-MM-DD, RFC 3339 or Unix seconds", v)
		}
		if t = t.UTC(); t.Year() < 1 || t.Year() > maxWindowYear {
			return time.Time{}, Errorf(EInvalid, "window bound %q: %d is outside the years 0001–%d", v, t.Year(), maxWindowYear)
		}
		return t, nil
	}
	start, err := parse(a)
	if err != nil {
		return Window{}, err
	}
	end, err := parse(b)
	if err != nil {
		return Window{}, err
	}
	return NewWindow(start, end)
}

// windowBound reads a window's bound: Unix seconds, a date (its midnight
// UTC, as tally attribute's --from and --to take it) or RFC 3339.
func windowBound(v string) (time.Time, bool) {
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		return time.Unix(secs, 0), true
	}
	for _, layout := range []string{time.DateOnly, time.RFC3339} {
		if t, err := time.Parse(layout, v); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// MonthStart returns the first instant of t's month in UTC, the key of a billing period.
func MonthStart(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
}

// FormatDay formats t's UTC date as 2006-01-02.
func FormatDay(t time.Time) string { return t.UTC().Format(time.DateOnly) }

// mustTime is for tests and constants.
func mustTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(fmt.Sprintf("mustTime(%q): %v", s, err))
	}
	return t
}
