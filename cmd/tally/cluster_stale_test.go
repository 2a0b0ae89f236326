package main

import (
	"strings"
	"testing"
	"time"

	"github.com/tallyhq/tally"
)

// TestStaleNoteCountsHours: one stale hour reads "1 hour", not "1 hours".
func TestStaleNoteCountsHours(t *testing.T) {
	at := time.Date(2026, 10, 5, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		hours int
		want  string
	}{{1, "re-attributes 1 hour of its nodes (2026-10-05 00:00 to 2026-10-05 01:00 UTC)"}, {48, "re-attributes 48 hours of its nodes"}} {
		got := staleNote([]tally.Window{{Start: at, End: at.Add(time.Duration(tc.hours) * time.Hour)}})
		if !strings.Contains(got, tc.want) {
			t.Errorf("%d hours: %q, want it to say %q", tc.hours, got, tc.want)
		}
	}
}
