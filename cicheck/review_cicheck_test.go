package cicheck_test

// Reproductions of review findings (review-cicheck). Each test fails on the
// code it was written against; they are not fixes.

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"math/rand/v2"
	"runtime"
	rpprof "runtime/pprof"
	"strings"
	"testing"
	"time"

	"github.com/google/pprof/profile"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/cicheck"
)

// tickProfile is a Go CPU profile (100 Hz) of one run: work ticks in
// main.work and rare ticks in main.rare, both called from main.main.
func tickProfile(t *testing.T, work, rare int64) *cicheck.Run {
	t.Helper()
	const period = 10_000_000
	m := &profile.Mapping{ID: 1, Start: 0x1000, Limit: 0x9000, File: "/app", HasFunctions: true}
	fmain := &profile.Function{ID: 1, Name: "main.main", Filename: "/src/main.go", StartLine: 1}
	fwork := &profile.Function{ID: 2, Name: "main.work", Filename: "/src/main.go", StartLine: 10}
	frare := &profile.Function{ID: 3, Name: "main.rare", Filename: "/src/main.go", StartLine: 20}
	lmain := &profile.Location{ID: 1, Mapping: m, Address: 0x1100, Line: []profile.Line{{Function: fmain, Line: 2}}}
	lwork := &profile.Location{ID: 2, Mapping: m, Address: 0x1200, Line: []profile.Line{{Function: fwork, Line: 11}}}
	lrare := &profile.Location{ID: 3, Mapping: m, Address: 0x1300, Line: []profile.Line{{Function: frare, Line: 21}}}
	p := &profile.Profile{
		SampleType: []*profile.ValueType{{Type: "samples", Unit: "count"}, {Type: "cpu", Unit: "nanoseconds"}},
		PeriodType: &profile.ValueType{Type: "cpu", Unit: "nanoseconds"},
		Period:     period,
		Function:   []*profile.Function{fmain, fwork, frare},
		Mapping:    []*profile.Mapping{m},
		Location:   []*profile.Location{lmain, lwork, lrare},
		Sample:     []*profile.Sample{{Location: []*profile.Location{lwork, lmain}, Value: []int64{work, work * period}}},
	}
	if rare > 0 {
		p.Sample = append(p.Sample, &profile.Sample{Location: []*profile.Location{lrare, lmain}, Value: []int64{rare, rare * period}})
	}
	var b bytes.Buffer
	if err := p.Write(&b); err != nil {
		t.Fatal(err)
	}
	r, err := cicheck.ReadProfile("run.pprof", &b, cicheck.ProfileOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestReviewPValueAboveOne: with tied values and unequal run counts,
// benchmath's U test returns p > 1, and cicheck reports it as is: the total's
// p, the headline ("p=1.1") and the JSON ("p": 1.117…). Profiles of a fixed
// amount of work at 100 Hz differ by a tick or two from run to run, so ties
// are the rule, and 10 base runs against 7 head runs is a normal input.
func TestReviewPValueAboveOne(t *testing.T) {
	var base, head []*cicheck.Run
	for _, rare := range []int64{0, 0, 0, 0, 0, 0, 1, 0, 0, 1} { // 10 runs
		base = append(base, tickProfile(t, 200, rare))
	}
	for _, rare := range []int64{1, 0, 0, 1, 0, 0, 0} { // 7 runs
		head = append(head, tickProfile(t, 200, rare))
	}
	r, err := cicheck.DiffProfiles(base, head, cicheck.DefaultConfig)
	if err != nil {
		t.Fatal(err)
	}
	var js bytes.Buffer
	if err := cicheck.RenderJSON(&js, r); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Total struct{ P float64 } `json:"total"`
	}
	if err := json.Unmarshal(js.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if r.Total.P > 1 || doc.Total.P > 1 {
		t.Errorf("total p-value %v (JSON %v) is above 1; headline %q", r.Total.P, doc.Total.P, r.Headline)
	}
	for _, f := range r.Functions {
		if f.Self.P > 1 || f.Total.P > 1 {
			t.Errorf("%s: self p %v, total p %v: above 1", f.Name, f.Self.P, f.Total.P)
		}
	}
}

// benchLines writes `go test -bench` output: each entry of ns is one
// benchmark's ns/op per run.
func benchLines(ns map[string][]float64, order ...string) string {
	var b strings.Builder
	b.WriteString("goos: linux\ngoarch: amd64\npkg: example.com/shop\n")
	for _, name := range order {
		for _, v := range ns[name] {
			fmt.Fprintf(&b, "%s \t  100000\t%10.1f ns/op\n", name, v)
		}
	}
	b.WriteString("PASS\nok  \texample.com/shop\t1.0s\n")
	return b.String()
}

func series(n int, v, step float64) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = v + float64(i)*step
	}
	return out
}

