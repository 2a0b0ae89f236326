package cicheck_test

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
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
		{"BenchmarkX-8 x 1 ns/op\nBenchmarkY-8 y 1 ns/op\n", "old.txt:1: parsing iteration count: invalid syntax (and no benchmark result in old.txt could be read)"},
	} {
		var set cicheck.BenchSet
		err := cicheck.ReadBench(&set, "old.txt", strings.NewReader(tc.text))
		if err == nil || tally.ErrorCode(err) != tally.EInvalid || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: err %v, want %q", tc.text, err, tc.want)
		}
	}
}

// TestReadBenchReadError: a file that cannot be read (a directory given as
// a file) is named once, without benchfmt's line 0: it said "read dir:
// dir:0: read dir: is a directory".
func TestReadBenchReadError(t *testing.T) {
	dir := t.TempDir()
	f, err := os.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var set cicheck.BenchSet
	err = cicheck.ReadBench(&set, dir, f)
	if want := "read " + dir + ": is a directory"; err == nil || tally.ErrorCode(err) != tally.EInvalid || err.Error() != want {
		t.Errorf("err %v, want %q", err, want)
	}
}

func TestParseCalls(t *testing.T) {
	// Sub-benchmarks are named key=value by convention: NAME=N is cut at the last '='.
	c, err := cicheck.ParseCalls([]string{"2e9", "BenchmarkParse=10", "Encode-8=5", "BenchmarkSub/n=10=5e9"})
	if err != nil || c.Default != 2e9 || c.ByName["Parse"] != 10 || c.ByName["Encode-8"] != 5 || c.ByName["Sub/n=10"] != 5e9 {
		t.Fatalf("%+v %v", c, err)
	}
	for _, bad := range []string{"x", "A=-1", "A=NaN", "=", "Inf", "A=1=", "A=1=x"} {
		if _, err := cicheck.ParseCalls([]string{bad}); tally.ErrorCode(err) != tally.EInvalid {
			t.Errorf("%q: err %v", bad, err)
		}
	}
	// A value given twice, or a name left out, was taken silently: the last
	// of two won, and "=5" read as a benchmark named "".
	for _, tc := range []struct {
		entries []string
		want    string
	}{
		{[]string{"1e9", "2e9"}, `calls per year "2e9": the calls a year of every benchmark are given twice ("1e9" and "2e9")`},
		{[]string{"A=1e9", "BenchmarkA=2e9"}, `calls per year "BenchmarkA=2e9": A's are given twice ("A=1e9" and "BenchmarkA=2e9")`},
		{[]string{"=5"}, `calls per year "=5": no benchmark name before '=': want NAME=NUMBER, or a NUMBER for every benchmark`},
	} {
		_, err := cicheck.ParseCalls(tc.entries)
		if tally.ErrorCode(err) != tally.EInvalid || err.Error() != tc.want {
			t.Errorf("%q: err %v, want %q", tc.entries, err, tc.want)
		}
	}
}

// benchLines writes `go test -bench` output: each entry of ns is one
// benchmark's ns/op per run, written in order.
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

