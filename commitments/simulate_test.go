package commitments

import (
	"testing"
	"time"

	"github.com/tallyhq/tally"
)

var (
	m5 = Stream{Provider: "aws", Region: "us-east-1", InstanceType: "m5.xlarge"}
	c5 = Stream{Provider: "aws", Region: "us-east-1", InstanceType: "c5.xlarge"}
)

func usageOf(start time.Time, streams []Stream, rows ...[]float64) *Usage {
	u := &Usage{Start: start, Streams: streams, OD: make([][]Nanos, len(streams))}
	for _, r := range rows {
		for i := range streams {
			u.OD[i] = append(u.OD[i], NanosOf(r[i]))
		}
	}
	return u
}

func near(a, b Nanos) bool { return a-b < 20 && b-a < 20 }

// TestSimulateApplicationOrder checks the providers' order by hand: RIs,
// then EC2 Instance Savings Plans, then Compute Savings Plans to the usage
// with the highest discount first; what is left of a fee in an hour is lost;
// positions past the end owe their remaining hours.
func TestSimulateApplicationOrder(t *testing.T) {
	u := usageOf(time.Unix(0, 0), []Stream{m5, c5}, []float64{10, 10}, []float64{2, 0})
	ri := Offer{Provider: "aws", Kind: tally.CommitReserved, TermMonths: 12, Region: "us-east-1", Family: "m5", InstanceType: "m5.xlarge"}
	ec2 := Offer{Provider: "aws", Kind: tally.CommitEC2SP, TermMonths: 12, Region: "us-east-1", Family: "m5"}
	compute := Offer{Provider: "aws", Kind: tally.CommitComputeSP, TermMonths: 12}
	ps := []Position{ // listed in the wrong order on purpose
		{Offer: compute, Fee: NanosOf(3), Start: 0, End: 5},
		{Offer: ec2, Fee: NanosOf(1.89), Start: 0, End: 5}, // 37% off: covers $3 of m5
		{Offer: ri, Fee: NanosOf(3.15), Start: 0, End: 5},  // 37% off: covers $5 of m5.xlarge
	}
	got := NewSimulator(u, Rates{}).Run(ps, 0, 2, nil)
	// Hour 0: RI covers 5 of m5, the EC2 SP 3 more; the Compute SP goes to
	// c5 (28% off beats m5's 27%) and covers 3/0.72 = 4.1667 of it.
	// Hour 1: the RI covers m5's 2 (fee 1.26 used); everything else is lost.
	want := Outcome{Hours: 2, OD: NanosOf(22), Covered: NanosOf(5 + 3 + 3/0.72 + 2), OnDemand: NanosOf(2 + 10 - 3/0.72),
		Fees: NanosOf(2 * 8.04), Used: NanosOf(8.04 + 1.26), Unused: NanosOf(8.04 - 1.26), Obligation: NanosOf(3 * 8.04)}
	if got.Hours != want.Hours || !near(got.OD, want.OD) || !near(got.Covered, want.Covered) || !near(got.OnDemand, want.OnDemand) ||
		!near(got.Fees, want.Fees) || !near(got.Used, want.Used) || !near(got.Unused, want.Unused) || !near(got.Obligation, want.Obligation) {
		t.Fatalf("got  %+v\nwant %+v", got, want)
	}
	if esr := got.ESR(); esr > 1-(2+10-3/0.72+2*8.04+3*8.04)/22+1e-9 || esr < 1-(2+10-3/0.72+2*8.04+3*8.04)/22-1e-9 {
		t.Errorf("ESR %v", esr)
	}
	if u := got.Utilization(); u < 9.3/16.08-1e-9 || u > 9.3/16.08+1e-9 {
		t.Errorf("utilization %v", u)
	}
}

// TestSimulateBilledDiscount: a position with the discount its bill shows
// covers every stream its offer covers at that discount, highest rate
// first, beside a position of the same offer at the rates' discounts.
func TestSimulateBilledDiscount(t *testing.T) {
	u := usageOf(time.Unix(0, 0), []Stream{m5, c5}, []float64{10, 10})
	compute := Offer{Provider: "aws", Kind: tally.CommitComputeSP, TermMonths: 12}
	ps := []Position{
		{Offer: compute, Fee: NanosOf(4), Discount: 0.5, Start: 0, End: 1}, // covers $8 at 50%, of c5 first (28% off beats m5's 27%)
		{Offer: compute, Fee: NanosOf(1.46), Start: 0, End: 1},             // at the rates' discounts
	}
	got := NewSimulator(u, Rates{}).Run(ps, 0, 1, nil)
	// The billed position applies first (it keeps 0.50 a dollar, the other
	// 0.72): $8 of c5. The other covers c5's last $2 for 1.44 and
	// 0.02/0.73 of m5.
	if !near(got.Covered, NanosOf(8+2+0.02/0.73)) {
		t.Fatalf("covered %v, want 8 at the billed 50%% and the rest at the rates' discounts: %+v", got.Covered, got)
	}
	if !near(got.Used, NanosOf(5.46)) || got.Unused != 0 {
		t.Fatalf("%+v, want all 5.46 of the fees used", got)
	}
}

