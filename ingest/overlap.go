package ingest

import (
	"errors"
	"fmt"
	"hash/maphash"
	"math"
	"slices"
	"time"

	"github.com/tallyhq/tally"
)

// ErrOverlappingReports is two reports of a run holding the same charges of
// a billing period (see Run). It is wrapped in a *tally.Error naming them.
var ErrOverlappingReports = errors.New("two reports hold the same charges")

// overlaps finds one charge in two reports of a billing period: a legacy
// CUR and a CUR 2.0 export of the same payer, run side by side as AWS
// advises during a migration, would otherwise both be stored and the
// month counted twice. Reports filtered to different accounts or services
// add up and share no charge, so only a shared charge is an error.
//
// It compares reports two ways, kept per billing period and report, only
// in runs that read more than one report:
//
//   - lines: a 64-bit hash of what a line bills (fingerprint), 8 bytes a
//     line. CUR's identity_line_item_id would not do: AWS documents it as
//     unique within a partition only, and not consistent between reports.
//   - totals: what a report bills per charge (usage account, category,
//     resource, commitment and the source's extra columns: for CUR the line
//     item type, product, usage type and operation) and day of the period,
//     summed, 16 bytes a charge and day however many lines bill it. Reports
//     of different time granularity (hourly, daily, monthly: all legal CUR
//     settings) split one charge into different lines, so no line matches,
//     but their daily totals do (hourly against daily) or, summed over the
//     period, their monthly ones (either against monthly). The resource is
//     part of the charge, so a report with resource IDs and one without
//     share no total.
type overlaps struct {
	reports []string       // report names, by index
	index   map[string]int // report name → index
	keys    [][][]uint64   // line fingerprints, by period index (as in Result.Periods), then report index
	totals  [][]totals     // daily totals, by period index, then report index
	seed    maphash.Seed
	buf     []byte // scratch for map entries
}

// newOverlaps returns the check for the files a run reads (those not a
// copy of another, see copies), or nil when they name fewer than two
// reports.
func newOverlaps(files []File, copyOf []int) *overlaps {
	o := &overlaps{index: map[string]int{}, seed: maphash.MakeSeed()}
	for i, f := range files {
		if _, ok := o.index[f.Report]; !ok && f.Report != "" && copyOf[i] < 0 {
			o.index[f.Report] = len(o.reports)
			o.reports = append(o.reports, f.Report)
		}
	}
	if len(o.reports) < 2 {
		return nil
	}
	return o
}

// add records line l of report in the period of index period, which starts
// at start.
func (o *overlaps) add(period int, start time.Time, report string, l *tally.CostLine) {
	r, ok := o.index[report]
	if !ok {
		return
	}
	for len(o.keys) <= period {
		o.keys = append(o.keys, make([][]uint64, len(o.reports)))
		o.totals = append(o.totals, make([]totals, len(o.reports)))
	}
	line, charge := o.fingerprint(l)
	o.keys[period][r] = append(o.keys[period][r], line)
	day := l.ChargePeriodStart.Sub(start) / (24 * time.Hour)
	if day < 0 || day >= dayMask {
		day = dayMask // outside the period's 31 days: one bucket for all
	}
	o.totals[period][r].add(total{key: charge&^dayMask | uint64(day), nanos: nanos(l.BilledCost)})
}

// fingerprint hashes what a line bills, as both CUR formats normalize it:
// accounts, charge interval, category, description, billed cost, quantity
// and unit, resource, commitment, the source's extra columns, and tags
// (their keys compared lower-cased and alphanumeric only, since legacy
// CUR's user:team is CUR 2.0's user_team). Maps are hashed pair by pair
// and summed, so their order does not matter.
//
// charge hashes what identifies the charge whatever the time granularity
// of the report: usage account, category, resource, commitment and the
// extra columns (not tags: the formats do not carry the same).
func (o *overlaps) fingerprint(l *tally.CostLine) (line, charge uint64) {
	var extras uint64
	for k, v := range l.Extras {
		o.buf = append(append(append(append(o.buf[:0], 'x'), k...), 0), v...)
		extras += maphash.Bytes(o.seed, o.buf)
	}
	var h uint64
	for i, s := range [...]string{l.SubAccountID, string(l.ChargeCategory), l.ResourceID, l.CommitmentDiscountID,
		l.BillingAccountID, l.ChargeClass, l.ChargeDescription, l.PricingUnit} {
		x := maphash.String(o.seed, s)
		h = mix(h, x)
		if i < 4 { // the charge's
			charge = mix(charge, x)
		}
	}
	charge = mix(charge, extras)
	h = mix(h, uint64(l.ChargePeriodStart.UnixNano()))
	h = mix(h, uint64(l.ChargePeriodEnd.UnixNano()))
	h = mix(h, math.Float64bits(l.PricingQuantity))
	if u, ok := l.BilledCost.Units(); ok {
		h = mix(h, uint64(u))
	} else {
		h = mix(h, maphash.String(o.seed, l.BilledCost.Decimal()))
	}
	h += extras
	for k, v := range l.Tags {
		o.buf = append(o.buf[:0], 't')
		for i := 0; i < len(k); i++ {
			switch c := k[i]; {
			case c >= 'a' && c <= 'z', c >= '0' && c <= '9', c >= 0x80:
				o.buf = append(o.buf, c)
			case c >= 'A' && c <= 'Z':
				o.buf = append(o.buf, c+'a'-'A')
			}
		}
		o.buf = append(append(o.buf, 0), v...)
		h += maphash.Bytes(o.seed, o.buf)
	}
	return mix(h, 0), charge
}

