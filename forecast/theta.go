package forecast

import (
	"math"

	"gonum.org/v1/gonum/optimize"
	"gonum.org/v1/gonum/stat"
)

// theta is the Theta method as the M4 benchmark runs it (Assimakopoulos &
// Nikolopoulos 2000, in the form of Hyndman & Billah 2003): when the series
// passes SeasonalityTest it is seasonally adjusted by classical
// multiplicative decomposition (additive when it has values ≤ 0); the
// adjusted series is forecast by simple exponential smoothing plus half the
// slope of its linear trend, and the seasonal indices are put back.
type theta struct{ m int }

func (theta) name() string { return "theta" }

func (th theta) fit(y []float64) (model, error) {
	mod := &thetaModel{m: th.m}
	if SeasonalityTest(y, th.m) {
		mod.mult = allPositive(y)
		mod.index = classicalSeasonal(y, th.m, mod.mult)
	}
	des := mod.adjust(y, len(y))
	n := len(des)
	xs := make([]float64, n)
	for i := range xs {
		xs[i] = float64(i)
	}
	_, slope := stat.LinearRegression(xs, des, nil, false)
	mod.drift = slope / 2
	// SES: α and the initial level by least squares, as forecast::ses does.
	obj := func(x []float64) float64 {
		a := 1e-4 + (1-2e-4)*sigmoid(x[0])
		l := x[1]
		var sse float64
		for _, v := range des {
			e := v - l
			sse += e * e
			l += a * e
		}
		return sse
	}
	res, err := optimize.Minimize(optimize.Problem{Func: obj}, []float64{logit(0.3), des[0]}, &optimize.Settings{
		FuncEvaluations: 300,
		Converger:       &optimize.FunctionConverge{Relative: 1e-8, Iterations: 25},
	}, &optimize.NelderMead{})
	if err != nil && res == nil {
		return nil, err
	}
	mod.alpha = 1e-4 + (1-2e-4)*sigmoid(res.X[0])
	mod.l0 = res.X[1]
	return mod, nil
}

type thetaModel struct {
	m     int
	mult  bool
	index []float64
	alpha float64
	l0    float64
	drift float64 // b0/2
}

// adjust returns y[:upto] seasonally adjusted.
func (t *thetaModel) adjust(y []float64, upto int) []float64 {
	if t.index == nil {
		return y[:upto]
	}
	des := make([]float64, upto)
	for i := range des {
		if t.mult {
			des[i] = y[i] / t.index[i%t.m]
		} else {
			des[i] = y[i] - t.index[i%t.m]
		}
	}
	return des
}

func (t *thetaModel) forecastFrom(y []float64, origin, h int) []float64 {
	des := t.adjust(y, origin)
	l := t.l0
	for _, v := range des {
		l += t.alpha * (v - l)
	}
	n := float64(origin)
	base := (1 - math.Pow(1-t.alpha, n)) / t.alpha
	f := make([]float64, h)
	for i := range f {
		v := l + t.drift*(float64(i)+base)
		if t.index != nil {
			if t.mult {
				v *= t.index[(origin+i)%t.m]
			} else {
				v += t.index[(origin+i)%t.m]
			}
		}
		f[i] = v
	}
	return f
}

func (t *thetaModel) params() map[string]any {
	return map[string]any{"alpha": t.alpha, "drift": t.drift, "seasonal": t.index != nil, "season": t.m}
}
