package cicheck

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"
)

// JUnit XML, as GitLab, Jenkins, CircleCI and Azure Pipelines read it.
type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Properties []junitProperty `xml:"properties>property,omitempty"`
	Cases      []junitCase     `xml:"testcase"`
	SystemOut  *junitText      `xml:"system-out,omitempty"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Classname string        `xml:"classname,attr"`
	Name      string        `xml:"name,attr"`
	Failure   *junitProblem `xml:"failure,omitempty"`
	Error     *junitProblem `xml:"error,omitempty"`
	SystemOut *junitText    `xml:"system-out,omitempty"`
}

// junitText and junitProblem.Text are written as CDATA, which encoding/xml
// copies unchanged: build them with xmlChars. (Attributes and character
// data it escapes itself, turning what XML cannot hold into U+FFFD.)
type junitText struct {
	Text string `xml:",cdata"`
}

type junitProblem struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",cdata"`
}

// xmlChars replaces what an XML 1.0 document cannot contain, even escaped,
// with U+FFFD, as encoding/xml does for attributes: control characters
// other than tab, line feed and carriage return, surrogates, U+FFFE and
// U+FFFF, and bytes that are not UTF-8. Names from the pull request's
// benchmarks and profiles can hold any of them (a colour escape, say).
func xmlChars(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 || !xmlChar(r) {
			r = utf8.RuneError
		}
		b.WriteRune(r)
		i += n
	}
	return b.String()
}

// xmlChar reports whether XML 1.0 allows r (its production Char).
func xmlChar(r rune) bool {
	return r == '\t' || r == '\n' || r == '\r' ||
		r >= 0x20 && r <= 0xD7FF || r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF
}

// RenderJUnit writes r as JUnit XML: one test case for the cost of the
// profiled workload, or one per benchmark. A regression is a <failure>, no
// verdict (too few runs) an <error>; the headline and the method go to
// <system-out>. When the report fails, or has no verdict, and no benchmark
// case says so (the slowdowns fail only together, or nothing was
// compared), a case for the total carries it, so a CI server's count of
// failures and errors agrees with the exit status.
func RenderJUnit(w io.Writer, r *Report) error {
	suite := junitSuite{Name: "tally ci " + map[string]string{KindProfiles: "diff", KindBenchmarks: "bench"}[r.Kind]}
	suite.Properties = []junitProperty{
		{"verdict", string(r.Verdict)},
		{"alpha", fmt.Sprint(r.Alpha)},
		{"confidence", fmt.Sprint(r.CI)},
		{"gate", r.Gate.String()},
	}
	if r.Pricing != nil {
		suite.Properties = append(suite.Properties, junitProperty{"pricing", r.Pricing.String()})
	}
	var detail bytes.Buffer
	writeText(&detail, r, 0)
	switch r.Kind {
	case KindProfiles:
		c := junitCase{Classname: "tally.ci.diff", Name: "CPU cost per unit of work"}
		problem(&c, r.Verdict, r.Headline, detail.String())
		suite.Cases = append(suite.Cases, c)
	case KindBenchmarks:
		suite.SystemOut = &junitText{xmlChars(detail.String())}
		for _, b := range r.Benchmarks {
			c := junitCase{Classname: "tally.ci.bench" + pkgSuffix(b.Pkg), Name: b.Name}
			line := benchLine(b, r)
			text := line
			if b.Verdict == Fail {
				text += "\n" + benchFailReason(b, r.Gate)
			}
			problem(&c, b.Verdict, line, text)
			suite.Cases = append(suite.Cases, c)
		}
		if (r.Verdict == Fail || r.Verdict == Insufficient) && !slices.ContainsFunc(suite.Cases, func(c junitCase) bool {
			return c.Failure != nil && r.Verdict == Fail || c.Error != nil && r.Verdict == Insufficient
		}) {
			c := junitCase{Classname: "tally.ci.bench", Name: "total of the benchmarks"}
			problem(&c, r.Verdict, r.Headline, r.Headline+"\n"+r.Reason)
			if c.Error != nil && r.NeedRuns == 0 {
				c.Error.Type = "nothing-compared"
			}
			suite.Cases = append(suite.Cases, c)
		}
	}
	for _, c := range suite.Cases {
		suite.Tests++
		if c.Failure != nil {
			suite.Failures++
		}
		if c.Error != nil {
			suite.Errors++
		}
	}
	doc := junitSuites{Name: "tally ci", Tests: suite.Tests, Failures: suite.Failures, Errors: suite.Errors, Suites: []junitSuite{suite}}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("write junit: %w", err)
	}
	_, err := io.WriteString(w, "\n")
	return err
}

