package web

import (
	"testing"
	"time"

	"github.com/tallyhq/tally"
)

// FuzzQueryWindow checks that queryWindow reads every window
// tally.ParseWindow reads as it does, and reads no other but one whose
// spaces are a query's decoded "+".
func FuzzQueryWindow(f *testing.F) {
	for _, s := range []string{"7d", "2026-11-01T00:00:00+01:00,2026-11-02T00:00:00+01:00",
		"2026-11-01T00:00:00 01:00,2026-11-02T00:00:00 01:00", "2026-11-01T00:00:00.5 01:00, 2026-11-02",
		"2026-11-01 00:00:00 01:00,2026-11-02", "1730419200,1731024000"} {
		f.Add(s)
	}
	now := time.Date(2026, 11, 19, 15, 42, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		got, err := queryWindow(s, now)
		want, wantErr := tally.ParseWindow(s, now)
		if wantErr == nil {
			if err != nil || got != want {
				t.Fatalf("queryWindow(%q) = %v, %v; ParseWindow = %v", s, got, err, want)
			}
			return
		}
		if err == nil && !plusRead(s, got, now) {
			t.Fatalf("queryWindow(%q) = %v, which ParseWindow refuses (%v), with or without its spaces read as \"+\"", s, got, wantErr)
		}
	})
}

// plusRead reports whether tally.ParseWindow reads s as w with some of its
// spaces (of up to eight) read as "+".
func plusRead(s string, w tally.Window, now time.Time) bool {
	var spaces []int
	for i := range len(s) {
		if s[i] == ' ' {
			spaces = append(spaces, i)
		}
	}
	if len(spaces) > 8 {
		return true // too many to try: not checked
	}
	for set := 1; set < 1<<len(spaces); set++ {
		b := []byte(s)
		for j, i := range spaces {
			if set&(1<<j) != 0 {
				b[i] = '+'
			}
		}
		if got, err := tally.ParseWindow(string(b), now); err == nil && got == w {
			return true
		}
	}
	return false
}
