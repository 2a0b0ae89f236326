package gcpbilling

import (
	"cmp"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/ingest"
)

// Credit types of the export (credits[].type).
const (
	CommittedUsageDiscount           = "COMMITTED_USAGE_DISCOUNT"
	CommittedUsageDiscountDollarBase = "COMMITTED_USAGE_DISCOUNT_DOLLAR_BASE"
	FeeUtilizationOffset             = "FEE_UTILIZATION_OFFSET"
	SustainedUsageDiscount           = "SUSTAINED_USAGE_DISCOUNT"
	Discount                         = "DISCOUNT"
	FreeTier                         = "FREE_TIER"
	Promotion                        = "PROMOTION"
	ResellerMargin                   = "RESELLER_MARGIN"
	SubscriptionBenefit              = "SUBSCRIPTION_BENEFIT"
)

// Row is one export row with the BigQuery field names. Numbers are kept as
// their decimal text so money stays exact.
type Row struct {
	BillingAccountID string `json:"billing_account_id"`
	Service          struct {
		ID          string `json:"id"`
		Description string `json:"description"`
	} `json:"service"`
	Sku struct {
		ID          string `json:"id"`
		Description string `json:"description"`
	} `json:"sku"`
	UsageStartTime string `json:"usage_start_time"`
	UsageEndTime   string `json:"usage_end_time"`
	Project        struct {
		ID     string  `json:"id"`
		Number string  `json:"number"`
		Name   string  `json:"name"`
		Labels []Label `json:"labels"`
	} `json:"project"`
	Labels   []Label `json:"labels"`
	Location struct {
		Location string `json:"location"`
		Country  string `json:"country"`
		Region   string `json:"region"`
		Zone     string `json:"zone"`
	} `json:"location"`
	Resource struct {
		Name       string `json:"name"`
		GlobalName string `json:"global_name"`
	} `json:"resource"`
	Cost     Number `json:"cost"`
	Currency string `json:"currency"`
	Usage    struct {
		Amount               Number `json:"amount"`
		Unit                 string `json:"unit"`
		AmountInPricingUnits Number `json:"amount_in_pricing_units"`
		PricingUnit          string `json:"pricing_unit"`
	} `json:"usage"`
	Credits []Credit `json:"credits"`
	Invoice struct {
		Month string `json:"month"`
	} `json:"invoice"`
	CostType   string `json:"cost_type"`
	CostAtList Number `json:"cost_at_list"`
	// ConsumptionModel is the consumption model that priced the row
	// (spend-based CUDs' model since 2026: "Compute Flexible CUD - 1
	// Year"; on-demand usage has the default one, or none).
	ConsumptionModel struct {
		ID          string `json:"id"`
		Description string `json:"description"`
	} `json:"consumption_model"`
	// Subscription is the commitment (its subscription instance, a
	// GUID) of a spend-based CUD's fee row.
	Subscription struct {
		InstanceID string `json:"instance_id"`
	} `json:"subscription"`
}

// Label is a key/value label.
type Label struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// Credit is one credit applied to a row (amounts are negative).
type Credit struct {
	Name     string `json:"name"`
	Amount   Number `json:"amount"`
	FullName string `json:"full_name"`
	ID       string `json:"id"`
	Type     string `json:"type"`
}

// Number is a number of the export as its decimal text: a JSON number, or
// a string holding one. It is not checked when decoded but when build
// parses it, so that a bad value is an error naming its field and value.
type Number string

// UnmarshalJSON implements json.Unmarshaler.
func (n *Number) UnmarshalJSON(b []byte) error {
	switch {
	case string(b) == "null":
		*n = ""
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*n = Number(s)
	case len(b) > 0 && (b[0] == '-' || b[0] >= '0' && b[0] <= '9'):
		*n = Number(b)
	case len(b) == 0: // fastJSON's way of passing a malformed number
		return &json.UnmarshalTypeError{Value: "number", Type: reflect.TypeFor[Number]()}
	default:
		kind := map[byte]string{'{': "object", '[': "array", 't': "bool", 'f': "bool"}[b[0]]
		return &json.UnmarshalTypeError{Value: kind, Type: reflect.TypeFor[Number]()}
	}
	return nil
}

