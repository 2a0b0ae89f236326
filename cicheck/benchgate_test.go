package cicheck_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/cicheck"
)

// gateBenchOutput writes `go test -bench -count=runs` output for one
// benchmark per entry of slow, each 1000 ns/op in the base, slowed down by
// slow[i] (0.1 = 10 %), with 1 % lognormal noise.
func gateBenchOutput(rng *rand.Rand, runs int, slow []float64) string {
	var b strings.Builder
	b.WriteString("pkg: example.com/shop\n")
	for range runs {
		for i, s := range slow {
			fmt.Fprintf(&b, "BenchmarkOp%d-8 \t 100000\t%10.3f ns/op\n", i, 1000*(1+s)*math.Exp(0.01*rng.NormFloat64()))
		}
	}
	return b.String()
}

// maxFalseFails is the most fails out of n comparisons that is still
// consistent with a fail rate of at most p: the smallest m with
// P(Binomial(n, p) > m) < 0.001. A seeded simulation that fails more often
// than this has a fail rate above p, not bad luck.
func maxFalseFails(n int, p float64) int {
	tail := 1.0
	for m := 0; m <= n; m++ {
		lg := func(x int) float64 { v, _ := math.Lgamma(float64(x + 1)); return v }
		tail -= math.Exp(lg(n) - lg(m) - lg(n-m) + float64(m)*math.Log(p) + float64(n-m)*math.Log1p(-p))
		if tail < 0.001 {
			return m
		}
	}
	return n
}

// TestBenchAnnualGate checks the money-a-year gate over the sum of several
// benchmarks' slowdowns: a total at or below the gate fails at most α/2 of
// the time (as a single benchmark at its gate does), and a total clearly
// over it fails although no benchmark is over the gate on its own.
//
// Every benchmark takes 1000 ns/op and runs 3.6e12 times a year at $0.04 a
// core-hour: a 10 % slowdown of one is 3.6e14 ns = 100 core-hours = $4.00 a
// year, the gate.
func TestBenchAnnualGate(t *testing.T) {
	price := &cicheck.Pricing{PricePerCoreHour: tally.MustParseMoney("0.04", "USD")}
	calls, err := cicheck.ParseCalls([]string{"3.6e12"})
	if err != nil {
		t.Fatal(err)
	}
	limit := tally.MustParseMoney("4.00", "USD")
	cfg := cicheck.Config{Stats: cicheck.DefaultStats, Gate: cicheck.Gate{MaxIncrease: -1, MaxAnnualIncrease: &limit}, Pricing: price}
	halfAlpha := cfg.Stats.Alpha / 2

	cases := []struct {
		name        string
		slow        []float64
		runs        int
		minRate     float64 // for a total over the gate
		maxFailOK   bool    // at or below the gate: fails ≤ α/2 of the time
		sumOnlyFail bool    // no benchmark is over the gate by itself
	}{
		{"one benchmark just under the gate", []float64{0.095}, 10, 0, true, false},
		{"one benchmark at the gate", []float64{0.10}, 10, 0, true, false},
		{"four benchmarks summing to the gate", []float64{0.025, 0.025, 0.025, 0.025}, 10, 0, true, true},
		{"three benchmarks summing just under the gate", []float64{0.03, 0.03, 0.035}, 10, 0, true, true},
		// Both the benchmark's own test and the total's may fail here.
		{"one benchmark at the gate, three unchanged", []float64{0.10, 0, 0, 0}, 10, 0, true, false},
		{"four small slowdowns summing to 1.6× the gate, 20 runs", []float64{0.04, 0.04, 0.04, 0.04}, 20, 0.5, false, true},
		{"four small slowdowns summing to 2.4× the gate", []float64{0.06, 0.06, 0.06, 0.06}, 20, 0.95, false, true},
		{"three slowdowns summing to 2.4× the gate, 10 runs", []float64{0.08, 0.08, 0.08}, 10, 0.90, false, true},
	}
	for ci, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sims := 400 // to tell a rate of α/2 from more
			if !tc.maxFailOK {
				sims = 100 // power: a rate near 1
			}
			rng := rand.New(rand.NewPCG(uint64(ci)+11, 0xa11))
			var fails, benchFails int
			for range sims {
				base := readBench(t, "old.txt", gateBenchOutput(rng, tc.runs, make([]float64, len(tc.slow))))
				head := readBench(t, "new.txt", gateBenchOutput(rng, tc.runs, tc.slow))
				r, err := cicheck.DiffBench(base, head, calls, cfg)
				if err != nil {
					t.Fatal(err)
				}
				if r.Verdict == cicheck.Fail {
					fails++
					if tc.sumOnlyFail && (!strings.Contains(r.Reason, "Together the slowdowns add $") || !strings.Contains(r.Reason, "at least $")) {
						t.Errorf("fail reason %q does not give the total and its bound", r.Reason)
					}
					if fails == 1 {
						t.Logf("%s: %s", r.Headline, r.Reason)
					}
				}
				for _, b := range r.Benchmarks {
					if b.Verdict == cicheck.Fail {
						benchFails++
						break
					}
				}
			}
			t.Logf("report fails %d/%d; a benchmark's own gate fails in %d", fails, sims, benchFails)
			if tc.sumOnlyFail && benchFails > 0 {
				t.Errorf("a benchmark failed its own gate in %d comparisons; the case needs the total alone to decide", benchFails)
			}
			if max := maxFalseFails(sims, halfAlpha); tc.maxFailOK && fails > max {
				t.Errorf("a total at or under the gate failed %d/%d times: more than α/2 = %v allows (≤ %d)", fails, sims, halfAlpha, max)
			}
			if rate := float64(fails) / float64(sims); rate < tc.minRate {
				t.Errorf("a total of %v over the gate failed %.2f of the time, want ≥ %.2f", tc.slow, rate, tc.minRate)
			}
		})
	}
}
