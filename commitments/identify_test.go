package commitments

import (
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tallyhq/tally"
)

// identifyRates is a catalog of m5.xlarge in us-east-1, Linux/UNIX: 0.192
// an hour on demand; a 1-year Compute Savings Plan takes 28.6% off, an EC2
// Instance one 38.5%, 3-year ones 51.0% and 57.8%; Reserved Instances
// 37.0% and 56.8%.
func identifyRates() Rates {
	price := func(opt, hourly string) tally.InstancePrice {
		return tally.InstancePrice{Provider: tally.ProviderAWS, Region: "us-east-1", InstanceType: "m5.xlarge", PurchaseOption: opt,
			OperatingSystem: "linux", HourlyPrice: tally.MustParseMoney(hourly, "USD")}
	}
	return NewRates([]tally.InstancePrice{
		price(tally.PurchaseOnDemand, "0.192"),
		price("savings-plan-compute-1y-no-upfront", "0.137088"),
		price("savings-plan-ec2-instance-1y-no-upfront", "0.11808"),
		price("savings-plan-compute-3y-no-upfront", "0.09408"),
		price("savings-plan-ec2-instance-3y-no-upfront", "0.0810240"),
		price("reserved-1y-no-upfront", "0.12096"),
		price("reserved-3y-no-upfront", "0.0829440"),
	})
}

// TestIdentifyOffers: a FOCUS file from AWS names neither a Savings Plan's
// type nor a commitment's term. The discount its covered usage shows tells
// them apart: the type and term are those of the offer whose rate on the
// instance type it covered is nearest, over every payment option (paying
// upfront adds to the discount). A discount no offer is near, or two of
// another type or term about as near, leaves the commitment as the bill
// says it (InventoryFromBilling's defaults); so does a bill that says.
func TestIdentifyOffers(t *testing.T) {
	first := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	sp := func(discount float64) BillingCommitment {
		return BillingCommitment{BillingAccountID: "111111111111", Provider: tally.ProviderAWS, ID: "arn:aws:savingsplans::111111111111:savingsplan/x",
			Type: "Savings Plan", Category: "Spend", Region: "us-east-1", InstanceType: "m5.xlarge", First: first, Last: first.Add(72 * time.Hour),
			Hours: 72, Used: tally.MustParseMoney("10", "USD"), Unused: tally.Zero("USD"), Fees: tally.Zero("USD"),
			CoveredList:      tally.MustParseMoney("100", "USD"),
			CoveredEffective: tally.MustParseMoney(strconv.FormatFloat(100*(1-discount), 'f', 4, 64), "USD")}
	}
	ri := func(discount float64) BillingCommitment {
		b := sp(discount)
		b.ID, b.Type, b.Category = "arn:aws:ec2:us-east-1:111111111111:reserved-instances/r", "Reserved Instance", "Usage"
		return b
	}
	said := sp(0.578)
	said.OfferingType, said.PurchaseTerm = "ComputeSavingsPlans", "1yr"
	named := sp(0.578)
	named.Name = "EC2 Instance Savings Plan m5 us-east-1"
	uncatalogued := sp(0.38)
	uncatalogued.InstanceType = "c6i.large"
	// Typical rates on c6i: 1-year Compute 28% to 32%, EC2 Instance 38%:
	// 36.0% is 2 points nearer the EC2 Instance one: enough at the
	// catalog's rates, too close at typical ones.
	uncertain := sp(0.36)
	uncertain.InstanceType = "c6i.large"
	// 36.0% is nearest a 1-year No Upfront EC2 Instance Savings Plan's rate
	// (38.5%), but hardly nearer than a 1-year All Upfront Compute one's
	// (32.6%); a recurring fee of the whole commitment rules the latter out.
	noUpfront := sp(0.36)
	noUpfront.Recurring, noUpfront.RecurringHours = noUpfront.Used, noUpfront.Hours
	charged := sp(0.385) // 1-year rates, but charged for 13 months: a 3-year one
	charged.First = first.AddDate(-1, -1, 0)
	for _, tc := range []struct {
		name        string
		b           BillingCommitment
		kind        string
		months      int
		inferred    bool
		wantInNote  string
		wantAbsence bool
	}{
		{"1-year Compute", sp(0.286), tally.CommitComputeSP, 12, true, "1-year Compute Savings Plan on m5.xlarge in us-east-1 (28.6% to 32.6% by payment option; the price catalog's)", false},
		{"1-year EC2 Instance", sp(0.385), tally.CommitEC2SP, 12, true, "EC2 Instance Savings Plan", false},
		{"3-year Compute", sp(0.51), tally.CommitComputeSP, 36, true, "3-year", false},
		{"3-year EC2 Instance", sp(0.578), tally.CommitEC2SP, 36, true, "3-year", false},
		{"1-year All Upfront Compute", sp(0.326), tally.CommitComputeSP, 12, true, "1-year Compute Savings Plan", false},
		{"at typical published rates", uncatalogued, tally.CommitEC2SP, 12, true, "typical published rates", false},
		{"between typical published rates", uncertain, tally.CommitComputeSP, 12, false, "", true},
		{"between offers", sp(0.355), tally.CommitComputeSP, 12, false, "", true},
		{"between offers of other payment options", sp(0.36), tally.CommitComputeSP, 12, false, "", true},
		{"No Upfront from its fees", noUpfront, tally.CommitEC2SP, 12, true, "EC2 Instance Savings Plan on m5.xlarge in us-east-1 (38.5% at No Upfront; the price catalog's); No Upfront from its fees", false},
		{"far from any", sp(0.80), tally.CommitComputeSP, 12, false, "", true},
		{"the bill says", said, tally.CommitComputeSP, 12, false, "", true},
		{"the name says the type", named, tally.CommitEC2SP, 36, true, "term from", false},
		{"charged longer than a year", charged, tally.CommitComputeSP, 36, false, "", true},
		{"3-year reservation", ri(0.568), tally.CommitReserved, 36, true, "Reserved Instances", false},
		{"1-year reservation", ri(0.37), tally.CommitReserved, 12, true, "term from", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := IdentifyOffers([]BillingCommitment{tc.b}, identifyRates())
			if len(got) != 1 {
				t.Fatalf("%d commitments, want 1", len(got))
			}
			inv := InventoryFromBilling(got, first.Add(72*time.Hour))
			if len(inv) != 1 {
				t.Fatalf("inventory %+v, want 1 commitment", inv)
			}
			c := inv[0]
			if c.Kind != tc.kind || c.TermMonths != tc.months {
				t.Errorf("%s %d months (inferred %q), want %s %d months", c.Kind, c.TermMonths, c.Inferred, tc.kind, tc.months)
			}
			if (c.Inferred != "") != tc.inferred || !strings.Contains(c.Inferred, tc.wantInNote) {
				t.Errorf("inferred %q, want it to say %q (inferred: %v)", c.Inferred, tc.wantInNote, tc.inferred)
			}
			if f := Family(tc.b.InstanceType); c.Kind == tally.CommitEC2SP && c.Scope["family"] != f {
				t.Errorf("scope %v, want family %s", c.Scope, f)
			}
			if tc.wantAbsence && !reflect.DeepEqual(got[0], tc.b) {
				t.Errorf("changed %+v into %+v", tc.b, got[0])
			}
		})
	}
}
