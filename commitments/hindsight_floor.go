package commitments

// PlanAtUtilization returns hindsight's cheapest plan whose utilization
// over u is at least floor: about the best any strategy, even one that
// knows the future, could have done under that utilization floor. Set
// beside Plan's, it is what the floor costs; set beside a strategy with
// the same utilization, it is what the strategy lost to not knowing the
// future rather than to the floor.
//
// The floor constrains the ratio of used to paid commitment over the
// horizon, which does not split into capacity layers as the cost does. Its
// Lagrangian does: with a price λ on every committed hour of floor × fee −
// the fee used (g in all), a plan minimizing cost + λ·g is the cheapest of
// all plans whose g is at most its own. λ is bisected until the plan just
// meets the floor (g ≤ 0). With no plan meeting it (a floor of 1 on usage
// that is never flat), the result is the highest-utilization plan found.
// Like Plan, it is exact for one pool with one discount, up to the layers'
// granularity.
func (hs Hindsight) PlanAtUtilization(u *Usage, pools []Pool, rates Rates, first int, floor float64) []Position {
	sim := NewSimulator(u, rates)
	hs.floor = floor
	type plan struct {
		ps  []Position
		out Outcome
	}
	at := func(price float64) plan {
		hs.price = price
		ps := hs.Plan(u, pools, rates, first)
		return plan{ps, sim.Run(ps, 0, u.Hours(), nil)}
	}
	meets := func(p plan) bool { return p.out.Utilization() >= floor }
	below := at(0)
	if meets(below) {
		return below.ps
	}
	lo, hi := 0.0, 0.25
	above := at(hi)
	for !meets(above) {
		if hi >= maxFloorPrice {
			return above.ps
		}
		lo, hi, below = hi, 2*hi, above
		above = at(hi)
	}
	for range floorBisections {
		mid := (lo + hi) / 2
		if p := at(mid); meets(p) {
			hi, above = mid, p
		} else {
			lo, below = mid, p
		}
	}
	// Between the two prices the plan jumps past the floor: layers alike
	// (used in the same hours) are all bought or none. Their blend, with
	// weights that put its g at 0, meets the floor (used capacity is
	// concave in the fees) at no more than the blend of the costs (cost is
	// convex in them).
	gb, ga := floor*below.out.Fees.Float()-below.out.Used.Float(), floor*above.out.Fees.Float()-above.out.Used.Float()
	w := -ga / (gb - ga)
	blend := append(scaled(below.ps, w), scaled(above.ps, 1-w)...)
	if out := sim.Run(blend, 0, u.Hours(), nil); out.Utilization() >= floor && out.Cost() < above.out.Cost() {
		return blend
	}
	return above.ps
}

// scaled returns ps with every fee times w, rounded down to $0.001, less
// the positions left without a fee.
func scaled(ps []Position, w float64) []Position {
	var out []Position
	for _, p := range ps {
		if p.Fee = feeOf(p.Fee.Float()*w, 1); p.Fee > 0 {
			out = append(out, p)
		}
	}
	return out
}

const (
	// maxFloorPrice bounds the utilization price: at 1,024 dollars per
	// dollar below the floor, a plan commits only to what is used in every
	// hour of its terms.
	maxFloorPrice = 1024
	// floorBisections narrows the price to 1/256 of the first bracket
	// that meets the floor.
	floorBisections = 8
)

// priced returns the cost Plan minimizes: out's cost plus the utilization
// price of its commitments (the cost alone without a price).
func (hs Hindsight) priced(out Outcome) float64 {
	c := out.Cost().Float()
	if hs.price != 0 {
		c += hs.price * (hs.floor*out.Fees.Float() - out.Used.Float())
	}
	return c
}
