package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/attribution"
)

// Groups billed in different currencies get one total each: adding them
// would be wrong, and a failed Add must not reset the total.
func TestCostsTableTotalPerCurrency(t *testing.T) {
	g := func(name, amt string, cur tally.Currency) attribution.Group {
		m := tally.MustParseMoney(amt, cur)
		return attribution.Group{Name: name, Total: attribution.StepCost{CPU: m, Total: m}}
	}
	var buf bytes.Buffer
	err := writeCostsTable(&buf, []attribution.Group{g("aws-prod", "1000", "USD"), g("gcp-eu", "500", "EUR"), g("aws-dev", "30", "USD"),
		{Name: "empty"}}, false)
	if err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	space := regexp.MustCompile(` +`)
	var totals []string
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		l = space.ReplaceAllString(strings.TrimSpace(l), " ")
		if strings.HasPrefix(l, "TOTAL") {
			totals = append(totals, l)
		}
		if strings.HasPrefix(l, "gcp-eu") && !strings.HasPrefix(l, "gcp-eu EUR ") {
			t.Errorf("row without its currency: %q", l)
		}
	}
	if want := []string{"TOTAL USD 1030.00", "TOTAL EUR 500.00"}; strings.Join(totals, "|") != strings.Join(want, "|") {
		t.Errorf("totals %q, want %q\n%s", totals, want, out)
	}
}

// TestCostsTableHasARowPerStep: `tally costs --step 1d` prints, in the
// table, a row per group and day with the day's cost, as the CSV does; the
// totals stay those of the window.
func TestCostsTableHasARowPerStep(t *testing.T) {
	url, _ := oneNodeDatabase(t)
	tly := mustTally(t, "--database-url", url, "--log-level", "warn")
	tly("attribute", "--from", "2026-10-05", "--to", "2026-10-07")
	win := "2026-10-05T00:00:00Z,2026-10-07T00:00:00Z"
	whole := tableRows(tly("costs", "--window", win))[1:] // after the heading
	daily := tableRows(tly("costs", "--window", win, "--step", "1d"))[1:]
	recs, err := csv.NewReader(strings.NewReader(tly("costs", "--window", win, "--step", "1d", "--format", "csv"))).ReadAll()
	if err != nil || len(recs) < 3 {
		t.Fatalf("csv: %q, %v", recs, err)
	}
	col := map[string]int{}
	for i, h := range recs[0] {
		col[h] = i
	}
	want := []string{"NAME START CURRENCY TOTAL"}
	for _, r := range recs[1:] {
		total := tally.MustParseMoney(r[col["total_cost"]], "USD")
		want = append(want, r[col["name"]]+" "+r[col["start"]][:10]+" USD "+total.Format(2))
	}
	var got []string
	for _, r := range daily {
		if r[0] == "TOTAL" {
			break
		}
		got = append(got, strings.Join(append(r[:3:3], r[12]), " ")) // name, start, currency, total
	}
	if !slices.Equal(got, want) {
		t.Errorf("costs --step 1d table rows (name, start, currency, total):\n%s\nwant, as in the CSV:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if w, d := whole[len(whole)-1], daily[len(daily)-1]; w[0] != "TOTAL" || !slices.Equal(w, d) {
		t.Errorf("total with steps %q, without %q", d, w)
	}
}

// tableRows splits a table's lines into fields.
func tableRows(out string) [][]string {
	var rows [][]string
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		rows = append(rows, strings.Fields(l))
	}
	return rows
}

// TestCostsTableEscapesLineBreaksInNames: a group's name may come from a
// pod annotation (the team alias), which can hold tabs and line breaks.
// Written raw, they split the name's cell and add a row of the name's
// choosing (here a forged total), terminal or not.
func TestCostsTableEscapesLineBreaksInNames(t *testing.T) {
	m := tally.MustParseMoney("12.5", "USD")
	var buf bytes.Buffer
	err := writeCostsTable(&buf, []attribution.Group{
		{Name: "team-a\nTOTAL\tUSD\t0.00\u2028x\ry", Total: attribution.StepCost{CPU: m, Total: m}},
	}, false)
	if err != nil {
		t.Fatal(err)
	}
	rows := tableRows(buf.String())
	if len(rows) != 3 || rows[1][0] != `team-a\nTOTAL\tUSD\t0.00\u2028x\ry` || rows[2][0] != "TOTAL" {
		t.Errorf("table of one group named with line breaks:\n%s\nwant a header, the group's row with its name escaped, and the total", buf.String())
	}
}

