package main

import (
	"encoding/json"
	"os"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/commitments"
	"github.com/tallyhq/tally/ingest/awsinventory/awstest"
	"github.com/tallyhq/tally/internal/pgtest"
)

// TestStatusLeavesOutReturnedSavingsPlans: DescribeSavingsPlans answers
// every plan whatever its state; one returned to AWS (state "returned",
// refunded, its end still years ahead) is not in force, yet sync aws
// stores it and status counts it in the inventory, the lock-in and the
// expiry calendar.
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
		"--savings-plans-endpoint", srv.SavingsPlans.URL, "--ec2-endpoint", srv.EC2.URL)
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
