package rightsizing

import (
	"fmt"
	"math"

	"github.com/tallyhq/tally"
)

// HoursPerMonth is the average month (365 × 24 ÷ 12), as cloud bills count it.
const HoursPerMonth = 730

// UnitPrices are what a workload pays per requested core-hour and GiB-hour of
// memory: the attributed prices of the nodes it ran on (the node's amortized
// cost split into CPU and RAM pools), not list prices.
type UnitPrices struct {
	CPUCoreHour   tally.Money `json:"cpuCoreHour"`
	MemoryGiBHour tally.Money `json:"memoryGibHour"`
}

// Pricer gives the unit prices of a workload. Attribution implements it from
// allocations; FixedPrices is one price for every workload.
type Pricer interface {
	UnitPrices(w tally.WorkloadRef) (UnitPrices, error)
}

// FixedPrices prices every workload the same.
type FixedPrices UnitPrices

// UnitPrices implements Pricer.
func (f FixedPrices) UnitPrices(tally.WorkloadRef) (UnitPrices, error) { return UnitPrices(f), nil }

// DefaultPrices are OpenCost's default list prices (per vCPU-hour and
// GiB-hour), for backtests and when nothing better is known.
var DefaultPrices = UnitPrices{
	CPUCoreHour:   tally.MustParseMoney("0.031611", "USD"),
	MemoryGiBHour: tally.MustParseMoney("0.004237", "USD"),
}

// quantityScale is the resolution of quantities multiplied into money: 10⁻⁹.
const quantityScale = 1_000_000_000

// MulQuantity returns price × q exactly for q rounded to 10⁻⁹ (q is a
// resource quantity such as core-hours, not money).
func MulQuantity(price tally.Money, q float64) (tally.Money, error) {
	if math.IsNaN(q) || math.IsInf(q, 0) || math.Abs(q) > 1e9 {
		return tally.Money{}, fmt.Errorf("quantity %v out of range", q)
	}
	n := math.Round(math.Abs(q) * quantityScale)
	m, err := price.MulRatio(uint64(n), quantityScale)
	if err != nil {
		return m, err
	}
	if q < 0 {
		m = m.Neg()
	}
	return m, nil
}

// HourlyCost returns what resources requests cost per hour at prices.
func HourlyCost(r Resources, p UnitPrices) (tally.Money, error) {
	cpu, err := MulQuantity(p.CPUCoreHour, r.CPURequest)
	if err != nil {
		return cpu, err
	}
	mem, err := MulQuantity(p.MemoryGiBHour, float64(r.MemoryRequest)/GiB)
	if err != nil {
		return mem, err
	}
	return cpu.Add(mem)
}

// MonthlySavings returns (current − recommended requests) × replicas over a
// month at prices; negative when the recommendation costs more.
func MonthlySavings(current, recommended Resources, replicas float64, p UnitPrices) (tally.Money, error) {
	cur, err := HourlyCost(current, p)
	if err != nil {
		return cur, err
	}
	rec, err := HourlyCost(recommended, p)
	if err != nil {
		return rec, err
	}
	d, err := cur.Sub(rec)
	if err != nil {
		return d, err
	}
	return MulQuantity(d, replicas*HoursPerMonth)
}
