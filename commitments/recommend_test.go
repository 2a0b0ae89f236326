package commitments

import (
	"encoding/json"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

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
		"Buy $0.200/h of 1-year No Upfront Compute Savings Plan: expected net savings $581 over the term (P10 $583, P90 $596; worst path $309). ",
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
	if want := "Buy $0.200/h of 1-year No Upfront Compute Savings Plan: net savings $2,401 over the term, the same on every forecast path. "; !strings.Contains(got, want) || strings.Contains(got, "P10") {
		t.Errorf("explanation of a certain saving lacks %q or names P10:\n%s", want, got)
	}
	// Paths that agree to the cent but for float noise, the mean a hair
	// under P10: it was explained as "the same on every forecast path"
	// and, in the next sentence, as a mean dragged below P10 by a few paths
	// saving much less.
	p.Savings = Evaluation{ExpectedSavings: 2400.79, P10: 2400.80, P90: 2400.91, Worst: 2400.75, Best: 2400.92}
	if got := explain(p, DefaultRisk, "USD"); !strings.Contains(got, "the same on every forecast path") || strings.Contains(got, "P10") {
		t.Errorf("paths that agree explained as a mean below P10:\n%s", got)
	}
	// A range whose mean is under P10 by less than the whole unit printed
	// ($583 and $583) is not explained as below it either.
	p.Savings = Evaluation{ExpectedSavings: 582.9, P10: 583, P90: 596, Worst: 309, Best: 610}
	if got := explain(p, DefaultRisk, "USD"); strings.Contains(got, "below P10") {
		t.Errorf("an expectation printed as P10 is explained as below it:\n%s", got)
	}
	p.Savings = Evaluation{ExpectedSavings: 2401.2, P10: 2401.2, P90: 2401.2, Worst: 2401.1, Best: 2401.2}
	// One path in a hundred saving more is a range, however narrow P10–P90.
	p.Savings.Best = 2600
	if got := explain(p, DefaultRisk, "USD"); !strings.Contains(got, "P10 $2,401, P90 $2,401") {
		t.Errorf("a range explained as one value:\n%s", got)
	}
	// Every amount says its currency, as the dashboard writes it: the
	// purchase read "Buy 0.200/h", the savings "2401 EUR".
	p.PurchaseHourly, p.TargetHourly = tally.MustParseMoney("0.2", "EUR"), tally.MustParseMoney("1.6", "EUR")
	got = explain(p, DefaultRisk, "EUR")
	for _, want := range []string{"Buy €0.200/h of ", "expected net savings €2,401 over the term (P10 €2,401, P90 €2,401; worst path €2,401). ",
		"Holding €1.600/h covers up to 94% of the forecast on-demand-equivalent usage (€2.34/h on average)"} {
		if !strings.Contains(got, want) {
			t.Errorf("explanation in EUR lacks %q:\n%s", want, got)
		}
	}
}

// TestExplainHold: a pool without usage left to cover says so, rather than
// that a commitment would be used too little, and claims no utilization
// for a level of nothing; a pool that holds commitments states theirs. A
// pool that holds nothing and should hold nothing says to buy nothing; it
// read "Hold: $0.000/h of … is in force against a target of $0.000/h", a
// commitment of nothing said to be in force.
func TestExplainHold(t *testing.T) {
	zero := tally.MustParseMoney("0", "USD")
	p := PoolPlan{Offer: Offer{Provider: "aws", Kind: tally.CommitEC2SP, TermMonths: 12, Payment: NoUpfront, Region: "us-west-2", Family: "c5"},
		Discount: 0.38, ExistingHourly: zero, TargetHourly: zero, AtTarget: Evaluation{Utilization: 1},
		Choice: Choice{Binding: "none", Model: "constant"}}
	got := explain(p, DefaultRisk, "USD")
	if want := "Buy nothing: no EC2 Instance Savings Plans (us-west-2, c5) are in force, and no commitment pays here: the forecast leaves it " +
		"no on-demand usage to cover, once the commitments in force and the pools applied before it are counted. Break-even"; !strings.HasPrefix(got, want) ||
		strings.Contains(got, "utilization. ") || strings.Contains(got, "$0.000") {
		t.Errorf("explanation of a pool without usage lacks %q, states a utilization or an amount of nothing:\n%s", want, got)
	}
	p.Choice.MeanUsageOD = 0.4
	if got := explain(p, DefaultRisk, "USD"); !strings.Contains(got, "and no commitment pays here: even the first dollar would not be used enough to beat its cost. ") {
		t.Errorf("explanation of a pool whose usage does not pay:\n%s", got)
	}
	p.ExistingHourly, p.ExistingOD, p.TargetHourly, p.TargetOD = tally.MustParseMoney("0.5", "USD"), 0.8, tally.MustParseMoney("0.5", "USD"), 0.8
	p.AtTarget.Utilization = 0.991
	if got := explain(p, DefaultRisk, "USD"); !strings.Contains(got, "Hold: $0.500/h of 1-year No Upfront EC2 Instance Savings Plan (us-west-2, c5) is in force against a target of $0.500/h; at that level the forecast gives 99.1% expected utilization. ") {
		t.Errorf("explanation of a held pool:\n%s", got)
	}
}