// TestSimulateBilledStreamDiscounts: a position whose bill shows its
// discount per stream earns each stream's own, and applies to the stream
// its bill shows the highest discount on first, whatever the rates' order;
// a stream its bill shows nothing of gets its mean discount.
func TestSimulateBilledStreamDiscounts(t *testing.T) {
	r5 := Stream{Provider: "aws", Region: "us-east-1", InstanceType: "r5.large"}
	u := usageOf(time.Unix(0, 0), []Stream{m5, c5, r5}, []float64{10, 10, 10}, []float64{2, 2, 10})
	compute := Offer{Provider: "aws", Kind: tally.CommitComputeSP, TermMonths: 12}
	ps := []Position{{Offer: compute, Fee: NanosOf(4), Discount: 0.3, Start: 0, End: 2,
		StreamDiscounts: []tally.StreamDiscount{
			{Region: "us-east-1", InstanceType: "m5.xlarge", Discount: 0.35}, // the rates give c5 more (28% against 27%)
			{Region: "us-east-1", InstanceType: "c5.xlarge", Discount: 0.20},
			{Region: "eu-west-1", InstanceType: "m5.xlarge", Discount: 0.50}, // not this usage's region
		}}}
	var uncovered [][]Nanos
	got := NewSimulator(u, Rates{}).Run(ps, 0, 2, func(h int, left []Nanos) {
		uncovered = append(uncovered, append([]Nanos(nil), left...))
	})
	// Hour 0: m5 first at 35%: 4 covers 6.1538 of it. Hour 1: m5's 2 for
	// 1.30, then r5 at the mean 30% (above c5's 20%): 2.70 covers 3.8571.
	want := [][]Nanos{
		{NanosOf(10 - 4/0.65), NanosOf(10), NanosOf(10)},
		{0, NanosOf(2), NanosOf(10 - 2.7/0.7)},
	}
	for h := range want {
		for i := range want[h] {
			if !near(uncovered[h][i], want[h][i]) {
				t.Fatalf("hour %d: uncovered %v, want %v", h, uncovered[h], want[h])
			}
		}
	}
	if !near(got.Used, NanosOf(8)) || got.Unused != 0 {
		t.Fatalf("%+v, want all 8 of the fees used", got)
	}
}

func TestSimulatePositionsOutsideTheWindow(t *testing.T) {
	u := usageOf(time.Unix(0, 0), []Stream{m5}, []float64{1}, []float64{1}, []float64{1})
	o := Offer{Provider: "aws", Kind: tally.CommitComputeSP, TermMonths: 12}
	ps := []Position{
		{Offer: o, Fee: NanosOf(1), Start: -10, End: 1}, // ends in the window's first hour
		{Offer: o, Fee: NanosOf(1), Start: 5, End: 8},   // starts after it: owes its whole term
	}
	got := NewSimulator(u, Rates{}).Run(ps, 0, 3, nil)
	// Hour 0: $1 of m5 at 27% off takes $0.73 of the fee; $0.27 is lost.
	if !near(got.Fees, NanosOf(1)) || !near(got.Obligation, NanosOf(3)) || !near(got.Covered, NanosOf(1)) || !near(got.Used, NanosOf(0.73)) ||
		!near(got.OnDemand, NanosOf(2)) {
		t.Fatalf("%+v", got)
	}
}

func TestOfferCovers(t *testing.T) {
	gcp := Stream{Provider: "gcp", Region: "europe-west1", InstanceType: "n2-standard-8"}
	for _, c := range []struct {
		o    Offer
		s    Stream
		want bool
	}{
		{Offer{Provider: "aws", Kind: tally.CommitComputeSP}, m5, true},
		{Offer{Provider: "aws", Kind: tally.CommitComputeSP}, gcp, false},
		{Offer{Provider: "aws", Kind: tally.CommitEC2SP, Region: "us-east-1", Family: "m5"}, m5, true},
		{Offer{Provider: "aws", Kind: tally.CommitEC2SP, Region: "us-east-1", Family: "m5"}, c5, false},
		{Offer{Provider: "aws", Kind: tally.CommitEC2SP, Region: "eu-west-1", Family: "m5"}, m5, false},
		{Offer{Provider: "aws", Kind: tally.CommitReserved, Region: "us-east-1", InstanceType: "m5.xlarge"}, m5, true},
		{Offer{Provider: "aws", Kind: tally.CommitReserved, Region: "us-east-1", InstanceType: "m5.large"}, m5, true}, // size-flexible
		{Offer{Provider: "aws", Kind: tally.CommitReserved, Region: "us-east-1", InstanceType: "m5.large", Zone: "us-east-1a"}, m5, false},
		{Offer{Provider: "aws", Kind: tally.CommitReserved, Region: "us-east-1", InstanceType: "m5.large", Tenancy: "dedicated"}, m5, false},
		{Offer{Provider: "aws", Kind: tally.CommitReserved, Region: "us-east-1", InstanceType: "m5.large", Platform: "Windows"},
			Stream{Provider: "aws", Region: "us-east-1", InstanceType: "m5.xlarge", Platform: "Windows"}, false},
		{Offer{Provider: "aws", Kind: tally.CommitReserved, Region: "us-east-1", InstanceType: "c5.large"}, m5, false},
		{Offer{Provider: "aws", Kind: tally.CommitReserved, Region: "eu-west-1", InstanceType: "m5.large"}, m5, false},
		{Offer{Provider: "gcp", Kind: tally.CommitCUDFlexible, Region: "europe-west1"}, gcp, true},
		{Offer{Provider: "gcp", Kind: tally.CommitCUDResource, Region: "europe-west1", Family: "n2"}, gcp, true},
	} {
		if got := c.o.Covers(c.s); got != c.want {
			t.Errorf("%s covers %s = %v, want %v", c.o, c.s, got, c.want)
		}
	}
	if Family("n2-standard-8") != "n2" || Family("m7g.xlarge") != "m7g" || Family("M5") != "m5" {
		t.Error("Family")
	}
}

