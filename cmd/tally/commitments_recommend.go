package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/commitments"
	"github.com/tallyhq/tally/postgres"
)

type commitmentsRecommendCmd struct {
	Account        string  `placeholder:"ID" help:"Billing account (default: every account with eligible usage)."`
	History        string  `default:"400d" help:"How much of the bill before now to forecast from: Nh, Nd or Nw (a year and a month lets the stress test replay last year)."`
	Term           string  `default:"1y" enum:"1y,3y" help:"Commitment term: ${enum}."`
	Payment        string  `default:"No Upfront" enum:"No Upfront,Partial Upfront,All Upfront" help:"Payment option: ${enum}."`
	Reserved       bool    `help:"Also recommend Reserved Instances per instance type (they earn what EC2 Instance Savings Plans earn, with less flexibility)."`
	MinUtilization float64 `name:"min-utilization" default:"0.99" help:"Risk bound: utilization below this over the term …"`
	MaxProbability float64 `name:"max-probability" default:"0.05" help:"… may have at most this probability."`
	LockInPenalty  float64 `name:"lock-in-penalty" default:"0.02" help:"Price of flexibility given up, a fraction of the obligation per year of term."`
	Paths          int     `default:"100" help:"Forecast sample paths evaluated."`
	Seed           uint64  `default:"1" help:"Seed of the sample paths (same data and seed, same recommendation)."`
	Format         string  `default:"table" enum:"table,json" help:"Output format: ${enum}."`
	PlanOut        string  `name:"plan-out" placeholder:"FILE" help:"Write the purchase plan as reviewable JSON (.json) or CSV (.csv); 'tally commitments purchase --plan' reads the JSON."`
	NoStore        bool    `name:"no-store" help:"Do not replace the stored commitment recommendations."`
}

func (c *commitmentsRecommendCmd) Run(ctx context.Context, a *app) error {
	if err := checkRisk(c.MinUtilization, c.MaxProbability, c.LockInPenalty); err != nil {
		return err
	}
	if c.Paths < 1 {
		// The optimizer reads 0 as its default: 100 paths nobody asked for.
		return tally.Errorf(tally.EInvalid, "--paths %d: want at least 1 forecast sample path", c.Paths)
	}
	now := time.Now().UTC()
	w, err := parseHistory(c.History, now)
	if err != nil {
		return err
	}
	db, closeDB, err := a.openMigrated(ctx)
	if err != nil {
		return err
	}
	defer closeDB()
	if err := checkAccount(ctx, db, c.Account); err != nil {
		return err
	}
	if c.PlanOut != "" {
		// Refused before anything is computed or stored.
		if err := checkPlanOut(ctx, db, c.PlanOut, c.Account); err != nil {
			return err
		}
	}
	months := 12
	if c.Term == "3y" {
		months = 36
	}
	// The history is the window's length, ending now: "2d" is 48 hours. Its
	// start to now was a day and the hours of today, as "2d" ends at the
	// next midnight.
	out, err := commitments.RecommendAccounts(ctx, db, commitments.AccountsOptions{Account: c.Account, History: w.Duration(), NoStore: c.NoStore,
		Skipped: func(acct string, hours int) {
			a.log.Info("no eligible usage to recommend from", "account", acct, "hours", hours)
		},
		RecommendOptions: commitments.RecommendOptions{Now: now, Seed: c.Seed,
			Pools: commitments.PoolOptions{TermMonths: months, Payment: c.Payment, EC2Instance: true, Compute: true, Reserved: c.Reserved, GCPFlexible: true},
			Risk:  commitments.Risk{MinUtilization: c.MinUtilization, MaxProbability: c.MaxProbability, LockInPenalty: c.LockInPenalty, Paths: c.Paths}}})
	if err != nil {
		return err
	}
	var plans []commitments.Plan
	for _, ap := range out {
		plans = append(plans, ap.Plan)
	}
	if c.PlanOut != "" {
		if err := writePlans(ctx, db, c.PlanOut, plans); err != nil {
			return err
		}
	}
	if c.Format == "json" {
		if out == nil {
			return writeJSON(a.stdout, []struct{}{}) // an empty array, not null
		}
		return writeJSON(a.stdout, out)
	}
	hint := "tally ingest aws-cur|focus|gcp-billing first"
	if len(out) == 0 {
		periods, err := db.BillingPeriods(ctx)
		if err != nil {
			return err
		}
		if b, ok := periodsSpan(periods); ok {
			hint = fmt.Sprintf("the stored bill covers %s, outside --history %s before now", windowText(b), c.History)
			if b.Overlap(w) > 0 {
				hint = "the stored bill has no usage over --history that Savings Plans, reservations or committed use discounts cover"
			}
		}
	}
	writeCommitmentPlans(a.stdout, out, hint)
	return nil
}