// TestReviewBenchRegressionMaskedByShortBenchmark: one benchmark with a
// 50 % slowdown over 10 runs a side, and another benchmark that ran only 3
// times a side (a slow benchmark, or -count cut by -timeout). The report
// says "too few runs" (exit 2) and hides the regression; the CI docs tell
// GitLab users to allow_failure on exit code 2, so the regression merges.
func TestReviewBenchRegressionMaskedByShortBenchmark(t *testing.T) {
	base := benchLines(map[string][]float64{
		"BenchmarkEncode-8": series(10, 1000, 1),
		"BenchmarkSlow-8":   series(3, 5e9, 1e6),
	}, "BenchmarkEncode-8", "BenchmarkSlow-8")
	head := benchLines(map[string][]float64{
		"BenchmarkEncode-8": series(10, 1500, 1),
		"BenchmarkSlow-8":   series(3, 5e9, 1e6),
	}, "BenchmarkEncode-8", "BenchmarkSlow-8")
	r, err := cicheck.DiffBench(readBench(t, "old.txt", base), readBench(t, "new.txt", head), cicheck.Calls{}, cicheck.DefaultConfig)
	if err != nil {
		t.Fatal(err)
	}
	var enc cicheck.BenchmarkChange
	for _, b := range r.Benchmarks {
		if b.Name == "BenchmarkEncode-8" {
			enc = b
		}
	}
	t.Logf("BenchmarkEncode-8: %s → %s, p=%v", fmt.Sprint(enc.Time.Base.Median), fmt.Sprint(enc.Time.Head.Median), enc.Time.P)
	if r.Verdict != cicheck.Fail || r.Verdict.ExitCode() != 1 {
		t.Errorf("verdict %s (exit %d), want fail (exit 1): BenchmarkEncode-8 is 50%% slower with p=%.2g over 10 runs a side, but %q",
			r.Verdict, r.Verdict.ExitCode(), enc.Time.P, r.Headline)
	}
}

// TestReviewBenchNothingComparedPasses: no benchmark is on both sides (here
// the head ran on a runner with another GOMAXPROCS, so every name differs in
// its -N suffix; a renamed benchmark or a -bench filter typo does the same).
// Nothing was compared, yet the verdict is pass (exit 0) and the headline
// says "No benchmark got significantly slower".
func TestReviewBenchNothingComparedPasses(t *testing.T) {
	base := benchLines(map[string][]float64{"BenchmarkEncode-8": series(10, 1000, 1)}, "BenchmarkEncode-8")
	head := benchLines(map[string][]float64{"BenchmarkEncode-4": series(10, 3000, 1)}, "BenchmarkEncode-4")
	r, err := cicheck.DiffBench(readBench(t, "old.txt", base), readBench(t, "new.txt", head), cicheck.Calls{}, cicheck.DefaultConfig)
	if err != nil {
		t.Logf("error (acceptable): %v", err)
		return
	}
	compared := 0
	for _, b := range r.Benchmarks {
		if b.Missing == "" {
			compared++
		}
	}
	if compared == 0 && r.Verdict == cicheck.Pass {
		t.Errorf("no benchmark is on both sides, yet verdict %s (exit %d): %q (runs %d+%d)", r.Verdict, r.Verdict.ExitCode(), r.Headline, r.BaseRuns, r.HeadRuns)
	}
}

// TestReviewBenchRealGoTestOutputWithPrint: real `go test -bench` output
// of a benchmark that prints to stdout (fmt.Println in the benchmark) puts
// the text between the name and the iteration count. The whole file is
// then rejected ("parsing iteration count"), so the check gives no verdict
// (exit 2) for every benchmark. benchstat reports such a line and goes on.
func TestReviewBenchRealGoTestOutputWithPrint(t *testing.T) {
	// Captured from go1.26.8: go test -run '^$' -bench . -benchmem -count 2 -benchtime=2000x
	const out = `goos: linux
goarch: amd64
pkg: example.com/b
cpu: AMD EPYC
BenchmarkQuiet-2    	    2000	      1611 ns/op	       0 B/op	       0 allocs/op
BenchmarkQuiet-2    	    2000	      2006 ns/op	       0 B/op	       0 allocs/op
BenchmarkLogs-2     	    2000	      2781 ns/op	       0 B/op	       0 allocs/op
--- BENCH: BenchmarkLogs-2
    b_test.go:23: starting
    b_test.go:23: starting
BenchmarkLogs-2     	    2000	      1607 ns/op	       0 B/op	       0 allocs/op
--- BENCH: BenchmarkLogs-2
    b_test.go:23: starting
    b_test.go:23: starting
hello from the benchmark
BenchmarkPrints-2   	hello from the benchmark
    2000	      1306 ns/op	       0 B/op	       0 allocs/op
BenchmarkPrints-2   	hello from the benchmark
hello from the benchmark
    2000	      1486 ns/op	       0 B/op	       0 allocs/op
BenchmarkSub/n=10-2 	    2000	        15.12 ns/op	        10.00 things/op	       0 B/op	       0 allocs/op
BenchmarkSub/n=10-2 	    2000	        15.33 ns/op	        10.00 things/op	       0 B/op	       0 allocs/op
PASS
ok  	example.com/b	0.143s
`
	var set cicheck.BenchSet
	if err := cicheck.ReadBench(&set, "out.txt", strings.NewReader(out)); err != nil {
		t.Fatalf("real go test output rejected: %v", err)
	}
	if got := len(set.Runs[cicheck.BenchKey{Pkg: "example.com/b", Name: "Quiet-2"}]["sec/op"]); got != 2 {
		t.Errorf("BenchmarkQuiet-2: %d runs, want 2", got)
	}
}

