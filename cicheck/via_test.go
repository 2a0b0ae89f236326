package cicheck_test

import (
	"strings"
	"testing"

	"github.com/tallyhq/tally/cicheck"
)

// cartRuns are n profiles of a cart service: main → shop.Handle →
// shop.(*Cart).Total, which spends sorted µs per unit of work in a
// standard library sort it calls (none on the base side).
func cartRuns(n int, sorted float64) []*cicheck.Run {
	var runs []*cicheck.Run
	for i := range n {
		jitter := float64(i%5) * 0.01
		loop := 1.5 + jitter
		sort := sorted * (1 + jitter)
		total := 0.2 + 0.3 + loop + sort
		r := &cicheck.Run{Name: "run", SampleType: "cpu/nanoseconds", Unit: "nanoseconds", Value: total,
			Self:  map[string]float64{"main.main": 0.2, "shop.Handle": 0.3, "shop.(*Cart).Total": loop},
			Total: map[string]float64{"main.main": total, "shop.Handle": total - 0.2, "shop.(*Cart).Total": loop + sort},
			Funcs: map[string]cicheck.Source{
				"main.main":          {File: "/w/shop/cmd/main.go", Line: 9},
				"shop.Handle":        {File: "/w/shop/handle.go", Line: 20},
				"shop.(*Cart).Total": {File: "/w/shop/cart.go", Line: 7},
			},
		}
		if sort > 0 {
			r.Self["slices.partitionOrdered"] = sort * 0.6
			r.Self["slices.insertionSortOrdered"] = sort * 0.4
			r.Total["slices.pdqsortOrdered"] = sort
			r.Total["slices.partitionOrdered"] = sort * 0.6
			r.Total["slices.insertionSortOrdered"] = sort * 0.4
			r.Funcs["slices.pdqsortOrdered"] = cicheck.Source{File: "/usr/local/go/src/slices/zsortordered.go", Line: 63}
			r.Funcs["slices.partitionOrdered"] = cicheck.Source{File: "/usr/local/go/src/slices/zsortordered.go", Line: 137}
			r.Funcs["slices.insertionSortOrdered"] = cicheck.Source{File: "/usr/local/go/src/slices/zsortordered.go", Line: 12}
		}
		runs = append(runs, r)
	}
	return runs
}

// A regression whose CPU is all in library code names the project's
// function it was reached from: the deepest one holding most of it.
func TestCulpritInLibraryNamesOwnCaller(t *testing.T) {
	cfg := cicheck.DefaultConfig
	cfg.Own = func(s cicheck.Source) bool { return strings.HasPrefix(s.File, "/w/shop/") }
	r, err := cicheck.DiffProfiles(cartRuns(10, 0), cartRuns(10, 28), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if r.Culprit != "slices.partitionOrdered" || r.Via != "shop.(*Cart).Total" {
		t.Fatalf("culprit %q via %q, want slices.partitionOrdered via shop.(*Cart).Total", r.Culprit, r.Via)
	}
	if !strings.Contains(r.Headline, "mostly in slices.partitionOrdered, under shop.(*Cart).Total.") {
		t.Errorf("headline %q", r.Headline)
	}
	var ann strings.Builder
	if err := cicheck.RenderGitHub(&ann, nil, nil, r, cicheck.GitHubOptions{SourceRoot: "/w/shop"}); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(ann.String(), "::error file=cart.go,line=7,") {
		t.Errorf("annotation %q, want it at cart.go:7", ann.String())
	}
	var md strings.Builder
	if err := cicheck.RenderMarkdown(&md, r, cicheck.MarkdownOptions{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(md.String(), "` slices.partitionOrdered `, under ` shop.(*Cart).Total `") {
		t.Errorf("markdown headline:\n%s", md.String())
	}

	// Without knowing the project's code, or when the culprit is the
	// project's own, there is no "under".
	for _, own := range []func(cicheck.Source) bool{nil, func(cicheck.Source) bool { return true }} {
		cfg.Own = own
		r, err := cicheck.DiffProfiles(cartRuns(10, 0), cartRuns(10, 28), cfg)
		if err != nil {
			t.Fatal(err)
		}
		if r.Via != "" || strings.Contains(r.Headline, "under") {
			t.Errorf("via %q, headline %q", r.Via, r.Headline)
		}
	}
}
