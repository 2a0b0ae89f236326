package tally

import (
	"math"
	"testing"
	"time"
)

func TestParseWindow(t *testing.T) {
	now := mustTime("2026-11-19T15:42:00Z") // a Thursday
	tests := []struct{ in, start, end string }{
		{"today", "2026-11-19T00:00:00Z", "2026-11-20T00:00:00Z"},
		{"yesterday", "2026-11-18T00:00:00Z", "2026-11-19T00:00:00Z"},
		{"week", "2026-11-16T00:00:00Z", "2026-11-23T00:00:00Z"},
		{"lastweek", "2026-11-09T00:00:00Z", "2026-11-16T00:00:00Z"},
		{"month", "2026-11-01T00:00:00Z", "2026-12-01T00:00:00Z"},
		{"lastmonth", "2026-10-01T00:00:00Z", "2026-11-01T00:00:00Z"},
		{"7d", "2026-11-13T00:00:00Z", "2026-11-20T00:00:00Z"},
		{"2w", "2026-11-06T00:00:00Z", "2026-11-20T00:00:00Z"},
		{"3h", "2026-11-19T13:00:00Z", "2026-11-19T16:00:00Z"},
		{"2026-11-01T00:00:00Z,2026-11-08T00:00:00Z", "2026-11-01T00:00:00Z", "2026-11-08T00:00:00Z"},
		{"1761955200,1762560000", "2025-11-01T00:00:00Z", "2025-11-08T00:00:00Z"},
		// A billing month as tally attribute's --from and --to take it:
		// dates are midnight UTC, the end exclusive.
		{"2026-10-01,2026-11-01", "2026-10-01T00:00:00Z", "2026-11-01T00:00:00Z"},
		{"2026-10-01, 2026-10-15T12:00:00Z", "2026-10-01T00:00:00Z", "2026-10-15T12:00:00Z"},
	}
	for _, tt := range tests {
		w, err := ParseWindow(tt.in, now)
		if err != nil {
			t.Fatalf("ParseWindow(%q): %v", tt.in, err)
		}
		if !w.Start.Equal(mustTime(tt.start)) || !w.End.Equal(mustTime(tt.end)) {
			t.Errorf("ParseWindow(%q) = %v, want %s,%s", tt.in, w, tt.start, tt.end)
		}
	}
	for _, in := range []string{"", "0d", "-3d", "7x", "2026-11-08T00:00:00Z,2026-11-01T00:00:00Z", "a,b",
		"36601d", "5229w", "878401h", "3000000h", "9223372036854775807d",
		"0,9223372036854775807", "0,253402300800", "-62135596801,0", "9999-12-31T23:00:00-02:00,9999-12-31T23:00:00-03:00",
		// Rounded to whole days, weeks, months or quarters, a window ending
		// in 9999 ends in 10000, which JSON's RFC 3339 cannot write: the API
		// answered 200 with an empty body.
		"0,253402300799", "2026-11-01T00:00:00Z,9999-12-31T23:30:00Z", "2026-11-01T00:00:00Z,9999-01-01T00:00:00Z",
		"2026-10-01,2026-10-01", "2026-13-01,2026-14-01", "9999-01-01,9999-02-01"} {
		if _, err := ParseWindow(in, now); ErrorCode(err) != EInvalid {
			t.Errorf("ParseWindow(%q): err = %v, want EInvalid", in, err)
		}
	}
}

func TestHourAndOverlap(t *testing.T) {
	h := HourOf(mustTime("2026-11-19T15:42:10Z"))
	if h.String() != "2026-11-19T15:00:00Z" || h.End() != mustTime("2026-11-19T16:00:00Z") {
		t.Fatalf("HourOf = %v", h)
	}
	if HourOf(time.Unix(-1, 0)) != -1 {
		t.Fatalf("HourOf(-1s) = %d, want -1", HourOf(time.Unix(-1, 0)))
	}
	node := Window{Start: mustTime("2026-11-19T15:40:00Z"), End: mustTime("2026-11-19T17:00:00Z")}
	if got := h.Window().Overlap(node); got != 20*time.Minute {
		t.Fatalf("overlap = %v, want 20m", got)
	}
	if got := len(node.Hours()); got != 2 {
		t.Fatalf("hours = %d, want 2", got)
	}
	if got := len(node.Split(30 * time.Minute)); got != 3 {
		t.Fatalf("split = %d, want 3", got)
	}
}

func TestFunctionString(t *testing.T) {
	if got := (Function{Module: "/usr/bin/app", Offset: 0x1f3a}).String(); got != "[unknown] /usr/bin/app+0x1f3a" {
		t.Fatalf("unknown frame = %q", got)
	}
	if got := (Function{Name: "main.work"}).String(); got != "main.work" {
		t.Fatalf("frame = %q", got)
	}
}

