package main

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/tallyhq/tally"
)

type clusterCmd struct {
	List clusterListCmd `cmd:"" help:"List the clusters: provider, region, and the billing account their nodes are billed to, with where it came from."`
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
	tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CLUSTER\tPROVIDER\tREGION\tBILLING ACCOUNT\tFROM")
	for _, cl := range cs {
		account := cl.BillingAccountID
		if account == "" {
			account = "none"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", cl.ID, orDash(cl.Provider), orDash(cl.Region), account, accountFrom(cl))
	}
	return tw.Flush()
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
	if err := db.SetClusterAccount(ctx, tally.ClusterID(c.Cluster), c.BillingAccount); err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "cluster %s is billed to account %s; its unbilled hours are estimated in it from the next attribution\n", c.Cluster, c.BillingAccount)
	accounts, err := db.BillingAccounts(ctx)
	if err != nil {
		return err
	}
	if !slices.ContainsFunc(accounts, func(b tally.BillingAccount) bool { return b.ID == c.BillingAccount }) {
		fmt.Fprintf(a.stdout, "no bill of account %s is ingested yet: its hours are estimated until one is\n", c.BillingAccount)
	}
	return nil
}