// TestReviewCallsPerYearSubBenchmarkWithKey: sub-benchmarks are named
// key=value by Go convention (b.Run("n=10", …) → BenchmarkSub/n=10-8), but
// NAME=N is cut at the first '=', so no such benchmark can be given its own
// calls a year.
func TestReviewCallsPerYearSubBenchmarkWithKey(t *testing.T) {
	c, err := cicheck.ParseCalls([]string{"BenchmarkSub/n=10=5e9"})
	if err != nil {
		t.Fatalf("--calls-per-year BenchmarkSub/n=10=5e9: %v", err)
	}
	if c.ByName["Sub/n=10"] != 5e9 {
		t.Errorf("ByName %v, want Sub/n=10 → 5e9", c.ByName)
	}
}

// TestReviewJUnitHidesTotalFail: a benchmark report that fails only because
// the slowdowns together exceed --max-annual-increase (no benchmark over
// the gate by itself) has verdict fail and exit 1, but its JUnit XML has
// no <failure> (failures="0"): GitLab and Jenkins show every test green.
func TestReviewJUnitHidesTotalFail(t *testing.T) {
	price := &cicheck.Pricing{PricePerCoreHour: tally.MustParseMoney("0.04", "USD")}
	calls, err := cicheck.ParseCalls([]string{"3.6e12"})
	if err != nil {
		t.Fatal(err)
	}
	limit := tally.MustParseMoney("4.00", "USD")
	cfg := cicheck.Config{Stats: cicheck.DefaultStats, Gate: cicheck.Gate{MaxIncrease: -1, MaxAnnualIncrease: &limit}, Pricing: price}
	rng := rand.New(rand.NewPCG(2026, 11))
	for range 50 {
		base := readBench(t, "old.txt", gateBenchOutput(rng, 10, []float64{0, 0, 0}))
		head := readBench(t, "new.txt", gateBenchOutput(rng, 10, []float64{0.08, 0.08, 0.08}))
		r, err := cicheck.DiffBench(base, head, calls, cfg)
		if err != nil {
			t.Fatal(err)
		}
		if r.Verdict != cicheck.Fail {
			continue
		}
		var ju bytes.Buffer
		if err := cicheck.RenderJUnit(&ju, r); err != nil {
			t.Fatal(err)
		}
		var doc struct {
			Failures int `xml:"failures,attr"`
			Errors   int `xml:"errors,attr"`
		}
		if err := xml.Unmarshal(ju.Bytes(), &doc); err != nil {
			t.Fatal(err)
		}
		if doc.Failures == 0 && doc.Errors == 0 {
			t.Errorf("verdict fail (exit %d: %s), but the JUnit report has failures=%d errors=%d:\n%s", r.Verdict.ExitCode(), r.Reason, doc.Failures, doc.Errors, ju.String())
		}
		return
	}
	t.Fatal("no failing comparison in 50 tries")
}

// realProfile writes one of the running program's real profiles (runtime/pprof).
func realProfile(t *testing.T, name string) *cicheck.Run {
	t.Helper()
	var b bytes.Buffer
	if err := rpprof.Lookup(name).WriteTo(&b, 0); err != nil {
		t.Fatal(err)
	}
	r, err := cicheck.ReadProfile(name+".out", &b, cicheck.ProfileOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestReviewBlockProfileComparedAsCPU: runs are checked to be "of one
// kind" by their unit only. A Go block (or mutex) profile's default sample
// is delay/nanoseconds, so block profiles pass as CPU profiles: a directory
// holding cpu-N.out and block-N.out from `go test -cpuprofile … -blockprofile
// …` mixes waiting time into the CPU runs, and a head side of block
// profiles is compared with a base of CPU profiles without a word.
func TestReviewBlockProfileComparedAsCPU(t *testing.T) {
	runtime.SetBlockProfileRate(1)
	defer runtime.SetBlockProfileRate(0)
	ch := make(chan int)
	go func() { time.Sleep(20 * time.Millisecond); ch <- 1 }()
	<-ch // one blocking event of ~20 ms

	block := realProfile(t, "block")
	t.Logf("block profile read as unit %q, value %v", block.Unit, block.Value)
	var base, head []*cicheck.Run
	for range 10 {
		base = append(base, tickProfile(t, 200, 0))
		head = append(head, block)
	}
	r, err := cicheck.DiffProfiles(base, head, cicheck.DefaultConfig)
	if err == nil {
		t.Errorf("CPU profiles compared with block profiles: verdict %s, %q", r.Verdict, r.Headline)
	}
}
