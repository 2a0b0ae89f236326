package report

import (
	"bytes"
	_ "embed"
	"encoding/base64"
	"fmt"
	"html/template"
	"math"
	"strings"
	"time"
	"unicode"

	"github.com/tallyhq/tally"
)

//go:embed email.html.tmpl
var emailTemplate string

var funcs = template.FuncMap{
	"money": FormatMoney,
	"pair": func(a, b tally.Money) string { // "$0.386 → $0.394": FormatPair
		sa, sb := FormatPair(a, b)
		return sa + " → " + sb
	},
	"delta":       FormatDelta,
	"parts":       FormatParts,
	"avg":         avgLabel,
	"ratio":       FormatRatio,
	"day":         formatDay,
	"prevDay":     func(t time.Time) time.Time { return t.Add(-day) },
	"tone":        tone,
	"pendingLine": pendingLine,
	"toneF":       func(z float64) string { return toneSign(z) },
	"cap": func(s string) string {
		if s == "" {
			return s
		}
		r := []rune(s)
		r[0] = unicode.ToUpper(r[0])
		return string(r)
	},
	// img is replaced per rendering: cid: references in mail, data: URIs in previews.
	"img": func(Image) template.URL { return "" },
}

var htmlTemplate = template.Must(template.New("email").Funcs(funcs).Parse(emailTemplate))

// tone colors a change of cost: red when it grows, green when it shrinks.
func tone(m tally.Money) string { return toneSign(float64(m.Sign())) }

func toneSign(v float64) string {
	switch {
	case v > 0:
		return "#b91c1c"
	case v < 0:
		return "#047857"
	}
	return "#4b5563"
}

// Rendered is a report made ready to send: subject, HTML referencing its
// images by Content-ID, the plain-text alternative and the images.
type Rendered struct {
	Subject string  `json:"subject"`
	HTML    string  `json:"html"`
	Text    string  `json:"text"`
	Images  []Image `json:"images"`
}

// Render renders r for email: the HTML references the charts as cid: URLs.
func Render(r *Report) (*Rendered, error) {
	out, err := render(r, func(im Image) template.URL { return template.URL("cid:" + im.ContentID) })
	if err != nil {
		return nil, err
	}
	return out, nil
}

// PreviewHTML renders r as one self-contained page (charts as data: URIs),
// for browsers and the dashboard's preview.
func PreviewHTML(r *Report) ([]byte, error) {
	out, err := render(r, func(im Image) template.URL {
		return template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(im.PNG))
	})
	if err != nil {
		return nil, err
	}
	return []byte(out.HTML), nil
}

type view struct {
	R          *Report
	Subject    string
	Preheader  string
	Filtered   bool
	FilterText string
	BudgetLine string
	BudgetTone string
	Trend      *Image
	Movers     *Image
	Highlights []string
}

func render(r *Report, img func(Image) template.URL) (*Rendered, error) {
	v := view{R: r, Subject: Subject(r), Preheader: headline(r), Filtered: !r.Audience.Org(), FilterText: r.Audience.Filter}
	v.BudgetLine, v.BudgetTone = budgetLine(r)
	v.Highlights = Highlights(r)
	out := &Rendered{Subject: v.Subject}
	if len(r.Daily) > 0 {
		trend, err := TrendChart(r)
		if err != nil {
			return nil, err
		}
		v.Trend = &trend
		out.Images = append(out.Images, trend)
	}
	if len(r.Movers) > 0 && len(r.Movers[0].Movers) > 0 && !r.FirstWeek() {
		m, err := MoversChart(r, r.Movers[0].Movers)
		if err != nil {
			return nil, err
		}
		v.Movers = &m
		out.Images = append(out.Images, m)
	}
	t, err := htmlTemplate.Clone()
	if err != nil {
		return nil, err
	}
	t.Funcs(template.FuncMap{"img": img})
	var buf bytes.Buffer
	if err := t.Execute(&buf, v); err != nil {
		return nil, fmt.Errorf("render report html: %w", err)
	}
	out.HTML = buf.String()
	if out.Text, err = Text(r); err != nil {
		return nil, fmt.Errorf("render report text: %w", err)
	}
	return out, nil
}

// Highlights names the three largest workload changes and their main cause,
// e.g. "payments/ledger +$51.74 (+67%), mostly commitment coverage".
func Highlights(r *Report) []string {
	if r.Spend.LastWeekUnbilled {
		return nil // every group is new: no change to speak of
	}
	var out []string
	for _, set := range r.Movers {
		if set.Dimension != "workload" {
			continue
		}
		for i, m := range set.Movers {
			if i == 3 {
				break
			}
			out = append(out, fmt.Sprintf("%s %s (%s), %s", m.Name, FormatDelta(m.Delta), FormatRatio(m.Ratio, m.HasBase), cause(m.Components)))
		}
	}
	return out
}

