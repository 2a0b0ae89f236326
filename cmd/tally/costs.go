package main

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/attribution"
)

type costsCmd struct {
	Window          string   `default:"7d" help:"Window: today, yesterday, week, lastweek, month, lastmonth, Nh, Nd, Nw, or START,END (YYYY-MM-DD, RFC 3339 or Unix seconds). A bound inside an hour takes the whole hour: costs are kept per hour."`
	Step            string   `default:"window" help:"Step: window (one total), 1h, 1d, 7d, …"`
	Aggregate       []string `default:"namespace" help:"Group by: cluster, node, namespace, controllerKind, controller (workload), pod, container, service, label:KEY, annotation:KEY, or a label's alias: department, environment, owner, product, team (several: comma-separated)."`
	Filter          string   `placeholder:"EXPR" help:"Keep only matching allocations, e.g. 'namespace:\"shop\"+label[team]:\"payments\"'."`
	Idle            string   `enum:"separate,share,hide" default:"separate" help:"Idle cost: an __idle__ row (separate), spread over the rows of its cluster (share), or left out (hide)."`
	Shared          string   `enum:"weighted,even,separate" default:"weighted" help:"A cluster's shared costs (control plane, NAT): spread by cost (weighted), evenly (even), or kept as a __shared__ row (separate)."`
	ShareNamespaces []string `help:"Namespaces whose cost is shared like the control plane (e.g. kube-system): spread as --shared says, or in the __shared__ row (separate)."`
	Basis           string   `enum:"amortized,billed,list" default:"amortized" help:"Cost basis: amortized (EffectiveCost), billed, or list."`
	Format          string   `enum:"table,json,csv" default:"table" help:"Output format: ${enum} (json: as GET /api/v1/allocations answers)."`
	aliasFlags
}

func (c *costsCmd) Run(ctx context.Context, a *app) error {
	q, err := c.query(time.Now())
	if err != nil {
		return err
	}
	db, closeDB, err := a.openMigrated(ctx)
	if err != nil {
		return err
	}
	defer closeDB()
	rows, err := db.AllocationRows(ctx, q)
	if err != nil {
		return err
	}
	groups, err := attribution.Aggregate(rows, q)
	if err != nil {
		return err
	}
	switch {
	case len(groups) == 0 && c.Format == "table":
		_, err := fmt.Fprintln(a.stdout, c.noCosts(q.Window))
		return err
	case c.Format == "json":
		v := attribution.NewView(q, groups)
		if v.Currency == "" { // no costs: the organization's, as the API's
			curs, err := db.BillingCurrencies(ctx)
			if err != nil {
				return err
			}
			v.Currency = string(attribution.BilledIn(curs, ""))
		}
		return writeJSON(a.stdout, v)
	case c.Format == "csv":
		return attribution.WriteCSV(a.stdout, q, groups)
	}
	if _, err := fmt.Fprintf(a.stdout, "Costs %s (%s)\n", windowText(q.Window), q.Basis); err != nil {
		return err
	}
	return writeCostsTable(a.stdout, groups, q.Step != 0)
}

func (c *costsCmd) query(now time.Time) (attribution.Query, error) {
	w, err := tally.ParseWindow(c.Window, now)
	if err != nil {
		return attribution.Query{}, err
	}
	// Costs are kept per hour: a window whose bounds fall inside hours
	// answers the whole hours it touches, as the API does, and says so.
	q := attribution.Query{Window: w.Widen(time.Hour), Idle: attribution.IdleMode(c.Idle), Shared: attribution.SharedMode(c.Shared),
		ShareNamespaces: c.ShareNamespaces}
	if q.Aliases, err = c.aliases(); err != nil {
		return q, err
	}
	if q.Basis, err = tally.ParseCostBasis(c.Basis); err != nil {
		return q, err
	}
	if q.Step, err = attribution.ParseStep(c.Step); err != nil {
		return q, err
	}
	for _, a := range c.Aggregate {
		d, err := attribution.ParseDimension(a)
		if err != nil {
			return q, err
		}
		q.Aggregate = append(q.Aggregate, d)
	}
	if q.Filters, err = attribution.ParseFilter(c.Filter); err != nil {
		return q, err
	}
	return q, q.Validate()
}

