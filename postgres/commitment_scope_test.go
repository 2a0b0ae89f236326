package postgres_test

import (
	"testing"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/commitments"
	"github.com/tallyhq/tally/internal/pgtest"
)

// TestCommitmentPortfolioLeavesOutDatabaseReservations: an RDS
// reservation's lines (its DiscountedUsage, product AmazonRDS, instance
// type db.r5.large, and its RIFee) are not compute commitments: the KPIs
// leave them out (TestCommitmentDatabaseInstancesAreNotComputeUsage), and
// sync aws never stores them (DescribeReservedInstances lists EC2's). The
// portfolio that status and recommend read took them from the bill as an
// EC2 Reserved Instance in force, counted in the inventory, the expiries
// and the lock-in.
func TestCommitmentPortfolioLeavesOutDatabaseReservations(t *testing.T) {
	db := pgtest.New(t)
	day := mustTime(t, "2026-10-03T00:00:00Z")
	const ri = "arn:aws:rds:us-east-1:111111111111:ri:db-ri-1"
	var lines []tally.CostLine
	for h := range 48 {
		at := day.Add(time.Duration(h) * time.Hour).Format(time.RFC3339)
		l := testLine(t, at, "arn:aws:rds:us-east-1:111111111111:db:orders", "0.25", "0.15")
		l.ServiceName, l.ServiceCategory, l.CommitmentDiscountStatus = "Amazon Relational Database Service", "Database Instance", tally.CommitmentUsed
		l.CommitmentDiscountID, l.CommitmentDiscountType, l.CommitmentDiscountCategory = ri, "Reserved Instance", "Usage"
		l.Extras = map[string]string{"x_UsageType": "USE1-InstanceUsage:db.r5.large", "x_InstanceType": "db.r5.large", "x_ProductCode": "AmazonRDS",
			"x_LineItemType": "DiscountedUsage"}
		lines = append(lines, l)
	}
	storeFOCUS(t, db, "111111111111", day, lines...)
	now := day.Add(48 * time.Hour)
	cs, err := commitments.Portfolio(ctx, db, "111111111111", now)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cs {
		t.Errorf("portfolio has %s (%s, scope %v, %s/h): an RDS reservation is no compute commitment", c.ID, c.Kind, c.Scope, c.HourlyCommitment.Decimal())
	}
}
