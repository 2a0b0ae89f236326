// Package curtest writes AWS CUR files for tests and benchmarks: CUR 2.0
// Parquet with AWS's published column names and types (snake_case, DOUBLE
// costs, TIMESTAMP dates, map<string,string> product/resource_tags/
// cost_category/discount), and legacy CUR CSV with "lineItem/…" headers.
// It also holds a hand-built month covering every line item type with the
// amortized cost each must get.
package curtest

import (
	"encoding/csv"
	"io"
	"strconv"
	"time"

	"github.com/parquet-go/parquet-go"
)

// Row is one CUR 2.0 row (the columns Tally reads, and a few more).
type Row struct {
	IdentityLineItemID          string            `parquet:"identity_line_item_id"`
	IdentityTimeInterval        string            `parquet:"identity_time_interval"`
	BillBillType                string            `parquet:"bill_bill_type"`
	BillPayerAccountID          string            `parquet:"bill_payer_account_id"`
	BillPayerAccountName        string            `parquet:"bill_payer_account_name"`
	BillBillingPeriodStartDate  time.Time         `parquet:"bill_billing_period_start_date,timestamp(millisecond)"`
	BillBillingPeriodEndDate    time.Time         `parquet:"bill_billing_period_end_date,timestamp(millisecond)"`
	LineItemUsageAccountID      string            `parquet:"line_item_usage_account_id"`
	LineItemUsageAccountName    string            `parquet:"line_item_usage_account_name"`
	LineItemLineItemType        string            `parquet:"line_item_line_item_type"`
	LineItemUsageStartDate      time.Time         `parquet:"line_item_usage_start_date,timestamp(millisecond)"`
	LineItemUsageEndDate        time.Time         `parquet:"line_item_usage_end_date,timestamp(millisecond)"`
	LineItemProductCode         string            `parquet:"line_item_product_code"`
	LineItemUsageType           string            `parquet:"line_item_usage_type"`
	LineItemOperation           string            `parquet:"line_item_operation"`
	LineItemAvailabilityZone    string            `parquet:"line_item_availability_zone"`
	LineItemResourceID          string            `parquet:"line_item_resource_id"`
	LineItemUsageAmount         float64           `parquet:"line_item_usage_amount"`
	LineItemCurrencyCode        string            `parquet:"line_item_currency_code"`
	LineItemUnblendedRate       string            `parquet:"line_item_unblended_rate"`
	LineItemUnblendedCost       float64           `parquet:"line_item_unblended_cost"`
	LineItemBlendedCost         float64           `parquet:"line_item_blended_cost"`
	LineItemNetUnblendedCost    float64           `parquet:"line_item_net_unblended_cost"`
	LineItemLineItemDescription string            `parquet:"line_item_line_item_description"`
	ProductInstanceType         string            `parquet:"product_instance_type"`
	ProductRegionCode           string            `parquet:"product_region_code"`
	ProductSku                  string            `parquet:"product_sku"`
	ProductServicecode          string            `parquet:"product_servicecode"`
	ProductProductFamily        string            `parquet:"product_product_family"`
	Product                     map[string]string `parquet:"product"`
	PricingTerm                 string            `parquet:"pricing_term"`
	PricingUnit                 string            `parquet:"pricing_unit"`
	PricingPublicOnDemandCost   float64           `parquet:"pricing_public_on_demand_cost"`
	PricingPublicOnDemandRate   string            `parquet:"pricing_public_on_demand_rate"`
	ReservationReservationARN   string            `parquet:"reservation_reservation_a_r_n"`
	ReservationEffectiveCost    float64           `parquet:"reservation_effective_cost"`
	ReservationUnusedAmortized  float64           `parquet:"reservation_unused_amortized_upfront_fee_for_billing_period"`
	ReservationUnusedRecurring  float64           `parquet:"reservation_unused_recurring_fee"`
	ReservationAvailabilityZone string            `parquet:"reservation_availability_zone"`
	SavingsPlanARN              string            `parquet:"savings_plan_savings_plan_a_r_n"`
	SavingsPlanEffectiveCost    float64           `parquet:"savings_plan_savings_plan_effective_cost"`
	SavingsPlanTotalCommitment  float64           `parquet:"savings_plan_total_commitment_to_date"`
	SavingsPlanUsedCommitment   float64           `parquet:"savings_plan_used_commitment"`
	SavingsPlanStartTime        string            `parquet:"savings_plan_start_time"`
	SavingsPlanEndTime          string            `parquet:"savings_plan_end_time"`
	ReservationStartTime        string            `parquet:"reservation_start_time"`
	ReservationEndTime          string            `parquet:"reservation_end_time"`
	SavingsPlanOfferingType     string            `parquet:"savings_plan_offering_type"`
	SavingsPlanPurchaseTerm     string            `parquet:"savings_plan_purchase_term"`
	SavingsPlanPaymentOption    string            `parquet:"savings_plan_payment_option"`
	PricingLeaseContractLength  string            `parquet:"pricing_lease_contract_length"`
	PricingPurchaseOption       string            `parquet:"pricing_purchase_option"`
	ResourceTags                map[string]string `parquet:"resource_tags"`
	CostCategory                map[string]string `parquet:"cost_category"`
	Discount                    map[string]string `parquet:"discount"`
}

