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

// benchOutput writes `go test -bench -count=runs -benchmem` output for two
// benchmarks; slow slows BenchmarkEncode down (0.1 = 10 %).
func benchOutput(rng *rand.Rand, runs int, slow float64) string {
	var b strings.Builder
	b.WriteString("goos: linux\ngoarch: amd64\npkg: example.com/shop\ncpu: Test CPU\n")
	for range runs {
		noise := func() float64 { return math.Exp(0.01 * rng.NormFloat64()) }
		fmt.Fprintf(&b, "BenchmarkEncode-8   \t  100000\t%10.1f ns/op\t     512 B/op\t       4 allocs/op\n", 1200*(1+slow)*noise())
		fmt.Fprintf(&b, "BenchmarkParse/small-8 \t 1000000\t%10.2f ns/op\t      64 B/op\t       1 allocs/op\n", 85*noise())
	}
	b.WriteString("PASS\nok  \texample.com/shop\t12.345s\n")
	return b.String()
}

func readBench(t *testing.T, name, text string) *cicheck.BenchSet {
	t.Helper()
	var set cicheck.BenchSet
	if err := cicheck.ReadBench(&set, name, strings.NewReader(text)); err != nil {
		t.Fatal(err)
	}
	return &set
}

func TestDiffBench(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	price := &cicheck.Pricing{PricePerCoreHour: tally.MustParseMoney("0.04", "USD")}
	calls, err := cicheck.ParseCalls([]string{"1e13", "BenchmarkParse/small=5e11"})
	if err != nil {
		t.Fatal(err)
	}
	cfg := cicheck.Config{Stats: cicheck.DefaultStats, Gate: cicheck.DefaultGate, Pricing: price}

	t.Run("slowdown fails and is priced", func(t *testing.T) {
		r, err := cicheck.DiffBench(readBench(t, "old.txt", benchOutput(rng, 10, 0)), readBench(t, "new.txt", benchOutput(rng, 10, 0.2)), calls, cfg)
		if err != nil {
			t.Fatal(err)
		}
		if r.Verdict != cicheck.Fail || r.Verdict.ExitCode() != 1 {
			t.Fatalf("verdict %s: %s %s", r.Verdict, r.Headline, r.Reason)
		}
		enc := r.Benchmarks[0]
		if enc.Name != "BenchmarkEncode-8" || enc.Pkg != "example.com/shop" || enc.Verdict != cicheck.Fail {
			t.Fatalf("worst benchmark %+v", enc)
		}
		// 240 ns × 1e13 calls = 2.4e6 core-seconds = 667 core-hours × $0.04 ≈ $26.7 a year.
		if got := enc.Annual.Amount.Float64(); math.Abs(got-26.7) > 1.5 {
			t.Errorf("annual %v, want ≈ $26.7", enc.Annual.Amount)
		}
		if enc.Allocs == nil || enc.Allocs.Significant || enc.Allocs.Head.Median != 4 {
			t.Errorf("allocs %+v", enc.Allocs)
		}
		if !strings.Contains(r.Headline, "This change adds $2") || !strings.Contains(r.Headline, "in BenchmarkEncode-8") {
			t.Errorf("headline %q", r.Headline)
		}
		parse := r.Benchmarks[1]
		if parse.CallsPerYear != 5e11 {
			t.Errorf("%s priced at %v calls a year, want the NAME=N entry 5e11", parse.Name, parse.CallsPerYear)
		}
	})
	t.Run("noise passes", func(t *testing.T) {
		fails := 0
		for range 100 {
			r, err := cicheck.DiffBench(readBench(t, "old.txt", benchOutput(rng, 10, 0)), readBench(t, "new.txt", benchOutput(rng, 10, 0)), calls, cfg)
			if err != nil {
				t.Fatal(err)
			}
			if r.Verdict == cicheck.Fail {
				fails++
			}
		}
		if fails > 5 {
			t.Errorf("%d/100 noise-only comparisons failed", fails)
		}
	})
	t.Run("too few runs", func(t *testing.T) {
		r, err := cicheck.DiffBench(readBench(t, "old.txt", benchOutput(rng, 5, 0)), readBench(t, "new.txt", benchOutput(rng, 5, 0.5)), calls, cfg)
		if err != nil {
			t.Fatal(err)
		}
		if r.Verdict != cicheck.Insufficient || !strings.Contains(r.Headline, "need at least 7 runs") || !strings.Contains(r.Headline, "-count=10") {
			t.Errorf("verdict %s, headline %q", r.Verdict, r.Headline)
		}
	})
	t.Run("benchmark on one side", func(t *testing.T) {
		extra := benchOutput(rng, 10, 0) + "BenchmarkNew-8 100 5000 ns/op\n"
		r, err := cicheck.DiffBench(readBench(t, "old.txt", benchOutput(rng, 10, 0)), readBench(t, "new.txt", extra), calls, cfg)
		if err != nil {
			t.Fatal(err)
		}
		var found bool
		for _, b := range r.Benchmarks {
			if b.Name == "BenchmarkNew-8" {
				found = b.Missing == "base"
			}
		}
		if !found {
			t.Errorf("BenchmarkNew-8 not reported as missing from the base: %+v", r.Benchmarks)
		}
	})
	t.Run("price needs calls", func(t *testing.T) {
		_, err := cicheck.DiffBench(readBench(t, "old.txt", benchOutput(rng, 10, 0)), readBench(t, "new.txt", benchOutput(rng, 10, 0)), cicheck.Calls{}, cfg)
		if tally.ErrorCode(err) != tally.EInvalid || !strings.Contains(err.Error(), "calls per year") {
			t.Errorf("err %v", err)
		}
	})
}

func TestReadBenchErrors(t *testing.T) {
	for _, tc := range []struct{ text, want string }{
		{"pkg: x\nBenchmarkX-8 abc 12 ns/op\n", "old.txt:2: parsing iteration count"},
		{"BenchmarkX-8 100 12\n", "old.txt:1: missing units"},
		{"PASS\nok x 1s\n", "old.txt: no benchmark results"},
	} {
		var set cicheck.BenchSet
		err := cicheck.ReadBench(&set, "old.txt", strings.NewReader(tc.text))
		if err == nil || tally.ErrorCode(err) != tally.EInvalid || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: err %v, want %q", tc.text, err, tc.want)
		}
	}
}

func TestParseCalls(t *testing.T) {
	c, err := cicheck.ParseCalls([]string{"2e9", "BenchmarkParse=10", "Encode-8=5"})
	if err != nil || c.Default != 2e9 || c.ByName["Parse"] != 10 || c.ByName["Encode-8"] != 5 {
		t.Fatalf("%+v %v", c, err)
	}
	for _, bad := range []string{"x", "A=-1", "A=NaN", "=", "Inf"} {
		if _, err := cicheck.ParseCalls([]string{bad}); tally.ErrorCode(err) != tally.EInvalid {
			t.Errorf("%q: err %v", bad, err)
		}
	}
}
