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
	fLeaseContractLength
	fPurchaseOption
	fRIArn
	fRIEffectiveCost
	fRIUnusedAmortizedUpfront
	fRIUnusedRecurring
	fRIAvailabilityZone
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
	fLeaseContractLength:      "pricing_lease_contract_length",
	fPurchaseOption:           "pricing_purchase_option",
	fRIArn:                    "reservation_reservation_a_r_n",
	fRIEffectiveCost:          "reservation_effective_cost",
	fRIUnusedAmortizedUpfront: "reservation_unused_amortized_upfront_fee_for_billing_period",
	fRIUnusedRecurring:        "reservation_unused_recurring_fee",
	fRIAvailabilityZone:       "reservation_availability_zone",
}

// required are the columns without which no line can be built.
var required = []field{fPayer, fBillingStart, fLineItemType, fUsageStart, fUsageEnd, fCurrency, fUnblendedCost}

var byName = func() map[string]field {
	m := make(map[string]field, nFields)
	for f, n := range names {
		m[n] = field(f)
	}
	return m
}()

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
