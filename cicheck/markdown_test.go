package cicheck_test

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/tallyhq/tally/cicheck"
)

// Names a pull request controls: its functions (profiles), benchmarks and
// source files. Each tries to leave its code span or table cell and put
// HTML, a link, an image, a mention, an issue reference or a comment that
// hides the rest of the report into the bot's comment.
const (
	hostileFunc = "main.f`<img src=https://evil.example/x.png> [click](https://evil.example) @org/admins <!--"
	// Two backticks, a pipe and a line break that would end the table row.
	hostileFunc2 = "pkg.g`` x |y\n| z @someone acme/repo#1 &#64;org www.evil.example ```"
	hostileFile  = "/src/<b>x</b>@a_[b](c)`#2.go"
	// Benchmark names are one field of `go test -bench` output: no spaces.
	hostileBench = "BenchmarkX/`<img_src=https://evil.example/y>`@org/admins<!--|`-8"
)

func TestMarkdownHostileNames(t *testing.T) {
	// A real profile report, its function names swapped for hostile ones
	// as if the profiles had carried them.
	pr := profileReport(t)
	pr.Headline = strings.ReplaceAll(pr.Headline, pr.Culprit, hostileFunc)
	pr.Reason += " @org/admins <!-- GH-12 gh-3 deadbeef1234567"
	pr.Culprit = hostileFunc
	pr.Functions[0].Name, pr.Functions[0].Source.File = hostileFunc, hostileFile
	pr.Functions[1].Name = hostileFunc2

	// A real benchmark report on output with a hostile benchmark name.
	old := benchOutputNamed(10, 0, hostileBench)
	br, err := cicheck.DiffBench(readBench(t, "old.txt", old), readBench(t, "new.txt", benchOutputNamed(10, 0.3, hostileBench)), cicheck.Calls{}, cicheck.DefaultConfig)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(br.Headline, strings.TrimSuffix(hostileBench, "-8")) {
		t.Fatalf("the hostile benchmark is not in the headline %q", br.Headline)
	}

	for _, tc := range []struct {
		name  string
		rep   *cicheck.Report
		names []string // names that must show in full, in a code span
	}{
		{"profiles", pr, []string{hostileFunc, hostileFunc2}},
		{"benchmarks", br, []string{hostileBench}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var md bytes.Buffer
			if err := cicheck.RenderMarkdown(&md, tc.rep, cicheck.MarkdownOptions{}); err != nil {
				t.Fatal(err)
			}
			out := md.String()
			text, spans := splitCodeSpans(out)
			// Outside code spans only the report's own HTML is left.
			ownTags := strings.NewReplacer("<details>", "", "</details>", "", "<summary>", "", "</summary>", "", "<sub>", "", "</sub>", "")
			for _, bad := range []*regexp.Regexp{
				regexp.MustCompile(`<[A-Za-z!/?]`),           // HTML, comments, autolinks (not p<0.05)
				regexp.MustCompile(`(^|[^\\])[\[\]]`),        // links and images
				regexp.MustCompile(`@[A-Za-z0-9]`),           // mentions
				regexp.MustCompile(`(^|[^&])#[0-9]`),         // issue references
				regexp.MustCompile(`(?i)\bgh-[0-9]`),         // issue references, GitHub's other form
				regexp.MustCompile(`\b[0-9a-f]{7,40}\b`),     // commit SHAs
				regexp.MustCompile(`://|www\.`),              // bare links
				regexp.MustCompile(`&#(6[0-9]|[0-5][0-9]);`), // entities the input spelled
			} {
				if m := bad.FindString(ownTags.Replace(text)); m != "" {
					t.Errorf("%q is active markdown outside code spans:\n%s", m, out)
				}
			}
			// Each name shows in full in a code span, in the table (where \|
			// stands for |) and, for the culprit, the headline.
			for _, name := range tc.names {
				want := strings.ReplaceAll(name, "\n", " ")
				found := false
				for _, s := range spans {
					found = found || strings.ReplaceAll(s, `\|`, "|") == want
				}
				if !found {
					t.Errorf("no code span shows %q; spans %q", want, spans)
				}
			}
			// Every table row has as many cells as its header.
			cols := -1
			for _, line := range strings.Split(out, "\n") {
				if !strings.HasPrefix(line, "|") {
					cols = -1
					continue
				}
				n := len(regexp.MustCompile(`(^|[^\\])\|`).FindAllString(line, -1))
				if cols < 0 {
					cols = n
				} else if n != cols {
					t.Errorf("row with %d cells under a header with %d: %q", n, cols, line)
				}
			}
		})
	}
}

// benchOutputNamed writes runs of one benchmark called name, slowed down by
// slow, in `go test -bench` format.
func benchOutputNamed(runs int, slow float64, name string) string {
	var b strings.Builder
	b.WriteString("pkg: example.com/shop\n")
	for i := range runs {
		fmt.Fprintf(&b, "%s \t 100000\t%.1f ns/op\n", name, 1000*(1+slow)+float64(i))
	}
	return b.String()
}

// splitCodeSpans separates markdown into its text outside code spans and
// the content of each span, as CommonMark reads them: a run of n backticks
// opens a span that the next run of exactly n backticks closes, and one
// space is stripped from each end of content padded on both sides. A
// backslash-escaped backtick opens nothing. Spans are looked for within a
// line, all the report writes.
func splitCodeSpans(md string) (text string, spans []string) {
	var b strings.Builder
	run := func(i int) int {
		j := i
		for j < len(md) && md[j] == '`' {
			j++
		}
		return j - i
	}
	for i := 0; i < len(md); {
		switch {
		case md[i] == '\\' && i+1 < len(md):
			b.WriteString(md[i : i+2])
			i += 2
		case md[i] == '`':
			n := run(i)
			closed := false
			for j := i + n; j < len(md) && md[j] != '\n'; {
				if md[j] != '`' {
					j++
					continue
				}
				m := run(j)
				if m == n {
					s := md[i+n : j]
					if len(s) >= 2 && s[0] == ' ' && s[len(s)-1] == ' ' && strings.Trim(s, " ") != "" {
						s = s[1 : len(s)-1]
					}
					spans = append(spans, s)
					b.WriteString("CODE")
					i, closed = j+m, true
					break
				}
				j += m
			}
			if !closed {
				b.WriteString(md[i : i+n])
				i += n
			}
		default:
			b.WriteByte(md[i])
			i++
		}
	}
	return b.String(), spans
}
