package ingest

import (
	"fmt"
	"hash/maphash"
	"math"
	"slices"

	"github.com/tallyhq/tally"
)

// overlaps finds one charge in two reports of a billing period: a legacy
// CUR and a CUR 2.0 export of the same payer, run side by side as AWS
// advises during a migration, would otherwise both be stored and the
// month counted twice. Reports filtered to different accounts or services
// add up and share no line, so only a shared line is an error.
//
// A line is known by a 64-bit hash of what it bills (fingerprint), kept
// per billing period and report: 8 bytes a line, only in runs that read
// more than one report. CUR's identity_line_item_id would not do: AWS
// documents it as unique within a partition only, and not consistent
// between different reports.
type overlaps struct {
	reports []string       // report names, by index
	index   map[string]int // report name → index
	keys    [][][]uint64   // by period index (as in Result.Periods), then report index
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

// add records line l of report in the period of index period.
func (o *overlaps) add(period int, report string, l *tally.CostLine) {
	r, ok := o.index[report]
	if !ok {
		return
	}
	for len(o.keys) <= period {
		o.keys = append(o.keys, make([][]uint64, len(o.reports)))
	}
	o.keys[period][r] = append(o.keys[period][r], o.fingerprint(l))
}

// fingerprint hashes what a line bills, as both CUR formats normalize it:
// accounts, charge interval, category, description, billed cost, quantity
// and unit, resource, commitment, the source's extra columns, and tags
// (their keys compared lower-cased and alphanumeric only, since legacy
// CUR's user:team is CUR 2.0's user_team). Maps are hashed pair by pair
// and summed, so their order does not matter.
func (o *overlaps) fingerprint(l *tally.CostLine) uint64 {
	var h uint64
	for _, s := range [...]string{l.BillingAccountID, l.SubAccountID, string(l.ChargeCategory), l.ChargeClass, l.ChargeDescription,
		l.ResourceID, l.CommitmentDiscountID, l.PricingUnit} {
		h = mix(h, maphash.String(o.seed, s))
	}
	h = mix(h, uint64(l.ChargePeriodStart.UnixNano()))
	h = mix(h, uint64(l.ChargePeriodEnd.UnixNano()))
	h = mix(h, math.Float64bits(l.PricingQuantity))
	if u, ok := l.BilledCost.Units(); ok {
		h = mix(h, uint64(u))
	} else {
		h = mix(h, maphash.String(o.seed, l.BilledCost.Decimal()))
	}
	for k, v := range l.Extras {
		o.buf = append(append(append(append(o.buf[:0], 'x'), k...), 0), v...)
		h += maphash.Bytes(o.seed, o.buf)
	}
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
	return mix(h, 0)
}

// mix folds x into the hash h.
func mix(h, x uint64) uint64 {
	h = (h ^ x) * 0x9e3779b97f4a7c15
	return h ^ h>>31
}

// check compares the reports of every period and returns an EInvalid error
// naming the first two that share lines, with what to ingest instead.
func (o *overlaps) check(periods []PeriodSummary) error {
	for p, byReport := range o.keys {
		for _, ks := range byReport {
			slices.Sort(ks)
		}
		for i := range byReport {
			for j := i + 1; j < len(byReport); j++ {
				a, b := byReport[i], byReport[j]
				if len(a) == 0 || len(b) == 0 {
					continue
				}
				aInB, bInA := shared(a, b), shared(b, a)
				if aInB == 0 {
					continue
				}
				return o.overlapError(periods[p].Key, o.reports[i], o.reports[j], len(a), len(b), aInB, bInA)
			}
		}
	}
	return nil
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

func (o *overlaps) overlapError(key tally.BillingPeriodKey, a, b string, na, nb, aInB, bInA int) error {
	period := fmt.Sprintf("billing period %s of account %s", key.Start.Format("2006-01"), key.BillingAccountID)
	var what, do string
	switch {
	case aInB == na && bInA == nb:
		what = fmt.Sprintf("reports %s and %s hold the same %d lines of %s", a, b, na, period)
		do = fmt.Sprintf("ingest one of them: point at %s, or at %s", a, b)
	case aInB == na:
		what = fmt.Sprintf("every one of the %d lines of report %s in %s is also in report %s", na, a, period, b)
		do = fmt.Sprintf("point at %s alone, which holds them all", b)
	case bInA == nb:
		what = fmt.Sprintf("every one of the %d lines of report %s in %s is also in report %s", nb, b, period, a)
		do = fmt.Sprintf("point at %s alone, which holds them all", a)
	default:
		what = fmt.Sprintf("%d of the %d lines of report %s in %s are also in report %s", aInB, na, a, period, b)
		do = fmt.Sprintf("point at one of them (%s or %s), or change their filters so that they share no line", a, b)
	}
	return tally.Errorf(tally.EInvalid, "%s: ingesting both would count them twice; %s "+
		"(reports filtered to different accounts or services share no line and are read together): nothing was committed",
		what, do)
}
