package web_test

import (
	"encoding/json"
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

// TestAllocationStepZeroRefused: step=0 is no step length; it answered the
// whole window, silently. It is a 400 naming step and the values it takes,
// on Tally's routes and OpenCost's; no step at all is one step over the
// window, as OpenCost documents it (and step=window says so explicitly).
func TestAllocationStepZeroRefused(t *testing.T) {
	srv := newServer(t)
	for _, path := range []string{
		"/api/v1/allocations?window=2d&step=0",
		"/api/v1/allocations?window=2d&step=0&format=csv",
		"/allocation/compute?window=2d&step=0",
		"/model/allocation?window=2d&step=0&aggregate=namespace",
	} {
		resp := get(t, srv.URL+path, nil)
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 400 || !strings.Contains(string(body), `step \"0\"`) || !strings.Contains(string(body), "window") {
			t.Errorf("GET %s: %d %.300s, want 400 naming step 0 and the values step takes", path, resp.StatusCode, body)
		}
	}
	var own struct {
		Step string `json:"step"`
	}
	if resp := get(t, srv.URL+"/api/v1/allocations?window=2d", &own); resp.StatusCode != 200 || own.Step != "window" {
		t.Errorf("no step: %d step %q, want 200 window", resp.StatusCode, own.Step)
	}
	var openCost struct {
		Data []map[string]json.RawMessage `json:"data"`
	}
	if resp := get(t, srv.URL+"/allocation/compute?window=2d&aggregate=namespace", &openCost); resp.StatusCode != 200 || len(openCost.Data) != 1 {
		t.Errorf("OpenCost without step: %d, %d sets, want 200 and one set over the window", resp.StatusCode, len(openCost.Data))
	}
}

// TestAllocationListsNeverNull: a group's keys and steps are JSON lists at
// every step, empty ones [] (a reserved group's keys were null), so a
// client reads them the same way whatever the query.
func TestAllocationListsNeverNull(t *testing.T) {
	srv := newServer(t)
	for _, path := range []string{
		"/api/v1/allocations?window=2d&step=1h&aggregate=namespace",
		"/api/v1/allocations?window=2d&step=1d&aggregate=namespace",
		"/api/v1/allocations?window=2d&step=window&aggregate=cluster,namespace",
	} {
		var got struct {
			Groups []struct {
				Name  string            `json:"name"`
				Keys  []string          `json:"keys"`
				Steps []json.RawMessage `json:"steps"`
			} `json:"groups"`
		}
		get(t, srv.URL+path, &got)
		if len(got.Groups) == 0 {
			t.Fatalf("GET %s: no groups", path)
		}
		for _, g := range got.Groups {
			if g.Keys == nil || g.Steps == nil {
				t.Errorf("GET %s: group %s: keys %v, %d steps (nil %t), want lists", path, g.Name, g.Keys, len(g.Steps), g.Steps == nil)
			}
		}
	}
}

// TestAllocationsEmptyHaveTheCurrency: an answer with no costs (a window
// before the bill) is in the currency the organization is billed in, as
// one with costs is; it said "currency":"".
func TestAllocationsEmptyHaveTheCurrency(t *testing.T) {
	srv := newServer(t)
	var got struct {
		Currency string            `json:"currency"`
		Groups   []json.RawMessage `json:"groups"`
	}
	get(t, srv.URL+"/api/v1/allocations?window=2020-01-01T00:00:00Z,2020-01-02T00:00:00Z&step=1h", &got)
	if got.Currency != "USD" || len(got.Groups) != 0 {
		t.Errorf("currency %q, %d groups; want USD and none", got.Currency, len(got.Groups))
	}
}
