package cicheck_test

import (
	"bytes"
	"encoding/xml"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/cicheck"
)

// junitDoc is what a CI server reads back from the JUnit report.
type junitDoc struct {
	Suites []struct {
		Properties []struct {
			Name  string `xml:"name,attr"`
			Value string `xml:"value,attr"`
		} `xml:"properties>property"`
		Cases []struct {
			Name    string `xml:"name,attr"`
			Failure *struct {
				Message string `xml:"message,attr"`
				Text    string `xml:",chardata"`
			} `xml:"failure"`
			SystemOut string `xml:"system-out"`
		} `xml:"testcase"`
		SystemOut string `xml:"system-out"`
	} `xml:"testsuite"`
}

// TestJUnitControlCharacters: names can hold characters XML 1.0 does not
// allow, even escaped (a terminal colour escape, NUL, U+FFFE, bytes that
// are not UTF-8); the report stays well-formed and shows U+FFFD in their
// place, in attributes and in CDATA alike.
func TestJUnitControlCharacters(t *testing.T) {
	const (
		bench   = "BenchmarkX/a\x1b[31m\x01\x7f\uFFFE-8"
		benchOK = "BenchmarkX/a\uFFFD[31m\uFFFD\x7f\uFFFD-8"
		fn      = "main.f\x00\x0b\xff\xc3(ok é)"
		fnOK    = "main.f\uFFFD\uFFFD\uFFFD\uFFFD(ok é)"
	)
	old := benchOutputNamed(10, 0, bench)
	br, err := cicheck.DiffBench(readBench(t, "old.txt", old), readBench(t, "new.txt", benchOutputNamed(10, 0.3, bench)), cicheck.Calls{}, cicheck.DefaultConfig)
	if err != nil {
		t.Fatal(err)
	}
	if br.Verdict != cicheck.Fail || br.Benchmarks[0].Name != bench {
		t.Fatalf("verdict %s, benchmarks %+v", br.Verdict, br.Benchmarks)
	}
	pr := profileReport(t)
	pr.Headline = strings.ReplaceAll(pr.Headline, pr.Culprit, fn)
	pr.Culprit, pr.Functions[0].Name = fn, fn
	pr.Pricing.Source = "workload \x1b[1mshop\x1b[0m"

	for _, tc := range []struct {
		name string
		rep  *cicheck.Report
		want string
	}{{"benchmarks", br, benchOK}, {"profiles", pr, fnOK}} {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := cicheck.RenderJUnit(&b, tc.rep); err != nil {
				t.Fatal(err)
			}
			var doc junitDoc
			if err := xml.Unmarshal(b.Bytes(), &doc); err != nil {
				t.Fatalf("the report is not well-formed XML: %v\n%q", err, b.String())
			}
			s := doc.Suites[0]
			c := s.Cases[0]
			if c.Failure == nil {
				t.Fatalf("case %q has no failure", c.Name)
			}
			for what, text := range map[string]string{"failure message": c.Failure.Message, "failure text": c.Failure.Text, "suite output": s.SystemOut + c.Failure.Text} {
				if !strings.Contains(text, tc.want) {
					t.Errorf("%s %q does not show %q", what, text, tc.want)
				}
			}
			if tc.rep.Kind == cicheck.KindBenchmarks && c.Name != benchOK {
				t.Errorf("case name %q, want %q", c.Name, benchOK)
			}
		})
	}
}

// TestJUnitTotalFail: a benchmark report that fails only because the
// slowdowns together exceed the maximum annual increase (no benchmark over
// the gate by itself) exits 1; its JUnit report has a failing case for the
// total, so GitLab and Jenkins do not show every test green.
func TestJUnitTotalFail(t *testing.T) {
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
		for _, b := range r.Benchmarks {
			if b.Verdict == cicheck.Fail {
				t.Fatalf("%s fails by itself: not the case under test", b.Name)
			}
		}
		var ju bytes.Buffer
		if err := cicheck.RenderJUnit(&ju, r); err != nil {
			t.Fatal(err)
		}
		var doc struct {
			Failures int `xml:"failures,attr"`
			junitDoc
		}
		if err := xml.Unmarshal(ju.Bytes(), &doc); err != nil {
			t.Fatal(err)
		}
		cases := doc.Suites[0].Cases
		last := cases[len(cases)-1]
		if doc.Failures != 1 || last.Name != "total of the benchmarks" || last.Failure == nil ||
			last.Failure.Message != r.Headline || !strings.Contains(last.Failure.Text, "Together the slowdowns add") {
			t.Errorf("verdict fail (exit %d), but the JUnit report has failures=%d:\n%s", r.Verdict.ExitCode(), doc.Failures, ju.String())
		}
		return
	}
	t.Fatal("no failing comparison in 50 tries")
}

// TestJUnitFailureOfEachBenchmark: each failing benchmark's <failure> says
// why that benchmark failed; each carried the report's reason, which names
// the first of them.
func TestJUnitFailureOfEachBenchmark(t *testing.T) {
	order := []string{"BenchmarkEncode-8", "BenchmarkParse-8"}
	base := benchLines(map[string][]float64{"BenchmarkEncode-8": series(10, 1000, 1), "BenchmarkParse-8": series(10, 100, 0.1)}, order...)
	head := benchLines(map[string][]float64{"BenchmarkEncode-8": series(10, 1500, 1), "BenchmarkParse-8": series(10, 300, 0.1)}, order...)
	r, err := cicheck.DiffBench(readBench(t, "old.txt", base), readBench(t, "new.txt", head), cicheck.Calls{}, cicheck.DefaultConfig)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := cicheck.RenderJUnit(&out, r); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Cases []struct {
			Name    string `xml:"name,attr"`
			Failure *struct {
				Text string `xml:",chardata"`
			} `xml:"failure"`
		} `xml:"testsuite>testcase"`
	}
	if err := xml.Unmarshal(out.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	failed := 0
	for _, c := range doc.Cases {
		if c.Failure == nil {
			continue
		}
		failed++
		if want := c.Name + " got "; !strings.Contains(c.Failure.Text, want) {
			t.Errorf("failure of %s: %q, want its own reason, %q…", c.Name, c.Failure.Text, want)
		}
	}
	if failed != 2 {
		t.Errorf("%d failures, want 2:\n%s", failed, out.Bytes())
	}
}
