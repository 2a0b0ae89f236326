package commitments

import "math"

// Sustained use discounts (SUDs) take up to 30% off GCP usage that runs
// most of a month and gets no other discount: usage a committed use
// discount covers loses its SUD. Covering a list dollar of usage whose SUD
// share is s with a CUD of discount d therefore saves d − s, not d.
// Recommend counts it on the basis of what the usage costs on demand after
// SUDs: the usage scaled by 1 − s (Usage.afterSUD), the discount relative
// to it 1 − (1 − d)/(1 − s) (Rates.afterSUD), so that a commitment's fee
// for the same usage is unchanged while its savings and break-even
// utilization are right.

// afterSUD returns u with each stream of a SUD share (Usage.SUD) scaled to
// what it costs after sustained use discounts, and no SUD shares; u itself
// when it has none.
func (u *Usage) afterSUD() *Usage {
	if len(u.SUD) == 0 {
		return u
	}
	v := &Usage{Name: u.Name, Start: u.Start, Currency: u.Currency, Streams: u.Streams, OD: make([][]Nanos, len(u.OD))}
	for i, s := range u.OD {
		keep := 1 - sudShare(u.SUD, u.Streams[i])
		if keep == 1 {
			v.OD[i] = s
			continue
		}
		v.OD[i] = make([]Nanos, len(s))
		for h, n := range s {
			v.OD[i][h] = Nanos(math.Round(float64(n) * keep))
		}
	}
	return v
}

// sudShare returns the SUD share of stream s in shares, 0 when it has none
// or one outside [0, 1).
func sudShare(shares map[Stream]float64, s Stream) float64 {
	if v := shares[s]; v > 0 && v < 1 {
		return v
	}
	return 0
}

// poolSUD returns the SUD share of the streams of indices of u, weighted by
// their usage at list price.
func poolSUD(u *Usage, indices []int) float64 {
	var num, den float64
	for _, i := range indices {
		var sum Nanos
		for _, n := range u.OD[i] {
			sum += n
		}
		num += sum.Float() * sudShare(u.SUD, u.Streams[i])
		den += sum.Float()
	}
	if den == 0 {
		return 0
	}
	return num / den
}

// WithSUD returns r with the SUD shares of streams (Usage.SUD): its
// discounts on them are then relative to their cost after SUDs.
func (r Rates) WithSUD(shares map[Stream]float64) Rates {
	r.sud = shares
	return r
}

// afterSUD converts d, a discount on s's list price, to the discount on
// what s costs after its SUDs, which the usage it covers loses: 0 when the
// SUDs take off as much as d.
func (r Rates) afterSUD(s Stream, d float64) float64 {
	share := sudShare(r.sud, s)
	if share == 0 {
		return d
	}
	return max(0, 1-(1-d)/(1-share))
}
