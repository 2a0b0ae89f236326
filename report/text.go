package report

import (
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"
	"unicode"
)

// Text renders r as plain text that reads well on its own: the alternative
// part of the email. Links are numbered and listed at the end.
func Text(r *Report) (string, error) {
	t := &textWriter{}
	t.line("TALLY WEEKLY COST REPORT - %s", r.Audience.Title)
	t.line("Week %s: %s (UTC), amortized cost", r.Week.Label(), r.Week.Span())
	if !r.Audience.Org() {
		t.line("Filter: %s", r.Audience.Filter)
	}
	t.blank()
	tw := t.table()
	if r.PartWeek() {
		fmt.Fprintf(tw, "This week, %s\t%s\t\n", r.ComparedWeekdays(), FormatMoney(r.Spend.ThisWeek))
	} else {
		fmt.Fprintf(tw, "This week\t%s\t\n", FormatMoney(r.Spend.ThisWeek))
	}
	if r.Spend.LastWeekUnbilled {
		fmt.Fprintf(tw, "vs last week\tnone: the week before is not billed\t\n")
	} else {
		fmt.Fprintf(tw, "vs last week\t%s (%s)\tlast week %s\n", FormatDelta(r.Spend.VsLastWeek.Delta),
			FormatRatio(r.Spend.VsLastWeek.Ratio, r.Spend.VsLastWeek.Base), FormatMoney(r.Spend.LastWeek))
	}
	if r.Spend.AvgWeeks > 0 {
		fmt.Fprintf(tw, "vs %s\t%s (%s)\taverage %s\n", avgLabel(r.Spend), FormatDelta(r.Spend.VsAvg.Delta),
			FormatRatio(r.Spend.VsAvg.Ratio, r.Spend.VsAvg.Base), FormatMoney(r.Spend.Avg4Weeks))
	} else {
		fmt.Fprintf(tw, "vs 4-week average\tnone: no week before this one is billed\t\n")
	}
	tw.Flush()
	if len(r.Unbilled) > 0 {
		days := make([]string, len(r.Unbilled))
		for i, d := range r.Unbilled {
			days[i] = formatDay(d)
		}
		t.line("(not billed yet: %s; each week is compared on %s, and anomalies leave the days out)",
			strings.Join(days, ", "), r.ComparedWeekdays())
	} else if r.PartWeek() {
		t.line("(each week is compared on %s, the days billed both this week and last)", r.ComparedWeekdays())
	}
	if l := r.LinkedDays(); l != nil {
		t.line("(the links open %s, %s included: a dashboard window is one range of days)", l.Linked, l.Extra)
	}
	if n := r.Spend.AvgWeeks; n > 0 && n < 4 {
		t.line("(the average is of the %d week(s) billed before this one, not of 4)", n)
	}
	if n := len(r.EstimatedDays); n > 0 {
		t.line("(%d day(s) of this week are estimated from list prices until their bill arrives)", n)
	}
	if hs := Highlights(r); len(hs) > 0 {
		t.blank()
		t.line("Biggest changes:")
		for _, h := range hs {
			t.line("  * %s", plain(h))
		}
	}

	t.section("%s OUTLOOK", strings.ToUpper(r.Month.Month.Format("January")))
	tw = t.table()
	fmt.Fprintf(tw, "Month to date (through %s)\t%s\n", formatDay(r.Month.Through.Add(-day)), FormatMoney(r.Month.MonthToDate))
	if f := r.Month.Forecast; f != nil {
		fmt.Fprintf(tw, "Forecast for the month\t%s\t(%s: %s-%s)\n", FormatMoney(f.Total), f.RangeName(), FormatMoney(f.Lo80), FormatMoney(f.Hi80))
	}
	if !r.Month.Budget.IsZero() {
		fmt.Fprintf(tw, "Budget\t%s\n", FormatMoney(r.Month.Budget))
	}
	tw.Flush()
	if l, _ := budgetLine(r); l != "" {
		t.line("%s", l)
	}
	if r.Month.BudgetNote != "" {
		t.line("Budget %s.", r.Month.BudgetNote)
	}
	if r.Month.Unavailable != "" {
		t.line("Forecast %s.", r.Month.Unavailable)
	}
	if f := r.Month.Forecast; f != nil && f.Note != "" {
		t.line("Forecast %s.", f.Note)
	}
	if f := r.Month.Forecast; f != nil {
		for _, l := range wrap(f.ShareNote(), 76) {
			t.line("%s", l)
		}
	}
	if f := r.Month.Forecast; f != nil && !f.Pending.IsZero() {
		t.line("%s.", pendingLine(f))
	}

	t.section("WHAT CHANGED")
	if err := t.whatChanged(r); err != nil {
		return "", err
	}

	if len(r.Teams) > 0 {
		t.section("SPEND BY %s", strings.ToUpper(r.TeamLabel))
		tw = t.table()
		for _, ts := range r.Teams {
			if r.FirstWeek() {
				fmt.Fprintf(tw, "  %s %s\t%s\n", plain(ts.Team), t.ref(ts.Link), FormatMoney(ts.ThisWeek))
				continue
			}
			fmt.Fprintf(tw, "  %s %s\t%s\t%s\t(%s)\t\n", plain(ts.Team), t.ref(ts.Link), FormatMoney(ts.ThisWeek), FormatDelta(ts.Change.Delta),
				FormatRatio(ts.Change.Ratio, ts.Change.Base))
		}
		tw.Flush()
		for _, l := range wrap(r.TeamsRestNote(), 76) {
			t.line("%s", l)
		}
		for _, l := range wrap(r.TeamsNote(), 76) {
			t.line("%s", plain(l))
		}
	}
	t.section("ANOMALIES")
	for _, l := range wrap(r.AnomalyNote(), 76) {
		t.line("%s", l)
	}
	if len(r.Anomalies) == 0 {
		t.line("None this week.")
	} else {
		tw = t.table()
		for _, a := range r.Anomalies {
			per := ""
			if a.Days > 1 {
				per = "a day, "
			}
			fmt.Fprintf(tw, "  %s\t%s %s %s\t%s\t%susually %s (band %s-%s)\t\n", a.Span(), plain(a.Scope), plain(a.Name), t.ref(a.Link), FormatMoney(a.Cost),
				per, FormatMoney(a.Expected), FormatMoney(a.Lo), FormatMoney(a.Hi))
		}
		tw.Flush()
	}

	if r.FirstWeek() {
		t.costliestFunctions(r)
	} else {
		t.functionsThatCostMore(r)
	}

	t.section("WHAT TO DO")
	t.opportunities("Right-sizing", r.Rightsizing)
	t.blank()
	t.opportunities("Commitments", r.Commitments)
	if r.ExpiringAvailable {
		t.blank()
		if len(r.Expiring) == 0 {
			t.line("No commitment expires in the next 30 days.")
		} else {
			t.line("Commitments expiring in the next 30 days:")
			tw = t.table()
			for _, e := range r.Expiring {
				fmt.Fprintf(tw, "  %s %s\t%s, account %s\t%s\t%s/h (%s/mo)\t\n", plain(e.ID), t.ref(e.Link), plain(e.Kind), plain(e.Account),
					e.EndText(), FormatMoney(e.Hourly), FormatMoney(e.Monthly))
			}
			tw.Flush()
		}
	}

	t.section("LINKS")
	t.line("Open the week in Tally: %s", r.Links.Allocations)
	for i, l := range t.links {
		t.line("[%d] %s", i+1, l)
	}
	t.blank()
	t.line("Amortized cost (upfront fees spread, discounts applied), reconciled to the bill;")
	t.line("weeks run Monday to Sunday in UTC.")
	for _, l := range wrap(r.FiguresNote(), 76) {
		t.line("%s", l)
	}
	t.line("Generated %s by Tally.", r.Generated.Format("2006-01-02 15:04 UTC"))
	lines := strings.Split(t.b.String(), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " ")
	}
	return strings.Join(lines, "\n"), nil
}

