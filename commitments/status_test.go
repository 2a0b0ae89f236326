package commitments

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/tallyhq/tally"
)

// TestBuildStatusBillsInTwoCurrencies: the bills of accounts in different
// currencies cannot be added up; the error is the user's to fix (select one
// account) and says which currencies were found.
func TestBuildStatusBillsInTwoCurrencies(t *testing.T) {
	now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	sums := []BillingSums{
		{Start: now, Provider: "aws", Currency: "USD", EligibleOD: tally.MustParseMoney("10", "USD")},
		{Start: now, Provider: "gcp", Currency: "EUR", EligibleOD: tally.MustParseMoney("10", "EUR")},
	}
	_, err := BuildStatus(now, tally.Window{Start: now, End: now.Add(time.Hour)}, "hour", sums, nil)
	if !errors.Is(err, tally.ErrCurrencyMismatch) || tally.ErrorCode(err) != tally.EInvalid {
		t.Fatalf("err %v (code %s), want ErrCurrencyMismatch coded invalid", err, tally.ErrorCode(err))
	}
	if msg := tally.ErrorMessage(err); !strings.Contains(msg, "bills in EUR and USD") || !strings.Contains(msg, "?account=") {
		t.Errorf("message %q: want the currencies found and how to select one account", msg)
	}
	st, err := BuildStatus(now, tally.Window{Start: now, End: now.Add(time.Hour)}, "hour", sums[1:], nil)
	if err != nil || st.Currency != "EUR" {
		t.Fatalf("one EUR bill: %v, currency %q", err, st.Currency)
	}
}

// TestBuildStatusLockInOneCurrency: the lock-in weighs the commitments in
// force by their hourly cost, which needs one currency: commitments in
// another currency than the bill's, or than each other, are the same error
// as bills in two currencies.
func TestBuildStatusLockInOneCurrency(t *testing.T) {
	now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	w := tally.Window{Start: now.AddDate(0, 0, -1), End: now}
	sums := []BillingSums{{Start: w.Start, Provider: "aws", Currency: "USD", EligibleOD: tally.MustParseMoney("100", "USD")}}
	commitment := func(id string, months int, hourly string, cur tally.Currency) tally.Commitment {
		return tally.Commitment{ID: id, Start: now.AddDate(0, months-12, 0), End: now.AddDate(0, months, 0), HourlyCommitment: tally.MustParseMoney(hourly, cur)}
	}
	short, long := commitment("short", 1, "1", "USD"), commitment("long", 11, "3", "USD")
	st, err := BuildStatus(now, w, "day", sums, []tally.Commitment{short, long})
	if err != nil {
		t.Fatal(err)
	}
	rem := func(c tally.Commitment) float64 { return c.End.Sub(now).Hours() / 730 }
	if want := (1*rem(short) + 3*rem(long)) / 4; math.Abs(st.LockInMonths-want) > 1e-9 || st.Currency != "USD" {
		t.Errorf("lock-in %.4f months in %s, want %.4f in USD", st.LockInMonths, st.Currency, want)
	}

	yen := commitment("yen", 11, "150", "JPY")
	for _, tt := range []struct {
		name string
		sums []BillingSums
		cs   []tally.Commitment
		want string
	}{
		{"a JPY commitment on a USD bill", sums, []tally.Commitment{short, yen}, "bills in USD, commitments in force in JPY and USD"},
		{"JPY and USD commitments, no bill", nil, []tally.Commitment{short, yen}, "commitments in force in JPY and USD"},
		{"a JPY commitment alone on a USD bill", sums, []tally.Commitment{yen}, "bills in USD, commitments in force in JPY"},
	} {
		_, err := BuildStatus(now, w, "day", tt.sums, tt.cs)
		if !errors.Is(err, tally.ErrCurrencyMismatch) || tally.ErrorCode(err) != tally.EInvalid || !strings.Contains(tally.ErrorMessage(err), tt.want) {
			t.Errorf("%s: err %v (code %s), want ErrCurrencyMismatch coded invalid saying %q", tt.name, err, tally.ErrorCode(err), tt.want)
		}
	}
	// A JPY account's status is in JPY.
	if st, err := BuildStatus(now, w, "day", nil, []tally.Commitment{yen}); err != nil || st.Currency != "JPY" {
		t.Errorf("a JPY commitment alone: %v, currency %q", err, st.Currency)
	}
}

// TestMetricsOfSplitsGCPFeesExactly: GCP export fees are split into used
// (covered on-demand spend × 72%, at most the fees) and unused in exact
// Money, so the parts sum to the fees and neither goes through a float.
func TestMetricsOfSplitsGCPFeesExactly(t *testing.T) {
	usd := func(s string) tally.Money { return tally.MustParseMoney(s, "USD") }
	for _, tt := range []struct {
		covered, fees, used, unused string
		resource                    bool // the fees are resource-based commitments'
	}{
		{"100", "100", "72", "28", false},
		// Resource-based commitments are 37% off, not 28%: 63% of the covered spend.
		{"100", "100", "63", "37", true},
		// covered × 0.72 = 720.0000000000036: rounded half to even at 10⁻¹².
		{"1000.000000000005", "1000", "720.000000000004", "279.999999999996", false},
		// More covered than the fees pay for: all fees are used, to the last digit.
		{"400000000", "123456789.123456789123", "123456789.123456789123", "0", false},
	} {
		s := BillingSums{Provider: "gcp", Currency: "USD", EligibleOD: usd("500000000"), CoveredOD: usd(tt.covered),
			UsageCost: usd("100"), Fees: usd(tt.fees)}
		if tt.resource {
			s.ResourceFees = s.Fees
		}
		m, err := metricsOf(time.Time{}, s)
		if err != nil {
			t.Fatal(err)
		}
		if !m.Used.Equal(usd(tt.used)) || !m.Unused.Equal(usd(tt.unused)) || !m.Commitment.Equal(usd(tt.fees)) || !m.Estimated {
			t.Errorf("covered %s, fees %s: used %s, unused %s, commitment %s (estimated %v); want used %s, unused %s",
				tt.covered, tt.fees, m.Used, m.Unused, m.Commitment, m.Estimated, tt.used, tt.unused)
		}
	}
}
