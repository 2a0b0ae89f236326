package ingest

import (
	"errors"
	"fmt"
	"hash/maphash"
	"math"
	"slices"
	"strings"
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
// It compares reports four ways, kept per billing period and report,
// only in runs that read more than one report:
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
//     period, their monthly ones (either against monthly).
//   - totals summed over resources: the resource is part of the charge, so
//     a report exported with resource IDs (INCLUDE_RESOURCES) and one
//     without, whose lines bill all the resources of a usage type at once,
//     share no line and no total. So the lines with resource IDs are also
//     summed per charge without its resource (a bare charge) and day, 16
//     bytes a bare charge and day: about one a usage type and day however
//     many resources it bills, as many as the totals at worst (every
//     resource of its own usage type), none for a report without resource
//     IDs, whose charges are all bare. The check merges these sums with
//     the totals of the lines without resource IDs, then by month, in
//     copies: for a moment, twice their size again. Where one report bills a
//     charge without resource IDs on a day (or in the month) and the other
//     bills it with them, the one's total is compared with the other's
//     sum, daily then monthly. The sums of charges both bill with resource
//     IDs are not counted: two reports split by tag whose fleets bill alike
//     (the same amounts per usage type and day: as many instances of a
//     type running the same hours) have equal sums. Two split by tag, one
//     with resource IDs and one without, have different sums unless their
//     fleets bill alike, as the totals of two without resource IDs, which
//     are such sums, already could.
//   - totals summed over resources per tags: an export filtered by tag (a
//     team's) next to the bill of every team, one of them without resource
//     IDs, share no line, no total and no sum over resources: the team's
//     sum of a usage type is not every team's. So the lines with tags are
//     also summed per bare charge, tags (as the line fingerprint hashes
//     them, leaving out those without a value) and day, 16 bytes a bare
//     charge, set of tags and day: about one a usage type, team and day; at
//     worst one a resource tagged its own way and day, as many as the
//     totals, or, without resource IDs, one a line of a daily report;
//     none for a report without tags. The check merges them by month in a
//     copy. Where either report bills a charge with tags without resource
//     IDs, these sums are compared likewise, daily then monthly, but for
//     those of charges both bill with resource IDs, compared per resource
//     already. Two reports split by tag share none of them. A part of a
//     bill is found so only when both reports carry the same tags (both
//     formats hold the activated cost allocation tags, CUR 2.0 when its
//     export selects resource_tags); else it is stored twice.
//
// Totals are compared over the usage accounts both reports hold, so that
// two exports filtered to linked accounts that both list one account by
// mistake are caught however many accounts each holds alone. They overlap
// when they share at least two totals, and at least one in a hundred of
// those of the report with fewer, at one level (daily or monthly totals,
// or those summed over resources, counting all of a report's bare
// charges, or those per tags too): one is not enough, since between exports filtered by tag a
// resource retagged at noon bills the same in each half of the day. A
// total both reports bill $0 (within rounding) is not counted, neither as
// shared nor among either's: lines billing $0 (DiscountedUsage's
// unblended cost, free inbound data transfer) sum to $0 per charge and day
// whatever the fleet, so any two reports billing the charge agree on it.
// Lines billing $0 are compared as any other: a line's quantity and tags
// are part of it, so two reports split by tag share none.
type overlaps struct {
	reports  []string          // report names, by index
	index    map[string]int    // report name → index
	accounts map[string]uint64 // usage account → its group (the high bits of its totals' keys, see accountBits)
	names    []string          // usage accounts, by group: the first of each
	last     string            // the usage account of the last line, and its group (lines come in runs of one account)
	lastG    uint64
	keys     [][][]uint64 // line fingerprints, by period index (as in Result.Periods), then report index
	totals   [][]totals   // daily totals, by period index, then report index
	bare     [][]totals   // daily totals of the lines with resource IDs per charge without its resource, likewise
	tagged   [][]totals   // daily totals of the lines with tags per charge without its resource and tags, likewise
	seed     maphash.Seed
	buf      []byte // scratch for map entries
}

// newOverlaps returns the check for the files a run reads (those not a
// copy of another, see copies), or nil when they name fewer than two
// reports.
func newOverlaps(files []File, copyOf []int) *overlaps {
	o := &overlaps{index: map[string]int{}, accounts: map[string]uint64{}, seed: maphash.MakeSeed()}
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
		o.bare = append(o.bare, make([]totals, len(o.reports)))
		o.tagged = append(o.tagged, make([]totals, len(o.reports)))
	}
	line, charge, bare, tags := o.fingerprint(l)
	o.keys[period][r] = append(o.keys[period][r], line)
	day := l.ChargePeriodStart.Sub(start) / (24 * time.Hour)
	if day < 0 || day >= dayMask {
		day = dayMask // outside the period's 31 days: one bucket for all
	}
	g, n := o.group(l.SubAccountID)|uint64(day), nanos(l.BilledCost)
	var withID uint64 // resourced, for a line with a resource ID
	if l.ResourceID != "" {
		withID = resourced
	}
	if tags != 0 {
		o.tagged[period][r].add(total{key: g | (mix(bare, tags)>>accountBits)&^lowBits | withID, nanos: n})
	}
	if l.ResourceID == "" { // charge is bare: its total is its bare total too (see bareTotals)
		o.totals[period][r].add(total{key: g | (charge>>accountBits)&^lowBits, nanos: n})
		return
	}
	o.totals[period][r].add(total{key: g | (charge>>accountBits)&^lowBits | resourced, nanos: n})
	o.bare[period][r].add(total{key: g | (bare>>accountBits)&^lowBits | resourced, nanos: n})
}

