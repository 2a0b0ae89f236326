package main

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/postgres"
	"github.com/tallyhq/tally/rightsizing"
)

// A Reserved Instance covers one of the group's two m5.xlarge. The plan
// read "2 × m5.xlarge → 1 × m5.large, saving 210.24 a month", but the RI's
// fee is paid until it ends whatever runs: the plan keeps the reserved
// node and saves the uncovered one, 140.16 a month, and says until when.
func TestRightsizeNodesCoveredByReservedInstance(t *testing.T) {
	url, db, until := seededRightsizingDB(t)
	const ri = "arn:aws:ec2:us-east-1:111:reserved-instances/r1"
	storeNodeBill(t, db, until, func(resource string, l *tally.CostLine) {
		if resource == "i-n1" {
			covered(l, ri, "Reserved Instance", "0.121")
			l.Extras["x_LineItemType"] = "DiscountedUsage"
			l.ChargeDescription = "USD 0.121 hourly fee per Linux/UNIX (Amazon VPC), m5.xlarge instance"
		}
	}, "i-n1", "i-n2")
	args := []string{"--database-url", url, "--log-level", "warn", "rightsize", "--until", until.Format(time.RFC3339), "--history", "72h", "--no-store"}
	var out, errb bytes.Buffer
	if code := run(append(args, "--format", "json"), &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	var res struct{ Nodes []rightsizing.NodePlan }
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		t.Fatalf("%v: %s", err, out.String())
	}
	if len(res.Nodes) != 1 {
		t.Fatalf("node plans %+v", res.Nodes)
	}
	p := res.Nodes[0]
	// Now: the RI's 0.121 and the on-demand 0.192 an hour; planned: the
	// RI's fee, its node kept.
	if p.CurrentMonthly.Decimal() != "228.49" || p.PlannedMonthly.Decimal() != "88.33" || p.MonthlySavings.Decimal() != "140.16" {
		t.Errorf("current %s planned %s saving %s, want 228.49, 88.33, 140.16: %s", p.CurrentMonthly.Decimal(), p.PlannedMonthly.Decimal(),
			p.MonthlySavings.Decimal(), p.Explanation)
	}
	var cur, planned []string
	for _, n := range p.Current {
		cur = append(cur, itoa(n.Count)+"×"+n.Type+"/"+n.Purchase)
	}
	for _, n := range p.Planned {
		planned = append(planned, itoa(n.Count)+"×"+n.Type+"/"+n.Purchase)
	}
	if strings.Join(cur, " ") != "1×m5.xlarge/committed 1×m5.xlarge/on-demand" || strings.Join(planned, " ") != "1×m5.xlarge/committed" {
		t.Errorf("current %v planned %v", cur, planned)
	}
	c := p.Committed
	if c == nil || len(c.Commitments) != 1 || c.Commitments[0].ID != ri || c.Commitments[0].Kind != tally.CommitReserved || c.Commitments[0].End.IsZero() {
		t.Fatalf("committed %+v", c)
	}
	end := c.Commitments[0].End.Format(time.DateOnly)
	// The bill shows the RI from its first charge: a year on.
	if end != "2027-10-06" {
		t.Errorf("RI ends %s, want 2027-10-06 (a year after its first charge seen)", end)
	}
	if a := c.Alternative; a == nil || a.MonthlySavingsAfter.Decimal() != "210.24" {
		t.Errorf("alternative %+v, want the m5.large saving 210.24 once the RI has ended", a)
	}

	out.Reset()
	errb.Reset()
	if code := run(args, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	// The notes are wrapped: compared with their words.
	words := strings.Join(strings.Fields(out.String()), " ")
	for _, want := range []string{
		"1×m5.xlarge/committed 1×m5.xlarge/on-demand",
		"1 node group runs nodes that commitments cover (committed)",
		// The bill does not date the RI's term: its end is an estimate.
		"prod/general: - 1 of the 2 current nodes is covered by Reserved Instance " + ri + " until its end, by " + end + " (est.)",
		"its fee for them $88.33 a month paid whatever runs; the plan keeps it in use - with the fees paid either way",
		"the plan saves $140.16 a month while the commitments run, $140.16 a month from " + end + " at the latest (est.)",
		"- 1 × m5.large (on-demand) would save $210.24 a month once they have all ended ($70.08 while they run)",
	} {
		if !strings.Contains(words, want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	// A point per line, wrapped: the notes read as one line of 600
	// characters per group. Only a word longer than a line (an id) may
	// pass the width.
	notes := out.String()[strings.Index(out.String(), "commitments cover (committed)"):]
	for _, line := range strings.Split(notes, "\n") {
		if n := len([]rune(line)); n > notesWidth && len(strings.Fields(line)) > 1 {
			t.Errorf("a line of %d characters, want at most %d:\n%s", n, notesWidth, line)
		}
	}
}

// storeNodeBill gives the seeded nodes n1 and n2 the instance ids i-n1 and
// i-n2 and stores two days of an AWS bill of m5.xlarge on demand (0.192
// an hour) for the instances resources, each line passed to edit first.
func storeNodeBill(t *testing.T, db *postgres.DB, until time.Time, edit func(resource string, l *tally.CostLine), resources ...string) {
	t.Helper()
	storeNodeBillFrom(t, db, until.Add(-48*time.Hour), until, func(resource string, l *tally.CostLine) bool {
		edit(resource, l)
		return true
	}, resources...)
}

// storeNodeBillFrom is storeNodeBill of the hours from from to until, the
// lines edit returns false for left out.
func storeNodeBillFrom(t *testing.T, db *postgres.DB, from, until time.Time, edit func(resource string, l *tally.CostLine) bool, resources ...string) {
	t.Helper()
	ctx := context.Background()
	nodes, err := db.Nodes(ctx, "prod", tally.Window{Start: until.Add(-96 * time.Hour), End: until})
	if err != nil {
		t.Fatal(err)
	}
	for i := range nodes {
		nodes[i].ProviderID, nodes[i].InstanceID = "aws:///us-east-1a/i-"+nodes[i].Name, "i-"+nodes[i].Name
	}
	if err := db.UpsertNodes(ctx, nodes); err != nil {
		t.Fatal(err)
	}
	usd := tally.MustParseMoney("0.192", "USD")
	var lines []tally.CostLine
	for at := from; at.Before(until); at = at.Add(time.Hour) {
		for _, r := range resources {
			l := tally.CostLine{Provider: tally.ProviderAWS, BillingAccountID: "111", SubAccountID: "111",
				BillingPeriodStart: tally.MonthStart(at), BillingPeriodEnd: tally.MonthStart(at).AddDate(0, 1, 0),
				ChargePeriodStart: at, ChargePeriodEnd: at.Add(time.Hour), ChargeCategory: tally.ChargeUsage,
				BilledCost: usd, EffectiveCost: usd, ListCost: usd, ContractedCost: usd,
				PricingQuantity: 1, PricingUnit: "Hours", PricingCategory: "Standard", ServiceName: "Amazon Elastic Compute Cloud", ServiceCategory: "Compute",
				RegionID: "us-east-1", ResourceID: r, SkuID: "SKU1",
				ChargeDescription: "USD 0.192 per On Demand Linux m5.xlarge Instance Hour",
				Extras:            map[string]string{"x_InstanceType": "m5.xlarge", "x_UsageType": "BoxUsage:m5.xlarge", "x_LineItemType": "Usage"}}
			if edit(r, &l) {
				lines = append(lines, l)
			}
		}
	}
	storeBill(t, db, "aws-cur", lines)
}

// storeBill stores lines as the bill of source, replacing the billing
// periods they are in.
func storeBill(t *testing.T, db *postgres.DB, source string, lines []tally.CostLine) {
	t.Helper()
	ctx := context.Background()
	run, err := db.StartIngestRun(ctx, source, nil)
	if err != nil {
		t.Fatal(err)
	}
	seq := func(yield func(*tally.CostLine, error) bool) {
		for i := range lines {
			if !yield(&lines[i], nil) {
				return
			}
		}
	}
	if _, err := db.ReplaceBillingPeriods(ctx, source, run, seq); err != nil {
		t.Fatal(err)
	}
}

// covered makes l usage that commitment id of type typ covered at an
// effective cost of effective.
func covered(l *tally.CostLine, id, typ, effective string) {
	l.BilledCost, l.EffectiveCost, l.PricingCategory = tally.Zero("USD"), tally.MustParseMoney(effective, "USD"), "Committed"
	l.CommitmentDiscountID, l.CommitmentDiscountType, l.CommitmentDiscountCategory = id, typ, "Usage"
	l.CommitmentDiscountStatus = tally.CommitmentUsed
}

// A Compute Savings Plan covers both m5.xlarge (0.125 an hour each); the
// pods fit on an m5.large, which it covers too. What the plan frees of it
// covers other on-demand usage of the account (an m5.xlarge outside the
// cluster, 0.192 an hour): saved, where the rest of it goes unused.
func TestRightsizeNodesCoveredBySavingsPlan(t *testing.T) {
	url, db, until := seededRightsizingDB(t)
	const sp = "arn:aws:savingsplans::111:savingsplan/s1"
	storeNodeBill(t, db, until, func(resource string, l *tally.CostLine) {
		if resource != "i-other" {
			covered(l, sp, "Savings Plan", "0.125")
			l.Extras["x_LineItemType"] = "SavingsPlanCoveredUsage"
		}
	}, "i-n1", "i-n2", "i-other")
	var out, errb bytes.Buffer
	if code := run([]string{"--database-url", url, "--log-level", "warn", "rightsize", "--until", until.Format(time.RFC3339), "--history", "72h",
		"--no-store", "--format", "json"}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	var res struct{ Nodes []rightsizing.NodePlan }
	if err := json.Unmarshal(out.Bytes(), &res); err != nil || len(res.Nodes) != 1 || res.Nodes[0].Committed == nil {
		t.Fatalf("%v: %s", err, out.String())
	}
	p := res.Nodes[0]
	// Now 2 × 0.125; planned the fee less the 0.192 of usage elsewhere it
	// covers instead: 0.058 an hour.
	if p.CurrentMonthly.Decimal() != "182.5" || p.PlannedMonthly.Decimal() != "42.34" || p.MonthlySavings.Decimal() != "140.16" {
		t.Errorf("current %s planned %s saving %s, want 182.5, 42.34, 140.16: %s", p.CurrentMonthly.Decimal(), p.PlannedMonthly.Decimal(),
			p.MonthlySavings.Decimal(), p.Explanation)
	}
	u := p.Committed.Commitments[0]
	if u.ID != sp || u.Kind != tally.CommitComputeSP || u.Scope != "any instance type in every region" ||
		u.MonthlyElsewhere.Decimal() != "140.16" || u.MonthlyWasted.Decimal() != "45.62" {
		t.Errorf("commitment %+v", u)
	}
	if !strings.Contains(p.Explanation, "the bill shows on-demand usage of it outside the group, $140.16 a month of which (at on-demand prices) the freed part would cover instead, the rest ($45.62 a month of the fee) would go unused") {
		t.Errorf("explanation %q", p.Explanation)
	}
}

// A regional Linux/UNIX Reserved Instance is size-flexible within its
// family (AWS applies an m5.xlarge one to two m5.large): it covers its
// family in its region, so a plan may move to smaller types of the family
// it covers. A zonal one, one of dedicated tenancy, or one of another
// platform, covers its type.
// The plan read "3 × m5.large (on-demand) would save 350.4 USD a month once
// they have all ended (-210.24 USD while they run)", the RI paying for
// them while it runs.
func TestRightsizeReservedInstanceSizeFlexible(t *testing.T) {
	const id = "arn:aws:ec2:us-west-2:111:reserved-instances/r1"
	line := postgres.NodeBillLine{ResourceID: "i-1", BillingAccountID: "111", Provider: tally.ProviderAWS, Region: "us-west-2",
		CommitmentID: id, CommitmentType: "Reserved Instance", CommitmentCategory: "Usage"}
	for _, tc := range []struct {
		scope          map[string]string
		types, familes []string
	}{
		{map[string]string{"region": "us-west-2", "instanceType": "m5.xlarge", "platform": "Linux/UNIX"}, nil, []string{"m5"}},
		{map[string]string{"region": "us-west-2", "instanceType": "m5.xlarge", "platform": "Linux/UNIX (Amazon VPC)"}, nil, []string{"m5"}},
		{map[string]string{"region": "us-west-2", "instanceType": "m5.xlarge", "platform": "Linux/UNIX", "availabilityZone": "us-west-2a"}, []string{"m5.xlarge"}, nil},
		{map[string]string{"region": "us-west-2", "instanceType": "m5.xlarge", "platform": "Linux/UNIX", "tenancy": "dedicated"}, []string{"m5.xlarge"}, nil},
		{map[string]string{"region": "us-west-2", "instanceType": "m5.xlarge", "platform": "Windows"}, []string{"m5.xlarge"}, nil},
		{map[string]string{"region": "us-west-2", "instanceType": "m5.xlarge", "platform": "Red Hat Enterprise Linux"}, []string{"m5.xlarge"}, nil},
		{map[string]string{"region": "us-west-2", "instanceType": "m5.xlarge"}, []string{"m5.xlarge"}, nil}, // platform not known
	} {
		p := &committedPlanner{inventory: []tally.Commitment{{BillingAccountID: "111", ID: id, Provider: tally.ProviderAWS,
			Kind: tally.CommitReserved, Scope: tc.scope}}}
		c, _ := p.nodeCommitment(line)
		if !slices.Equal(c.InstanceTypes, tc.types) || !slices.Equal(c.Families, tc.familes) {
			t.Errorf("scope %v: covers types %v families %v, want types %v families %v", tc.scope, c.InstanceTypes, c.Families, tc.types, tc.familes)
		}
	}
}

// A batch group's nodes come and go with a CronJob's runs: b0 ran the
// first 52 of the 72 hours, b1 the last 20, each m5.xlarge on demand
// (0.192 an hour), and a Reserved Instance covers b1 (0.121 an hour). The
// plan was priced at on-demand prices: 140.16 a month now, 5.84 planned
// (the 3 hours of jobs), a saving of 134.32; but the RI's fee is paid
// whatever runs in the 20 hours b1 ran, and the job that ran then uses
// it: (52 × 0.192 + 20 × 0.121) ÷ 72 × 730 now, (2 × 0.192 + 20 × 0.121)
// ÷ 72 × 730 planned, a saving of 97.33 until the RI ends.
func TestRightsizeBatchNodesCoveredByReservedInstance(t *testing.T) {
	url, db, until := seededRightsizingDB(t)
	storeBatchGroup(t, db, until, 20*time.Hour, 30*time.Hour)
	const ri = "arn:aws:ec2:us-east-1:111:reserved-instances/r2"
	storeNodeBill(t, db, until, func(resource string, l *tally.CostLine) {
		covered(l, ri, "Reserved Instance", "0.121")
		l.Extras["x_LineItemType"] = "DiscountedUsage"
		l.ChargeDescription = "USD 0.121 hourly fee per Linux/UNIX (Amazon VPC), m5.xlarge instance"
	}, "i-b1")
	args := []string{"--database-url", url, "--log-level", "warn", "rightsize", "--until", until.Format(time.RFC3339), "--history", "72h", "--no-store"}
	var out, errb bytes.Buffer
	if code := run(append(args, "--format", "json"), &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	var res struct{ Nodes []rightsizing.NodePlan }
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		t.Fatalf("%v: %s", err, out.String())
	}
	var p *rightsizing.NodePlan
	for i := range res.Nodes {
		if res.Nodes[i].Group == "batch" {
			p = &res.Nodes[i]
		}
	}
	if p == nil {
		t.Fatalf("no plan for the batch group: %+v", res.Nodes)
	}
	if p.CurrentMonthly.Decimal() != "125.76" || p.PlannedMonthly.Decimal() != "28.43" || p.MonthlySavings.Decimal() != "97.33" || p.Averaged == nil {
		t.Errorf("current %s planned %s saving %s, want 125.76, 28.43, 97.33: %s", p.CurrentMonthly.Decimal(), p.PlannedMonthly.Decimal(),
			p.MonthlySavings.Decimal(), p.Explanation)
	}
	c := p.Committed
	if c == nil || len(c.Commitments) != 1 || c.Commitments[0].ID != ri || len(c.After) != 1 {
		t.Fatalf("committed %+v: %s", c, p.Explanation)
	}
	if got := c.After[0].MonthlySavings.Decimal(); got != "134.32" {
		t.Errorf("saving after the RI ends %s, want 134.32", got)
	}
	end := c.Commitments[0].End.Format(time.DateOnly)

	out.Reset()
	errb.Reset()
	if code := run(args, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	words := strings.Join(strings.Fields(out.String()), " ")
	for _, want := range []string{
		"1 node group runs nodes that commitments cover (committed)",
		"prod/batch: - 1 of the group's nodes is covered by Reserved Instance " + ri + " until its end, by " + end + " (est.) for the 20 hours it ran in the 3.0 days of history",
		"the plan saves $97.33 a month while the commitments run, $134.32 a month from " + end + " at the latest (est.)",
	} {
		if !strings.Contains(words, want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

// A batch group's node under a Reserved Instance ran before the last day
// of the bill (b0, the first 32 of the 72 hours); b1, on demand, runs now.
// The commitments were read from the bill's last day only, where b0 is
// not: the plan priced b0 on demand (a saving of 134.32). Over the
// history: (40 × 0.192 + 32 × 0.121) ÷ 72 × 730 now, (0.192 for the job
// on b1 + 32 × 0.121) ÷ 72 × 730 planned.
func TestRightsizeBatchNodesCoveredBeforeTheLastDayOfTheBill(t *testing.T) {
	url, db, until := seededRightsizingDB(t)
	start := until.Add(-72 * time.Hour)
	storeBatchGroup(t, db, until, 40*time.Hour, 60*time.Hour)
	const ri = "arn:aws:ec2:us-east-1:111:reserved-instances/r3"
	storeNodeBillFrom(t, db, start, until, func(resource string, l *tally.CostLine) bool {
		if resource == "i-b1" {
			return !l.ChargePeriodStart.Before(until.Add(-40 * time.Hour))
		}
		covered(l, ri, "Reserved Instance", "0.121")
		l.Extras["x_LineItemType"] = "DiscountedUsage"
		l.ChargeDescription = "USD 0.121 hourly fee per Linux/UNIX (Amazon VPC), m5.xlarge instance"
		return l.ChargePeriodStart.Before(until.Add(-40 * time.Hour))
	}, "i-b0", "i-b1")
	p := batchPlan(t, url, until)
	if p.CurrentMonthly.Decimal() != "117.12" || p.PlannedMonthly.Decimal() != "41.2" || p.MonthlySavings.Decimal() != "75.92" {
		t.Errorf("current %s planned %s saving %s, want 117.12, 41.2, 75.92: %s", p.CurrentMonthly.Decimal(), p.PlannedMonthly.Decimal(),
			p.MonthlySavings.Decimal(), p.Explanation)
	}
	if c := p.Committed; c == nil || len(c.Commitments) != 1 || c.Commitments[0].ID != ri || c.Commitments[0].End.IsZero() ||
		len(c.After) != 1 || c.After[0].MonthlySavings.Decimal() != "134.32" {
		t.Errorf("committed %+v, want the RI, ending, and a saving of 134.32 after: %s", c, p.Explanation)
	}
}

// A batch group's node b0 (the first 52 of the 72 hours, then b1, each
// m5.xlarge at 0.192 an hour on demand) was under Reserved Instance r4
// (0.121 an hour) in the first 12 hours only: r4 then ended (the bill
// shows b0 on demand after it, and RI r5 of an instance outside the
// cluster charged until the end, so the portfolio has r4 expired). The
// plan found r4 in the bill over the history but not in the portfolio of
// commitments in force, and priced it as never ending, covering 12/52 of
// b0 in all the 52 hours it ran: a saving of 111.86 "while the commitments
// run", of one that ended 60 hours before, and none after it ends. It
// ends at its last hour covered, in which it covered all of b0:
// (12 × 0.121 + 60 × 0.192) ÷ 72 × 730 now, (12 × 0.121 + 3 × 0.192) ÷
// 72 × 730 planned (the jobs' 3 hours), a saving of 110.96; after it
// ended 72 × 0.192 ÷ 72 × 730 now, 3 × 0.192 ÷ 72 × 730 planned, 134.32.
func TestRightsizeBatchNodesCommitmentEndedInHistory(t *testing.T) {
	url, db, until := seededRightsizingDB(t)
	start := until.Add(-72 * time.Hour)
	storeBatchGroup(t, db, until, 20*time.Hour, 30*time.Hour)
	const r4 = "arn:aws:ec2:us-east-1:111:reserved-instances/r4"
	const r5 = "arn:aws:ec2:us-east-1:111:reserved-instances/r5"
	ended := start.Add(12 * time.Hour)
	storeNodeBillFrom(t, db, start, until, func(resource string, l *tally.CostLine) bool {
		switch resource {
		case "i-b0":
			if l.ChargePeriodStart.Before(ended) {
				covered(l, r4, "Reserved Instance", "0.121")
				l.Extras["x_LineItemType"] = "DiscountedUsage"
			}
			return l.ChargePeriodStart.Before(until.Add(-20 * time.Hour))
		case "i-b1":
			return !l.ChargePeriodStart.Before(until.Add(-20 * time.Hour))
		}
		covered(l, r5, "Reserved Instance", "0.121") // i-other, outside the cluster
		l.Extras["x_LineItemType"] = "DiscountedUsage"
		return true
	}, "i-b0", "i-b1", "i-other")
	p := batchPlan(t, url, until)
	if p.CurrentMonthly.Decimal() != "131.52" || p.PlannedMonthly.Decimal() != "20.56" || p.MonthlySavings.Decimal() != "110.96" {
		t.Errorf("current %s planned %s saving %s, want 131.52, 20.56, 110.96: %s", p.CurrentMonthly.Decimal(), p.PlannedMonthly.Decimal(),
			p.MonthlySavings.Decimal(), p.Explanation)
	}
	c := p.Committed
	if c == nil || len(c.Commitments) != 1 || c.Commitments[0].ID != r4 {
		t.Fatalf("committed %+v, want r4: %s", c, p.Explanation)
	}
	if end := c.Commitments[0].End; !end.Equal(ended) {
		t.Errorf("r4 ends at %v, want its last hour covered, %s: %s", end, ended.Format(time.RFC3339), p.Explanation)
	}
	if len(c.After) != 1 || !c.After[0].From.Equal(ended) || c.After[0].MonthlySavings.Decimal() != "134.32" {
		t.Errorf("savings after %+v, want 134.32 from %s: %s", c.After, ended.Format(time.RFC3339), p.Explanation)
	}
	for _, want := range []string{
		"1 of the group's nodes is covered by Reserved Instance " + r4 + " until " + ended.Format(time.DateOnly) + " for the 12 hours it ran",
		// r4 ended inside the history: the saving after it is the one from now on.
		"the plan saves $110.96 a month over the history, with the commitments as they ran, $134.32 a month since " + ended.Format(time.DateOnly) + ", when " + r4 + " ended (in the history: the saving from now on)",
	} {
		if !strings.Contains(p.Explanation, want) {
			t.Errorf("explanation lacks %q: %s", want, p.Explanation)
		}
	}
}

// batchPlan runs `tally rightsize` over the 72 hours before until and
// returns the batch group's node plan.
func batchPlan(t *testing.T, url string, until time.Time) *rightsizing.NodePlan {
	t.Helper()
	var out, errb bytes.Buffer
	if code := run([]string{"--database-url", url, "--log-level", "warn", "rightsize", "--until", until.Format(time.RFC3339), "--history", "72h",
		"--no-store", "--format", "json"}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	var res struct{ Nodes []rightsizing.NodePlan }
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		t.Fatalf("%v: %s", err, out.String())
	}
	for i := range res.Nodes {
		if res.Nodes[i].Group == "batch" {
			return &res.Nodes[i]
		}
	}
	t.Fatalf("no plan for the batch group: %+v", res.Nodes)
	return nil
}

// A Reserved Instance missing from the inventory (no credentials for
// DescribeReservedInstances, a FOCUS-only bill) was taken to cover only
// the type of the nodes it covers. One the bill shows covering two sizes
// of m5 is size flexible, as AWS applies a regional Linux/UNIX one: it
// covers the family, and the plan may move its node to another size.
func TestRightsizeBillOnlyReservedInstanceSizeFlexible(t *testing.T) {
	const ri = "arn:aws:ec2:us-east-1:111:reserved-instances/r1"
	for _, tc := range []struct {
		name      string
		elsewhere string // the type of an instance outside the cluster the RI covers too
		scope     string
		planned   string
	}{
		{"two sizes", "m5.2xlarge", "m5 in us-east-1", "1×m5.large/committed"},
		{"one size", "m5.xlarge", "m5.xlarge in us-east-1", "1×m5.xlarge/committed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			url, db, until := seededRightsizingDB(t)
			storeNodeBill(t, db, until, func(resource string, l *tally.CostLine) {
				switch resource {
				case "i-n1":
					covered(l, ri, "Reserved Instance", "0.121")
				case "i-x":
					covered(l, ri, "Reserved Instance", "0.121")
					l.Extras["x_InstanceType"], l.Extras["x_UsageType"] = tc.elsewhere, "BoxUsage:"+tc.elsewhere
				}
			}, "i-n1", "i-n2", "i-x")
			var out, errb bytes.Buffer
			args := []string{"--database-url", url, "--log-level", "warn", "rightsize", "--until", until.Format(time.RFC3339), "--history", "72h",
				"--no-store", "--format", "json"}
			if code := run(args, &out, &errb); code != 0 {
				t.Fatalf("exit %d: %s", code, errb.String())
			}
			var res struct{ Nodes []rightsizing.NodePlan }
			if err := json.Unmarshal(out.Bytes(), &res); err != nil {
				t.Fatalf("%v: %s", err, out.String())
			}
			if len(res.Nodes) != 1 || res.Nodes[0].Committed == nil || len(res.Nodes[0].Committed.Commitments) != 1 {
				t.Fatalf("node plans %+v", res.Nodes)
			}
			if c := res.Nodes[0].Committed.Commitments[0]; c.Scope != tc.scope {
				t.Errorf("the RI covers %q, want %q", c.Scope, tc.scope)
			}
			var planned []string
			for _, n := range res.Nodes[0].Planned {
				planned = append(planned, itoa(n.Count)+"×"+n.Type+"/"+n.Purchase)
			}
			if got := strings.Join(planned, " "); got != tc.planned {
				t.Errorf("planned %s, want %s: %s", got, tc.planned, res.Nodes[0].Explanation)
			}
		})
	}
}

// The part of a commitment a batch group's plan frees covers the usage of
// its scope elsewhere that no commitment covers. That usage was read from
// the bill's last day only, though the group is planned over its history:
// an m5.xlarge outside the cluster that ran on demand the day before (24
// of the 72 hours, 0.064 an hour over them) was not seen.
func TestRightsizeBatchNodesElsewhereOverTheHistory(t *testing.T) {
	url, db, until := seededRightsizingDB(t)
	storeBatchGroup(t, db, until, 20*time.Hour, 30*time.Hour)
	const ri = "arn:aws:ec2:us-east-1:111:reserved-instances/r2"
	storeNodeBillFrom(t, db, until.Add(-48*time.Hour), until, func(resource string, l *tally.CostLine) bool {
		if resource == "i-x" {
			return l.ChargePeriodStart.Before(until.Add(-24 * time.Hour))
		}
		covered(l, ri, "Reserved Instance", "0.121")
		l.Extras["x_LineItemType"] = "DiscountedUsage"
		return true
	}, "i-b1", "i-x")
	args := []string{"--database-url", url, "--log-level", "warn", "rightsize", "--until", until.Format(time.RFC3339), "--history", "72h",
		"--no-store", "--format", "json"}
	var out, errb bytes.Buffer
	if code := run(args, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	var res struct{ Nodes []rightsizing.NodePlan }
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		t.Fatalf("%v: %s", err, out.String())
	}
	for _, p := range res.Nodes {
		if p.Group != "batch" {
			continue
		}
		if p.Committed == nil || len(p.Committed.Commitments) != 1 {
			t.Fatalf("committed %+v: %s", p.Committed, p.Explanation)
		}
		if c := p.Committed.Commitments[0]; c.MonthlyElsewhere.Sign() <= 0 {
			t.Errorf("the freed part of the RI covers %s a month elsewhere, want the m5.xlarge's usage of the history: %s", c.MonthlyElsewhere, p.Explanation)
		}
		return
	}
	t.Fatalf("no plan for the batch group: %+v", res.Nodes)
}

// TestRightsizeCommitmentEndEstimated: a commitment of the inventory whose
// start Tally estimated (its bill does not date its term) is planned with
// its end marked an estimate, so the explanation says "by DATE (est.)".
func TestRightsizeCommitmentEndEstimated(t *testing.T) {
	const id = "projects/p/regions/us-central1/commitments/n2-1yr"
	line := postgres.NodeBillLine{ResourceID: "i-1", BillingAccountID: "01A2B3", Provider: tally.ProviderGCP, Region: "us-central1",
		CommitmentID: "CommittedUsageDiscount:" + id}
	for _, estimated := range []bool{true, false} {
		p := &committedPlanner{inventory: []tally.Commitment{{BillingAccountID: "01A2B3", ID: id, Provider: tally.ProviderGCP,
			Kind: tally.CommitCUDResource, Scope: map[string]string{"family": "n2"}, State: "active", StartEstimated: estimated}}}
		if c, _ := p.nodeCommitment(line); c.EndEstimated != estimated {
			t.Errorf("start estimated %t: end estimated %t, want the same", estimated, c.EndEstimated)
		}
	}
}
