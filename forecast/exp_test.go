package forecast

import (
	"os"
	"testing"

	"github.com/tallyhq/tally/forecast/synth"
)

func TestExperiment(t *testing.T) {
	if os.Getenv("FORECAST_EXP") == "" {
		t.Skip()
	}
	suite := synth.Hourly(synth.Config{Series: 414, Horizon: 48, Seed: 1})
	var train, test []WideSeries
	for i, s := range suite {
		if i%2 == 1 {
			continue
		}
		train = append(train, WideSeries{ID: s.ID, Values: s.Train})
		test = append(test, WideSeries{ID: s.ID, Values: s.Test})
	}
	rep, err := Evaluate(train, test, EvalOptions{Horizon: 48, Seasons: []int{24, 168}, Models: []string{"auto"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range rep.Models {
		t.Logf("%s %s smape %.3f mase %.3f owa %.3f c80 %.3f c95 %.3f msis %.3f %v", os.Getenv("FORECAST_EXP"), m.Model, m.SMAPE, m.MASE, m.OWA, m.Coverage80, m.Coverage95, m.MSIS, m.Wall)
	}
}