// group returns the group of a usage account, in the high bits of a key
// (accountBits): accounts are numbered as the run meets them, the
// 65,537th sharing the first's group, and so on.
func (o *overlaps) group(account string) uint64 {
	if account == o.last && len(o.accounts) > 0 {
		return o.lastG
	}
	g, ok := o.accounts[account]
	if !ok {
		g = uint64(len(o.accounts)%(1<<accountBits)) << (64 - accountBits)
		o.accounts[account] = g
		if len(o.names) < 1<<accountBits {
			o.names = append(o.names, account)
		}
	}
	o.last, o.lastG = account, g
	return g
}

// accountNames names groups of usage accounts (see group), in order.
func (o *overlaps) accountNames(groups []uint64) []string {
	names := make([]string, len(groups))
	for i, g := range groups {
		names[i] = o.names[g>>(64-accountBits)]
	}
	return names
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
// extra columns (not tags: the formats do not carry the same). bare is
// charge without its resource, as a report without resource IDs bills it:
// charge itself for a line without one. tags sums the hashes of the tags
// with a value (legacy CUR has an empty cell for a tag a line lacks, CUR
// 2.0's map no key), 0 for none.
func (o *overlaps) fingerprint(l *tally.CostLine) (line, charge, bare, tags uint64) {
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
			if i == 2 && s != "" { // the resource
				x = maphash.String(o.seed, "")
			}
			bare = mix(bare, x)
		}
	}
	charge, bare = mix(charge, extras), mix(bare, extras)
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
		x := maphash.Bytes(o.seed, o.buf)
		h += x
		if v != "" {
			tags += x
		}
	}
	return mix(h, 0), charge, bare, tags
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
// line, by daily and monthly totals; then, when one of them has lines
// with resource IDs, by daily and monthly totals summed over resources;
// and then, when one of them has lines with tags and without resource
// IDs, by those totals per tags too.
func (o *overlaps) check(periods []PeriodSummary) []overlap {
	var found []overlap
	for p, byReport := range o.keys {
		for _, ks := range byReport {
			slices.Sort(ks)
		}
		// Each report's daily totals, and its monthly, bare and tagged ones
		// once a pair needs them, for all its pairs.
		n := len(byReport)
		daily := make([]accountTotals, n)
		monthly, bareDaily, bareMonthly := make([]*accountTotals, n), make([]*accountTotals, n), make([]*accountTotals, n)
		taggedDaily, taggedMonthly := make([]*accountTotals, n), make([]*accountTotals, n)
		taggedBare := make([]bool, n) // the report bills a charge with tags without resource IDs
		for r := range o.totals[p] {
			o.totals[p][r].compact()
			o.bare[p][r].compact()
			daily[r] = byAccount(o.totals[p][r].s)
			o.tagged[p][r].s = merge(o.tagged[p][r].s, func(k uint64) uint64 { return k }, resourced)
			taggedBare[r] = slices.ContainsFunc(o.tagged[p][r].s, func(x total) bool { return x.key&resourced == 0 })
		}
		cached := func(cache []*accountTotals, r int, s func() []total) accountTotals {
			if cache[r] == nil {
				t := byAccount(s())
				cache[r] = &t
			}
			return *cache[r]
		}
		hasBare := func(r int) bool { return len(o.bare[p][r].s) > 0 }
		monthlyOf := func(r int) accountTotals {
			return cached(monthly, r, func() []total { return monthlyTotals(daily[r].s) })
		}
		bareDailyOf := func(r int) accountTotals {
			if !hasBare(r) { // all its charges are bare
				return daily[r]
			}
			return cached(bareDaily, r, func() []total { return bareTotals(daily[r].s, o.bare[p][r].s) })
		}
		bareMonthlyOf := func(r int) accountTotals {
			if !hasBare(r) {
				return monthlyOf(r)
			}
			return cached(bareMonthly, r, func() []total { return monthlyBareTotals(bareDailyOf(r).s) })
		}
		taggedDailyOf := func(r int) accountTotals {
			return cached(taggedDaily, r, func() []total { return o.tagged[p][r].s })
		}
		taggedMonthlyOf := func(r int) accountTotals {
			return cached(taggedMonthly, r, func() []total { return monthlyBareTotals(o.tagged[p][r].s) })
		}
		for i := range byReport {
			for j := i + 1; j < len(byReport); j++ {
				a, b := byReport[i], byReport[j]
				if len(a) == 0 || len(b) == 0 {
					continue
				}
				key, ra, rb := periods[p].Key, o.reports[i], o.reports[j]
				if aInB, bInA := shared(a, b), shared(b, a); aInB > 0 {
					found = append(found, newOverlap(key, ra, rb, share{units: "lines", na: len(a), nb: len(b), aInB: aInB, bInA: bInA}))
					continue
				}
				if !shareAccount(daily[i], daily[j]) { // totals are compared over the accounts both hold
					continue
				}
				for _, level := range []struct {
					name string
					kind totalsKind
					a, b func() accountTotals
				}{
					{"daily", charges, func() accountTotals { return daily[i] }, func() accountTotals { return daily[j] }},
					{"monthly", charges, func() accountTotals { return monthlyOf(i) }, func() accountTotals { return monthlyOf(j) }},
					{"daily", bareCharges, func() accountTotals { return bareDailyOf(i) }, func() accountTotals { return bareDailyOf(j) }},
					{"monthly", bareCharges, func() accountTotals { return bareMonthlyOf(i) }, func() accountTotals { return bareMonthlyOf(j) }},
					{"daily", taggedCharges, func() accountTotals { return taggedDailyOf(i) }, func() accountTotals { return taggedDailyOf(j) }},
					{"monthly", taggedCharges, func() accountTotals { return taggedMonthlyOf(i) }, func() accountTotals { return taggedMonthlyOf(j) }},
				} {
					if level.kind == bareCharges && !hasBare(i) && !hasBare(j) { // their bare totals are their totals
						continue
					}
					if level.kind == taggedCharges && !taggedBare[i] && !taggedBare[j] { // compared per resource already
						break
					}
					if s, ok := o.totalsShare(level.name, level.kind, level.a(), level.b()); ok {
						found = append(found, newOverlap(key, ra, rb, s))
						break
					}
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

// share is what two reports a and b share: of their na and nb units
// (lines, or daily or monthly totals, per tags too when tags, summed over
// resources when bare), aInB are in b and bInA in a. Totals are counted
// over the usage accounts both hold: when either holds others too
// (aOthers, bOthers), accounts names those both hold.
type share struct {
	units              string
	bare, tags         bool
	na, nb, aInB, bInA int
	accounts           []string
	aOthers, bOthers   bool
}

// totalsKind is what a level of totals sums lines by, besides usage
// account and day or month.
type totalsKind int

const (
	charges       totalsKind = iota // charge (see totals)
	bareCharges                     // charge without its resource (see bareTotals)
	taggedCharges                   // charge without its resource, and tags (see overlaps)
)

// totalsShare compares the totals a and b of two reports at one level
// (daily or monthly, of kind) over the usage accounts both hold, and
// returns what they share when it is an overlap: at least two totals, and
// at least one in a hundred of those of the report with fewer.
func (o *overlaps) totalsShare(level string, kind totalsKind, a, b accountTotals) (share, bool) {
	same, bare := sameTotals, kind == bareCharges
	switch kind {
	case bareCharges:
		same = sameBareTotals
	case taggedCharges: // all keys but those both bill with resource IDs, even when neither bills any without
		same = func(a, b []total) (n, zero int) {
			n, zero, bare = sameSums(a, b)
			return n, zero
		}
	}
	n, na, nb, both := compareTotals(a, b, same)
	if n < 2 || n*100 < min(na, nb) {
		return share{}, false
	}
	s := share{units: level + " totals", bare: bare, tags: kind == taggedCharges, na: na, nb: nb, aInB: n, bInA: n,
		aOthers: len(both) < len(a.accounts), bOthers: len(both) < len(b.accounts)}
	if s.aOthers || s.bOthers {
		s.accounts = o.accountNames(both)
	}
	return s, true
}

// newOverlap says that reports a and b share s, and what to ingest
// instead.
func newOverlap(key tally.BillingPeriodKey, a, b string, s share) overlap {
	period := fmt.Sprintf("billing period %s of account %s", key.Start.Format("2006-01"), key.BillingAccountID)
	of, unit, how := s.units, "line", "in lines of different lengths (hourly, daily or monthly)"
	if s.units != "lines" {
		of, unit = s.units+" per usage account and charge", "charge"
	}
	if s.tags {
		of = s.units + " per usage account, charge and tags"
	}
	if s.bare {
		of, how = of+" summed over resources", "with and without resource IDs"
	}
	forA, forB := "", "" // the accounts counted of a, of b, when not all of its
	if s.aOthers {
		forA = " for " + accountsPhrase(s.accounts)
	}
	if s.bOthers {
		forB = " for " + accountsPhrase(s.accounts)
	}
	aAll, bAll := s.aInB == s.na && !s.aOthers, s.bInA == s.nb && !s.bOthers // every unit of a is in b, of b in a
	var what, do string
	switch {
	case aAll && bAll && s.units == "lines":
		what = fmt.Sprintf("reports %s and %s hold the same %d lines of %s", a, b, s.na, period)
	case aAll && bAll:
		what = fmt.Sprintf("reports %s and %s bill the same charges of %s %s: their %d %s are the same",
			a, b, period, how, s.na, of)
	case aAll:
		what = fmt.Sprintf("every one of the %d %s of report %s in %s is also in report %s", s.na, of, a, period, b)
	case bAll:
		what = fmt.Sprintf("every one of the %d %s of report %s in %s is also in report %s", s.nb, of, b, period, a)
	case s.aInB == s.na && s.bInA == s.nb:
		what = fmt.Sprintf("reports %s and %s bill the same charges of %s in %s %s: their %d %s are the same",
			a, b, accountsPhrase(s.accounts), period, how, s.na, of)
	case s.aInB == s.na:
		what = fmt.Sprintf("every one of the %d %s of report %s%s in %s is also in report %s", s.na, of, a, forA, period, b)
	case s.bInA == s.nb:
		what = fmt.Sprintf("every one of the %d %s of report %s%s in %s is also in report %s", s.nb, of, b, forB, period, a)
	default:
		what = fmt.Sprintf("%d of the %d %s of report %s%s in %s are also in report %s", s.aInB, s.na, of, a, forA, period, b)
	}
	switch {
	case aAll && bAll:
		do = fmt.Sprintf("ingest one of them: point at %s, or at %s", a, b)
	case aAll:
		do = fmt.Sprintf("point at %s alone, which holds them all", b)
	case bAll:
		do = fmt.Sprintf("point at %s alone, which holds them all", a)
	case s.accounts != nil:
		do = fmt.Sprintf("change their filters so that one of them alone holds %s", accountsPhrase(s.accounts))
	default:
		do = fmt.Sprintf("point at one of them (%s or %s), or change their filters so that they share no %s", a, b, unit)
	}
	return overlap{period: key, reports: []string{a, b}, what: what,
		err: &tally.Error{Code: tally.EInvalid, Err: ErrOverlappingReports, Message: fmt.Sprintf("%s: ingesting both would count them twice; %s "+
			"(reports filtered to different accounts or services share no %s and are read together): nothing was committed",
			what, do, unit)}}
}

// accountsPhrase names usage accounts: "usage account A", "usage accounts
// A, B and C", or the first three and how many more.
func accountsPhrase(accounts []string) string {
	switch n := len(accounts); {
	case n == 1:
		return "usage account " + accounts[0]
	case n <= 3:
		return "usage accounts " + strings.Join(accounts[:n-1], ", ") + " and " + accounts[n-1]
	default:
		return fmt.Sprintf("usage accounts %s and %d more", strings.Join(accounts[:3], ", "), n-3)
	}
}
