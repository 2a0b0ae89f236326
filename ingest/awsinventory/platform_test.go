package awsinventory_test

import (
	"context"
	"strings"
	"testing"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/ingest/awsinventory"
	"github.com/tallyhq/tally/ingest/awsinventory/awstest"
)

// TestInventoryReadsTheReservedInstancePlatform: a held Reserved
// Instance's platform is the ProductDescription DescribeReservedInstances
// answers. The local EC2 endpoint answered "Linux/UNIX" for every Reserved
// Instance it held, whatever the test gave it.
func TestInventoryReadsTheReservedInstancePlatform(t *testing.T) {
	windows := tally.Commitment{ID: "arn:aws:ec2:us-west-2:123456789012:reserved-instances/9c1d2e3f", Kind: tally.CommitReserved,
		TermMonths: 12, Start: t0, End: t0.AddDate(1, 0, 0), PaymentOption: "No Upfront", Quantity: 2, RecurringHourlyFee: usd("0.5"),
		Scope: map[string]string{"region": "us-west-2", "instanceType": "m5.xlarge", "platform": "Windows"}}
	srv := awstest.New([]tally.Commitment{windows})
	defer srv.Close()
	got, err := awsinventory.Inventory(context.Background(), clients(t, srv), "123456789012", "123456789012")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Scope["platform"] != "Windows" {
		t.Fatalf("inventory %+v, want one Windows Reserved Instance", got)
	}
}

// TestInventoryReadsTheReservedInstanceZoneAndTenancy: a zonal Reserved
// Instance keeps its zone and one of dedicated tenancy its tenancy, which
// make them apply to their own instance type only; a regional one of
// default tenancy has neither, and applies to every size of its family.
func TestInventoryReadsTheReservedInstanceZoneAndTenancy(t *testing.T) {
	ri := func(id string, scope map[string]string) tally.Commitment {
		s := map[string]string{"region": "us-west-2", "instanceType": "m5.xlarge"}
		for k, v := range scope {
			s[k] = v
		}
		return tally.Commitment{ID: "arn:aws:ec2:us-west-2:123456789012:reserved-instances/" + id, Kind: tally.CommitReserved,
			TermMonths: 12, Start: t0, End: t0.AddDate(1, 0, 0), PaymentOption: "No Upfront", Quantity: 1, RecurringHourlyFee: usd("0.121"),
			Scope: s}
	}
	srv := awstest.New([]tally.Commitment{ri("regional", nil), ri("zonal", map[string]string{"availabilityZone": "us-west-2a"}),
		ri("dedicated", map[string]string{"tenancy": "dedicated"})})
	defer srv.Close()
	got, err := awsinventory.Inventory(context.Background(), clients(t, srv), "123456789012", "123456789012")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][2]string{"regional": {"", ""}, "zonal": {"us-west-2a", ""}, "dedicated": {"", "dedicated"}}
	if len(got) != len(want) {
		t.Fatalf("inventory %+v, want %d Reserved Instances", got, len(want))
	}
	for _, c := range got {
		id := c.ID[strings.LastIndex(c.ID, "/")+1:]
		if w := want[id]; c.Scope["availabilityZone"] != w[0] || c.Scope["tenancy"] != w[1] {
			t.Errorf("%s: scope %v, want zone %q and tenancy %q", id, c.Scope, w[0], w[1])
		}
	}
}
