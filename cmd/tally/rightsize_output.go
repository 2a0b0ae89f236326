package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/rightsizing"
)

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func pctText(f float64) string { return strconv.FormatFloat(f*100, 'f', 1, 64) + "%" }

// moneyText writes m as the dashboard does, to the cent: "$51.80".
func moneyText(m tally.Money) string { return m.Label(2) }

// priceText writes a unit price with its currency and every digit it has:
// "$0.031611", "0.0045 CHF".
func priceText(m tally.Money) string {
	_, frac, _ := strings.Cut(m.Decimal(), ".")
	return m.Label(len(frac))
}

// backtestRows are the table's metrics, one function per row.
var backtestRows = []struct {
	name  string
	value func(r *rightsizing.StrategyResult) string
}{
	{"savings vs current requests", func(r *rightsizing.StrategyResult) string { return pctText(r.Savings) }},
	{"saved per container-month", func(r *rightsizing.StrategyResult) string { return moneyText(r.MonthlySavings) }},
	{"requests cost, current (scored days)", func(r *rightsizing.StrategyResult) string { return moneyText(r.CurrentCost) }},
	{"requests cost, recommended", func(r *rightsizing.StrategyResult) string { return moneyText(r.RecommendedCost) }},
	{"5-min windows CPU above request", func(r *rightsizing.StrategyResult) string {
		return strconv.FormatFloat(r.CPUAboveRequest*100, 'f', 2, 64) + "%"
	}},
	{"5-min windows memory above request", func(r *rightsizing.StrategyResult) string {
		return strconv.FormatFloat(r.MemoryAboveRequest*100, 'f', 2, 64) + "%"
	}},
	{"would-be OOM kills", func(r *rightsizing.StrategyResult) string { return strconv.Itoa(r.OOMs) }},
	{"would-be OOMs per container-day", func(r *rightsizing.StrategyResult) string {
		return strconv.FormatFloat(r.OOMsPerContainerDay, 'f', 4, 64)
	}},
	{"relative slack, memory", func(r *rightsizing.StrategyResult) string { return pctText(r.MemorySlack) }},
	{"relative slack, CPU", func(r *rightsizing.StrategyResult) string { return pctText(r.CPUSlack) }},
	{"recommendation churn", func(r *rightsizing.StrategyResult) string { return pctText(r.Churn) }},
}

// writeBacktest prints the strategies side by side.
func writeBacktest(w io.Writer, rep *rightsizing.BacktestReport, format string, patterns bool) error {
	switch format {
	case "json":
		return writeJSON(w, rep)
	case "csv":
		cw := csv.NewWriter(w)
		cw.Write([]string{"strategy", "pattern", "container_days", "savings", "monthly_savings", "currency", "current_cost", "recommended_cost",
			"cpu_above_request", "memory_above_request", "ooms", "ooms_per_container_day", "memory_slack", "cpu_slack", "churn"})
		for _, r := range append(rep.Strategies, rep.ByPattern...) {
			cw.Write([]string{r.Strategy, r.Pattern, f64(r.ContainerDays), f64(r.Savings), r.MonthlySavings.Decimal(), string(r.MonthlySavings.Currency()),
				r.CurrentCost.Decimal(), r.RecommendedCost.Decimal(), f64(r.CPUAboveRequest), f64(r.MemoryAboveRequest), strconv.Itoa(r.OOMs),
				f64(r.OOMsPerContainerDay), f64(r.MemorySlack), f64(r.CPUSlack), f64(r.Churn)})
		}
		cw.Flush()
		return cw.Error()
	}
	fmt.Fprintf(w, "Right-sizing backtest: %d containers, %s – %s, warm-up %s, a recommendation every %s (%d origins)\n",
		rep.Containers, rep.Window.Start.Format("2006-01-02 15:04"), rep.Window.End.Format("2006-01-02 15:04"), rep.Warmup, rep.Every, rep.Origins)
	fmt.Fprintf(w, "Prices: %s per requested core-hour, %s per requested GiB-hour of memory\n\n", priceText(rep.Prices.CPUCoreHour), priceText(rep.Prices.MemoryGiBHour))
	table := func(rs []rightsizing.StrategyResult) {
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprint(tw, "\t")
		for _, r := range rs {
			fmt.Fprintf(tw, "%s\t", r.Strategy)
		}
		fmt.Fprintln(tw)
		for _, row := range backtestRows {
			fmt.Fprintf(tw, "%s\t", row.name)
			for i := range rs {
				fmt.Fprintf(tw, "%s\t", row.value(&rs[i]))
			}
			fmt.Fprintln(tw)
		}
		tw.Flush()
	}
	table(rep.Strategies)
	fmt.Fprintf(w, "\n%s\n", rep.TargetVerdict)
	if patterns {
		n := len(rep.Strategies)
		for i := 0; i+n <= len(rep.ByPattern); i += n {
			fmt.Fprintf(w, "\nPattern %s (%.0f container-days)\n", rep.ByPattern[i].Pattern, rep.ByPattern[i].ContainerDays)
			table(rep.ByPattern[i : i+n])
		}
	}
	return nil
}

func f64(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }
