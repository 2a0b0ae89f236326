package report

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/tallyhq/tally"
)

// Report is one audience's weekly report: every number the HTML and text
// renderings show, already computed.
type Report struct {
	Audience  Audience       `json:"-"`
	Week      Week           `json:"week"`
	Generated time.Time      `json:"generated"`
	Currency  tally.Currency `json:"currency"`
	// Spend is this week against last week and the four weeks before.
	Spend Spend `json:"spend"`
	// Daily is the amortized cost of each day of the eight weeks ending with the report week.
	Daily []DailyCost `json:"daily"`
	// Month is the outlook for the month the report is sent in.
	Month MonthOutlook `json:"month"`
	// Movers are the largest week-over-week changes per dimension.
	Movers []MoverSet `json:"movers"`
	// Teams is spend by the configured team label (organization reports only).
	Teams     []TeamSpend `json:"teams,omitempty"`
	TeamLabel string      `json:"teamLabel,omitempty"`
	// TeamsRest is the week's spend less the teams listed: the clusters'
	// idle and shared costs, which no team is charged, and the teams not
	// listed (TeamsOmitted of them).
	TeamsRest    tally.Money `json:"teamsRest"`
	TeamsOmitted int         `json:"teamsOmitted,omitempty"`
	Anomalies    []Anomaly   `json:"anomalies"`
	// AnomalyRule is the rule the anomalies are flagged by, its smallest
	// change that of the audience's spend.
	AnomalyRule AnomalyRule     `json:"-"`
	Functions   []FunctionMover `json:"functions"`
	Rightsizing Opportunities   `json:"rightsizing"`
	Commitments Opportunities   `json:"commitments"`
	Expiring    []Expiring      `json:"expiring"`
	// ExpiringAvailable is false for team reports (commitments belong to the organization).
	ExpiringAvailable bool `json:"expiringAvailable"`
	// EstimatedDays are days of the report week priced from the catalog because their bill has not arrived.
	EstimatedDays []time.Time `json:"estimatedDays,omitempty"`
	// CostDays is how many days of the report week the organization has
	// cost on, billed or estimated: fewer than 7 while the bill is late.
	CostDays int `json:"costDays"`
	// Unbilled are the days of the report week the organization has no
	// cost on yet (7 − CostDays of them). Anomalies leave them out.
	Unbilled []time.Time `json:"unbilledDays,omitempty"`
	// Compared are the days of the report week the spend, movers and teams
	// count, each compared with the same weekday of the weeks before: the
	// days the organization has cost on, billed or estimated, in both the
	// report week and the week before (all 7 when the bill covers both).
	// With Wednesday not billed yet, Monday, Tuesday and Thursday to Sunday
	// of the report week are compared with the same days of the weeks
	// before, not with whole weeks. When no day is billed in both weeks,
	// they are the report week's billed days (last week then counts $0).
	Compared []time.Time `json:"comparedDays"`
	Links    Links       `json:"links"`
}

// comparedSpan is the days of wk from the first compared day to the last,
// the window the report's links open: Monday to Friday while the weekend's
// bill is late. Without compared days it is the whole week; with a day
// left out between two compared ones (Mon–Tue, Thu–Sun) it includes that
// day, since a dashboard window is a single range.
func (r *Report) comparedSpan(wk Week) tally.Window {
	if len(r.Compared) == 0 {
		return tally.Window{Start: wk.Start, End: wk.End()}
	}
	return tally.Window{Start: r.Compared[0], End: r.Compared[len(r.Compared)-1].AddDate(0, 0, 1)}
}

// ComparedWeekdays names the compared days by weekday, consecutive ones as
// a range: "Mon–Sun", "Tue–Sun", "Mon–Tue, Thu–Sun" ("no day" without any).
func (r *Report) ComparedWeekdays() string { return weekdayRuns(r.Compared) }

// LinkedDays are the days a report's links open, by weekday (Linked), and
// of them those not compared (Extra).
type LinkedDays struct {
	Linked, Extra string
}

