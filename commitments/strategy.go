package commitments

import (
	"math"
	"slices"
	"strconv"
)

// Decision is what a strategy sees when it decides at hour Now of a
// backtest (or of real life): usage older than the billing lag, the
// commitments bought so far, and the pools it may buy for. Purchases start
// at hour Now+1.
type Decision struct {
	Now       int        // the decision hour, an index into the usage
	Visible   *Usage     // hours [0, Now−lag): what billing has delivered
	Positions []Position // commitments bought so far (existing ones included), expired ones too
	Pools     []Pool
	Rates     Rates
	Next      int // hours until the next decision
	// SunkFirst applies the commitments in Positions of every kind before a
	// pool's own: a portfolio bought earlier (a Compute Savings Plan) is paid
	// for whatever is bought now, so new commitments are sized to the usage
	// it leaves, not to usage they would only take from it.
	SunkFirst bool
	// SunkHorizon, with SunkFirst, is how many hours after Now a position
	// of a pool applied after a pool's own must still be in force to count
	// as sunk for it. One that expires sooner is renewed only if the usage
	// it covered is still left to its pool, so the pools applied before it
	// (narrower, and cheaper) may take that usage back first.
	SunkHorizon int
}

// Strategy decides commitment purchases.
type Strategy interface {
	// Name identifies the strategy in reports.
	Name() string
	// Decide returns what to buy now: offers and hourly fees (Start and End
	// are set by the caller from the offer's term).
	Decide(d *Decision) []Position
}

// TermHours returns the hours of a term of months: AWS and GCP terms are
// 365-day years.
func TermHours(months int) int { return months * 730 }

// capacity returns the on-demand-equivalent capacity of the positions in
// pool p's scope in force at hour h (positionCapacity). keep is 1 − the
// discount of p's offer.
func capacity(d *Decision, ps []Position, p Pool, keep float64, h int) float64 {
	var c float64
	for _, q := range ps {
		if q.Start <= h && h < q.End && sameScope(q.Offer, p.Offer) {
			c += positionCapacity(d, p, keep, q)
		}
	}
	return c
}

// positionCapacity is the on-demand-equivalent capacity of q, a position in
// pool p's scope: its fee over 1 − its own discount on the pool's usage:
// the ones its bill shows (keepOfBilled), else keep, p's, unless q is of
// another term or payment option (a held 3-year plan in a pool that buys
// 1-year ones).
func positionCapacity(d *Decision, p Pool, keep float64, q Position) float64 {
	switch {
	case q.Discount > 0 || len(q.StreamDiscounts) > 0:
		keep = keepOfBilled(d, p, q)
	case q.Offer.TermMonths != p.Offer.TermMonths || q.Offer.Payment != p.Offer.Payment:
		keep = keepOfOffer(d, p, q.Offer)
	}
	return q.Fee.Float() / keep
}

// keepOf returns the commitment dollars one on-demand dollar of pool p's
// recent usage costs (1 − its usage-weighted discount).
func keepOf(d *Decision, p Pool) float64 { return keepOfOffer(d, p, p.Offer) }

// keepOfOffer is keepOf for offer o over pool p's streams.
func keepOfOffer(d *Decision, p Pool, o Offer) float64 {
	streams, w := recentUsage(d, p)
	return 1 - d.Rates.MeanDiscount(o, streams, w)
}

// keepOfBilled is keepOf for a held position q at the discounts its bill
// shows (Position.discountOn), the rates' where it shows none.
func keepOfBilled(d *Decision, p Pool, q Position) float64 {
	streams, w := recentUsage(d, p)
	var num, den float64
	for k, s := range streams {
		rate, ok := d.Rates.Discount(q.Offer, s)
		if !ok {
			continue
		}
		wt := 1.0
		if w != nil {
			wt = w[k]
		}
		num += q.discountOn(d.Rates, s, rate) * wt
		den += wt
	}
	if den == 0 {
		return 1 - q.discountOn(d.Rates, Stream{}, d.Rates.MeanDiscount(q.Offer, streams, w))
	}
	return 1 - num/den
}

