package commitments

import (
	"errors"
	"fmt"
	"time"

	"github.com/tallyhq/tally"
)

// MaxPlanAge is how long after its first purchase day a plan may still be
// bought from: the ladder's step. Within it, at most the first two tranches
// of a pool can have come due, and the forecasts, usage and portfolio the
// plan was sized on are at most one step old; after it the plan's later
// tranches were sized on a state that has moved on, and the recommendation
// must be computed again (the explanation promises each tranche is
// re-checked before it is bought).
const MaxPlanAge = 7 * 24 * time.Hour

// ErrStalePlan is wrapped by the error CheckAge returns.
var ErrStalePlan = errors.New("stale purchase plan")

// CheckAge returns an error wrapping ErrStalePlan when the plan's earliest
// item is dated more than maxAge before now.
func (p Plan) CheckAge(now time.Time, maxAge time.Duration) error {
	if len(p.Items) == 0 {
		return nil
	}
	first := p.Items[0]
	for _, it := range p.Items[1:] {
		if it.Date.Before(first.Date) {
			first = it
		}
	}
	if age := now.Sub(first.Date); age > maxAge {
		return fmt.Errorf("%w: its first item (%s) is dated %s, %d days ago, more than %d days",
			ErrStalePlan, first.ID, tally.FormatDay(first.Date), int(age/(24*time.Hour)), int(maxAge/(24*time.Hour)))
	}
	return nil
}

// Due returns the IDs of the items that may be bought at now: in each pool
// (the items of one offer), the earliest item not yet bought, when its
// date has come. bought holds the IDs of the items already bought. A
// pool's later tranches wait for its earlier ones, so a plan run late buys
// one tranche per pool, not every tranche whose date has passed.
func (p Plan) Due(now time.Time, bought map[string]bool) map[string]bool {
	next := map[Offer]PlanItem{}
	for _, it := range p.Items {
		if bought[it.ID] {
			continue
		}
		if q, ok := next[it.Offer]; !ok || earlier(it, q) {
			next[it.Offer] = it
		}
	}
	due := map[string]bool{}
	for _, it := range next {
		if !it.Date.After(now) {
			due[it.ID] = true
		}
	}
	return due
}

// earlier orders items by date, then by ID.
func earlier(a, b PlanItem) bool {
	if !a.Date.Equal(b.Date) {
		return a.Date.Before(b.Date)
	}
	return a.ID < b.ID
}