// LinkedDays is nil when every day the report's links open is compared.
// The links open one range, from the first compared day to the last
// (comparedSpan): with Wednesday not billed, "Mon–Sun", "Wed" not compared.
func (r *Report) LinkedDays() *LinkedDays {
	var all, gaps []time.Time
	span := r.comparedSpan(r.Week)
	for d := span.Start; d.Before(span.End); d = d.AddDate(0, 0, 1) {
		all = append(all, d)
		if !slices.ContainsFunc(r.Compared, d.Equal) {
			gaps = append(gaps, d)
		}
	}
	if len(gaps) == 0 {
		return nil
	}
	return &LinkedDays{Linked: weekdayRuns(all), Extra: weekdayRuns(gaps)}
}

// weekdayRuns names days by weekday, Monday first, consecutive ones as a
// range: "Mon–Tue, Thu–Sun" ("no day" without any).
func weekdayRuns(days []time.Time) string {
	var in [7]bool
	for _, d := range days {
		in[(int(d.Weekday())+6)%7] = true // Monday first
	}
	names := [7]string{"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"}
	var runs []string
	for i := 0; i < 7; {
		if !in[i] {
			i++
			continue
		}
		j := i
		for j+1 < 7 && in[j+1] {
			j++
		}
		if j == i {
			runs = append(runs, names[i])
		} else {
			runs = append(runs, names[i]+"–"+names[j])
		}
		i = j + 1
	}
	if len(runs) == 0 {
		return "no day"
	}
	return strings.Join(runs, ", ")
}

// FiguresNote says what the costs of teams, namespaces and workloads
// include: their own allocations, as the report's links show them (idle
// and shared costs separate).
func (r *Report) FiguresNote() string {
	if r.Audience.Org() {
		return "Teams, namespaces and workloads are at their own costs, without their clusters' idle and shared costs (__idle__ and __shared__, apart on the linked pages)."
	}
	return "The team's costs, namespaces and workloads are its own allocations, without its clusters' idle and shared costs (__idle__ and __shared__, apart on the linked pages)."
}

// TeamsNote says what the teams' __unallocated__ group is.
func (r *Report) TeamsNote() string {
	return tally.UnallocatedName + ": costs without a " + r.TeamLabel + " label, and cloud costs no owner was found for."
}

// TeamsRestNote says what the teams listed add up to and what the rest of
// the week's spend is, so that the teams reconcile with the headline.
func (r *Report) TeamsRestNote() string {
	listed, err := r.Spend.ThisWeek.Sub(r.TeamsRest)
	if err != nil {
		return ""
	}
	rest := "the clusters' idle and shared costs (__idle__ and __shared__), which no team is charged"
	if r.TeamsOmitted > 0 {
		rest = fmt.Sprintf("%d more team(s) and %s", r.TeamsOmitted, rest)
	}
	return fmt.Sprintf("The teams listed add up to %s of the week's %s; the other %s is %s.",
		FormatMoney(listed), FormatMoney(r.Spend.ThisWeek), FormatMoney(r.TeamsRest), rest)
}

// AnomalyNote states the rule the anomalies are flagged by (AnomalyRule,
// DefaultAnomalyRule when not set), as both parts head their section.
func (r *Report) AnomalyNote() string {
	rule := r.AnomalyRule
	if rule == (AnomalyRule{}) {
		rule = DefaultAnomalyRule
	}
	return rule.Describe(r.Currency)
}

// FirstWeek reports whether the week before the report week has no bill
// at all (the organization's first week): there is nothing to compare
// with, so the report lists the week's largest costs without changes.
func (r *Report) FirstWeek() bool { return r.Spend.LastWeekUnbilled }

// FirstWeekNote says, at the head of What changed, that the report
// week has no week before to compare with and what its tables list.
func (r *Report) FirstWeekNote() string {
	return "First week: nothing to compare with. The tables list the week's largest costs."
}

// FirstWeekFunctionsTitle heads the functions section of a first week,
// which lists the week's costliest functions rather than those that cost
// more.
func (r *Report) FirstWeekFunctionsTitle() string { return "Costliest functions" }

// FirstWeekFunctionsNote says what the functions section of a first week
// lists, and why, or with none that there were no profiles to list from.
func (r *Report) FirstWeekFunctionsNote() string {
	if len(r.Functions) == 0 {
		return "No CPU profiles were collected for the week's largest workloads."
	}
	return "Self cost (the Functions page's Self) from CPU profiles priced at the real amortized bill, this week: " +
		"the week before is not billed, so these are the week's costliest functions, not those that grew."
}

// PartWeek reports whether the weeks are compared on some of their days
// only, not all 7 nor none (a week the bill has not reached at all).
func (r *Report) PartWeek() bool { return len(r.Compared) > 0 && len(r.Compared) < 7 }

// comparedOffsets are the compared days as days after the week's Monday.
func (r *Report) comparedOffsets() []int {
	out := make([]int, len(r.Compared))
	for i, d := range r.Compared {
		out[i] = int(d.Sub(r.Week.Start) / day)
	}
	return out
}

// HasCost reports whether the report is worth sending: the bill covers
// the report week, that is the organization has cost, billed or estimated
// from the catalog, on most of its days (CostDays ≥ 4), and the audience
// has some cost over its eight weeks. A week whose bill has not arrived
// would read "$0.00, −100%"; a team with no cost at all has a wrong filter.
func (r *Report) HasCost() bool {
	if 2*r.CostDays <= 7 {
		return false
	}
	for _, d := range r.Daily {
		if !d.Cost.IsZero() {
			return true
		}
	}
	return false
}

// Change is a difference and its ratio to the base (NaN ratio: no base).
type Change struct {
	Delta tally.Money `json:"delta"`
	Ratio float64     `json:"ratio"` // 0.082 is +8.2%
	Base  bool        `json:"hasBase"`
}

// Spend is the headline.
type Spend struct {
	ThisWeek tally.Money `json:"thisWeek"`
	LastWeek tally.Money `json:"lastWeek"`
	// Avg4Weeks is the mean of the four weeks before this one, on the
	// compared days, over those of them the organization has cost on
	// every compared day (AvgWeeks of them): weeks before its bill starts
	// are left out, not counted at $0. Zero when none has.
	Avg4Weeks tally.Money `json:"avg4Weeks"`
	AvgWeeks  int         `json:"avgWeeks"`
	// LastWeekUnbilled says the bill has no day of the week before (the
	// report week is its first): LastWeek and VsLastWeek compare with
	// nothing and are not shown.
	LastWeekUnbilled bool   `json:"lastWeekUnbilled"`
	VsLastWeek       Change `json:"vsLastWeek"`
	VsAvg            Change `json:"vsAvg4Weeks"`
}

// DailyCost is one day's amortized cost.
type DailyCost struct {
	Day       time.Time   `json:"day"`
	Cost      tally.Money `json:"cost"`
	Estimated bool        `json:"estimated"`
}

// MonthOutlook compares the month's expected spend with its budget.
type MonthOutlook struct {
	Month       time.Time   `json:"month"` // first day
	Through     time.Time   `json:"through"`
	MonthToDate tally.Money `json:"monthToDate"`
	// Later are the billed days after the report's week that the month to
	// date counts: a forecast made days after the week starts after them.
	Later []DailyCost `json:"later,omitempty"`
	// Forecast is month-to-date plus the forecast of the remaining days; nil
	// when no forecast is stored yet (Unavailable says why).
	Forecast    *MonthForecast `json:"forecast,omitempty"`
	Unavailable string         `json:"unavailable,omitempty"`
	Budget      tally.Money    `json:"budget"` // zero: none configured, or left out (BudgetNote)
	// BudgetNote says why the audience's budget is left out: it is in
	// another currency than the bill, so the forecast cannot be compared
	// with it. "" when the budget is compared, or none is configured.
	BudgetNote string `json:"budgetNote,omitempty"`
}

// MonthForecast is the expected month total with a range, Lo80 to Hi80:
// an 80% range of the total, calibrated on the forecasts' past errors over
// the same days (Calibrated, see forecast.SumRange), or else the 80% bounds
// of its days (and accounts) added up, which is no 80% range of the total
// but a wider one (days seldom all run high). The report says which it is.
type MonthForecast struct {
	Total, Lo80, Hi80 tally.Money
	// Calibrated is set when Lo80 to Hi80 is an 80% range of the total.
	Calibrated bool
	Model      string
	// Share is the audience's part of the organization's spend the
	// organization forecast was scaled by (1 for the organization).
	Share float64
	// Points are the forecast's daily points through month end, scaled.
	Points []tally.ForecastPoint
	// Short is set when the forecast ends before the month does.
	Short bool
	// Pending is the part of Total that is the month's charges billed for
	// the month at once (support, tax) on its days to date, not billed yet:
	// the month to date will hold it once the invoice comes. Zero: none.
	Pending tally.Money
	// Note says which accounts' forecasts were left out, being in another
	// currency than the report's; "" when none were.
	Note string
	// Accounts is how many billing accounts' forecasts are added up.
	Accounts int
}

