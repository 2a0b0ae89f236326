package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/user"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/commitments"
	"github.com/tallyhq/tally/ingest/awsinventory"
	"github.com/tallyhq/tally/postgres"
)

// commitmentsCmd is `tally commitments …`.
type commitmentsCmd struct {
	Status    commitmentsStatusCmd    `cmd:"" help:"Coverage, utilization, effective savings rate, unused dollars, lock-in and expiries, from the bill."`
	Recommend commitmentsRecommendCmd `cmd:"" help:"Risk-bounded, laddered purchase recommendations from forecasts of eligible usage; stores them and can export the plan."`
	Backtest  commitmentsBacktestCmd  `cmd:"" help:"Walk usage forward hour by hour and compare strategies (none, lookbacks, quantile, quarterly, Tally, hindsight)."`
	Generate  commitmentsGenerateCmd  `cmd:"" help:"Write the bundled usage scenarios (steady, growing, declining, migration, seasonal, drop) with the committed generator."`
	Sync      commitmentsSyncCmd      `cmd:"" help:"Read the commitment inventory from AWS (Savings Plans, Reserved Instances) or from the bill (GCP CUDs, FOCUS)."`
	Purchase  commitmentsPurchaseCmd  `cmd:"" help:"Turn a purchase plan into the exact AWS API requests; dry run unless --execute and the typed confirmation."`
	Log       commitmentsLogCmd       `cmd:"" help:"Show the commitment action log (syncs, exported plans, dry runs, purchases)."`
}

type commitmentsStatusCmd struct {
	Account string `placeholder:"ID" help:"Billing account (default: all)."`
	Window  string `default:"30d" help:"Window: today, yesterday, week, lastweek, month, lastmonth, Nh, Nd, Nw, or START,END (YYYY-MM-DD, RFC 3339 or Unix seconds)."`
	Step    string `default:"day" enum:"hour,day,month" help:"Series step: ${enum}."`
	Format  string `default:"table" enum:"table,json" help:"Output format: ${enum}."`
}

func (c *commitmentsStatusCmd) Run(ctx context.Context, a *app) error {
	now := time.Now().UTC()
	w, err := tally.ParseWindow(c.Window, now)
	if err != nil {
		return err
	}
	if !w.Start.Before(now) { // as the API refuses it
		return tally.Errorf(tally.EInvalid, "--window %s: starts after now (%s): it has no bill yet", c.Window, now.Format(time.RFC3339))
	}
	// Whole hours, as the bill's lines start: a window from 00:30 answered
	// 01:00 to the hour after its end, labelled from 00:30.
	if end := w.End.Truncate(time.Hour); end.Before(w.End) {
		w.End = end.Add(time.Hour)
	}
	w.Start = w.Start.Truncate(time.Hour)
	db, closeDB, err := a.openMigrated(ctx)
	if err != nil {
		return err
	}
	defer closeDB()
	if err := checkAccount(ctx, db, c.Account); err != nil {
		return err
	}
	sums, err := db.CommitmentSums(ctx, c.Account, w, c.Step)
	if err != nil {
		return err
	}
	cs, err := commitments.Portfolio(ctx, db, c.Account, now)
	if err != nil {
		return err
	}
	st, err := commitments.BuildStatus(now, w, c.Step, sums, cs)
	if err != nil {
		return err
	}
	if c.Format == "json" {
		return writeJSON(a.stdout, st)
	}
	lastDay, err := lastBilledDay(ctx, db, c.Account, st)
	if err != nil {
		return err
	}
	hint := "ingest a bill first (tally ingest aws-cur|focus|gcp-billing)"
	if len(st.Series) == 0 {
		periods, err := db.BillingPeriods(ctx)
		if err != nil {
			return err
		}
		if b, ok := periodsSpan(periods); ok {
			hint = fmt.Sprintf("the stored bill covers %s: try --window %s,%s", windowText(b), b.Start.Format(time.RFC3339), b.End.Format(time.RFC3339))
			switch {
			case b.Overlap(w) > 0 && w.End.After(now.Add(-48*time.Hour)):
				hint = "bills arrive a day or two late, and the stored bill has no usage over it yet that Savings Plans, reservations or committed use discounts cover"
			case b.Overlap(w) > 0:
				hint = "the stored bill has no usage over it that Savings Plans, reservations or committed use discounts cover"
			}
		}
	}
	writeStatus(a.stdout, st, lastDay, hint)
	return nil
}

