package postgres_test

import (
	"maps"
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

// TestCommitmentEMRUsageIsNotEligible: Amazon EMR bills its per-instance
// service fee under product ElasticMapReduce with the EC2 instance type
// ("m5.xlarge", usage type USE1-BoxUsage:m5.xlarge). No Savings Plan or
// Reserved Instance covers that fee (they cover the EC2 instance EMR runs
// on, billed under AmazonEC2), yet it was eligible usage: coverage's
// denominator and a stream of family m5 that the EC2 Instance and Compute
// Savings Plan pools were sized on.
func TestCommitmentEMRUsageIsNotEligible(t *testing.T) {
	db := pgtest.New(t)
	day := mustTime(t, "2026-10-03T00:00:00Z")
	var lines []tally.CostLine
	for h := range 24 {
		at := day.Add(time.Duration(h) * time.Hour).Format(time.RFC3339)
		ec2 := onDemandEC2(t, at, "us-east-1", "m5.xlarge", "0.192")
		ec2.Extras["x_Operation"] = "RunInstances"
		emr := testLine(t, at, "arn:aws:elasticmapreduce:us-east-1:111111111111:cluster/j-1", "0.048", "0.048")
		emr.CommitmentDiscountStatus, emr.ServiceCategory, emr.ServiceName = "", "Elastic Map Reduce Instance", "Amazon Elastic MapReduce"
		emr.Extras = map[string]string{"x_UsageType": "USE1-BoxUsage:m5.xlarge", "x_InstanceType": "m5.xlarge", "x_ProductCode": "ElasticMapReduce"}
		lines = append(lines, ec2, emr)
	}
	storeFOCUS(t, db, "111111111111", day, lines...)
	sums, w := daySums(t, db, day)
	if len(sums) != 1 || sums[0].EligibleOD.Decimal() != "4.608" {
		t.Errorf("CommitmentSums: %+v, want eligible 4.608 (the EC2 instance alone, not EMR's fee)", sums)
	}
	if u, total := eligibleTotal(t, db, "111111111111", w); total != commitments.NanosOf(4.608) {
		t.Errorf("EligibleUsage: streams %v, total %s, want 4.608 (the EC2 instance alone, not EMR's fee)", u.Streams, total.Money("USD"))
	}
}

// TestCommitmentOtherSavingsPlansAreNotCompute: SageMaker and Database
// Savings Plans cover no compute. A SageMaker one covers SageMaker
// instances (product AmazonSageMaker), and a CUR bills its fee under
// product MachineLearningSavingsPlans. A Database one covers the database
// services (here DynamoDB, which has no instance type); its fee's product
// code is not known here, but the CUR's savings_plan_offering_type names
// its type. Their unused parts (the fee lines' status Unused) entered the
// compute KPIs as unused compute commitment, the usage they covered as
// covered eligible usage, and the portfolio read from the bill listed the
// plans as compute ones.
func TestCommitmentOtherSavingsPlansAreNotCompute(t *testing.T) {
	for _, tc := range []struct {
		plan, resource, service, category string
		usage, fee                        map[string]string // the covered usage's and the fee's extras
	}{
		{"sagemaker", "arn:aws:sagemaker:us-east-1:111111111111:notebook-instance/lab", "Amazon SageMaker", "AI and Machine Learning",
			map[string]string{"x_UsageType": "USE1-Notebk:ml.m5.xlarge", "x_InstanceType": "ml.m5.xlarge", "x_ProductCode": "AmazonSageMaker"},
			map[string]string{"x_ProductCode": "MachineLearningSavingsPlans"}},
		{"database", "arn:aws:dynamodb:us-east-1:111111111111:table/orders", "Amazon DynamoDB", "Databases",
			map[string]string{"x_UsageType": "USE1-ReadCapacityUnit-Hrs", "x_ProductCode": "AmazonDynamoDB"},
			map[string]string{"x_SavingsPlanOfferingType": "DatabaseSavingsPlans"}},
	} {
		t.Run(tc.plan, func(t *testing.T) {
			db := pgtest.New(t)
			day := mustTime(t, "2026-10-03T00:00:00Z")
			sp := "arn:aws:savingsplans::111111111111:savingsplan/" + tc.plan
			var lines []tally.CostLine
			for h := range 24 {
				at := day.Add(time.Duration(h) * time.Hour).Format(time.RFC3339)
				ec2 := onDemandEC2(t, at, "us-east-1", "m5.large", "1")
				used := testLine(t, at, tc.resource, "0.5", "0.3")
				used.ServiceName, used.ServiceCategory, used.CommitmentDiscountStatus = tc.service, tc.category, tally.CommitmentUsed
				used.CommitmentDiscountID, used.CommitmentDiscountType, used.CommitmentDiscountCategory = sp, "Savings Plan", "Spend"
				used.Extras = maps.Clone(tc.usage)
				used.Extras["x_LineItemType"] = "SavingsPlanCoveredUsage"
				unused := testLine(t, at, "", "0", "0.1")
				unused.ServiceName, unused.ServiceCategory, unused.CommitmentDiscountStatus = "Savings Plans", tc.category, tally.CommitmentUnused
				unused.CommitmentDiscountID, unused.CommitmentDiscountType, unused.CommitmentDiscountCategory = sp, "Savings Plan", "Spend"
				unused.ChargeCategory = tally.ChargePurchase
				unused.Extras = maps.Clone(tc.fee)
				unused.Extras["x_LineItemType"] = "SavingsPlanRecurringFee"
				lines = append(lines, ec2, used, unused)
			}
			storeFOCUS(t, db, "111111111111", day, lines...)
			sums, w := daySums(t, db, day)
			if len(sums) != 1 || sums[0].EligibleOD.Decimal() != "24" || !sums[0].Used.IsZero() || !sums[0].Unused.IsZero() {
				t.Errorf("CommitmentSums: %+v; want the EC2 hours alone: eligible 24, nothing used or unused", sums)
			}
			cs, err := commitments.Portfolio(ctx, db, "111111111111", w.End)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range cs {
				t.Errorf("portfolio has %s (%s, %s/h): a %s Savings Plan is no compute commitment", c.ID, c.Kind, c.HourlyCommitment.Decimal(), tc.plan)
			}
		})
	}
}