// band names the forecast's daily band, as the trend chart draws it: one
// account's 80% range, or the accounts' ranges added up, which is no 80%
// range of their total.
func (f *MonthForecast) band() string {
	if f.Accounts > 1 {
		return f.added("accounts'")
	}
	return "80% band"
}

// RangeName names the month's range, Lo80 to Hi80: an 80% range of the
// month's total when Calibrated, else its days' 80% ranges added, and with
// several accounts (as the chart's band) its accounts'.
func (f *MonthForecast) RangeName() string {
	switch {
	case f.Calibrated:
		return "80% range of the month's total"
	case f.Accounts > 1:
		return f.added("days' and accounts'")
	}
	return f.added("days'")
}

// added names the 80% ranges of whose (days', accounts'), added up.
func (f *MonthForecast) added(whose string) string {
	return whose + " 80% ranges added"
}

// ShareNote says that a team's forecast is the organization's scaled by
// the team's share of its spend ("" for the organization's, Share 1).
func (f *MonthForecast) ShareNote() string {
	if f.Share <= 0 || f.Share >= 1 {
		return ""
	}
	return fmt.Sprintf("The team's forecast is the organization's, scaled by the team's share of the organization's spend over the last four weeks (%.1f%%): it follows the organization's trend, not the team's own.", 100*f.Share)
}

// VsBudget returns the forecast total minus the budget; ok is false without
// a forecast or a budget in the forecast's currency.
func (m *MonthOutlook) VsBudget() (c Change, ok bool) {
	if m.Forecast == nil || m.Budget.IsZero() || m.Budget.Currency() != m.Forecast.Total.Currency() {
		return Change{}, false
	}
	c, err := change(m.Forecast.Total, m.Budget)
	return c, err == nil
}

// MoverSet is the top movers of one dimension.
type MoverSet struct {
	Dimension string  `json:"dimension"` // workload, namespace, service
	Title     string  `json:"title"`
	Movers    []Mover `json:"movers"`
}

// Mover is a group whose cost changed, with the change split by cause:
// usage and coverage to the cent, price the rest, so that the parts sum to
// the change exactly and, rounded to the cent as the report prints them,
// to the change rounded to the cent (Components.Shown).
type Mover struct {
	Name     string      `json:"name"`
	LastWeek tally.Money `json:"lastWeek"`
	ThisWeek tally.Money `json:"thisWeek"`
	Ratio    float64     `json:"ratio"`
	HasBase  bool        `json:"hasBase"`
	Components
	Link string `json:"link"`
}

// TeamSpend is one team's week.
type TeamSpend struct {
	Team     string      `json:"team"`
	ThisWeek tally.Money `json:"thisWeek"`
	Change   Change      `json:"change"`
	Link     string      `json:"link"`
}

// Anomaly is a day whose cost left its robust band.
type Anomaly struct {
	Scope    string      `json:"scope"` // "namespace shop", "workload shop/checkout", "total"
	Name     string      `json:"name"`
	Day      time.Time   `json:"day"`      // the first day out of the band
	Days     int         `json:"days"`     // consecutive days out of the band (a level shift when several)
	Cost     tally.Money `json:"cost"`     // a day's cost, averaged over Days
	Expected tally.Money `json:"expected"` // the median of the same weekdays of the baseline (averaged over Days)
	Lo, Hi   tally.Money `json:"-"`
	Z        float64     `json:"z"`
	Link     string      `json:"link"`
}

// Span writes the anomaly's days: "Thu Oct 15" or "Mon Oct 12 – Sun Oct 18".
func (a Anomaly) Span() string {
	if a.Days <= 1 {
		return formatDay(a.Day)
	}
	return formatDay(a.Day) + " – " + formatDay(a.Day.AddDate(0, 0, a.Days-1))
}

// excess is the anomaly's cost above (or below) its baseline over its days.
func (a Anomaly) excess() float64 {
	return (a.Cost.Float64() - a.Expected.Float64()) * float64(a.Days)
}

// FunctionMover is a function whose self cost grew. In a first week
// (Report.FirstWeek) it is one of the week's costliest functions,
// compared with nothing: LastWeek, Change and Annual are zero.
type FunctionMover struct {
	Workload string      `json:"workload"` // namespace/name
	Function string      `json:"function"`
	LastWeek tally.Money `json:"lastWeek"`
	ThisWeek tally.Money `json:"thisWeek"`
	Change   Change      `json:"change"`
	Annual   tally.Money `json:"annual"` // the weekly increase a year
	Link     string      `json:"link"`
}

