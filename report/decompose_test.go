package report

import (
	"testing"

	"github.com/tallyhq/tally"
)

func usd(s string) tally.Money { return tally.MustParseMoney(s, "USD") }

// The cases are computed by hand in their comments.
func TestDecompose(t *testing.T) {
	tests := []struct {
		name                          string
		before, after                 Period
		delta, usage, price, coverage string
	}{
		{
			// 100 → 120 core-hours at $0.07 (list $0.10; 60% covered at half
			// list, the rest at list). Coverage falls to 25%:
			// C1 = 3 × 0.5 + 9 × 1 = 10.5; ΔC = 3.5.
			// usage = 20 × 0.07 = 1.4
			// coverage = L1 (s1 − s0)(ρc0 − ρu0) = 12 × (0.25 − 0.6) × (0.5 − 1) = 2.1
			// price = 3.5 − 1.4 − 2.1 = 0 (no rate changed).
			name:   "usage and coverage",
			before: Period{Cost: usd("7"), List: usd("10"), Quantity: 100, CoveredList: usd("6"), CoveredCost: usd("3")},
			after:  Period{Cost: usd("10.5"), List: usd("12"), Quantity: 120, CoveredList: usd("3"), CoveredCost: usd("1.5")},
			delta:  "3.5", usage: "1.4", price: "0", coverage: "2.1",
		},
		{
			// Same usage and coverage, list price up 10%: all price.
			// C0 = 3 + 4 = 7, C1 = 3.3 + 4.4 = 7.7.
			name:   "price only",
			before: Period{Cost: usd("7"), List: usd("10"), Quantity: 100, CoveredList: usd("6"), CoveredCost: usd("3")},
			after:  Period{Cost: usd("7.7"), List: usd("11"), Quantity: 100, CoveredList: usd("6.6"), CoveredCost: usd("3.3")},
			delta:  "0.7", usage: "0", price: "0.7", coverage: "0",
		},
		{
			// Spot price 0.12 → 0.16 per node-hour, 168 h both weeks, no
			// commitments: usage 0, price = 168 × 0.04 = 6.72.
			name:   "spot price",
			before: Period{Cost: usd("20.16"), List: usd("64.512"), Quantity: 168},
			after:  Period{Cost: usd("26.88"), List: usd("64.512"), Quantity: 168},
			delta:  "6.72", usage: "0", price: "6.72", coverage: "0",
		},
		{
			// Half the usage, coverage from none to all at 60% of list:
			// C0 = 50 (list 50, 100 GiB-h at $0.50), C1 = 25 × 0.6 = 15.
			// usage = −50 × 0.5 = −25. ρc0 undefined → ρc1 = 0.6; ρu0 = 1.
			// coverage = 25 × (1 − 0) × (0.6 − 1) = −10; price = −35 + 25 + 10 = 0.
			name:   "coverage starts",
			before: Period{Cost: usd("50"), List: usd("50"), Quantity: 100},
			after:  Period{Cost: usd("15"), List: usd("25"), Quantity: 50, CoveredList: usd("25"), CoveredCost: usd("15")},
			delta:  "-35", usage: "-25", price: "0", coverage: "-10",
		},
		{
			// A workload that did not run last week changed by usage only.
			name:  "new",
			after: Period{Cost: usd("12.34"), List: usd("20"), Quantity: 40},
			delta: "12.34", usage: "12.34", price: "0", coverage: "0",
		},
		{
			name:   "gone",
			before: Period{Cost: usd("5"), List: usd("5"), Quantity: 10},
			delta:  "-5", usage: "-5", price: "0", coverage: "0",
		},
		{
			// Usage and price together: 10 → 15 core-hours, $1 → $1.20:
			// usage = 5 × 1 = 5, price = 15 × 0.2 = 3, ΔC = 18 − 10 = 8.
			name:   "usage and price",
			before: Period{Cost: usd("10"), List: usd("10"), Quantity: 10},
			after:  Period{Cost: usd("18"), List: usd("18"), Quantity: 15},
			delta:  "8", usage: "5", price: "3", coverage: "0",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Decompose(tt.before, tt.after)
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range []struct {
				what      string
				got, want tally.Money
			}{{"delta", c.Delta, usd(tt.delta)}, {"usage", c.Usage, usd(tt.usage)}, {"price", c.Price, usd(tt.price)},
				{"coverage", c.Coverage, usd(tt.coverage)}} {
				if !f.got.Round(6).Equal(f.want) {
					t.Errorf("%s = %s, want %s", f.what, f.got, f.want)
				}
			}
			sum, _ := c.Usage.Add(c.Price)
			sum, _ = sum.Add(c.Coverage)
			if !sum.Equal(c.Delta) {
				t.Errorf("usage + price + coverage = %s, want Δ %s exactly", sum, c.Delta)
			}
		})
	}
}

func TestDecomposeCurrencies(t *testing.T) {
	_, err := Decompose(Period{Cost: usd("1"), Quantity: 1}, Period{Cost: tally.MustParseMoney("1", "EUR"), Quantity: 1})
	if err == nil {
		t.Fatal("mixing currencies: want an error")
	}
}

// TestComponentsShown: the parts as printed add up to the change as
// printed. Each rounded on its own, the first case read
// "+$26.79 = -$44.33 + $58.39 + $12.73" for a change of 26.78.
func TestComponentsShown(t *testing.T) {
	tests := []struct {
		name                          string
		places                        int
		in                            [3]string // usage, price, coverage; the change is their sum
		delta, usage, price, coverage string
	}{
		{
			// 26.778 = −44.3344 + 58.3866 + 12.7258. Rounded down: −44.34,
			// 58.38, 12.72 (26.76), remainders .0056, .0066, .0058: the two
			// cents left to 26.78 go to price and coverage.
			name: "the fixture's __idle__", places: 2, in: [3]string{"-44.3344", "58.3866", "12.7258"},
			delta: "26.78", usage: "-44.34", price: "58.39", coverage: "12.73",
		},
		{
			// −0.01 = −0.005 − 0.005 + 0: rounded down −0.01, −0.01, 0
			// (−0.02), remainders .005, .005, 0: the cent goes to usage (ties
			// to the first).
			name: "negative, a tie", places: 2, in: [3]string{"-0.005", "-0.005", "0"},
			delta: "-0.01", usage: "0", price: "-0.01", coverage: "0",
		},
		{
			// 150.6 = 100.4 + 50.2 + 0 in whole units: 151 (half to even),
			// rounded down 100 + 50 + 0, the unit left to usage (.4).
			name: "whole units", places: 0, in: [3]string{"100.4", "50.2", "0"},
			delta: "151", usage: "101", price: "50", coverage: "0",
		},
		{
			// Already whole cents: unchanged.
			name: "exact", places: 2, in: [3]string{"1.25", "-0.5", "0.01"},
			delta: "0.76", usage: "1.25", price: "-0.5", coverage: "0.01",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Components{Usage: usd(tt.in[0]), Price: usd(tt.in[1]), Coverage: usd(tt.in[2])}
			c.Delta, _ = c.Usage.Add(c.Price)
			c.Delta, _ = c.Delta.Add(c.Coverage)
			got, err := c.Shown(tt.places)
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range []struct {
				name      string
				got, want tally.Money
			}{{"delta", got.Delta, usd(tt.delta)}, {"usage", got.Usage, usd(tt.usage)}, {"price", got.Price, usd(tt.price)},
				{"coverage", got.Coverage, usd(tt.coverage)}} {
				if !f.got.Equal(f.want) {
					t.Errorf("%s %v, want %v", f.name, f.got, f.want)
				}
			}
		})
	}
}
