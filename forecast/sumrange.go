package forecast

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"gonum.org/v1/gonum/stat"

	"github.com/tallyhq/tally"
)

// MinSumOrigins is the fewest validation origins a range of a sum of
// forecast steps is calibrated on. With n origins the 80% range's bounds
// are the ⌊0.1(n+1)⌋-th and ⌈0.9(n+1)⌉-th smallest of the n ratios of what
// the sum came to over what was forecast (split-conformal), widened for
// the overlap of the origins' windows (overlapWidening): both exist from
// n = 9 on.
const MinSumOrigins = 9

// sumSteps is how many steps from each origin SumValidation keeps at the
// most: two months of days, enough for the rest of a month from a forecast
// made a month before.
const sumSteps = 62

// ErrNoSumRange is returned when the range of a sum of forecast steps
// cannot be calibrated: fewer than MinSumOrigins validation origins, steps
// past those validated, or a forecast sum that is not positive.
var ErrNoSumRange = errors.New("no calibrated range of the sum")

// SumValidation is the rolling-origin validation behind a forecast, kept
// to calibrate ranges of sums of its steps: at each origin, what the
// chosen model (or combination) forecast of the steps that followed, and
// what they were.
type SumValidation struct {
	// Origins are the origins' first steps counted from the forecast's
	// first step: negative, -35 is five weeks before it.
	Origins  []int       `json:"origins"`
	Forecast [][]float64 `json:"forecast"` // [origin][step]
	Actual   [][]float64 `json:"actual"`
	// BreakRatio is a level shift the last values may have begun since
	// the origins (their level over the forecast's, 0: none): the range
	// reaches on its side as far as the sum would after it.
	BreakRatio float64 `json:"breakRatio,omitempty"`
}

// SumValidation returns the validation behind r, its first 62 steps at
// the most from each origin, rounded to hundredths (cents, for spend).
func (r *Result) SumValidation() SumValidation {
	v := SumValidation{Origins: slices.Clone(r.val.Origins), BreakRatio: r.val.BreakRatio}
	round := func(x []float64) []float64 {
		out := make([]float64, min(len(x), sumSteps))
		for i := range out {
			out[i] = math.Round(x[i]*100) / 100
		}
		return out
	}
	for k := range r.val.Origins {
		v.Forecast = append(v.Forecast, round(r.val.Forecast[k]))
		v.Actual = append(v.Actual, round(r.val.Actual[k]))
	}
	return v
}

// SumRange returns the 80% range of the sum of r's steps from to to-1
// (0-based): the sum of the point forecasts times the 10th and 90th
// percentiles of what the same steps summed to over what was forecast at
// the validation origins, widened for their windows' overlap. It is narrower than the steps' 80% bounds added
// up, which hold the sum far more than 80% of the time. After a possible
// recent level shift (see SumValidation.BreakRatio) the range on its side
// reaches as far as the sum would after it.
func (r *Result) SumRange(from, to int) (lo, hi float64, err error) {
	fc, act, err := r.val.sums(from, to)
	if err != nil {
		return 0, 0, err
	}
	if lo, hi, err = sumRange(fc, act, r.val.Origins, to-from, sum(r.Mean[from:to])); err != nil {
		return 0, 0, err
	}
	lo, hi = r.val.afterBreak(lo, hi)
	return lo, hi, nil
}

// afterBreak returns the range lo to hi of a sum reaching, on the side of
// the level shift the last values may have begun, as far as it would after
// it: a shift of 40% up takes hi to 1.4·hi.
func (v SumValidation) afterBreak(lo, hi float64) (float64, float64) {
	switch b := v.BreakRatio; {
	case b > 1:
		hi = math.Max(hi, b*hi)
	case b > 0 && b < 1:
		lo = math.Min(lo, b*lo)
	}
	return lo, hi
}

// sums returns the forecast and actual sums of steps from to to-1 at each
// origin.
func (v SumValidation) sums(from, to int) (fc, act []float64, err error) {
	for k := range v.Origins {
		if from < 0 || from >= to || to > len(v.Forecast[k]) || to > len(v.Actual[k]) {
			return nil, nil, fmt.Errorf("steps %d to %d: %d validated: %w", from, to-1, len(v.Forecast[k]), ErrNoSumRange)
		}
		fc, act = append(fc, sum(v.Forecast[k][from:to])), append(act, sum(v.Actual[k][from:to]))
	}
	return fc, act, nil
}

// sumRange returns the 80% range of a forecast sum of days steps from the
// forecast and actual sums at the validation origins (their first steps).
// The ratios' bounds are widened about their mean by overlapWidening.
func sumRange(fc, act []float64, origins []int, days int, sum float64) (lo, hi float64, err error) {
	n := len(fc)
	if n < MinSumOrigins {
		return 0, 0, fmt.Errorf("%d validation origins, want at least %d: %w", n, MinSumOrigins, ErrNoSumRange)
	}
	ratios := make([]float64, n)
	for k := range fc {
		if !(fc[k] > 0) {
			return 0, 0, fmt.Errorf("forecast sum %g at an origin: %w", fc[k], ErrNoSumRange)
		}
		ratios[k] = act[k] / fc[k]
	}
	mean, w := stat.Mean(ratios, nil), overlapWidening(origins, days)
	slices.Sort(ratios)
	rlo, rhi := ratios[int(math.Floor(0.1*float64(n+1)))-1], ratios[int(math.Ceil(0.9*float64(n+1)))-1]
	// No widening takes the sum below nothing.
	lo, hi = sum*math.Max(0, mean-w*(mean-rlo)), sum*(mean+w*(rhi-mean))
	return lo, hi, nil
}

