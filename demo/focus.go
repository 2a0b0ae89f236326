package demo

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"time"

	"github.com/tallyhq/tally"
)

// FOCUSColumns are the columns of the AWS Data Exports "FOCUS 1.0 with AWS
// columns" table: FOCUS 1.0's columns, then AWS's x_ columns.
var FOCUSColumns = []string{
	"AvailabilityZone", "BilledCost", "BillingAccountId", "BillingAccountName", "BillingCurrency",
	"BillingPeriodEnd", "BillingPeriodStart", "ChargeCategory", "ChargeClass", "ChargeDescription",
	"ChargeFrequency", "ChargePeriodEnd", "ChargePeriodStart", "CommitmentDiscountCategory", "CommitmentDiscountId",
	"CommitmentDiscountName", "CommitmentDiscountStatus", "CommitmentDiscountType", "ConsumedQuantity", "ConsumedUnit",
	"ContractedCost", "ContractedUnitPrice", "EffectiveCost", "InvoiceIssuerName", "ListCost",
	"ListUnitPrice", "PricingCategory", "PricingQuantity", "PricingUnit", "ProviderName",
	"PublisherName", "RegionId", "RegionName", "ResourceId", "ResourceName",
	"ResourceType", "ServiceCategory", "ServiceName", "SkuId", "SkuPriceId",
	"SubAccountId", "SubAccountName", "Tags",
	"x_CostCategories", "x_Discounts", "x_Operation", "x_ServiceCode", "x_UsageType",
}

var focusIndex = func() map[string]int {
	m := map[string]int{}
	for i, c := range FOCUSColumns {
		m[c] = i
	}
	return m
}()

// focusTime formats a FOCUS date-time (ISO 8601, UTC).
func focusTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }

// writeFOCUS writes the lines of one billing period as FOCUS 1.0 CSV.
func (o *org) writeFOCUS(out io.Writer, lines []*awsLine, ps, pe time.Time) error {
	w := csv.NewWriter(out)
	if err := w.Write(FOCUSColumns); err != nil {
		return err
	}
	rec := make([]string, len(FOCUSColumns))
	for _, l := range lines {
		o.focusRecord(rec, l, ps, pe)
		if err := w.Write(rec); err != nil {
			return fmt.Errorf("write FOCUS row: %w", err)
		}
	}
	w.Flush()
	return w.Error()
}