// Opportunities are recommendations with their monthly savings. Some may
// cost more (a node group grown to relieve pressure): what they add is
// Added, not netted into Total.
type Opportunities struct {
	Available   bool          `json:"available"`
	Unavailable string        `json:"unavailable,omitempty"`
	Items       []Opportunity `json:"items"`
	Total       tally.Money   `json:"total"`    // what those that save save a month, over all, not only Items
	Added       tally.Money   `json:"added"`    // what those that cost more add a month, a positive amount
	Count       int           `json:"count"`    // all of them
	CostMore    int           `json:"costMore"` // those of Count that cost more
	// InNodePlans are the container recommendations left out because a
	// node plan of their cluster is counted: a node plan packs its pods at
	// their recommended requests, so its saving holds theirs.
	InNodePlans int `json:"inNodePlans,omitempty"`
}

// CostMoreText says how many cost more, as the subject of what they add
// ("1 that costs more adds", "2 that cost more add").
func (o Opportunities) CostMoreText() string {
	if o.CostMore == 1 {
		return "1 that costs more adds"
	}
	return fmt.Sprintf("%d that cost more add", o.CostMore)
}

// InNodePlansText says that the node plans' savings hold the container
// recommendations left out ("" when none are).
func (o Opportunities) InNodePlansText() string {
	if o.InNodePlans == 0 {
		return ""
	}
	return fmt.Sprintf("The node plans' savings include the right-sizing of the %d container(s) on them (listed on the Right-sizing page), not added again.", o.InNodePlans)
}

// Saving is the number of recommendations that save (or cost nothing).
func (o Opportunities) Saving() int { return o.Count - o.CostMore }

// Opportunity is one recommendation.
type Opportunity struct {
	Kind           string      `json:"kind"`
	Target         string      `json:"target"`
	Explanation    string      `json:"explanation"`
	MonthlySavings tally.Money `json:"monthlySavings"` // negative for one that costs more
	Link           string      `json:"link"`
}

// CostsMore reports whether the recommendation adds cost instead of saving.
func (o Opportunity) CostsMore() bool { return o.MonthlySavings.Sign() < 0 }

// Expiring is a commitment ending soon.
type Expiring struct {
	ID      string    `json:"id"`
	Kind    string    `json:"kind"`
	Account string    `json:"account"`
	End     time.Time `json:"end"`
	// EndEstimated says that the commitment ends by End, not on it: its
	// bill does not date its term (tally.Commitment.StartEstimated), so
	// End is reckoned from its first charge in the stored bill.
	EndEstimated bool        `json:"endEstimated,omitempty"`
	DaysLeft     int         `json:"daysLeft"`
	Hourly       tally.Money `json:"hourly"`
	Monthly      tally.Money `json:"monthly"` // hourly × 730; hourly is the commitment, or the recurring fee plus the upfront spread over the term
	Link         string      `json:"link"`
}

// EndText says when e ends, as the text part writes it: "ends Thu Nov 5,
// in 17 day(s)", or "ends by Thu Nov 5 (est.), in at most 17 day(s)" when
// its end is an estimate.
func (e Expiring) EndText() string {
	if e.EndEstimated {
		return fmt.Sprintf("ends by %s (est.), in at most %d day(s)", formatDay(e.End), e.DaysLeft)
	}
	return fmt.Sprintf("ends %s, in %d day(s)", formatDay(e.End), e.DaysLeft)
}

// Links are the dashboard pages behind each section.
type Links struct {
	Dashboard   string `json:"dashboard"`
	Allocations string `json:"allocations"`
	Rightsizing string `json:"rightsizing"`
	Commitments string `json:"commitments"`
}

// change is now − base and its ratio to base; amounts in different
// currencies are an error.
func change(now, base tally.Money) (Change, error) {
	d, err := now.Sub(base)
	if err != nil {
		return Change{}, fmt.Errorf("change from %v to %v: %w", base, now, err)
	}
	c := Change{Delta: d}
	if b := base.Float64(); b != 0 {
		c.Ratio, c.Base = d.Float64()/b, true
	}
	return c, nil
}