// cause names the part that moved the cost most in the direction it moved.
func cause(c Components) string {
	parts := []struct {
		name string
		v    float64
	}{{"usage", c.Usage.Float64()}, {"price", c.Price.Float64()}, {"commitment coverage", c.Coverage.Float64()}}
	d := c.Delta.Float64()
	best, bestV := "", 0.0
	for _, p := range parts {
		if p.v*d > 0 && math.Abs(p.v) > bestV {
			best, bestV = p.name, math.Abs(p.v)
		}
	}
	switch {
	case best == "":
		return "no single cause"
	case bestV >= 0.8*math.Abs(d):
		return "mostly " + best
	}
	return "largely " + best
}

// Subject is the email's subject line. When the weeks are compared on
// some of their days only (the bill has not reached the others), it names
// them: the spend is theirs, not the week's.
func Subject(r *Report) string {
	if r.Spend.LastWeekUnbilled {
		on := ""
		if r.PartWeek() {
			on = " on " + r.ComparedWeekdays()
		}
		return fmt.Sprintf("Tally weekly · %s · %s: %s%s (%s)", r.Audience.Title, r.Week.Span(), FormatMoney(r.Spend.ThisWeek), on, noLastWeek)
	}
	if r.PartWeek() {
		return fmt.Sprintf("Tally weekly · %s · %s: %s on %s (%s vs the same days last week)", r.Audience.Title, r.Week.Span(),
			FormatMoney(r.Spend.ThisWeek), r.ComparedWeekdays(), FormatRatio(r.Spend.VsLastWeek.Ratio, r.Spend.VsLastWeek.Base))
	}
	return fmt.Sprintf("Tally weekly · %s · %s: %s (%s vs last week)", r.Audience.Title, r.Week.Span(),
		FormatMoney(r.Spend.ThisWeek), FormatRatio(r.Spend.VsLastWeek.Ratio, r.Spend.VsLastWeek.Base))
}

// noLastWeek says why a report compares with no week before.
const noLastWeek = "nothing billed the week before"

// avgLabel names the average of the weeks before: "4-week average", or
// fewer weeks when the bill starts later.
func avgLabel(s Spend) string { return fmt.Sprintf("%d-week average", s.AvgWeeks) }

// headline is the one-sentence summary (the inbox preview line).
func headline(r *Report) string {
	spent, last := "this week", "last week"
	if r.PartWeek() {
		spent, last = "on "+r.ComparedWeekdays()+" this week", "the same days last week"
	}
	s := fmt.Sprintf("Spent %s %s, %s (%s) vs %s", FormatMoney(r.Spend.ThisWeek), spent, FormatDelta(r.Spend.VsLastWeek.Delta),
		FormatRatio(r.Spend.VsLastWeek.Ratio, r.Spend.VsLastWeek.Base), last)
	if r.Spend.LastWeekUnbilled {
		s = fmt.Sprintf("Spent %s %s, with %s", FormatMoney(r.Spend.ThisWeek), spent, noLastWeek)
	}
	if r.Spend.AvgWeeks > 0 {
		s += fmt.Sprintf(" and %s vs the %s", FormatRatio(r.Spend.VsAvg.Ratio, r.Spend.VsAvg.Base), avgLabel(r.Spend))
	}
	s += "."
	if l, _ := budgetLine(r); l != "" {
		s += " " + l
	}
	return s
}

// pendingLine says what of the month's forecast is charges billed for the
// month at once that its days to date will get with the invoice.
func pendingLine(f *MonthForecast) string {
	return fmt.Sprintf("The forecast includes %s of this month's charges billed for the month at once (support, tax), not billed yet for its days to date", FormatMoney(f.Pending))
}

func budgetLine(r *Report) (string, string) {
	m := &r.Month
	if c, ok := m.VsBudget(); ok {
		if c.Delta.Sign() > 0 {
			return fmt.Sprintf("Forecast is %s (%s) over the %s budget.", FormatMoney(c.Delta), strings.TrimPrefix(FormatRatio(c.Ratio, true), "+"),
				m.Month.Format("January")), "#b91c1c"
		}
		return fmt.Sprintf("Forecast is %s (%s) under the %s budget.", FormatMoney(c.Delta.Abs()), strings.TrimPrefix(FormatRatio(-c.Ratio, true), "+"),
			m.Month.Format("January")), "#047857"
	}
	if !m.Budget.IsZero() && m.Budget.Currency() == m.MonthToDate.Currency() {
		first := m.Month
		elapsed := m.Through.Sub(first).Hours() / first.AddDate(0, 1, 0).Sub(first).Hours()
		used := m.MonthToDate.Float64() / m.Budget.Float64()
		color := "#047857"
		if used > elapsed {
			color = "#b45309"
		}
		return fmt.Sprintf("%.0f%% of the budget spent with %.0f%% of the month gone.", math.Round(used*100), math.Round(elapsed*100)), color
	}
	return "", ""
}
