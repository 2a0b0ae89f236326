package commitments

import (
	"fmt"
	"os"
	"testing"
	"time"
)

func TestTry(t *testing.T) {
	if os.Getenv("TRY") == "" {
		t.Skip()
	}
	us := Generate(GenerateOptions{Seed: 1})
	for _, u := range us {
		if os.Getenv("TRY") != "all" && os.Getenv("TRY") != u.Name {
			continue
		}
		st := time.Now()
		strats := StandardStrategies(DefaultRisk, 1)
		if os.Getenv("FAST") != "" {
			strats = []Strategy{Lookback{30}, Lookback{60}, &Tally{Risk: DefaultRisk, Seed: 1}}
		}
		rep := Backtest(u, strats, BacktestOptions{Pools: DefaultPoolOptions})
		fmt.Printf("== %s (%v)\n", u.Name, time.Since(st).Round(time.Second))
		for _, r := range rep.Results {
			fmt.Printf("%-16s ESR %6.2f util %6.2f cov %6.2f waste %10.0f oblig %10.0f lockin %5.1f regret %6.2f n=%d\n",
				r.Strategy, 100*r.ESR, 100*r.Utilization, 100*r.Coverage, r.Waste.Float(), r.Obligation.Float(), r.LockIn, r.Regret, r.Purchases)
		}
	}
}