// build maps r to l. at is the row's line or row number, for errors.
func (r *Row) build(file string, at int64, l *tally.CostLine) *ingest.LineError {
	bad := func(col, val, reason string) *ingest.LineError {
		return &ingest.LineError{File: file, Line: at, Column: col, Value: val, Reason: reason}
	}
	*l = tally.CostLine{Provider: tally.ProviderGCP}
	if r.BillingAccountID == "" {
		return bad("billing_account_id", "", "required")
	}
	cur, err := ingest.Currency(r.Currency)
	if err != nil {
		return bad("currency", r.Currency, err.Error())
	}
	if l.ChargePeriodStart, err = ingest.Time(r.UsageStartTime); err != nil || l.ChargePeriodStart.IsZero() {
		return bad("usage_start_time", r.UsageStartTime, "not a timestamp")
	}
	if l.ChargePeriodEnd, err = ingest.Time(r.UsageEndTime); err != nil {
		return bad("usage_end_time", r.UsageEndTime, err.Error())
	}
	if l.ChargePeriodEnd.IsZero() {
		l.ChargePeriodEnd = l.ChargePeriodStart
	}
	if l.ChargePeriodEnd.Before(l.ChargePeriodStart) {
		return bad("usage_end_time", r.UsageEndTime, "before usage_start_time")
	}
	l.BillingPeriodStart = tally.MonthStart(l.ChargePeriodStart)
	if m := ingest.Str(r.Invoice.Month); m != "" {
		t, err := time.Parse("200601", m)
		if err != nil {
			return bad("invoice.month", m, "want YYYYMM")
		}
		l.BillingPeriodStart = t.UTC()
	}
	l.BillingPeriodEnd = l.BillingPeriodStart.AddDate(0, 1, 0)
	gross, err := ingest.RequiredMoney(string(r.Cost), cur)
	if err != nil {
		return bad("cost", string(r.Cost), err.Error())
	}
	net := gross
	var cud *Credit
	offset := false
	for i := range r.Credits {
		c := &r.Credits[i]
		amt, err := ingest.Money(string(c.Amount), cur)
		if err != nil {
			return bad("credits.amount", string(c.Amount), err.Error())
		}
		if net, err = net.Add(amt); err != nil {
			return bad("credits.amount", string(c.Amount), err.Error())
		}
		typ := c.Type
		if typ == "" {
			typ = "UNKNOWN"
		}
		if l.Extras == nil {
			l.Extras = map[string]string{}
		}
		k := "x_Credit_" + typ
		prev, _ := tally.ParseMoney(l.Extras[k], cur) // a sum, which MaxLineCost does not bound
		sum, _ := prev.Add(amt)
		l.Extras[k] = sum.Decimal()
		switch typ {
		case CommittedUsageDiscount, CommittedUsageDiscountDollarBase:
			if cud == nil {
				cud = c
			}
		case FeeUtilizationOffset:
			offset = true
		}
	}
	l.BilledCost, l.EffectiveCost, l.ContractedCost = net, net, gross
	if l.ListCost, err = ingest.Money(string(r.CostAtList), cur); err != nil {
		return bad("cost_at_list", string(r.CostAtList), err.Error())
	}
	if ingest.IsNull(string(r.CostAtList)) {
		l.ListCost = gross
	}
	switch strings.ToLower(r.CostType) {
	case "", "regular":
		l.ChargeCategory = tally.ChargeUsage
		if strings.HasPrefix(r.Sku.Description, "Commitment") {
			l.ChargeCategory = tally.ChargePurchase
		}
	case "tax":
		l.ChargeCategory = tally.ChargeTax
	case "adjustment", "rounding_error":
		l.ChargeCategory = tally.ChargeAdjustment
	default:
		return bad("cost_type", r.CostType, "want regular, tax, adjustment or rounding_error")
	}
	if r.ConsumptionModel.ID != "" || r.ConsumptionModel.Description != "" {
		setExtra(l, "x_ConsumptionModelId", r.ConsumptionModel.ID)
		setExtra(l, "x_ConsumptionModelDescription", r.ConsumptionModel.Description)
	}
	if r.Subscription.InstanceID != "" {
		setExtra(l, "x_SubscriptionInstanceId", r.Subscription.InstanceID)
	}
	regular := l.ChargeCategory == tally.ChargeUsage || l.ChargeCategory == tally.ChargePurchase
	switch {
	case regular && (offset || consumptionFeeSKUs[r.Sku.ID]):
		// A spend-based CUD's fee in the consumption model: what its
		// FEE_UTILIZATION_OFFSET credit leaves is the unused commitment.
		consumptionFee(l, cmp.Or(r.Subscription.InstanceID, r.Sku.ID))
	case cud != nil:
		l.CommitmentDiscountID = cud.ID
		if l.CommitmentDiscountID == "" {
			l.CommitmentDiscountID = cud.Name
		}
		l.CommitmentDiscountType, l.CommitmentDiscountStatus = "Committed Use Discount", tally.CommitmentUsed
		l.CommitmentDiscountCategory = "Spend"
		if cud.Type == CommittedUsageDiscount {
			l.CommitmentDiscountCategory = "Usage"
		}
		l.PricingCategory = "Committed"
	case l.ChargeCategory == tally.ChargeUsage && cudModel.MatchString(r.ConsumptionModel.Description):
		// Usage a spend-based CUD of the consumption model priced.
		consumptionUsage(l, cmp.Or(r.Subscription.InstanceID, r.ConsumptionModel.ID, r.ConsumptionModel.Description))
	}
	if l.ConsumedQuantity, err = ingest.Float(string(r.Usage.Amount)); err != nil {
		return bad("usage.amount", string(r.Usage.Amount), err.Error())
	}
	if l.PricingQuantity, err = ingest.Float(string(r.Usage.AmountInPricingUnits)); err != nil {
		return bad("usage.amount_in_pricing_units", string(r.Usage.AmountInPricingUnits), err.Error())
	}
	l.ConsumedUnit, l.PricingUnit = r.Usage.Unit, r.Usage.PricingUnit
	l.BillingAccountID = r.BillingAccountID
	l.SubAccountID, l.SubAccountName = r.Project.ID, r.Project.Name
	l.ServiceName, l.SkuID, l.ChargeDescription = r.Service.Description, r.Sku.ID, r.Sku.Description
	l.RegionID, l.AvailabilityZone = r.Location.Region, r.Location.Zone
	if l.RegionID == "" {
		l.RegionID = r.Location.Location
	}
	l.ResourceID, l.ResourceName = r.Resource.Name, r.Resource.Name
	if r.Resource.GlobalName != "" {
		if l.Extras == nil {
			l.Extras = map[string]string{}
		}
		l.Extras["x_ResourceGlobalName"] = r.Resource.GlobalName
	}
	l.ChargeFrequency = "Usage-Based"
	if l.ChargeCategory != tally.ChargeUsage {
		l.ChargeFrequency = "One-Time"
	}
	if l.PricingCategory == "" && l.ChargeCategory == tally.ChargeUsage {
		l.PricingCategory = "Standard"
	}
	if len(r.Labels) > 0 {
		l.Tags = make(map[string]string, len(r.Labels))
		for _, kv := range r.Labels {
			l.Tags[kv.Key] = kv.Value
		}
	}
	return nil
}

// parseLabels reads labels that a CSV export wrote as JSON
// ([{"key":…,"value":…}] or {"k":"v"}).
func parseLabels(s string) ([]Label, error) {
	s = strings.TrimSpace(s)
	if ingest.IsNull(s) || s == "[]" {
		return nil, nil
	}
	var ls []Label
	if err := json.Unmarshal([]byte(s), &ls); err == nil {
		return ls, nil
	}
	var m map[string]string
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		return nil, fmt.Errorf("not a JSON array of {key, value}")
	}
	for k, v := range m {
		ls = append(ls, Label{k, v})
	}
	return ls, nil
}
