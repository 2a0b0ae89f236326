package gcpbilling

import (
	"regexp"

	"github.com/tallyhq/tally"
)

// Spend-based committed use discounts of the consumption model, GCP's
// billing model for them since 2026-01-21 (from 2025-07-15 for billing
// accounts without such CUDs, or that opted in): the usage a CUD covers is
// priced at the CUD's discounted price, its row naming the consumption
// model that priced it (consumption_model.id and .description, "Compute
// Flexible CUD - 1 Year"), with no credit; the commitment's fee rows bill
// the hourly commitment in discounted dollars (new fee SKUs at $1 a unit,
// the quantity being the commitment), and a FEE_UTILIZATION_OFFSET credit
// on a fee row takes off the part the covered usage used. A fee row's net
// cost is then the unused commitment, and the used part is already in the
// usage rows' cost: nothing is amortized, billed and effective cost are
// the net cost of each row. See docs.cloud.google.com/docs/cuds-multiprice
// and /docs/cuds-example-queries.

// CUDModelKey is the extra that marks the lines of spend-based CUDs of the
// consumption model, fee rows and the usage they covered, with the value
// CUDModelConsumption.
const (
	CUDModelKey         = "x_CUDModel"
	CUDModelConsumption = "consumption"
)

// consumptionFeeSKUs are the fee SKUs of Compute flexible CUDs in the
// consumption model, as GCP's example KPI queries list them. Fee rows of
// other products' CUDs are known by their FEE_UTILIZATION_OFFSET credit,
// and by the SKU of such a row in the hours when nothing was used (see
// Amortizer).
var consumptionFeeSKUs = map[string]bool{"5515-81A8-03A2": true, "B22F-51BE-D599": true}

// cudModel matches the consumption model of a committed use discount
// ("Compute Flexible CUD - 3 Year", "Cloud Spanner CUD - 1 Year"), not the
// default (on-demand) one or a promotion's.
var cudModel = regexp.MustCompile(`(?i)\bcuds?\b|\bcommit`)

// consumptionFee sets l, a row of a spend-based CUD's fee in the
// consumption model, as one: a purchase whose effective cost (its net
// cost, the fee less its FEE_UTILIZATION_OFFSET credit) is the unused
// commitment, with the status Unused. id names the commitment: its
// subscription instance, or else the fee SKU.
func consumptionFee(l *tally.CostLine, id string) {
	l.ChargeCategory, l.ChargeFrequency, l.PricingCategory = tally.ChargePurchase, "One-Time", ""
	l.CommitmentDiscountID = id
	l.CommitmentDiscountType, l.CommitmentDiscountCategory = "Committed Use Discount", "Spend"
	l.CommitmentDiscountStatus = tally.CommitmentUnused
	setExtra(l, CUDModelKey, CUDModelConsumption)
}

// consumptionUsage sets l, usage a spend-based CUD of the consumption model
// priced, as covered by it (status Used, pricing category Committed): its
// cost is the discounted one and its list cost (cost_at_list) the
// on-demand equivalent.
func consumptionUsage(l *tally.CostLine, id string) {
	l.CommitmentDiscountID = id
	l.CommitmentDiscountType, l.CommitmentDiscountCategory = "Committed Use Discount", "Spend"
	l.CommitmentDiscountStatus, l.PricingCategory = tally.CommitmentUsed, "Committed"
	setExtra(l, CUDModelKey, CUDModelConsumption)
}

// isConsumptionFee reports whether l is a fee row that consumptionFee set.
func isConsumptionFee(l *tally.CostLine) bool {
	return l.ChargeCategory == tally.ChargePurchase && l.Extras[CUDModelKey] == CUDModelConsumption
}

func setExtra(l *tally.CostLine, k, v string) {
	if l.Extras == nil {
		l.Extras = map[string]string{}
	}
	l.Extras[k] = v
}
