package commitments

import (
	"fmt"
	"strings"

	"github.com/tallyhq/tally"
)

// Rates gives the discount a commitment offer earns on a stream: 1 −
// commitment rate / on-demand rate. Rates from the price catalog (the prices
// table) win; the published typical rates in DefaultRates fill the gaps.
type Rates struct {
	exact map[rateKey]float64 // from prices: kind, term, region, instance type
}

type rateKey struct {
	kind   string
	months int
	region string
	itype  string
}

// defaultDiscounts are typical published no-upfront discounts by kind and
// term (AWS us-east-1 Linux list prices of 2025; GCP flexible CUDs 28%/46%,
// resource CUDs 37%/55%). familyAdjust shifts them per family, so that the
// "highest discount first" rule has something to order.
var defaultDiscounts = map[string]map[int]float64{
	tally.CommitComputeSP:   {12: 0.27, 36: 0.50},
	tally.CommitEC2SP:       {12: 0.37, 36: 0.58},
	tally.CommitReserved:    {12: 0.37, 36: 0.58},
	tally.CommitCUDFlexible: {12: 0.28, 36: 0.46},
	tally.CommitCUDResource: {12: 0.37, 36: 0.55},
}

var familyAdjust = map[string]float64{
	"t3": -0.05, "t4g": -0.05, "c5": 0.01, "c6i": 0.01, "r5": 0.02, "r6i": 0.02,
	"m6g": -0.01, "m7g": -0.02, "c6g": -0.01, "c7g": -0.02, "r6g": -0.01, "r7g": -0.01,
}

// paymentBonus is how many points of discount paying upfront adds.
var paymentBonus = map[string]float64{PartialUpfront: 0.02, AllUpfront: 0.04}

// NewRates builds rates from catalog prices (tally.InstancePrice with
// purchase options on-demand, savings-plan-compute-1y-no-upfront,
// savings-plan-ec2-instance-3y-no-upfront, reserved-1y-no-upfront, cud-1y, …).
// Prices without an on-demand price of the same type and region are ignored.
func NewRates(prices []tally.InstancePrice) Rates {
	od := map[string]tally.Money{}
	for _, p := range prices {
		if p.PurchaseOption == tally.PurchaseOnDemand && (p.OperatingSystem == "" || p.OperatingSystem == "linux") {
			od[p.Provider+"/"+p.Region+"/"+p.InstanceType] = p.HourlyPrice
		}
	}
	r := Rates{exact: map[rateKey]float64{}}
	for _, p := range prices {
		kind, months, ok := parsePurchaseOption(p.Provider, p.PurchaseOption)
		if !ok {
			continue
		}
		base, ok := od[p.Provider+"/"+p.Region+"/"+p.InstanceType]
		if !ok || base.Sign() <= 0 {
			continue
		}
		d := 1 - p.HourlyPrice.Float64()/base.Float64()
		if d <= 0 || d >= 1 {
			continue
		}
		r.exact[rateKey{kind, months, p.Region, strings.ToLower(p.InstanceType)}] = d
	}
	return r
}

// parsePurchaseOption reads the catalog's purchase option names.
func parsePurchaseOption(provider, opt string) (kind string, months int, ok bool) {
	var years int
	switch {
	case strings.HasPrefix(opt, "savings-plan-compute-"):
		kind = tally.CommitComputeSP
		_, err := fmt.Sscanf(strings.TrimPrefix(opt, "savings-plan-compute-"), "%dy", &years)
		ok = err == nil
	case strings.HasPrefix(opt, "savings-plan-ec2-instance-"):
		kind = tally.CommitEC2SP
		_, err := fmt.Sscanf(strings.TrimPrefix(opt, "savings-plan-ec2-instance-"), "%dy", &years)
		ok = err == nil
	case strings.HasPrefix(opt, "reserved-"):
		kind = tally.CommitReserved
		_, err := fmt.Sscanf(strings.TrimPrefix(opt, "reserved-"), "%dy", &years)
		ok = err == nil
	case strings.HasPrefix(opt, "cud-"):
		kind = tally.CommitCUDResource
		_, err := fmt.Sscanf(strings.TrimPrefix(opt, "cud-"), "%dy", &years)
		ok = err == nil
	}
	return kind, 12 * years, ok && years > 0
}

// Discount returns the discount of o on s, and false when o does not cover s.
func (r Rates) Discount(o Offer, s Stream) (float64, bool) {
	if !o.Covers(s) {
		return 0, false
	}
	bonus := paymentBonus[o.Payment]
	if d, ok := r.exact[rateKey{o.Kind, o.TermMonths, s.Region, strings.ToLower(s.InstanceType)}]; ok {
		return min(d+bonus, 0.95), true
	}
	if o.Kind == tally.CommitCUDFlexible { // catalog CUD prices are resource-based; flexible ones are published flat
		return defaultDiscount(o.Kind, o.TermMonths, "") + bonus, true
	}
	return min(defaultDiscount(o.Kind, o.TermMonths, s.Family())+bonus, 0.95), true
}

// defaultDiscount interpolates between the 1- and 3-year published rates.
func defaultDiscount(kind string, months int, family string) float64 {
	t := defaultDiscounts[kind]
	if t == nil {
		return 0
	}
	d1, d3 := t[12], t[36]
	var d float64
	switch {
	case months <= 12:
		d = d1
	case months >= 36:
		d = d3
	default:
		d = d1 + (d3-d1)*float64(months-12)/24
	}
	if kind != tally.CommitCUDFlexible {
		d += familyAdjust[family]
	}
	return d
}

// MeanDiscount returns o's discount averaged over the streams it covers,
// weighted by w (on-demand usage); the default discount when it covers none.
func (r Rates) MeanDiscount(o Offer, streams []Stream, w []float64) float64 {
	var num, den float64
	for i, s := range streams {
		d, ok := r.Discount(o, s)
		if !ok {
			continue
		}
		wt := 1.0
		if w != nil {
			wt = w[i]
		}
		num += d * wt
		den += wt
	}
	if den == 0 {
		return defaultDiscount(o.Kind, o.TermMonths, o.Family)
	}
	return num / den
}
