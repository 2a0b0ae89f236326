package rightsizing

import (
	"bytes"
	"context"
	"testing"
	"time"
)

// keep recommends the current resources: it must save nothing.
type keep struct{}

func (keep) Name() string { return "keep" }
func (keep) Recommend(h History, now time.Time) Recommendation {
	return Recommendation{Resources: h.Current}
}

func TestBacktestBaselineIdentity(t *testing.T) {
	tr := GenerateTrace(GenerateOptions{Seed: 3, Days: 10, PerPattern: 1})
	rep, err := Backtest(context.Background(), tr, []Recommender{keep{}, Balanced.Recommender()}, BacktestOptions{Warmup: 3 * 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	k := rep.Strategies[0] // churn: one diurnal container changes its request mid-way
	if k.Savings != 0 || !k.CurrentCost.Equal(k.RecommendedCost) || k.Churn > 0.01 || k.ContainerDays <= 0 {
		t.Errorf("keeping the current resources: %+v", k)
	}
	if rep.Origins != 7 || len(rep.ByPattern) != 2*len(Patterns) {
		t.Errorf("%d origins, %d pattern rows", rep.Origins, len(rep.ByPattern))
	}
	if rep.TargetMet {
		t.Error("the target needs a tally strategy first")
	}
	if _, err := Backtest(context.Background(), tr, []Recommender{keep{}}, BacktestOptions{Warmup: 30 * 24 * time.Hour}); err == nil {
		t.Error("warm-up longer than the trace: want an error")
	}
}

// TestBundledTarget is the bar: on the bundled traces Tally's
// balanced profile saves at least what the better baseline saves, with no
// more would-be OOMs or CPU windows above the request, and memory slack ≤ 25%.
func TestBundledTarget(t *testing.T) {
	tr, err := ReadTrace(bytes.NewReader(bundledTrace(t)), "testdata/traces.csv.gz")
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Backtest(context.Background(), tr, []Recommender{Balanced.Recommender(), VPA{}, KRR{}}, BacktestOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.TargetMet {
		t.Fatal(rep.TargetVerdict)
	}
	t.Log(rep.TargetVerdict)
}