// lastBilledDay returns, with month steps, the last day of st's last month
// that the bill has eligible usage in: a month the bill ends within reads
// as lower spend unless its table says where. Zero with other steps, whose
// last row says it.
func lastBilledDay(ctx context.Context, db *postgres.DB, account string, st *commitments.Status) (time.Time, error) {
	if st.Step != "month" || len(st.Series) == 0 {
		return time.Time{}, nil
	}
	part := tally.Window{Start: st.Series[len(st.Series)-1].Start, End: st.Window.End}
	if part.Start.Before(st.Window.Start) {
		part.Start = st.Window.Start
	}
	days, err := db.CommitmentSums(ctx, account, part, "day")
	if err != nil {
		return time.Time{}, fmt.Errorf("last billed day: %w", err)
	}
	var last time.Time
	for _, d := range days {
		if d.Start.After(last) {
			last = d.Start
		}
	}
	return last, nil
}

// checkAccount refuses an --account Tally knows nothing of: no billing
// account of that id has a bill, and no commitment is stored for it (one
// 'commitments sync aws --account' stored before its bill). Without it a
// mistyped id read as an account without eligible usage or commitments. The
// error names the accounts there are.
func checkAccount(ctx context.Context, db *postgres.DB, account string) error {
	if account == "" {
		return nil
	}
	known, ids, err := knownAccount(ctx, db, account)
	if err != nil || known {
		return err
	}
	return tally.Errorf(tally.EInvalid, "--account %s: no billing account of that id has a bill or a stored commitment (the billing accounts: %s)", account, ids)
}

