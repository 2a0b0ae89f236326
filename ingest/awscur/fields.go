package awscur

import (
	"strings"
	"unicode"
)

// field is a CUR column Tally reads, named by its CUR 2.0 (snake_case) name.
type field int

const (
	fPayer field = iota
	fPayerName
	fBillingStart
	fBillingEnd
	fUsageAccount
	fUsageAccountName
	fLineItemType
	fUsageStart
	fUsageEnd
	fProductCode
	fUsageType
	fOperation
	fAvailabilityZone
	fResourceID
	fUsageAmount
	fCurrency
	fUnblendedCost
	fDescription
	fProductName
	fRegionCode
	fRegion
	fInstanceType
	fSku
	fServiceCode
	fProductFamily
	fPricingUnit
	fPricingTerm
	fPublicOnDemandCost
	fSPArn
	fSPEffectiveCost
	fSPTotalCommitment
	fSPUsedCommitment
	fSPOfferingType
	fSPPurchaseTerm
	fSPPaymentOption
	fSPStartTime
	fSPEndTime
	fLeaseContractLength
	fPurchaseOption
	fRIArn
	fRIEffectiveCost
	fRIUnusedAmortizedUpfront
	fRIUnusedRecurring
	fRIAvailabilityZone
	fRIStartTime
	fRIEndTime
	nFields
)

// names are the CUR 2.0 column names. A legacy CUR header converts to the
// same name with snake: lineItem/UnblendedCost → line_item_unblended_cost.
var names = [nFields]string{
	fPayer:                    "bill_payer_account_id",
	fPayerName:                "bill_payer_account_name",
	fBillingStart:             "bill_billing_period_start_date",
	fBillingEnd:               "bill_billing_period_end_date",
	fUsageAccount:             "line_item_usage_account_id",
	fUsageAccountName:         "line_item_usage_account_name",
	fLineItemType:             "line_item_line_item_type",
	fUsageStart:               "line_item_usage_start_date",
	fUsageEnd:                 "line_item_usage_end_date",
	fProductCode:              "line_item_product_code",
	fUsageType:                "line_item_usage_type",
	fOperation:                "line_item_operation",
	fAvailabilityZone:         "line_item_availability_zone",
	fResourceID:               "line_item_resource_id",
	fUsageAmount:              "line_item_usage_amount",
	fCurrency:                 "line_item_currency_code",
	fUnblendedCost:            "line_item_unblended_cost",
	fDescription:              "line_item_line_item_description",
	fProductName:              "product_product_name",
	fRegionCode:               "product_region_code",
	fRegion:                   "product_region",
	fInstanceType:             "product_instance_type",
	fSku:                      "product_sku",
	fServiceCode:              "product_servicecode",
	fProductFamily:            "product_product_family",
	fPricingUnit:              "pricing_unit",
	fPricingTerm:              "pricing_term",
	fPublicOnDemandCost:       "pricing_public_on_demand_cost",
	fSPArn:                    "savings_plan_savings_plan_a_r_n",
	fSPEffectiveCost:          "savings_plan_savings_plan_effective_cost",
	fSPTotalCommitment:        "savings_plan_total_commitment_to_date",
	fSPUsedCommitment:         "savings_plan_used_commitment",
	fSPOfferingType:           "savings_plan_offering_type",
	fSPPurchaseTerm:           "savings_plan_purchase_term",
	fSPPaymentOption:          "savings_plan_payment_option",
	fSPStartTime:              "savings_plan_start_time",
	fSPEndTime:                "savings_plan_end_time",
	fLeaseContractLength:      "pricing_lease_contract_length",
	fPurchaseOption:           "pricing_purchase_option",
	fRIArn:                    "reservation_reservation_a_r_n",
	fRIEffectiveCost:          "reservation_effective_cost",
	fRIUnusedAmortizedUpfront: "reservation_unused_amortized_upfront_fee_for_billing_period",
	fRIUnusedRecurring:        "reservation_unused_recurring_fee",
	fRIAvailabilityZone:       "reservation_availability_zone",
	fRIStartTime:              "reservation_start_time",
	fRIEndTime:                "reservation_end_time",
}

// required are the columns without which no line can be built.
var required = []field{fPayer, fBillingStart, fLineItemType, fUsageStart, fUsageEnd, fCurrency, fUnblendedCost}

// columns names the fields as a file does: as its header spells them, and
// those it lacks as a file of its kind would (legacyName in a legacy CUR).
type columns [nFields]string

// newColumns names every field as a legacy CUR or a CUR 2.0 file would.
func newColumns(legacy bool) *columns {
	var c columns
	for f, n := range names {
		if legacy {
			n = legacyName(n)
		}
		c[f] = n
	}
	return &c
}

// focusFields are the fields whose FOCUS columns a run's own checks of a
// line name (see ingest.Emit.Renamed).
var focusFields = map[string]field{"BillingAccountId": fPayer, "BillingCurrency": fCurrency,
	"BillingPeriodStart": fBillingStart, "ChargePeriodStart": fUsageStart}

// focus returns the file's column of a FOCUS one, "" for a column it has no field of.
func (c *columns) focus(col string) string {
	if f, ok := focusFields[col]; ok {
		return c[f]
	}
	return ""
}

var byName = func() map[string]field {
	m := make(map[string]field, nFields)
	for f, n := range names {
		m[n] = field(f)
	}
	return m
}()

// legacyCategories are legacy CUR's column categories by their CUR 2.0
// prefix.
var legacyCategories = []struct{ prefix, category string }{{"bill_", "bill"}, {"line_item_", "lineItem"}, {"pricing_", "pricing"},
	{"product_", "product"}, {"reservation_", "reservation"}, {"savings_plan_", "savingsPlan"}}

// legacyName is the legacy CUR header of a CUR 2.0 column, the inverse of
// snake ("line_item_unblended_cost" → "lineItem/UnblendedCost") for the
// columns legacy CUR spells with a capital starting each word: every
// required and amortization column, though not all product and pricing
// columns (product/productFamily).
func legacyName(name string) string {
	for _, c := range legacyCategories {
		rest, ok := strings.CutPrefix(name, c.prefix)
		if !ok {
			continue
		}
		var b strings.Builder
		b.WriteString(c.category + "/")
		for w := range strings.SplitSeq(rest, "_") {
			if w != "" {
				b.WriteString(strings.ToUpper(w[:1]) + w[1:])
			}
		}
		return b.String()
	}
	return name
}

// snake converts a legacy CUR header ("lineItem/UnblendedCost",
// "reservation/ReservationARN") to its CUR 2.0 name
// ("line_item_unblended_cost", "reservation_reservation_a_r_n"): the
// category and the name joined by "_", each capital letter starting a word,
// as AWS's own conversion does.
func snake(header string) string {
	cat, name, ok := strings.Cut(header, "/")
	if !ok {
		return header
	}
	var b strings.Builder
	b.Grow(len(header) + 8)
	write := func(s string) {
		for i, r := range s {
			if unicode.IsUpper(r) {
				if i > 0 {
					b.WriteByte('_')
				}
				b.WriteRune(unicode.ToLower(r))
			} else {
				b.WriteRune(r)
			}
		}
	}
	write(cat)
	b.WriteByte('_')
	write(name)
	return b.String()
}
