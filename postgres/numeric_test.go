package postgres_test

import (
	"math/rand/v2"
	"testing"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/internal/pgtest"
)

// TestMoneyNumericRoundTrip sends amounts through the direct binary numeric
// encoder and checks PostgreSQL reads exactly the amount, with the display
// scale its own text input gives.
func TestMoneyNumericRoundTrip(t *testing.T) {
	db := pgtest.New(t)
	amounts := []string{"0", "1", "-1", "1.5", "-1.5", "0.00001605990", "0.000000000001", "-0.000000000001",
		"10000", "9999.9999", "123456.789012345678", "9223372.036854775807", "-9223372.036854775808",
		"100000000", "-12345678901234567890.5", "0.1", "1000000000000.000000000001"}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 300; i++ {
		u := rng.Int64N(1<<62) >> rng.IntN(62)
		if rng.IntN(2) == 0 {
			u = -u
		}
		amounts = append(amounts, tally.FromUnits(u, "USD").Decimal())
	}
	for _, s := range amounts {
		m, err := tally.ParseMoney(s, "USD")
		if err != nil {
			t.Fatal(err)
		}
		text, equal, err := db.RoundTripMoney(ctx, m)
		if err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		if !equal || text != m.Decimal() {
			t.Errorf("%s: PostgreSQL read %s (equal %v), want %s", s, text, equal, m.Decimal())
		}
	}
}
