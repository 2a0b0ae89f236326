package commitments

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/tallyhq/tally"
)

// RatesReader reads the commitment rates of the price catalog.
type RatesReader interface {
	// CommitmentRates returns the commitment rates of the price catalog,
	// with the on-demand prices of the bills (Rates.WithOnDemand).
	CommitmentRates(ctx context.Context) (Rates, error)
}

// IdentifyUnsaid is IdentifyOffers at rr's rates, read only when the bill
// of some commitment of bcs leaves its type or term unsaid.
func IdentifyUnsaid(ctx context.Context, rr RatesReader, bcs []BillingCommitment) ([]BillingCommitment, error) {
	if !slices.ContainsFunc(bcs, func(b BillingCommitment) bool {
		kinds, terms := unsaid(b)
		return len(kinds) > 1 || len(terms) > 1
	}) {
		return bcs, nil
	}
	r, err := rr.CommitmentRates(ctx)
	if err != nil {
		return nil, fmt.Errorf("identify commitments the bill leaves unsaid: %w", err)
	}
	return IdentifyOffers(bcs, r), nil
}

// IdentifyOffers returns bcs with what their bill did not say about AWS
// Savings Plans and Reserved Instances inferred from rates. A FOCUS file
// from AWS names neither a Savings Plan's type nor any commitment's term,
// and InventoryFromBilling would take such a Savings Plan for a 1-year
// Compute one. The discount the usage a commitment covered shows
// (BillingCommitment.Discount) tells the offers apart, for their rates
// differ: on m5.xlarge in us-east-1 a 1-year Compute Savings Plan takes
// about 29% off, an EC2 Instance one about 38%, 3-year ones about 51% and
// 58%.
//
// A commitment whose bill leaves its type or term unsaid gets those of the
// offer whose rate on the instance type it covered most (at its payment
// option when its bill, name or fees tell it, else at any: paying upfront
// adds to the discount) is nearest its discount,
// when that rate is within identifyTolerance of it and every offer of
// another type or term is at least identifyMargin farther (typicalMargin
// at typical published rates, for want of the catalog's). Otherwise, and
// when it covered no usage with a list cost, it is left as it was.
// BillingCommitment.Inferred says what was inferred and from what.
func IdentifyOffers(bcs []BillingCommitment, r Rates) []BillingCommitment {
	out := slices.Clone(bcs)
	for i := range out {
		identify(&out[i], r)
	}
	return out
}

const (
	// identifyTolerance is how far the discount may be from the nearest
	// offer's rate: a commitment covering several instance types shows
	// their mix, not the rate of the one it covered most.
	identifyTolerance = 0.03
	// identifyMargin is how much nearer the nearest offer must be than any
	// of another type or term.
	identifyMargin = 0.015
	// typicalMargin is identifyMargin where the price catalog has no rate
	// of the nearest offer: typical published rates are a few points off
	// a given instance type's.
	typicalMargin = 0.03
)

// identify infers what b's bill left unsaid of its type and term.
func identify(b *BillingCommitment, r Rates) {
	kinds, terms := unsaid(*b)
	if len(kinds) < 2 && len(terms) < 2 {
		return
	}
	d := b.Discount()
	if d == 0 || b.InstanceType == "" {
		return
	}
	type candidate struct {
		offer Offer
		rate  float64
	}
	s := Stream{Provider: tally.ProviderAWS, Region: b.Region, InstanceType: b.InstanceType, Platform: b.Platform}
	pays := []string{NoUpfront, PartialUpfront, AllUpfront}
	if p, _ := b.payment(); p != "" {
		pays = []string{p}
	}
	var cs []candidate
	for _, kind := range kinds {
		for _, months := range terms {
			for _, pay := range pays {
				o := Offer{Provider: tally.ProviderAWS, Kind: kind, TermMonths: months, Payment: pay, Region: b.Region}
				switch kind {
				case tally.CommitEC2SP:
					o.Family = Family(b.InstanceType)
				case tally.CommitReserved:
					o.InstanceType, o.Platform = b.InstanceType, b.Platform
				}
				if rate, ok := r.Discount(o, s); ok {
					cs = append(cs, candidate{o, rate})
				}
			}
		}
	}
	dist := func(c candidate) float64 { return math.Abs(c.rate - d) }
	slices.SortStableFunc(cs, func(a, b candidate) int { return cmp.Compare(dist(a), dist(b)) })
	if len(cs) == 0 || dist(cs[0]) > identifyTolerance {
		return
	}
	best := cs[0].offer
	catalogued := r.catalogued(best, s)
	margin := identifyMargin
	if !catalogued {
		margin = typicalMargin
	}
	same := func(o Offer) bool { return o.Kind == best.Kind && o.TermMonths == best.TermMonths }
	if i := slices.IndexFunc(cs, func(c candidate) bool { return !same(c.offer) }); i >= 0 && dist(cs[i])-dist(cs[0]) < margin {
		return
	}
	var lo, hi float64 = 1, 0
	for _, c := range cs {
		if same(c.offer) {
			lo, hi = min(lo, c.rate), max(hi, c.rate)
		}
	}
	var what []string
	if len(kinds) > 1 {
		what = append(what, "type")
		b.OfferingType = offeringTypes[best.Kind]
	}
	if len(terms) > 1 {
		what = append(what, "term")
		b.PurchaseTerm = TermString(best.TermMonths)
	}
	source := "the price catalog's"
	if !catalogued {
		source = "typical published rates: the price catalog has none of it"
	}
	rates := fmt.Sprintf("%.1f%% to %.1f%% by payment option", 100*lo, 100*hi)
	if len(pays) == 1 {
		rates = fmt.Sprintf("%.1f%% at %s", 100*lo, pays[0])
	}
	b.Inferred = fmt.Sprintf("%s from the discount its usage shows (%.1f%%): nearest the rates of a %d-year %s on %s in %s (%s; %s)",
		strings.Join(what, " and "), 100*d, best.TermMonths/12, kindNames[best.Kind], b.InstanceType, b.Region, rates, source)
}

// offeringTypes are the Savings Plan offering types as a CUR names them.
var offeringTypes = map[string]string{tally.CommitComputeSP: "ComputeSavingsPlans", tally.CommitEC2SP: "EC2InstanceSavingsPlans"}

// unsaid returns the kinds and terms b may be: one when its bill says, two
// when it leaves them open; none for what is not an AWS Savings Plan or
// Reserved Instance. A term is said by the bill's term column or b's
// name, and a commitment charged for longer than a year is a 3-year one.
func unsaid(b BillingCommitment) (kinds []string, terms []int) {
	t, n := strings.ToLower(b.Type), strings.ToLower(b.Name)
	switch {
	case b.Provider != tally.ProviderAWS:
		return nil, nil
	case b.OfferingType != "" || strings.Contains(t, "reserv") || strings.Contains(n, "reserved instance") ||
		strings.Contains(n, "compute") || strings.Contains(n, "ec2") || strings.Contains(n, "instance savings"):
		kinds = []string{billingKind(b)}
	case strings.Contains(t, "savings plan") || strings.Contains(n, "savings plan"):
		kinds = []string{tally.CommitComputeSP, tally.CommitEC2SP}
	default:
		return nil, nil
	}
	if termRE.MatchString(cmp.Or(b.PurchaseTerm, b.Name)) || chargedOverAYear(b) {
		return kinds, []int{termMonths(b)}
	}
	return kinds, []int{12, 36}
}
