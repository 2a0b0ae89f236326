package commitments

import (
	"fmt"
	"os"
	"testing"
)

func TestDbg4(t *testing.T) {
	if os.Getenv("DBG4") == "" {
		t.Skip()
	}
	var u *Usage
	for _, x := range Generate(GenerateOptions{Seed: 1}) {
		if x.Name == os.Getenv("DBG4") {
			u = x
		}
	}
	pools := Pools(u.Streams, DefaultPoolOptions)
	ta := &Tally{Seed: 1, Risk: DefaultRisk}
	ta.defaults()
	ta.problems = map[string]*problem{}
	var held []Position
	for now := 28 * 24; now < u.Hours(); now += 24 {
		d := &Decision{Now: now, Visible: u.Prefix(now - 48), Positions: held, Pools: pools, Rates: Rates{}, Next: 24}
		for _, p := range ta.Decide(d) {
			p.Start, p.End = now+1, now+1+8760
			held = append(held, p)
			if now/24 > 250 {
				fmt.Printf("   day %d buy %s %.2f\n", now/24, p.Offer, p.Fee.Float())
			}
		}
		if now%(24*14) == 0 && now/24 > 250 {
			k := "aws/ec2-instance-savings-plan/us-east-1/m5"
			c := ta.choices[k]
			pr := ta.problems[k]
			su := -1.0
			if pr != nil && len(pr.stress) > 0 && c.Capacity > 0 {
				su = pr.utilization(pr.stress[0], c.Capacity)
			}
			fmt.Printf("day %d %s: target %.2f opt %.2f risk %.2f bind %s mean %.2f exist %.2f util %.3f stressUtil %.3f stress? %v\n", now/24, k, ta.targets[k], c.Optimum, c.RiskLimit, c.Binding, c.MeanUsageOD, c.Existing, c.Evaluation.Utilization, su, pr != nil && len(pr.stress) > 0)
		}
	}
}