// historyRE matches the windows that are a length before now.
var historyRE = regexp.MustCompile(`^\s*[0-9]+[hdw]\s*$`)

// parseHistory reads --history, a length of bill before now: Nh, Nd or Nw.
// Other windows (a START,END pair, lastmonth) were read as their length
// ending now. Every value it refuses gets the same error, which names the
// forms --history takes, not the windows of status.
func parseHistory(s string, now time.Time) (tally.Window, error) {
	w, err := tally.ParseWindow(s, now)
	if err != nil || !historyRE.MatchString(s) {
		return w, tally.Errorf(tally.EInvalid, "--history %s: want how much of the bill before now to forecast from, Nh, Nd or Nw above zero (e.g. 400d): "+
			"recommendations start now, from the latest bill", s)
	}
	return w, nil
}

// checkRisk refuses risk flags out of range, naming the flag and its value
// (recommend and backtest take the same ones): --min-utilization in (0, 1],
// --max-probability in (0, 1), a finite --lock-in-penalty ≥ 0.
func checkRisk(minUtilization, maxProbability, lockInPenalty float64) error {
	switch {
	case !(minUtilization > 0 && minUtilization <= 1):
		return tally.Errorf(tally.EInvalid, "--min-utilization %v: want a utilization above 0 and at most 1, e.g. 0.99", minUtilization)
	case !(maxProbability > 0 && maxProbability < 1):
		return tally.Errorf(tally.EInvalid, "--max-probability %v: want a probability above 0 and below 1, e.g. 0.05", maxProbability)
	case !(lockInPenalty >= 0 && !math.IsInf(lockInPenalty, 1)):
		return tally.Errorf(tally.EInvalid, "--lock-in-penalty %v: want a fraction of the obligation per year of term, 0 or more, e.g. 0.02", lockInPenalty)
	}
	return nil
}

// checkPlanOut refuses a --plan-out that is neither .json nor .csv, or a
// JSON plan (one account's) of several billing accounts without --account.
func checkPlanOut(ctx context.Context, db *postgres.DB, path, account string) error {
	ext := strings.ToLower(filepath.Ext(path))
	if ext != ".json" && ext != ".csv" {
		return tally.Errorf(tally.EInvalid, "--plan-out %s: want a .json or .csv file", path)
	}
	if ext != ".json" || account != "" {
		return nil
	}
	accounts, err := db.BillingAccounts(ctx)
	if err != nil {
		return err
	}
	if len(accounts) > 1 {
		return tally.Errorf(tally.EInvalid, "--plan-out %s: %d billing accounts; pick one with --account (a JSON plan is one account's)", path, len(accounts))
	}
	return nil
}

