package report

import (
	"net/url"
	"strings"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/attribution"
)

// linker builds dashboard URLs under a base.
type linker struct {
	base   string
	filter string // the audience's filter, kept on allocation links
	// week is the part of the report week its links open: the compared
	// days (Report.comparedSpan), so the dashboard shows the report's figures.
	week tally.Window
}

func (l linker) page(path string, q url.Values) string {
	if len(q) == 0 {
		return l.base + path
	}
	return l.base + path + "?" + q.Encode()
}

// allocations links the allocations page: window, aggregate and an extra
// filter clause ANDed with the audience's. Idle and shared costs are
// separate, as the report counts them (Builder.query), whatever the
// dashboard's defaults: each group then shows the report's figure.
func (l linker) allocations(w tally.Window, aggregate, clause string) string {
	q := url.Values{}
	q.Set("window", w.String())
	q.Set("idle", string(attribution.IdleSeparate))
	q.Set("shared", string(attribution.SharedSeparate))
	if aggregate != "" {
		q.Set("aggregate", aggregate)
	}
	var fs []string
	if l.filter != "" {
		f := l.filter
		// A filter of alternatives (a|b) is ANDed with clause whole.
		if parsed, err := attribution.ParseFilter(f); err == nil && len(parsed) == 1 && parsed[0].Any != nil && clause != "" {
			f = "(" + f + ")"
		}
		fs = append(fs, f)
	}
	if clause != "" {
		fs = append(fs, clause)
	}
	if len(fs) > 0 {
		q.Set("filter", strings.Join(fs, "+"))
	}
	return l.page("/allocations", q)
}

// functions links a workload's functions, this week's compared days
// against the same days of last week (with compare; this week's alone
// without), with fn marked and sorted by self cost, the measure the
// report shows.
func (l linker) functions(workload, fn string, compare bool) string {
	q := url.Values{}
	q.Set("workload", workload)
	q.Set("fn", fn)
	q.Set("sort", "self")
	q.Set("window", l.week.String())
	if compare {
		q.Set("baseWindow", weekBefore(l.week).String())
	}
	return l.page("/functions", q)
}

func (l linker) rightsizing(target string) string {
	q := url.Values{}
	if target != "" {
		q.Set("target", target)
	}
	return l.page("/rightsizing", q)
}

func (l linker) commitments(id string) string {
	q := url.Values{}
	if id != "" {
		q.Set("id", id)
	}
	return l.page("/commitments", q)
}

// weekBefore is w a week earlier.
func weekBefore(w tally.Window) tally.Window {
	return tally.Window{Start: w.Start.Add(-week), End: w.End.Add(-week)}
}

// quote makes a filter value: "v" with quotes and backslashes escaped.
func quote(v string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(v) + `"`
}
