package postgres_test

import (
	"testing"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/commitments"
	"github.com/tallyhq/tally/internal/pgtest"
)

// TestBillingReservedInstancePlatform: a Reserved Instance found in the bill
// has the platform of the usage it covered, which its lines' operation
// names (RunInstances:0002 Windows), so that the simulator applies it to
// that usage only; one covering Linux/UNIX usage names none.
func TestBillingReservedInstancePlatform(t *testing.T) {
	db := pgtest.New(t)
	day := mustTime(t, "2026-10-03T00:00:00Z")
	covered := func(hour, ri, operation string) tally.CostLine {
		l := testLine(t, hour, "i-0"+operation, "0.376", "0.24")
		l.CommitmentDiscountID, l.CommitmentDiscountType, l.ServiceCategory = ri, "Reserved Instance", "Compute"
		l.Extras = map[string]string{"x_UsageType": "USE1-BoxUsage:m5.xlarge", "x_InstanceType": "m5.xlarge", "x_Operation": operation,
			"x_ProductCode": "AmazonEC2", "x_LineItemType": "DiscountedUsage"}
		return l
	}
	const windows, linux = "arn:aws:ec2:us-east-1:111111111111:reserved-instances/win", "arn:aws:ec2:us-east-1:111111111111:reserved-instances/lin"
	storeFOCUS(t, db, "111111111111", day, covered("2026-10-03T05:00:00Z", windows, "RunInstances:0002"),
		covered("2026-10-03T06:00:00Z", windows, "RunInstances:0002"), covered("2026-10-03T05:00:00Z", linux, "RunInstances"))
	bcs, err := db.BillingCommitments(ctx, "111111111111", tally.Window{Start: day, End: day.Add(24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]map[string]string{}
	for _, c := range commitments.InventoryFromBilling(bcs, day.Add(24*time.Hour)) {
		got[c.ID] = c.Scope
	}
	if s := got[windows]; s["platform"] != "Windows" || s["instanceType"] != "m5.xlarge" {
		t.Errorf("Reserved Instance covering Windows usage: scope %v, want platform Windows", s)
	}
	if s := got[linux]; s == nil || s["platform"] != "" {
		t.Errorf("Reserved Instance covering Linux/UNIX usage: scope %v, want no platform", s)
	}
}
