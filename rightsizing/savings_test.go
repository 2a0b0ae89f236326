package rightsizing

import (
	"testing"

	"github.com/tallyhq/tally"
)

func TestMonthlySavings(t *testing.T) {
	p := UnitPrices{CPUCoreHour: usd("0.04"), MemoryGiBHour: usd("0.005")}
	cur := Resources{CPURequest: 2, MemoryRequest: 4 * GiB}
	rec := Resources{CPURequest: 0.5, MemoryRequest: GiB + GiB/2}
	got, err := MonthlySavings(cur, rec, 3, p)
	// 3 × 730 × (1.5 × 0.04 + 2.5 × 0.005) = 158.775
	if err != nil || got.Decimal() != "158.775" || got.Currency() != "USD" {
		t.Fatalf("savings = %v, %v", got, err)
	}
	up, err := MonthlySavings(rec, cur, 1, p)
	if err != nil || up.Decimal() != "-52.925" {
		t.Fatalf("a larger recommendation costs: %v, %v", up, err)
	}
	if _, err := MonthlySavings(cur, rec, 1, UnitPrices{CPUCoreHour: usd("1"), MemoryGiBHour: tally.MustParseMoney("1", "EUR")}); err == nil {
		t.Fatal("mixed currencies: want an error")
	}
	if q, err := MulQuantity(usd("0.1"), 1.0/3); err != nil || q.Decimal() != "0.0333333333" {
		t.Fatalf("MulQuantity = %v, %v", q, err)
	}
}
