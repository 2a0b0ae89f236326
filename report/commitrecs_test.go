package report

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/tallyhq/tally"
)

// commitmentPlans stores a purchase and two holds, as tally commitments
// recommend does for pools already committed at their target.
type commitmentPlans struct {
	Store
	holdsOnly bool
}

func (s commitmentPlans) Recommendations(_ context.Context, kind string) ([]tally.Recommendation, error) {
	rec := func(target, purchase, savings string) tally.Recommendation {
		why := "Buy " + purchase + "/h"
		if purchase == "0" {
			why = "Hold: … buy nothing in this pool"
		}
		body, _ := json.Marshal(map[string]any{"offer": map[string]any{"termMonths": 12}, "purchaseHourly": tally.MustParseMoney(purchase, "USD")})
		return tally.Recommendation{Kind: kind, Target: target, Recommended: body, MonthlySavings: tally.MustParseMoney(savings, "USD"),
			Explanation: why}
	}
	recs := []tally.Recommendation{
		rec("123/aws/compute-savings-plan", "0", "0"),
		rec("gcp/cud-flexible/us-central1", "0.705", "200.07"),
		rec("123/aws/ec2-instance-savings-plan/us-west-2/m5", "0", "0"),
	}
	if s.holdsOnly {
		return []tally.Recommendation{recs[0], recs[2]}, nil
	}
	return recs, nil
}

// A commitment recommendation that holds a pool at the level in force buys
// nothing: the email listed such holds at $0.00/mo and counted them ("$200
// from 6 recommendation(s)"), and their links opened the Commitments page
// on "no longer current", since it lists purchases only. The email lists
// and counts the purchases; with none, it says the pools are held.
func TestCommitmentRecsArePurchases(t *testing.T) {
	b := &Builder{Store: commitmentPlans{}, Top: 5}
	o, err := b.commitmentRecs(context.Background(), linker{base: DefaultDashboardURL}, tally.Zero("USD"))
	if err != nil {
		t.Fatal(err)
	}
	if o.Count != 1 || len(o.Items) != 1 || o.Items[0].Target != "gcp/cud-flexible/us-central1" || !o.Total.Equal(tally.MustParseMoney("200.07", "USD")) {
		t.Errorf("%d recommendation(s) for %v, items %+v; want the one purchase, 200.07", o.Count, o.Total, o.Items)
	}

	b.Store = commitmentPlans{holdsOnly: true}
	if o, err = b.commitmentRecs(context.Background(), linker{base: DefaultDashboardURL}, tally.Zero("USD")); err != nil {
		t.Fatal(err)
	}
	const want = "no purchase recommended now: the 2 pool(s) are held at the commitments in force"
	if o.Count != 0 || o.Unavailable != want {
		t.Errorf("holds only: %d recommendation(s), %q; want none, %q", o.Count, o.Unavailable, want)
	}
}