func TestRatesFromCatalog(t *testing.T) {
	p := func(opt, price string) tally.InstancePrice {
		return tally.InstancePrice{Provider: "aws", Region: "us-east-1", InstanceType: "m5.xlarge", PurchaseOption: opt,
			HourlyPrice: tally.MustParseMoney(price, "USD")}
	}
	r := NewRates([]tally.InstancePrice{p("on-demand", "0.192"), p("savings-plan-compute-1y-no-upfront", "0.144"),
		p("savings-plan-ec2-instance-3y-no-upfront", "0.0768"), p("reserved-1y-no-upfront", "0.121")})
	for _, c := range []struct {
		o    Offer
		want float64
	}{
		{Offer{Provider: "aws", Kind: tally.CommitComputeSP, TermMonths: 12, Payment: NoUpfront}, 0.25},
		{Offer{Provider: "aws", Kind: tally.CommitEC2SP, TermMonths: 36, Payment: NoUpfront, Region: "us-east-1", Family: "m5"}, 0.6},
		{Offer{Provider: "aws", Kind: tally.CommitReserved, TermMonths: 12, Payment: NoUpfront, Region: "us-east-1", InstanceType: "m5.xlarge"}, 1 - 0.121/0.192},
		{Offer{Provider: "aws", Kind: tally.CommitEC2SP, TermMonths: 12, Payment: NoUpfront, Region: "us-east-1", Family: "m5"}, 0.37}, // not in the catalog: published default
		{Offer{Provider: "aws", Kind: tally.CommitComputeSP, TermMonths: 12, Payment: AllUpfront}, 0.29},
	} {
		d, ok := r.Discount(c.o, m5)
		if !ok || d < c.want-1e-9 || d > c.want+1e-9 {
			t.Errorf("%s: discount %v, %v; want %v", c.o, d, ok, c.want)
		}
	}
}

// TestSimulateZonalReservationsFirst: AWS applies zonal Reserved Instances
// before regional ones. A zonal m5.xlarge one covers the 10/h of m5.xlarge,
// and the regional (size-flexible) one the 5/h of m5.large, half its fee
// left unused. Applied the other way round, the regional one took the
// m5.xlarge usage and the zonal one found none.
func TestSimulateZonalReservationsFirst(t *testing.T) {
	large := Stream{Provider: "aws", Region: "us-east-1", InstanceType: "m5.large"}
	u := usageOf(time.Unix(0, 0), []Stream{m5, large}, []float64{10, 5})
	regional := Offer{Provider: "aws", Kind: tally.CommitReserved, TermMonths: 12, Region: "us-east-1", Family: "m5", InstanceType: "m5.large"}
	zonal := Offer{Provider: "aws", Kind: tally.CommitReserved, TermMonths: 12, Region: "us-east-1", Zone: "us-east-1a", Family: "m5", InstanceType: "m5.xlarge"}
	out := NewSimulator(u, Rates{}).Run([]Position{
		{Offer: regional, Fee: NanosOf(6.3), Start: 0, End: 1},
		{Offer: zonal, Fee: NanosOf(6.3), Start: 0, End: 1},
	}, 0, 1, nil)
	if !near(out.Covered, NanosOf(15)) || !near(out.Unused, NanosOf(3.15)) {
		t.Fatalf("covered %v, unused %v; want all 15 covered, 3.15 of the regional reservation's fee unused", out.Covered, out.Unused)
	}
}

func TestNormalizationFactor(t *testing.T) {
	for in, want := range map[string]float64{"t3.nano": 0.25, "m5.large": 4, "m5.xlarge": 8, "M5.2XLARGE": 16, "c5.24xlarge": 192,
		"m5.metal": 0, "n2-standard-4": 0, "m5.1xlarge": 0, "m5.xxlarge": 0, "m5": 0} {
		if got := NormalizationFactor(in); got != want {
			t.Errorf("NormalizationFactor(%q) = %v, want %v", in, got, want)
		}
	}
}
