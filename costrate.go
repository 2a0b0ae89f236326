package tally

import (
	"math"
	"strings"
)

// CostRatePath is the API path of a workload's cost rate:
//
//	GET /api/v1/workloads/cost-rate?workload=NS/NAME[&cluster=C][&window=30d]
//	Authorization: Bearer TOKEN
//
// It answers 200 with a CostRate, or an error body {"code","message"} with
// the status of its code (400 invalid, 401 unauthorized, 404 not_found for
// a workload with no attributed CPU in the window, 503 unavailable when the
// database is unreachable or too slow).
const CostRatePath = "/api/v1/workloads/cost-rate"

// CostRate is what one core-hour of a workload's CPU really costs and how
// many it uses a year, from attribution over a trailing window. `tally ci`
// turns a relative change of CPU per unit of work into money a year with it:
// Δ% × CoreHoursPerYear × CorehourCost.
type CostRate struct {
	// Workload is "namespace/name" (or "namespace/kind/name") as asked.
	Workload string `json:"workload"`
	// Cluster is the cluster asked for; empty: every cluster running it.
	Cluster ClusterID `json:"cluster,omitempty"`
	// Currency of CorehourCost.
	Currency Currency `json:"currency"`
	// CorehourCost is the workload's amortized CPU cost over Window divided
	// by its CPU core-hours over Window, as an exact decimal string such as
	// "0.0213" (the CPU pool of its nodes' amortized cost, not list price).
	CorehourCost string `json:"corehourCost"`
	// CoreHoursPerYear is the workload's CPU usage over Window, up to now when
	// Window has not ended, scaled to 365 days.
	CoreHoursPerYear float64 `json:"coreHoursPerYear"`
	// Window is the trailing window the figures come from.
	Window Window `json:"window"`
	// Basis is the cost basis: "amortized" (the default), "billed" or "list".
	Basis string `json:"basis,omitempty"`
}

// Price returns CorehourCost as Money, checking the rate is usable: a known
// currency, a cost ≥ 0 and a finite CoreHoursPerYear ≥ 0.
func (r CostRate) Price() (Money, error) {
	cur, err := ParseCurrency(string(r.Currency))
	if err != nil {
		return Money{}, Errorf(EInvalid, "cost rate of %s: %v", r.Workload, err)
	}
	m, err := ParseMoney(strings.TrimSpace(r.CorehourCost), cur)
	if err != nil {
		return Money{}, Errorf(EInvalid, "cost rate of %s: corehourCost %q: %v", r.Workload, r.CorehourCost, err)
	}
	if m.Sign() < 0 {
		return Money{}, Errorf(EInvalid, "cost rate of %s: corehourCost %q: must not be negative", r.Workload, r.CorehourCost)
	}
	if math.IsNaN(r.CoreHoursPerYear) || math.IsInf(r.CoreHoursPerYear, 0) || r.CoreHoursPerYear < 0 {
		return Money{}, Errorf(EInvalid, "cost rate of %s: coreHoursPerYear %v: want a finite number ≥ 0", r.Workload, r.CoreHoursPerYear)
	}
	return m, nil
}
