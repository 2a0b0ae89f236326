package web_test

import (
	"math"
	"net/url"
	"testing"
	"time"

	"github.com/tallyhq/tally/internal/fixture"
)

// openCostWindows is /allocation/compute's answer: each set's window (its
// allocations' step) and total cost.
func openCostWindows(t *testing.T, u string) ([][2]time.Time, []float64) {
	t.Helper()
	var got struct {
		Code int `json:"code"`
		Data []map[string]struct {
			Window struct {
				Start time.Time `json:"start"`
				End   time.Time `json:"end"`
			} `json:"window"`
			TotalCost float64 `json:"totalCost"`
		} `json:"data"`
	}
	if resp := get(t, u, &got); resp.StatusCode != 200 || got.Code != 200 {
		t.Fatalf("GET %s: status %d, %+v", u, resp.StatusCode, got)
	}
	var windows [][2]time.Time
	var totals []float64
	for _, set := range got.Data {
		var w [2]time.Time
		var total float64
		for _, a := range set {
			w = [2]time.Time{a.Window.Start, a.Window.End}
			total += a.TotalCost
		}
		windows, totals = append(windows, w), append(totals, total)
	}
	return windows, totals
}

// TestOpenCostAccumulatePeriods: accumulate (or accumulateBy) hour, day,
// week, month or quarter answers one set per calendar period (UTC) the
// window touches, whole, as OpenCost's: weeks from Sunday. Costs are those
// of the same hours. (Each was a 400: accumulate took true or false only.)
func TestOpenCostAccumulatePeriods(t *testing.T) {
	srv := newServer(t) // 48 hours from Monday 2026-10-05
	d := func(day, hour int) time.Time { return time.Date(2026, 10, day, hour, 0, 0, 0, time.UTC) }
	pair := func(a, b time.Time) string {
		return url.QueryEscape(a.Format(time.RFC3339) + "," + b.Format(time.RFC3339))
	}
	base := srv.URL + "/allocation/compute?aggregate=namespace&window="
	_, all := openCostWindows(t, base+pair(fixture.Day1, fixture.Day1.Add(48*time.Hour))+"&accumulate=true")
	_, firstDay := openCostWindows(t, base+pair(d(5, 0), d(6, 0))+"&accumulate=true")
	for _, tc := range []struct {
		query   string
		windows [][2]time.Time
		totals  []float64 // each set's, nil: not checked
	}{
		{pair(d(5, 0), d(5, 3)) + "&accumulate=hour", [][2]time.Time{{d(5, 0), d(5, 1)}, {d(5, 1), d(5, 2)}, {d(5, 2), d(5, 3)}}, nil},
		{pair(d(5, 6), d(6, 12)) + "&accumulate=day", [][2]time.Time{{d(5, 0), d(6, 0)}, {d(6, 0), d(7, 0)}}, []float64{firstDay[0], all[0] - firstDay[0]}},
		{pair(d(5, 6), d(6, 12)) + "&accumulate=week", [][2]time.Time{{d(4, 0), d(11, 0)}}, all},
		{pair(d(3, 0), d(6, 12)) + "&accumulate=week", [][2]time.Time{{time.Date(2026, 9, 27, 0, 0, 0, 0, time.UTC), d(4, 0)}, {d(4, 0), d(11, 0)}}, []float64{0, all[0]}},
		{pair(d(5, 6), d(6, 12)) + "&accumulate=month", [][2]time.Time{{d(1, 0), time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)}}, all},
		{pair(d(5, 6), d(6, 12)) + "&accumulate=quarter", [][2]time.Time{{d(1, 0), time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)}}, all},
		// accumulateBy overrides accumulate, as OpenCost's.
		{pair(d(5, 6), d(6, 12)) + "&accumulate=true&accumulateBy=day", [][2]time.Time{{d(5, 0), d(6, 0)}, {d(6, 0), d(7, 0)}}, []float64{firstDay[0], all[0] - firstDay[0]}},
	} {
		windows, totals := openCostWindows(t, base+tc.query)
		if len(windows) != len(tc.windows) {
			t.Errorf("%s: sets %v, want %v", tc.query, windows, tc.windows)
			continue
		}
		for i := range windows {
			if !windows[i][0].Equal(tc.windows[i][0]) || !windows[i][1].Equal(tc.windows[i][1]) {
				if totals[i] != 0 { // an empty set has no allocation to say its window
					t.Errorf("%s: set %d window %v, want %v", tc.query, i, windows[i], tc.windows[i])
				}
			}
			if tc.totals != nil && math.Abs(totals[i]-tc.totals[i]) > 1e-9 {
				t.Errorf("%s: set %d total %v, want %v", tc.query, i, totals[i], tc.totals[i])
			}
		}
	}
}

