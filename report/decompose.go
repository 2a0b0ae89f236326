package report

import (
	"fmt"

	"github.com/tallyhq/tally"
)

// Period is what a group (a workload, namespace or service) cost in one
// period for one cost kind, with what the cost decomposition needs.
type Period struct {
	// Cost is the amortized cost (FOCUS EffectiveCost).
	Cost tally.Money
	// List is the same usage at public on-demand prices (FOCUS ListCost).
	List tally.Money
	// Quantity is the usage in the kind's unit: core-hours for CPU, GiB-hours
	// for RAM, GPU-hours for GPU. Kinds without a unit (storage, network,
	// managed services) measure usage in list dollars: Quantity = List.
	Quantity float64
	// CoveredList is the part of List covered by commitments (Savings Plans,
	// reservations, CUDs), and CoveredCost its amortized cost.
	CoveredList, CoveredCost tally.Money
}

// Add returns p + o (costs exactly, quantities as floats).
func (p Period) Add(o Period) (Period, error) {
	var s summer
	r := Period{Cost: s.add(p.Cost, o.Cost), List: s.add(p.List, o.List), Quantity: p.Quantity + o.Quantity,
		CoveredList: s.add(p.CoveredList, o.CoveredList), CoveredCost: s.add(p.CoveredCost, o.CoveredCost)}
	return r, s.err
}

// summer adds amounts and keeps the first error.
type summer struct{ err error }

func (s *summer) add(a, b tally.Money) tally.Money {
	if s.err != nil {
		return a
	}
	r, err := a.Add(b)
	s.err = err
	return r
}

// Components split a change of cost into its causes. Usage + Price +
// Coverage = Delta exactly.
type Components struct {
	Delta    tally.Money `json:"delta"`
	Usage    tally.Money `json:"usage"`
	Price    tally.Money `json:"price"`
	Coverage tally.Money `json:"coverage"`
}

// Shown returns c as the report prints it, to places decimals: Delta
// rounded half to even, as FormatMoney rounds it, and Usage, Price and
// Coverage rounded so that they add up to it: each is rounded down to
// places and the units that leaves go to the largest remainders (ties to
// usage, then price). Rounded each on its own, the printed parts could be a
// cent off the printed change they split.
func (c Components) Shown(places int) (Components, error) {
	cur := c.Delta.Currency()
	unit, err := tally.ParseMoney(fmt.Sprintf("1e-%d", places), cur)
	if err != nil {
		return Components{}, fmt.Errorf("round to %d places: %w", places, err)
	}
	var s summer
	parts := []*tally.Money{&c.Usage, &c.Price, &c.Coverage}
	rems := make([]tally.Money, len(parts))
	sum := tally.Zero(cur)
	for i, p := range parts {
		down := p.Round(places)
		if cmp, err := down.Cmp(*p); err != nil {
			return Components{}, err
		} else if cmp > 0 {
			down = s.add(down, unit.Neg())
		}
		rems[i] = s.add(*p, down.Neg())
		*p = down
		sum = s.add(sum, down)
	}
	c.Delta = c.Delta.Round(places)
	left := s.add(c.Delta, sum.Neg())
	if s.err != nil {
		return Components{}, s.err
	}
	for n := 0; left.Sign() > 0; n++ {
		best := -1
		for i, r := range rems {
			if r.Sign() <= 0 {
				continue
			}
			if best < 0 {
				best = i
			} else if cmp, _ := r.Cmp(rems[best]); cmp > 0 {
				best = i
			}
		}
		if best < 0 || n == len(parts) {
			return Components{}, fmt.Errorf("round %v = %v + %v + %v: the parts do not add up to the change", c.Delta, c.Usage, c.Price, c.Coverage)
		}
		*parts[best] = s.add(*parts[best], unit)
		rems[best] = tally.Zero(cur)
		left = s.add(left, unit.Neg())
	}
	if left.Sign() < 0 || s.err != nil {
		return Components{}, fmt.Errorf("round %v = %v + %v + %v: the parts do not add up to the change", c.Delta, c.Usage, c.Price, c.Coverage)
	}
	return c, nil
}

