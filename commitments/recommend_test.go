package commitments

import (
	"strings"
	"testing"

	"github.com/tallyhq/tally"
)

// TestExplainPurchase: the explanation says what to buy, its savings range
// and break-even in separate sentences, and says why the expectation is
// below P10 when a few paths drag it there, and says when every path saves
// the same.
func TestExplainPurchase(t *testing.T) {
	p := PoolPlan{Offer: Offer{Provider: "aws", Kind: tally.CommitComputeSP, TermMonths: 12, Payment: NoUpfront}, Discount: 0.28,
		TargetHourly: tally.MustParseMoney("1.6", "USD"), PurchaseHourly: tally.MustParseMoney("0.2", "USD"), TargetOD: 2.2,
		Savings:  Evaluation{ExpectedSavings: 581, P10: 583, P90: 596, Worst: 309, Best: 610},
		AtTarget: Evaluation{Utilization: 0.995},
		Choice:   Choice{MeanUsageOD: 2.34, Binding: "savings"}}
	got := explain(p, DefaultRisk, "USD")
	for _, want := range []string{
		"Buy 0.200/h of 1-year No Upfront Compute Savings Plan: expected net savings 581 USD over the term (P10 583 USD, P90 596 USD; worst path 309 USD). ",
		"The expectation is below P10: fewer than one path in ten saves much less than the rest, and pulls it down. ",
		"at 99.5% expected utilization. Break-even utilization is 72%",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("explanation lacks %q:\n%s", want, got)
		}
	}
	p.Savings.ExpectedSavings = 590
	if got := explain(p, DefaultRisk, "USD"); strings.Contains(got, "below P10") {
		t.Errorf("an expectation inside P10–P90 is explained as below P10:\n%s", got)
	}
	// Every path saves the same (they agree at this amount): a
	// P10–P90 range of one value would read as a bug.
	p.Savings = Evaluation{ExpectedSavings: 2401.2, P10: 2401.2, P90: 2401.2, Worst: 2401.1, Best: 2401.2}
	got = explain(p, DefaultRisk, "USD")
	if want := "Buy 0.200/h of 1-year No Upfront Compute Savings Plan: net savings 2401 USD over the term, the same on every forecast path. "; !strings.Contains(got, want) || strings.Contains(got, "P10") {
		t.Errorf("explanation of a certain saving lacks %q or names P10:\n%s", want, got)
	}
	// One path in a hundred saving more is a range, however narrow P10–P90.
	p.Savings.Best = 2600
	if got := explain(p, DefaultRisk, "USD"); !strings.Contains(got, "P10 2401 USD, P90 2401 USD") {
		t.Errorf("a range explained as one value:\n%s", got)
	}
}
