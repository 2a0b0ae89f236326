package forecast

import (
	"math"
	"slices"
)

// impute fills missing values (NaN) of y, after dropping leading ones: gaps
// of up to three steps by linear interpolation, longer gaps with the value
// one season earlier (the longest season that has a value), else by
// interpolation. Trailing gaps are filled too: the forecast starts after the
// last step whatever was measured. It returns the series and how many values
// it filled and dropped.
func impute(y []float64, seasons []int) (out []float64, filled, dropped int) {
	first := slices.IndexFunc(y, func(v float64) bool { return !math.IsNaN(v) })
	if first < 0 {
		return nil, 0, len(y)
	}
	out = slices.Clone(y[first:])
	n := len(out)
	longest := slices.Clone(seasons)
	slices.Sort(longest)
	slices.Reverse(longest)
	for t := 0; t < n; t++ {
		if !math.IsNaN(out[t]) {
			continue
		}
		end := t
		for end < n && math.IsNaN(out[end]) {
			end++
		}
		prev := out[t-1]
		gap := end - t
		for i := t; i < end; i++ {
			filled++
			if gap > 3 {
				done := false
				for _, p := range longest {
					if p > 1 && i-p >= 0 && !math.IsNaN(out[i-p]) {
						out[i] = out[i-p]
						done = true
						break
					}
				}
				if done {
					continue
				}
			}
			if end < n {
				f := float64(i-t+1) / float64(gap+1)
				out[i] = prev + f*(out[end]-prev)
			} else {
				out[i] = prev
			}
		}
		t = end - 1
	}
	return out, filled, first
}
