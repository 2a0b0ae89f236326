package commitments

import (
	"math"
	"testing"
	"time"

	"github.com/tallyhq/tally"
)

// TestTallyCountsHeldCommitmentsAsSunk: a Compute Savings Plan held covers
// all of a steady m5 fleet. An EC2 Instance Savings Plan for m5 earns a
// larger discount, but buying one would only move the usage away from the
// Compute Savings Plan, which is paid for either way and has nothing else
// to cover: Tally buys none. Without the Compute Savings Plan it does.
func TestTallyCountsHeldCommitmentsAsSunk(t *testing.T) {
	var rows [][]float64
	for h := 0; h < 40*24; h++ {
		rows = append(rows, []float64{10 + math.Sin(float64(h))})
	}
	u := usageOf(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), []Stream{m5}, rows...)
	pools := Pools(u.Streams, PoolOptions{TermMonths: 12, EC2Instance: true, Compute: true})
	compute := Offer{Provider: "aws", Kind: tally.CommitComputeSP, TermMonths: 12, Payment: NoUpfront}
	held := []Position{{Offer: compute, Fee: NanosOf(0.73 * 11), Start: -100, End: 20000, By: "existing"}}
	decide := func(ps []Position) []Position {
		d := &Decision{Now: 30 * 24, Visible: u.Prefix(28 * 24), Positions: ps, Pools: pools, Next: 24}
		return (&Tally{Risk: DefaultRisk, Seed: 1}).Decide(d)
	}
	if buys := decide(held); len(buys) != 0 {
		t.Errorf("with a Compute Savings Plan covering the fleet, bought %+v", buys)
	}
	buys := decide(nil)
	var instance bool
	for _, b := range buys {
		instance = instance || b.Offer.Kind == tally.CommitEC2SP
	}
	if !instance {
		t.Errorf("without commitments held, bought %+v, want an EC2 Instance Savings Plan", buys)
	}
}