// TestExplainHoldAboveTarget: a pool holding more than its target explains
// the target by the target's risk, and says what the level held risks.
// It read "it is the most that keeps P(utilization < 99%) over the term at
// 100% (bound 5%)": the level held's probability given as the target's.
func TestExplainHoldAboveTarget(t *testing.T) {
	p := PoolPlan{Offer: Offer{Provider: "aws", Kind: tally.CommitComputeSP, TermMonths: 12, Payment: NoUpfront}, Discount: 0.28,
		ExistingHourly: tally.MustParseMoney("1.631", "USD"), ExistingOD: 2.265, TargetHourly: tally.MustParseMoney("1.289", "USD"), TargetOD: 1.790,
		AtTarget: Evaluation{Utilization: 0.815, PLowUtilization: 1},
		Choice: Choice{Capacity: 1.790, Optimum: 1.806, Binding: "risk", MeanUsageOD: 1.9, Model: "median(theta,snaive,ets)",
			Evaluation: Evaluation{Utilization: 0.995, PLowUtilization: 0.05}}}
	got := explain(p, DefaultRisk, "USD")
	for _, want := range []string{
		"Hold: $1.631/h of 1-year No Upfront Compute Savings Plan is in force, above a target of $1.289/h; at the level held the forecast gives 81.5% expected utilization. ",
		"Why this target: it is the most that keeps P(utilization < 99%) over the term at 5% (bound 5%); expected savings would peak at $1.300/h. ",
		"At the level held, P(utilization < 99%) is 100%: buy nothing in this pool until its usage grows or commitments expire. ",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("explanation lacks %q:\n%s", want, got)
		}
	}
	p.Choice.Binding = "savings"
	p.Choice.Evaluation.PLowUtilization = 0.02
	if got, want := explain(p, DefaultRisk, "USD"), "no longer covers its cost and the 2%-a-year lock-in penalty; P(utilization < 99%) is 2%. "; !strings.Contains(got, want) {
		t.Errorf("explanation lacks %q:\n%s", want, got)
	}
}

// TestRecommendationRecordsTheMedian: a purchase's stored risk document
// has its savings' median beside P10 and P90 (the dashboard's P50 column
// showed the mean), inside that range.
func TestRecommendationRecordsTheMedian(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	u := flatUsage(start, 60, "USD")
	for h := range u.OD[0] { // a weekly dip, so that the paths differ
		if (h/24)%7 == 6 {
			u.OD[0][h] = NanosOf(4)
		}
	}
	pps, err := Recommend(u, nil, RecommendOptions{Now: start.Add(time.Duration(u.Hours()+1) * time.Hour), Risk: Risk{Paths: 20}})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, p := range pps {
		if p.PurchaseHourly.IsZero() {
			continue
		}
		n++
		s := p.Savings
		if p.MedianSavings < s.P10-1e-6 || p.MedianSavings > s.P90+1e-6 || p.MedianSavings == 0 {
			t.Errorf("%s: median %v outside P10 %v – P90 %v", p.Pool, p.MedianSavings, s.P10, s.P90)
		}
		rec, err := p.Recommendation("acct", start)
		if err != nil {
			t.Fatal(err)
		}
		var risk struct{ P50 tally.Money }
		if err := json.Unmarshal(rec.Risk, &risk); err != nil || !risk.P50.Equal(NanosOf(p.MedianSavings).Money("USD").Round(2)) {
			t.Errorf("%s: risk %s, want p50 %v", p.Pool, rec.Risk, p.MedianSavings)
		}
	}
	if n == 0 {
		t.Fatal("no purchase recommended")
	}
}

// TestLadderLeavesOutNothing: a purchase into an empty scope whose fee
// rounds to 0.000/h made a tranche of 0/h, a plan item that 'commitments
// purchase' refuses ("hourlyCommitment: value "0": must be positive"), so
// the whole plan could not be bought.
func TestLadderLeavesOutNothing(t *testing.T) {
	now := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	if got := ladder(now, 0.0004, 0.0004, 0, 0.63, 4, "USD"); len(got) != 0 {
		t.Errorf("ladder of 0.0004/h: %+v, want no tranche", got)
	}
	if got := ladder(now, 2, 2, 0, 0.63, 4, "USD"); len(got) != 1 || got[0].HourlyCommitment.Decimal() != "1.26" {
		t.Errorf("ladder of 2/h at 37%% off: %+v, want one tranche of 1.26/h", got)
	}
}