// knownAccount reports whether a billing account of that id has a bill or
// a stored commitment, and lists the billing accounts with a bill ("none:
// ingest a bill first" when there is none).
func knownAccount(ctx context.Context, db *postgres.DB, account string) (bool, string, error) {
	as, err := db.BillingAccounts(ctx)
	if err != nil {
		return false, "", err
	}
	ids := make([]string, len(as))
	for i, b := range as {
		if b.ID == account {
			return true, "", nil
		}
		ids[i] = b.ID
	}
	cs, err := db.Commitments(ctx, account, tally.Window{Start: time.Unix(0, 0).UTC(), End: time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil || len(cs) > 0 {
		return len(cs) > 0, "", err
	}
	if len(ids) == 0 {
		return false, "none: ingest a bill first", nil
	}
	return false, strings.Join(ids, ", "), nil
}

// periodsSpan returns the months the stored billing periods cover, first
// to last; false when there is none.
func periodsSpan(periods []postgres.BillingPeriod) (tally.Window, bool) {
	var w tally.Window
	for i, p := range periods {
		end := p.Key.Start.AddDate(0, 1, 0)
		if i == 0 || p.Key.Start.Before(w.Start) {
			w.Start = p.Key.Start
		}
		if i == 0 || end.After(w.End) {
			w.End = end
		}
	}
	return w, len(periods) > 0
}

func pct(p *float64) string {
	if p == nil {
		return "-"
	}
	return fmt.Sprintf("%.1f%%", 100**p)
}

// writeStatus writes st as tables; lastDay is, with month steps, the last
// day the bill has eligible usage in (zero when not known); empty says why
// there is no eligible usage when st has none.
func writeStatus(w io.Writer, st *commitments.Status, lastDay time.Time, empty string) {
	fmt.Fprintf(w, "Commitments %s (%s steps)\n", windowText(st.Window), st.Step)
	if len(st.Series) == 0 && len(st.Inventory) == 0 {
		fmt.Fprintf(w, "  no eligible usage and no commitment in the bill over this window: %s\n", empty)
		return
	}
	cur := string(st.Currency) // every amount below is in it
	if cur == "" {
		cur = "?"
	}
	if len(st.Series) == 0 { // no ratio, amount or step to show: say why
		fmt.Fprintf(w, "  no eligible usage in the bill over this window: %s\n", empty)
		fmt.Fprintf(w, "  lock-in: %.1f months (commitment-weighted mean remaining)\n\n", st.LockInMonths)
	} else {
		writeStatusKPIs(w, st, lastDay, cur)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "commitment\tkind\tscope\tterm\tends\t"+cur+"/h\tremaining\t")
	for _, h := range st.Inventory {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%.1f mo\t\n", h.ID, h.Kind, scopeString(h.Scope), commitments.TermString(h.TermMonths),
			endText(h.Commitment), h.HourlyCost.Format(3), h.RemainingMonths)
	}
	tw.Flush()
	held := make([]tally.Commitment, len(st.Inventory))
	for i, h := range st.Inventory {
		held[i] = h.Commitment
	}
	writeInferred(w, held)
	if len(st.Expiries) > 0 {
		fmt.Fprintln(w, "\nexpiries:")
		for _, e := range st.Expiries {
			est := ""
			if e.Estimated {
				est = ", ending by then (est.)"
			}
			fmt.Fprintf(w, "  %s  %d commitment(s), %s %s/h%s\n", e.Month.Format("2006-01"), e.Count, e.HourlyCost.Format(3), cur, est)
		}
	}
}

// writeStatusKPIs writes st's ratios and amounts (in cur), over the window,
// by provider and per step, where the bill ends (see writeStatus for
// lastDay) when the window runs past it, and the lock-in.
func writeStatusKPIs(w io.Writer, st *commitments.Status, lastDay time.Time, cur string) {
	t := st.Totals
	est := ""
	if t.Estimated {
		est = " (GCP export: used/unused estimated at the published CUD rate)"
	}
	fmt.Fprintf(w, "  coverage %s · utilization %s · effective savings rate %s%s\n", pct(t.Coverage), pct(t.Utilization), pct(t.ESR), est)
	if last, early := billEnd(st, lastDay); early {
		fmt.Fprintf(w, "  the bill has no eligible usage after %s yet: bills arrive a day or two late\n", last)
	}
	fmt.Fprintf(w, "  eligible on-demand equivalent %s · amortized %s · saved %s · unused commitment %s (%s)\n",
		t.EligibleOD.Format(2), t.Amortized.Format(2), t.Savings.Format(2), t.Unused.Format(2), cur)
	fmt.Fprintf(w, "  lock-in: %.1f months (commitment-weighted mean remaining)\n\n", st.LockInMonths)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "provider\tcoverage\tutilization\tESR\teligible OD %[1]s\tunused %[1]s\t\n", cur)
	for _, p := range keysOf(st.ByProvider) {
		m := st.ByProvider[p]
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t\n", p, pct(m.Coverage), pct(m.Utilization), pct(m.ESR), m.EligibleOD.Format(2), m.Unused.Format(2))
	}
	tw.Flush()
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "start\tcoverage\tutilization\tESR\teligible OD %[1]s\tamortized %[1]s\tunused %[1]s\t\n", cur)
	for _, m := range st.Series {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", stepLabel(m.Start, st.Step, st.Window), pct(m.Coverage), pct(m.Utilization), pct(m.ESR),
			m.EligibleOD.Format(2), m.Amortized.Format(2), m.Unused.Format(2))
	}
	tw.Flush()
	fmt.Fprintln(w)
}

// billEnd returns the last step the bill has eligible usage in, or with
// month steps and lastDay set that day, and whether the window runs past it.
func billEnd(st *commitments.Status, lastDay time.Time) (string, bool) {
	if st.Step == "month" && !lastDay.IsZero() {
		return lastDay.Format("2006-01-02"), nextStep(lastDay, "day").Before(st.Window.End)
	}
	last := st.Series[len(st.Series)-1].Start
	return last.Format(stepLayout(st.Step)), nextStep(last, st.Step).Before(st.Window.End)
}

