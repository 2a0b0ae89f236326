package forecast

import (
	"math"
)

// method is a forecasting method: it fits a model to a history.
type method interface {
	name() string
	fit(y []float64) (model, error)
}

// refitter is a method that can be restricted to the structure of one of
// its fitted models (an ETS model type, an ARIMA order), so the final fit on
// the whole history keeps what was validated and skips the search.
type refitter interface {
	refit(mod model) method
}

// model is a fitted method.
type model interface {
	// forecastFrom returns h point forecasts after the first origin values
	// of y, keeping the fitted parameters and running the model's state
	// through y[:origin]. forecastFrom(y, len(y), h) on the fitted history is
	// the model's forecast. Rolling-origin validation calls it with origins
	// past the end of the data the parameters were fitted on.
	forecastFrom(y []float64, origin, h int) []float64
	// params describes the fitted model for people (stored with forecasts).
	params() map[string]any
}

// snaive is the seasonal naive method: the value one season earlier.
type snaive struct{ m int }

func (s snaive) name() string {
	if s.m <= 1 {
		return "naive"
	}
	return "snaive"
}

func (s snaive) fit(y []float64) (model, error) { return s, nil }

func (s snaive) forecastFrom(y []float64, origin, h int) []float64 {
	m := s.m
	if m < 1 || origin < m {
		m = 1
	}
	f := make([]float64, h)
	for i := range f {
		// y[origin + i − m·ceil((i+1)/m)]
		back := m * ((i + m) / m)
		f[i] = y[origin+i-back]
	}
	return f
}

func (s snaive) params() map[string]any { return map[string]any{"season": s.m} }

// naive2 is M4's Naive2 benchmark: the naive forecast of the series after
// classical multiplicative seasonal adjustment, applied only when
// SeasonalityTest passes.
type naive2 struct{ m int }

func (naive2) name() string { return "naive2" }

func (n naive2) fit(y []float64) (model, error) {
	mod := naive2Model{m: n.m}
	if SeasonalityTest(y, n.m) && allPositive(y) {
		mod.index = classicalSeasonal(y, n.m, true)
	}
	return mod, nil
}

type naive2Model struct {
	m     int
	index []float64 // seasonal figure; nil when not seasonal
}

func (n naive2Model) si(t int) float64 {
	if n.index == nil {
		return 1
	}
	return n.index[t%n.m]
}

func (n naive2Model) forecastFrom(y []float64, origin, h int) []float64 {
	last := y[origin-1] / n.si(origin-1)
	f := make([]float64, h)
	for i := range f {
		f[i] = last * n.si(origin+i)
	}
	return f
}

func (n naive2Model) params() map[string]any {
	return map[string]any{"season": n.m, "seasonal": n.index != nil}
}

// meanAbsDiff is the mean |y_t − y_{t−lag}| over the available pairs.
func meanAbsDiff(y []float64, lag int) float64 {
	s := MASEScale(y, lag)
	if math.IsNaN(s) {
		return 0
	}
	return s
}
