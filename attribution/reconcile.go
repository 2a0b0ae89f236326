package attribution

import (
	"time"

	"github.com/tallyhq/tally"
)

// Tolerance is the largest difference between billed and allocated cost of a
// day and account that reconciliation accepts: one cent. (Allocations
// conserve every 10^-12; the tolerance absorbs only the rounding of
// pro-rating multi-day lines by seconds in SQL.)
const Tolerance = "0.01"

// ReconRow compares one day of one account's bill with its allocations,
// both on one cost basis.
type ReconRow struct {
	Day         time.Time       `json:"day"`
	Account     string          `json:"billingAccountId"`
	Currency    tally.Currency  `json:"currency"`
	Basis       tally.CostBasis `json:"basis"`       // of Bill and the allocations: amortized, billed or list
	Bill        tally.Money     `json:"bill"`        // Σ the bill's lines on Basis, pro-rated to the day
	Allocated   tally.Money     `json:"allocated"`   // to containers and namespaces (incl. external, volumes, LBs)
	Idle        tally.Money     `json:"idle"`        // __idle__
	Shared      tally.Money     `json:"shared"`      // __shared__
	Unallocated tally.Money     `json:"unallocated"` // __unallocated__
	Estimated   bool            `json:"estimated"`   // some allocations were priced from the catalog
	HasBill     bool            `json:"hasBill"`     // the day has bill lines
}

// Total is allocated + idle + shared + unallocated.
func (r *ReconRow) Total() tally.Money {
	t := r.Allocated
	for _, m := range []tally.Money{r.Idle, r.Shared, r.Unallocated} {
		t, _ = t.Add(m)
	}
	return t
}

// Difference is Total − Bill.
func (r *ReconRow) Difference() tally.Money {
	d, _ := r.Total().Sub(r.Bill)
	return d
}

// Status is "ok", "mismatch", or "estimated" for a day the bill does not
// cover yet (its allocations are estimates; there is nothing to reconcile).
func (r *ReconRow) Status() string {
	if !r.HasBill {
		return "estimated"
	}
	if c, err := r.Difference().Abs().Cmp(tally.MustParseMoney(Tolerance, r.Currency)); c > 0 || err != nil {
		return "mismatch"
	}
	return "ok"
}
