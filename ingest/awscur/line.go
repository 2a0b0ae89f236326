package awscur

import (
	"fmt"
	"strings"
	"time"

	"github.com/parquet-go/parquet-go"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/ingest"
)

// Line item types (line_item_line_item_type).
const (
	Usage                   = "Usage"
	DiscountedUsage         = "DiscountedUsage"
	SavingsPlanCoveredUsage = "SavingsPlanCoveredUsage"
	SavingsPlanNegation     = "SavingsPlanNegation"
	SavingsPlanRecurringFee = "SavingsPlanRecurringFee"
	SavingsPlanUpfrontFee   = "SavingsPlanUpfrontFee"
	RIFee                   = "RIFee"
	Fee                     = "Fee"
	Credit                  = "Credit"
	Refund                  = "Refund"
	Tax                     = "Tax"
	EdpDiscount             = "EdpDiscount"
	PrivateRateDiscount     = "PrivateRateDiscount"
	BundledDiscount         = "BundledDiscount"
	RiVolumeDiscount        = "RiVolumeDiscount"
	DistributorDiscount     = "DistributorDiscount"
)

// categories maps each known line item type to its FOCUS ChargeCategory.
var categories = map[string]tally.ChargeCategory{
	Usage:                   tally.ChargeUsage,
	DiscountedUsage:         tally.ChargeUsage,
	SavingsPlanCoveredUsage: tally.ChargeUsage,
	SavingsPlanNegation:     tally.ChargeUsage, // cancels the covered usage's on-demand amount
	SavingsPlanRecurringFee: tally.ChargePurchase,
	SavingsPlanUpfrontFee:   tally.ChargePurchase,
	RIFee:                   tally.ChargePurchase,
	Fee:                     tally.ChargePurchase,
	Credit:                  tally.ChargeCredit,
	Refund:                  tally.ChargeCredit,
	Tax:                     tally.ChargeTax,
	EdpDiscount:             tally.ChargeCredit,
	PrivateRateDiscount:     tally.ChargeCredit,
	BundledDiscount:         tally.ChargeCredit,
	RiVolumeDiscount:        tally.ChargeCredit,
	DistributorDiscount:     tally.ChargeCredit,
}

// row is one CUR row, from CSV (text cells) or Parquet (typed values).
type row struct {
	file    string
	n       int64
	present *[nFields]bool
	names   *columns                 // the file's column names, for errors
	cols    *[nFields]*ingest.Column // Parquet columns; nil entries read s
	s       [nFields]string
	v       [nFields]parquet.Value
	typed   [nFields]bool // v holds the value
	tags    map[string]string
	intern  [nFields]*ingest.Interner
}

func (r *row) reset() {
	r.s = [nFields]string{}
	r.typed = [nFields]bool{}
	r.tags = nil
}

func (r *row) bad(f field, reason string) *ingest.LineError {
	return &ingest.LineError{File: r.file, Line: r.n, Column: r.names[f], Value: r.text(f), Reason: reason}
}

func (r *row) text(f field) string {
	if r.typed[f] {
		if r.intern[f] == nil {
			r.intern[f] = ingest.NewInterner(4096)
		}
		return r.cols[f].StringOf(r.v[f], r.intern[f])
	}
	return ingest.Str(r.s[f])
}

func (r *row) money(f field, cur tally.Currency) (tally.Money, error) {
	if r.typed[f] {
		return r.cols[f].Money(r.v[f], cur)
	}
	return ingest.Money(r.s[f], cur)
}

func (r *row) time(f field) (time.Time, error) {
	if r.typed[f] {
		return r.cols[f].Time(r.v[f])
	}
	return ingest.Time(r.s[f])
}

func (r *row) float(f field) (float64, error) {
	if r.typed[f] {
		return r.cols[f].Float(r.v[f])
	}
	return ingest.Float(r.s[f])
}

