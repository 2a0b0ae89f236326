package focus

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/ingest"
)

// Version is a FOCUS specification version.
type Version string

// Versions Tally reads.
const (
	V1_0 Version = "1.0"
	V1_1 Version = "1.1"
	V1_2 Version = "1.2"
)

// Columns that appear first in a version, used to detect it.
var (
	// 1.2 renamed ProviderName and PublisherName to ServiceProviderName and
	// HostProviderName, and added invoice and pricing-currency columns.
	introduced12 = []string{"ServiceProviderName", "HostProviderName", "InvoiceId", "BillingAccountType", "SubAccountType",
		"PricingCurrency", "PricingCurrencyContractedUnitPrice", "PricingCurrencyEffectiveCost", "PricingCurrencyListUnitPrice"}
	introduced11 = []string{"CapacityReservationId", "CapacityReservationStatus", "CommitmentDiscountQuantity",
		"CommitmentDiscountUnit", "ServiceSubcategory", "SkuMeter", "SkuPriceDetails"}
)

// DetectVersion names the FOCUS version of a column set.
func DetectVersion(cols []string) Version {
	has := map[string]bool{}
	for _, c := range cols {
		has[c] = true
	}
	for _, c := range introduced12 {
		if has[c] {
			return V1_2
		}
	}
	for _, c := range introduced11 {
		if has[c] {
			return V1_1
		}
	}
	return V1_0
}

// required are the columns without which a line cannot be stored.
var required = []string{"BilledCost", "EffectiveCost", "BillingAccountId", "BillingCurrency", "BillingPeriodStart",
	"BillingPeriodEnd", "ChargeCategory", "ChargePeriodStart", "ChargePeriodEnd", "ServiceName"}

type setter func(l *tally.CostLine, v string, cur tally.Currency) error

func str(f func(l *tally.CostLine) *string) setter {
	return func(l *tally.CostLine, v string, _ tally.Currency) error { *f(l) = ingest.Str(v); return nil }
}

func money(f func(l *tally.CostLine) *tally.Money) setter {
	return func(l *tally.CostLine, v string, cur tally.Currency) error {
		m, err := ingest.Money(v, cur)
		*f(l) = m
		return err
	}
}

// cost is money for a column FOCUS allows no null in.
func cost(f func(l *tally.CostLine) *tally.Money) setter {
	return func(l *tally.CostLine, v string, cur tally.Currency) error {
		m, err := ingest.RequiredMoney(v, cur)
		*f(l) = m
		return err
	}
}

func quantity(f func(l *tally.CostLine) *float64) setter {
	return func(l *tally.CostLine, v string, _ tally.Currency) (err error) {
		*f(l), err = ingest.Float(v)
		return err
	}
}

func timestamp(f func(l *tally.CostLine) *time.Time) setter {
	return func(l *tally.CostLine, v string, _ tally.Currency) (err error) {
		*f(l), err = ingest.Time(v)
		return err
	}
}

// periodBound reads a billing period bound as the month it names (see
// ingest.PeriodTime).
func periodBound(f func(l *tally.CostLine) *time.Time) setter {
	return func(l *tally.CostLine, v string, _ tally.Currency) (err error) {
		*f(l), err = ingest.PeriodTime(v)
		return err
	}
}

