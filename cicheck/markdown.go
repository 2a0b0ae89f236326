package cicheck

import (
	"bytes"
	"fmt"
	"io"
	"path"
	"regexp"
	"strings"
	"unicode/utf8"
)

// MarkdownOptions tunes RenderMarkdown.
type MarkdownOptions struct {
	// Top is how many function or benchmark rows to show; zero means 10.
	Top int
	// Marker, if set, starts the output with a hidden HTML comment
	// "<!-- Marker -->" so a workflow can find and update its earlier
	// pull-request comment instead of posting a new one.
	Marker string
	// MaxBytes, if positive, bounds the output (GitHub job summaries take at
	// most 1 MiB): rows are dropped, then the text is cut, to fit.
	MaxBytes int
}

var verdictTitle = map[Verdict]string{
	Pass:         "✅ Tally cost check: pass",
	Warn:         "⚠️ Tally cost check: pass with a warning",
	Fail:         "❌ Tally cost check: cost regression",
	Insufficient: "❔ Tally cost check: no verdict (too few runs)",
}

// title is the report's heading: its verdict, and why there is none.
func (r *Report) title() string {
	if r.Verdict == Insufficient && r.NeedRuns == 0 {
		return "❔ Tally cost check: no verdict (nothing compared)"
	}
	return verdictTitle[r.Verdict]
}

// RenderMarkdown writes r as GitHub-flavoured markdown.
func RenderMarkdown(w io.Writer, r *Report, opt MarkdownOptions) error {
	top := opt.Top
	if top <= 0 {
		top = 10
	}
	var buf bytes.Buffer
	for {
		buf.Reset()
		writeMarkdown(&buf, r, opt.Marker, top)
		if opt.MaxBytes <= 0 || buf.Len() <= opt.MaxBytes || top == 0 {
			break
		}
		top /= 2
	}
	out := buf.Bytes()
	if opt.MaxBytes > 0 && len(out) > opt.MaxBytes {
		// Cut after a whole line: every code span is on one line (mdCode),
		// so none is left open for what follows its backticks to be
		// markdown again.
		const cut = "\n\n… (cut to fit the size limit)\n"
		n := max(opt.MaxBytes-len(cut), 0)
		n = bytes.LastIndexByte(out[:n], '\n') + 1
		out = append(out[:n:n], cut...)
		if len(out) > opt.MaxBytes {
			out = out[:0]
		}
	}
	_, err := w.Write(out)
	return err
}

func writeMarkdown(b *bytes.Buffer, r *Report, marker string, top int) {
	if marker != "" {
		fmt.Fprintf(b, "<!-- %s -->\n", strings.ReplaceAll(marker, "--", "- -"))
	}
	fmt.Fprintf(b, "### %s\n\n", r.title())
	fmt.Fprintf(b, "**%s**\n\n", mdHeadline(r))
	fmt.Fprintf(b, "%s\n\n", mdText(r.Reason))
	switch r.Kind {
	case KindProfiles:
		writeProfileTables(b, r, top)
	case KindBenchmarks:
		writeBenchTable(b, r, top)
	}
	writeMethod(b, r)
}

