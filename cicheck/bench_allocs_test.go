package cicheck_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/cicheck"
)

// TestMarkdownAllocationsFromZero: a change that makes a benchmark allocate
// where it did not (a slice cloned before a sort) shows its allocations as
// new, not as a change of +0.00 %.
func TestMarkdownAllocationsFromZero(t *testing.T) {
	side := func(slow float64, allocs, bytes int) string {
		var b strings.Builder
		b.WriteString("pkg: example.com/shop\n")
		for i := range 10 {
			fmt.Fprintf(&b, "BenchmarkTotal-8 \t 100000\t%.1f ns/op\t%d B/op\t%d allocs/op\n", 1000*(1+slow)+float64(i), bytes, allocs)
		}
		return b.String()
	}
	r, err := cicheck.DiffBench(readBench(t, "old.txt", side(0, 0, 0)), readBench(t, "new.txt", side(0.5, 1, 8192)), cicheck.Calls{}, cicheck.DefaultConfig)
	if err != nil {
		t.Fatal(err)
	}
	var md bytes.Buffer
	if err := cicheck.RenderMarkdown(&md, r, cicheck.MarkdownOptions{}); err != nil {
		t.Fatal(err)
	}
	var row string
	for _, line := range strings.Split(md.String(), "\n") {
		if strings.Contains(line, "BenchmarkTotal-8 ` |") {
			row = line
		}
	}
	cells := strings.Split(strings.Trim(row, "| "), " | ")
	if len(cells) < 2 {
		t.Fatalf("no row of BenchmarkTotal-8 in\n%s", md.String())
	}
	allocs, bytesOp := cells[len(cells)-2], cells[len(cells)-1]
	if allocs != "0 → 1 (new)" || bytesOp != "0 B → 8.192k B (new)" {
		t.Errorf("allocs/op %q, B/op %q; want \"0 → 1 (new)\" and \"0 B → 8.192k B (new)\"", allocs, bytesOp)
	}
}

// TestBenchHeadlineCountsPricedSlowdowns: with calls a year for one of two
// slower benchmarks, the headline's money is that one's; it said "adds
// $X/yr across 2 benchmarks" of one benchmark's amount.
func TestBenchHeadlineCountsPricedSlowdowns(t *testing.T) {
	order := []string{"BenchmarkEncode-8", "BenchmarkParse-8"}
	base := benchLines(map[string][]float64{"BenchmarkEncode-8": series(10, 1000, 1), "BenchmarkParse-8": series(10, 100, 0.1)}, order...)
	head := benchLines(map[string][]float64{"BenchmarkEncode-8": series(10, 1500, 1), "BenchmarkParse-8": series(10, 300, 0.1)}, order...)
	calls, err := cicheck.ParseCalls([]string{"BenchmarkEncode=3.6e12"})
	if err != nil {
		t.Fatal(err)
	}
	cfg := cicheck.DefaultConfig
	cfg.Pricing = &cicheck.Pricing{PricePerCoreHour: tally.MustParseMoney("0.04", "USD")}
	r, err := cicheck.DiffBench(readBench(t, "old.txt", base), readBench(t, "new.txt", head), calls, cfg)
	if err != nil {
		t.Fatal(err)
	}
	// 500 ns/op × 3.6e12 calls = 500 core-hours a year, at $0.04: $20.
	want := "This change adds $20.00/yr"
	tail := ", in BenchmarkEncode-8 (+49.8% per op); 1 other benchmark is slower too, with no calls a year to price it."
	if !strings.HasPrefix(r.Headline, want) || !strings.HasSuffix(r.Headline, tail) {
		t.Errorf("headline %q, want %q … %q", r.Headline, want, tail)
	}
}
