package demo

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/parquet-go/parquet-go"

	"github.com/tallyhq/tally"
)

// CUR 2.0 column types, as the Data Exports table dictionary lists them.
const (
	curString = "string"
	curDouble = "double"
	curTime   = "timestamp"
	curMapStr = "map<string,string>"
	curMapDbl = "map<string,double>"
)

// CUR2Columns is the CUR 2.0 (Data Exports COST_AND_USAGE_REPORT) schema
// with resource ids and without split cost allocation data, in the order
// the export writes them.
var CUR2Columns = []struct{ Name, Type string }{
	{"bill_bill_type", curString}, {"bill_billing_entity", curString}, {"bill_billing_period_end_date", curTime},
	{"bill_billing_period_start_date", curTime}, {"bill_invoice_id", curString}, {"bill_invoicing_entity", curString},
	{"bill_payer_account_id", curString}, {"bill_payer_account_name", curString},
	{"cost_category", curMapStr}, {"discount", curMapDbl}, {"discount_bundled_discount", curDouble}, {"discount_total_discount", curDouble},
	{"identity_line_item_id", curString}, {"identity_time_interval", curString},
	{"line_item_availability_zone", curString}, {"line_item_blended_cost", curDouble}, {"line_item_blended_rate", curString},
	{"line_item_currency_code", curString}, {"line_item_legal_entity", curString}, {"line_item_line_item_description", curString},
	{"line_item_line_item_type", curString}, {"line_item_net_unblended_cost", curDouble}, {"line_item_net_unblended_rate", curString},
	{"line_item_normalization_factor", curDouble}, {"line_item_normalized_usage_amount", curDouble}, {"line_item_operation", curString},
	{"line_item_product_code", curString}, {"line_item_resource_id", curString}, {"line_item_tax_type", curString},
	{"line_item_unblended_cost", curDouble}, {"line_item_unblended_rate", curString}, {"line_item_usage_account_id", curString},
	{"line_item_usage_account_name", curString}, {"line_item_usage_amount", curDouble}, {"line_item_usage_end_date", curTime},
	{"line_item_usage_start_date", curTime}, {"line_item_usage_type", curString},
	{"pricing_currency", curString}, {"pricing_lease_contract_length", curString}, {"pricing_offering_class", curString},
	{"pricing_public_on_demand_cost", curDouble}, {"pricing_public_on_demand_rate", curString}, {"pricing_purchase_option", curString},
	{"pricing_rate_code", curString}, {"pricing_rate_id", curString}, {"pricing_term", curString}, {"pricing_unit", curString},
	{"product", curMapStr}, {"product_comment", curString}, {"product_fee_code", curString}, {"product_fee_description", curString},
	{"product_from_location", curString}, {"product_from_location_type", curString}, {"product_from_region_code", curString},
	{"product_instance_family", curString}, {"product_instance_type", curString}, {"product_instanceSKU", curString},
	{"product_location", curString}, {"product_location_type", curString}, {"product_operation", curString},
	{"product_pricing_unit", curString}, {"product_product_family", curString}, {"product_region_code", curString},
	{"product_servicecode", curString}, {"product_sku", curString}, {"product_to_location", curString},
	{"product_to_location_type", curString}, {"product_to_region_code", curString}, {"product_usagetype", curString},
	{"reservation_amortized_upfront_cost_for_usage", curDouble}, {"reservation_amortized_upfront_fee_for_billing_period", curDouble},
	{"reservation_availability_zone", curString}, {"reservation_effective_cost", curDouble}, {"reservation_end_time", curString},
	{"reservation_modification_status", curString}, {"reservation_net_amortized_upfront_cost_for_usage", curDouble},
	{"reservation_net_amortized_upfront_fee_for_billing_period", curDouble}, {"reservation_net_effective_cost", curDouble},
	{"reservation_net_recurring_fee_for_usage", curDouble}, {"reservation_net_unused_amortized_upfront_fee_for_billing_period", curDouble},
	{"reservation_net_unused_recurring_fee", curDouble}, {"reservation_net_upfront_value", curDouble},
	{"reservation_normalized_units_per_reservation", curString}, {"reservation_number_of_reservations", curString},
	{"reservation_recurring_fee_for_usage", curDouble}, {"reservation_reservation_a_r_n", curString}, {"reservation_start_time", curString},
	{"reservation_subscription_id", curString}, {"reservation_total_reserved_normalized_units", curString},
	{"reservation_total_reserved_units", curString}, {"reservation_units_per_reservation", curString},
	{"reservation_unused_amortized_upfront_fee_for_billing_period", curDouble}, {"reservation_unused_normalized_unit_quantity", curDouble},
	{"reservation_unused_quantity", curDouble}, {"reservation_unused_recurring_fee", curDouble}, {"reservation_upfront_value", curDouble},
	{"resource_tags", curMapStr},
	{"savings_plan_amortized_upfront_commitment_for_billing_period", curDouble}, {"savings_plan_end_time", curString},
	{"savings_plan_instance_type_family", curString}, {"savings_plan_net_amortized_upfront_commitment_for_billing_period", curDouble},
	{"savings_plan_net_recurring_commitment_for_billing_period", curDouble}, {"savings_plan_net_savings_plan_effective_cost", curDouble},
	{"savings_plan_offering_type", curString}, {"savings_plan_payment_option", curString}, {"savings_plan_purchase_term", curString},
	{"savings_plan_recurring_commitment_for_billing_period", curDouble}, {"savings_plan_region", curString},
	{"savings_plan_savings_plan_a_r_n", curString}, {"savings_plan_savings_plan_effective_cost", curDouble},
	{"savings_plan_savings_plan_rate", curDouble}, {"savings_plan_start_time", curString},
	{"savings_plan_total_commitment_to_date", curDouble}, {"savings_plan_used_commitment", curDouble},
}

