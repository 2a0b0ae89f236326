package forecast

// croston is the Syntetos–Boylan approximation of Croston's method for
// intermittent demand: demand sizes and the intervals between demands are
// smoothed separately (α = 0.1) and the forecast is (1 − α/2)·size/interval,
// flat over the horizon.
type croston struct{}

func (croston) name() string { return "croston" }

func (croston) fit(y []float64) (model, error) { return crostonModel{alpha: 0.1}, nil }

type crostonModel struct{ alpha float64 }

func (c crostonModel) forecastFrom(y []float64, origin, h int) []float64 {
	var size, interval float64
	seen := false
	gap := 1
	for t := 0; t < origin; t++ {
		if y[t] == 0 {
			gap++
			continue
		}
		if !seen {
			size, interval, seen = y[t], float64(gap), true
		} else {
			size += c.alpha * (y[t] - size)
			interval += c.alpha * (float64(gap) - interval)
		}
		gap = 1
	}
	v := 0.0
	if seen && interval > 0 {
		v = (1 - c.alpha/2) * size / interval
	}
	f := make([]float64, h)
	for i := range f {
		f[i] = v
	}
	return f
}

func (c crostonModel) params() map[string]any {
	return map[string]any{"alpha": c.alpha, "variant": "SBA"}
}

// constant forecasts the last value of a series that never changed.
type constant struct{}

func (constant) name() string { return "constant" }

func (constant) fit(y []float64) (model, error) { return constant{}, nil }

func (constant) forecastFrom(y []float64, origin, h int) []float64 {
	f := make([]float64, h)
	for i := range f {
		f[i] = y[origin-1]
	}
	return f
}

func (constant) params() map[string]any { return map[string]any{} }
