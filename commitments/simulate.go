package commitments

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/tallyhq/tally"
)

// Position is a commitment in a simulation: an offer bought for Fee an hour
// (at commitment rates), in force for hours [Start, End) of the usage.
type Position struct {
	Offer Offer  `json:"offer"`
	Fee   Nanos  `json:"fee"`
	Start int    `json:"start"`
	End   int    `json:"end"`
	By    string `json:"by,omitempty"` // what bought it: a strategy, "existing"
	// Discount is the discount its bill shows it earning
	// (tally.Commitment.Discount): it covers the streams its offer covers
	// at that discount. 0: at the rates' discounts of its offer.
	Discount float64 `json:"discount,omitempty"`
	// StreamDiscounts are the discounts its bill shows it earning per
	// stream (tally.Commitment.StreamDiscounts), which take precedence over
	// Discount on their streams.
	StreamDiscounts []tally.StreamDiscount `json:"streamDiscounts,omitempty"`
}

// Outcome sums a simulation. Money is in Nanos; the KPIs are ratios of sums.
type Outcome struct {
	Hours      int   `json:"hours"`
	OD         Nanos `json:"odEquivalent"` // eligible usage at on-demand prices
	Covered    Nanos `json:"coveredOD"`    // of which covered by commitments
	OnDemand   Nanos `json:"onDemand"`     // paid on demand for the rest
	Fees       Nanos `json:"fees"`         // commitment fees of the simulated hours
	Used       Nanos `json:"used"`         // part of the fees that bought usage
	Unused     Nanos `json:"unused"`       // part of the fees lost (nothing to apply them to)
	Obligation Nanos `json:"obligation"`   // fees still owed past the end for positions running beyond it
}

// Cost returns everything paid: on demand, fees, and the remaining obligation.
func (o Outcome) Cost() Nanos { return o.OnDemand + o.Fees + o.Obligation }

// ESR returns the effective savings rate: 1 − cost / on-demand equivalent.
func (o Outcome) ESR() float64 {
	if o.OD == 0 {
		return 0
	}
	return 1 - ratio(o.Cost(), o.OD)
}

// Utilization returns used / total commitment over the simulated hours (1 with no commitment).
func (o Outcome) Utilization() float64 {
	if o.Fees == 0 {
		return 1
	}
	return ratio(o.Used, o.Fees)
}

// Coverage returns covered / eligible on-demand-equivalent usage.
func (o Outcome) Coverage() float64 { return ratio(o.Covered, o.OD) }

// Add returns o + p.
func (o Outcome) Add(p Outcome) Outcome {
	return Outcome{Hours: o.Hours + p.Hours, OD: o.OD + p.OD, Covered: o.Covered + p.Covered, OnDemand: o.OnDemand + p.OnDemand,
		Fees: o.Fees + p.Fees, Used: o.Used + p.Used, Unused: o.Unused + p.Unused, Obligation: o.Obligation + p.Obligation}
}

// Simulator applies commitments to usage hour by hour the way the
// providers do: Reserved Instances (and resource CUDs) first, zonal ones
// before regional ones, then EC2 Instance Savings Plans, then Compute
// Savings Plans (and flexible CUDs); each commitment to the eligible usage
// with the highest discount first; what a commitment cannot apply in an
// hour is lost. A position whose bill shows its discount earns it: per
// stream where the bill shows one (Position.StreamDiscounts), else its
// mean (Position.Discount), on every stream its offer covers.
type Simulator struct {
	usage *Usage
	rates Rates
	plans map[planKey]*offerPlan
}

// discountOn returns q's discount on stream s, which its offer covers at
// rate (r.Discount's): the one its bill shows on s, else its bill's mean,
// each on what s costs after its SUDs when r has them (Rates.afterSUD),
// else rate.
func (q Position) discountOn(r Rates, s Stream, rate float64) float64 {
	for _, sd := range q.StreamDiscounts {
		if sd.Region == s.Region && sd.InstanceType == s.InstanceType && sd.Platform == s.Platform &&
			q.Offer.Provider == s.Provider && sd.Discount > 0 && sd.Discount < 1 {
			return r.afterSUD(s, sd.Discount)
		}
	}
	if q.Discount > 0 && q.Discount < 1 {
		return r.afterSUD(s, q.Discount)
	}
	return rate
}

// planKey names an offer's plan: the offer and the discounts its
// positions' bill shows (Position.Discount, 0 for the rates' own, and
// Position.StreamDiscounts, as streamsKey formats them).
type planKey struct {
	offer    Offer
	discount float64
	streams  string
}

// planKeyOf returns the key of p's plan.
func planKeyOf(p Position) planKey {
	return planKey{p.Offer, p.Discount, streamsKey(p.StreamDiscounts)}
}

// streamsKey formats per-stream discounts as a plan's key.
func streamsKey(sds []tally.StreamDiscount) string {
	if len(sds) == 0 {
		return ""
	}
	var b strings.Builder
	for _, sd := range sds {
		fmt.Fprintf(&b, "%s|%s|%s|%g;", sd.Region, sd.InstanceType, sd.Platform, sd.Discount)
	}
	return b.String()
}

