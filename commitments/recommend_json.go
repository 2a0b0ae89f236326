package commitments

import (
	"cmp"
	"encoding/json"

	"github.com/tallyhq/tally"
)

// currency is the currency of the plan's amounts: its target's, or USD
// for a plan that holds nothing.
func (p PoolPlan) currency() tally.Currency {
	return cmp.Or(p.TargetHourly.Currency(), p.PurchaseHourly.Currency(), "USD")
}

// estimate is a savings estimate, worked out in floats across the forecast
// paths, as money in cur to the cent.
func estimate(f float64, cur tally.Currency) tally.Money { return NanosOf(f).Money(cur).Round(2) }

// evaluationJSON is an Evaluation as a plan writes it: its savings as money.
type evaluationJSON struct {
	Capacity        float64     `json:"capacityOD"`
	ExpectedSavings tally.Money `json:"expectedSavings"`
	P10             tally.Money `json:"p10"`
	P90             tally.Money `json:"p90"`
	Worst           tally.Money `json:"worstCase"`
	Best            tally.Money `json:"bestCase"`
	Utilization     float64     `json:"expectedUtilization"`
	PLowUtilization float64     `json:"pLowUtilization"`
	BreakEven       float64     `json:"breakEvenUtilization"`
}

func (e Evaluation) json(cur tally.Currency) evaluationJSON {
	return evaluationJSON{Capacity: e.Capacity, ExpectedSavings: estimate(e.ExpectedSavings, cur), P10: estimate(e.P10, cur),
		P90: estimate(e.P90, cur), Worst: estimate(e.Worst, cur), Best: estimate(e.Best, cur), Utilization: e.Utilization,
		PLowUtilization: e.PLowUtilization, BreakEven: e.BreakEven}
}

func (e evaluationJSON) evaluation() Evaluation {
	return Evaluation{Capacity: e.Capacity, ExpectedSavings: e.ExpectedSavings.Float64(), P10: e.P10.Float64(), P90: e.P90.Float64(),
		Worst: e.Worst.Float64(), Best: e.Best.Float64(), Utilization: e.Utilization, PLowUtilization: e.PLowUtilization,
		BreakEven: e.BreakEven}
}

// choiceFields and poolPlanFields are Choice and PoolPlan without their
// JSON methods; the fields declared next to them in choiceJSON and
// poolPlanJSON take the place of theirs of the same name.
type (
	choiceFields   Choice
	poolPlanFields PoolPlan
)

type choiceJSON struct {
	choiceFields
	Evaluation evaluationJSON `json:"evaluation"`
	AtOptimum  evaluationJSON `json:"atOptimum"`
}

type poolPlanJSON struct {
	poolPlanFields
	Savings       evaluationJSON `json:"savings"`
	MedianSavings tally.Money    `json:"medianSavings"`
	AtTarget      evaluationJSON `json:"atTarget"`
	Choice        choiceJSON     `json:"choice"`
}

// MarshalJSON writes p with its savings estimates as money in its
// currency, to the cent, as its other amounts are.
func (p PoolPlan) MarshalJSON() ([]byte, error) {
	cur := p.currency()
	c := choiceJSON{choiceFields: choiceFields(p.Choice), Evaluation: p.Choice.Evaluation.json(cur), AtOptimum: p.Choice.AtOptimum.json(cur)}
	return json.Marshal(poolPlanJSON{poolPlanFields: poolPlanFields(p), Savings: p.Savings.json(cur), MedianSavings: estimate(p.MedianSavings, cur),
		AtTarget: p.AtTarget.json(cur), Choice: c})
}

// UnmarshalJSON reads the form MarshalJSON writes.
func (p *PoolPlan) UnmarshalJSON(b []byte) error {
	var v poolPlanJSON
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*p = PoolPlan(v.poolPlanFields)
	p.Savings, p.MedianSavings, p.AtTarget = v.Savings.evaluation(), v.MedianSavings.Float64(), v.AtTarget.evaluation()
	p.Choice = Choice(v.Choice.choiceFields)
	p.Choice.Evaluation, p.Choice.AtOptimum = v.Choice.Evaluation.evaluation(), v.Choice.AtOptimum.evaluation()
	return nil
}