// build fills l from r, computing the amortized cost.
func (r *row) build(l *tally.CostLine) *ingest.LineError {
	*l = tally.CostLine{Provider: tally.ProviderAWS}
	typ := r.text(fLineItemType)
	cat, ok := categories[typ]
	if !ok {
		e := r.bad(fLineItemType, fmt.Sprintf("%v: want one of Usage, DiscountedUsage, SavingsPlanCoveredUsage, SavingsPlanNegation, "+
			"SavingsPlanRecurringFee, SavingsPlanUpfrontFee, RIFee, Fee, Credit, Refund, Tax, EdpDiscount, PrivateRateDiscount, "+
			"BundledDiscount, RiVolumeDiscount, DistributorDiscount", ingest.ErrUnknownLineItemType))
		e.Err = ingest.ErrUnknownLineItemType
		return e
	}
	l.ChargeCategory = cat
	cur, err := ingest.Currency(r.text(fCurrency))
	if err != nil {
		return r.bad(fCurrency, err.Error())
	}
	l.BillingAccountID = r.text(fPayer)
	if l.BillingAccountID == "" {
		return r.bad(fPayer, "required")
	}
	l.BillingAccountName = r.text(fPayerName)
	l.SubAccountID = r.text(fUsageAccount)
	l.SubAccountName = r.text(fUsageAccountName)
	for _, t := range []struct {
		f   field
		dst *time.Time
	}{{fBillingStart, &l.BillingPeriodStart}, {fBillingEnd, &l.BillingPeriodEnd}, {fUsageStart, &l.ChargePeriodStart}, {fUsageEnd, &l.ChargePeriodEnd}} {
		if *t.dst, err = r.time(t.f); err != nil {
			return r.bad(t.f, err.Error())
		}
	}
	if l.BillingPeriodStart.IsZero() {
		return r.bad(fBillingStart, "required")
	}
	if l.ChargePeriodStart.IsZero() {
		return r.bad(fUsageStart, "required")
	}
	if l.ChargePeriodEnd.IsZero() {
		return r.bad(fUsageEnd, "required")
	}
	if l.BillingPeriodEnd.IsZero() {
		l.BillingPeriodEnd = tally.MonthStart(l.BillingPeriodStart).AddDate(0, 1, 0)
	}
	if l.ChargePeriodEnd.Before(l.ChargePeriodStart) {
		return r.bad(fUsageEnd, "before "+r.names[fUsageStart])
	}
	if !l.ChargePeriodStart.Before(l.BillingPeriodEnd) {
		return r.afterPeriod(l)
	}
	if l.BilledCost, err = r.money(fUnblendedCost, cur); err != nil {
		return r.bad(fUnblendedCost, err.Error())
	}
	if l.ListCost, err = r.money(fPublicOnDemandCost, cur); err != nil {
		return r.bad(fPublicOnDemandCost, err.Error())
	}
	l.ContractedCost = l.BilledCost
	if l.PricingQuantity, err = r.float(fUsageAmount); err != nil {
		return r.bad(fUsageAmount, err.Error())
	}
	if cat == tally.ChargeUsage {
		l.ConsumedQuantity = l.PricingQuantity
	}
	if e := r.amortize(typ, cur, l); e != nil {
		return e
	}
	l.PricingUnit = r.text(fPricingUnit)
	l.ConsumedUnit = l.PricingUnit
	l.ChargeDescription = r.text(fDescription)
	l.ServiceName = r.text(fProductName)
	if l.ServiceName == "" {
		l.ServiceName = r.text(fProductCode)
	}
	l.ServiceCategory = r.text(fProductFamily)
	l.SkuID = r.text(fSku)
	l.RegionID = r.text(fRegionCode)
	if l.RegionID == "" {
		l.RegionID = r.text(fRegion)
	}
	l.AvailabilityZone = r.text(fAvailabilityZone)
	l.ResourceID = r.text(fResourceID)
	switch {
	case strings.HasPrefix(l.ResourceID, "i-"):
		l.ResourceType = "Instance"
	case strings.HasPrefix(l.ResourceID, "vol-"):
		l.ResourceType = "Volume"
	}
	switch term := r.text(fPricingTerm); {
	case typ == SavingsPlanCoveredUsage || typ == DiscountedUsage:
		l.PricingCategory = "Committed"
	case term == "Spot":
		l.PricingCategory = "Dynamic"
	case term == "OnDemand" || (cat == tally.ChargeUsage && term == ""):
		l.PricingCategory = "Standard"
	}
	switch cat {
	case tally.ChargeUsage:
		l.ChargeFrequency = "Usage-Based"
	case tally.ChargePurchase:
		l.ChargeFrequency = "Recurring"
		if typ == SavingsPlanUpfrontFee || typ == Fee {
			l.ChargeFrequency = "One-Time"
		}
	default:
		l.ChargeFrequency = "One-Time"
	}
	l.Tags = r.tags
	l.Extras = map[string]string{"x_LineItemType": typ}
	for _, x := range []struct {
		k string
		f field
	}{{"x_UsageType", fUsageType}, {"x_Operation", fOperation}, {"x_ProductCode", fProductCode}, {"x_InstanceType", fInstanceType},
		{"x_ReservationAvailabilityZone", fRIAvailabilityZone}, {"x_SavingsPlanOfferingType", fSPOfferingType},
		{"x_SavingsPlanPurchaseTerm", fSPPurchaseTerm}, {"x_SavingsPlanPaymentOption", fSPPaymentOption},
		{"x_LeaseContractLength", fLeaseContractLength}, {"x_PurchaseOption", fPurchaseOption},
		{"x_SavingsPlanStartTime", fSPStartTime}, {"x_SavingsPlanEndTime", fSPEndTime},
		{"x_ReservationStartTime", fRIStartTime}, {"x_ReservationEndTime", fRIEndTime}} {
		if v := r.text(x.f); v != "" {
			l.Extras[x.k] = v
		}
	}
	return nil
}