// focusRecord converts an AWS line to a FOCUS row (AWS's mapping: covered
// usage is billed 0 and SavingsPlanNegation rows do not exist in FOCUS).
func (o *org) focusRecord(rec []string, l *awsLine, ps, pe time.Time) {
	for i := range rec {
		rec[i] = ""
	}
	set := func(col, v string) {
		i, ok := focusIndex[col]
		if !ok {
			panic(internalError{fmt.Errorf("no FOCUS column %s", col)})
		}
		rec[i] = v
	}
	billed, effective := l.unblended, amortizedAWS(l)
	category, frequency, pricing := string(tally.ChargeUsage), "Usage-Based", "Standard"
	switch l.typ {
	case ltSPCovered, ltDiscounted:
		billed, pricing = zero, "Committed"
	case ltTax:
		category, frequency, pricing = string(tally.ChargeTax), "Recurring", ""
	case ltCredit:
		category, frequency, pricing = string(tally.ChargeCredit), "One-Time", ""
	case ltRIFee, ltSPRecurringFee:
		category, frequency, pricing = string(tally.ChargePurchase), "Recurring", ""
	case ltFee, ltSPUpfrontFee:
		category, frequency, pricing = string(tally.ChargePurchase), "One-Time", ""
		if l.svc == svcSupport {
			frequency = "Recurring"
		}
	}
	if l.term == "Spot" {
		pricing = "Dynamic"
	}
	list := focusListCost(l)
	payer := l.acct.Payer
	set("AvailabilityZone", l.az)
	set("BilledCost", billed.Decimal())
	set("BillingAccountId", payer.ID)
	set("BillingAccountName", payer.Name)
	set("BillingCurrency", "USD")
	set("BillingPeriodEnd", focusTime(pe))
	set("BillingPeriodStart", focusTime(ps))
	set("ChargeCategory", category)
	set("ChargeDescription", l.desc)
	set("ChargeFrequency", frequency)
	set("ChargePeriodEnd", focusTime(l.end))
	set("ChargePeriodStart", focusTime(l.start))
	if c := commitmentOf(l); c != nil {
		set("CommitmentDiscountId", c.ID)
		set("CommitmentDiscountName", c.Name)
		if c.Kind == tally.CommitReserved {
			set("CommitmentDiscountCategory", "Usage")
			set("CommitmentDiscountType", "Reserved Instance")
		} else {
			set("CommitmentDiscountCategory", "Spend")
			set("CommitmentDiscountType", "Savings Plan")
		}
		set("CommitmentDiscountStatus", "Used")
		if l.typ == ltRIFee || l.typ == ltSPRecurringFee {
			set("CommitmentDiscountStatus", "Unused")
		}
	}
	if category == string(tally.ChargeUsage) {
		q := fmtF(l.amount)
		set("ConsumedQuantity", q)
		set("ConsumedUnit", l.unit)
		set("PricingQuantity", q)
		set("PricingUnit", l.unit)
		set("ListUnitPrice", l.publicRate)
		set("ContractedUnitPrice", l.publicRate)
	}
	set("ContractedCost", list.Decimal())
	set("EffectiveCost", effective.Decimal())
	set("InvoiceIssuerName", "Amazon Web Services, Inc.")
	set("ListCost", list.Decimal())
	set("PricingCategory", pricing)
	set("ProviderName", "AWS")
	set("PublisherName", "Amazon Web Services, Inc.")
	if l.typ != ltTax && l.typ != ltCredit {
		set("RegionId", "us-west-2")
		set("RegionName", "US West (Oregon)")
	}
	set("ResourceId", l.resourceID)
	set("ServiceCategory", l.svc.Category)
	set("ServiceName", l.svc.Name)
	set("SkuId", l.sku)
	if l.sku != "" {
		set("SkuPriceId", l.sku+"."+rateCode(l))
	}
	set("SubAccountId", l.acct.ID)
	set("SubAccountName", l.acct.Name)
	set("Tags", jsonObject(l.tags))
	set("x_CostCategories", jsonObject([][2]string{{"environment", l.acct.Env}}))
	set("x_Discounts", "{}")
	set("x_Operation", l.operation)
	set("x_ServiceCode", l.svc.Code)
	set("x_UsageType", l.usageType)
}

func commitmentOf(l *awsLine) *commitment {
	if l.ri != nil {
		return l.ri
	}
	return l.sp
}

// jsonObject encodes key/value pairs as a JSON object with sorted keys.
func jsonObject(kv [][2]string) string {
	m := make(map[string]string, len(kv))
	for _, e := range kv {
		m[e[0]] = e[1]
	}
	b, _ := json.Marshal(m)
	return string(b)
}

// focusListCost is a line's FOCUS ListCost: its public on-demand cost for
// usage, its billed cost for the other charge categories (purchases, tax,
// credits), which have no public price.
func focusListCost(l *awsLine) tally.Money {
	switch l.typ {
	case ltTax, ltCredit, ltRIFee, ltSPRecurringFee, ltFee, ltSPUpfrontFee:
		return l.unblended
	}
	return l.public
}

// focusLines are the lines a FOCUS export carries: everything but the
// SavingsPlanNegation rows, which FOCUS folds into BilledCost = 0.
func focusLines(lines []*awsLine) []*awsLine {
	out := make([]*awsLine, 0, len(lines))
	for _, l := range lines {
		if l.typ != ltSPNegation {
			out = append(out, l)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].start.Before(out[j].start) })
	return out
}
