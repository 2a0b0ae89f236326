package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/commitments"
	"github.com/tallyhq/tally/ingest/awsinventory"
)

type commitmentsPurchaseCmd struct {
	Plan       string `required:"" type:"existingfile" placeholder:"FILE" help:"Purchase plan (JSON, from 'tally commitments recommend --plan-out plan.json')."`
	Execute    bool   `help:"Send the requests that are due (per pool, the earliest tranche not yet bought, once its date has come), after a typed confirmation. Without it nothing is sent (a dry run)."`
	AllowStale bool   `name:"allow-stale" help:"Use a plan whose first item is dated more than 7 days ago (refused otherwise: run 'tally commitments recommend --plan-out' again)."`
	Format     string `default:"text" enum:"text,json" help:"How to print the requests: ${enum}."`
	// Region changes nothing: a purchase reads no inventory, buys each
	// Reserved Instance in its plan item's region and Savings Plans through
	// the global API. It is hidden, and still accepted (with a warning) for
	// the scripts that pass it, as sync aws takes it.
	Region []string `hidden:"" help:"Changes nothing in a purchase (accepted for scripts that pass it)."`
	awsFlags
}

func (c *commitmentsPurchaseCmd) Run(ctx context.Context, a *app) error {
	if len(c.Region) > 0 {
		a.log.Warn("--region changes nothing in a purchase: each Reserved Instance is bought in its plan item's region, and Savings Plans are global", "region", strings.Join(c.Region, ","))
	}
	if strings.EqualFold(filepath.Ext(c.Plan), ".csv") {
		// The CSV export is for people to review; it was parsed as JSON
		// ("byte 1: invalid character 'i'").
		return tally.Errorf(tally.EInvalid, "--plan %s: a CSV plan is for review; purchase reads the JSON plan "+
			"('tally commitments recommend --account ID --plan-out plan.json')", c.Plan)
	}
	f, err := os.Open(c.Plan)
	if err != nil {
		return tally.Errorf(tally.EInvalid, "plan: %v", err)
	}
	plan, err := commitments.ReadPlan(f, c.Plan)
	f.Close()
	if err != nil {
		return tally.Errorf(tally.EInvalid, "%w", err)
	}
	now := time.Now().UTC()
	if err := plan.CheckAge(now, commitments.MaxPlanAge); err != nil && !c.AllowStale {
		return tally.Errorf(tally.EInvalid, "plan %s: %w; usage, prices and the portfolio have changed since it was made: "+
			"run 'tally commitments recommend --account %s --plan-out FILE' again for a current plan (or pass --allow-stale to use this one)",
			c.Plan, err, plan.BillingAccountID)
	}
	db, closeDB, err := a.openMigrated(ctx)
	if err != nil {
		return err
	}
	defer closeDB()
	// What was bought already is in the log of the database the plan was
	// made from; this one's is blind to it.
	known, ids, err := knownAccount(ctx, db, plan.BillingAccountID)
	if err != nil {
		return err
	}
	switch {
	case !known && c.Execute:
		return tally.Errorf(tally.EInvalid, "--execute: the plan's billing account %s is not known to this database (no bill, no stored commitment; "+
			"its billing accounts: %s), so nothing was bought: its action log cannot tell which of the plan's items were bought before. "+
			"Buy from the database the plan was made from (--database, --database-url), or ingest the account's bill ('tally ingest') "+
			"or sync its commitments ('tally commitments sync aws') first", plan.BillingAccountID, ids)
	case !known:
		fmt.Fprintf(a.stderr, "warning: this database has no bill or stored commitment of the plan's billing account %s (the billing accounts: %s), "+
			"so its action log cannot tell which of the plan's items were bought before: use the database the plan was made from (--database, --database-url); "+
			"--execute refuses to buy until it is\n", plan.BillingAccountID, ids)
	}
	logged, err := db.PurchasedPlanItems(ctx, plan.BillingAccountID)
	if err != nil {
		return err
	}
	cl, err := c.clients(ctx, nil)
	if err != nil {
		return err
	}
	// What is due depends on what was bought, and a purchase logged under
	// an item's legacy ID on the offering it was sent for: resolve the
	// offerings first, then mark the requests due.
	reqs, err := awsinventory.Prepare(ctx, cl, plan, nil)
	if err != nil {
		return tally.Errorf(tally.EUnavailable, "%w", err)
	}
	offering := map[string]string{}
	for _, r := range reqs {
		offering[r.ItemID] = r.OfferingID
	}
	bought := plan.Bought(logged, offering)
	dueIDs := plan.Due(now, bought)
	for _, r := range reqs {
		r.Due = dueIDs[r.ItemID]
	}
	var due []*awsinventory.Request
	var hourly, upfront tally.Money
	for _, r := range reqs {
		if r.Due {
			due = append(due, r)
			if hourly, err = hourly.Add(r.HourlyCost); err != nil {
				return err
			}
			if upfront, err = upfront.Add(r.Upfront); err != nil {
				return err
			}
		}
	}
	// The account a purchase goes to is that of the credentials, whatever
	// the plan's billing account: ask STS whose they are before anything
	// is printed, logged or confirmed.
	var caller *awsinventory.Caller
	var callerErr error
	if len(reqs) > 0 && (!c.Execute || len(due) > 0) {
		who, err := cl.Caller(ctx)
		if err != nil {
			callerErr = err
		} else {
			caller = &who
			for _, r := range reqs {
				r.Caller = caller
			}
		}
	}
	if c.Execute && len(due) > 0 && callerErr != nil {
		return tally.Errorf(tally.EUnavailable, "which AWS account the credentials would buy in (nothing was bought; check AWS_PROFILE and the credentials): %w", callerErr)
	}
	logID := func(r *awsinventory.Request, action, status string, resp json.RawMessage, errText string) (int64, error) {
		body, _ := json.Marshal(r)
		return db.LogCommitmentAction(ctx, commitments.Action{BillingAccountID: plan.BillingAccountID, Action: action, Status: status,
			Provider: tally.ProviderAWS, ItemID: r.ItemID, Operation: r.Payload.Operation, Request: body, Response: resp,
			Actor: actor(), Error: errText})
	}
	log := func(r *awsinventory.Request, action, status string, resp json.RawMessage, errText string) error {
		_, err := logID(r, action, status, resp, errText)
		return err
	}
	gcp := 0           // items Tally does not send
	var where []string // where they are bought, once each (--format json prints no item)
	for _, it := range plan.Items {
		if it.Offer.Provider != tally.ProviderAWS {
			gcp++
			if w := whereToBuyGCP(it.Offer.Kind); !slices.Contains(where, w) {
				where = append(where, w)
			}
		}
	}
	elsewhere := ""
	if gcp > 0 {
		elsewhere = fmt.Sprintf(" The plan's %d GCP item(s) are not sent by Tally: buy them %s.", gcp, strings.Join(where, "; or "))
	}
	if c.Format == "json" {
		if reqs == nil {
			reqs = []*awsinventory.Request{} // an empty array, not null
		}
		if err := writeJSON(a.stdout, reqs); err != nil {
			return err
		}
	} else {
		for _, r := range reqs {
			when := "due now"
			switch {
			case r.Due:
			case bought[r.ItemID]:
				when = "bought already (see 'tally commitments log')"
			case r.Date.After(now):
				when = "scheduled for " + tally.FormatDay(r.Date) + " (re-run then; re-check the recommendation first)"
			default:
				when = "waits until the earlier tranches of its pool are bought"
			}
			what := perHour(r.HourlyCost) + " of " + commitments.Describe(r.Item.Offer)
			if r.Quantity > 0 { // whole instances: what they cost, against the plan's amount
				what = fmt.Sprintf("%d × %s, %s of %s (the plan's %s buys %d whole instance(s))", r.Quantity, r.Item.Offer.InstanceType,
					perHour(r.HourlyCost), commitments.Describe(r.Item.Offer), perHour(r.Item.HourlyCommitment), r.Quantity)
			}
			if r.Upfront.Sign() > 0 {
				what += fmt.Sprintf(", %s %s of it charged upfront", r.Upfront.Format(2), r.Upfront.Currency())
			}
			fmt.Fprintf(a.stdout, "%s: %s — %s\n  %s %s (%s)\n  %s\n\n", r.ItemID, what, when, r.Payload.Method, r.Payload.Path,
				r.Payload.ContentType, r.Payload.Body)
		}
		for _, it := range plan.Items {
			if it.Offer.Provider != tally.ProviderAWS {
				fmt.Fprintf(a.stdout, "%s: %s of %s — buy it %s; Tally does not send GCP purchases\n\n",
					it.ID, perHour(it.HourlyCommitment), commitments.Describe(it.Offer), whereToBuyGCP(it.Offer.Kind))
			}
		}
	}
	if !c.Execute {
		for _, r := range reqs {
			if err := log(r, commitments.ActionDryRun, commitments.StatusOK, nil, ""); err != nil {
				return err
			}
		}
		fmt.Fprintf(a.stderr, "dry run: nothing was sent. %d request(s) due now; add --execute to send them after a typed confirmation.%s\n", len(due), elsewhere)
		switch {
		case caller != nil && caller.Account != plan.BillingAccountID:
			fmt.Fprintf(a.stderr, "warning: the AWS credentials are %s (account %s), not of the plan's billing account %s: --execute would buy in account %s.\n",
				caller.ARN, caller.Account, plan.BillingAccountID, caller.Account)
		case caller != nil:
			fmt.Fprintf(a.stderr, "--execute would buy in account %s, with the credentials of %s.\n", caller.Account, caller.ARN)
		case callerErr != nil:
			fmt.Fprintf(a.stderr, "could not tell which AWS account the credentials would buy in (%v); --execute checks it before asking for confirmation.\n", callerErr)
		}
		return nil
	}
	if len(due) == 0 {
		if len(reqs) == 0 {
			fmt.Fprintf(a.stderr, "nothing to send: the plan has no AWS item.%s\n", elsewhere)
			return nil
		}
		fmt.Fprintf(a.stderr, "nothing is due: every AWS item is bought already, dated in the future, or waiting for an earlier tranche of its pool.%s\n", elsewhere)
		return nil
	}
	phrase := fmt.Sprintf("buy %d commitments", len(due))
	charged := ""
	if upfront.Sign() > 0 { // Partial and All Upfront: charged when bought, not by the hour
		charged = fmt.Sprintf(" (%s %s of it charged upfront, now)", upfront.Format(2), upfront.Currency())
	}
	what := fmt.Sprintf("About to buy %d commitment(s) for account %s with the credentials of %s (account %s), for %s in total, for their whole terms%s. This cannot be undone.",
		len(due), plan.BillingAccountID, caller.ARN, caller.Account, perHour(hourly), charged)
	if caller.Account != plan.BillingAccountID {
		// Allowed (in AWS Organizations a member account may buy Savings
		// Plans that apply across the organization), but likely a wrong
		// AWS_PROFILE: the phrase names the account that will be charged.
		phrase = fmt.Sprintf("buy %d commitments in account %s", len(due), caller.Account)
		what += fmt.Sprintf("\nWARNING: the credentials belong to account %s, NOT to the plan's billing account %s: the commitments will be bought in account %s. "+
			"In AWS Organizations commitments bought in a member account can apply across the organization; if you did not mean that account, "+
			"stop and check AWS_PROFILE and the credentials in use.", caller.Account, plan.BillingAccountID, caller.Account)
	}
	if !confirm(a, what, phrase) {
		for _, r := range due {
			if err := log(r, commitments.ActionPurchase, commitments.StatusDeclined, nil, "confirmation not typed"); err != nil {
				return err
			}
		}
		return errors.New("not confirmed: nothing was bought")
	}
	for i, r := range due {
		// Logged before it is sent, as perhaps bought: if Tally stops, or
		// cannot record the answer, the item is never sent again.
		id, err := logID(r, commitments.ActionPurchase, commitments.StatusUnknown, nil, "sent; Tally stopped before it recorded the answer")
		if err != nil {
			return fmt.Errorf("purchase %s, after %d of %d succeeded (it and the rest were not sent): %w", r.ItemID, i, len(due), err)
		}
		resp, err := r.Send(ctx)
		switch {
		case errors.Is(err, awsinventory.ErrOutcomeUnknown):
			if lerr := db.SettleCommitmentAction(ctx, id, commitments.StatusUnknown, nil, err.Error()); lerr != nil {
				return lerr
			}
			return fmt.Errorf("purchase %s, after %d of %d succeeded (the rest were not sent): %w; it counts as bought and will not be sent again: "+
				"run 'tally commitments sync aws' to see whether it was, and if not, buy it from a new plan ('tally commitments recommend --plan-out')",
				r.ItemID, i, len(due), err)
		case err != nil:
			if lerr := db.SettleCommitmentAction(ctx, id, commitments.StatusFailed, nil, err.Error()); lerr != nil {
				return lerr
			}
			return fmt.Errorf("purchase %s failed after %d of %d succeeded (the rest were not sent): %w", r.ItemID, i, len(due), err)
		}
		fmt.Fprintf(a.stdout, "bought %s: %s\n", r.ItemID, resp)
		if err := db.SettleCommitmentAction(ctx, id, commitments.StatusOK, resp, ""); err != nil {
			return fmt.Errorf("bought %s, but could not record it (the rest were not sent): %w; its log says it may have been bought, so it will not be sent again", r.ItemID, err)
		}
	}
	fmt.Fprintln(a.stderr, "done; run 'tally commitments sync aws' to refresh the inventory")
	return nil
}

// perHour writes an hourly amount with its currency, as the upfront
// charges are written: "0.428 USD/h".
func perHour(m tally.Money) string {
	return m.Format(3) + " " + string(m.Currency()) + "/h"
}

// whereToBuyGCP says where a GCP commitment of kind is bought: spend-based
// (flexible) commitments belong to a Cloud Billing account, resource-based
// ones to a project and region.
func whereToBuyGCP(kind string) string {
	if kind == tally.CommitCUDFlexible {
		return "in the Google Cloud console, Billing › Committed use discounts, as a spend-based Compute flexible commitment"
	}
	return "with 'gcloud compute commitments create' in its project and region, or in the console's Compute Engine › Committed use discounts"
}
