package commitments

import (
	"context"
	"fmt"
	"time"

	"github.com/tallyhq/tally"
)

// PortfolioHistory is how much of the bill Portfolio reads for commitments
// the providers' APIs were not asked about: a year and a month, so a 1-year
// commitment's first charge is seen.
const PortfolioHistory = 400 * 24 * time.Hour

// PortfolioStore is what Portfolio reads.
type PortfolioStore interface {
	// Commitments returns account's stored commitments (from 'tally
	// commitments sync') active at some time in w.
	Commitments(ctx context.Context, account string, w tally.Window) ([]tally.Commitment, error)
	// BillingCommitments returns what the bill charged in w says about each
	// commitment.
	BillingCommitments(ctx context.Context, account string, w tally.Window) ([]BillingCommitment, error)
	RatesReader
}

// Portfolio returns account's ("" for all) commitments in force at now: the
// stored ones (synced from the providers' APIs, the authority) whose state
// applies (tally.Commitment.Applies: not returned, retired or queued) and, for
// commitments the store does not know, what the bill says about them
// (InventoryFromBilling, Source "billing", with what its bill leaves
// unsaid inferred: IdentifyUnsaid). A bill-only commitment is in force when
// it was charged in the last two days of the bill. Each carries
// the discount the usage it covered in the bill shows, overall and per
// stream (BillingCommitment.Discount and StreamDiscounts).
func Portfolio(ctx context.Context, s PortfolioStore, account string, now time.Time) ([]tally.Commitment, error) {
	now = now.UTC()
	stored, err := s.Commitments(ctx, account, tally.Window{Start: now, End: now.Add(time.Second)})
	if err != nil {
		return nil, fmt.Errorf("stored commitments: %w", err)
	}
	bcs, err := s.BillingCommitments(ctx, account, tally.Window{Start: now.Add(-PortfolioHistory), End: now})
	if err != nil {
		return nil, fmt.Errorf("commitments in the bill: %w", err)
	}
	if bcs, err = IdentifyUnsaid(ctx, s, bcs); err != nil {
		return nil, err
	}
	var end time.Time
	for _, b := range bcs {
		if b.Last.After(end) {
			end = b.Last
		}
	}
	billed := map[string]BillingCommitment{}
	for _, b := range bcs {
		billed[b.BillingAccountID+"/"+b.ID] = b
	}
	known := map[string]bool{}
	out := make([]tally.Commitment, 0, len(stored))
	for _, c := range stored {
		known[c.ID] = true
		if c.Applies() {
			if b, ok := billed[c.BillingAccountID+"/"+c.ID]; ok {
				c.Discount, c.StreamDiscounts = b.Discount(), b.StreamDiscounts()
			}
			out = append(out, c)
		}
	}
	for _, c := range InventoryFromBilling(bcs, end) {
		if !known[c.ID] && c.State == "active" && c.End.After(now) {
			out = append(out, c)
		}
	}
	return out, nil
}
