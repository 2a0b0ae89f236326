package postgres_test

import (
	"errors"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/commitments"
	"github.com/tallyhq/tally/internal/pgtest"
	"github.com/tallyhq/tally/postgres"
)

// TestCommitmentEligibleUsageSpreadsLongLines: a line longer than an hour
// (a daily FOCUS line) is spread evenly over its hours, as CommitmentSums
// spreads it, and only its hours inside the window count.
func TestCommitmentEligibleUsageSpreadsLongLines(t *testing.T) {
	db := pgtest.New(t)
	day := mustTime(t, "2026-10-03T00:00:00Z")
	long := func(start time.Time, hours int, list string) tally.CostLine {
		l := testLine(t, start.Format(time.RFC3339), "i-0aaa", list, list)
		l.ChargePeriodEnd = start.Add(time.Duration(hours) * time.Hour)
		l.CommitmentDiscountStatus, l.ServiceCategory = "", "Compute"
		return l
	}
	lines := []tally.CostLine{
		long(day, 24, "24"),                   // a daily line: $1 in each hour of day 1
		long(day.Add(24*time.Hour), 3, "10"),  // $10 over three hours: not divisible at the nano
		long(day.Add(46*time.Hour), 4, "8"),   // straddles the end of the longer window
		long(day.Add(-2*time.Hour), 4, "0.4"), // straddles its start
	}
	storeFOCUS(t, db, "111111111111", day, lines...)
	n := func(s string) commitments.Nanos {
		v, err := commitments.NanosOfMoney(tally.MustParseMoney(s, "USD"))
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	want := make([]commitments.Nanos, 48)
	want[0], want[1] = n("0.1"), n("0.1") // the last two of the straddling line's four hours
	for h := range 24 {
		want[h] += n("1")
	}
	want[24], want[25], want[26] = n("3.333333333"), n("3.333333334"), n("3.333333333")
	want[46], want[47] = n("2"), n("2")

	u, err := db.EligibleUsage(ctx, "111111111111", tally.Window{Start: day, End: day.Add(48 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if len(u.Streams) != 1 || u.Hours() != 48 || !u.Start.Equal(day) {
		t.Fatalf("streams %v, %d hours from %s", u.Streams, u.Hours(), u.Start)
	}
	var total commitments.Nanos
	for h, v := range u.OD[0] {
		total += v
		if v != want[h] {
			t.Errorf("hour %d: %s, want %s", h, v.Money("USD"), want[h].Money("USD"))
		}
	}
	// The lines inside the window sum to themselves exactly.
	if w := n("24") + n("10") + n("4") + n("0.2"); total != w {
		t.Errorf("total %s, want %s", total.Money("USD"), w.Money("USD"))
	}

	// The hourly buckets agree with CommitmentSums' on the daily line.
	sums, err := db.CommitmentSums(ctx, "111111111111", tally.Window{Start: day.Add(2 * time.Hour), End: day.Add(24 * time.Hour)}, "hour")
	if err != nil {
		t.Fatal(err)
	}
	if len(sums) != 22 {
		t.Fatalf("CommitmentSums: %d buckets, want 22", len(sums))
	}
	for _, s := range sums {
		h := int(s.Start.Sub(day) / time.Hour)
		if got := n(s.EligibleOD.Decimal()); got != u.OD[0][h] {
			t.Errorf("hour %d: CommitmentSums %s, EligibleUsage %s", h, s.EligibleOD, u.OD[0][h].Money("USD"))
		}
	}
}

// TestCommitmentEligibleUsageCurrency: the usage is in its bill's currency;
// bills in two currencies cannot be one usage.
func TestCommitmentEligibleUsageCurrency(t *testing.T) {
	db := pgtest.New(t)
	day := mustTime(t, "2026-10-03T00:00:00Z")
	for _, acct := range []struct {
		id  string
		cur tally.Currency
	}{{"111111111111", "USD"}, {"333333333333", "EUR"}} {
		l := testLine(t, "2026-10-03T05:00:00Z", "i-0aaa", "2", "2")
		l.BillingAccountID, l.CommitmentDiscountStatus, l.ServiceCategory = acct.id, "", "Compute"
		for _, m := range []*tally.Money{&l.BilledCost, &l.EffectiveCost, &l.ListCost, &l.ContractedCost} {
			*m = tally.MustParseMoney(m.Decimal(), acct.cur)
		}
		storeFOCUS(t, db, acct.id, day, l)
	}
	w := tally.Window{Start: day, End: day.Add(24 * time.Hour)}
	u, err := db.EligibleUsage(ctx, "333333333333", w)
	if err != nil {
		t.Fatal(err)
	}
	if u.Currency != "EUR" || u.OD[0][5] != commitments.NanosOf(2) {
		t.Errorf("EUR account: usage in %q, hour 5 %d", u.Currency, u.OD[0][5])
	}
	if _, err := db.EligibleUsage(ctx, "", w); !errors.Is(err, tally.ErrCurrencyMismatch) {
		t.Errorf("both accounts: err %v, want ErrCurrencyMismatch", err)
	}
}

// TestCommitmentEmptyPeriodLineAtWindowStart: a line with an empty charge
// period (a GCP row without usage_end_time) counts in the hour it starts,
// also when that hour is the window's first.
func TestCommitmentEmptyPeriodLineAtWindowStart(t *testing.T) {
	db := pgtest.New(t)
	day := mustTime(t, "2026-10-03T00:00:00Z")
	l := testLine(t, "2026-10-03T00:00:00Z", "i-0aaa", "2", "2")
	l.ChargePeriodEnd, l.CommitmentDiscountStatus, l.ServiceCategory = l.ChargePeriodStart, "", "Compute"
	storeFOCUS(t, db, l.BillingAccountID, day, l)
	w := tally.Window{Start: day, End: day.Add(24 * time.Hour)}
	u, err := db.EligibleUsage(ctx, l.BillingAccountID, w)
	if err != nil {
		t.Fatal(err)
	}
	if len(u.OD) != 1 || u.OD[0][0] != commitments.NanosOf(2) {
		t.Errorf("EligibleUsage: %v, want 2 in hour 0", u.OD)
	}
	sums, err := db.CommitmentSums(ctx, l.BillingAccountID, w, "day")
	if err != nil {
		t.Fatal(err)
	}
	if len(sums) != 1 || sums[0].EligibleOD.Decimal() != "2" {
		t.Errorf("CommitmentSums: %+v, want eligible 2 on the day", sums)
	}
}

// storeFOCUS stores lines as account's FOCUS bill of the month of day.
func storeFOCUS(t *testing.T, db *postgres.DB, account string, day time.Time, lines ...tally.CostLine) {
	t.Helper()
	key := tally.BillingPeriodKey{BillingAccountID: account, Start: tally.MonthStart(day), Source: "focus"}
	run, err := db.StartIngestRun(ctx, "focus", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.ReplaceBillingPeriod(ctx, key, run, seq(lines)); err != nil {
		t.Fatal(err)
	}
}

// TestCommitmentEKSClusterFeeIsNotEligible: the EKS control plane's hourly
// fee (service category Compute in CUR and FOCUS, usage type
// AmazonEKS-Hours:perCluster) is not usage a Savings Plan or a reservation
// covers: it is neither eligible on-demand spend in the KPIs nor a stream of
// eligible usage the Compute Savings Plan pool would be sized on. EKS usage
// that Compute Savings Plans do cover (Fargate pods) stays eligible.
func TestCommitmentEKSClusterFeeIsNotEligible(t *testing.T) {
	db := pgtest.New(t)
	day := mustTime(t, "2026-10-03T00:00:00Z")
	var lines []tally.CostLine
	for h := range 24 {
		at := day.Add(time.Duration(h) * time.Hour).Format(time.RFC3339)
		ec2 := testLine(t, at, "i-0aaa", "1", "1")
		ec2.CommitmentDiscountStatus, ec2.ServiceCategory = "", "Compute"
		ec2.Extras = map[string]string{"x_UsageType": "USW2-BoxUsage:m5.large"}
		eks := testLine(t, at, "arn:aws:eks:us-west-2:111111111111:cluster/prod", "0.1", "0.1")
		eks.CommitmentDiscountStatus, eks.ServiceCategory, eks.ServiceName = "", "Compute", "Amazon Elastic Kubernetes Service"
		eks.ChargeDescription = "Amazon EKS cluster usage in US West (Oregon)"
		eks.Extras = map[string]string{"x_UsageType": "USW2-AmazonEKS-Hours:perCluster", "x_ServiceCode": "AmazonEKS"}
		fargate := testLine(t, at, "arn:aws:eks:us-west-2:111111111111:pod/prod/web", "0.04", "0.04")
		fargate.CommitmentDiscountStatus, fargate.ServiceCategory, fargate.ServiceName = "", "Compute", "Amazon Elastic Kubernetes Service"
		fargate.Extras = map[string]string{"x_UsageType": "USW2-Fargate-vCPU-Hours:perCPU", "x_ServiceCode": "AmazonEKS"}
		lines = append(lines, ec2, eks, fargate)
	}
	storeFOCUS(t, db, "111111111111", day, lines...)
	sums, w := daySums(t, db, day)
	if len(sums) != 1 || sums[0].EligibleOD.Decimal() != "24.96" {
		t.Errorf("CommitmentSums: %+v, want eligible 24.96 (the instance and the Fargate pod, not the cluster fee)", sums)
	}
	if u, total := eligibleTotal(t, db, "111111111111", w); total != commitments.NanosOf(24.96) {
		t.Errorf("EligibleUsage: streams %v, total %s, want 24.96", u.Streams, total.Money("USD"))
	}
}

// TestCommitmentUnusedUsageRowIsNotEligibleUsage: FOCUS writes the unused
// part of a commitment as a Usage row with CommitmentDiscountStatus Unused
// (the status must be set on Usage rows), in the commitment's service
// category, Compute. It is commitment lost, not usage: counted once, as
// unused, it was also eligible usage, so the amortized cost counted it
// twice (ESR -25% for 0%).
func TestCommitmentUnusedUsageRowIsNotEligibleUsage(t *testing.T) {
	db := pgtest.New(t)
	day := mustTime(t, "2026-10-03T00:00:00Z")
	const sp = "arn:aws:savingsplans::111111111111:savingsplan/sp1"
	used := testLine(t, "2026-10-03T05:00:00Z", "i-0aaa", "8", "6")
	used.ServiceCategory, used.CommitmentDiscountID, used.CommitmentDiscountType = "Compute", sp, "Savings Plan"
	unused := testLine(t, "2026-10-03T05:00:00Z", "", "0", "2")
	unused.ServiceCategory, unused.CommitmentDiscountID, unused.CommitmentDiscountType = "Compute", sp, "Savings Plan"
	unused.CommitmentDiscountStatus, unused.ListCost, unused.Extras = tally.CommitmentUnused, tally.MustParseMoney("1", "USD"), nil
	storeFOCUS(t, db, "111111111111", day, used, unused)
	sums, w := daySums(t, db, day)
	if len(sums) != 1 {
		t.Fatalf("CommitmentSums: %+v", sums)
	}
	s := sums[0]
	if s.EligibleOD.Decimal() != "8" || s.CoveredOD.Decimal() != "8" || s.UsageCost.Decimal() != "6" || s.Used.Decimal() != "6" || s.Unused.Decimal() != "2" {
		t.Errorf("CommitmentSums: %+v; want eligible 8, covered 8, usage cost 6, used 6, unused 2", s)
	}
	if u, total := eligibleTotal(t, db, "111111111111", w); total != commitments.NanosOf(8) {
		t.Errorf("EligibleUsage: streams %v, total %s, want 8 (the used row's list cost)", u.Streams, total.Money("USD"))
	}
}

// TestCommitmentDatabaseInstancesAreNotComputeUsage: a CUR names the
// instance type of RDS (and ElastiCache, OpenSearch, Redshift …) usage too,
// "db.r5.large"; that usage is not what Savings Plans or EC2 reservations
// cover. It was eligible, a stream of family "db" that an EC2 Instance
// Savings Plan pool and the Compute Savings Plan were sized on, and its
// reservation's used and unused parts entered the compute KPIs.
func TestCommitmentDatabaseInstancesAreNotComputeUsage(t *testing.T) {
	db := pgtest.New(t)
	day := mustTime(t, "2026-10-03T00:00:00Z")
	const ri = "arn:aws:rds:us-east-1:111111111111:ri:db-ri-1"
	ec2 := onDemandEC2(t, "2026-10-03T05:00:00Z", "us-east-1", "m5.large", "1")
	rds := func(list, eff string, st tally.CommitmentStatus) tally.CostLine {
		l := testLine(t, "2026-10-03T05:00:00Z", "arn:aws:rds:us-east-1:111111111111:db:orders", list, eff)
		l.ServiceName, l.ServiceCategory, l.CommitmentDiscountStatus = "Amazon Relational Database Service", "Database Instance", st
		l.Extras = map[string]string{"x_UsageType": "USE1-InstanceUsage:db.r5.large", "x_InstanceType": "db.r5.large", "x_ProductCode": "AmazonRDS"}
		if st != "" {
			l.CommitmentDiscountID, l.CommitmentDiscountType = ri, "Reserved Instance"
		}
		return l
	}
	onDemand, covered, unused := rds("0.25", "0.25", ""), rds("0.25", "0.15", tally.CommitmentUsed), rds("0", "0.15", tally.CommitmentUnused)
	unused.ChargeCategory = tally.ChargePurchase
	storeFOCUS(t, db, "111111111111", day, ec2, onDemand, covered, unused)
	sums, w := daySums(t, db, day)
	if len(sums) != 1 || sums[0].EligibleOD.Decimal() != "1" || !sums[0].CoveredOD.IsZero() || !sums[0].Used.IsZero() || !sums[0].Unused.IsZero() {
		t.Errorf("CommitmentSums: %+v; want the EC2 hour alone: eligible 1, nothing covered, used or unused", sums)
	}
	u, err := db.EligibleUsage(ctx, "111111111111", w)
	if err != nil {
		t.Fatal(err)
	}
	if len(u.Streams) != 1 || u.Streams[0].InstanceType != "m5.large" {
		t.Errorf("EligibleUsage streams %v, want m5.large alone", u.Streams)
	}
}

// TestCommitmentLambdaDurationIsComputeSavingsPlanUsage: a CUR gives
// Lambda the product family Serverless, so its duration, which Compute
// Savings Plans cover, was not eligible usage: the Compute Savings Plan
// pool was sized without it and coverage left it out (while the part a
// Savings Plan covered was counted, as status Used). Lambda duration and
// provisioned concurrency are eligible, as a stream without an instance
// type (Compute Savings Plans only); Lambda requests and Lambda@Edge,
// which no Savings Plan covers, are not, whatever their category.
func TestCommitmentLambdaDurationIsComputeSavingsPlanUsage(t *testing.T) {
	db := pgtest.New(t)
	day := mustTime(t, "2026-10-03T00:00:00Z")
	var lines []tally.CostLine
	for h := range 24 {
		at := day.Add(time.Duration(h) * time.Hour).Format(time.RFC3339)
		ec2 := onDemandEC2(t, at, "us-west-2", "m5.large", "1")
		lambda := func(usageType, category, cost string) tally.CostLine {
			l := testLine(t, at, "arn:aws:lambda:us-west-2:111111111111:function:resize", cost, cost)
			l.CommitmentDiscountStatus, l.ServiceCategory, l.ServiceName, l.RegionID = "", category, "AWS Lambda", "us-west-2"
			l.Extras = map[string]string{"x_UsageType": usageType, "x_ProductCode": "AWSLambda"}
			return l
		}
		lines = append(lines, ec2,
			lambda("USW2-Lambda-GB-Second", "Serverless", "0.3"),                    // CUR: eligible
			lambda("USW2-Lambda-Provisioned-Concurrency-ARM", "Serverless", "0.05"), // eligible
			lambda("USW2-Request", "Serverless", "0.02"),                            // requests: no
			lambda("USW2-Request", "Compute", "0.02"),                               // FOCUS's category for Lambda: still no
			lambda("USE1-Lambda-Edge-GB-Second", "Serverless", "0.01"))              // Lambda@Edge: no
	}
	storeFOCUS(t, db, "111111111111", day, lines...)
	sums, w := daySums(t, db, day)
	if len(sums) != 1 || sums[0].EligibleOD.Decimal() != "32.4" {
		t.Errorf("CommitmentSums: %+v, want eligible 32.4 (the instance, Lambda duration and provisioned concurrency)", sums)
	}
	u, err := db.EligibleUsage(ctx, "111111111111", w)
	if err != nil {
		t.Fatal(err)
	}
	other := -1
	for i, s := range u.Streams {
		var total commitments.Nanos
		for _, v := range u.OD[i] {
			total += v
		}
		switch s.InstanceType {
		case "m5.large":
		case commitments.OtherInstanceType:
			other = i
			if total != commitments.NanosOf(8.4) {
				t.Errorf("Lambda stream %s: %s, want 8.4", s, total.Money("USD"))
			}
		default:
			t.Errorf("stream %s", s)
		}
	}
	if other < 0 {
		t.Fatalf("EligibleUsage streams %v: no Lambda stream", u.Streams)
	}
	for _, p := range commitments.Pools(u.Streams, commitments.PoolOptions{EC2Instance: true, Compute: true, Reserved: true}) {
		if slices.Contains(p.Streams, other) != (p.Offer.Kind == tally.CommitComputeSP) {
			t.Errorf("pool %s: streams %v, Lambda's is %d: want it in the Compute Savings Plan pool only", p.Key(), p.Streams, other)
		}
	}
}

// onDemandEC2 returns an hour at at of on-demand EC2 usage of itype in
// region (us-east-1 or us-west-2), costing cost, with the extras a CUR line
// of it has.
func onDemandEC2(t *testing.T, at, region, itype, cost string) tally.CostLine {
	t.Helper()
	l := testLine(t, at, "i-0aaa", cost, cost)
	l.CommitmentDiscountStatus, l.ServiceCategory, l.RegionID = "", "Compute Instance", region
	prefix := map[string]string{"us-east-1": "USE1", "us-west-2": "USW2"}[region]
	l.Extras = map[string]string{"x_UsageType": prefix + "-BoxUsage:" + itype, "x_InstanceType": itype, "x_ProductCode": "AmazonEC2"}
	return l
}

// daySums returns the commitment sums of account 111111111111 over day, a
// day's step, and that day's window.
func daySums(t *testing.T, db *postgres.DB, day time.Time) ([]commitments.BillingSums, tally.Window) {
	t.Helper()
	w := tally.Window{Start: day, End: day.Add(24 * time.Hour)}
	sums, err := db.CommitmentSums(ctx, "111111111111", w, "day")
	if err != nil {
		t.Fatal(err)
	}
	return sums, w
}

// eligibleTotal returns account's eligible usage in w and its total over
// every stream and hour.
func eligibleTotal(t *testing.T, db *postgres.DB, account string, w tally.Window) (*commitments.Usage, commitments.Nanos) {
	t.Helper()
	u, err := db.EligibleUsage(ctx, account, w)
	if err != nil {
		t.Fatal(err)
	}
	var total commitments.Nanos
	for _, s := range u.OD {
		for _, v := range s {
			total += v
		}
	}
	return u, total
}

// TestCommitmentEligibleUsageObservesSustainedUseDiscounts: the eligible
// usage of a GCP stream carries the share of its list cost that sustained
// use discounts took off (Usage.SUD), observed on its usage no commitment
// covered: N2 usage of 10.00 list whose SUSTAINED_USAGE_DISCOUNT credits
// take 1.20 off has a share of 12%, whatever the usage a CUD covers costs
// and whatever other credits take off (a promotion's 1.00 on half of it);
// E2 usage billed at list, E2 usage with a free tier credit alone and AWS
// usage have none. Every credit counted as a SUD: the N2 share was 22%, E2's 17%.
func TestCommitmentEligibleUsageObservesSustainedUseDiscounts(t *testing.T) {
	db := pgtest.New(t)
	day := mustTime(t, "2026-10-03T00:00:00Z")
	gcp := func(at, desc, list, effective string, credits ...string) tally.CostLine {
		l := testLine(t, at, "gke-pool-1", list, effective)
		l.Provider, l.ServiceName, l.ServiceCategory, l.RegionID = tally.ProviderGCP, "Compute Engine", "Compute", "us-central1"
		l.ChargeDescription, l.CommitmentDiscountStatus, l.Extras = desc, "", nil
		for i := 0; i+1 < len(credits); i += 2 {
			if l.Extras == nil {
				l.Extras = map[string]string{}
			}
			l.Extras["x_Credit_"+credits[i]] = credits[i+1]
		}
		return l
	}
	var lines []tally.CostLine
	for h := range 24 {
		at := day.Add(time.Duration(h) * time.Hour).Format(time.RFC3339)
		covered := gcp(at, "N2 Instance Core running in Americas", "10", "7.2", "COMMITTED_USAGE_DISCOUNT", "-2.8")
		covered.CommitmentDiscountID, covered.CommitmentDiscountStatus = "commitments/1", tally.CommitmentUsed
		covered.CommitmentDiscountType, covered.PricingCategory = "Committed Use Discount", "Committed"
		ec2 := testLine(t, at, "i-0aaa", "1", "0.9")
		ec2.CommitmentDiscountStatus, ec2.ServiceCategory = "", "Compute"
		lines = append(lines,
			gcp(at, "N2 Instance Core running in Americas", "5", "4.4", "SUSTAINED_USAGE_DISCOUNT", "-0.6"),
			gcp(at, "N2 Instance Core running in Americas", "5", "3.4", "SUSTAINED_USAGE_DISCOUNT", "-0.6", "PROMOTION", "-1"),
			covered, gcp(at, "E2 Instance Core running in Americas", "5", "5"),
			gcp(at, "E2 Instance Core running in Americas", "1", "0", "FREE_TIER", "-1"), ec2,
			// A FOCUS file's line, no credit broken down by type: what
			// took it below list is taken for SUD, as nothing says otherwise.
			gcp(at, "C2 Instance Core running in Americas", "10", "8.5"))
	}
	storeFOCUS(t, db, "111111111111", day, lines...)
	u, err := db.EligibleUsage(ctx, "111111111111", tally.Window{Start: day, End: day.Add(24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if len(u.Streams) != 4 {
		t.Fatalf("streams %v, want N2, E2, C2 and EC2", u.Streams)
	}
	want := map[commitments.Stream]float64{
		{Provider: "gcp", Region: "us-central1", InstanceType: "n2-compute"}: 0.12,
		{Provider: "gcp", Region: "us-central1", InstanceType: "c2-compute"}: 0.15,
	}
	for _, s := range u.Streams {
		want := want[s]
		if got := u.SUD[s]; math.Abs(got-want) > 1e-9 {
			t.Errorf("%s: SUD share %.4f, want %.2f", s, got, want)
		}
	}
	if len(u.SUD) != 2 {
		t.Errorf("SUD shares %v, want N2's and C2's alone", u.SUD)
	}
}
