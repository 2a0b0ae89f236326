package forecast

import (
	"math"
	"slices"
)

// MSTL is a decomposition with several seasonal components (Bandara,
// Hyndman & Bergmeir 2021): y = Trend + Σ Seasonal[i] + Remainder.
type MSTL struct {
	Periods   []int
	Trend     []float64
	Seasonal  [][]float64 // one per period, in the order of Periods
	Remainder []float64
}

// Decompose runs MSTL on y with the given season lengths (in steps). Periods
// that the series does not cover twice are dropped. The trend is robust:
// STL's outer loop down-weights outliers (spikes), so they stay in the
// remainder. A series that covers no period is all trend and remainder.
func Decompose(y []float64, periods []int) MSTL {
	n := len(y)
	var ps []int
	for _, p := range periods {
		if p > 1 && n >= 2*p && !slices.Contains(ps, p) {
			ps = append(ps, p)
		}
	}
	slices.Sort(ps)
	d := MSTL{Periods: ps, Seasonal: make([][]float64, len(ps))}
	if len(ps) == 0 {
		q := nextOdd(max(7, min(n, 25)))
		d.Trend = loessSmooth(y, nil, q, 1)
		zero := make([]float64, n)
		var w []float64
		for range 2 {
			w = robustnessWeights(y, d.Trend, zero, w)
			d.Trend = loessSmooth(y, w, q, 1)
		}
		d.Remainder = make([]float64, n)
		for t := range y {
			d.Remainder[t] = y[t] - d.Trend[t]
		}
		return d
	}
	deseas := slices.Clone(y)
	for i := range ps {
		d.Seasonal[i] = make([]float64, n)
	}
	const iterations = 2
	var last STL
	for it := 0; it < iterations; it++ {
		for i, p := range ps {
			for t := range deseas {
				deseas[t] += d.Seasonal[i][t]
			}
			// Seasonal windows of 21 and 25 cycles (R's mstl uses 11 and
			// 15): a steadier daily shape measured better on the synthetic
			// suite (OWA 0.516 → 0.512 on half of it); the weekly season has
			// fewer cycles than either window in a month of history.
			last = stl(deseas, stlConfig{period: p, seasonWindow: 21 + 4*i, inner: 1, outer: 2})
			copy(d.Seasonal[i], last.Seasonal)
			for t := range deseas {
				deseas[t] -= d.Seasonal[i][t]
			}
		}
	}
	d.Trend = last.Trend
	d.Remainder = make([]float64, n)
	for t := range y {
		d.Remainder[t] = deseas[t] - d.Trend[t]
	}
	return d
}

// mstl forecasts with MSTL: each seasonal component by its own seasonal
// naive forecast, the seasonally adjusted series (trend + remainder, with
// outlying remainders clipped) by non-seasonal ETS chosen by AICc or, with
// arima set, by ARIMA(p,1,q) chosen by AICc (see arima). With log
// set (positive series only) it works on log y, which turns seasonality
// proportional to the level into additive seasonality.
type mstl struct {
	periods []int
	log     bool
	arima   bool   // the adjusted series by ARIMA instead of ETS
	adj     method // fits the adjusted series when set (refit)
}

// refit returns m with the adjusted series' model restricted to the
// structure fitted in mod (ETS model, ARIMA order).
func (m mstl) refit(mod model) method {
	mm, ok := mod.(*mstlModel)
	if !ok {
		return m
	}
	if r, ok := mm.adjMethod.(refitter); ok {
		m.adj = r.refit(mm.trend)
	}
	return m
}

func (m mstl) name() string {
	n := "mstl"
	if m.log {
		n += "-log"
	}
	if m.arima {
		n += "-arima"
	}
	return n
}

func (m mstl) fit(y []float64) (model, error) {
	x := y
	if m.log {
		if !allPositive(y) {
			return nil, errNoModel
		}
		x = make([]float64, len(y))
		for i, v := range y {
			x[i] = math.Log(v)
		}
	}
	d := Decompose(x, m.periods)
	n := len(x)
	adj := make([]float64, n)
	// Clip remainders beyond 4 robust standard deviations so one spike does
	// not move the level the forecast starts from.
	sorted := make([]float64, n)
	for t := range x {
		sorted[t] = math.Abs(d.Remainder[t])
	}
	slices.Sort(sorted)
	lim := 4 * 1.4826 * median(sorted)
	for t := range x {
		r := d.Remainder[t]
		if lim > 0 {
			r = math.Max(-lim, math.Min(lim, r))
		}
		adj[t] = d.Trend[t] + r
	}
	var adjMethod method = ets{}
	switch {
	case m.adj != nil:
		adjMethod = m.adj
	case m.arima:
		adjMethod = arima{}
	}
	em, err := adjMethod.fit(adj)
	if err != nil {
		return nil, err
	}
	mod := &mstlModel{log: m.log, periods: d.Periods, fitLen: n, trend: em, adjMethod: adjMethod, clip: lim, d: d}
	mod.season = make([][]float64, len(d.Periods))
	for i, p := range d.Periods {
		mod.season[i] = slices.Clone(d.Seasonal[i][n-p:])
	}
	return mod, nil
}

type mstlModel struct {
	log       bool
	periods   []int
	fitLen    int
	season    [][]float64 // last cycle of each seasonal component (phase of fitLen−p at index 0)
	trend     model       // of the seasonally adjusted series
	adjMethod method
	clip      float64
	d         MSTL
}

// seasonalAt returns Σ seasonal components at time t: fitted values inside
// the fitted history, the last cycle repeated after it.
func (m *mstlModel) seasonalAt(t int) float64 {
	var s float64
	for i, p := range m.periods {
		if t < m.fitLen {
			s += m.d.Seasonal[i][t]
			continue
		}
		s += m.season[i][(t-(m.fitLen-p))%p]
	}
	return s
}

func (m *mstlModel) forecastFrom(y []float64, origin, h int) []float64 {
	adj := make([]float64, origin)
	for t := 0; t < origin; t++ {
		v := y[t]
		if m.log {
			v = math.Log(math.Max(v, 1e-12))
		}
		if t < m.fitLen {
			r := v - m.seasonalAt(t) - m.d.Trend[t]
			if m.clip > 0 {
				r = math.Max(-m.clip, math.Min(m.clip, r))
			}
			adj[t] = m.d.Trend[t] + r
			continue
		}
		adj[t] = v - m.seasonalAt(t)
	}
	f := m.trend.forecastFrom(adj, origin, h)
	for i := range f {
		f[i] += m.seasonalAt(origin + i)
		if m.log {
			f[i] = math.Exp(f[i])
		}
	}
	return f
}

func (m *mstlModel) params() map[string]any {
	return map[string]any{"periods": m.periods, "log": m.log, "adjusted": m.trend.params()}
}
