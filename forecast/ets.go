package forecast

import (
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/optimize"
	"gonum.org/v1/gonum/stat"
)

// etsSpec names an exponential smoothing model in the taxonomy of Hyndman
// et al. (2008): error A or M, trend N, A or D (additive damped), season N,
// A or M.
type etsSpec struct{ err, trend, season byte }

func (s etsSpec) String() string {
	tr := string(s.trend)
	if s.trend == 'D' {
		tr = "Ad"
	}
	return fmt.Sprintf("ETS(%c,%s,%c)", s.err, tr, s.season)
}

// etsSpecs lists the models automatic selection considers for y with season
// length m. Like R's forecast::ets with restrict = TRUE it leaves out
// additive errors with multiplicative seasons (numerically unstable);
// multiplicative errors and seasons need strictly positive data; seasonal
// models need two full seasons.
func etsSpecs(y []float64, m int, seasonal bool) []etsSpec {
	pos := allPositive(y)
	errs := []byte{'A'}
	if pos {
		errs = append(errs, 'M')
	}
	seasons := []byte{'N'}
	if seasonal && m > 1 && len(y) >= 2*m {
		seasons = append(seasons, 'A')
		if pos {
			seasons = append(seasons, 'M')
		}
	}
	var specs []etsSpec
	for _, e := range errs {
		for _, t := range []byte{'N', 'A', 'D'} {
			for _, s := range seasons {
				if e == 'A' && s == 'M' {
					continue
				}
				specs = append(specs, etsSpec{e, t, s})
			}
		}
	}
	return specs
}

// ets fits every model of etsSpecs (or only spec, when set) by maximum
// likelihood and keeps the one with the smallest AICc.
type ets struct {
	m        int
	seasonal bool     // consider seasonal models
	spec     *etsSpec // fit this model only
}

func (ets) name() string { return "ets" }

// refit returns e restricted to mod's model type.
func (e ets) refit(mod model) method {
	if em, ok := mod.(*etsModel); ok {
		spec := em.spec
		e.spec = &spec
	}
	return e
}

// errNoModel is returned when no model could be fitted.
var errNoModel = errors.New("no model could be fitted")

func (e ets) fit(y []float64) (model, error) {
	specs := etsSpecs(y, e.m, e.seasonal)
	if e.spec != nil {
		specs = []etsSpec{*e.spec}
	}
	var best *etsModel
	for _, s := range specs {
		mod, err := fitETS(y, e.m, s)
		if err != nil {
			continue
		}
		if best == nil || mod.aicc < best.aicc {
			best = mod
		}
	}
	if best == nil {
		return nil, fmt.Errorf("ets: %w", errNoModel)
	}
	return best, nil
}

// etsModel is a fitted exponential smoothing model.
type etsModel struct {
	spec                    etsSpec
	m                       int
	alpha, beta, gamma, phi float64
	l0, b0                  float64
	s0                      []float64 // initial seasonal state by phase (t mod m)
	aicc                    float64
	n                       int
}

func (e *etsModel) name() string { return e.spec.String() }

// etsState is the state after some observations.
type etsState struct {
	l, b float64
	s    []float64
}

// run filters y[:upto] and returns the final state, the likelihood term
// (−2 log-likelihood up to a constant) and whether the run was valid.
func (e *etsModel) run(y []float64, upto int, st *etsState) (lik float64, ok bool) {
	st.l, st.b = e.l0, e.b0
	if e.spec.season != 'N' {
		if cap(st.s) < e.m {
			st.s = make([]float64, e.m)
		}
		st.s = st.s[:e.m]
		copy(st.s, e.s0)
	}
	phi := 1.0
	if e.spec.trend == 'D' {
		phi = e.phi
	}
	hasTrend := e.spec.trend != 'N'
	var sse, sumLog float64
	prod := 1.0
	for t := 0; t < upto; t++ {
		lb := st.l
		if hasTrend {
			lb += phi * st.b
		}
		var mu, s float64
		switch e.spec.season {
		case 'N':
			mu = lb
		case 'A':
			s = st.s[t%e.m]
			mu = lb + s
		case 'M':
			s = st.s[t%e.m]
			mu = lb * s
		}
		ea := y[t] - mu
		if e.spec.err == 'M' {
			if !(mu > 0) {
				return math.Inf(1), false
			}
			r := ea / mu
			sse += r * r
			// Σ log μ as the log of running products: one Log per many steps.
			prod *= mu
			if prod > 1e150 || prod < 1e-150 {
				sumLog += math.Log(prod)
				prod = 1
			}
		} else {
			sse += ea * ea
		}
		// The state equations written with the additive error y − μ are the
		// same for additive and multiplicative errors.
		switch e.spec.season {
		case 'N', 'A':
			st.l = lb + e.alpha*ea
			if hasTrend {
				st.b = phi*st.b + e.beta*ea
			}
			if e.spec.season == 'A' {
				st.s[t%e.m] = s + e.gamma*ea
			}
		case 'M':
			if s == 0 || lb == 0 {
				return math.Inf(1), false
			}
			st.l = lb + e.alpha*ea/s
			if hasTrend {
				st.b = phi*st.b + e.beta*ea/s
			}
			st.s[t%e.m] = s + e.gamma*ea/lb
		}
		if math.IsNaN(st.l) || math.IsInf(st.l, 0) || math.Abs(st.l) > 1e15 {
			return math.Inf(1), false
		}
	}
	sumLog += math.Log(prod)
	n := float64(upto)
	if sse <= 0 {
		sse = 1e-300
	}
	lik = n * math.Log(sse/n)
	if e.spec.err == 'M' {
		lik += 2 * sumLog
	}
	return lik, true
}

