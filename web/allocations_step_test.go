package web_test

import (
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/tallyhq/tally/internal/fixture"
)

// TestAllocationStepsWholeHours: costs are hourly, so a step that is not a
// whole number of hours is a 400 naming it. (step=90m answered steps
// alternately holding two hours and one, each labelled 90 minutes.)
func TestAllocationStepsWholeHours(t *testing.T) {
	srv := newServer(t)
	for _, path := range []string{
		"/api/v1/allocations?window=2d&step=90m",
		"/api/v1/allocations?window=2d&step=1h30m&format=csv",
		"/allocation/compute?window=2d&step=90m",
	} {
		resp := get(t, srv.URL+path, nil)
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 400 || !strings.Contains(string(body), "step 1h30m0s") {
			t.Errorf("GET %s: %d %.200s, want 400 naming the step", path, resp.StatusCode, body)
		}
	}
	for _, path := range []string{"/api/v1/allocations?window=2d&step=2h", "/api/v1/allocations?window=2d&step=1d", "/allocation/compute?window=2d&step=6h", "/api/v1/allocations?window=2d&step=25h"} {
		if resp := get(t, srv.URL+path, nil); resp.StatusCode != 200 {
			t.Errorf("GET %s: %d", path, resp.StatusCode)
		}
	}
}

// TestAllocationWindowWholeHours: costs are hourly, so a window whose bounds
// fall inside hours (Grafana's time range, a script's "now") answers the
// whole hours it touches and says so, with steps on hour boundaries. (It
// dropped the first hour, labelled each hour's cost with the half-hour
// before it, and a window inside one hour cost nothing.)
func TestAllocationWindowWholeHours(t *testing.T) {
	srv := newServer(t)
	type step struct {
		Start     time.Time `json:"start"`
		End       time.Time `json:"end"`
		TotalCost string    `json:"totalCost"`
	}
	var aligned, unaligned struct {
		Window struct{ Start, End time.Time } `json:"window"`
		Total  string                         `json:"totalCost"`
		Groups []struct {
			Name  string `json:"name"`
			Steps []step `json:"steps"`
		} `json:"groups"`
	}
	day := fixture.Day1.Format(time.RFC3339)
	get(t, srv.URL+"/api/v1/allocations?step=1h&aggregate=namespace&window="+day+","+fixture.Day1.Add(3*time.Hour).Format(time.RFC3339), &aligned)
	get(t, srv.URL+"/api/v1/allocations?step=1h&aggregate=namespace&window="+fixture.Day1.Add(30*time.Minute).Format(time.RFC3339)+","+
		fixture.Day1.Add(2*time.Hour+time.Minute).Format(time.RFC3339), &unaligned)
	if !unaligned.Window.Start.Equal(fixture.Day1) || !unaligned.Window.End.Equal(fixture.Day1.Add(3*time.Hour)) {
		t.Errorf("window = %v–%v, want the whole hours %v–%v", unaligned.Window.Start, unaligned.Window.End, fixture.Day1, fixture.Day1.Add(3*time.Hour))
	}
	if unaligned.Total != aligned.Total || len(unaligned.Groups) != len(aligned.Groups) {
		t.Fatalf("total %s over %d groups, want %s over %d", unaligned.Total, len(unaligned.Groups), aligned.Total, len(aligned.Groups))
	}
	for i, g := range unaligned.Groups {
		if len(g.Steps) != len(aligned.Groups[i].Steps) {
			t.Fatalf("%s: %d steps, want %d", g.Name, len(g.Steps), len(aligned.Groups[i].Steps))
		}
		for j, s := range g.Steps {
			if w := aligned.Groups[i].Steps[j]; !s.Start.Equal(w.Start) || !s.End.Equal(w.End) || s.TotalCost != w.TotalCost {
				t.Errorf("%s step %d = %+v, want %+v", g.Name, j, s, w)
			}
		}
	}

	// A window inside one hour is that hour (Unix seconds, as Grafana sends).
	var inside struct {
		Total string `json:"totalCost"`
	}
	var first struct {
		Total string `json:"totalCost"`
	}
	get(t, srv.URL+"/api/v1/allocations?window="+day+","+fixture.Day1.Add(time.Hour).Format(time.RFC3339), &first)
	get(t, srv.URL+fmt.Sprintf("/api/v1/allocations?window=%d,%d", fixture.Day1.Add(10*time.Minute).Unix(), fixture.Day1.Add(20*time.Minute).Unix()), &inside)
	if inside.Total != first.Total || first.Total == "0" {
		t.Errorf("window inside the first hour costs %s, want the hour's %s", inside.Total, first.Total)
	}
}
