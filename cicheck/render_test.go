package cicheck_test

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/cicheck"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (go test -update rewrites it):\n--- got\n%s", path, got)
	}
}

// profileReport is a fixed regression: 10 runs a side, a 10 % slowdown in
// the function with half the CPU, priced by a Tally server's cost rate.
func profileReport(t *testing.T) *cicheck.Report {
	rng := rand.New(rand.NewPCG(10, 10))
	cfg := cicheck.DefaultConfig
	cfg.Pricing = &cicheck.Pricing{
		PricePerCoreHour: tally.MustParseMoney("0.0213", "USD"),
		CoreHoursPerYear: 1_250_000,
		Source:           "Tally server https://tally.example.com, workload shop/checkout, 2026-10-01 to 2026-10-31, amortized",
	}
	r, err := cicheck.DiffProfiles(synthRuns(t, rng, 10, 0, quiet), synthRuns(t, rng, 10, 0.10, quiet), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func benchReport(t *testing.T) *cicheck.Report {
	rng := rand.New(rand.NewPCG(5, 6))
	calls, _ := cicheck.ParseCalls([]string{"3e12"})
	cfg := cicheck.Config{Stats: cicheck.DefaultStats, Gate: cicheck.DefaultGate, Pricing: &cicheck.Pricing{PricePerCoreHour: tally.MustParseMoney("0.0425", "USD")}}
	r, err := cicheck.DiffBench(readBench(t, "old.txt", benchOutput(rng, 10, 0)), readBench(t, "new.txt", benchOutput(rng, 10, 0.08)), calls, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestRenderGolden(t *testing.T) {
	for _, tc := range []struct {
		name string
		rep  func(*testing.T) *cicheck.Report
	}{{"profiles", profileReport}, {"bench", benchReport}} {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.rep(t)
			var md, js, ju, ann, sum, com bytes.Buffer
			if err := cicheck.RenderMarkdown(&md, r, cicheck.MarkdownOptions{}); err != nil {
				t.Fatal(err)
			}
			if err := cicheck.RenderJSON(&js, r); err != nil {
				t.Fatal(err)
			}
			if err := cicheck.RenderJUnit(&ju, r); err != nil {
				t.Fatal(err)
			}
			opt := cicheck.GitHubOptions{SourceRoot: "/src", MarkdownOptions: cicheck.MarkdownOptions{Marker: "tally-ci"}}
			if err := cicheck.RenderGitHub(&ann, &sum, &com, r, opt); err != nil {
				t.Fatal(err)
			}
			golden(t, tc.name+".md", md.Bytes())
			golden(t, tc.name+".json", js.Bytes())
			golden(t, tc.name+".junit.xml", ju.Bytes())
			golden(t, tc.name+".annotations", ann.Bytes())
			if !bytes.Equal(sum.Bytes(), md.Bytes()) {
				t.Error("the job summary differs from the markdown")
			}
			if !bytes.HasPrefix(com.Bytes(), []byte("<!-- tally-ci -->\n")) || !bytes.HasSuffix(com.Bytes(), md.Bytes()) {
				t.Errorf("comment does not start with the hidden marker and the markdown:\n%s", com.Bytes())
			}
			var doc struct {
				Tests    int `xml:"tests,attr"`
				Failures int `xml:"failures,attr"`
			}
			if err := xml.Unmarshal(ju.Bytes(), &doc); err != nil || doc.Failures == 0 {
				t.Errorf("junit: %v, %+v", err, doc)
			}
			var back map[string]any
			if err := json.Unmarshal(js.Bytes(), &back); err != nil || back["verdict"] != "fail" {
				t.Errorf("json: %v, verdict %v", err, back["verdict"])
			}
		})
	}
}

func TestHeadlineReadsWell(t *testing.T) {
	r := profileReport(t)
	// "this change adds $X/yr (95% CI $a–$b), mostly in pkg.Func"
	if !strings.HasPrefix(r.Headline, "This change adds $") || !strings.Contains(r.Headline, "/yr (95% CI $") ||
		!strings.HasSuffix(r.Headline, ", mostly in shop.(*Cart).Total.") {
		t.Errorf("headline %q", r.Headline)
	}
	if r.Verdict != cicheck.Fail || r.Culprit != target {
		t.Errorf("verdict %s, culprit %q", r.Verdict, r.Culprit)
	}
}

func TestMarkdownSizeLimit(t *testing.T) {
	r := profileReport(t)
	var full bytes.Buffer
	if err := cicheck.RenderMarkdown(&full, r, cicheck.MarkdownOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, limit := range []int{full.Len(), full.Len() - 1, 1500, 200, 10} {
		var b bytes.Buffer
		if err := cicheck.RenderMarkdown(&b, r, cicheck.MarkdownOptions{MaxBytes: limit}); err != nil {
			t.Fatal(err)
		}
		if b.Len() > limit || !utf8.Valid(b.Bytes()) {
			t.Errorf("limit %d: wrote %d bytes (valid UTF-8: %v)", limit, b.Len(), utf8.Valid(b.Bytes()))
		}
		if limit >= 1500 && !strings.Contains(b.String(), "This change adds") {
			t.Errorf("limit %d: the headline was cut:\n%s", limit, b.String())
		}
	}
}

func TestInsufficientJSONHasNoInfinities(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	r, err := cicheck.DiffProfiles(synthRuns(t, rng, 2, 0, quiet), synthRuns(t, rng, 2, 0, quiet), cicheck.DefaultConfig)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := cicheck.RenderJSON(&b, r); err != nil {
		t.Fatalf("json: %v", err)
	}
	if !strings.Contains(b.String(), `"lo": null`) || !strings.Contains(b.String(), `"needRuns": 7`) {
		t.Errorf("json:\n%s", b.String())
	}
	var ann bytes.Buffer
	if err := cicheck.RenderGitHub(&ann, nil, nil, r, cicheck.GitHubOptions{}); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(ann.String(), "::error title=Tally cost check%3A too few runs::Too few runs for a verdict: have 2 base and 2 head profiles, need at least 7 of each.") {
		t.Errorf("annotation %q", ann.String())
	}
}

func TestAnnotationsEscapeAndPoint(t *testing.T) {
	r := profileReport(t)
	r.Headline = "100% up,\nreally: yes"
	var ann bytes.Buffer
	if err := cicheck.RenderGitHub(&ann, nil, nil, r, cicheck.GitHubOptions{SourceRoot: "/src/"}); err != nil {
		t.Fatal(err)
	}
	first, _, _ := strings.Cut(ann.String(), "\n")
	want := "::error file=shop/cart.go,line=42,title=Cost regression::100%25 up,%0Areally: yes "
	if !strings.HasPrefix(first, want) {
		t.Errorf("annotation\n%q\nwant prefix\n%q", first, want)
	}
}

func TestRepoPath(t *testing.T) {
	for _, tc := range []struct{ file, root, module, want string }{
		{"/home/runner/work/shop/shop/cart/cart.go", "/home/runner/work/shop/shop", "", "cart/cart.go"},
		{"github.com/acme/shop/cart/cart.go", "/w", "github.com/acme/shop", "cart/cart.go"},
		{"/usr/local/go/src/runtime/malloc.go", "/home/runner/work/shop/shop", "github.com/acme/shop", ""},
		{`C:\a\b\c.go`, `C:\a`, "", "b/c.go"},
	} {
		got, ok := cicheck.RepoPath(tc.file, tc.root, tc.module)
		if got != tc.want || ok != (tc.want != "") {
			t.Errorf("RepoPath(%q, %q, %q) = %q, %v; want %q", tc.file, tc.root, tc.module, got, ok, tc.want)
		}
	}
}

func TestParseThreshold(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want float64
		ok   bool
	}{
		{"2%", 0.02, true}, {" 2.5 % ", 0.025, true}, {"0.02", 0.02, true}, {"0", 0, true},
		{"", 0, false}, {"%", 0, false}, {"-1%", 0, false}, {"NaN%", 0, false}, {"two", 0, false}, {"1e400", 0, false},
	} {
		got, err := cicheck.ParseThreshold(tc.in)
		if (err == nil) != tc.ok || (tc.ok && abs(got-tc.want) > 1e-12) {
			t.Errorf("ParseThreshold(%q) = %v, %v", tc.in, got, err)
		}
		if err != nil && tally.ErrorCode(err) != tally.EInvalid {
			t.Errorf("ParseThreshold(%q): code %s", tc.in, tally.ErrorCode(err))
		}
	}
}

// TestParseThresholdBareNumber: a bare number is a fraction, so "2" was a
// 200% threshold, a gate that passes every change under a tripling, from
// someone who meant 2% (the help's example). A bare number of 1 or more is
// refused, naming both readings; "200%" still says 200%.
func TestParseThresholdBareNumber(t *testing.T) {
	for _, in := range []string{"2", "5", "1", " 10 "} {
		_, err := cicheck.ParseThreshold(in)
		if tally.ErrorCode(err) != tally.EInvalid || !strings.Contains(fmt.Sprint(err), "a number without % is a fraction") {
			t.Errorf("ParseThreshold(%q): %v, want a usage error", in, err)
		}
	}
	if got, err := cicheck.ParseThreshold("200%"); err != nil || abs(got-2) > 1e-12 {
		t.Errorf(`ParseThreshold("200%%") = %v, %v`, got, err)
	}
	if got, err := cicheck.ParseThreshold("0.5"); err != nil || abs(got-0.5) > 1e-12 {
		t.Errorf(`ParseThreshold("0.5") = %v, %v`, got, err)
	}
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

// A function the base never ran (a new sort in a hot loop) is annotated as
// new CPU, not as "uses new more CPU".
func TestAnnotationOfNewFunction(t *testing.T) {
	r := profileReport(t)
	var f *cicheck.FunctionChange
	for i := range r.Functions {
		if r.Functions[i].Name != r.Culprit {
			f = &r.Functions[i]
			break
		}
	}
	if f == nil {
		t.Fatal("no function besides the culprit")
	}
	f.Self = cicheck.Change{Head: cicheck.Estimate{Median: 4750}, Delta: 4750, New: true, P: 0.0002, Significant: true}
	f.SelfAnnual = nil
	var ann bytes.Buffer
	if err := cicheck.RenderGitHub(&ann, nil, nil, r, cicheck.GitHubOptions{}); err != nil {
		t.Fatal(err)
	}
	want := f.Name + " uses CPU it did not use before: self 4.750µs per unit of work, 0s before (p=0.0002)"
	if !strings.Contains(ann.String(), want) {
		t.Errorf("annotations:\n%s\nwant a line with %q", ann.String(), want)
	}
}