// project returns h forecasts from state st after origin observations.
func (e *etsModel) project(st *etsState, origin, h int) []float64 {
	f := make([]float64, h)
	damp := 0.0
	phiPow := 1.0
	for j := 1; j <= h; j++ {
		switch e.spec.trend {
		case 'A':
			damp = float64(j)
		case 'D':
			phiPow *= e.phi
			damp += phiPow
		}
		lb := st.l + damp*st.b
		switch e.spec.season {
		case 'N':
			f[j-1] = lb
		case 'A':
			f[j-1] = lb + st.s[(origin+j-1)%e.m]
		case 'M':
			f[j-1] = lb * st.s[(origin+j-1)%e.m]
		}
	}
	return f
}

func (e *etsModel) forecastFrom(y []float64, origin, h int) []float64 {
	var st etsState
	e.run(y, origin, &st)
	return e.project(&st, origin, h)
}

func (e *etsModel) params() map[string]any {
	p := map[string]any{"model": e.spec.String(), "alpha": e.alpha, "aicc": e.aicc}
	if e.spec.trend != 'N' {
		p["beta"] = e.beta
	}
	if e.spec.trend == 'D' {
		p["phi"] = e.phi
	}
	if e.spec.season != 'N' {
		p["gamma"] = e.gamma
		p["season"] = e.m
	}
	return p
}

func sigmoid(x float64) float64 { return 1 / (1 + math.Exp(-x)) }
func logit(p float64) float64   { return math.Log(p / (1 - p)) }

// setParams maps unconstrained x to admissible parameters: 0 < α < 1,
// 0 < β < α, 0 < γ < 1 − α, 0.8 < φ < 0.98 (the usual bounds).
func (e *etsModel) setParams(x []float64) {
	const eps = 1e-4
	i := 0
	e.alpha = eps + (1-2*eps)*sigmoid(x[i])
	i++
	if e.spec.trend != 'N' {
		e.beta = e.alpha * sigmoid(x[i])
		i++
	}
	if e.spec.season != 'N' {
		e.gamma = (1 - e.alpha) * sigmoid(x[i])
		i++
	}
	if e.spec.trend == 'D' {
		e.phi = 0.8 + 0.18*sigmoid(x[i])
	}
}

// initStates sets heuristic initial states the way R's ets does: a classical
// decomposition of the first seasons gives the seasonal states, a regression
// on the first deseasonalized values the level and slope.
func (e *etsModel) initStates(y []float64) {
	n := len(y)
	des := y
	if e.spec.season != 'N' {
		k := min(n, 4*e.m)
		mult := e.spec.season == 'M'
		e.s0 = classicalSeasonal(y[:k], e.m, mult)
		des = make([]float64, n)
		for t := range y {
			if mult {
				des[t] = y[t] / e.s0[t%e.m]
			} else {
				des[t] = y[t] - e.s0[t%e.m]
			}
		}
	}
	maxn := min(max(10, 2*e.m), n)
	if e.spec.trend == 'N' {
		e.l0 = stat.Mean(des[:maxn], nil)
		return
	}
	if maxn < 2 {
		e.l0, e.b0 = des[0], 0
		return
	}
	xs := make([]float64, maxn)
	for i := range xs {
		xs[i] = float64(i + 1)
	}
	e.l0, e.b0 = stat.LinearRegression(xs, des[:maxn], nil, false)
}

// fitETS estimates spec's smoothing parameters on y with Nelder–Mead.
func fitETS(y []float64, m int, spec etsSpec) (*etsModel, error) {
	n := len(y)
	if n < 3 {
		return nil, fmt.Errorf("%s: %d observations: %w", spec, n, errNoModel)
	}
	e := &etsModel{spec: spec, m: m, n: n}
	e.initStates(y)
	x0 := []float64{logit(0.3)}
	if spec.trend != 'N' {
		x0 = append(x0, logit(0.1))
	}
	if spec.season != 'N' {
		x0 = append(x0, logit(0.05))
	}
	if spec.trend == 'D' {
		x0 = append(x0, logit((0.95-0.8)/0.18))
	}
	var st etsState
	obj := func(x []float64) float64 {
		e.setParams(x)
		lik, ok := e.run(y, n, &st)
		if !ok {
			return 1e300
		}
		return lik
	}
	res, err := optimize.Minimize(optimize.Problem{Func: obj}, x0, &optimize.Settings{
		FuncEvaluations: 120 * len(x0),
		Converger:       &optimize.FunctionConverge{Relative: 1e-7, Iterations: 25},
	}, &optimize.NelderMead{})
	if err != nil && res == nil {
		return nil, fmt.Errorf("%s: %w", spec, err)
	}
	e.setParams(res.X)
	lik, ok := e.run(y, n, &st)
	if !ok || math.IsInf(lik, 0) || math.IsNaN(lik) {
		return nil, fmt.Errorf("%s: %w", spec, errNoModel)
	}
	k := float64(len(x0) + 1 + 1) // smoothing parameters, l0, σ
	if spec.trend != 'N' {
		k++
	}
	if spec.season != 'N' {
		k += float64(m - 1)
	}
	nf := float64(n)
	e.aicc = lik + 2*k
	if nf-k-1 > 0 {
		e.aicc += 2 * k * (k + 1) / (nf - k - 1)
	} else {
		e.aicc = math.Inf(1)
	}
	return e, nil
}