// setters maps FOCUS columns to CostLine fields. BillingCurrency is read
// first, separately; Tags, provider names and unknown columns too.
// BilledCost and EffectiveCost, the bill and its amortized cost, must not
// be null (FOCUS 1.0–1.2). A null ListCost or ContractedCost, which FOCUS
// forbids too, is read as 0: real exports leave them null (the FinOps
// Foundation's sample, on 7 of its 1,000 rows), and neither is part of
// the bill's totals.
var setters = map[string]setter{
	"BilledCost":     cost(func(l *tally.CostLine) *tally.Money { return &l.BilledCost }),
	"EffectiveCost":  cost(func(l *tally.CostLine) *tally.Money { return &l.EffectiveCost }),
	"ListCost":       money(func(l *tally.CostLine) *tally.Money { return &l.ListCost }),
	"ContractedCost": money(func(l *tally.CostLine) *tally.Money { return &l.ContractedCost }),

	"BillingAccountId":   str(func(l *tally.CostLine) *string { return &l.BillingAccountID }),
	"BillingAccountName": str(func(l *tally.CostLine) *string { return &l.BillingAccountName }),
	"SubAccountId":       str(func(l *tally.CostLine) *string { return &l.SubAccountID }),
	"SubAccountName":     str(func(l *tally.CostLine) *string { return &l.SubAccountName }),
	"BillingPeriodStart": periodBound(func(l *tally.CostLine) *time.Time { return &l.BillingPeriodStart }),
	"BillingPeriodEnd":   periodBound(func(l *tally.CostLine) *time.Time { return &l.BillingPeriodEnd }),
	"ChargePeriodStart":  timestamp(func(l *tally.CostLine) *time.Time { return &l.ChargePeriodStart }),
	"ChargePeriodEnd":    timestamp(func(l *tally.CostLine) *time.Time { return &l.ChargePeriodEnd }),
	"ChargeCategory": func(l *tally.CostLine, v string, _ tally.Currency) (err error) {
		l.ChargeCategory, err = ingest.ChargeCategory(v)
		return err
	},
	"ChargeClass":       str(func(l *tally.CostLine) *string { return &l.ChargeClass }),
	"ChargeDescription": str(func(l *tally.CostLine) *string { return &l.ChargeDescription }),
	"ChargeFrequency":   str(func(l *tally.CostLine) *string { return &l.ChargeFrequency }),
	"PricingQuantity":   quantity(func(l *tally.CostLine) *float64 { return &l.PricingQuantity }),
	"PricingUnit":       str(func(l *tally.CostLine) *string { return &l.PricingUnit }),
	"ConsumedQuantity":  quantity(func(l *tally.CostLine) *float64 { return &l.ConsumedQuantity }),
	"ConsumedUnit":      str(func(l *tally.CostLine) *string { return &l.ConsumedUnit }),
	"PricingCategory":   str(func(l *tally.CostLine) *string { return &l.PricingCategory }),
	"ServiceName":       str(func(l *tally.CostLine) *string { return &l.ServiceName }),
	"ServiceCategory":   str(func(l *tally.CostLine) *string { return &l.ServiceCategory }),
	"SkuId":             str(func(l *tally.CostLine) *string { return &l.SkuID }),
	"SkuPriceId":        str(func(l *tally.CostLine) *string { return &l.SkuPriceID }),
	"RegionId":          str(func(l *tally.CostLine) *string { return &l.RegionID }),
	"AvailabilityZone":  str(func(l *tally.CostLine) *string { return &l.AvailabilityZone }),
	"ResourceId":        str(func(l *tally.CostLine) *string { return &l.ResourceID }),
	"ResourceName":      str(func(l *tally.CostLine) *string { return &l.ResourceName }),
	"ResourceType":      str(func(l *tally.CostLine) *string { return &l.ResourceType }),

	"CommitmentDiscountId":       str(func(l *tally.CostLine) *string { return &l.CommitmentDiscountID }),
	"CommitmentDiscountCategory": str(func(l *tally.CostLine) *string { return &l.CommitmentDiscountCategory }),
	"CommitmentDiscountType":     str(func(l *tally.CostLine) *string { return &l.CommitmentDiscountType }),
	"CommitmentDiscountStatus": func(l *tally.CostLine, v string, _ tally.Currency) (err error) {
		l.CommitmentDiscountStatus, err = ingest.CommitmentStatus(ingest.Str(v))
		return err
	},
}

// mapping is how one file's columns map to a line.
type mapping struct {
	version  Version
	cols     []string
	currency int
	provider []int // ServiceProviderName, ProviderName, PublisherName, InvoiceIssuerName: the first non-null wins
	tags     int
	start    int // ChargePeriodStart
	end      int // ChargePeriodEnd
	set      []boundSetter
	extras   []int
}

type boundSetter struct {
	col int
	fn  setter
}