// TestCostsTableMarksEstimates: a group whose cost includes node-hours
// priced from the catalog (no bill yet) is marked as estimated in the
// table, as it is in the CSV and JSON, and so is its currency's total.
func TestCostsTableMarksEstimates(t *testing.T) {
	m := tally.MustParseMoney("12.5", "USD")
	var buf bytes.Buffer
	err := writeCostsTable(&buf, []attribution.Group{
		{Name: "billed", Total: attribution.StepCost{CPU: m, Total: m}},
		{Name: "fresh", Total: attribution.StepCost{CPU: m, Total: m, Estimated: true}},
	}, false)
	if err != nil {
		t.Fatal(err)
	}
	space := regexp.MustCompile(` +`)
	rows := map[string]string{}
	for _, l := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		l = space.ReplaceAllString(strings.TrimSpace(l), " ")
		rows[strings.Fields(l)[0]] = l
	}
	if !strings.Contains(rows["fresh"], "12.50*") || strings.Contains(rows["billed"], "*") || !strings.Contains(rows["TOTAL"], "25.00*") {
		t.Errorf("estimated rows not marked:\n%s", buf.String())
	}
	if !strings.Contains(buf.String(), "* includes estimates") {
		t.Errorf("no note on what * means:\n%s", buf.String())
	}
}