// whatChanged writes What changed: each dimension's movers with their
// change split into usage, price and coverage, or in a first week
// (Report.FirstWeek), with no week before to compare with, each
// dimension's largest costs alone.
func (t *textWriter) whatChanged(r *Report) error {
	first := r.FirstWeek()
	if first {
		for _, l := range wrap(r.FirstWeekNote(), 76) {
			t.line("%s", l)
		}
	} else {
		t.line("Change = usage (resource-hours) + price (unit rates, instance mix)")
		t.line("       + commitment coverage (share covered by Savings Plans, RIs, CUDs).")
	}
	for _, set := range r.Movers {
		t.blank()
		switch {
		case len(set.Movers) == 0 && first:
			t.line("%s: no costs.", set.Title)
			continue
		case len(set.Movers) == 0:
			t.line("%s: no changes.", set.Title)
			continue
		}
		tw := t.table()
		if first {
			fmt.Fprintf(tw, "%s\tThis week\n", set.Title)
		} else {
			fmt.Fprintf(tw, "%s\tThis week\tChange\t\tUsage\tPrice\tCoverage\t\n", set.Title)
		}
		for _, m := range set.Movers {
			if first {
				fmt.Fprintf(tw, "  %s %s\t%s\n", plain(m.Name), t.ref(m.Link), FormatMoney(m.ThisWeek))
				continue
			}
			p, err := FormatParts(m.Components)
			if err != nil {
				return fmt.Errorf("%s %s: %w", set.Dimension, m.Name, err)
			}
			fmt.Fprintf(tw, "  %s %s\t%s\t%s\t(%s)\t%s\t%s\t%s\t\n", plain(m.Name), t.ref(m.Link), FormatMoney(m.ThisWeek), FormatDelta(m.Delta),
				FormatRatio(m.Ratio, m.HasBase), p.Usage, p.Price, p.Coverage)
		}
		tw.Flush()
	}
	return nil
}

