package commitments

import (
	"fmt"
	"maps"
	"math"
	"strings"

	"github.com/tallyhq/tally"
)

// Rates gives the discount a commitment offer earns on a stream: 1 −
// commitment rate / on-demand rate. Rates from the price catalog (the prices
// table) win; the published typical rates of defaultDiscounts fill the gaps.
//
// Those rates are Linux/UNIX's. Without the platform's own catalog rate, a
// commitment is taken not to discount the licence fee in the on-demand
// price of another platform (Windows, Red Hat Enterprise Linux, …), so on
// its usage it saves what it saves on Linux/UNIX's: the discount times
// Linux/UNIX's on-demand price over the platform's. That holds for Windows
// and Red Hat; SUSE Linux's Reserved Instances discount part of the fee,
// which only its catalog rate shows.
type Rates struct {
	exact    map[rateKey]float64 // from prices: kind, term, region, instance type, platform
	onDemand map[odKey]float64   // on-demand price an hour, from prices and bills
	sud      map[Stream]float64  // SUD shares (WithSUD)
}

type rateKey struct {
	kind     string
	months   int
	payment  string // NoUpfront, PartialUpfront, AllUpfront
	region   string
	itype    string
	platform string
}

// keyOf names the rate of o on usage of s's region and instance type on
// platform, at o's payment option (No Upfront when o names none).
func keyOf(o Offer, s Stream, platform string) rateKey {
	return rateKey{o.Kind, o.TermMonths, paymentOf(o), s.Region, strings.ToLower(s.InstanceType), platform}
}

// paymentOf is o's payment option, No Upfront when it names none.
func paymentOf(o Offer) string {
	if o.Payment == "" {
		return NoUpfront
	}
	return o.Payment
}

// noUpfront returns o paid with no upfront fee.
func noUpfront(o Offer) Offer {
	o.Payment = NoUpfront
	return o
}

// odKey names an on-demand price: region, lower-case instance type, platform.
type odKey struct{ region, itype, platform string }