// TestCostsWindowInsideHoursAnswersWholeHours: costs are kept per hour, so
// a --window whose bounds fall inside hours answers the whole hours it
// touches and says so in its start and end, as GET /api/v1/allocations does.
// It read the hours starting inside the window under the window asked:
// 10:30–12:30 was 11:00 and 12:00, labelled 10:30 to 12:30, where the API
// answered 10:00 to 13:00 with the hour of 10:00 in it.
func TestCostsWindowInsideHoursAnswersWholeHours(t *testing.T) {
	url, _ := oneNodeDatabase(t)
	tly := mustTally(t, "--database-url", url, "--log-level", "warn")
	tly("attribute", "--from", "2026-10-05", "--to", "2026-10-06")
	costs := func(window string) []string {
		recs, err := csv.NewReader(strings.NewReader(tly("costs", "--window", window, "--aggregate", "cluster", "--format", "csv"))).ReadAll()
		if err != nil || len(recs) < 2 {
			t.Fatalf("csv of --window %s: %q, %v", window, recs, err)
		}
		col := map[string]int{}
		for i, h := range recs[0] {
			col[h] = i
		}
		var rows []string
		for _, r := range recs[1:] {
			rows = append(rows, strings.Join([]string{r[col["name"]], r[col["start"]], r[col["end"]], r[col["total_cost"]]}, " "))
		}
		slices.Sort(rows)
		return rows
	}
	got, want := costs("2026-10-05T10:30:00Z,2026-10-05T12:30:00Z"), costs("2026-10-05T10:00:00Z,2026-10-05T13:00:00Z")
	if !slices.Equal(got, want) {
		t.Errorf("--window 10:30 to 12:30:\n%s\nwant the hours from 10:00 to 13:00:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestCostsSaysWhyItHasNoRows: a --filter that matches nothing says so,
// with the window; it read "no attributed cost in this window: ingest a
// bill and agent data, then run tally attribute", advice for a window
// that has costs (here a namespace spelled with a capital: names match
// exactly). A window without costs names its bounds.
func TestCostsSaysWhyItHasNoRows(t *testing.T) {
	url, _ := oneNodeDatabase(t)
	tly := mustTally(t, "--database-url", url, "--log-level", "warn")
	tly("attribute", "--from", "2026-10-05", "--to", "2026-10-07")
	tests := []struct{ args, want []string }{
		{[]string{"--window", "2026-10-05,2026-10-07", "--filter", `namespace:"Shop"`},
			[]string{`no allocation matches --filter namespace:"Shop" from 2026-10-05T00:00:00Z to 2026-10-07T00:00:00Z`}},
		{[]string{"--window", "2026-11-05,2026-11-07"},
			[]string{"no attributed cost from 2026-11-05T00:00:00Z to 2026-11-07T00:00:00Z: ingest a bill and agent data, then run tally attribute"}},
	}
	for _, tt := range tests {
		out := tly(append([]string{"costs"}, tt.args...)...)
		for _, w := range tt.want {
			if !strings.Contains(out, w) {
				t.Errorf("tally costs %q:\n%s\nwant %q", tt.args, out, w)
			}
		}
	}
}

// TestCostsJSONIsTheAPIs: tally costs --format json answers what GET
// /api/v1/allocations does for the same query ("aggregated and filtered
// like the allocation API"): its window, step, aggregate, currency and
// total, each group's costs as exact decimal strings with its averages.
// It was attribution's groups, their money {"amount": …, "currency": …}
// (a zero with no currency), and cpuCoreRequestHours for the API's
// cpuCoreRequestAverage.
func TestCostsJSONIsTheAPIs(t *testing.T) {
	url, _ := oneNodeDatabase(t)
	tly := mustTally(t, "--database-url", url, "--log-level", "warn")
	tly("attribute", "--from", "2026-10-05", "--to", "2026-10-06")
	var got struct {
		Window    tally.Window `json:"window"`
		Step      string       `json:"step"`
		Aggregate []string     `json:"aggregate"`
		Currency  string       `json:"currency"`
		Total     string       `json:"totalCost"`
		Groups    []struct {
			Name  string         `json:"name"`
			Keys  []string       `json:"keys"`
			Total map[string]any `json:"total"`
		} `json:"groups"`
	}
	out := tly("costs", "--window", "2026-10-05,2026-10-06", "--format", "json")
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("%v:\n%.400s", err, out)
	}
	if got.Step != "window" || !slices.Equal(got.Aggregate, []string{"namespace"}) || got.Currency != "USD" || got.Total == "" || len(got.Groups) == 0 {
		t.Fatalf("costs JSON %+v, want the API's window, step, aggregate, currency, total and groups:\n%.600s", got, out)
	}
	for _, g := range got.Groups {
		if _, ok := g.Total["totalCost"].(string); !ok || g.Total["cpuCoreRequestAverage"] == nil || g.Keys == nil {
			t.Errorf("group %s: total %v, keys %v; want decimal strings, averages and a list of keys", g.Name, g.Total, g.Keys)
		}
	}
}

// TestCostsTableSaysItsWindow: the table says which hours it covers and on
// which basis, as the JSON's window and the CSV's start and end do. It
// printed the rows alone, so `tally costs --window 7d` did not say that its
// seven days run to the end of today (today's hours not attributed yet),
// nor `--window month` which month.
func TestCostsTableSaysItsWindow(t *testing.T) {
	url, _ := oneNodeDatabase(t)
	tly := mustTally(t, "--database-url", url, "--log-level", "warn")
	tly("attribute", "--from", "2026-10-05", "--to", "2026-10-07")
	tests := []struct{ args []string }{
		{[]string{"--window", "2026-10-05,2026-10-07"}},
		{[]string{"--window", "2026-10-05T10:30:00Z,2026-10-05T12:30:00Z", "--basis", "billed"}},
	}
	want := []string{
		"Costs 2026-10-05 through 2026-10-06 (amortized)",
		"Costs 2026-10-05T10:00:00Z to 2026-10-05T13:00:00Z (billed)",
	}
	for i, tt := range tests {
		out := tly(append([]string{"costs"}, tt.args...)...)
		if first, _, _ := strings.Cut(out, "\n"); first != want[i] {
			t.Errorf("tally costs %q: first line %q, want %q\n%s", tt.args, first, want[i], out)
		}
	}
}