// TestDiffBenchShortBenchmark: a benchmark with too few runs (a slow one,
// or -count cut by -timeout) does not hide a regression in another one:
// the report fails (exit 1) and a note names the short benchmark. Without
// a regression there is no verdict (exit 2), as more runs could still fail.
func TestDiffBenchShortBenchmark(t *testing.T) {
	order := []string{"BenchmarkEncode-8", "BenchmarkSlow-8"}
	base := benchLines(map[string][]float64{"BenchmarkEncode-8": series(10, 1000, 1), "BenchmarkSlow-8": series(3, 5e9, 1e6)}, order...)
	for _, tc := range []struct {
		name    string
		encode  float64 // head's ns/op of BenchmarkEncode-8
		verdict cicheck.Verdict
	}{
		{"regression fails", 1500, cicheck.Fail},
		{"no regression: no verdict", 1000, cicheck.Insufficient},
	} {
		t.Run(tc.name, func(t *testing.T) {
			head := benchLines(map[string][]float64{"BenchmarkEncode-8": series(10, tc.encode, 1), "BenchmarkSlow-8": series(3, 5e9, 1e6)}, order...)
			r, err := cicheck.DiffBench(readBench(t, "old.txt", base), readBench(t, "new.txt", head), cicheck.Calls{}, cicheck.DefaultConfig)
			if err != nil {
				t.Fatal(err)
			}
			if r.Verdict != tc.verdict {
				t.Fatalf("verdict %s (exit %d), want %s: %q %q", r.Verdict, r.Verdict.ExitCode(), tc.verdict, r.Headline, r.Reason)
			}
			if tc.verdict == cicheck.Fail {
				if r.Verdict.ExitCode() != 1 || !strings.Contains(r.Headline, "BenchmarkEncode-8") || strings.Contains(r.Headline, "BenchmarkSlow") {
					t.Errorf("exit %d, headline %q", r.Verdict.ExitCode(), r.Headline)
				}
				if r.Benchmarks[0].Name != "BenchmarkEncode-8" {
					t.Errorf("the failing benchmark is not listed first: %s", r.Benchmarks[0].Name)
				}
				if len(r.Warnings) != 1 || !strings.Contains(r.Warnings[0], "Too few runs to judge BenchmarkSlow-8 (3+3)") {
					t.Errorf("notes %q, want one naming BenchmarkSlow-8 (3+3)", r.Warnings)
				}
				var text bytes.Buffer
				if err := cicheck.RenderText(&text, r, 10); err != nil || !strings.Contains(text.String(), "Note: Too few runs to judge BenchmarkSlow-8") {
					t.Errorf("text report lacks the note (%v):\n%s", err, text.String())
				}
			} else if !strings.Contains(r.Headline, "BenchmarkSlow-8 (3+3)") || r.NeedRuns != 7 {
				t.Errorf("headline %q, need %d", r.Headline, r.NeedRuns)
			}
		})
	}
}

// TestDiffBenchNothingCompared: when no benchmark ran on both sides (a
// renamed benchmark, a -bench typo) nothing was compared: no verdict (exit
// 2), saying so and naming benchmarks of each side; the JUnit report
// carries the error too.
func TestDiffBenchNothingCompared(t *testing.T) {
	base := benchLines(map[string][]float64{"BenchmarkEncode-8": series(10, 1000, 1)}, "BenchmarkEncode-8")
	names := []string{"BenchmarkDecode-8", "BenchmarkA-8", "BenchmarkB-8", "BenchmarkC-8"}
	head := benchLines(map[string][]float64{"BenchmarkDecode-8": series(10, 3000, 1), "BenchmarkA-8": series(10, 1, 0), "BenchmarkB-8": series(10, 1, 0), "BenchmarkC-8": series(10, 1, 0)}, names...)
	r, err := cicheck.DiffBench(readBench(t, "old.txt", base), readBench(t, "new.txt", head), cicheck.Calls{}, cicheck.DefaultConfig)
	if err != nil {
		t.Fatal(err)
	}
	if r.Verdict != cicheck.Insufficient || r.Verdict.ExitCode() != 2 || r.NeedRuns != 0 {
		t.Fatalf("verdict %s (exit %d, need %d), want no verdict: %q", r.Verdict, r.Verdict.ExitCode(), r.NeedRuns, r.Headline)
	}
	if !strings.Contains(r.Headline, "nothing was compared") ||
		!strings.Contains(r.Reason, "The base has BenchmarkEncode-8; the head has BenchmarkDecode-8, BenchmarkA-8, BenchmarkB-8, 1 more.") {
		t.Errorf("headline %q, reason %q", r.Headline, r.Reason)
	}
	var md, ju bytes.Buffer
	if err := cicheck.RenderMarkdown(&md, r, cicheck.MarkdownOptions{}); err != nil || !strings.Contains(md.String(), "no verdict (nothing compared)") || strings.Contains(md.String(), "too few runs") {
		t.Errorf("markdown (%v):\n%s", err, md.String())
	}
	if err := cicheck.RenderJUnit(&ju, r); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Errors int `xml:"errors,attr"`
	}
	if err := xml.Unmarshal(ju.Bytes(), &doc); err != nil || doc.Errors != 1 || !strings.Contains(ju.String(), `type="nothing-compared"`) {
		t.Errorf("JUnit errors=%d (%v):\n%s", doc.Errors, err, ju.String())
	}
}