// TestRecommendSaysWhenDiscountsAreLinuxPriced: a Windows fleet whose
// on-demand price the rates lack is planned at Linux/UNIX's discount; each
// pool covering it says so, and names the stream. With Windows' price,
// none does, and the Savings Plan's discount on it is smaller.
func TestRecommendSaysWhenDiscountsAreLinuxPriced(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	u := flatUsage(start, 60, "USD")
	u.Streams[0].Platform = "Windows"
	opt := RecommendOptions{Now: start.Add(time.Duration(u.Hours()+1) * time.Hour), Risk: Risk{Paths: 20}}
	plans := func(r Rates) map[string]PoolPlan {
		opt.Rates = r
		pps, err := Recommend(u, nil, opt)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]PoolPlan{}
		for _, p := range pps {
			out[p.Pool] = p
		}
		return out
	}
	const sp = "aws/compute-savings-plan"
	unpriced := plans(Rates{})
	if len(unpriced) == 0 {
		t.Fatal("no pool planned")
	}
	for key, p := range unpriced {
		if !slices.Equal(p.LinuxPriced, []string{"aws/eu-west-1/m5.xlarge/Windows"}) || !strings.Contains(p.Why, "The discount on aws/eu-west-1/m5.xlarge/Windows is Linux/UNIX's, and the savings too high") {
			t.Errorf("%s: LinuxPriced %v, why:\n%s", key, p.LinuxPriced, p.Why)
		}
	}
	od := func(os, price string) tally.InstancePrice {
		return tally.InstancePrice{Provider: "aws", Region: "eu-west-1", InstanceType: "m5.xlarge", PurchaseOption: tally.PurchaseOnDemand,
			OperatingSystem: os, HourlyPrice: tally.MustParseMoney(price, "USD")}
	}
	priced := plans(NewRates([]tally.InstancePrice{od("linux", "0.214"), od("windows", "0.398")}))
	for key, p := range priced {
		if len(p.LinuxPriced) > 0 || strings.Contains(p.Why, "Linux/UNIX's") {
			t.Errorf("%s with Windows' price: LinuxPriced %v, why:\n%s", key, p.LinuxPriced, p.Why)
		}
	}
	if _, ok := priced[sp]; !ok {
		t.Fatalf("no %s pool planned", sp)
	}
	if got, want := priced[sp].Discount, unpriced[sp].Discount*0.214/0.398; math.Abs(got-want) > 1e-9 {
		t.Errorf("Compute Savings Plan's discount on Windows usage %.4f, want %.4f", got, want)
	}
}

// TestRecommendSaysWhereUpfrontDiscountsComeFrom: an All Upfront plan says,
// pool by pool, whether its discount is the price catalog's for All Upfront
// or, for want of one, the No Upfront discount plus the typical 4 points,
// naming the streams; it said neither, and every upfront discount was the
// typical one.
func TestRecommendSaysWhereUpfrontDiscountsComeFrom(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	u := flatUsage(start, 60, "USD")
	price := func(option, price string) tally.InstancePrice {
		return tally.InstancePrice{Provider: "aws", Region: "eu-west-1", InstanceType: "m5.xlarge", PurchaseOption: option,
			OperatingSystem: "linux", HourlyPrice: tally.MustParseMoney(price, "USD")}
	}
	opt := RecommendOptions{Now: start.Add(time.Duration(u.Hours()+1) * time.Hour), Risk: Risk{Paths: 20},
		Pools: PoolOptions{TermMonths: 12, Payment: AllUpfront, EC2Instance: true, Compute: true},
		Rates: NewRates([]tally.InstancePrice{price("on-demand", "0.214"), price("savings-plan-compute-1y-all-upfront", "0.1498")})}
	pps, err := Recommend(u, nil, opt)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"aws/compute-savings-plan": "The All Upfront discount is the price catalog's: the upfront fee over the term's hours plus the hourly rate. ",
		"aws/ec2-instance-savings-plan/eu-west-1/m5": "The All Upfront discount on aws/eu-west-1/m5.xlarge is the No Upfront one plus 4 points, a typical figure: " +
			"the price catalog has no All Upfront price of it (tally pricing sync aws fetches them). ",
	}
	for _, p := range pps {
		if w, ok := want[p.Pool]; ok && !strings.Contains(p.Why, w) {
			t.Errorf("%s: why:\n%s\nwant it to say:\n%s", p.Pool, p.Why, w)
		}
		delete(want, p.Pool)
		if p.Pool == "aws/compute-savings-plan" && math.Abs(p.Discount-0.3) > 1e-9 {
			t.Errorf("%s: discount %.4f, want the catalog's 0.3000", p.Pool, p.Discount)
		}
	}
	for pool := range want {
		t.Errorf("no %s pool planned", pool)
	}
}