// afterPeriod is the bad row of line l, whose usage starts at or after its
// billing period's end. AWS's billing periods are months in UTC, as its
// usage dates are: a bill holds the period's usage, and late charges of
// earlier periods (a refund, a correction), which start before it, as the
// FOCUS and GCP readers take them too, but never usage yet to come. (Those
// readers do not refuse a charge after the period: GCP's invoice months,
// which Tally reads as UTC months, are Pacific time's, and so are those of
// a FOCUS export of a GCP bill; their last hours start after it in UTC.)
func (r *row) afterPeriod(l *tally.CostLine) *ingest.LineError {
	start, end := r.text(fBillingStart), r.text(fBillingEnd)
	if end == "" { // the month after start (see build)
		end = l.BillingPeriodEnd.Format(time.RFC3339)
	}
	return r.bad(fUsageStart, fmt.Sprintf("after the billing period %s – %s (%s – %s): a bill holds its period's usage and late charges of earlier periods, not later usage",
		start, end, r.names[fBillingStart], r.names[fBillingEnd]))
}

// amortize sets EffectiveCost and the commitment columns by the standard
// CUR rules (DESIGN.md):
//
//	SavingsPlanCoveredUsage → savings_plan_savings_plan_effective_cost
//	DiscountedUsage         → reservation_effective_cost
//	RIFee                   → reservation_unused_amortized_upfront_fee_for_billing_period + reservation_unused_recurring_fee
//	SavingsPlanRecurringFee → savings_plan_total_commitment_to_date − savings_plan_used_commitment
//	SavingsPlanNegation, SavingsPlanUpfrontFee → 0
//	Fee with a reservation ARN → 0 (the RI upfront fee, amortized through DiscountedUsage and RIFee)
//	anything else           → line_item_unblended_cost
func (r *row) amortize(typ string, cur tally.Currency, l *tally.CostLine) *ingest.LineError {
	money := func(f field) (tally.Money, *ingest.LineError) {
		if !r.present[f] {
			return tally.Money{}, &ingest.LineError{File: r.file, Line: r.n, Column: r.names[f],
				Reason: fmt.Sprintf("a %s line needs this column to be amortized, and the file lacks it", typ), Err: ingest.ErrMissingColumn}
		}
		m, err := r.money(f, cur)
		if err != nil {
			return m, r.bad(f, err.Error())
		}
		return m, nil
	}
	sp := func(status tally.CommitmentStatus) {
		l.CommitmentDiscountID = r.text(fSPArn)
		l.CommitmentDiscountType, l.CommitmentDiscountCategory, l.CommitmentDiscountStatus = "Savings Plan", "Spend", status
	}
	ri := func(status tally.CommitmentStatus) {
		l.CommitmentDiscountID = r.text(fRIArn)
		l.CommitmentDiscountType, l.CommitmentDiscountCategory, l.CommitmentDiscountStatus = "Reserved Instance", "Usage", status
	}
	var e *ingest.LineError
	switch typ {
	case SavingsPlanCoveredUsage:
		l.EffectiveCost, e = money(fSPEffectiveCost)
		sp(tally.CommitmentUsed)
	case DiscountedUsage:
		l.EffectiveCost, e = money(fRIEffectiveCost)
		ri(tally.CommitmentUsed)
	case RIFee:
		var upfront, recurring tally.Money
		if upfront, e = money(fRIUnusedAmortizedUpfront); e != nil {
			return e
		}
		if recurring, e = money(fRIUnusedRecurring); e != nil {
			return e
		}
		l.EffectiveCost, _ = upfront.Add(recurring)
		ri(tally.CommitmentUnused)
	case SavingsPlanRecurringFee:
		var total, used tally.Money
		if total, e = money(fSPTotalCommitment); e != nil {
			return e
		}
		if used, e = money(fSPUsedCommitment); e != nil {
			return e
		}
		l.EffectiveCost, _ = total.Sub(used)
		sp(tally.CommitmentUnused)
	case SavingsPlanNegation:
		l.EffectiveCost = tally.Zero(cur)
		sp("")
	case SavingsPlanUpfrontFee:
		l.EffectiveCost = tally.Zero(cur)
		sp("")
	case Fee:
		if arn := r.text(fRIArn); arn != "" {
			l.EffectiveCost = tally.Zero(cur)
			ri("")
		} else {
			l.EffectiveCost = l.BilledCost
		}
	default:
		l.EffectiveCost = l.BilledCost
	}
	if e != nil {
		return e
	}
	if l.EffectiveCost.Currency() == "" {
		l.EffectiveCost = tally.Zero(cur)
	}
	return nil
}