// Add returns c + o.
func (c Components) Add(o Components) (Components, error) {
	var s summer
	r := Components{Delta: s.add(c.Delta, o.Delta), Usage: s.add(c.Usage, o.Usage), Price: s.add(c.Price, o.Price),
		Coverage: s.add(c.Coverage, o.Coverage)}
	return r, s.err
}

// Decompose splits the change of a group's cost from before to after (one
// cost kind) into usage, price and commitment coverage.
//
// With q the quantity, C the cost and p = C/q the unit price, the change is
// split the way a Laspeyres index is, which sums exactly:
//
//	ΔC = (q₁ − q₀)·p₀  +  q₁·(p₁ − p₀)
//	     usage            price (everything that changed the unit price)
//
// The commitment-coverage part is the share of the price term explained by
// the change in covered share alone. With L the list cost, s = CoveredList/L
// the covered share, ρc = CoveredCost/CoveredList and ρu = (C − CoveredCost)/
// (L − CoveredList) the amortized-to-list ratios of the covered and uncovered
// parts, C = L·(s·ρc + (1 − s)·ρu), so at last period's ratios
//
//	coverage = L₁·(s₁ − s₀)·(ρc₀ − ρu₀)
//
// (positive when coverage fell: more usage paid the higher uncovered rate),
// and price = ΔC − usage − coverage keeps the rest: list-price and instance
// mix changes, spot prices, discount rates. When a ratio is undefined
// because last period had no covered (or no uncovered) usage, this period's
// is used; when neither has it, coverage is zero. A group that had no usage
// in one of the periods changed by usage only. Usage and coverage are
// rounded to 10⁻⁶; price takes the rounding so the parts sum to ΔC exactly.
func Decompose(before, after Period) (Components, error) {
	delta, err := after.Cost.Sub(before.Cost)
	if err != nil {
		return Components{}, err
	}
	cur := delta.Currency()
	if before.Quantity <= 0 || after.Quantity <= 0 {
		return Components{Delta: delta, Usage: delta, Price: tally.Zero(cur), Coverage: tally.Zero(cur)}, nil
	}
	p0 := before.Cost.Float64() / before.Quantity
	usage, err := tally.FromFloat((after.Quantity-before.Quantity)*p0, cur)
	if err != nil {
		return Components{}, err
	}
	usage = usage.Round(6)

	share := func(p Period) float64 {
		if l := p.List.Float64(); l > 0 {
			return p.CoveredList.Float64() / l
		}
		return 0
	}
	covered := func(p Period) (float64, bool) {
		if k := p.CoveredList.Float64(); k > 0 {
			return p.CoveredCost.Float64() / k, true
		}
		return 0, false
	}
	uncovered := func(p Period) (float64, bool) {
		if u := p.List.Float64() - p.CoveredList.Float64(); u > 0 {
			return (p.Cost.Float64() - p.CoveredCost.Float64()) / u, true
		}
		return 0, false
	}
	coverage := tally.Zero(cur)
	rc, okc := covered(before)
	if !okc {
		rc, okc = covered(after)
	}
	ru, oku := uncovered(before)
	if !oku {
		ru, oku = uncovered(after)
	}
	if okc && oku {
		v := after.List.Float64() * (share(after) - share(before)) * (rc - ru)
		if coverage, err = tally.FromFloat(v, cur); err != nil {
			return Components{}, err
		}
		coverage = coverage.Round(6)
	}
	price, err := delta.Sub(usage)
	if err == nil {
		price, err = price.Sub(coverage)
	}
	if err != nil {
		return Components{}, err
	}
	return Components{Delta: delta, Usage: usage, Price: price, Coverage: coverage}, nil
}
