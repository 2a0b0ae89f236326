package curtest

import "time"

// Case is a hand-built CUR row and what Tally must make of it.
type Case struct {
	Name      string
	Row       Row
	Effective string // the amortized cost by DESIGN.md's rules
	Category  string // FOCUS ChargeCategory
	Status    string // CommitmentDiscountStatus
}

// Identifiers used by Month.
const (
	Payer   = "111111111111"
	Account = "222222222222"
	SPArn   = "arn:aws:savingsplans::111111111111:savingsplan/3f5a7c2e-0000-4000-8000-000000000001"
	RIArn   = "arn:aws:ec2:us-east-1:111111111111:reserved-instances/6b2f0c1d-0000-4000-8000-000000000002"
)

// Month returns one row of every line item type for the month starting at
// start, each with its expected amortized cost. Billed (unblended) total:
// 1557.4364; amortized total: 16.6076.
func Month(start time.Time) []Case {
	end := start.AddDate(0, 1, 0)
	h := start.Add(36 * time.Hour)
	base := func(typ string) Row {
		return Row{
			BillBillType: "Anniversary", BillPayerAccountID: Payer, BillPayerAccountName: "Acme Payer",
			BillBillingPeriodStartDate: start, BillBillingPeriodEndDate: end,
			LineItemUsageAccountID: Account, LineItemUsageAccountName: "acme-prod", LineItemLineItemType: typ,
			LineItemUsageStartDate: h, LineItemUsageEndDate: h.Add(time.Hour), LineItemCurrencyCode: "USD",
			LineItemProductCode: "AmazonEC2", ProductRegionCode: "us-east-1", ProductServicecode: "AmazonEC2",
			Product: map[string]string{"product_name": "Amazon Elastic Compute Cloud", "region": "us-east-1"},
		}
	}
	instance := func(typ, id, itype string, unblended, od float64) Row {
		r := base(typ)
		r.LineItemResourceID, r.ProductInstanceType, r.LineItemUsageAmount = id, itype, 1
		r.LineItemUsageType, r.LineItemOperation, r.PricingUnit = "BoxUsage:"+itype, "RunInstances", "Hrs"
		r.LineItemAvailabilityZone, r.ProductSku, r.ProductProductFamily = "us-east-1a", "SKU"+itype, "Compute Instance"
		r.LineItemUnblendedCost, r.PricingPublicOnDemandCost, r.PricingTerm = unblended, od, "OnDemand"
		r.ResourceTags = map[string]string{"user_team": "payments", "user_kubernetes_cluster": "prod"}
		return r
	}
	usage := instance("Usage", "i-0aaa0000000000001", "m5.large", 0.096, 0.096)
	ri := instance("DiscountedUsage", "i-0bbb0000000000002", "m5.large", 0, 0.096)
	ri.ReservationReservationARN, ri.ReservationEffectiveCost, ri.PricingTerm = RIArn, 0.0612, "Reserved"
	ri.ReservationAvailabilityZone = "us-east-1a" // a zonal reservation
	riFee := base("RIFee")
	riFee.ReservationReservationARN, riFee.LineItemUnblendedCost = RIArn, 44.64
	riFee.ReservationUnusedAmortized, riFee.ReservationUnusedRecurring = 1.5, 2.25
	riFee.PricingLeaseContractLength, riFee.PricingPurchaseOption = "1yr", "Partial Upfront"
	riFee.ReservationStartTime, riFee.ReservationEndTime = "2025-06-01T00:00:00.000Z", "2026-06-01T00:00:00.000Z"
	spUsage := instance("SavingsPlanCoveredUsage", "i-0ccc0000000000003", "c5.xlarge", 0.192, 0.192)
	spUsage.SavingsPlanARN, spUsage.SavingsPlanEffectiveCost = SPArn, 0.1248
	spNeg := instance("SavingsPlanNegation", "i-0ccc0000000000003", "c5.xlarge", -0.192, 0)
	spNeg.SavingsPlanARN = SPArn
	spFee := base("SavingsPlanRecurringFee")
	spFee.SavingsPlanARN, spFee.LineItemUnblendedCost = SPArn, 0.5
	spFee.SavingsPlanTotalCommitment, spFee.SavingsPlanUsedCommitment = 0.5, 0.1248
	spFee.SavingsPlanOfferingType, spFee.SavingsPlanPurchaseTerm, spFee.SavingsPlanPaymentOption = "ComputeSavingsPlans", "3yr", "Partial Upfront"
	spFee.SavingsPlanStartTime, spFee.SavingsPlanEndTime = "2025-03-15T10:00:00.000Z", "2028-03-15T10:00:00.000Z"
	spUp := base("SavingsPlanUpfrontFee")
	spUp.SavingsPlanARN, spUp.LineItemUnblendedCost = SPArn, 1000
	riUp := base("Fee")
	riUp.ReservationReservationARN, riUp.LineItemUnblendedCost = RIArn, 500
	fee := base("Fee")
	fee.LineItemProductCode, fee.LineItemUnblendedCost = "AWSSupportBusiness", 12
	credit := base("Credit")
	credit.LineItemUnblendedCost = -5
	refund := base("Refund")
	refund.LineItemUnblendedCost = -2.5
	tax := base("Tax")
	tax.LineItemUnblendedCost = 7.7
	edp := instance("EdpDiscount", "i-0aaa0000000000001", "m5.large", -0.0096, 0)
	ebs := base("Usage")
	ebs.LineItemResourceID, ebs.LineItemUsageType, ebs.LineItemUnblendedCost = "vol-0123456789abcdef0", "EBS:VolumeUsage.gp3", 0.01
	ebs.PricingPublicOnDemandCost, ebs.LineItemUsageAmount, ebs.PricingUnit = 0.01, 0.1344, "GB-Mo"
	return []Case{
		{"Usage", usage, "0.096", "Usage", ""},
		{"DiscountedUsage", ri, "0.0612", "Usage", "Used"},
		{"RIFee", riFee, "3.75", "Purchase", "Unused"},
		{"SavingsPlanCoveredUsage", spUsage, "0.1248", "Usage", "Used"},
		{"SavingsPlanNegation", spNeg, "0", "Usage", ""},
		{"SavingsPlanRecurringFee", spFee, "0.3752", "Purchase", "Unused"},
		{"SavingsPlanUpfrontFee", spUp, "0", "Purchase", ""},
		{"Fee with a reservation ARN", riUp, "0", "Purchase", ""},
		{"Fee", fee, "12", "Purchase", ""},
		{"Credit", credit, "-5", "Credit", ""},
		{"Refund", refund, "-2.5", "Credit", ""},
		{"Tax", tax, "7.7", "Tax", ""},
		{"EdpDiscount", edp, "-0.0096", "Credit", ""},
		{"Usage (EBS volume)", ebs, "0.01", "Usage", ""},
	}
}

// Rows returns the rows of cases.
func Rows(cases []Case) []Row {
	rows := make([]Row, len(cases))
	for i, c := range cases {
		rows[i] = c.Row
	}
	return rows
}
