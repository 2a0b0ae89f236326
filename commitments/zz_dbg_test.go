package commitments

import (
	"fmt"
	"os"
	"testing"
)

func TestDbg(t *testing.T) {
	if os.Getenv("DBG") == "" {
		t.Skip()
	}
	var u *Usage
	for _, x := range Generate(GenerateOptions{Seed: 1, Days: 1095}) {
		if x.Name == os.Getenv("DBG") {
			u = x
		}
	}
	pools := Pools(u.Streams, DefaultPoolOptions)
	var s Strategy = &Tally{Seed: 1, Risk: DefaultRisk, Hysteresis: 0.015, SustainedWeeks: 3}
	if os.Getenv("S") == "lb" {
		s = Lookback{60}
	}
	ps := walk(u, s, pools, BacktestOptions{Lag: 48, Warmup: 28 * 24})
	for _, p := range ps {
		fmt.Printf("day %3d  %-45s fee %8.3f\n", p.Start/24, p.Offer, p.Fee.Float())
	}
}