// TestDiffBenchGOMAXPROCS: when the sides ran with different GOMAXPROCS,
// every name differs by its -N suffix (none for 1); the benchmarks are
// compared by their names without it, and a note says so.
func TestDiffBenchGOMAXPROCS(t *testing.T) {
	for _, tc := range []struct{ base, head, name, note string }{
		{"BenchmarkEncode-8", "BenchmarkEncode-4", "BenchmarkEncode", "names ending in -8 in the base, ending in -4 in the head"},
		{"BenchmarkEncode", "BenchmarkEncode-4", "BenchmarkEncode", "names without a -N suffix in the base, ending in -4 in the head"},
		{"BenchmarkSub/n=10-2", "BenchmarkSub/n=10-16", "BenchmarkSub/n=10", "-2 in the base, ending in -16"},
	} {
		base := benchLines(map[string][]float64{tc.base: series(10, 1000, 1)}, tc.base)
		head := benchLines(map[string][]float64{tc.head: series(10, 3000, 1)}, tc.head)
		calls, _ := cicheck.ParseCalls([]string{tc.name + "=1e12"})
		cfg := cicheck.DefaultConfig
		cfg.Pricing = &cicheck.Pricing{PricePerCoreHour: tally.MustParseMoney("0.04", "USD")}
		r, err := cicheck.DiffBench(readBench(t, "old.txt", base), readBench(t, "new.txt", head), calls, cfg)
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Benchmarks) != 1 || r.Benchmarks[0].Name != tc.name || r.Benchmarks[0].Missing != "" || r.Verdict != cicheck.Fail || r.Benchmarks[0].CallsPerYear != 1e12 {
			t.Errorf("%s vs %s: verdict %s, benchmarks %+v", tc.base, tc.head, r.Verdict, r.Benchmarks)
		}
		if len(r.Warnings) != 1 || !strings.Contains(r.Warnings[0], tc.note) {
			t.Errorf("%s vs %s: notes %q, want %q", tc.base, tc.head, r.Warnings, tc.note)
		}
	}
	// The same GOMAXPROCS on both sides: a name ending in a number is not
	// paired with another.
	base := benchLines(map[string][]float64{"BenchmarkSize-1024-8": series(10, 1000, 1), "BenchmarkX-8": series(10, 1, 0)}, "BenchmarkSize-1024-8", "BenchmarkX-8")
	head := benchLines(map[string][]float64{"BenchmarkSize-2048-8": series(10, 3000, 1), "BenchmarkX-8": series(10, 1, 0)}, "BenchmarkSize-2048-8", "BenchmarkX-8")
	r, err := cicheck.DiffBench(readBench(t, "old.txt", base), readBench(t, "new.txt", head), cicheck.Calls{}, cicheck.DefaultConfig)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Benchmarks) != 3 || len(r.Warnings) != 0 || r.Verdict != cicheck.Pass {
		t.Errorf("verdict %s, notes %q, benchmarks %+v", r.Verdict, r.Warnings, r.Benchmarks)
	}
}

// TestReadBenchSkipsMalformedLines: real `go test -bench` output of a
// benchmark that prints to stdout puts the text between the name and the
// iteration count. As benchstat does, such a line is skipped with a note
// naming file:line; the other benchmarks are read.
func TestReadBenchSkipsMalformedLines(t *testing.T) {
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
	for name, want := range map[string]int{"Quiet-2": 2, "Logs-2": 2, "Sub/n=10-2": 2, "Prints-2": 0} {
		if got := len(set.Runs[cicheck.BenchKey{Pkg: "example.com/b", Name: name}]["sec/op"]); got != want {
			t.Errorf("Benchmark%s: %d runs, want %d", name, got, want)
		}
	}
	if len(set.Warnings) != 3 || !strings.HasPrefix(set.Warnings[0], "out.txt:16: malformed benchmark line skipped (parsing iteration count") ||
		!strings.HasPrefix(set.Warnings[1], "out.txt:18: ") || !strings.Contains(set.Warnings[2], "prints to stdout") {
		t.Errorf("warnings %q", set.Warnings)
	}
	// The notes reach the report, once.
	r, err := cicheck.DiffBench(&set, &set, cicheck.Calls{}, cicheck.DefaultConfig)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Warnings) != 3 || r.Warnings[0] != set.Warnings[0] {
		t.Errorf("report notes %q", r.Warnings)
	}
	// Many bad lines: the first few are named.
	var many strings.Builder
	many.WriteString("BenchmarkA-8 100 12 ns/op\n")
	for range 8 {
		many.WriteString("BenchmarkA-8 x 12 ns/op\n")
	}
	set = cicheck.BenchSet{}
	if err := cicheck.ReadBench(&set, "many.txt", strings.NewReader(many.String())); err != nil {
		t.Fatal(err)
	}
	if len(set.Warnings) != 7 || set.Warnings[5] != "many.txt: 3 more malformed lines skipped." {
		t.Errorf("warnings %q", set.Warnings)
	}
}
