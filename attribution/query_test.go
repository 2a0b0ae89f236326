package attribution

import (
	"runtime"
	"testing"
	"time"

	"github.com/tallyhq/tally"
)

// TestValidateRefusesStepsWithoutBuildingThem checks a query for too many
// steps is refused before its step windows are built: 82 years in hours is
// 720,000 windows (tens of MiB) that must never be allocated.
func TestValidateRefusesStepsWithoutBuildingThem(t *testing.T) {
	end := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		window tally.Window
		step   time.Duration
		ok     bool
	}{
		{"2000 hours", tally.Window{Start: end.Add(-2000 * time.Hour), End: end}, time.Hour, true},
		{"2001 hours", tally.Window{Start: end.Add(-2001 * time.Hour), End: end}, time.Hour, false},
		{"30000 days in hours", tally.Window{Start: end.AddDate(0, 0, -30000), End: end}, time.Hour, false},
		{"30000 days in one step", tally.Window{Start: end.AddDate(0, 0, -30000), End: end}, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := Query{Window: tt.window, Step: tt.step}
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			err := q.Validate()
			runtime.ReadMemStats(&after)
			if tt.ok != (err == nil) || err != nil && tally.ErrorCode(err) != tally.EInvalid {
				t.Fatalf("Validate() = %v, want ok %v or EInvalid", err, tt.ok)
			}
			if n := after.TotalAlloc - before.TotalAlloc; n > 1<<20 {
				t.Errorf("Validate allocated %d bytes", n)
			}
		})
	}
}

// TestValidateCapsHourlyWindow: a query that reads hourly allocations covers
// at most MaxHourlyWindow; one the daily rollups answer is not capped.
func TestValidateCapsHourlyWindow(t *testing.T) {
	end := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	days := func(n int) tally.Window { return tally.Window{Start: end.AddDate(0, 0, -n), End: end} }
	pod, ns := []Dimension{{Field: "pod"}}, []Dimension{{Field: "namespace"}}
	tests := []struct {
		name   string
		window tally.Window
		step   time.Duration
		agg    []Dimension
		ok     bool
	}{
		{"pods over 92 days", days(92), 0, pod, true},
		{"pods over 93 days", days(93), 0, pod, false},
		{"pods over a century", tally.Window{Start: end.AddDate(-100, 0, 0), End: end}, 0, pod, false},
		{"nodes by day over 100 days", days(100), 24 * time.Hour, []Dimension{{Field: "node"}}, false},
		{"namespaces by 6h over 100 days", days(100), 6 * time.Hour, ns, false},
		{"namespaces from 10:00 over 100 days", tally.Window{Start: end.AddDate(0, 0, -100).Add(10 * time.Hour), End: end}, 0, ns, false},
		{"namespaces from 10:00 over 90 days", tally.Window{Start: end.AddDate(0, 0, -90).Add(10 * time.Hour), End: end}, 0, ns, true},
		{"namespaces by week over 10 years", days(3653), 7 * 24 * time.Hour, ns, true},
		{"workloads over a century", tally.Window{Start: end.AddDate(-100, 0, 0), End: end}, 0, []Dimension{{Field: "controller"}}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := Query{Window: tt.window, Step: tt.step, Aggregate: tt.agg}
			err := q.Validate()
			if tt.ok != (err == nil) || err != nil && tally.ErrorCode(err) != tally.EInvalid {
				t.Fatalf("Validate() = %v, want ok %v or EInvalid", err, tt.ok)
			}
		})
	}
}