func writeProfileTables(b *bytes.Buffer, r *Report, top int) {
	t := r.Total
	ci := pctLabel(r.CI) + " CI"
	tableHead(b, "", "base (median)", "head (median)", "change", ci, "p")
	fmt.Fprintf(b, "| CPU per unit of work | %s | %s | %s | %s | %s |\n",
		formatValue(t.Base.Median, r.Unit), formatValue(t.Head.Median, r.Unit), formatPct(t.Rel), pctRange(t.RelLo, t.RelHi), formatP(t.P))
	if a := r.TotalAnnual; a != nil {
		fmt.Fprintf(b, "| cost per year | | | %s | %s | |\n", formatSignedMoney(a.Amount, a.places()), a.rangeText())
	}
	b.WriteString("\n")
	if len(r.Functions) == 0 || top == 0 {
		return
	}
	fmt.Fprintf(b, "#### Functions that changed most (CPU per unit of work)\n\n")
	hasMoney := r.TotalAnnual != nil
	tableHead(b, "function", "self: base → head", "self Δ", money(hasMoney, "self $/yr"), "total Δ", "p (self)")
	for i, f := range r.Functions {
		if i == top {
			fmt.Fprintf(b, "\n%d more functions changed less; the JSON output (`--format json`) lists them all.\n", len(r.Functions)-top)
			break
		}
		name := mdCode(f.Name, true)
		if f.Source.File != "" {
			name += fmt.Sprintf(" <sub>%s:%d</sub>", mdText(path.Base(f.Source.File)), f.Source.Line)
		}
		sig := ""
		if f.Self.Significant {
			sig = " ◆"
		}
		fmt.Fprintf(b, "| %s | %s → %s | %s%s | ", name, formatValue(f.Self.Base.Median, r.Unit), formatValue(f.Self.Head.Median, r.Unit), relOrNew(f.Self), sig)
		if hasMoney {
			if f.SelfAnnual != nil {
				b.WriteString(formatSignedMoney(f.SelfAnnual.Amount, autoPlaces(f.SelfAnnual.Amount)))
			}
			b.WriteString(" | ")
		}
		fmt.Fprintf(b, "%s | %s |\n", relOrNew(f.Total), formatP(f.Self.P))
	}
	fmt.Fprintf(b, "\n◆ significant at α=%v, tested function by function; the verdict rests on the total alone.\n\n", r.Alpha)
}

// tableHead writes a table's header: the first column left-aligned, the
// others right-aligned; empty names after the first are left out.
func tableHead(b *bytes.Buffer, cols ...string) {
	kept := cols[:1]
	for _, c := range cols[1:] {
		if c != "" {
			kept = append(kept, c)
		}
	}
	b.WriteString("| " + strings.Join(kept, " | ") + " |\n|---|" + strings.Repeat("---:|", len(kept)-1) + "\n")
}

// money returns the column name when the report is priced, else "".
func money(priced bool, col string) string {
	if priced {
		return col
	}
	return ""
}

func writeBenchTable(b *bytes.Buffer, r *Report, top int) {
	ci := pctLabel(r.CI) + " CI"
	hasMoney := r.Pricing != nil
	tableHead(b, "benchmark", "time/op: base → head", "change", ci, "p", money(hasMoney, "$/yr"), "allocs/op", "B/op")
	for i, bc := range r.Benchmarks {
		if i == top {
			fmt.Fprintf(b, "\n%d more benchmarks; the JSON output (`--format json`) lists them all.\n", len(r.Benchmarks)-top)
			break
		}
		name := mdCode(bc.Name, true)
		if bc.Missing != "" {
			fmt.Fprintf(b, "| %s | not in %s | | | | ", name, bc.Missing)
			if hasMoney {
				b.WriteString(" | ")
			}
			b.WriteString(" | |\n")
			continue
		}
		t := bc.Time
		change := formatPct(t.Rel)
		if !t.Significant {
			change = "~ " + change
		}
		fmt.Fprintf(b, "| %s | %s → %s | %s | %s | %s | ", name, formatValue(t.Base.Median*1e9, "nanoseconds"), formatValue(t.Head.Median*1e9, "nanoseconds"), change, pctRange(t.RelLo, t.RelHi), formatP(t.P))
		if hasMoney {
			if bc.Annual != nil {
				b.WriteString(formatSignedMoney(bc.Annual.Amount, autoPlaces(bc.Annual.Amount)))
			}
			b.WriteString(" | ")
		}
		fmt.Fprintf(b, "%s | %s |\n", countChange(bc.Allocs, ""), countChange(bc.Bytes, "B"))
	}
	b.WriteString("\n~ not significant. Allocations are not priced separately: their CPU cost is inside time/op.\n\n")
}