// ParquetWriter streams rows to a CUR 2.0 Parquet file.
type ParquetWriter struct {
	w *parquet.GenericWriter[Row]
}

// NewParquetWriter starts a Snappy-compressed file on w.
func NewParquetWriter(w io.Writer) *ParquetWriter {
	return &ParquetWriter{w: parquet.NewGenericWriter[Row](w, parquet.Compression(&parquet.Snappy), parquet.PageBufferSize(1<<20))}
}

// Write appends rows.
func (p *ParquetWriter) Write(rows []Row) error {
	_, err := p.w.Write(rows)
	return err
}

// Close flushes and writes the footer.
func (p *ParquetWriter) Close() error { return p.w.Close() }

// WriteParquet writes rows as one CUR 2.0 Parquet file.
func WriteParquet(w io.Writer, rows []Row) error {
	p := NewParquetWriter(w)
	if err := p.Write(rows); err != nil {
		return err
	}
	return p.Close()
}

// legacyColumns are legacy CUR headers and how to render a Row's value.
var legacyColumns = []struct {
	header string
	value  func(r *Row) string
}{
	{"identity/LineItemId", func(r *Row) string { return r.IdentityLineItemID }},
	{"identity/TimeInterval", func(r *Row) string { return r.IdentityTimeInterval }},
	{"bill/BillType", func(r *Row) string { return r.BillBillType }},
	{"bill/PayerAccountId", func(r *Row) string { return r.BillPayerAccountID }},
	{"bill/BillingPeriodStartDate", func(r *Row) string { return ts(r.BillBillingPeriodStartDate) }},
	{"bill/BillingPeriodEndDate", func(r *Row) string { return ts(r.BillBillingPeriodEndDate) }},
	{"lineItem/UsageAccountId", func(r *Row) string { return r.LineItemUsageAccountID }},
	{"lineItem/LineItemType", func(r *Row) string { return r.LineItemLineItemType }},
	{"lineItem/UsageStartDate", func(r *Row) string { return ts(r.LineItemUsageStartDate) }},
	{"lineItem/UsageEndDate", func(r *Row) string { return ts(r.LineItemUsageEndDate) }},
	{"lineItem/ProductCode", func(r *Row) string { return r.LineItemProductCode }},
	{"lineItem/UsageType", func(r *Row) string { return r.LineItemUsageType }},
	{"lineItem/Operation", func(r *Row) string { return r.LineItemOperation }},
	{"lineItem/AvailabilityZone", func(r *Row) string { return r.LineItemAvailabilityZone }},
	{"lineItem/ResourceId", func(r *Row) string { return r.LineItemResourceID }},
	{"lineItem/UsageAmount", func(r *Row) string { return num(r.LineItemUsageAmount) }},
	{"lineItem/CurrencyCode", func(r *Row) string { return r.LineItemCurrencyCode }},
	{"lineItem/UnblendedRate", func(r *Row) string { return r.LineItemUnblendedRate }},
	{"lineItem/UnblendedCost", func(r *Row) string { return num(r.LineItemUnblendedCost) }},
	{"lineItem/LineItemDescription", func(r *Row) string { return r.LineItemLineItemDescription }},
	{"product/ProductName", func(r *Row) string { return r.Product["product_name"] }},
	{"product/instanceType", func(r *Row) string { return r.ProductInstanceType }},
	{"product/region", func(r *Row) string { return r.ProductRegionCode }},
	{"product/sku", func(r *Row) string { return r.ProductSku }},
	{"product/productFamily", func(r *Row) string { return r.ProductProductFamily }},
	{"pricing/term", func(r *Row) string { return r.PricingTerm }},
	{"pricing/unit", func(r *Row) string { return r.PricingUnit }},
	{"pricing/publicOnDemandCost", func(r *Row) string { return num(r.PricingPublicOnDemandCost) }},
	{"reservation/ReservationARN", func(r *Row) string { return r.ReservationReservationARN }},
	{"reservation/EffectiveCost", func(r *Row) string { return num(r.ReservationEffectiveCost) }},
	{"reservation/UnusedAmortizedUpfrontFeeForBillingPeriod", func(r *Row) string { return num(r.ReservationUnusedAmortized) }},
	{"reservation/UnusedRecurringFee", func(r *Row) string { return num(r.ReservationUnusedRecurring) }},
	{"reservation/AvailabilityZone", func(r *Row) string { return r.ReservationAvailabilityZone }},
	{"savingsPlan/SavingsPlanARN", func(r *Row) string { return r.SavingsPlanARN }},
	{"savingsPlan/SavingsPlanEffectiveCost", func(r *Row) string { return num(r.SavingsPlanEffectiveCost) }},
	{"savingsPlan/TotalCommitmentToDate", func(r *Row) string { return num(r.SavingsPlanTotalCommitment) }},
	{"savingsPlan/UsedCommitment", func(r *Row) string { return num(r.SavingsPlanUsedCommitment) }},
	{"savingsPlan/OfferingType", func(r *Row) string { return r.SavingsPlanOfferingType }},
	{"savingsPlan/PurchaseTerm", func(r *Row) string { return r.SavingsPlanPurchaseTerm }},
	{"savingsPlan/PaymentOption", func(r *Row) string { return r.SavingsPlanPaymentOption }},
	{"savingsPlan/StartTime", func(r *Row) string { return r.SavingsPlanStartTime }},
	{"savingsPlan/EndTime", func(r *Row) string { return r.SavingsPlanEndTime }},
	{"reservation/StartTime", func(r *Row) string { return r.ReservationStartTime }},
	{"reservation/EndTime", func(r *Row) string { return r.ReservationEndTime }},
	{"pricing/LeaseContractLength", func(r *Row) string { return r.PricingLeaseContractLength }},
	{"pricing/PurchaseOption", func(r *Row) string { return r.PricingPurchaseOption }},
	{"resourceTags/user:team", func(r *Row) string { return r.ResourceTags["user_team"] }},
}

func ts(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }

func num(f float64) string {
	if f == 0 {
		return ""
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}

// WriteLegacyCSV writes rows as legacy CUR CSV (uncompressed; wrap w in a
// gzip.Writer for .csv.gz).
func WriteLegacyCSV(w io.Writer, rows []Row) error {
	cw := csv.NewWriter(w)
	header := make([]string, len(legacyColumns))
	for i, c := range legacyColumns {
		header[i] = c.header
	}
	if err := cw.Write(header); err != nil {
		return err
	}
	rec := make([]string, len(legacyColumns))
	for i := range rows {
		for j, c := range legacyColumns {
			rec[j] = c.value(&rows[i])
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