func pkgSuffix(pkg string) string {
	if pkg == "" {
		return ""
	}
	return "." + pkg
}

// problem marks a case failed (regression) or in error (too few runs); the
// details go to the failure's text, or to system-out when it passed.
func problem(c *junitCase, v Verdict, msg, detail string) {
	detail = xmlChars(detail)
	switch v {
	case Fail:
		c.Failure = &junitProblem{Message: msg, Type: "cost-regression", Text: detail}
	case Insufficient:
		c.Error = &junitProblem{Message: msg, Type: "too-few-runs", Text: detail}
	default:
		c.SystemOut = &junitText{detail}
	}
}

func benchLine(b BenchmarkChange, r *Report) string {
	if b.Missing != "" {
		return fmt.Sprintf("%s: not in %s", b.Name, b.Missing)
	}
	s := fmt.Sprintf("%s: time/op %s → %s (%s, %s CI %s, %s, %d+%d runs)", b.Name,
		formatValue(b.Time.Base.Median*1e9, "nanoseconds"), formatValue(b.Time.Head.Median*1e9, "nanoseconds"),
		formatPct(b.Time.Rel), pctLabel(r.CI), pctRange(b.Time.RelLo, b.Time.RelHi), pText(b.Time.P), b.Time.Base.N, b.Time.Head.N)
	if b.Annual != nil {
		s += fmt.Sprintf(", %s/yr (%s)", formatSignedMoney(b.Annual.Amount, b.Annual.places()), b.Annual.rangeText())
	}
	return s
}

// RenderText writes r as plain text, for logs and terminals, with at most
// top rows of functions or benchmarks (zero or less: 10).
func RenderText(w io.Writer, r *Report, top int) error {
	if top <= 0 {
		top = 10
	}
	var b bytes.Buffer
	writeText(&b, r, top)
	_, err := w.Write(b.Bytes())
	return err
}

// writeText writes r as text with at most top rows; top ≤ 0 shows 10
// functions and every benchmark.
func writeText(b *bytes.Buffer, r *Report, top int) {
	fmt.Fprintf(b, "%s\n%s\n", r.Headline, r.Reason)
	switch r.Kind {
	case KindProfiles:
		t := r.Total
		fmt.Fprintf(b, "\nCPU per unit of work: %s → %s (%s, %s CI %s, %s, %d+%d runs)\n",
			formatValue(t.Base.Median, r.Unit), formatValue(t.Head.Median, r.Unit), formatPct(t.Rel), pctLabel(r.CI), pctRange(t.RelLo, t.RelHi), pText(t.P), r.BaseRuns, r.HeadRuns)
		if a := r.TotalAnnual; a != nil {
			fmt.Fprintf(b, "Cost per year: %s (%s)\n", formatSignedMoney(a.Amount, a.places()), a.rangeText())
		}
		if len(r.Functions) > 0 {
			b.WriteString("\nFunctions (self CPU per unit of work):\n")
		}
		fnTop := top
		if fnTop <= 0 {
			fnTop = 10
		}
		for i, f := range r.Functions {
			if i == fnTop {
				if top > 0 {
					fmt.Fprintf(b, "… %s changed less (--format json lists them all)\n", plural(len(r.Functions)-fnTop, "more function", "more functions"))
				}
				break
			}
			sig := ""
			if f.Self.Significant {
				sig = " *"
			}
			fmt.Fprintf(b, "  %-50s %s → %s  %s%s  %s\n", f.Name, formatValue(f.Self.Base.Median, r.Unit), formatValue(f.Self.Head.Median, r.Unit), relOrNew(f.Self), sig, pText(f.Self.P))
		}
	case KindBenchmarks:
		b.WriteString("\n")
		for i, bc := range r.Benchmarks {
			if top > 0 && i == top {
				fmt.Fprintf(b, "… %s (--format json lists them all)\n", plural(len(r.Benchmarks)-top, "more benchmark", "more benchmarks"))
				break
			}
			b.WriteString(benchLine(bc, r) + "\n")
		}
	}
	if r.Pricing != nil {
		fmt.Fprintf(b, "\nPrice: %s\n", r.Pricing)
	}
	fmt.Fprintf(b, "Gate: %s.\n", strings.TrimSuffix(r.Gate.String(), "."))
	for _, w := range r.Warnings {
		fmt.Fprintf(b, "Note: %s\n", w)
	}
}
