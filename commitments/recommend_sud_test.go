package commitments

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/tallyhq/tally"
)

// recommendOnFlatGCP runs Recommend on 60 days of 10/h of n2-standard-4 in
// europe-west1 at list price, of which the bill shows sustained use
// discounts taking sud off, over the 1-year flexible CUD pool.
func recommendOnFlatGCP(t *testing.T, sud float64, held ...tally.Commitment) PoolPlan {
	t.Helper()
	s := Stream{Provider: "gcp", Region: "europe-west1", InstanceType: "n2-standard-4"}
	u := &Usage{Name: "acct", Start: flatStart, Currency: "USD", Streams: []Stream{s}, OD: [][]Nanos{make([]Nanos, 60*24)}}
	for h := range u.OD[0] {
		u.OD[0][h] = NanosOf(10)
	}
	if sud > 0 {
		u.SUD = map[Stream]float64{s: sud}
	}
	now := flatStart.Add(time.Duration(u.Hours()+1) * time.Hour)
	pps, err := Recommend(u, held, RecommendOptions{Now: now, Risk: Risk{Paths: 20}, Pools: PoolOptions{TermMonths: 12, GCPFlexible: true}})
	if err != nil {
		t.Fatal(err)
	}
	if len(pps) != 1 {
		t.Fatalf("%d pool plans, want the one flexible CUD pool", len(pps))
	}
	return pps[0]
}

// TestRecommendCountsSustainedUseDiscountsCoveredUsageLoses: GCP usage a
// CUD covers loses its sustained use discount, so covering a list dollar
// saves d − s, not d. With 12% SUDs on a 28% flexible CUD the savings are
// 16/28 of those without, for the same hourly fee, and break-even
// utilization is (1 − d)/(1 − s). Recommend counted the savings against
// list price, as if SUDs stayed.
func TestRecommendCountsSustainedUseDiscountsCoveredUsageLoses(t *testing.T) {
	const d, s = 0.28, 0.12
	list, sud := recommendOnFlatGCP(t, 0), recommendOnFlatGCP(t, s)
	if list.PurchaseHourly.IsZero() || sud.PurchaseHourly.IsZero() {
		t.Fatalf("purchases %s/h and %s/h, want both to buy", list.PurchaseHourly.Decimal(), sud.PurchaseHourly.Decimal())
	}
	if got, want := sud.PurchaseHourly.Decimal(), list.PurchaseHourly.Decimal(); got != want {
		t.Errorf("hourly fee with SUDs %s, want %s: the same usage costs the same commitment", got, want)
	}
	ratio := sud.Savings.ExpectedSavings / list.Savings.ExpectedSavings
	if want := (d - s) / d; math.Abs(ratio-want) > 0.01 {
		t.Errorf("savings %.2f with SUDs, %.2f without: ratio %.3f, want (d − s)/d = %.3f",
			sud.Savings.ExpectedSavings, list.Savings.ExpectedSavings, ratio, want)
	}
	if want := (1 - d) / (1 - s); math.Abs((1-sud.Discount)-want) > 1e-9 {
		t.Errorf("break-even utilization %.4f, want (1 − d)/(1 − s) = %.4f", 1-sud.Discount, want)
	}
	const why = "Its usage already gets 12% off from sustained use discounts, which covered usage loses: " +
		"savings are counted against what it costs after them."
	if !strings.Contains(sud.Why, why) {
		t.Errorf("why %q\nwant it to say %q", sud.Why, why)
	}
	if strings.Contains(list.Why, "sustained use") {
		t.Errorf("why without SUDs %q mentions them", list.Why)
	}
}

// TestRecommendHeldCUDsCoverUsageAfterSUDs: a held flexible CUD whose bill
// shows it earning 28% covers, with its 7.20/h, 10/h of list usage: 8.80/h
// of what that usage costs after 12% SUDs, the basis the pool's usage is
// counted on. It leaves nothing to buy, and is not taken to cover more
// than the usage there is.
func TestRecommendHeldCUDsCoverUsageAfterSUDs(t *testing.T) {
	held := tally.Commitment{ID: "cud-flex", Provider: "gcp", Kind: tally.CommitCUDFlexible, TermMonths: 12, PaymentOption: NoUpfront,
		Scope: map[string]string{"region": "europe-west1"}, Start: flatStart.AddDate(0, -1, 0), End: flatStart.AddDate(1, -1, 0),
		RecurringHourlyFee: tally.MustParseMoney("7.2", "USD"), Discount: 0.28, State: "active"}
	p := recommendOnFlatGCP(t, 0.12, held)
	if math.Abs(p.ExistingOD-8.8) > 1e-6 {
		t.Errorf("existing capacity %.4f/h, want 8.80/h: 10/h of list usage after 12%% SUDs", p.ExistingOD)
	}
	wantNothingBought(t, []PoolPlan{p}, "", "the held CUD covers the usage")
}
