package commitments

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/tallyhq/tally"
)

// TestPoolPlanJSONWritesMoney: a pool plan's savings estimates, which the
// optimizer works out in floats across its paths, are written as money in
// the plan's currency to the cent, as every other amount is, and read
// back. `commitments recommend --format json` wrote them as floats,
// "expectedSavings":581.0374920000001, without a currency.
func TestPoolPlanJSONWritesMoney(t *testing.T) {
	ev := Evaluation{Capacity: 2.2, ExpectedSavings: 581.037492, P10: 583.004, P90: 596.1, Worst: -309.555, Best: 610, Utilization: 0.995,
		PLowUtilization: 0.01, BreakEven: 0.72}
	p := PoolPlan{Pool: "compute-sp", TargetHourly: tally.MustParseMoney("1.6", "EUR"), PurchaseHourly: tally.MustParseMoney("0.2", "EUR"),
		Savings: ev, MedianSavings: 590.499, AtTarget: ev, Choice: Choice{Capacity: 2.2, Binding: "savings", Evaluation: ev, AtOptimum: ev}}
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	js := string(b)
	for _, want := range []string{
		`"savings":{"capacityOD":2.2,"expectedSavings":{"amount":"581.04","currency":"EUR"},"p10":{"amount":"583","currency":"EUR"},` +
			`"p90":{"amount":"596.1","currency":"EUR"},"worstCase":{"amount":"-309.56","currency":"EUR"},"bestCase":{"amount":"610","currency":"EUR"},` +
			`"expectedUtilization":0.995,"pLowUtilization":0.01,"breakEvenUtilization":0.72}`,
		`"medianSavings":{"amount":"590.5","currency":"EUR"}`,
		`"choice":{"capacityOD":2.2,`,
		`"evaluation":{"capacityOD":2.2,"expectedSavings":{"amount":"581.04","currency":"EUR"}`,
		`"atOptimum":{"capacityOD":2.2,"expectedSavings":{"amount":"581.04","currency":"EUR"}`,
		`"pool":"compute-sp"`, `"targetHourly":{"amount":"1.6","currency":"EUR"}`,
	} {
		if !strings.Contains(js, want) {
			t.Errorf("pool plan JSON lacks %s:\n%s", want, js)
		}
	}
	if strings.Contains(js, "581.037") {
		t.Errorf("pool plan JSON has a float of money:\n%s", js)
	}

	var back PoolPlan
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.Savings.ExpectedSavings != 581.04 || back.Savings.Worst != -309.56 || back.MedianSavings != 590.5 ||
		back.Choice.AtOptimum.P90 != 596.1 || back.AtTarget.Utilization != 0.995 || back.Choice.Binding != "savings" || back.Pool != "compute-sp" {
		t.Errorf("read back %+v", back)
	}
	if err := json.Unmarshal([]byte(`{"savings":{"expectedSavings":12.5}}`), &back); err == nil || !strings.Contains(err.Error(), "expectedSavings") {
		t.Errorf("a float of savings read back: %v", err)
	}
}
