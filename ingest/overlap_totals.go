package ingest

import (
	"cmp"
	"math"
	"slices"
)

// dayMask is the low bits of a total's key that hold its day of the period
// (0–30; 31 for a charge starting outside the period's first 31 days).
const dayMask = 31

// resourced is the bit of a total's key above its day. In a report's
// totals it is set when the charge names a resource, so that the key of
// such a charge is never that of a bare one (a charge without its
// resource, see bareTotals); in bare totals, when the report bills the
// charge in that day, or month, with resource IDs.
const resourced = dayMask + 1

// lowBits are the bits of a total's key under its charge's hash.
const lowBits = resourced | dayMask

// accountBits is how many high bits of a total's key hold the group of its
// usage account, so that sorted totals come by account.
const accountBits = 16

// total is what a report bills for one charge on one day: key is the
// group of the charge's usage account in its high bits (accountBits), the
// charge's hash, the resourced bit, and the day in its low bits (dayMask);
// nanos is the billed cost summed, in 10⁻⁹ units.
type total struct {
	key   uint64
	nanos int64
}

// totals are a report's totals in a period. Lines are appended as they come
// and merged by key (compact) whenever the slice is full, so it holds about
// one entry per charge and day however many lines bill it (24 for an
// hourly report), and at most half as many again before a merge. Once
// long, a small table of recent keys adds a line to its total in place, so
// that the lines of one charge and day seldom wait for a merge.
type totals struct {
	s      []total
	recent []int32 // by key hash (recentBits): 1 + the index in s of a total of that hash, or 0
}

const (
	minCompact = 4096 // the length under which totals are not merged on the way
	recentBits = 12   // 4096 recent keys, 16 KiB, once there are minCompact totals
)

func (t *totals) add(x total) {
	h := (x.key * 0x9e3779b97f4a7c15) >> (64 - recentBits)
	if t.recent != nil {
		if i := t.recent[h] - 1; i >= 0 && t.s[i].key == x.key {
			t.s[i].nanos = addSat(t.s[i].nanos, x.nanos)
			return
		}
	}
	if len(t.s) == cap(t.s) && len(t.s) >= minCompact {
		t.compact()
		if len(t.s) > cap(t.s)*2/3 { // little merged: grow by half, so that a merge merges a third at least
			t.s = slices.Grow(t.s, cap(t.s)/2)
		}
		if t.recent == nil {
			t.recent = make([]int32, 1<<recentBits)
		}
	}
	t.s = append(t.s, x)
	if t.recent != nil && len(t.s) <= math.MaxInt32 {
		t.recent[h] = int32(len(t.s))
	}
}

// compact sorts the totals by key and merges those of one key.
func (t *totals) compact() {
	t.s = merge(t.s, func(k uint64) uint64 { return k }, 0)
	clear(t.recent)
}

// merge sorts s by key without the bits of flags and sums the totals whose
// keys agree on by(key) without them, in place, into entries keyed by(key)
// with the flags of any of them. by may clear the day (dayMask), under the
// flags, so that the keys it merges are next to each other.
func merge(s []total, by func(uint64) uint64, flags uint64) []total {
	slices.SortFunc(s, func(a, b total) int { return cmp.Compare(a.key&^flags, b.key&^flags) })
	out := s[:0]
	for _, x := range s {
		x.key = by(x.key)
		if n := len(out); n > 0 && out[n-1].key&^flags == x.key&^flags {
			out[n-1].key |= x.key
			out[n-1].nanos = addSat(out[n-1].nanos, x.nanos)
			continue
		}
		out = append(out, x)
	}
	return out
}

// monthlyTotals returns daily totals (compacted) summed over the period,
// in a new slice.
func monthlyTotals(daily []total) []total {
	return merge(slices.Clone(daily), func(k uint64) uint64 { return k &^ dayMask }, 0)
}

// bareTotals returns a report's totals per bare charge (without its
// resource) and day, summed over resources, from its daily totals t and
// the bare totals s of its lines with resource IDs (both compacted): s
// and the totals of t whose charges are bare (of lines without resource
// IDs), merged by key, the resourced bit set where s has it, and sorted by
// key without that bit; in a new slice.
func bareTotals(t, s []total) []total {
	n := len(s)
	for _, x := range t {
		if x.key&resourced == 0 {
			n++
		}
	}
	out := make([]total, 0, n)
	for _, x := range t {
		if x.key&resourced == 0 {
			out = append(out, x)
		}
	}
	return merge(append(out, s...), func(k uint64) uint64 { return k }, resourced)
}

// monthlyBareTotals returns daily bare totals (see bareTotals) summed over
// the period, in a new slice: the resourced bit set on a charge's total
// when the report bills it so on any day.
func monthlyBareTotals(daily []total) []total {
	return merge(slices.Clone(daily), func(k uint64) uint64 { return k &^ dayMask }, resourced)
}

// accountTotals are a report's totals (compacted, daily or monthly) and how
// many there are of each group of usage accounts, in key order.
type accountTotals struct {
	s        []total
	accounts []accountCount
}

// accountCount is how many totals a report has of one group of usage
// accounts.
type accountCount struct {
	group uint64 // the high bits of their keys (accountBits)
	n     int
}