func writeMethod(b *bytes.Buffer, r *Report) {
	b.WriteString("<details><summary>How this was measured</summary>\n\n")
	switch r.Kind {
	case KindProfiles:
		fmt.Fprintf(b, "- %d base and %d head profiles; each run's %s per unit of work.\n", r.BaseRuns, r.HeadRuns, valueKind(r.Unit))
	case KindBenchmarks:
		fmt.Fprintf(b, "- Up to %d base and %d head runs per benchmark (`go test -bench -count`).\n", r.BaseRuns, r.HeadRuns)
	}
	fmt.Fprintf(b, "- Mann-Whitney U test at α=%v and medians, from golang.org/x/perf/benchmath. "+
		"The %s interval of a change is the U test's own: the changes it does not reject, so a change fails only when its interval lies above the gate.\n",
		r.Alpha, pctLabel(r.CI))
	if r.Verdict == Insufficient && r.NeedRuns > 0 {
		fmt.Fprintf(b, "- A verdict needs at least %d runs per side; 10 per side detect a 5–10%% change on a quiet machine.\n", r.NeedRuns)
	}
	fmt.Fprintf(b, "- Gate: %s.\n", r.Gate)
	if r.Pricing != nil {
		fmt.Fprintf(b, "- Price: %s.\n", mdText(r.Pricing.String()))
		if calls := callsText(r); calls != "" {
			fmt.Fprintf(b, "- Calls a year: %s.\n", mdText(calls))
		}
	} else {
		b.WriteString("- No price given: changes are shown in CPU only (give `--price-per-core-hour` or `--server`).\n")
	}
	for _, w := range dedupe(r.allWarnings()) {
		fmt.Fprintf(b, "- Note: %s\n", mdText(w))
	}
	b.WriteString("\n</details>\n")
}

// callsText lists the calls a year the benchmarks were priced with.
func callsText(r *Report) string {
	var parts []string
	same := true
	for _, b := range r.Benchmarks {
		if b.CallsPerYear == 0 {
			continue
		}
		parts = append(parts, b.Name+" "+formatCount(b.CallsPerYear))
		if b.CallsPerYear != r.Benchmarks[0].CallsPerYear {
			same = false
		}
	}
	if len(parts) > 1 && same {
		return formatCount(r.Benchmarks[0].CallsPerYear) + " for every benchmark"
	}
	return strings.Join(parts, ", ")
}

// allWarnings gathers the statistical warnings worth showing once.
func (r *Report) allWarnings() []string {
	ws := slices0(r.Warnings)
	if r.Total != nil {
		ws = append(ws, r.Total.Warnings...)
	}
	for _, b := range r.Benchmarks {
		ws = append(ws, b.Time.Warnings...)
	}
	return ws
}

func slices0(s []string) []string { return append([]string(nil), s...) }

