package forecast

import (
	"encoding/json"
	"fmt"
	"math"
	"time"

	"github.com/tallyhq/tally"
)

// Series is an equally spaced time series: Values[i] is the value of the
// step starting at Start + i·Step, NaN where it is missing.
type Series struct {
	Start  time.Time
	Step   time.Duration
	Values []float64
}

// NewSeries builds a Series of the given step from points at arbitrary
// times: each time must fall on a step boundary (relative to the first);
// steps without a point are missing. Points may come in any order; two
// points on one step are an error.
func NewSeries(times []time.Time, values []float64, step time.Duration) (Series, error) {
	if len(times) != len(values) {
		return Series{}, fmt.Errorf("series: %d times and %d values", len(times), len(values))
	}
	if step <= 0 {
		return Series{}, fmt.Errorf("series: step %v: want a positive step", step)
	}
	if len(times) == 0 {
		return Series{Step: step}, nil
	}
	first, last := times[0], times[0]
	for _, t := range times {
		if t.Before(first) {
			first = t
		}
		if t.After(last) {
			last = t
		}
	}
	n := int(last.Sub(first)/step) + 1
	s := Series{Start: first.UTC(), Step: step, Values: make([]float64, n)}
	for i := range s.Values {
		s.Values[i] = math.NaN()
	}
	for i, t := range times {
		d := t.Sub(first)
		if d%step != 0 {
			return Series{}, fmt.Errorf("series: time %s is not on a %v step from %s", t.UTC().Format(time.RFC3339), step, first.UTC().Format(time.RFC3339))
		}
		k := int(d / step)
		if !math.IsNaN(s.Values[k]) {
			return Series{}, fmt.Errorf("series: two values at %s", t.UTC().Format(time.RFC3339))
		}
		s.Values[k] = values[i]
	}
	return s, nil
}

// End returns the first instant after the series.
func (s Series) End() time.Time { return s.Start.Add(time.Duration(len(s.Values)) * s.Step) }

// DefaultSeasons returns the season lengths Forecast uses for a step: hourly
// data has daily (24) and weekly (168) seasons, daily data a weekly one (7).
func DefaultSeasons(step time.Duration) []int {
	switch step {
	case time.Hour:
		return []int{24, 168}
	case 24 * time.Hour:
		return []int{7}
	}
	return nil
}

// Forecast forecasts the opt.Horizon steps after s. Seasons default to
// DefaultSeasons(s.Step). It is the entry point for other packages
// (commitments, rightsizing, report): the Result holds point forecasts,
// calibrated 80%/95% intervals, quantiles and sample paths.
func Forecast(s Series, opt Options) (*Result, error) {
	if opt.Seasons == nil {
		opt.Seasons = DefaultSeasons(s.Step)
	}
	opt.at = func(i int) string { return stepTime(s.Start.Add(time.Duration(i)*s.Step), s.Step) }
	r, err := ForecastValues(s.Values, opt)
	if err != nil {
		return nil, err
	}
	r.Start, r.Step = s.End(), s.Step
	return r, nil
}

// stepTime writes t, the start of a step of length step, for the notes: a
// date for whole days, else to the minute in UTC.
func stepTime(t time.Time, step time.Duration) string {
	if step%(24*time.Hour) == 0 && t.Equal(t.Truncate(24*time.Hour)) {
		return t.UTC().Format(time.DateOnly)
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

// Time returns the start of forecast step h (0-based), for results of Forecast.
func (r *Result) Time(h int) time.Time { return r.Start.Add(time.Duration(h) * r.Step) }

// Points returns the forecast as stored points.
func (r *Result) Points() []tally.ForecastPoint {
	pts := make([]tally.ForecastPoint, len(r.Mean))
	for h := range pts {
		pts[h] = tally.ForecastPoint{T: r.Time(h), Mean: r.Mean[h], Lo80: r.Lo80[h], Hi80: r.Hi80[h], Lo95: r.Lo95[h], Hi95: r.Hi95[h]}
	}
	return pts
}

// Record returns the forecast as a tally.Forecast of scope, ready to store:
// the model's parameters, notes and level shifts (and extra, such as the
// currency) go to Params, the rolling-origin validation to Accuracy.
func (r *Result) Record(scope string, created time.Time, extra map[string]any) (tally.Forecast, error) {
	gran := "hour"
	if r.Step == 24*time.Hour {
		gran = "day"
	}
	doc := finiteMap(extra)
	if len(r.Members) > 0 {
		doc["members"] = r.Members
	}
	doc["models"] = finiteMap(r.Params)
	if len(r.Notes) > 0 {
		doc["notes"] = r.Notes
	}
	if len(r.LevelShifts) > 0 {
		doc["levelShifts"] = r.LevelShifts
	}
	params, err := json.Marshal(doc)
	if err != nil {
		return tally.Forecast{}, fmt.Errorf("encode forecast parameters: %w", err)
	}
	bt := r.Backtest
	bt.MASE, bt.SMAPE = finite(bt.MASE), finite(bt.SMAPE)
	for k, v := range bt.Candidates {
		bt.Candidates[k] = finite(v)
	}
	acc, err := json.Marshal(bt)
	if err != nil {
		return tally.Forecast{}, fmt.Errorf("encode backtest: %w", err)
	}
	return tally.Forecast{
		Scope: scope, CreatedAt: created.UTC(), Granularity: gran, Model: r.Model,
		Params: params, HistoryEnd: r.Start, Points: r.Points(), Accuracy: acc,
	}, nil
}

// finite maps NaN and ±Inf, which JSON cannot hold, to 0.
func finite(v float64) float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return 0
	}
	return v
}

func finiteMap(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		switch x := v.(type) {
		case float64:
			out[k] = finite(x)
		case map[string]any:
			out[k] = finiteMap(x)
		default:
			out[k] = v
		}
	}
	return out
}
