package forecast

import (
	"encoding/json"
	"time"

	"github.com/tallyhq/tally"
	"math"
	"slices"
	"testing"

	"github.com/tallyhq/tally/forecast/synth"
)

// TestSumRangeCoverage: the 80% range of a sum of days (the rest of a
// month: 5 to 30 days, by series) holds the sum about 80% of the time on
// the synthetic daily suite (seeds 1 and 2, 150 series each, 30 days
// ahead). The days' 80% bounds added up, the month range the weekly email
// gave, held it far more often (errors are not all of one sign on every
// day), and fail the band: 95.0% against the calibrated range's 78.9%
// (299 of the 300 series have the 9 origins it needs; 80.4% with seed 3
// too). The 25 series whose last days lie off the forecast (a level shift
// their validation origins, all older, did not see) held it 36% of the
// time while the range ignored the shift (74.2% in all); unwidened for
// the overlap of the origins' windows, 76.9%. The band is 80% ± two
// standard errors of the share of 299 sums, √(0.8·0.2/299) = 2.3 points.
func TestSumRangeCoverage(t *testing.T) {
	if testing.Short() {
		t.Skip("forecasts 300 series")
	}
	const H = 30
	var suite []synth.Series
	for _, seed := range []uint64{1, 2} {
		suite = append(suite, synth.Daily(synth.Config{Series: 150, Horizon: H, Seed: seed})...)
	}
	type result struct{ added, calibrated, ok bool }
	results := make([]result, len(suite))
	inParallel(len(suite), func(i int) {
		s := suite[i]
		r, err := ForecastValues(s.Train, Options{Horizon: H, Seasons: []int{7}})
		if err != nil {
			t.Error(err)
			return
		}
		k := 5 + i%26
		actual, lo, hi := sum(s.Test[:k]), sum(r.Lo80[:k]), sum(r.Hi80[:k])
		slo, shi, err := r.SumRange(0, k)
		results[i] = result{
			added:      lo <= actual && actual <= hi,
			calibrated: slo <= actual && actual <= shi,
			ok:         err == nil,
		}
	})
	var added, calibrated, n int
	for _, r := range results {
		if !r.ok {
			continue
		}
		n++
		if r.added {
			added++
		}
		if r.calibrated {
			calibrated++
		}
	}
	pct := func(c int) float64 { return 100 * float64(c) / float64(n) }
	t.Logf("sums of 5-30 days of %d series (%d calibrated): days' 80%% bounds added hold %.1f%%, the calibrated 80%% range %.1f%%",
		len(suite), n, pct(added), pct(calibrated))
	if n < len(suite)*9/10 {
		t.Errorf("%d of %d series calibrated, want at least 90%%", n, len(suite))
	}
	// Two standard errors of a share of n sums held 80% of the time: 4.6
	// points for 299.
	band := 2 * 100 * math.Sqrt(0.8*0.2/float64(n))
	if c := pct(calibrated); math.Abs(c-80) > band {
		t.Errorf("the calibrated 80%% range holds %.1f%% of the sums, want %.1f-%.1f%%", c, 80-band, 80+band)
	}
	if c := pct(added); math.Abs(c-80) <= band {
		t.Errorf("the days' 80%% bounds added hold %.1f%% of the sums: within the band, which no longer tells them apart", c)
	}
}

// TestSumRangeRecentBreak: when the last days lie off the forecast made
// before them (a level shift may have begun after the validation origins),
// the stored month range reaches on that side as far as the sum would
// after the shift, as the days' intervals do: validated ratios of 0.95 to
// 1.06 and the last days 40% up take a 5-day sum of 500 to 475–742, not
// 475–530; 40% down, to 285–530.
func TestSumRangeRecentBreak(t *testing.T) {
	end := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	ratios := []float64{1.02, 0.97, 1.06, 0.99, 1.01, 0.95, 1.03, 1.00, 0.98, 1.04, 0.96, 1.05}
	// The same ratio on every day: the sums over any days are the
	// ratios, whatever their windows' overlap.
	v := SumValidation{}
	days := func(x float64) []float64 { return slices.Repeat([]float64{x}, 30) }
	for k, r := range ratios {
		v.Origins = append(v.Origins, -7*(len(ratios)-k)-30)
		v.Forecast, v.Actual = append(v.Forecast, days(100)), append(v.Actual, days(100*r))
	}
	for _, c := range []struct {
		ratio, lo, hi float64
	}{{0, 475, 530}, {1.4, 475, 742}, {0.6, 285, 530}} {
		v.BreakRatio = c.ratio
		params, err := json.Marshal(map[string]any{"sumValidation": v})
		if err != nil {
			t.Fatal(err)
		}
		f := tally.Forecast{Scope: "account:1", Granularity: "day", Params: params, HistoryEnd: end}
		for d := range 30 {
			f.Points = append(f.Points, tally.ForecastPoint{T: end.AddDate(0, 0, d), Mean: 100})
		}
		lo, hi, err := SumRange([]tally.Forecast{f}, end, end.AddDate(0, 0, 5))
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(lo-c.lo) > 1e-6 || math.Abs(hi-c.hi) > 1e-6 {
			t.Errorf("break ratio %g: range %.2f-%.2f, want %.2f-%.2f", c.ratio, lo, hi, c.lo, c.hi)
		}
	}
}

// TestSumRangeOverlappingWindows: sums of more days than the origins are
// apart overlap from one origin to the next, so their ratios vary less
// than independent ones would; the range widens them about their mean as
// the overlap says. Origins a week apart and ratios of 0.95 to 1.06 (mean
// 1.005) keep a 5-day sum of 500 at 475–530; a 30-day sum of 3000, whose
// windows share on average 25.8% of their days, widens the ratios
// 1/√(1−0.258) = 1.161 times, to 2823.50–3206.50 rather than 2850–3180.
func TestSumRangeOverlappingWindows(t *testing.T) {
	ratios := []float64{1.02, 0.97, 1.06, 0.99, 1.01, 0.95, 1.03, 1.00, 0.98, 1.04, 0.96, 1.05}
	r := &Result{Mean: slices.Repeat([]float64{100}, 30)}
	days := func(x float64) []float64 { return slices.Repeat([]float64{x}, 30) }
	for k, x := range ratios {
		r.val.Origins = append(r.val.Origins, -7*(len(ratios)-k)-30)
		r.val.Forecast, r.val.Actual = append(r.val.Forecast, days(100)), append(r.val.Actual, days(100*x))
	}
	for _, c := range []struct {
		days   int
		lo, hi float64
	}{{5, 475, 530}, {30, 2823.50, 3206.50}} {
		lo, hi, err := r.SumRange(0, c.days)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(lo-c.lo) > 0.01 || math.Abs(hi-c.hi) > 0.01 {
			t.Errorf("%d days: range %.2f-%.2f, want %.2f-%.2f", c.days, lo, hi, c.lo, c.hi)
		}
	}
}
