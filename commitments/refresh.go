package commitments

import (
	"context"
	"fmt"
	"time"

	"github.com/tallyhq/tally"
)

// RecommendStore is what RecommendAccounts reads and writes.
type RecommendStore interface {
	PortfolioStore
	// BillingAccounts lists the billing accounts with a bill.
	BillingAccounts(ctx context.Context) ([]tally.BillingAccount, error)
	// EligibleUsage returns account's eligible usage in w, hourly, on-demand equivalent.
	EligibleUsage(ctx context.Context, account string, w tally.Window) (*Usage, error)
	// ReplaceRecommendationsUnder replaces the stored recommendations of
	// kind whose target is under prefix (prefix/…; "" is every target).
	ReplaceRecommendationsUnder(ctx context.Context, kind, prefix string, recs []tally.Recommendation) error
}

// AccountPlan is one billing account's recommendation.
type AccountPlan struct {
	Account string     `json:"billingAccountId"`
	Pools   []PoolPlan `json:"pools"`
	Plan    Plan       `json:"-"` // the purchase plan, for export
}

// AccountsOptions configures RecommendAccounts.
type AccountsOptions struct {
	RecommendOptions
	Account string        // "" for every account
	History time.Duration // of the bill forecast from (default 400 days)
	NoStore bool          // do not replace the stored recommendations
	// Skipped, when set, is told about accounts without enough usage.
	Skipped func(account string, hours int)
}

// RecommendAccounts recommends commitment purchases for every billing
// account (or opt.Account) from its stored bill: its eligible usage over
// opt.History before opt.Now (default now), less the commitments in force
// (Portfolio), with Recommend. Unless opt.NoStore, the recommendations
// replace the stored ones of kind commitment (what the dashboard's
// /api/v1/commitments/recommendations serves): every account's, or with
// opt.Account that account's alone. It is what 'tally
// commitments recommend' runs, and what 'tally demo' calls after loading.
func RecommendAccounts(ctx context.Context, s RecommendStore, opt AccountsOptions) ([]AccountPlan, error) {
	if opt.Now.IsZero() {
		opt.Now = time.Now()
	}
	now := opt.Now.UTC()
	opt.Now = now.Truncate(time.Hour)
	if opt.History <= 0 {
		opt.History = 400 * 24 * time.Hour
	}
	accounts := []string{opt.Account}
	if opt.Account == "" {
		bas, err := s.BillingAccounts(ctx)
		if err != nil {
			return nil, fmt.Errorf("recommend commitments: %w", err)
		}
		accounts = accounts[:0]
		for _, b := range bas {
			accounts = append(accounts, b.ID)
		}
	}
	if opt.Rates.exact == nil {
		r, err := s.CommitmentRates(ctx)
		if err != nil {
			return nil, fmt.Errorf("recommend commitments: %w", err)
		}
		opt.Rates = r
	}
	var out []AccountPlan
	recs := []tally.Recommendation{}
	for _, acct := range accounts {
		u, err := s.EligibleUsage(ctx, acct, tally.Window{Start: now.Add(-opt.History), End: now})
		if err != nil {
			return nil, fmt.Errorf("recommend commitments for %s: %w", acct, err)
		}
		if u = u.Trim(); u.Hours() < 48 {
			if opt.Skipped != nil {
				opt.Skipped(acct, u.Hours())
			}
			continue
		}
		held, err := Portfolio(ctx, s, acct, now)
		if err != nil {
			return nil, fmt.Errorf("recommend commitments for %s: %w", acct, err)
		}
		pools, err := Recommend(u, held, opt.RecommendOptions)
		if err != nil {
			return nil, fmt.Errorf("recommend commitments for %s: %w", acct, err)
		}
		for _, p := range pools {
			r, err := p.Recommendation(acct, now)
			if err != nil {
				return nil, err
			}
			recs = append(recs, r)
		}
		out = append(out, AccountPlan{Account: acct, Pools: pools, Plan: NewPlan(acct, now, pools)})
	}
	if !opt.NoStore {
		// One account's recommendations replace that account's: the
		// others' stay on the dashboard.
		if err := s.ReplaceRecommendationsUnder(ctx, tally.RecommendCommitment, opt.Account, recs); err != nil {
			return nil, fmt.Errorf("store commitment recommendations: %w", err)
		}
	}
	return out, nil
}
