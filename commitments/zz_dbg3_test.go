package commitments

import (
	"fmt"
	"os"
	"testing"
)

func TestDbg3(t *testing.T) {
	if os.Getenv("DBG3") == "" {
		t.Skip()
	}
	var u *Usage
	for _, x := range Generate(GenerateOptions{Seed: 1, Days: 1095}) {
		if x.Name == os.Getenv("DBG3") {
			u = x
		}
	}
	pools := Pools(u.Streams, DefaultPoolOptions)
	ta := &Tally{Seed: 1, Risk: DefaultRisk, Hysteresis: 0.015, SustainedWeeks: 3}
	var held []Position
	for now := 28 * 24; now < u.Hours(); now += 24 {
		d := &Decision{Now: now, Visible: u.Prefix(now - 48), Positions: held, Pools: pools, Rates: Rates{}, Next: 24}
		for _, p := range ta.Decide(d) {
			p.Start, p.End = now+1, now+1+8760
			held = append(held, p)
		}
		if now%(24*28) == 0 {
			k := "aws/ec2-instance-savings-plan/us-east-1/m5"
			c := ta.choices[k]
			fmt.Printf("day %d %s: target %.2f opt %.2f risk %.2f bind %s mean %.2f exist %.2f util %.3f plow %.2f model %s\n", now/24, k, ta.targets[k], c.Optimum, c.RiskLimit, c.Binding, c.MeanUsageOD, c.Existing, c.Evaluation.Utilization, c.Evaluation.PLowUtilization, c.Model)
		}
	}
}