// curRowGroup is the rows per parquet row group of the CUR files.
const curRowGroup = 16384

func strp(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// interner hands out one pointer per distinct string, so the many repeated
// values of a CUR file (accounts, types, rates, regions) are not allocated
// per row.
type interner map[string]*string

func (in interner) p(s string) *string {
	if s == "" {
		return nil
	}
	if v, ok := in[s]; ok {
		return v
	}
	v := &s
	in[s] = v
	return v
}

func f64p(v float64) *float64 { return &v }

// writeCUR2 writes the lines of one billing period as a CUR 2.0 parquet file.
func (o *org) writeCUR2(out io.Writer, lines []*awsLine, periodStart, periodEnd time.Time, closed bool) error {
	pw := parquet.NewGenericWriter[curRecord](out, parquet.Compression(&parquet.Snappy),
		parquet.CreatedBy("tally-demo", "1", "demo"), parquet.MaxRowsPerRowGroup(curRowGroup))
	batch := make([]curRecord, 0, 1024)
	in := interner{}
	flush := func() error {
		if _, err := pw.Write(batch); err != nil {
			return fmt.Errorf("write CUR 2.0 rows: %w", err)
		}
		batch = batch[:0]
		return nil
	}
	for _, l := range lines {
		batch = append(batch, o.curRow(in, l, periodStart, periodEnd, closed))
		if len(batch) == cap(batch) {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if err := flush(); err != nil {
		return err
	}
	return pw.Close()
}

// curRow converts one line item.
func (o *org) curRow(in interner, l *awsLine, ps, pe time.Time, closed bool) curRecord {
	payer := l.acct.Payer
	r := curRecord{
		BillBillType: in.p(l.billType), BillBillingEntity: in.p("AWS"),
		BillBillingPeriodEndDate: pe, BillBillingPeriodStartDate: ps,
		BillInvoicingEntity: in.p("Amazon Web Services, Inc."), BillPayerAccountID: in.p(payer.ID), BillPayerAccountName: in.p(payer.Name),
		CostCategory:       map[string]string{"environment": l.acct.Env},
		IdentityLineItemID: strp(lineID(o.seed, l)), IdentityTimeInterval: strp(l.start.Format(time.RFC3339) + "/" + l.end.Format(time.RFC3339)),
		LineItemAvailabilityZone: in.p(l.az), LineItemBlendedCost: f64p(float(l.unblended)), LineItemBlendedRate: in.p(l.rate),
		LineItemCurrencyCode: in.p("USD"), LineItemLegalEntity: in.p("Amazon Web Services, Inc."), LineItemLineItemDescription: in.p(l.desc),
		LineItemLineItemType: in.p(l.typ), LineItemNetUnblendedCost: f64p(float(l.unblended)), LineItemNetUnblendedRate: in.p(l.rate),
		LineItemOperation: in.p(l.operation), LineItemProductCode: in.p(l.svc.Code), LineItemResourceID: in.p(l.resourceID),
		LineItemTaxType: in.p(l.taxType), LineItemUnblendedCost: f64p(float(l.unblended)), LineItemUnblendedRate: in.p(l.rate),
		LineItemUsageAccountID: in.p(l.acct.ID), LineItemUsageAccountName: in.p(l.acct.Name), LineItemUsageAmount: f64p(l.amount),
		LineItemUsageEndDate: l.end, LineItemUsageStartDate: l.start, LineItemUsageType: in.p(l.usageType),
		PricingCurrency: in.p("USD"), PricingLeaseContractLength: in.p(l.lease), PricingOfferingClass: in.p(l.offering),
		PricingPublicOnDemandRate: in.p(l.publicRate), PricingPurchaseOption: in.p(l.purchase), PricingTerm: in.p(l.term), PricingUnit: in.p(l.unit),
		Product: o.productMap(l), ProductFromRegionCode: in.p(l.fromRegion),
		ProductOperation: in.p(l.operation), ProductPricingUnit: in.p(l.unit), ProductProductFamily: in.p(l.family),
		ProductServicecode: in.p(l.svc.Code), ProductSKU: in.p(l.sku), ProductUsagetype: in.p(l.usageType),
		ResourceTags: curTags(l.tags),
	}
	if closed {
		r.BillInvoiceID = in.p(strconv.FormatUint(1_900_000_000+hashKey(o.seed, uint64(ps.Unix()))%99_999_999, 10))
	}
	norm := 0.0
	if l.itype != nil && l.svc == svcEC2 {
		norm = l.itype.NormUnit
	}
	r.LineItemNormalizationFactor = f64p(norm)
	r.LineItemNormalizedUsageAmount = f64p(roundTo(l.amount*norm, 10))
	if l.typ != ltTax && l.typ != ltCredit {
		r.PricingPublicOnDemandCost = f64p(float(l.public))
	}
	if l.sku != "" {
		code := l.sku + "." + rateCode(l) + ".6YS6EN2CT7"
		r.PricingRateCode = in.p(code)
		r.PricingRateID = in.p(strconv.FormatUint(hashKey(o.seed, strHash(code))%9_000_000_000+1_000_000_000, 10))
	}
	if l.itype != nil {
		r.ProductInstanceFamily = in.p(instanceFamilyName(l.itype.Family))
		r.ProductInstanceType = in.p(l.itype.Name)
	}
	if !(l.typ == ltTax || l.typ == ltCredit || l.svc == svcSupport || l.svc == svcSP) {
		r.ProductLocation, r.ProductRegionCode = in.p("US West (Oregon)"), in.p("us-west-2")
	}
	if ri := l.ri; ri != nil {
		up := float(ri.upfront())
		r.ReservationEndTime = in.p(ri.end.Format("2006-01-02T15:04:05.000Z"))
		r.ReservationModificationStatus = in.p("Original")
		r.ReservationNormalizedUnitsPerReservation = in.p(fmtF(normOf(ri) * hoursF(ri)))
		r.ReservationNumberOfReservations = in.p(itoa(ri.count))
		r.ReservationReservationARN = in.p(ri.ID)
		r.ReservationStartTime = in.p(ri.start.Format("2006-01-02T15:04:05.000Z"))
		r.ReservationSubscriptionID = in.p(ri.subID)
		r.ReservationUnitsPerReservation = in.p(fmtF(hoursF(ri)))
		switch l.typ {
		case ltDiscounted:
			r.ReservationAmortizedUpfrontCostForUsage = f64p(float(l.riUpfrontForUsage))
			r.ReservationNetAmortizedUpfrontCostForUsage = f64p(float(l.riUpfrontForUsage))
			r.ReservationEffectiveCost = f64p(float(l.riEffective))
			r.ReservationNetEffectiveCost = f64p(float(l.riEffective))
			r.ReservationRecurringFeeForUsage = f64p(float(l.riRecurringForUsage))
			r.ReservationNetRecurringFeeForUsage = f64p(float(l.riRecurringForUsage))
		case ltRIFee:
			r.ReservationAmortizedUpfrontFeeForBillingPeriod = f64p(float(l.riUpfrontForPeriod))
			r.ReservationNetAmortizedUpfrontFeeForBillingPeriod = f64p(float(l.riUpfrontForPeriod))
			r.ReservationUnusedAmortizedUpfrontFeeForBillingPeriod = f64p(float(l.riUnusedUpfront))
			r.ReservationNetUnusedAmortizedUpfrontFeeForBillingPeriod = f64p(float(l.riUnusedUpfront))
			r.ReservationUnusedRecurringFee = f64p(float(l.riUnusedRecurring))
			r.ReservationNetUnusedRecurringFee = f64p(float(l.riUnusedRecurring))
			r.ReservationUnusedQuantity = f64p(roundTo(l.riUnusedHours, 10))
			r.ReservationUnusedNormalizedUnitQuantity = f64p(roundTo(l.riUnusedHours*normOf(ri), 10))
			r.ReservationTotalReservedUnits = in.p(fmtF(l.riReservedHours))
			r.ReservationTotalReservedNormalizedUnits = in.p(fmtF(normOf(ri) * l.riReservedHours))
			r.ReservationUpfrontValue, r.ReservationNetUpfrontValue = f64p(up), f64p(up)
		case ltFee:
			r.ReservationUpfrontValue, r.ReservationNetUpfrontValue = f64p(up), f64p(up)
		}
	}
	if sp := l.sp; sp != nil {
		switch l.typ {
		case ltSPRecurringFee:
			r.SavingsPlanAmortizedUpfrontCommitmentForBillingPeriod = f64p(float(l.spUpfrontPeriod))
			r.SavingsPlanNetAmortizedUpfrontCommitmentForBillingPeriod = f64p(float(l.spUpfrontPeriod))
			r.SavingsPlanRecurringCommitmentForBillingPeriod = f64p(float(l.spRecurringPeriod))
			r.SavingsPlanNetRecurringCommitmentForBillingPeriod = f64p(float(l.spRecurringPeriod))
			r.SavingsPlanTotalCommitmentToDate = f64p(float(l.spTotal))
			r.SavingsPlanUsedCommitment = f64p(float(l.spUsed))
		case ltSPCovered:
			r.SavingsPlanSavingsPlanEffectiveCost = f64p(float(l.spEffective))
			r.SavingsPlanNetSavingsPlanEffectiveCost = f64p(float(l.spEffective))
			r.SavingsPlanSavingsPlanRate = f64p(float(l.spRate))
		}
		r.SavingsPlanEndTime = in.p(sp.end.Format("2006-01-02T15:04:05.000Z"))
		r.SavingsPlanInstanceTypeFamily = in.p(sp.family)
		r.SavingsPlanOfferingType = in.p("ComputeSavingsPlans")
		if sp.Kind != tally.CommitComputeSP {
			r.SavingsPlanOfferingType, r.SavingsPlanRegion = in.p("EC2InstanceSavingsPlans"), in.p("US West (Oregon)")
		}
		r.SavingsPlanPaymentOption = in.p(sp.payment)
		r.SavingsPlanPurchaseTerm = in.p(sp.term)
		r.SavingsPlanSavingsPlanARN = in.p(sp.ID)
		r.SavingsPlanStartTime = in.p(sp.start.Format("2006-01-02T15:04:05.000Z"))
	}
	return r
}

func rateCode(l *awsLine) string {
	switch l.term {
	case "Reserved":
		return "4NA7Y494T4"
	case "Spot":
		return "SPOTPRICE0"
	}
	return "JRTCKXETXF"
}

func roundTo(v float64, places int) float64 {
	s := strconv.FormatFloat(v, 'f', places, 64)
	f, _ := strconv.ParseFloat(s, 64)
	return f
}

func fmtF(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

func normOf(c *commitment) float64 {
	if c == nil || c.typ == nil {
		return 0
	}
	return c.typ.NormUnit
}

func hoursF(c *commitment) float64 { return float64(c.end.Sub(c.start) / time.Hour) }

// instanceFamilyName is product_instance_family for an EC2 family.
func instanceFamilyName(f string) string {
	switch f {
	case "":
		return ""
	case "c5":
		return "Compute optimized"
	case "r5":
		return "Memory optimized"
	}
	return "General purpose"
}

// curTags converts canonical tag keys to CUR 2.0 resource_tags keys.
func curTags(tags [][2]string) map[string]string {
	out := make(map[string]string, len(tags))
	for _, t := range tags {
		out[curTagKey(t[0])] = t[1]
	}
	return out
}

// productMap is the product column: attributes outside CUR 2.0's fixed schema.
func (o *org) productMap(l *awsLine) map[string]string {
	kv := [][2]string{{"product_name", l.svc.Name}}
	if l.typ != ltTax && l.typ != ltCredit && l.svc != svcSupport && l.svc != svcSP {
		kv = append(kv, [2]string{"region", "us-west-2"})
	}
	if t := l.itype; t != nil && l.svc == svcEC2 {
		kv = append(kv,
			[2]string{"capacitystatus", "Used"},
			[2]string{"current_generation", "Yes"},
			[2]string{"memory", itoa(t.MemGiB) + " GiB"},
			[2]string{"operating_system", "Linux"},
			[2]string{"physical_processor", map[bool]string{true: "AWS Graviton2 Processor", false: "Intel Xeon Platinum 8175"}[t.Arch == "arm64"]},
			[2]string{"tenancy", "Shared"},
			[2]string{"vcpu", itoa(t.VCPU)},
		)
	}
	if l.svc == svcRDS {
		kv = append(kv, [2]string{"database_engine", "PostgreSQL"}, [2]string{"deployment_option", "Multi-AZ"})
	}
	if strings.Contains(l.usageType, "EBS:VolumeUsage") {
		kv = append(kv, [2]string{"volume_api_name", "gp3"}, [2]string{"volume_type", "General Purpose"})
	}
	m := make(map[string]string, len(kv))
	for _, e := range kv {
		m[e[0]] = e[1]
	}
	return m
}
