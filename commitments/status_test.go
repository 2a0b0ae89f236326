package commitments

import (
	"errors"
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
