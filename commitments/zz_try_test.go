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
	days := 730
	fmt.Sscan(os.Getenv("DAYS"), &days)
	us := Generate(GenerateOptions{Seed: 1, Days: days})
	for _, u := range us {
		if os.Getenv("TRY") != "all" && os.Getenv("TRY") != u.Name {
			continue
		}
		st := time.Now()
		strats := StandardStrategies(DefaultRisk, 1)
		if os.Getenv("FAST") != "" {
			ta := &Tally{Risk: DefaultRisk, Seed: 1}
			fmt.Sscan(os.Getenv("HYST"), &ta.Hysteresis)
			fmt.Sscan(os.Getenv("SW"), &ta.SustainedWeeks)
			fmt.Sscan(os.Getenv("LW"), &ta.LadderWeeks)
			if v := os.Getenv("MINU"); v != "" {
				fmt.Sscan(v, &ta.Risk.MinUtilization)
			}
			if v := os.Getenv("MAXP"); v != "" {
				fmt.Sscan(v, &ta.Risk.MaxProbability)
			}
			if v := os.Getenv("LI"); v != "" {
				fmt.Sscan(v, &ta.Risk.LockInPenalty)
			}
			strats = []Strategy{Lookback{7}, Lookback{30}, Lookback{60}, ta}
		}
		rep := Backtest(u, strats, BacktestOptions{Pools: DefaultPoolOptions})
		fmt.Printf("== %s (%v)\n", u.Name, time.Since(st).Round(time.Second))
		best := 0.0
		for _, r := range rep.Results {
			if len(r.Strategy) > 8 && r.Strategy[:8] == "lookback" && r.ESR > best {
				best = r.ESR
			}
		}
		ta, _ := rep.Result("tally")
		fmt.Printf("SUMMARY %-10s tally-best %+.2f regret %.2f util %.2f\n", u.Name, 100*(ta.ESR-best), ta.Regret, 100*ta.Utilization)
		for _, r := range rep.Results {
			fmt.Printf("%-16s ESR %6.2f util %6.2f cov %6.2f waste %10.0f oblig %10.0f lockin %5.1f regret %6.2f n=%d\n",
				r.Strategy, 100*r.ESR, 100*r.Utilization, 100*r.Coverage, r.Waste.Float(), r.Obligation.Float(), r.LockIn, r.Regret, r.Purchases)
		}
	}
}