// overlapWidening returns how much the spread of the ratios of sums of days
// steps at the origins is widened: 1/√(1−ρ), ρ the mean over pairs of
// origins of the share of days their windows have in common. Overlapping
// windows share their days' errors, so their ratios vary less than as many
// independent ones, by 1−ρ in variance when the days' errors are
// independent. Origins a week apart summing 30 days share a quarter of
// their days on average; unwidened, the 80% range held sums of 5 to 30
// days of the synthetic daily suite (seeds 1 and 2) 76.9% of the time, and
// those of 22 to 30 days 77.1% (seeds 1 to 3); widened, 78.9% and 79.7%.
func overlapWidening(origins []int, days int) float64 {
	var shared float64
	pairs := 0
	for i, a := range origins {
		for _, b := range origins[i+1:] {
			gap := math.Abs(float64(a - b))
			shared += math.Max(0, 1-gap/float64(days))
			pairs++
		}
	}
	if pairs == 0 || shared >= float64(pairs) {
		return 1
	}
	return 1 / math.Sqrt(1-shared/float64(pairs))
}

// SumRange returns the 80% range of the total of the stored daily
// forecasts fs over the days [from, to), calibrated as Result.SumRange on
// the validation each stores ("sumValidation" in its parameters, written
// by ForecastSpend for account scopes), the forecasts' sums added up per
// origin day: only the days where all of fs validated count. A forecast's
// period charges (PeriodCharges) are added to both bounds as they are: the
// validation is of its daily charges. A forecast's possible recent level
// shift (SumValidation.BreakRatio) widens the range on its side as
// Result.SumRange's, by its share of the days' forecast. The error is ErrNoSumRange when the
// range cannot be calibrated: a forecast without its validation, days
// past it, or fewer than MinSumOrigins origin days.
func SumRange(fs []tally.Forecast, from, to time.Time) (lo, hi float64, err error) {
	fcs, acts := map[time.Time]float64{}, map[time.Time]float64{}
	count := map[time.Time]int{}
	var daily, period float64
	dailies := make([]float64, len(fs)) // each forecast's
	vs := make([]SumValidation, len(fs))
	for i, f := range fs {
		v, perMonth, err := storedValidation(f)
		if err != nil {
			return 0, 0, err
		}
		vs[i] = v
		a, b := int(from.Sub(f.HistoryEnd)/(24*time.Hour)), int(to.Sub(f.HistoryEnd)/(24*time.Hour))
		fc, act, err := v.sums(a, b)
		if err != nil {
			return 0, 0, fmt.Errorf("forecast %s: %w", f.Scope, err)
		}
		for k, o := range v.Origins {
			d := f.HistoryEnd.AddDate(0, 0, o)
			fcs[d], acts[d], count[d] = fcs[d]+fc[k], acts[d]+act[k], count[d]+1
		}
		for _, p := range f.Points {
			if p.T.Before(from) || !p.T.Before(to) {
				continue
			}
			perDay := PeriodCharges{PerMonth: perMonth}.perDay(p.T)
			dailies[i] += p.Mean - perDay
			daily, period = daily+p.Mean-perDay, period+perDay
		}
	}
	var fc, act []float64
	var origins []int
	for d, n := range count {
		if n == len(fs) {
			fc, act = append(fc, fcs[d]), append(act, acts[d])
			origins = append(origins, int(d.Sub(from)/(24*time.Hour)))
		}
	}
	if lo, hi, err = sumRange(fc, act, origins, int(to.Sub(from)/(24*time.Hour)), daily); err != nil {
		return 0, 0, err
	}
	lo, hi = afterBreaks(vs, dailies, daily, lo, hi)
	return lo + period, hi + period, nil
}

// afterBreaks returns the range lo to hi of the forecasts' total daily
// reaching, for each forecast with a possible recent level shift, as far
// as its share of it, dailies[i] of total, would after the shift.
func afterBreaks(vs []SumValidation, dailies []float64, total, lo, hi float64) (float64, float64) {
	if total == 0 {
		return lo, hi
	}
	outLo, outHi := lo, hi
	for i, v := range vs {
		share := dailies[i] / total
		l, h := v.afterBreak(share*lo, share*hi)
		outLo, outHi = outLo+l-share*lo, outHi+h-share*hi
	}
	return outLo, outHi
}

// storedValidation reads a stored daily forecast's validation and its
// period charges a month from its parameters.
func storedValidation(f tally.Forecast) (SumValidation, float64, error) {
	var p struct {
		SumValidation *SumValidation `json:"sumValidation"`
		PeriodCharges struct {
			PerMonth float64 `json:"perMonth"`
		} `json:"periodCharges"`
	}
	if f.Granularity != "day" || len(f.Params) == 0 || json.Unmarshal(f.Params, &p) != nil || p.SumValidation == nil {
		return SumValidation{}, 0, fmt.Errorf("forecast %s: no daily validation stored: %w", f.Scope, ErrNoSumRange)
	}
	return *p.SumValidation, p.PeriodCharges.PerMonth, nil
}

func sum(v []float64) float64 {
	var s float64
	for _, x := range v {
		s += x
	}
	return s
}