// writePlans writes the plans (one per account) as path's extension says,
// .json or .csv (checkPlanOut has refused the others), and logs the export.
func writePlans(ctx context.Context, db *postgres.DB, path string, plans []commitments.Plan) error {
	ext := strings.ToLower(filepath.Ext(path))
	if len(plans) != 1 && ext == ".json" { // an account with no eligible usage has no plan
		return tally.Errorf(tally.EInvalid, "--plan-out %s: %d accounts; pick one with --account (a JSON plan is one account's)", path, len(plans))
	}
	var buf bytes.Buffer
	for i, p := range plans {
		switch ext {
		case ".json":
			if err := writeJSON(&buf, p); err != nil {
				return err
			}
		case ".csv":
			var b bytes.Buffer
			if err := p.WriteCSV(&b); err != nil {
				return err
			}
			s := b.String()
			if i > 0 { // one header
				_, s, _ = strings.Cut(s, "\n")
			}
			buf.WriteString(s)
		}
	}
	if err := writeFileAtomic(path, func(w io.Writer) error { _, err := w.Write(buf.Bytes()); return err }); err != nil {
		return err
	}
	for _, p := range plans {
		body, _ := json.Marshal(p)
		if _, err := db.LogCommitmentAction(ctx, commitments.Action{BillingAccountID: p.BillingAccountID, Action: commitments.ActionPlan,
			Status: commitments.StatusOK, Request: body, Actor: actor(), ItemID: path}); err != nil {
			return err
		}
	}
	return nil
}

// writeCommitmentPlans writes the plans as tables and explanations; empty
// says why there is none when out is empty.
func writeCommitmentPlans(w io.Writer, out []commitments.AccountPlan, empty string) {
	if len(out) == 0 {
		fmt.Fprintf(w, "no account with eligible usage in the bill over --history: nothing to recommend (%s)\n", empty)
	}
	for _, ap := range out {
		fmt.Fprintf(w, "account %s\n", ap.Account)
		if len(ap.Pools) == 0 {
			fmt.Fprintln(w, "  no commitment pool for this account's usage: Tally recommends AWS Savings Plans and Reserved Instances, and GCP committed use discounts")
			fmt.Fprintln(w)
			continue
		}
		cur := string(ap.Pools[0].TargetHourly.Currency()) // the account's bill's: every amount below is in it
		if cur == "" {
			cur = "?"
		}
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintf(tw, "pool\theld %[1]s/h\tin force %[1]s/h\ttarget %[1]s/h\tbuy %[1]s/h\texpected saving/term %[1]s\tP10–P90/term %[1]s\tworst/term %[1]s\tutilization\tP(util<bound)\twhy\t\n", cur)
		for _, p := range ap.Pools {
			buy, saving, rng, worst := "-", "-", "-", "-"
			if !p.PurchaseHourly.IsZero() {
				buy = p.PurchaseHourly.Format(3)
				saving = fmt.Sprintf("%.0f", p.Savings.ExpectedSavings)
				rng = fmt.Sprintf("%.0f–%.0f", p.Savings.P10, p.Savings.P90)
				worst = fmt.Sprintf("%.0f", p.Savings.Worst)
			}
			util, low := "-", "-" // nothing held: no utilization to speak of
			if max(p.ExistingOD, p.TargetOD) > 0 {
				util, low = fmt.Sprintf("%.1f%%", 100*p.AtTarget.Utilization), fmt.Sprintf("%.0f%%", 100*p.AtTarget.PLowUtilization)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", p.Pool, p.HeldHourly.Format(3), p.ExistingHourly.Format(3),
				p.TargetHourly.Format(3), buy, saving, rng, worst, util, low, p.Choice.Binding)
		}
		tw.Flush()
		if slices.ContainsFunc(ap.Pools, func(p commitments.PoolPlan) bool { return p.HeldHourly.Format(3) != p.ExistingHourly.Format(3) }) {
			fmt.Fprintln(w, "held: the fees of the commitments in force in the pool; in force: what they cover, priced at the pool's offer, as the target is "+
				"(more than held where they earn more than it, as a 3-year commitment in a pool of 1-year ones does)")
		}
		for _, p := range ap.Pools {
			fmt.Fprintf(w, "\n%s: %s\n", p.Pool, p.Why)
			for _, t := range p.Tranches {
				fmt.Fprintf(w, "  %s  buy %s %s/h\n", tally.FormatDay(t.Date), t.HourlyCommitment.Format(3), cur)
			}
		}
		fmt.Fprintln(w)
	}
}