// recentUsage returns pool p's streams and their on-demand usage over the
// last four visible weeks (nil weights when there is none).
func recentUsage(d *Decision, p Pool) ([]Stream, []float64) {
	u := d.Visible
	n := u.Hours()
	from := max(0, n-28*24)
	streams := make([]Stream, len(p.Streams))
	w := make([]float64, len(p.Streams))
	for k, i := range p.Streams {
		streams[k] = u.Streams[i]
		for h := from; h < n; h++ {
			w[k] += u.OD[i][h].Float()
		}
	}
	var total float64
	for _, x := range w {
		total += x
	}
	if total == 0 {
		w = nil
	}
	return streams, w
}

// residual returns, for hours [from, to) of the visible usage, the on-demand
// usage of pool p's streams that commitments applied before p's would leave
// uncovered: positions applied before p's (appliedBefore) in force at the
// decision, and planned ones, as if they had been in force all along. A
// planned position is all its pool will hold, what is in force included:
// it stands in for the positions in force in its scope, which are not
// counted again.
func residual(d *Decision, p Pool, planned []Position, from, to int) []float64 {
	held := len(d.Positions)
	all := append(slices.Clone(d.Positions), planned...)
	counted := func(use func(Position, int) bool) func(Position, int) bool {
		return func(q Position, k int) bool {
			if k < held {
				return use(q, k) && !slices.ContainsFunc(planned, func(x Position) bool { return sameScope(x.Offer, q.Offer) })
			}
			if use(q, k) {
				return true
			}
			for j, x := range d.Positions {
				if sameScope(x.Offer, q.Offer) && use(x, j) {
					return true
				}
			}
			return false
		}
	}
	earlier := func(q Position, k int) bool {
		return appliedBefore(q.Offer, p.Offer) && !sameScope(q.Offer, p.Offer)
	}
	base := residualOf(d, p, all, counted(earlier), from, to)
	if !d.SunkFirst {
		return base
	}
	// The pool's own commitments cover what they cover (own = base − after
	// them); the later-ranked ones in force take what is left (rest), and
	// new commitments can only take what they would leave: rest + own.
	own := func(q Position, k int) bool {
		return earlier(q, k) || (k < len(d.Positions) && sameScope(q.Offer, p.Offer))
	}
	sunk := func(q Position, k int) bool { return own(q, k) || k < len(d.Positions) && !unsunk(d, p, q) }
	after := residualOf(d, p, all, counted(own), from, to)
	rest := residualOf(d, p, all, counted(sunk), from, to)
	for h := range base {
		base[h] = rest[h] + base[h] - after[h]
	}
	return base
}

// unsunk reports whether held position q, of a pool applied after p's
// (or beside it, in another scope), ends within d.SunkHorizon of the
// decision: with SunkFirst it is not counted as paid for when p is sized,
// so p may take the usage it covers rather than see it renewed.
func unsunk(d *Decision, p Pool, q Position) bool {
	return !appliedBefore(q.Offer, p.Offer) && !sameScope(q.Offer, p.Offer) && q.End <= d.Now+d.SunkHorizon
}

// residualOf returns pool p's usage left hourly over [from, to) by the
// positions in force at the decision (or planned) that use selects (by
// position and index).
func residualOf(d *Decision, p Pool, all []Position, use func(Position, int) bool, from, to int) []float64 {
	var ps []Position
	for k, q := range all {
		if !use(q, k) {
			continue
		}
		if q.Start <= d.Now+1 && d.Now+1 < q.End || q.Start < 0 {
			q.Start, q.End = from, to
			ps = append(ps, q)
		}
	}
	sim := NewSimulator(d.Visible, d.Rates)
	out := make([]float64, 0, to-from)
	in := make([]bool, len(d.Visible.Streams))
	for _, i := range p.Streams {
		in[i] = true
	}
	sim.Run(ps, from, to, func(h int, rem []Nanos) {
		var s Nanos
		for i, r := range rem {
			if in[i] {
				s += r
			}
		}
		out = append(out, s.Float())
	})
	return out
}

// plannedMarker marks planned positions in residual: Start < 0 means "in
// force over the whole window".
func plannedPosition(p Pool, fee Nanos) Position {
	return Position{Offer: p.Offer, Fee: fee, Start: -1, End: -1}
}

// feeOf converts an on-demand-equivalent capacity to an hourly fee, rounded
// down to $0.001 (the granularity AWS sells Savings Plans in).
func feeOf(capOD, keep float64) Nanos {
	if capOD <= 0 || math.IsNaN(capOD) {
		return 0
	}
	f := NanosOf(capOD * keep)
	return f - f%1_000_000
}