// noCosts says why the table of w has no rows: the filter matches no
// allocation, or there is none in w.
func (c *costsCmd) noCosts(w tally.Window) string {
	span := "from " + w.Start.Format(time.RFC3339) + " to " + w.End.Format(time.RFC3339)
	if c.Filter != "" {
		return "no allocation matches --filter " + c.Filter + " " + span + " (tally costs without it lists what there is)"
	}
	return "no attributed cost " + span + ": ingest a bill and agent data, then run tally attribute (tally serve does it every hour)"
}

// writeCostsTable prints one row per group with its currency, and one
// TOTAL row per currency: amounts in different currencies are never added.
// With steps, a group has a row per step, after its START, as in the CSV.
// A total that includes node-hours estimated from the price catalog (the
// bill does not cover them yet) is marked with estimateMark.
func writeCostsTable(w io.Writer, groups []attribution.Group, steps bool) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	start := "" // the START column, with steps
	if steps {
		start = "START\t"
	}
	fmt.Fprintln(tw, "NAME\t"+start+"CURRENCY\tCPU\tRAM\tGPU\tPV\tNETWORK\tLB\tSHARED\tEXTERNAL\tOTHER\tTOTAL\tEFFICIENCY\t")
	mark := func(estimated bool) string {
		if estimated {
			return estimateMark
		}
		return ""
	}
	row := func(name, start string, c *attribution.StepCost) {
		fmt.Fprintf(tw, "%s\t%s%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s%s\t%.0f%%\t\n", tableCell(name), start, c.Currency(), c.CPU.Format(2),
			c.RAM.Format(2), c.GPU.Format(2), c.PV.Format(2), c.Network.Format(2), c.LoadBalancer.Format(2), c.Shared.Format(2),
			c.External.Format(2), c.Other.Format(2), c.Total.Format(2), mark(c.Estimated), 100*c.Efficiency())
	}
	var totals currencyTotals
	estimated := map[tally.Currency]bool{}
	for i := range groups {
		c := &groups[i].Total
		if steps {
			for j := range groups[i].Steps {
				row(groups[i].Name, stepStart(groups[i].Steps[j].Window)+"\t", &groups[i].Steps[j])
			}
		} else {
			row(groups[i].Name, "", c)
		}
		if c.Currency() == "" {
			continue // no cost at all: nothing to add
		}
		if err := totals.add(c.Total); err != nil {
			return fmt.Errorf("total of %s: %w", groups[i].Name, err)
		}
		estimated[c.Currency()] = estimated[c.Currency()] || c.Estimated
	}
	if steps {
		start = "\t"
	}
	totals.each(func(m tally.Money) {
		fmt.Fprintf(tw, "TOTAL\t%s%s\t\t\t\t\t\t\t\t\t\t%s%s\t\t\n", start, m.Currency(), m.Format(2), mark(estimated[m.Currency()]))
	})
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, e := range estimated {
		if e {
			_, err := fmt.Fprintln(w, estimateNote)
			return err
		}
	}
	return nil
}

// estimateMark follows a total that includes estimates, explained by
// estimateNote under the table.
const (
	estimateMark = "*"
	estimateNote = "* includes estimates: node-hours the bill does not cover yet, priced from the catalog (tally pricing sync); replaced when the bill lands"
)

// stepStart is the start of a step: its day when the step is whole days,
// else its minute, in UTC.
func stepStart(w tally.Window) string {
	if day := 24 * time.Hour; w.Start.Truncate(day).Equal(w.Start) && w.End.Truncate(day).Equal(w.End) {
		return w.Start.UTC().Format(time.DateOnly)
	}
	return w.Start.UTC().Format("2006-01-02T15:04Z")
}