// stepLabel heads the row of the step starting at t: its start, and of a
// month the window holds in part the days it does ("2026-08 (from 08-28)",
// "2026-11 (through 11-24)").
func stepLabel(t time.Time, step string, w tally.Window) string {
	label := t.Format(stepLayout(step))
	if step != "month" {
		return label
	}
	var part []string
	if w.Start.After(t) {
		part = append(part, "from "+w.Start.Format("01-02"))
	}
	if end := nextStep(t, step); w.End.Before(end) {
		part = append(part, "through "+w.End.Add(-time.Nanosecond).Format("01-02"))
	}
	if len(part) == 0 {
		return label
	}
	return label + " (" + strings.Join(part, ", ") + ")"
}

// nextStep returns the start of the step after the one starting at t.
func nextStep(t time.Time, step string) time.Time {
	switch step {
	case "hour":
		return t.Add(time.Hour)
	case "month":
		return t.AddDate(0, 1, 0)
	}
	return t.AddDate(0, 0, 1)
}

func stepLayout(step string) string {
	switch step {
	case "hour":
		return "2006-01-02T15Z"
	case "month":
		return "2006-01"
	}
	return "2006-01-02"
}

func scopeString(m map[string]string) string {
	var parts []string
	for _, k := range keysOf(m) {
		parts = append(parts, k+"="+m[k])
	}
	if len(parts) == 0 {
		return "any"
	}
	return strings.Join(parts, ",")
}

// commitmentsSyncCmd is `tally commitments sync aws|billing`.
type commitmentsSyncCmd struct {
	AWS     commitmentsSyncAWSCmd     `cmd:"" name:"aws" help:"Savings Plans (savingsplans DescribeSavingsPlans) and Reserved Instances (ec2 DescribeReservedInstances)."`
	Billing commitmentsSyncBillingCmd `cmd:"" help:"Commitments the bill names: GCP CUD fees and credits, FOCUS CommitmentDiscount* columns."`
}

// awsFlags configure the AWS clients.
type awsFlags struct {
	SavingsPlansEndpoint string `name:"savings-plans-endpoint" env:"TALLY_AWS_SAVINGSPLANS_ENDPOINT" placeholder:"URL" help:"Savings Plans API endpoint override."`
	EC2Endpoint          string `name:"ec2-endpoint" env:"TALLY_AWS_EC2_ENDPOINT" placeholder:"URL" help:"EC2 API endpoint override (every region)."`
	STSEndpoint          string `name:"sts-endpoint" env:"TALLY_AWS_STS_ENDPOINT" placeholder:"URL" help:"STS API endpoint override (GetCallerIdentity: which account the credentials are of)."`
}

// awsCredentials, when set (tests), replaces the default credential chain.
var awsCredentials aws.CredentialsProvider

// clients builds the AWS clients; regions are those whose Reserved
// Instances Inventory reads.
func (f *awsFlags) clients(ctx context.Context, regions []string) (*awsinventory.Clients, error) {
	return awsinventory.NewClients(ctx, awsinventory.Options{Regions: regions, SavingsPlansEndpoint: f.SavingsPlansEndpoint,
		EC2Endpoint: f.EC2Endpoint, STSEndpoint: f.STSEndpoint, Credentials: awsCredentials})
}

type commitmentsSyncAWSCmd struct {
	Account string   `required:"" placeholder:"ID" help:"The payer (billing) account the commitments are stored under. Reserved Instance ARNs are built with the account of the credentials (STS GetCallerIdentity), whose Reserved Instances EC2 lists."`
	Region  []string `help:"Regions whose Reserved Instances are read (default: the AWS configuration's region)."`
	awsFlags
}

func (c *commitmentsSyncAWSCmd) Run(ctx context.Context, a *app) error {
	if err := requireAWSCredentials(ctx, "commitments sync aws", ""); err != nil {
		return err
	}
	cl, err := c.clients(ctx, c.Region)
	if err != nil {
		return err
	}
	who, err := cl.Caller(ctx)
	if err != nil {
		return tally.Errorf(tally.EUnavailable, "sync aws: %w", err)
	}
	cs, err := awsinventory.Inventory(ctx, cl, c.Account, who.Account)
	if err != nil {
		return tally.Errorf(tally.EUnavailable, "%w", err)
	}
	db, closeDB, err := a.openMigrated(ctx)
	if err != nil {
		return err
	}
	defer closeDB()
	return a.storeInventory(ctx, db, c.Account, tally.ProviderAWS, cs)
}