// quantile returns the p-quantile of x (nearest rank on a sorted copy).
func quantile(x []float64, p float64) float64 {
	if len(x) == 0 {
		return 0
	}
	s := slices.Clone(x)
	slices.Sort(s)
	i := int(math.Ceil(p*float64(len(s)))) - 1
	return s[min(max(i, 0), len(s)-1)]
}

// levelFunc chooses the total on-demand-equivalent capacity a pool should
// have, from its residual usage history; ok false skips the pool.
type levelFunc func(p Pool, resid []float64, keep float64) (target float64, ok bool)

// staged decides pool by pool in application order: each pool's target
// from its residual history over the last window hours, and a purchase of
// the gap between the target and the capacity still in force at the next
// decision (maxBuy caps it, as a fraction of the target; 0: no cap).
func staged(d *Decision, window int, maxBuy float64, level levelFunc) []Position {
	n := d.Visible.Hours()
	if n < 24 {
		return nil
	}
	from := max(0, n-window)
	var planned, buys []Position
	for _, p := range d.Pools {
		keep := keepOf(d, p)
		resid := residual(d, p, planned, from, n)
		target, ok := level(p, resid, keep)
		have := capacity(d, d.Positions, p, keep, d.Now+d.Next)
		if ok {
			gap := target - have
			if maxBuy > 0 {
				gap = min(gap, maxBuy*target)
			}
			if fee := feeOf(gap, keep); fee > 0 {
				buys = append(buys, Position{Offer: p.Offer, Fee: fee})
				have += fee.Float() / keep
			}
		}
		if fee := feeOf(have, keep); fee > 0 {
			planned = append(planned, plannedPosition(p, fee))
		}
	}
	return buys
}

// None buys nothing: everything on demand.
type None struct{}

// Name implements Strategy.
func (None) Name() string { return "none" }

// Decide implements Strategy.
func (None) Decide(*Decision) []Position { return nil }

// Lookback is AWS Cost Explorer's recommendation, acted on every day:
// commit to what would have saved the most over the last Days days of
// usage left uncovered by the commitments in force — the discount-quantile
// of that hourly usage — with no forecast and no risk term.
type Lookback struct{ Days int }

// Name implements Strategy.
func (l Lookback) Name() string { return "lookback-" + strconv.Itoa(l.Days) + "d" }

// Decide implements Strategy.
func (l Lookback) Decide(d *Decision) []Position {
	return staged(d, l.Days*24, 0, func(p Pool, resid []float64, keep float64) (float64, bool) {
		return quantile(resid, 1-keep), true
	})
}

// Quantile is the static discount-quantile rule: at its first decision
// with Days of history, commit at the discount-quantile of hourly usage
// (where the marginal committed dollar breaks even) and renew exactly that
// amount forever.
type Quantile struct {
	Days    int
	targets map[string]float64
}

// Name implements Strategy.
func (q *Quantile) Name() string { return "static-quantile" }

// Decide implements Strategy.
func (q *Quantile) Decide(d *Decision) []Position {
	if d.Visible.Hours() < q.Days*24 {
		return nil
	}
	if q.targets == nil {
		q.targets = map[string]float64{}
	}
	return staged(d, q.Days*24, 0, func(p Pool, resid []float64, keep float64) (float64, bool) {
		t, ok := q.targets[p.Key()]
		if !ok {
			t = quantile(resid, 1-keep)
			q.targets[p.Key()] = t
		}
		return t, true
	})
}

// Rolling buys once a quarter: tops the portfolio up to the
// discount-quantile of the last quarter's uncovered hourly usage, counting
// only commitments still in force at the next quarterly decision.
type Rolling struct {
	last int
	set  bool
}

// Name implements Strategy.
func (r *Rolling) Name() string { return "quarterly" }

// Decide implements Strategy.
func (r *Rolling) Decide(d *Decision) []Position {
	const quarter = 91 * 24
	if d.Visible.Hours() < 14*24 || (r.set && d.Now-r.last < quarter) {
		return nil
	}
	r.last, r.set = d.Now, true
	dd := *d
	dd.Next = quarter
	return staged(&dd, 90*24, 0, func(p Pool, resid []float64, keep float64) (float64, bool) {
		return quantile(resid, 1-keep), true
	})
}
