package commitments

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tallyhq/tally"
)

// heldRI returns a Reserved Instance of m5.2xlarge in eu-west-1, held for a
// year from a month before start, whose 6.30/h pays for 10/h of m5 usage at
// the published 1-year discount (37%), with scope extra added.
func heldRI(start time.Time, extra map[string]string) tally.Commitment {
	scope := map[string]string{"region": "eu-west-1", "instanceType": "m5.2xlarge", "platform": "Linux/UNIX"}
	for k, v := range extra {
		scope[k] = v
	}
	return tally.Commitment{ID: "ri-2xl", Provider: "aws", Kind: tally.CommitReserved, TermMonths: 12, PaymentOption: NoUpfront,
		Scope: scope, Start: start.AddDate(0, -1, 0), End: start.AddDate(1, -1, 0), Quantity: 26,
		RecurringHourlyFee: tally.MustParseMoney("6.3", "USD"), State: "active"}
}

// TestRecommendCountsHeldReservedInstancesOfOtherSizes: a regional
// Linux/UNIX Reserved Instance applies to every size of its family in its
// region (AWS's instance size flexibility). Held m5.2xlarge reservations
// whose fee pays for the fleet's 10/h of m5.xlarge leave nothing to buy,
// neither as Savings Plans nor, with Reserved Instances on, as more
// reservations. Recommend took them to cover m5.2xlarge only, and proposed
// commitments for usage they already pay for.
func TestRecommendCountsHeldReservedInstancesOfOtherSizes(t *testing.T) {
	for _, pools := range []PoolOptions{
		{TermMonths: 12, EC2Instance: true, Compute: true},
		{TermMonths: 12, Reserved: true, EC2Instance: true, Compute: true},
	} {
		pps := recommendOnFlatUsage(t, []tally.Commitment{heldRI(flatStart, nil)}, pools)
		wantNothingBought(t, pps, fmt.Sprintf("reserved %v: ", pools.Reserved), "the m5.2xlarge reservations cover the m5.xlarge fleet")
	}
}

// TestRecommendZonalReservedInstancesKeepTheirSize: a zonal Reserved
// Instance (and one of dedicated tenancy) applies to its own instance type
// only, so held m5.2xlarge ones leave the m5.xlarge fleet to cover.
func TestRecommendZonalReservedInstancesKeepTheirSize(t *testing.T) {
	for _, extra := range []map[string]string{{"availabilityZone": "eu-west-1a"}, {"tenancy": "dedicated"}} {
		pps := recommendOnFlatUsage(t, []tally.Commitment{heldRI(flatStart, extra)}, PoolOptions{TermMonths: 12, EC2Instance: true})
		if len(pps) != 1 || pps[0].PurchaseHourly.IsZero() {
			t.Errorf("%v: %+v, want a purchase in the one m5 pool", extra, pps)
		}
	}
}

// TestPoolsReserveLinuxByFamily: Reserved Instances bought for Linux/UNIX
// usage are regional and size-flexible, so one pool per region and family
// takes all its sizes, buying the smallest size in use; other platforms'
// reservations keep a pool per instance type.
func TestPoolsReserveLinuxByFamily(t *testing.T) {
	s := func(itype, platform string) Stream {
		return Stream{Provider: "aws", Region: "eu-west-1", InstanceType: itype, Platform: platform}
	}
	streams := []Stream{s("m5.2xlarge", ""), s("m5.xlarge", ""), s("m5.large", "Windows"), s("m5.xlarge", "Windows"), s("c5.metal", "")}
	var got []string
	for _, p := range Pools(streams, PoolOptions{Reserved: true}) {
		got = append(got, p.Key())
		if p.Key() == "aws/reserved-instance/eu-west-1/m5/m5.xlarge" && len(p.Streams) != 2 {
			t.Errorf("%s: streams %v, want both Linux/UNIX m5 sizes", p.Key(), p.Streams)
		}
	}
	want := []string{"aws/reserved-instance/eu-west-1/c5/c5.metal", "aws/reserved-instance/eu-west-1/m5/m5.large/Windows",
		"aws/reserved-instance/eu-west-1/m5/m5.xlarge", "aws/reserved-instance/eu-west-1/m5/m5.xlarge/Windows"}
	if len(got) != len(want) {
		t.Fatalf("pools %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("pool %d: %s, want %s", i, got[i], want[i])
		}
	}
}

// TestRecommendSaysReservedInstancesAreSizeFlexible: a Linux/UNIX
// reservation pool's explanation says which sizes it covers and which it
// buys.
func TestRecommendSaysReservedInstancesAreSizeFlexible(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	u := flatUsage(start, 60, "USD")
	u.Streams = append(u.Streams, Stream{Provider: "aws", Region: "eu-west-1", InstanceType: "m5.large"})
	u.OD = append(u.OD, u.OD[0])
	now := start.Add(time.Duration(u.Hours()+1) * time.Hour)
	pps, err := Recommend(u, nil, RecommendOptions{Now: now, Risk: Risk{Paths: 20}, Pools: PoolOptions{TermMonths: 12, Reserved: true}})
	if err != nil {
		t.Fatal(err)
	}
	want := "apply to every m5 size in eu-west-1, in proportion to its normalization factor; they are bought as m5.large"
	if len(pps) != 1 || pps[0].Pool != "aws/reserved-instance/eu-west-1/m5/m5.large" || pps[0].PurchaseHourly.IsZero() || !strings.Contains(pps[0].Why, want) {
		t.Fatalf("plans %+v, want one purchase of m5.large reservations that says %q", pps, want)
	}
}
