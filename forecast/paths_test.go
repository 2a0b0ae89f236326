package forecast

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// TestSamplePathSumsCenteredOnTheForecast: hourly usage with a daily cycle
// and skewed noise (short outages take 30–60% off now and then, otherwise
// small symmetric noise). The sample paths' 48-hour sums must average the
// point forecast's sum: drawn from standardized errors as they are (less
// their median, as they were once), every path drifted by the skew.
func TestSamplePathSumsCenteredOnTheForecast(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	n := 24 * 42
	vals := make([]float64, n)
	for h := range vals {
		v := 100 + 15*math.Sin(2*math.Pi*float64(h%24)/24) + 2*rng.NormFloat64()
		if rng.Float64() < 0.04 {
			v *= 0.4 + 0.3*rng.Float64()
		}
		vals[h] = v
	}
	r, err := Forecast(Series{Start: time.Unix(0, 0).UTC(), Step: time.Hour, Values: vals}, Options{Horizon: 48})
	if err != nil {
		t.Fatal(err)
	}
	if r.dist.z == nil || r.dist.zMean-sortedQuantile(r.dist.z, 0.5) > -0.05 {
		t.Fatalf("want negatively skewed standardized errors, mean %.3f", r.dist.zMean)
	}
	var want float64
	for _, v := range r.Mean {
		want += v
	}
	paths := r.SamplePaths(4000, rand.New(rand.NewPCG(1, 2)))
	sums := make([]float64, len(paths))
	var got float64
	for i, p := range paths {
		for _, v := range p {
			sums[i] += v
		}
		got += sums[i] / float64(len(paths))
	}
	var ss float64
	for _, s := range sums {
		ss += (s - got) * (s - got)
	}
	se := math.Sqrt(ss/float64(len(sums)-1)) / math.Sqrt(float64(len(sums)))
	if math.Abs(got-want) > 4*se {
		t.Errorf("paths' 48-hour sums average %.1f, the point forecast's is %.1f (standard error %.2f)", got, want, se)
	}
}
