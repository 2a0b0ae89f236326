package forecast_test

import (
	"testing"

	"github.com/tallyhq/tally/forecast"
	"github.com/tallyhq/tally/forecast/synth"
)

// BenchmarkAuto forecasts synthetic hourly series (48 h ahead) with model selection.
func BenchmarkAuto(b *testing.B) {
	suite := synth.Hourly(synth.Config{Series: 20, Horizon: 48, Seed: 7})
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s := suite[i%len(suite)]
		if _, err := forecast.ForecastValues(s.Train, forecast.Options{Horizon: 48, Seasons: []int{24, 168}}); err != nil {
			b.Fatal(err)
		}
	}
}