// offerPlan is an offer's eligible streams, highest discount first.
type offerPlan struct {
	offer   Offer
	streams []int
	keep    []float64 // 1 − discount: commitment dollars per on-demand dollar
}

// NewSimulator returns a simulator of commitments on u at rates.
func NewSimulator(u *Usage, rates Rates) *Simulator {
	return &Simulator{usage: u, rates: rates, plans: map[planKey]*offerPlan{}}
}

// Usage returns the simulated usage.
func (s *Simulator) Usage() *Usage { return s.usage }

// Rates returns the simulator's rates.
func (s *Simulator) Rates() Rates { return s.rates }

// plan returns the plan of position q's offer: on every stream the offer
// covers, at the discount q's bill shows on it, else at q's mean discount
// when it has one, else at the rates' discount; highest first (ties in the
// rates' order).
func (s *Simulator) plan(q Position) *offerPlan {
	k := planKeyOf(q)
	if p, ok := s.plans[k]; ok {
		return p
	}
	p := &offerPlan{offer: q.Offer}
	type sd struct {
		i       int
		d, rate float64
	}
	var el []sd
	for i, st := range s.usage.Streams {
		rate, ok := s.rates.Discount(q.Offer, st)
		if !ok {
			continue
		}
		el = append(el, sd{i, q.discountOn(s.rates, st, rate), rate})
	}
	slices.SortStableFunc(el, func(a, b sd) int { return cmp.Or(cmp.Compare(b.d, a.d), cmp.Compare(b.rate, a.rate)) })
	for _, e := range el {
		p.streams = append(p.streams, e.i)
		p.keep = append(p.keep, 1-e.d)
	}
	s.plans[k] = p
	return p
}

// active is the fee of one offer in force in an hour.
type active struct {
	plan *offerPlan
	fee  Nanos
}

// Run simulates hours [from, to) with positions ps. When hour is not nil it
// is called after every hour with the on-demand usage left uncovered per
// stream (the slice is reused). Positions running past to are charged their
// remaining obligation.
func (s *Simulator) Run(ps []Position, from, to int, hour func(h int, uncovered []Nanos)) Outcome {
	to = min(to, s.usage.Hours())
	out := Outcome{Hours: max(0, to-from)}
	// Fees per offer change only at position starts and ends.
	type event struct {
		h   int
		off int
		fee Nanos
	}
	idx := map[planKey]int{}
	var acts []active
	var evs []event
	for _, p := range ps {
		if p.Fee <= 0 || p.End <= from || p.Start >= to {
			if p.Fee > 0 && p.Start >= to {
				out.Obligation += p.Fee * Nanos(p.End-p.Start)
			}
			continue
		}
		k := planKeyOf(p)
		i, ok := idx[k]
		if !ok {
			i = len(acts)
			idx[k] = i
			acts = append(acts, active{plan: s.plan(p)})
		}
		evs = append(evs, event{max(p.Start, from), i, p.Fee})
		if p.End < to {
			evs = append(evs, event{p.End, i, -p.Fee})
		} else {
			out.Obligation += p.Fee * Nanos(p.End-to)
		}
	}
	slices.SortFunc(evs, func(a, b event) int { return cmp.Compare(a.h, b.h) })
	// Application order: rank, zonal reservations before regional ones,
	// then the larger discount first.
	order := make([]int, len(acts))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		pa, pb := acts[a].plan, acts[b].plan
		switch {
		case appliedBefore(pa.offer, pb.offer):
			return -1
		case appliedBefore(pb.offer, pa.offer):
			return 1
		}
		return cmp.Compare(firstKeep(pa), firstKeep(pb))
	})
	rem := make([]Nanos, len(s.usage.Streams))
	e := 0
	for h := from; h < to; h++ {
		for ; e < len(evs) && evs[e].h <= h; e++ {
			acts[evs[e].off].fee += evs[e].fee
		}
		for i, st := range s.usage.OD {
			rem[i] = st[h]
			out.OD += st[h]
		}
		for _, i := range order {
			a := acts[i]
			if a.fee <= 0 {
				continue
			}
			left := apply(a.plan, a.fee, rem, &out.Covered)
			out.Fees += a.fee
			out.Used += a.fee - left
			out.Unused += left
		}
		for _, r := range rem {
			out.OnDemand += r
		}
		if hour != nil {
			hour(h, rem)
		}
	}
	return out
}

// apply spends a commitment fee on the uncovered usage rem, highest
// discount first, and returns what is left of the fee.
func apply(p *offerPlan, fee Nanos, rem []Nanos, covered *Nanos) Nanos {
	capacity := fee
	for k, i := range p.streams {
		if rem[i] == 0 {
			continue
		}
		keep := p.keep[k]
		need := Nanos(math.Round(float64(rem[i]) * keep))
		if need <= capacity {
			capacity -= need
			*covered += rem[i]
			rem[i] = 0
			if capacity == 0 {
				return 0
			}
			continue
		}
		cover := Nanos(float64(capacity) / keep)
		cover = min(cover, rem[i])
		rem[i] -= cover
		*covered += cover
		return 0
	}
	return capacity
}

func firstKeep(p *offerPlan) float64 {
	if len(p.keep) == 0 {
		return 1
	}
	return p.keep[0]
}
