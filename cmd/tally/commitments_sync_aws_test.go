package main

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/commitments"
	"github.com/tallyhq/tally/ingest/awsinventory/awstest"
	"github.com/tallyhq/tally/internal/pgtest"
	"github.com/tallyhq/tally/postgres"
)

// TestStatusLeavesOutReturnedSavingsPlans: DescribeSavingsPlans answers
// every plan whatever its state; one returned to AWS (state "returned",
// refunded, its end still years ahead) is not in force. sync aws stores
// it, and status counted it in the inventory, the lock-in and the expiry
// calendar; it now leaves it out (tally.Commitment.Applies).
func TestStatusLeavesOutReturnedSavingsPlans(t *testing.T) {
	const account = "123456789012"
	now := time.Now().UTC().Truncate(time.Hour)
	start := now.AddDate(0, -1, 0)
	usd := func(s string) tally.Money { return tally.MustParseMoney(s, "USD") }
	srv := awstest.New([]tally.Commitment{
		{ID: "arn:aws:savingsplans::" + account + ":savingsplan/sp-active", Kind: tally.CommitComputeSP, TermMonths: 12, Start: start,
			End: start.AddDate(1, 0, 0), PaymentOption: "No Upfront", HourlyCommitment: usd("1"), RecurringHourlyFee: usd("1")},
		{ID: "arn:aws:savingsplans::" + account + ":savingsplan/sp-returned", Kind: tally.CommitComputeSP, TermMonths: 36,
			Start: now.AddDate(0, 0, -3), End: now.AddDate(0, 0, -3).AddDate(3, 0, 0), PaymentOption: "No Upfront",
			HourlyCommitment: usd("5"), RecurringHourlyFee: usd("5"), State: "returned"},
	})
	defer srv.Close()
	awsCredentials = credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", "")
	t.Cleanup(func() { awsCredentials = nil; confirmInput = os.Stdin })

	url := pgtest.NewURL(t, true)
	tly := mustTally(t, "--database-url", url, "--log-level", "warn")
	tly("commitments", "sync", "aws", "--account", account, "--region", "us-west-2",
		"--savings-plans-endpoint", srv.SavingsPlans.URL, "--ec2-endpoint", srv.EC2.URL, "--sts-endpoint", srv.STS.URL)
	var st commitments.Status
	if err := json.Unmarshal([]byte(tly("commitments", "status", "--account", account, "--format", "json")), &st); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, h := range st.Inventory {
		ids = append(ids, h.ID+" ("+h.State+")")
	}
	if len(st.Inventory) != 1 || st.LockInMonths > 12 || len(st.Expiries) != 1 {
		t.Errorf("in force: %v; lock-in %.1f months, %d expiry months; want only sp-active (about 11 months, one expiry month)",
			ids, st.LockInMonths, len(st.Expiries))
	}
}

// TestSyncAWSNamesReservedInstancesByTheirAccount: DescribeReservedInstances
// lists the Reserved Instances of the credentials' account, and the bill
// names each by an ARN of that account. sync aws --account PAYER, run with a
// member account's credentials (where the Reserved Instances were bought),
// built their ARNs with the payer's account instead, so status did not
// recognize the synced one as the bill's and counted the one reservation
// twice, in the inventory and the lock-in. They are now built with the
// account STS says the credentials are of.
func TestSyncAWSNamesReservedInstancesByTheirAccount(t *testing.T) {
	const payer, member = "111111111111", "222222222222"
	now := time.Now().UTC().Truncate(time.Hour)
	start := now.AddDate(0, -1, 0)
	usd := func(s string) tally.Money { return tally.MustParseMoney(s, "USD") }
	srv := awstest.New([]tally.Commitment{{ID: "ri-0a1b2c3d", Kind: tally.CommitReserved, TermMonths: 12, Start: start,
		End: start.AddDate(1, 0, 0), PaymentOption: "No Upfront", Quantity: 1, RecurringHourlyFee: usd("0.214"),
		Scope: map[string]string{"region": "us-west-2", "instanceType": "c5.2xlarge"}}})
	defer srv.Close()
	srv.SetCaller(member, "arn:aws:iam::"+member+":user/ops")
	awsCredentials = credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", "")
	t.Cleanup(func() { awsCredentials = nil })

	url := pgtest.NewURL(t, true)
	db, err := postgres.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// The last 48 hours of the payer's bill: the member's reservation
	// covering a c5.2xlarge every hour.
	const arn = "arn:aws:ec2:us-west-2:" + member + ":reserved-instances/ri-0a1b2c3d"
	var lines []tally.CostLine
	for h := 48; h >= 1; h-- {
		s := now.Add(-time.Duration(h) * time.Hour)
		month := tally.MonthStart(s)
		lines = append(lines, tally.CostLine{Provider: tally.ProviderAWS, BillingAccountID: payer,
			BillingPeriodStart: month, BillingPeriodEnd: month.AddDate(0, 1, 0), ChargePeriodStart: s, ChargePeriodEnd: s.Add(time.Hour),
			ChargeCategory: tally.ChargeUsage, BilledCost: usd("0"), EffectiveCost: usd("0.214"), ListCost: usd("0.34"),
			ContractedCost: usd("0.214"), ServiceName: "Amazon EC2", ServiceCategory: "Compute", RegionID: "us-west-2",
			ChargeDescription: "c5.2xlarge", CommitmentDiscountID: arn, CommitmentDiscountStatus: tally.CommitmentUsed,
			CommitmentDiscountType: "Reserved Instance", SubAccountID: member, Extras: map[string]string{"x_InstanceType": "c5.2xlarge"}})
	}
	storeBill(t, db, "focus", lines)

	tly := mustTally(t, "--database-url", url, "--log-level", "warn")
	status := func() commitments.Status {
		var st commitments.Status
		if err := json.Unmarshal([]byte(tly("commitments", "status", "--account", payer, "--format", "json")), &st); err != nil {
			t.Fatal(err)
		}
		return st
	}
	if st := status(); len(st.Inventory) != 1 {
		t.Fatalf("before sync: %d commitments in force, want the bill's one", len(st.Inventory))
	}
	tly("commitments", "sync", "aws", "--account", payer, "--region", "us-west-2",
		"--savings-plans-endpoint", srv.SavingsPlans.URL, "--ec2-endpoint", srv.EC2.URL, "--sts-endpoint", srv.STS.URL)
	st := status()
	var ids []string
	for _, h := range st.Inventory {
		ids = append(ids, h.ID+" ("+h.Source+")")
	}
	if len(st.Inventory) != 1 || st.Inventory[0].ID != arn {
		t.Errorf("after sync aws with the member's credentials, in force: %v; want the one reservation, %s", ids, arn)
	}
}

// TestSyncAWSNoCredentials: commitments sync aws without AWS credentials
// says which to set, as pricing sync does; it passed on the SDK's "get
// credentials: failed to refresh cached credentials, …".
func TestSyncAWSNoCredentials(t *testing.T) {
	noAWSCredentials(t)
	code, _, errOut := runTally("--database-url", pgtest.NewURL(t, true), "commitments", "sync", "aws", "--account", "111111111111",
		"--ec2-endpoint", "http://127.0.0.1:1", "--savings-plans-endpoint", "http://127.0.0.1:1", "--sts-endpoint", "http://127.0.0.1:1")
	want := "tally: commitments sync aws: no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE"
	if code == 0 || !strings.HasPrefix(errOut, want) {
		t.Errorf("exit %d: %s\nwant %s…", code, errOut, want)
	}
}