// newMapping checks a header and binds columns to fields.
func newMapping(file string, header []string) (*mapping, error) {
	m := &mapping{version: DetectVersion(header), cols: header, currency: -1, tags: -1}
	idx := map[string]int{}
	for i, h := range header {
		if _, dup := idx[h]; dup {
			return nil, &ingest.LineError{File: file, Line: 1, Column: h, Reason: "duplicate column"}
		}
		idx[h] = i
	}
	var missing []string
	for _, r := range required {
		if _, ok := idx[r]; !ok {
			missing = append(missing, r)
		}
	}
	providerCols := []string{"ServiceProviderName", "ProviderName", "HostProviderName", "PublisherName", "InvoiceIssuerName"}
	for _, p := range providerCols {
		if i, ok := idx[p]; ok {
			m.provider = append(m.provider, i)
		}
	}
	if len(m.provider) == 0 {
		missing = append(missing, "ProviderName (1.0, 1.1) or ServiceProviderName (1.2)")
	}
	if len(missing) > 0 {
		return nil, ingest.MissingColumns(file, missing, header, "focus")
	}
	m.start = idx["ChargePeriodStart"]
	for i, h := range header {
		switch {
		case h == "BillingCurrency":
			m.currency = i
		case h == "Tags":
			m.tags = i
		case h == "ChargePeriodEnd":
			m.end = i
			m.set = append(m.set, boundSetter{col: i, fn: setters[h]})
		case setters[h] != nil:
			m.set = append(m.set, boundSetter{col: i, fn: setters[h]})
		default:
			m.extras = append(m.extras, i)
		}
	}
	return m, nil
}

// line fills l from one record; line is the record's 1-based line number.
func (m *mapping) line(file string, lineNo int64, rec []string, l *tally.CostLine) *ingest.LineError {
	*l = tally.CostLine{}
	bad := func(col int, reason string) *ingest.LineError {
		return &ingest.LineError{File: file, Line: lineNo, Column: m.cols[col], Value: rec[col], Reason: reason}
	}
	cur, err := ingest.Currency(rec[m.currency])
	if err != nil {
		return bad(m.currency, err.Error())
	}
	for _, s := range m.set {
		if err := s.fn(l, rec[s.col], cur); err != nil {
			return bad(s.col, err.Error())
		}
	}
	// Costs a file leaves out are zero in the line's currency.
	for _, p := range []*tally.Money{&l.BilledCost, &l.EffectiveCost, &l.ListCost, &l.ContractedCost} {
		if p.IsZero() {
			*p = tally.Zero(cur)
		}
	}
	for _, i := range m.provider {
		if v := ingest.Str(rec[i]); v != "" {
			l.Provider = ingest.Provider(v)
			break
		}
	}
	if m.tags >= 0 {
		tags, err := parseTags(rec[m.tags])
		if err != nil {
			return bad(m.tags, err.Error())
		}
		l.Tags = tags
	}
	for _, i := range m.extras {
		if v := rec[i]; !ingest.IsNull(v) {
			if l.Extras == nil {
				l.Extras = make(map[string]string, len(m.extras))
			}
			l.Extras[m.cols[i]] = v
		}
	}
	if l.BillingAccountID == "" {
		return &ingest.LineError{File: file, Line: lineNo, Column: "BillingAccountId", Reason: "required"}
	}
	if l.ChargePeriodEnd.IsZero() && !l.ChargePeriodStart.IsZero() {
		return bad(m.end, "required")
	}
	if l.ChargePeriodEnd.Before(l.ChargePeriodStart) {
		return bad(m.end, fmt.Sprintf("before ChargePeriodStart %q", rec[m.start]))
	}
	return nil
}

// parseTags reads FOCUS Tags: a JSON object whose values are usually
// strings; numbers and booleans are kept as their JSON text.
func parseTags(s string) (map[string]string, error) {
	s = strings.TrimSpace(s)
	if ingest.IsNull(s) || s == "{}" {
		return nil, nil
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal([]byte(s), &raw); err != nil {
		return nil, fmt.Errorf("Tags is not a JSON object")
	}
	tags := make(map[string]string, len(raw))
	for k, v := range raw {
		var str string
		if err := json.Unmarshal(v, &str); err == nil {
			tags[k] = str
			continue
		}
		if string(v) == "null" {
			tags[k] = ""
			continue
		}
		tags[k] = string(v)
	}
	return tags, nil
}
