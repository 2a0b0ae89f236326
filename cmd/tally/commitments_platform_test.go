package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/commitments"
	"github.com/tallyhq/tally/ingest/awscur/curtest"
	"github.com/tallyhq/tally/internal/pgtest"
	"github.com/tallyhq/tally/postgres"
)

// fleet is EC2 instances of one type and operation (platform) running
// every hour, each at od an hour on demand.
type fleet struct {
	itype     string
	operation string // lineItem/Operation: RunInstances, RunInstances:0002 (Windows), …
	od        float64
	instances int
}

// writeFleetCUR writes, under root, a CUR 2.0 export of payer
// curtest.Payer (one billing period per month) billing the fleets'
// on-demand usage in us-east-1 for the hours [end − hours, end).
func writeFleetCUR(t *testing.T, root string, end time.Time, hours int, fleets ...fleet) {
	t.Helper()
	byMonth := map[time.Time][]curtest.Row{}
	for h := range hours {
		at := end.Add(time.Duration(h-hours) * time.Hour)
		month := tally.MonthStart(at)
		for _, f := range fleets {
			for i := range f.instances {
				id := fmt.Sprintf("i-%s-%d", strings.NewReplacer(":", "", ".", "").Replace(f.operation+f.itype), i)
				byMonth[month] = append(byMonth[month], curtest.Row{
					BillBillType: "Anniversary", BillPayerAccountID: curtest.Payer, BillPayerAccountName: "Acme Payer",
					BillBillingPeriodStartDate: month, BillBillingPeriodEndDate: month.AddDate(0, 1, 0),
					LineItemUsageAccountID: curtest.Account, LineItemLineItemType: "Usage", LineItemUsageStartDate: at,
					LineItemUsageEndDate: at.Add(time.Hour), LineItemCurrencyCode: "USD", LineItemProductCode: "AmazonEC2",
					LineItemUsageType: "USE1-BoxUsage:" + f.itype, LineItemOperation: f.operation, LineItemAvailabilityZone: "us-east-1a",
					LineItemResourceID: id, LineItemUsageAmount: 1, LineItemUnblendedCost: f.od, PricingPublicOnDemandCost: f.od, PricingTerm: "OnDemand",
					PricingUnit: "Hrs", ProductInstanceType: f.itype, ProductRegionCode: "us-east-1", ProductServicecode: "AmazonEC2",
					ProductProductFamily: "Compute Instance", ProductSku: "SKU" + f.itype + f.operation,
					Product: map[string]string{"product_name": "Amazon Elastic Compute Cloud", "region": "us-east-1"},
				})
			}
		}
	}
	for month, rows := range byMonth {
		if _, err := curtest.WriteExport(root, "exports", "acme", month, rows); err != nil {
			t.Fatal(err)
		}
	}
}

// TestEligibleUsageStreamsByPlatform: the eligible usage of EC2 instances
// is a stream per platform, which the CUR line's operation names
// (RunInstances:0002 Windows, RunInstances:0010 Red Hat Enterprise Linux);
// plain RunInstances is Linux/UNIX, whose stream keeps its name. Windows
// and RHEL usage used to land in the Linux/UNIX stream of its instance
// type, which Linux/UNIX Reserved Instances were bought for.
func TestEligibleUsageStreamsByPlatform(t *testing.T) {
	url := pgtest.NewURL(t, true)
	root := t.TempDir()
	end := time.Date(2026, 10, 2, 0, 0, 0, 0, time.UTC)
	writeFleetCUR(t, root, end, 24, fleet{"m5.xlarge", "RunInstances", 0.192, 2}, fleet{"m5.xlarge", "RunInstances:0002", 0.376, 3},
		fleet{"m5.xlarge", "RunInstances:0010", 0.2500, 1})
	mustTally(t, "--database-url", url, "--log-level", "warn")("ingest", "aws-cur", root)
	db, err := postgres.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	u, err := db.EligibleUsage(context.Background(), curtest.Payer, tally.Window{Start: end.Add(-24 * time.Hour), End: end})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]commitments.Nanos{
		"aws/us-east-1/m5.xlarge":                          commitments.NanosOf(24 * 2 * 0.192),
		"aws/us-east-1/m5.xlarge/Windows":                  commitments.NanosOf(24 * 3 * 0.376),
		"aws/us-east-1/m5.xlarge/Red Hat Enterprise Linux": commitments.NanosOf(24 * 1 * 0.25),
	}
	got := map[string]commitments.Nanos{}
	for i, s := range u.Streams {
		for _, v := range u.OD[i] {
			got[s.String()] += v
		}
	}
	for s, v := range want {
		if got[s] != v {
			t.Errorf("stream %s: %s, want %s", s, got[s].Money("USD"), v.Money("USD"))
		}
	}
	if len(got) != len(want) {
		t.Errorf("streams %v, want %d", u.Streams, len(want))
	}
}