func odKeyOf(s Stream) odKey {
	return odKey{s.Region, strings.ToLower(s.InstanceType), s.Platform}
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

// paymentBonus is how many points of discount paying upfront adds to the
// no-upfront discount, typically: the fallback for an offer whose payment
// option the price catalog has no price of (Rates.UpfrontTypical).
var paymentBonus = map[string]float64{PartialUpfront: 0.02, AllUpfront: 0.04}

// NewRates builds rates from catalog prices (tally.InstancePrice with
// purchase options on-demand, savings-plan-compute-1y-no-upfront,
// savings-plan-ec2-instance-3y-all-upfront, reserved-1y-partial-upfront,
// cud-1y, …: an upfront option's price is its effective hourly one), each
// against the on-demand price of its operating system. Prices without
// an on-demand price of the same type, region and operating system, and
// those of an operating system tally.CatalogPlatforms does not name, are ignored.
func NewRates(prices []tally.InstancePrice) Rates {
	r := Rates{exact: map[rateKey]float64{}, onDemand: map[odKey]float64{}}
	for _, p := range prices {
		platform, ok := tally.CatalogPlatforms[p.OperatingSystem]
		if ok && p.PurchaseOption == tally.PurchaseOnDemand && p.Zone == "" && p.HourlyPrice.Sign() > 0 {
			r.onDemand[odKey{p.Region, strings.ToLower(p.InstanceType), platform}] = p.HourlyPrice.Float64()
		}
	}
	for _, p := range prices {
		kind, months, payment, ok := parsePurchaseOption(p.PurchaseOption)
		platform, known := tally.CatalogPlatforms[p.OperatingSystem]
		if !ok || !known {
			continue
		}
		itype := strings.ToLower(p.InstanceType)
		base := r.onDemand[odKey{p.Region, itype, platform}]
		if base <= 0 {
			continue
		}
		d := 1 - p.HourlyPrice.Float64()/base
		if d <= 0 || d >= 1 {
			continue
		}
		r.exact[rateKey{kind, months, payment, p.Region, itype, platform}] = d
	}
	return r
}

// OnDemandPrice is the on-demand price of an hour of one instance of a
// stream, as a bill lists it (ListCost over PricingQuantity hours).
type OnDemandPrice struct {
	Stream Stream
	Hourly float64
}

// WithOnDemand returns r with the on-demand prices ps added where r has none
// of the stream's region, instance type and platform: a bill's prices of
// the platforms a catalog does not price (Red Hat Enterprise Linux, SQL
// Server, …) let discounts on their usage leave the licence fee out.
func (r Rates) WithOnDemand(ps []OnDemandPrice) Rates {
	od := maps.Clone(r.onDemand)
	if od == nil {
		od = map[odKey]float64{}
	}
	for _, p := range ps {
		if k := odKeyOf(p.Stream); od[k] <= 0 && p.Hourly > 0 && !math.IsInf(p.Hourly, 0) {
			od[k] = p.Hourly
		}
	}
	r.onDemand = od
	return r
}

// parsePurchaseOption reads the catalog's purchase option names: kind,
// term and payment option ("reserved-3y-partial-upfront"; No Upfront
// without one, as for CUDs).
func parsePurchaseOption(opt string) (kind string, months int, payment string, ok bool) {
	payment = NoUpfront
	switch {
	case strings.HasSuffix(opt, "-partial-upfront"):
		payment = PartialUpfront
	case strings.HasSuffix(opt, "-all-upfront"):
		payment = AllUpfront
	}
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
	return kind, 12 * years, payment, ok && years > 0
}

// Discount returns the discount of o on s, and false when o does not cover
// s: on s's list price, or on what s costs after its sustained use
// discounts when r has them (WithSUD).
func (r Rates) Discount(o Offer, s Stream) (float64, bool) {
	d, ok := r.listDiscount(o, s)
	return r.afterSUD(s, d), ok
}

// listDiscount is Discount on s's list price.
func (r Rates) listDiscount(o Offer, s Stream) (float64, bool) {
	if !o.Covers(s) {
		return 0, false
	}
	if d, ok := r.upfrontDiscount(o, s); ok {
		return min(d, 0.95), true
	}
	bonus := paymentBonus[o.Payment]
	o = noUpfront(o)
	if d, ok := r.exact[keyOf(o, s, s.Platform)]; ok {
		return min(d+bonus, 0.95), true
	}
	d := min(r.linuxDiscount(o, s)+bonus, 0.95)
	if share, ok := r.computeShare(s); ok {
		d *= share
	}
	return d, true
}

// upfrontDiscount is the discount of o, paid partly or all upfront, on s
// from the catalog's price of o's payment option: s's platform's, else
// Linux/UNIX's on the part of s's on-demand price it discounts
// (computeShare). It returns false for a No Upfront o and when the catalog
// has neither price.
func (r Rates) upfrontDiscount(o Offer, s Stream) (float64, bool) {
	if paymentOf(o) == NoUpfront {
		return 0, false
	}
	if d, ok := r.exact[keyOf(o, s, s.Platform)]; ok {
		return d, true
	}
	d, ok := r.exact[keyOf(o, s, "")]
	share, known := r.computeShare(s)
	return d * share, ok && known
}

// UpfrontTypical reports whether o's discount on s is the typical one of
// its payment option, the no-upfront discount plus paymentBonus's points,
// for want of the catalog's price of the option: o is paid partly or all
// upfront and upfrontDiscount has no price of it.
func (r Rates) UpfrontTypical(o Offer, s Stream) bool {
	_, priced := r.upfrontDiscount(o, s)
	return paymentOf(o) != NoUpfront && !priced
}

// catalogued reports whether o's rate on s is the price catalog's, of o's
// payment option or of No Upfront, for s's platform or Linux/UNIX, rather
// than a typical published one.
func (r Rates) catalogued(o Offer, s Stream) bool {
	for _, o := range []Offer{o, noUpfront(o)} {
		for _, platform := range []string{s.Platform, ""} {
			if _, ok := r.exact[keyOf(o, s, platform)]; ok {
				return true
			}
		}
	}
	return false
}

// LinuxPriced reports whether o's discount on s is Linux/UNIX's for want of
// prices: s is usage of a platform with a licence fee, the catalog has no
// rate of o's kind and term for it, and its on-demand price or Linux/UNIX's
// is unknown, so the fee, which o does not discount, is counted as if it
// were. The discount is then too high.
func (r Rates) LinuxPriced(o Offer, s Stream) bool {
	if s.Platform == "" {
		return false
	}
	for _, o := range []Offer{o, noUpfront(o)} {
		if _, ok := r.exact[keyOf(o, s, s.Platform)]; ok {
			return false
		}
	}
	_, ok := r.computeShare(s)
	return !ok
}

// linuxDiscount is o's no-upfront discount on Linux/UNIX usage of s's
// region and instance type.
func (r Rates) linuxDiscount(o Offer, s Stream) float64 {
	if d, ok := r.exact[keyOf(o, s, "")]; ok {
		return d
	}
	if o.Kind == tally.CommitCUDFlexible { // catalog CUD prices are resource-based; flexible ones are published flat
		return defaultDiscount(o.Kind, o.TermMonths, "")
	}
	return defaultDiscount(o.Kind, o.TermMonths, s.Family())
}

// computeShare is the part of s's on-demand price a commitment discounts:
// Linux/UNIX's on-demand price over that of s's platform (1 for Linux/UNIX
// usage), and false when either is unknown.
func (r Rates) computeShare(s Stream) (float64, bool) {
	if s.Platform == "" {
		return 1, true
	}
	k := odKeyOf(s)
	platform := r.onDemand[k]
	k.platform = ""
	linux := r.onDemand[k]
	if linux <= 0 || platform <= 0 {
		return 0, false
	}
	return min(linux/platform, 1), true
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