// writeInferred lists what Tally inferred of commitments rather than read
// (tally.Commitment.Inferred), one line each, and the dates it estimated
// (tally.Commitment.StartEstimated), a line each.
func writeInferred(w io.Writer, cs []tally.Commitment) {
	for _, c := range cs {
		if c.Inferred != "" {
			fmt.Fprintf(w, "  %s: %s\n", c.ID, c.Inferred)
		}
		if !c.StartEstimated {
			continue
		}
		const why = "the bill does not date its term; its start, %s, is reckoned from its first charge in the stored bill, which the term may predate"
		if endEstimated(c) {
			fmt.Fprintf(w, "  %s: ends by %s (est.): "+why+"\n", c.ID, tally.FormatDay(c.End), tally.FormatDay(c.Start))
		} else {
			fmt.Fprintf(w, "  %s: "+why+"\n", c.ID, tally.FormatDay(c.Start))
		}
	}
}

// endEstimated reports whether c's end is an estimate: its start is one
// and it is in force (an expired one ended at its last charge).
func endEstimated(c tally.Commitment) bool {
	return c.StartEstimated && c.State != "expired"
}

// endText formats c's end for a table: its day, or "≤ DAY (est.)" when it
// is an estimate (endEstimated) and the term ends by then.
func endText(c tally.Commitment) string {
	if endEstimated(c) {
		return "≤ " + tally.FormatDay(c.End) + " (est.)"
	}
	return tally.FormatDay(c.End)
}

// startText formats c's start for a table: its day, or "≤ DAY (est.)"
// when it is an estimate and the term started by then.
func startText(c tally.Commitment) string {
	if c.StartEstimated {
		return "≤ " + tally.FormatDay(c.Start) + " (est.)"
	}
	return tally.FormatDay(c.Start)
}

// storeInventory upserts commitments, logs the sync and prints a line each.
func (a *app) storeInventory(ctx context.Context, db *postgres.DB, account, provider string, cs []tally.Commitment) error {
	if err := db.UpsertCommitments(ctx, cs); err != nil {
		return err
	}
	ids := make([]string, len(cs))
	for i, c := range cs {
		ids[i] = c.ID
	}
	resp, _ := json.Marshal(map[string]any{"commitments": ids})
	if _, err := db.LogCommitmentAction(ctx, commitments.Action{BillingAccountID: account, Action: commitments.ActionSync,
		Status: commitments.StatusOK, Provider: provider, Response: resp, Actor: actor()}); err != nil {
		return err
	}
	tw := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "commitment\tkind\tscope\tterm\tstart\tend\t$/h or qty\tpayment\tstate\t")
	for _, c := range cs {
		amount := c.HourlyCommitment.Format(3) + "/h"
		if c.HourlyCommitment.IsZero() {
			amount = fmt.Sprintf("×%g", c.Quantity)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", c.ID, c.Kind, scopeString(c.Scope), commitments.TermString(c.TermMonths),
			startText(c), endText(c), amount, c.PaymentOption, c.State)
	}
	tw.Flush()
	writeInferred(a.stdout, cs)
	fmt.Fprintf(a.stdout, "%d commitment(s) stored\n", len(cs))
	return nil
}

type commitmentsSyncBillingCmd struct {
	Account  string   `placeholder:"ID" help:"Billing account (default: all)."`
	Window   string   `default:"400d" help:"How much of the bill to read."`
	Provider []string `default:"gcp" help:"Providers whose commitments are taken from the bill: aws, gcp, azure, oracle, or all for every one (AWS's come from its APIs: sync aws). A provider with no commitment in the bill stores none."`
}

// billingProviders are the values of sync billing --provider.
var billingProviders = []string{tally.ProviderAWS, tally.ProviderGCP, tally.ProviderAzure, tally.ProviderOracle, "all"}