// TestRecommendWindowsFleetBuysWindowsReservedInstances: for a fleet of
// Windows m5.xlarge instances, the Reserved Instance pool is the Windows
// one: the recommendation names it, the plan's item is for Windows, the
// offering looked up is a Windows one (ProductDescription=Windows) and the
// request built says so. A Linux/UNIX Reserved Instance, which never
// applies to Windows usage, was recommended and would have been bought.
func TestRecommendWindowsFleetBuysWindowsReservedInstances(t *testing.T) {
	url := pgtest.NewURL(t, true)
	root := t.TempDir()
	now := time.Now().UTC().Truncate(time.Hour)
	writeFleetCUR(t, root, now, 10*24, fleet{"m5.xlarge", "RunInstances:0002", 0.376, 4})
	tly := mustTally(t, "--database-url", url, "--log-level", "warn")
	tly("ingest", "aws-cur", root)
	planPath := filepath.Join(t.TempDir(), "plan.json")
	table := tly("commitments", "recommend", "--reserved", "--history", "10d", "--paths", "10", "--no-store", "--plan-out", planPath)
	if !strings.Contains(table, "aws/reserved-instance/us-east-1/m5/m5.xlarge/Windows") {
		t.Errorf("recommend: no Windows Reserved Instance pool:\n%s", table)
	}
	raw, err := os.ReadFile(planPath)
	if err != nil {
		t.Fatal(err)
	}
	var plan struct {
		Items []struct {
			ID    string
			Offer map[string]any
		}
	}
	if err := json.Unmarshal(raw, &plan); err != nil {
		t.Fatal(err)
	}
	var reserved []string
	for _, it := range plan.Items {
		if it.Offer["kind"] == tally.CommitReserved && it.Offer["platform"] == "Windows" {
			reserved = append(reserved, it.ID)
		}
	}
	if len(reserved) == 0 || len(reserved) != strings.Count(string(raw), `"reserved-instance"`) {
		t.Fatalf("plan: Windows Reserved Instance items %v, want every Reserved Instance item a Windows one:\n%s", reserved, raw)
	}

	srv, endpoints := fakeAWS(t)
	srv.SetCaller(curtest.Payer, "arn:aws:iam::"+curtest.Payer+":user/buyer")
	args := append([]string{"--database-url", url, "--log-level", "warn", "commitments", "purchase", "--plan", planPath, "--format", "json"}, endpoints...)
	code, out, errOut := runTally(args...)
	if code != 0 {
		t.Fatalf("purchase dry run: exit %d\n%s%s", code, out, errOut)
	}
	var described []string
	for _, c := range srv.Calls() {
		if c.Operation == "DescribeReservedInstancesOfferings" {
			described = append(described, c.Body)
		}
	}
	if len(described) == 0 || slices.ContainsFunc(described, func(b string) bool { return !strings.Contains(b, "ProductDescription=Windows&") }) {
		t.Errorf("offerings looked up: %q, want ProductDescription=Windows in each", described)
	}
	if !strings.Contains(out, `"productDescription": "Windows"`) || strings.Contains(out, "Linux/UNIX") {
		t.Errorf("purchase requests do not say they buy Windows Reserved Instances:\n%s", out)
	}
}

// TestRecommendAllUpfrontOfflineTakesTheSnapshotsPrice: the offline
// snapshot holds Reserved Instances' all upfront rates, so an All Upfront
// plan made after `pricing sync aws --offline` takes the catalog's discount
// of m5.xlarge (1 − 0.1129/0.192, 41%) and says so; the snapshot had
// no-upfront rates only, and the discount was the No Upfront one plus 4
// points, "a typical figure".
func TestRecommendAllUpfrontOfflineTakesTheSnapshotsPrice(t *testing.T) {
	url := pgtest.NewURL(t, true)
	root := t.TempDir()
	writeFleetCUR(t, root, time.Now().UTC().Truncate(time.Hour), 10*24, fleet{"m5.xlarge", "RunInstances", 0.192, 4})
	tly := mustTally(t, "--database-url", url, "--log-level", "warn")
	tly("ingest", "aws-cur", root)
	tly("pricing", "sync", "aws", "--offline", "--region", "us-east-1", "--instance-type", "m5.xlarge", "--os", "linux")
	out := tly("commitments", "recommend", "--reserved", "--payment", "All Upfront", "--history", "10d", "--paths", "10", "--no-store", "--format", "json")
	var accounts []struct{ Pools []commitments.PoolPlan }
	if err := json.Unmarshal([]byte(out), &accounts); err != nil {
		t.Fatalf("%v:\n%s", err, out)
	}
	const pool = "aws/reserved-instance/us-east-1/m5/m5.xlarge"
	var found bool
	for _, a := range accounts {
		for _, p := range a.Pools {
			if p.Pool != pool {
				continue
			}
			found = true
			if len(p.UpfrontTypical) != 0 || !strings.Contains(p.Why, "The All Upfront discount is the price catalog's: the upfront fee over the term's hours plus the hourly rate.") {
				t.Errorf("%s: upfrontTypical %v, why:\n%s", pool, p.UpfrontTypical, p.Why)
			}
			if want := 1 - 0.1129/0.192; math.Abs(p.Discount-want) > 1e-6 {
				t.Errorf("%s: discount %.6f, want the snapshot's %.6f", pool, p.Discount, want)
			}
		}
	}
	if !found {
		t.Fatalf("no pool %s:\n%s", pool, out)
	}
}