// byAccount counts totals s (compacted) by usage account.
func byAccount(s []total) accountTotals {
	t := accountTotals{s: s}
	for _, x := range s {
		g := x.key >> (64 - accountBits) << (64 - accountBits)
		if n := len(t.accounts); n > 0 && t.accounts[n-1].group == g {
			t.accounts[n-1].n++
			continue
		}
		t.accounts = append(t.accounts, accountCount{group: g, n: 1})
	}
	return t
}

// compareTotals compares the totals of two reports over the usage accounts
// both hold (both, their groups): n agree (by same: sameTotals, or
// sameBareTotals), of na of a's and nb of b's totals of those accounts,
// not counting the keys whose totals are $0 in both (see sameTotals).
func compareTotals(a, b accountTotals, same func(a, b []total) (n, zero int)) (n, na, nb int, both []uint64) {
	for i, j := 0, 0; i < len(a.accounts) && j < len(b.accounts); {
		switch x, y := a.accounts[i], b.accounts[j]; {
		case x.group < y.group:
			i++
		case x.group > y.group:
			j++
		default:
			na, nb, both = na+x.n, nb+y.n, append(both, x.group)
			i, j = i+1, j+1
		}
	}
	if len(both) > 0 { // totals of one key are of one account
		var zero int
		n, zero = same(a.s, b.s)
		na, nb = na-zero, nb-zero
	}
	return n, na, nb, both
}

// shareAccount reports whether two reports' totals (of any level: they
// hold the same accounts at all) hold a usage account in common.
func shareAccount(a, b accountTotals) bool {
	for i, j := 0, 0; i < len(a.accounts) && j < len(b.accounts); {
		switch x, y := a.accounts[i].group, b.accounts[j].group; {
		case x < y:
			i++
		case x > y:
			j++
		default:
			return true
		}
	}
	return false
}

// addSat is a + b, saturated at the int64 range.
func addSat(a, b int64) int64 {
	s := a + b
	switch {
	case a > 0 && b > 0 && s < 0:
		return math.MaxInt64
	case a < 0 && b < 0 && s >= 0:
		return math.MinInt64
	}
	return s
}

// sameTotals counts the keys of a and b (sorted, one entry a key) whose
// totals agree: within a hundred-thousandth of a currency unit plus a
// billionth of the amount, which absorbs the rounding of AWS's own lines
// (and of CUR 2.0's doubles) when a charge's hourly lines are summed
// against its daily or monthly line. A key whose totals are both $0 (within
// that rounding) is not counted but returned apart, as zero: lines billing
// $0 (DiscountedUsage's unblended cost, free inbound data transfer) sum to
// $0 per charge and day whatever the fleet, so such totals agree between
// any two reports that bill the charge, and are no evidence that they
// bill the same charges.
func sameTotals(a, b []total) (n, zero int) {
	j := 0
	for _, x := range a {
		for j < len(b) && b[j].key < x.key {
			j++
		}
		switch {
		case j >= len(b) || b[j].key != x.key:
		case bothZero(x.nanos, b[j].nanos):
			zero++
		case agree(x.nanos, b[j].nanos):
			n++
		}
	}
	return n, zero
}

// sameBareTotals counts the keys of bare totals a and b (see bareTotals)
// whose totals agree, as sameSums does. It counts none unless a key of
// both is billed with resource IDs by one and without by the other: else
// their bare totals are the totals of charges without resources, already
// compared as such.
func sameBareTotals(a, b []total) (n, zero int) {
	n, zero, mixed := sameSums(a, b)
	if !mixed {
		return 0, zero
	}
	return n, zero
}

// sameSums counts the keys of sums over resources a and b (bare or tagged
// totals: sorted by key without the resourced bit, which is set where the
// report bills the key with resource IDs) whose totals agree (see
// sameTotals), but for those both bill with resource IDs: two reports
// split by tag have equal sums over resources when their fleets bill
// alike, and those keys' totals per resource are compared already. Keys
// whose totals are both $0 are returned apart, as zero, as by sameTotals.
// mixed is whether a key of both (not $0) is billed with resource IDs by
// one and without by the other.
func sameSums(a, b []total) (n, zero int, mixed bool) {
	j := 0
	for _, x := range a {
		k := x.key &^ resourced
		for j < len(b) && b[j].key&^resourced < k {
			j++
		}
		if j >= len(b) || b[j].key&^resourced != k {
			continue
		}
		if bothZero(x.nanos, b[j].nanos) {
			zero++
			continue
		}
		mixed = mixed || (x.key^b[j].key)&resourced != 0
		if x.key&b[j].key&resourced == 0 && agree(x.nanos, b[j].nanos) {
			n++
		}
	}
	return n, zero, mixed
}

// bothZero reports whether two totals in nano-units are both $0, within
// the rounding agree allows.
func bothZero(a, b int64) bool { return agree(a, 0) && agree(b, 0) }

// agree reports whether two totals in nano-units agree (see sameTotals).
func agree(a, b int64) bool {
	if a < b {
		a, b = b, a
	}
	d := uint64(a) - uint64(b) // a − b, exact in uint64 since a ≥ b
	return d <= 10_000+max(magnitude(a), magnitude(b))/1_000_000_000
}

// magnitude is |n| (exact for math.MinInt64).
func magnitude(n int64) uint64 {
	if n < 0 {
		return uint64(-(n + 1)) + 1
	}
	return uint64(n)
}
