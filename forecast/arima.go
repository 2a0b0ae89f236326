package forecast

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/optimize"
)

// arima fits non-seasonal ARIMA(p,1,q) models, p, q ≤ 2, with and without
// drift, by conditional sum of squares and keeps the one with the smallest
// AICc. It serves as the model of a seasonally adjusted series: once the
// seasons are removed, usage is a slowly moving level plus autocorrelated
// deviations (a busy afternoon stays busy for a few hours), and the AR terms
// let those deviations decay over the horizon instead of carrying them
// forward as the new level, as simple exponential smoothing (ARIMA(0,1,1))
// does.
type arima struct {
	order *arimaOrder // fit this order only
}

// arimaOrder is an ARIMA(p,1,q) model's structure.
type arimaOrder struct {
	p, q  int
	drift bool
}

func (arima) name() string { return "arima" }

// refit returns arima restricted to mod's order.
func (arima) refit(mod model) method {
	a, ok := mod.(*arimaModel)
	if !ok {
		return arima{}
	}
	o := a.order()
	return arima{order: &o}
}

// arimaMaxP and arimaMaxQ bound the orders searched; every model is
// conditioned on the same first arimaMaxP differences, so their AICc compare
// sums of squares over the same observations.
const (
	arimaMaxP = 2
	arimaMaxQ = 2
)

func (a arima) fit(y []float64) (model, error) {
	n := len(y)
	if n < 3*(arimaMaxP+arimaMaxQ+2) {
		return nil, fmt.Errorf("arima: %d observations: %w", n, errNoModel)
	}
	w := make([]float64, n-1)
	for t := range w {
		w[t] = y[t+1] - y[t]
	}
	var mean float64
	for _, v := range w {
		mean += v
	}
	mean /= float64(len(w))
	var orders []arimaOrder
	if a.order != nil {
		orders = []arimaOrder{*a.order}
	} else {
		for p := 0; p <= arimaMaxP; p++ {
			for q := 0; q <= arimaMaxQ; q++ {
				orders = append(orders, arimaOrder{p, q, false}, arimaOrder{p, q, true})
			}
		}
	}
	var best *arimaModel
	for _, o := range orders {
		mod := fitARIMA(w, o.p, o.q, o.drift, mean)
		if mod != nil && (best == nil || mod.aicc < best.aicc) {
			best = mod
		}
	}
	if best == nil {
		return nil, fmt.Errorf("arima: %w", errNoModel)
	}
	return best, nil
}

// arimaModel is a fitted ARIMA(p,1,q): with w_t = y_t − y_{t−1} − μ,
// w_t = Σ φ_i w_{t−i} + e_t + Σ θ_j e_{t−j}.
type arimaModel struct {
	phi, theta []float64
	drift      bool
	mu         float64 // drift per step
	sigma2     float64
	aicc       float64
}

// fitARIMA estimates φ and θ on the differences w by conditional least
// squares (Nelder–Mead over partial autocorrelations, which keeps the AR
// part stationary and the MA part invertible); the drift, when set, is the
// mean difference.
func fitARIMA(w []float64, p, q int, drift bool, mean float64) *arimaModel {
	mod := &arimaModel{phi: make([]float64, p), theta: make([]float64, q)}
	if drift {
		mod.drift, mod.mu = true, mean
	}
	e := make([]float64, len(w))
	obj := func(x []float64) float64 {
		mod.setParams(x, p, q)
		return mod.css(w, e)
	}
	x := make([]float64, p+q)
	if p+q > 0 {
		res, err := optimize.Minimize(optimize.Problem{Func: obj}, x, &optimize.Settings{
			FuncEvaluations: 150 * (p + q),
			Converger:       &optimize.FunctionConverge{Relative: 1e-7, Iterations: 20},
		}, &optimize.NelderMead{})
		if err != nil && res == nil {
			return nil
		}
		x = res.X
	}
	mod.setParams(x, p, q)
	sse := mod.css(w, e)
	m := float64(len(w) - arimaMaxP)
	if math.IsNaN(sse) || math.IsInf(sse, 0) || m <= 0 {
		return nil
	}
	sse = math.Max(sse, 1e-300)
	mod.sigma2 = sse / m
	k := float64(p + q + 1)
	if drift {
		k++
	}
	if m-k-1 <= 0 {
		return nil
	}
	mod.aicc = m*math.Log(sse/m) + 2*k + 2*k*(k+1)/(m-k-1)
	return mod
}

func (a *arimaModel) order() arimaOrder {
	return arimaOrder{len(a.phi), len(a.theta), a.drift}
}

// setParams maps unconstrained x to coefficients: tanh gives partial
// autocorrelations in (−1, 1), the Durbin–Levinson recursion turns them into
// a stationary AR polynomial (Jones 1980; R's arima does the same), and the
// MA polynomial is the mirror image of one, hence invertible.
func (a *arimaModel) setParams(x []float64, p, q int) {
	pacfToAR(x[:p], a.phi)
	pacfToAR(x[p:p+q], a.theta)
	for j := range a.theta {
		a.theta[j] = -a.theta[j]
	}
}

func pacfToAR(x, out []float64) {
	var tmp [arimaMaxP + arimaMaxQ]float64
	for k := range x {
		r := 0.99 * math.Tanh(x[k])
		copy(tmp[:k], out[:k])
		for j := 0; j < k; j++ {
			out[j] = tmp[j] - r*tmp[k-1-j]
		}
		out[k] = r
	}
}

// css returns the conditional sum of squares of the innovations, conditioned
// on the first arimaMaxP differences, and leaves the innovations in e.
func (a *arimaModel) css(w, e []float64) float64 {
	var sse float64
	for t := range w {
		if t < arimaMaxP {
			e[t] = 0
			continue
		}
		v := w[t] - a.mu
		for i, f := range a.phi {
			v -= f * (w[t-1-i] - a.mu)
		}
		for j, th := range a.theta {
			v -= th * e[t-1-j]
		}
		e[t] = v
		sse += v * v
	}
	return sse
}

func (a *arimaModel) forecastFrom(y []float64, origin, h int) []float64 {
	f := make([]float64, h)
	if origin < 2 {
		for i := range f {
			f[i] = y[origin-1]
		}
		return f
	}
	w := make([]float64, origin-1, origin-1+h)
	for t := range w {
		w[t] = y[t+1] - y[t]
	}
	e := make([]float64, len(w), len(w)+h)
	a.css(w, e)
	last := y[origin-1]
	for i := range f {
		v := a.mu
		t := len(w)
		for k, ph := range a.phi {
			if t-1-k >= 0 {
				v += ph * (w[t-1-k] - a.mu)
			}
		}
		for j, th := range a.theta {
			if t-1-j >= 0 {
				v += th * e[t-1-j]
			}
		}
		w = append(w, v)
		e = append(e, 0)
		last += v
		f[i] = last
	}
	return f
}

func (a *arimaModel) params() map[string]any {
	return map[string]any{
		"model": fmt.Sprintf("ARIMA(%d,1,%d)", len(a.phi), len(a.theta)),
		"ar":    a.phi, "ma": a.theta, "drift": a.mu, "sigma2": a.sigma2, "aicc": a.aicc,
	}
}
