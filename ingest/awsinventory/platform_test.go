package awsinventory_test

import (
	"context"
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