// functionsThatCostMore writes the functions whose self cost grew most.
func (t *textWriter) functionsThatCostMore(r *Report) {
	t.section("FUNCTIONS THAT COST MORE")
	t.line("Self cost (the Functions page's Self) from CPU profiles at the real amortized bill, this week vs last.")
	if len(r.Functions) == 0 {
		t.line("No function's cost grew (or no CPU profiles were collected).")
		return
	}
	tw := t.table()
	for _, f := range r.Functions {
		last, this := FormatPair(f.LastWeek, f.ThisWeek)
		fmt.Fprintf(tw, "  %s %s\t%s -> %s self\t%s (%s)\t%s/yr self\t\n", plain(f.Function), t.ref(f.Link), last, this,
			FormatDelta(f.Change.Delta), FormatRatio(f.Change.Ratio, f.Change.Base), FormatMoney(f.Annual))
		fmt.Fprintf(tw, "    in %s\t\t\t\t\n", plain(f.Workload))
	}
	tw.Flush()
}

// costliestFunctions writes, in a first week (Report.FirstWeek), the
// week's costliest functions by their self cost alone.
func (t *textWriter) costliestFunctions(r *Report) {
	t.section("%s", strings.ToUpper(r.FirstWeekFunctionsTitle()))
	for _, l := range wrap(r.FirstWeekFunctionsNote(), 76) {
		t.line("%s", l)
	}
	tw := t.table()
	for _, f := range r.Functions {
		fmt.Fprintf(tw, "  %s %s\t%s self\t\n", plain(f.Function), t.ref(f.Link), FormatMoney(f.ThisWeek))
		fmt.Fprintf(tw, "    in %s\t\t\n", plain(f.Workload))
	}
	tw.Flush()
}

// plain shows s, a name from a cluster, the bill or a profile, as text on
// its line of the plain-text part: control characters and line separators
// (which would start lines or columns of their own: a name could write a
// link line) are written as Go escapes (\n, \t, \u2028).
func plain(s string) string {
	if !strings.ContainsFunc(s, func(r rune) bool { return unicode.IsControl(r) || r == '\u2028' || r == '\u2029' }) {
		return s
	}
	q := strconv.Quote(s)
	return q[1 : len(q)-1]
}

type textWriter struct {
	b     strings.Builder
	links []string
	index map[string]int
}

func (t *textWriter) line(format string, args ...any) {
	fmt.Fprintf(&t.b, format, args...)
	t.b.WriteByte('\n')
}

func (t *textWriter) blank() { t.b.WriteByte('\n') }

func (t *textWriter) section(format string, args ...any) {
	t.blank()
	title := fmt.Sprintf(format, args...)
	t.line("%s", title)
	t.line("%s", strings.Repeat("-", len([]rune(title))))
}

func (t *textWriter) table() *tabwriter.Writer {
	return tabwriter.NewWriter(&t.b, 0, 0, 2, ' ', 0)
}

// ref numbers a link: "[3]".
func (t *textWriter) ref(link string) string {
	if link == "" {
		return ""
	}
	if t.index == nil {
		t.index = map[string]int{}
	}
	n, ok := t.index[link]
	if !ok {
		t.links = append(t.links, link)
		n = len(t.links)
		t.index[link] = n
	}
	return fmt.Sprintf("[%d]", n)
}

func (t *textWriter) opportunities(title string, o Opportunities) {
	if len(o.Items) == 0 {
		msg := o.Unavailable
		if msg == "" {
			msg = "none"
		}
		t.line("%s: %s", title, strings.TrimSuffix(msg, "."))
		return
	}
	head := fmt.Sprintf("%s: %s a month from %d recommendation(s)", title, FormatMoney(o.Total), o.Saving())
	if o.CostMore > 0 {
		head += fmt.Sprintf("; %s %s a month", o.CostMoreText(), FormatMoney(o.Added))
	}
	t.line("%s", head)
	for _, l := range wrap(o.InNodePlansText(), 76) {
		t.line("  %s", l)
	}
	for _, it := range o.Items {
		amount := FormatMoney(it.MonthlySavings) + "/mo"
		if it.CostsMore() {
			amount = FormatMoney(it.MonthlySavings.Neg()) + "/mo more"
		}
		t.line("  %s  %s %s", amount, plain(it.Target), t.ref(it.Link))
		for _, l := range wrap(it.Explanation, 70) {
			t.line("      %s", l)
		}
	}
}

// wrap breaks s into lines of at most width runes at spaces.
func wrap(s string, width int) []string {
	var lines []string
	var cur []string
	n := 0
	for _, w := range strings.Fields(s) {
		if n > 0 && n+1+len([]rune(w)) > width {
			lines = append(lines, strings.Join(cur, " "))
			cur, n = nil, 0
		}
		if n > 0 {
			n++
		}
		cur = append(cur, w)
		n += len([]rune(w))
	}
	if len(cur) > 0 {
		lines = append(lines, strings.Join(cur, " "))
	}
	return lines
}
