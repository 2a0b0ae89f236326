package commitments

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/tallyhq/tally"
)

// billStore is a RecommendStore over one account's usage and stored
// commitments; it keeps the recommendations it is given.
type billStore struct {
	usage    *Usage
	stored   []tally.Commitment
	recs     []tally.Recommendation
	replaced string // the prefix the recommendations replaced those under
}

func (s *billStore) Commitments(context.Context, string, tally.Window) ([]tally.Commitment, error) {
	return s.stored, nil
}

func (s *billStore) BillingCommitments(context.Context, string, tally.Window) ([]BillingCommitment, error) {
	return nil, nil
}

func (s *billStore) BillingAccounts(context.Context) ([]tally.BillingAccount, error) {
	return []tally.BillingAccount{{ID: s.usage.Name}}, nil
}

func (s *billStore) EligibleUsage(context.Context, string, tally.Window) (*Usage, error) {
	return s.usage, nil
}

func (s *billStore) CommitmentRates(context.Context) (Rates, error) { return NewRates(nil), nil }

func (s *billStore) ReplaceRecommendationsUnder(_ context.Context, _, prefix string, recs []tally.Recommendation) error {
	s.recs, s.replaced = recs, prefix
	return nil
}

// flatUsage is days of a steady 10 an hour of m5.xlarge in cur.
func flatUsage(start time.Time, days int, cur tally.Currency) *Usage {
	u := &Usage{Name: "acct", Start: start, Currency: cur, Streams: []Stream{{Provider: "aws", Region: "eu-west-1", InstanceType: "m5.xlarge"}}, OD: [][]Nanos{make([]Nanos, days*24)}}
	for h := range u.OD[0] {
		u.OD[0][h] = NanosOf(10)
	}
	return u
}

// TestRecommendAccountsInTheBillsCurrency: an account billed in EUR gets
// its plan, pools and stored recommendations in EUR; a commitment it holds
// in another currency is an error, not converted unit for unit.
func TestRecommendAccountsInTheBillsCurrency(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	u := flatUsage(start, 60, "EUR")
	now := start.Add(time.Duration(u.Hours()+1) * time.Hour)
	opt := AccountsOptions{RecommendOptions: RecommendOptions{Now: now, Risk: Risk{Paths: 20}}}
	s := &billStore{usage: u}
	out, err := RecommendAccounts(context.Background(), s, opt)
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != 1 || len(out[0].Plan.Items) == 0 {
		t.Fatalf("plans %+v: want one account with a purchase", out)
	}
	for _, it := range out[0].Plan.Items {
		if c := it.HourlyCommitment.Currency(); c != "EUR" || it.ExpectedSavings.Currency() != "EUR" {
			t.Errorf("plan item %s: %s, savings %s; want EUR", it.ID, it.HourlyCommitment, it.ExpectedSavings)
		}
	}
	for _, p := range out[0].Pools {
		for _, m := range []tally.Money{p.ExistingHourly, p.TargetHourly, p.Monthly} {
			if m.Currency() != "EUR" {
				t.Errorf("pool %s: %s, want EUR", p.Pool, m)
			}
		}
	}
	if len(s.recs) == 0 {
		t.Fatal("no recommendation stored")
	}
	for _, r := range s.recs {
		if r.MonthlySavings.Currency() != "EUR" {
			t.Errorf("stored recommendation %s: monthly savings %s, want EUR", r.Target, r.MonthlySavings)
		}
	}

	// A Savings Plan held in EUR is counted against the EUR usage.
	sp := tally.Commitment{BillingAccountID: "acct", ID: "sp-eur", Provider: "aws", Kind: tally.CommitComputeSP, TermMonths: 12,
		PaymentOption: NoUpfront, Start: now.AddDate(0, -1, 0), End: now.AddDate(0, 11, 0), HourlyCommitment: tally.MustParseMoney("3", "EUR")}
	s.stored = []tally.Commitment{sp}
	out, err = RecommendAccounts(context.Background(), s, opt)
	if err != nil {
		t.Fatal(err)
	}
	var held bool
	for _, p := range out[0].Pools {
		held = held || p.ExistingHourly.Equal(tally.MustParseMoney("3", "EUR"))
	}
	if !held {
		t.Errorf("the EUR Savings Plan in force is not counted: pools %+v", out[0].Pools)
	}

	// The same plan in USD cannot cover EUR usage.
	sp.ID, sp.HourlyCommitment = "sp-usd", tally.MustParseMoney("3", "USD")
	s.stored = []tally.Commitment{sp}
	_, err = RecommendAccounts(context.Background(), s, opt)
	if !errors.Is(err, tally.ErrCurrencyMismatch) || tally.ErrorCode(err) != tally.EConflict {
		t.Fatalf("a USD commitment on a EUR bill: err %v (code %s), want ErrCurrencyMismatch coded conflict", err, tally.ErrorCode(err))
	}

	// Options asking for another currency than the usage's are refused.
	if _, err := Recommend(u, nil, RecommendOptions{Now: now, Risk: Risk{Paths: 20}, Currency: "USD"}); !errors.Is(err, tally.ErrCurrencyMismatch) {
		t.Errorf("USD plan of EUR usage: err %v, want ErrCurrencyMismatch", err)
	}
}

// TestRecommendOneAccountReplacesItsOwn: recommending for one account
// replaces that account's stored recommendations, not every account's
// (`commitments recommend --account A --plan-out`, the purchase workflow,
// emptied the dashboard's recommendations of the other accounts).
func TestRecommendOneAccountReplacesItsOwn(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	u := flatUsage(start, 30, "USD")
	now := start.Add(time.Duration(u.Hours()+1) * time.Hour)
	for _, account := range []string{"", "acct"} {
		s := &billStore{usage: u, replaced: "unset"}
		opt := AccountsOptions{Account: account, RecommendOptions: RecommendOptions{Now: now, Risk: Risk{Paths: 20}}}
		if _, err := RecommendAccounts(context.Background(), s, opt); err != nil {
			t.Fatal(err)
		}
		if s.replaced != account {
			t.Errorf("--account %q replaced the recommendations under %q", account, s.replaced)
		}
	}
}