func (c *commitmentsSyncBillingCmd) Run(ctx context.Context, a *app) error {
	// An unknown provider matched nothing in the bill: nothing was stored
	// and the command exited 0.
	for i, p := range c.Provider {
		c.Provider[i] = strings.ToLower(strings.TrimSpace(p))
		if !contains(billingProviders, c.Provider[i]) {
			return tally.Errorf(tally.EInvalid, "--provider %s: unknown provider (want %s or all)", p,
				strings.Join(billingProviders[:len(billingProviders)-1], ", "))
		}
	}
	w, err := tally.ParseWindow(c.Window, time.Now())
	if err != nil {
		return err
	}
	db, closeDB, err := a.openMigrated(ctx)
	if err != nil {
		return err
	}
	defer closeDB()
	bcs, err := db.BillingCommitments(ctx, c.Account, w)
	if err != nil {
		return err
	}
	if bcs, err = commitments.IdentifyUnsaid(ctx, db, bcs); err != nil {
		return err
	}
	end := w.End
	if last, ok := lastCharge(bcs); ok && last.Before(end) {
		end = last
	}
	stored, err := db.Commitments(ctx, c.Account, w)
	if err != nil {
		return err
	}
	var keep []tally.Commitment
	for _, cm := range commitments.KeepStoredStarts(commitments.InventoryFromBilling(bcs, end), stored) {
		if contains(c.Provider, "all") || contains(c.Provider, cm.Provider) {
			keep = append(keep, cm)
		}
	}
	return a.storeInventory(ctx, db, c.Account, "billing", keep)
}

// lastCharge returns the end of the latest charge of any commitment: where
// the bill Tally has ends.
func lastCharge(bcs []commitments.BillingCommitment) (time.Time, bool) {
	var t time.Time
	for _, b := range bcs {
		if b.Last.After(t) {
			t = b.Last
		}
	}
	return t, !t.IsZero()
}

// commitmentsLogCmd is `tally commitments log`.
type commitmentsLogCmd struct {
	Account string `placeholder:"ID" help:"Only this billing account's actions (default: all)."`
	Limit   int    `default:"50" help:"How many actions, newest first (at least 1)."`
	Format  string `default:"table" enum:"table,json" help:"Output format: ${enum}."`
}

func (c *commitmentsLogCmd) Run(ctx context.Context, a *app) error {
	if c.Limit < 1 { // 0 printed an empty table
		return tally.Errorf(tally.EInvalid, "--limit %d: want at least 1", c.Limit)
	}
	db, closeDB, err := a.openMigrated(ctx)
	if err != nil {
		return err
	}
	defer closeDB()
	as, err := db.CommitmentActions(ctx, c.Account, c.Limit)
	if err != nil {
		return err
	}
	if len(as) == 0 { // none logged, or an account Tally does not know
		if err := checkAccount(ctx, db, c.Account); err != nil {
			return err
		}
	}
	if c.Format == "json" {
		return writeJSON(a.stdout, as)
	}
	tw := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "id\tat\taccount\taction\tstatus\toperation\titem\terror\t")
	for _, x := range as {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", x.ID, x.At.Format(time.RFC3339), x.BillingAccountID, x.Action, x.Status,
			x.Operation, x.ItemID, x.Error)
	}
	return tw.Flush()
}

// keysOf returns m's keys, sorted.
func keysOf[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// actor names who runs the command, for the action log.
func actor() string {
	name := os.Getenv("USER")
	if u, err := user.Current(); err == nil {
		name = u.Username
	}
	host, _ := os.Hostname()
	return name + "@" + host
}

// windowText formats w for people: "2026-10-24 through 2026-11-22" (the
// last day included) on day boundaries, "START to END" in RFC 3339
// otherwise.
func windowText(w tally.Window) string {
	if w.Start.Equal(w.Start.Truncate(24*time.Hour)) && w.End.Equal(w.End.Truncate(24*time.Hour)) {
		return w.Start.Format(time.DateOnly) + " through " + w.End.AddDate(0, 0, -1).Format(time.DateOnly)
	}
	return w.Start.Format(time.RFC3339) + " to " + w.End.Format(time.RFC3339)
}
