package main

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/tallyhq/tally"
)

type clusterCmd struct {
	List clusterListCmd `cmd:"" help:"List the clusters: provider, region, nodes whose agents report and when they last did, and the billing account their nodes are billed to, with where it came from."`
	Set  clusterSetCmd  `cmd:"" help:"Set the billing account a cluster's nodes are billed to (its unbilled hours are estimated in it; no bill changes it)."`
}

type clusterListCmd struct{}

func (c *clusterListCmd) Run(ctx context.Context, a *app) error {
	db, closeDB, err := a.openMigrated(ctx)
	if err != nil {
		return err
	}
	defer closeDB()
	cs, err := db.Clusters(ctx)
	if err != nil {
		return err
	}
	now := time.Now().UTC()
	reports, err := db.ClusterReports(ctx, now.Add(-reportingWithin))
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CLUSTER\tPROVIDER\tREGION\tNODES REPORTING\tLAST REPORT\tBILLING ACCOUNT\tFROM")
	for _, cl := range cs {
		account := cl.BillingAccountID
		if account == "" {
			account = "none"
		}
		r := reports[cl.ID]
		last := "never"
		if !r.Last.IsZero() {
			last = r.Last.Format(time.RFC3339) + " (" + ago(now.Sub(r.Last)) + ")"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\t%s\n", cl.ID, orDash(cl.Provider), orDash(cl.Region), r.Nodes, last, account, accountFrom(cl))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "NODES REPORTING: nodes whose agents reported in the last %d minutes.\n", int(reportingWithin.Minutes()))
	return nil
}

// reportingWithin is how recent an agent's last report must be for tally
// cluster list to count its node as reporting: agents report every 10 s by
// default and buffer while the backend is away.
const reportingWithin = 10 * time.Minute

// ago says how long ago d was, in its largest whole unit: "3m ago".
func ago(d time.Duration) string {
	switch {
	case d < 0:
		return "in the future: check the clocks"
	case d < time.Minute:
		return fmt.Sprintf("%ds ago", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm ago", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh ago", int(d.Hours()))
	}
	return fmt.Sprintf("%dd ago", int(d.Hours()/24))
}

// accountFrom is the FROM column: where a cluster's billing account came from.
func accountFrom(c tally.Cluster) string {
	switch {
	case c.BillingAccountID == "":
		return "unbilled hours not estimated until a bill of its nodes is ingested (tally cluster set)"
	case c.BillingAccountFrom == tally.AccountFromProvider:
		return "guessed: the only " + c.Provider + " account when it registered"
	case c.BillingAccountFrom == tally.AccountFromBill:
		return "the bill of its nodes"
	}
	return "configured"
}

// staleNote says which attributed hours an account's change made stale,
// and that the next attribution re-attributes them, their node-hours the
// bill does not cover estimated in the new account.
func staleNote(spans []tally.Window) string {
	if len(spans) == 0 {
		return "; no attributed hour changes"
	}
	hours := 0
	for _, w := range spans {
		hours += int(w.End.Sub(w.Start) / time.Hour)
	}
	const layout = "2006-01-02 15:04"
	return fmt.Sprintf("; the next attribution re-attributes %s of its nodes (%s to %s UTC), estimating in it their node-hours the bill does not cover",
		countText(hours, "hour"), spans[0].Start.Format(layout), spans[len(spans)-1].End.Format(layout))
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

type clusterSetCmd struct {
	Cluster        string `arg:"" help:"The cluster (its id, as its agent token names it)."`
	BillingAccount string `name:"billing-account" required:"" placeholder:"ID" help:"The billing account its nodes are billed to: the payer account of its AWS account's CUR, its GCP billing account."`
}

func (c *clusterSetCmd) Run(ctx context.Context, a *app) error {
	if strings.TrimSpace(c.BillingAccount) == "" {
		return tally.Errorf(tally.EInvalid, "--billing-account: want the account id its nodes are billed to")
	}
	db, closeDB, err := a.openMigrated(ctx)
	if err != nil {
		return err
	}
	defer closeDB()
	stale, err := db.SetClusterAccount(ctx, tally.ClusterID(c.Cluster), c.BillingAccount)
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "cluster %s is billed to account %s%s\n", c.Cluster, c.BillingAccount, staleNote(stale))
	accounts, err := db.BillingAccounts(ctx)
	if err != nil {
		return err
	}
	if !slices.ContainsFunc(accounts, func(b tally.BillingAccount) bool { return b.ID == c.BillingAccount }) {
		fmt.Fprintf(a.stdout, "no bill of account %s is ingested yet: its hours are estimated until one is\n", c.BillingAccount)
	}
	return nil
}