func TestStepCount(t *testing.T) {
	week := Window{Start: mustTime("2026-11-01T00:00:00Z"), End: mustTime("2026-11-08T00:00:00Z")}
	long := Window{Start: time.Unix(0, 0).UTC(), End: time.Unix(0, 0).UTC().AddDate(800, 0, 0)} // longer than a time.Duration
	tests := []struct {
		w    Window
		step time.Duration
		want int
	}{
		{week, 0, 1},
		{week, time.Hour, 168},
		{week, 24 * time.Hour, 7},
		{week, 5 * time.Hour, 34}, // the last step is shorter
		{week, 30 * 24 * time.Hour, 1},
		{Window{Start: week.End, End: week.Start}, time.Hour, 0},
		{long, 24 * time.Hour, 292194},
		{long, time.Nanosecond, math.MaxInt32},
	}
	for _, tt := range tests {
		if got := tt.w.StepCount(tt.step); got != tt.want {
			t.Errorf("StepCount(%v, %v) = %d, want %d", tt.w, tt.step, got, tt.want)
		}
		if tt.want < 1e6 {
			if n := len(tt.w.Split(tt.step)); tt.step > 0 && n != tt.want {
				t.Errorf("len(Split(%v, %v)) = %d, StepCount says %d", tt.w, tt.step, n, tt.want)
			}
		}
	}
}

// TestWindowIntersectAndSpan: the part of one window within another, empty
// when they do not meet, and the smallest window holding both.
func TestWindowIntersectAndSpan(t *testing.T) {
	at := func(h int) time.Time { return time.Date(2026, 11, 1, h, 0, 0, 0, time.UTC) }
	w, o := Window{Start: at(1), End: at(5)}, Window{Start: at(3), End: at(9)}
	if got := w.Intersect(o); got != (Window{Start: at(3), End: at(5)}) {
		t.Errorf("intersect %v", got)
	}
	if got := w.Span(o); got != (Window{Start: at(1), End: at(9)}) {
		t.Errorf("span %v", got)
	}
	apart := Window{Start: at(6), End: at(7)}
	if got := w.Intersect(apart); got.End.After(got.Start) || w.Overlap(apart) != 0 {
		t.Errorf("windows apart intersect in %v, overlap %v", got, w.Overlap(apart))
	}
}

// FuzzParseWindow checks what ParseWindow promises the API and the CLI,
// which pass it untrusted query parameters and flags: an error says
// EInvalid; a window is a non-empty UTC range within RFC 3339's years
// (which PostgreSQL's timestamptz also holds), and its String reads back as
// itself.
func FuzzParseWindow(f *testing.F) {
	for _, s := range []string{"today", "lastweek", "month", "7d", "2w", "3h", "36600d", "0d",
		"2026-11-01T00:00:00Z,2026-11-08T00:00:00Z", "1761955200,1762560000", "0,9223372036854775807",
		"-62135596801,0", "2026-11-01T00:00:00+14:00,2026-11-01T00:00:00-12:00", " 7d ", "a,b", "2026-10-01,2026-11-01"} {
		f.Add(s)
	}
	now := mustTime("2026-11-19T15:42:00Z")
	f.Fuzz(func(t *testing.T, s string) {
		w, err := ParseWindow(s, now)
		if err != nil {
			if ErrorCode(err) != EInvalid {
				t.Fatalf("ParseWindow(%q): error without EInvalid: %v", s, err)
			}
			return
		}
		if !w.End.After(w.Start) || w.Start.Location() != time.UTC || w.End.Location() != time.UTC {
			t.Fatalf("ParseWindow(%q) = %v: empty, or not UTC", s, w)
		}
		if y0, y1 := w.Start.Year(), w.End.Year(); y0 < 1 || y1 > 9998 {
			t.Fatalf("ParseWindow(%q) = %v: years %d–%d, outside 0001–9998", s, w, y0, y1)
		}
		back, err := ParseWindow(w.String(), now)
		if err != nil || !back.Start.Equal(w.Start) || !back.End.Equal(w.End) {
			t.Fatalf("ParseWindow(%q) = %v, which reads back as %v, %v", s, w, back, err)
		}
	})
}

func TestWindowWiden(t *testing.T) {
	tests := []struct {
		start, end string
		unit       time.Duration
		want       string
	}{
		{"2026-10-31T12:30:00Z", "2026-11-01T06:15:00Z", time.Hour, "2026-10-31T12:00:00Z,2026-11-01T07:00:00Z"},
		{"2026-10-31T12:00:00Z", "2026-11-01T06:00:00Z", time.Hour, "2026-10-31T12:00:00Z,2026-11-01T06:00:00Z"},
		{"2026-10-31T12:30:00Z", "2026-11-01T06:15:00Z", 24 * time.Hour, "2026-10-31T00:00:00Z,2026-11-02T00:00:00Z"},
		{"2026-10-31T00:00:00Z", "2026-10-31T00:00:01Z", 24 * time.Hour, "2026-10-31T00:00:00Z,2026-11-01T00:00:00Z"},
	}
	for _, tt := range tests {
		w := Window{Start: mustTime(tt.start), End: mustTime(tt.end)}
		if got := w.Widen(tt.unit).String(); got != tt.want {
			t.Errorf("%v.Widen(%v) = %s, want %s", w, tt.unit, got, tt.want)
		}
	}
}
