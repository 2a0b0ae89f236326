package attribution_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/google/pprof/profile"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/attribution"
)

// TestDollarsProfileNamesItsCurrency: the profile's cost unit is the
// stacks' currency: a workload billed in euros wrote "microdollars", and
// `go tool pprof -top` showed its euros as dollars.
func TestDollarsProfileNamesItsCurrency(t *testing.T) {
	for _, tt := range []struct {
		cur  tally.Currency
		unit string
	}{{"USD", "microdollars"}, {"EUR", "microEUR"}} {
		stacks := []attribution.StackSpend{{Frames: []tally.Function{{Name: "main.hot"}, {Name: "main.main"}},
			Cost: tally.MustParseMoney("1.5", tt.cur), Samples: 10}}
		var buf bytes.Buffer
		end := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)
		if err := attribution.DollarsProfile(stacks, 24*time.Hour, end).Write(&buf); err != nil {
			t.Fatal(err)
		}
		p, err := profile.Parse(&buf)
		if err != nil {
			t.Fatal(err)
		}
		if got := p.SampleType[1].Unit; got != tt.unit || p.PeriodType.Unit != tt.unit {
			t.Errorf("%s: cost in %q, period in %q; want %q", tt.cur, got, p.PeriodType.Unit, tt.unit)
		}
		if v := p.Sample[0].Value[1]; v != 1500000 {
			t.Errorf("%s: cost %d, want 1500000 millionths", tt.cur, v)
		}
	}
}
