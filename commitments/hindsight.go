package commitments

import (
	"cmp"
	"slices"
)

// Hindsight plans purchases knowing all the usage, future included: the
// upper bound the backtest measures regret against. For one pool with one
// discount the plan is exact: committed capacity is fungible, so the cost
// splits into horizontal layers of usage, and each layer's best set of
// purchase hours (pay the layer on demand, or commit for a whole term and
// pay every hour of it, past the horizon included) is a shortest path over
// the hours. Pools are planned in application order, each on what the
// earlier ones leave uncovered; the plan is the cheaper of that and of
// planning the broad pools (Compute Savings Plans, flexible CUDs) alone.
type Hindsight struct {
	Layers int // capacity layers per pool (0: 200)

	// A price per dollar of committed hour below the utilization floor
	// (PlanAtUtilization): each hour of a commitment costs price × (floor ×
	// fee − the fee used) more, so unused hours cost and used ones earn.
	price, floor float64
}

// Name identifies the planner in reports.
func (Hindsight) Name() string { return "hindsight" }

// Plan returns the positions to buy over u, none starting before hour first.
func (hs Hindsight) Plan(u *Usage, pools []Pool, rates Rates, first int) []Position {
	sim := NewSimulator(u, rates)
	var best []Position
	var bestCost float64
	for v := 0; v < 2; v++ {
		var planned []Position
		for _, p := range pools {
			if v == 1 && Rank(p.Offer.Kind) < 2 {
				continue
			}
			x, keep := hs.residual(sim, p, planned)
			planned = append(planned, hs.layered(p, x, keep, first)...)
		}
		cost := hs.priced(sim.Run(planned, 0, u.Hours(), nil))
		if best == nil || cost < bestCost {
			best, bestCost = planned, cost
		}
	}
	return best
}

// residual returns pool p's usage left uncovered by planned positions of
// lower rank, hour by hour, and the pool's usage-weighted 1 − discount.
func (hs Hindsight) residual(sim *Simulator, p Pool, planned []Position) ([]float64, float64) {
	u := sim.Usage()
	var ps []Position
	for _, q := range planned {
		if Rank(q.Offer.Kind) < Rank(p.Offer.Kind) {
			ps = append(ps, q)
		}
	}
	in := make([]bool, len(u.Streams))
	streams := make([]Stream, len(p.Streams))
	w := make([]float64, len(p.Streams))
	for k, i := range p.Streams {
		in[i] = true
		streams[k] = u.Streams[i]
		for _, v := range u.OD[i] {
			w[k] += v.Float()
		}
	}
	x := make([]float64, 0, u.Hours())
	sim.Run(ps, 0, u.Hours(), func(h int, rem []Nanos) {
		var s Nanos
		for i, r := range rem {
			if in[i] {
				s += r
			}
		}
		x = append(x, s.Float())
	})
	return x, 1 - sim.Rates().MeanDiscount(p.Offer, streams, w)
}

// layered solves each capacity layer of x exactly and returns the purchases.
func (hs Hindsight) layered(p Pool, x []float64, keep float64, first int) []Position {
	layers := hs.Layers
	if layers <= 0 {
		layers = 200
	}
	n := len(x)
	term := TermHours(p.Offer.TermMonths)
	top := 0.0
	for h := first; h < n; h++ {
		top = max(top, x[h])
	}
	if top <= 0 || first >= n {
		return nil
	}
	delta := top / float64(layers)
	fees := map[int]float64{} // start hour → capacity bought
	f := make([]float64, n+1)
	buy := make([]bool, n)
	commit := keep * delta * float64(term)
	priced := make([]float64, n+1) // the layer's utilization price over hours [h, n)
	for k := 0; k < layers; k++ {
		lo := float64(k) * delta
		if hs.price != 0 {
			for h := n - 1; h >= 0; h-- {
				priced[h] = priced[h+1] + hs.price*keep*(hs.floor*delta-min(max(x[h]-lo, 0), delta))
			}
		}
		f[n] = 0
		for h := n - 1; h >= 0; h-- {
			b := min(max(x[h]-lo, 0), delta)
			skip := b + f[h+1]
			buy[h] = false
			if h >= first {
				end := min(h+term, n)
				if c := commit + priced[h] - priced[end] + f[end]; c < skip {
					f[h], buy[h] = c, true
					continue
				}
			}
			f[h] = skip
		}
		for h := 0; h < n; {
			if buy[h] {
				fees[h] += delta
				h += term
				continue
			}
			h++
		}
	}
	var out []Position
	for h, c := range fees {
		if fee := NanosOf(c * keep); fee > 0 {
			out = append(out, Position{Offer: p.Offer, Fee: fee, Start: h, End: h + term, By: "hindsight"})
		}
	}
	slices.SortFunc(out, func(a, b Position) int { return cmp.Compare(a.Start, b.Start) })
	return out
}
