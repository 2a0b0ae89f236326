package postgres_test

import (
	"math"
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

// TestCommitmentRatesTakeLicenceFeesFromTheBill: the price catalog has
// Linux/UNIX prices only, and the bill lists Windows and Red Hat Enterprise
// Linux m5.xlarge instances at their on-demand prices (ListCost over
// PricingQuantity hours). A commitment discounts the compute part of those
// prices, not the licence fee: a Reserved Instance saving 0.071/h on
// Linux/UNIX's 0.192/h saves 0.071/h of Windows' 0.376/h, 18.9%, not 37%.
func TestCommitmentRatesTakeLicenceFeesFromTheBill(t *testing.T) {
	db := pgtest.New(t)
	price := func(opt, usd string) tally.InstancePrice { return m5xlargePrice(t, opt, usd) }
	if err := db.UpsertPrices(ctx, []tally.InstancePrice{price("on-demand", "0.192"), price("reserved-1y-no-upfront", "0.121"),
		price("savings-plan-compute-1y-no-upfront", "0.144")}); err != nil {
		t.Fatal(err)
	}
	usage := func(hour, operation, od string, hours float64) tally.CostLine {
		l := testLine(t, hour, "i-0"+operation, od, od)
		l.CommitmentDiscountStatus, l.ServiceCategory, l.PricingQuantity = "", "Compute", hours
		l.Extras = map[string]string{"x_UsageType": "USE1-BoxUsage:m5.xlarge", "x_InstanceType": "m5.xlarge", "x_Operation": operation,
			"x_ProductCode": "AmazonEC2", "x_LineItemType": "Usage"}
		return l
	}
	storeFOCUS(t, db, "111111111111", mustTime(t, "2026-10-03T00:00:00Z"),
		usage("2026-10-03T05:00:00Z", "RunInstances:0002", "0.752", 2), usage("2026-10-03T06:00:00Z", "RunInstances:0002", "0.376", 1),
		usage("2026-10-03T05:00:00Z", "RunInstances:0010", "0.25", 1))
	r, err := db.CommitmentRates(ctx)
	if err != nil {
		t.Fatal(err)
	}
	stream := func(platform string) commitments.Stream {
		return commitments.Stream{Provider: "aws", Region: "us-east-1", InstanceType: "m5.xlarge", Platform: platform}
	}
	ri := commitments.Offer{Provider: "aws", Kind: tally.CommitReserved, TermMonths: 12, Payment: commitments.NoUpfront,
		Region: "us-east-1", InstanceType: "m5.xlarge", Platform: "Windows"}
	sp := commitments.Offer{Provider: "aws", Kind: tally.CommitComputeSP, TermMonths: 12, Payment: commitments.NoUpfront}
	for _, c := range []struct {
		what string
		o    commitments.Offer
		s    commitments.Stream
		want float64
	}{
		{"Windows Reserved Instance on Windows usage", ri, stream("Windows"), (0.192 - 0.121) / 0.376},
		{"Compute Savings Plan on Red Hat Enterprise Linux usage", sp, stream("Red Hat Enterprise Linux"), (0.192 - 0.144) / 0.25},
		{"Compute Savings Plan on Linux/UNIX usage", sp, stream(""), 0.25},
	} {
		if d, ok := r.Discount(c.o, c.s); !ok || math.Abs(d-c.want) > 1e-9 {
			t.Errorf("%s: discount %.4f (covers %v), want %.4f", c.what, d, ok, c.want)
		}
	}
}

// TestBillingReservedInstanceIsOfItsOwnSize: a size-flexible Reserved
// Instance of m5.xlarge covers two m5.large instances. The portfolio read
// from the bill names the size it was bought in, which its RIFee line
// carries, not the size it covered most.
func TestBillingReservedInstanceIsOfItsOwnSize(t *testing.T) {
	db := pgtest.New(t)
	day := mustTime(t, "2026-10-03T00:00:00Z")
	const ri = "arn:aws:ec2:us-east-1:111111111111:reserved-instances/flex"
	covered := func(hour, resource string) tally.CostLine {
		l := testLine(t, hour, resource, "0.096", "0.0605")
		l.CommitmentDiscountID, l.CommitmentDiscountType, l.ServiceCategory = ri, "Reserved Instance", "Compute"
		l.Extras = map[string]string{"x_UsageType": "USE1-BoxUsage:m5.large", "x_InstanceType": "m5.large", "x_Operation": "RunInstances",
			"x_ProductCode": "AmazonEC2", "x_LineItemType": "DiscountedUsage"}
		return l
	}
	fee := testLine(t, "2026-10-01T00:00:00Z", "", "87.12", "0")
	fee.ChargePeriodEnd, fee.ChargeCategory, fee.CommitmentDiscountStatus = mustTime(t, "2026-11-01T00:00:00Z"), tally.ChargePurchase, tally.CommitmentUnused
	fee.CommitmentDiscountID, fee.CommitmentDiscountType, fee.ServiceCategory = ri, "Reserved Instance", "Compute"
	fee.Extras = map[string]string{"x_UsageType": "USE1-HeavyUsage:m5.xlarge", "x_InstanceType": "m5.xlarge", "x_Operation": "RunInstances",
		"x_ProductCode": "AmazonEC2", "x_LineItemType": "RIFee"}
	storeFOCUS(t, db, "111111111111", day, covered("2026-10-03T05:00:00Z", "i-1"), covered("2026-10-03T05:00:00Z", "i-2"), fee)
	bcs, err := db.BillingCommitments(ctx, "111111111111", tally.Window{Start: mustTime(t, "2026-10-01T00:00:00Z"), End: day.Add(24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if len(bcs) != 1 || bcs[0].InstanceType != "m5.xlarge" || bcs[0].Zone != "" {
		t.Fatalf("billing commitments %+v, want the m5.xlarge regional reservation", bcs)
	}
}

// TestBillingReservedInstanceZone: a zonal Reserved Instance's lines name
// its zone (CUR reservation/AvailabilityZone); the portfolio read from the
// bill keeps it, so that it covers its own instance type only.
func TestBillingReservedInstanceZone(t *testing.T) {
	db := pgtest.New(t)
	day := mustTime(t, "2026-10-03T00:00:00Z")
	const ri = "arn:aws:ec2:us-east-1:111111111111:reserved-instances/zonal"
	l := testLine(t, "2026-10-03T05:00:00Z", "i-1", "0.192", "0.121")
	l.CommitmentDiscountID, l.CommitmentDiscountType, l.ServiceCategory = ri, "Reserved Instance", "Compute"
	l.Extras = map[string]string{"x_UsageType": "USE1-BoxUsage:m5.xlarge", "x_InstanceType": "m5.xlarge", "x_Operation": "RunInstances",
		"x_ProductCode": "AmazonEC2", "x_LineItemType": "DiscountedUsage", "x_ReservationAvailabilityZone": "us-east-1b"}
	storeFOCUS(t, db, "111111111111", day, l)
	bcs, err := db.BillingCommitments(ctx, "111111111111", tally.Window{Start: day, End: day.Add(24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	inv := commitments.InventoryFromBilling(bcs, day.Add(24*time.Hour))
	if len(inv) != 1 || inv[0].Scope["availabilityZone"] != "us-east-1b" || commitments.OfferOf(inv[0]).SizeFlexible() {
		t.Fatalf("portfolio %+v, want the zonal reservation of us-east-1b", inv)
	}
}

// m5xlargePrice is a catalog price of an m5.xlarge hour in us-east-1 on
// Linux/UNIX under purchase option opt.
func m5xlargePrice(t *testing.T, opt, usd string) tally.InstancePrice {
	return tally.InstancePrice{Provider: "aws", Region: "us-east-1", InstanceType: "m5.xlarge", PurchaseOption: opt,
		OperatingSystem: "linux", HourlyPrice: tally.MustParseMoney(usd, "USD"), VCPUs: 4, MemoryBytes: 16 << 30,
		EffectiveFrom: mustTime(t, "2026-01-01T00:00:00Z"), Source: "test"}
}