// mix folds x into the hash h.
func mix(h, x uint64) uint64 {
	h = (h ^ x) * 0x9e3779b97f4a7c15
	return h ^ h>>31
}

// nanos is m in units of 10⁻⁹, saturated beyond about ±4.6 billion.
func nanos(m tally.Money) int64 {
	if u, ok := m.Units(); ok {
		return u / 1000
	}
	if n, err := m.MulRatio(1, 1000); err == nil {
		if u, ok := n.Units(); ok {
			return u
		}
	}
	if m.Sign() < 0 {
		return math.MinInt64 / 2
	}
	return math.MaxInt64 / 2
}

// overlap is two reports found to hold the same charges of a period.
type overlap struct {
	period  tally.BillingPeriodKey
	reports []string // the two
	what    string   // what they share, naming them and the period
	err     error    // EInvalid: what, and what to ingest instead
}

// check compares the reports of every period and returns every pair that
// holds the same charges, first by line, then, for reports sharing no
// line, by daily and monthly totals.
func (o *overlaps) check(periods []PeriodSummary) []overlap {
	var found []overlap
	for p, byReport := range o.keys {
		for _, ks := range byReport {
			slices.Sort(ks)
		}
		for r := range o.totals[p] {
			o.totals[p][r].compact()
		}
		for i := range byReport {
			for j := i + 1; j < len(byReport); j++ {
				a, b := byReport[i], byReport[j]
				if len(a) == 0 || len(b) == 0 {
					continue
				}
				key, ra, rb := periods[p].Key, o.reports[i], o.reports[j]
				if aInB, bInA := shared(a, b), shared(b, a); aInB > 0 {
					found = append(found, newOverlap(key, ra, rb, "lines", len(a), len(b), aInB, bInA))
					continue
				}
				if ov, ok := totalsOverlap(key, ra, rb, o.totals[p][i].s, o.totals[p][j].s); ok {
					found = append(found, ov)
				}
			}
		}
	}
	return found
}

// shared counts the elements of a (sorted) found in b (sorted).
func shared(a, b []uint64) int {
	n, j := 0, 0
	for _, k := range a {
		for j < len(b) && b[j] < k {
			j++
		}
		if j < len(b) && b[j] == k {
			n++
		}
	}
	return n
}

// totalsOverlap compares the daily totals of reports a and b in a period,
// then their monthly totals, and returns the overlap when they share at
// least one in a hundred of the totals of the one with fewer (and at least
// one).
// A single shared total is not enough: between exports filtered by tag, a
// resource retagged at noon bills the same in each half of the day.
func totalsOverlap(key tally.BillingPeriodKey, ra, rb string, a, b []total) (overlap, bool) {
	for _, level := range []struct {
		name   string
		totals func([]total) []total
	}{{"daily", nil}, {"monthly", monthly}} {
		ta, tb := a, b
		if level.totals != nil {
			ta, tb = level.totals(a), level.totals(b)
		}
		n := sameTotals(ta, tb)
		if n > 0 && n*100 >= min(len(ta), len(tb)) {
			return newOverlap(key, ra, rb, level.name+" totals", len(ta), len(tb), n, n), true
		}
	}
	return overlap{}, false
}

// newOverlap says that reports a and b (of na and nb units, lines or
// totals) share aInB and bInA of them, and what to ingest instead.
func newOverlap(key tally.BillingPeriodKey, a, b, units string, na, nb, aInB, bInA int) overlap {
	period := fmt.Sprintf("billing period %s of account %s", key.Start.Format("2006-01"), key.BillingAccountID)
	of, share := units, "line"
	if units != "lines" {
		of, share = units+" per usage account and charge", "charge"
	}
	var what, do string
	switch {
	case aInB == na && bInA == nb && units == "lines":
		what = fmt.Sprintf("reports %s and %s hold the same %d lines of %s", a, b, na, period)
	case aInB == na && bInA == nb:
		what = fmt.Sprintf("reports %s and %s bill the same charges of %s in lines of different lengths (hourly, daily or monthly): their %d %s are the same",
			a, b, period, na, of)
	case aInB == na:
		what = fmt.Sprintf("every one of the %d %s of report %s in %s is also in report %s", na, of, a, period, b)
	case bInA == nb:
		what = fmt.Sprintf("every one of the %d %s of report %s in %s is also in report %s", nb, of, b, period, a)
	default:
		what = fmt.Sprintf("%d of the %d %s of report %s in %s are also in report %s", aInB, na, of, a, period, b)
	}
	switch {
	case aInB == na && bInA == nb:
		do = fmt.Sprintf("ingest one of them: point at %s, or at %s", a, b)
	case aInB == na:
		do = fmt.Sprintf("point at %s alone, which holds them all", b)
	case bInA == nb:
		do = fmt.Sprintf("point at %s alone, which holds them all", a)
	default:
		do = fmt.Sprintf("point at one of them (%s or %s), or change their filters so that they share no %s", a, b, share)
	}
	return overlap{period: key, reports: []string{a, b}, what: what,
		err: &tally.Error{Code: tally.EInvalid, Err: ErrOverlappingReports, Message: fmt.Sprintf("%s: ingesting both would count them twice; %s "+
			"(reports filtered to different accounts or services share no %s and are read together): nothing was committed",
			what, do, share)}}
}