func dedupe(ss []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range ss {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

func valueKind(unit string) string {
	if unit == "nanoseconds" {
		return "CPU time"
	}
	return unit
}

func relOrNew(c Change) string {
	switch {
	case c.New:
		return "new"
	case c.Base.Median > 0 && c.Head.Median == 0 && c.Delta < 0:
		return "gone"
	case c.Base.Median == 0 && c.Head.Median > 0:
		return "from 0"
	}
	return formatPct(c.Rel)
}

func pctRange(lo, hi float64) string {
	return formatPct(lo) + " … " + formatPct(hi)
}

func countChange(c *Change, unit string) string {
	if c == nil {
		return ""
	}
	f := func(x float64) string {
		switch {
		case unit == "":
			return fmt.Sprintf("%g", x)
		case x == 0:
			return "0 " + unit
		}
		return strings.TrimSpace(formatValue(x, unit))
	}
	if !c.Significant || c.Delta == 0 {
		return f(c.Head.Median)
	}
	// From none, a relative change is no number: the count is new.
	return fmt.Sprintf("%s → %s (%s)", f(c.Base.Median), f(c.Head.Median), relOrNew(*c))
}

// mdHeadline is the headline with the culprit function, and the project's
// function it was reached from, in code spans.
func mdHeadline(r *Report) string {
	var b strings.Builder
	rest := r.Headline
	for _, name := range []string{r.Culprit, r.Via} {
		if name == "" {
			continue
		}
		if before, after, ok := strings.Cut(rest, name); ok {
			b.WriteString(mdText(before) + mdCode(name, false))
			rest = after
		}
	}
	return b.String() + mdText(rest)
}

// Function, benchmark and file names come from the pull request's own
// profiles and benchmark output, so the markdown a bot posts must show them
// as text whatever they contain: no HTML, links, images, @-mentions, issue
// references or comments that hide the rest of the report. Names go into
// code spans (mdCode), where nothing is active; other text is escaped
// (mdText). The JSON output keeps the names unchanged.

// mdText escapes text for a markdown paragraph or table cell: markdown's
// active punctuation gets a backslash, <, > and & become entities (so no
// HTML and no entity the input spelled out), line breaks become spaces (no
// new block can start), and a zero-width space after @, # and GH- and
// inside "://" and "www." keeps GitHub from turning the text into mentions,
// issue references or links, and one every 6 digits of a hexadecimal word
// from turning it into a link to a commit (GitHub links 7 to 40 of them).
func mdText(s string) string {
	s = mdTextReplacer.Replace(s)
	s = ghReference.ReplaceAllString(s, "${0}"+zwsp)
	s = hexWord.ReplaceAllStringFunc(s, func(w string) string {
		var b strings.Builder
		for len(w) > 6 {
			b.WriteString(w[:6] + zwsp)
			w = w[6:]
		}
		return b.String() + w
	})
	// A list item, heading or thematic break only starts a line; the text
	// may start one.
	if s != "" && strings.ContainsRune("-+=", rune(s[0])) {
		s = `\` + s
	} else if i := strings.IndexFunc(s, func(r rune) bool { return r < '0' || r > '9' }); i > 0 && (s[i] == '.' || s[i] == ')') {
		s = s[:i] + `\` + s[i:]
	}
	return s
}

const zwsp = "&#8203;" // zero-width space

var (
	ghReference = regexp.MustCompile(`(?i)\bgh-`)
	hexWord     = regexp.MustCompile(`\b[0-9A-Fa-f]{7,}\b`)
)

var mdTextReplacer = strings.NewReplacer(
	"\r\n", " ", "\n", " ", "\r", " ",
	`\`, `\\`, "`", "\\`", "*", `\*`, "_", `\_`, "[", `\[`, "]", `\]`, "|", `\|`, "~", `\~`, "!", `\!`,
	"<", "&lt;", ">", "&gt;", "&", "&amp;",
	"@", "@"+zwsp, "#", "#"+zwsp, "://", ":"+zwsp+"//", "www.", "www"+zwsp+".",
)

// maxNameRunes is the most of a name a comment shows: a C++ template's or
// a closure's name runs to hundreds of characters, and one that runs past
// it is shown to there, with "…".
const maxNameRunes = 500

// shortName cuts s to maxNameRunes.
func shortName(s string) string {
	if utf8.RuneCountInString(s) <= maxNameRunes {
		return s
	}
	return string([]rune(s)[:maxNameRunes]) + "…"
}

// mdCode writes untrusted text as a code span: fenced by more backticks
// than its longest run of them and padded with a space each side (which
// markdown strips), so no content can close the span early. Line breaks
// become spaces, and a name past maxNameRunes is cut there. In a table
// cell (cell), | is escaped, as tables split rows on | before they look for
// code spans; the escape does not show.
func mdCode(s string, cell bool) string {
	s = strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ").Replace(shortName(s))
	if cell {
		s = strings.ReplaceAll(s, "|", `\|`)
	}
	longest, run := 0, 0
	for _, c := range []byte(s) {
		if c == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	fence := strings.Repeat("`", longest+1)
	return fence + " " + s + " " + fence
}