// TestOpenCostWeekWindows: window week and lastweek are OpenCost's weeks,
// from Sunday (UTC), week to now (the end of its hour); Tally's own API
// keeps its Monday weeks. (They were Monday's on /allocation/compute too,
// a day off OpenCost's.)
func TestOpenCostWeekWindows(t *testing.T) {
	srv := newServer(t) // now is Tuesday 2026-10-06 23:00
	d := func(month time.Month, day int) time.Time { return time.Date(2026, month, day, 0, 0, 0, 0, time.UTC) }
	for _, tc := range []struct {
		path  string
		start time.Time
		end   time.Time
	}{
		{"/allocation/compute?accumulate=true&aggregate=namespace&window=week", d(10, 4), d(10, 7)}, // to now
	} {
		windows, _ := openCostWindows(t, srv.URL+tc.path)
		if len(windows) != 1 || !windows[0][0].Equal(tc.start) || !windows[0][1].Equal(tc.end) {
			t.Errorf("%s: windows %v, want [%v, %v)", tc.path, windows, tc.start, tc.end)
		}
	}
	// On Monday 2026-10-12, last week is from Sunday the 4th, which has the
	// fixture's costs (Monday's last week, from 2026-09-28, has none).
	later := attributedServer(t, 48, d(10, 12).Add(10*time.Hour), nil)
	windows, _ := openCostWindows(t, later.URL+"/allocation/compute?accumulate=true&aggregate=namespace&window=lastweek")
	if len(windows) != 1 || !windows[0][0].Equal(d(10, 4)) || !windows[0][1].Equal(d(10, 11)) {
		t.Errorf("lastweek: windows %v, want [2026-10-04, 2026-10-11)", windows)
	}
	var got struct {
		Window struct{ Start, End time.Time } `json:"window"`
	}
	get(t, srv.URL+"/api/v1/allocations?window=week", &got)
	if !got.Window.Start.Equal(d(10, 5)) || !got.Window.End.Equal(d(10, 12)) {
		t.Errorf("/api/v1/allocations?window=week: %+v, want Monday 2026-10-05 to 2026-10-12", got.Window)
	}
}

// TestOpenCostWindowsToNow: window week and month end now (the end of its
// hour) on OpenCost's routes, as OpenCost's do, so step=1d answers a set
// per day so far: on Tuesday 2026-10-06 at 23:00, week is 3 days (from
// Sunday), month 6. They ran to the week's and month's end, in sets of
// days to come (4 of 7 and 25 of 31 empty), which OpenCost's UI and
// kubectl cost charted and averaged as days of $0.
func TestOpenCostWindowsToNow(t *testing.T) {
	srv := assetsServer(t) // now is Tuesday 2026-10-06 23:00
	d := func(day int) time.Time { return time.Date(2026, 10, day, 0, 0, 0, 0, time.UTC) }
	var days [][2]time.Time
	for i := 1; i <= 6; i++ {
		days = append(days, [2]time.Time{d(i), d(i + 1)})
	}
	for _, tc := range []struct {
		window string
		want   [][2]time.Time
	}{
		{"week", days[3:]},
		{"month", days},
	} {
		windows, _ := openCostWindows(t, srv.URL+"/allocation/compute?aggregate=namespace&step=1d&window="+tc.window)
		if len(windows) != len(tc.want) {
			t.Errorf("/allocation/compute window=%s step=1d: %d sets %v, want %d, %v", tc.window, len(windows), windows, len(tc.want), tc.want)
		}
		var assets struct {
			Data []map[string]struct {
				Window struct{ Start, End time.Time } `json:"window"`
			} `json:"data"`
		}
		get(t, srv.URL+"/assets?step=1d&window="+tc.window, &assets)
		if len(assets.Data) != len(tc.want) {
			t.Errorf("/assets window=%s step=1d: %d sets, want %d", tc.window, len(assets.Data), len(tc.want))
		}
		windows, _ = openCostWindows(t, srv.URL+"/allocation/compute?aggregate=namespace&accumulate=true&window="+tc.window)
		if len(windows) != 1 || !windows[0][1].Equal(d(7)) {
			t.Errorf("/allocation/compute window=%s accumulate=true: windows %v, want one to %v", tc.window, windows, d(7))
		}
	}
}
