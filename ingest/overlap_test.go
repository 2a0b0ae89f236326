package ingest

import (
	"fmt"
	"math"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tallyhq/tally"
)

func overlapLine(i int) tally.CostLine {
	start := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i%744) * time.Hour)
	cost, _ := tally.ParseMoney(fmt.Sprintf("0.%06d", i%999983), "USD")
	return tally.CostLine{BillingAccountID: "111111111111", SubAccountID: "222222222222", BillingPeriodStart: start,
		ChargePeriodStart: start, ChargePeriodEnd: start.Add(time.Hour), ChargeCategory: tally.ChargeUsage,
		ChargeDescription: "$0.096 per On Demand Linux m5.large Instance Hour", BilledCost: cost, EffectiveCost: cost,
		PricingQuantity: 1, PricingUnit: "Hrs", ResourceID: fmt.Sprintf("i-%017x", i),
		Tags:   map[string]string{"user:team": "payments", "user:kubernetes-cluster": "prod"},
		Extras: map[string]string{"x_LineItemType": "Usage", "x_UsageType": "BoxUsage:m5.large", "x_Operation": "RunInstances", "x_ProductCode": "AmazonEC2"}}
}

// The fingerprint of a line does not depend on map order nor on how a
// format spells tag keys (legacy user:team, CUR 2.0 user_team), and any
// billed difference changes it. The charge a line bills is the same at any
// time granularity, whatever its tags and description, and differs by
// account, resource and usage type; without its resource (bare), it is the
// same whatever the resource, and is the charge of a line without one. The
// hash of its tags leaves out those without a value.
func TestOverlapFingerprint(t *testing.T) {
	o := newOverlaps([]File{{Report: "a"}, {Report: "b"}}, []int{-1, -1})
	l := overlapLine(7)
	want, wantCharge, wantBare, _ := o.fingerprint(&l)
	cur2 := overlapLine(7)
	cur2.Tags = map[string]string{"user_kubernetes_cluster": "prod", "user_team": "payments"}
	if got, _, _, _ := o.fingerprint(&cur2); got != want {
		t.Errorf("CUR 2.0 spelling of the tags: fingerprint %x, want %x", got, want)
	}
	// The tags of a line hash alike in both formats, and whether a tag the
	// line lacks is an empty cell (legacy CUR) or no key (CUR 2.0).
	_, _, _, wantTags := o.fingerprint(&l)
	cur2.Tags["user_cost_center"] = ""
	if _, _, _, got := o.fingerprint(&cur2); got != wantTags || got == 0 {
		t.Errorf("CUR 2.0 spelling of the tags, and a tag without value: tags %x, want %x", got, wantTags)
	}
	for name, tags := range map[string]map[string]string{
		"tag value": {"user:team": "search", "user:kubernetes-cluster": "prod"},
		"tag key":   {"user:owner": "payments", "user:kubernetes-cluster": "prod"},
		"one tag":   {"user:team": "payments"},
	} {
		l := overlapLine(7)
		l.Tags = tags
		if _, _, _, got := o.fingerprint(&l); got == wantTags {
			t.Errorf("%s changed, the tags' hash did not", name)
		}
	}
	for _, tags := range []map[string]string{nil, {"user:team": ""}} {
		l := overlapLine(7)
		l.Tags = tags
		if _, _, _, got := o.fingerprint(&l); got != 0 {
			t.Errorf("tags %v: hash %x, want 0 (none)", tags, got)
		}
	}
	for name, c := range map[string]struct {
		change               func(l *tally.CostLine)
		sameCharge, sameBare bool
	}{
		"account":     {func(l *tally.CostLine) { l.SubAccountID = "333333333333" }, false, false},
		"hour":        {func(l *tally.CostLine) { l.ChargePeriodStart = l.ChargePeriodStart.Add(time.Hour) }, true, true},
		"day":         {func(l *tally.CostLine) { l.ChargePeriodEnd = l.ChargePeriodStart.Add(24 * time.Hour) }, true, true},
		"cost":        {func(l *tally.CostLine) { l.BilledCost, _ = tally.ParseMoney("0.0000071", "USD") }, true, true},
		"quantity":    {func(l *tally.CostLine) { l.PricingQuantity = 2 }, true, true},
		"resource":    {func(l *tally.CostLine) { l.ResourceID = "i-other" }, false, true},
		"no resource": {func(l *tally.CostLine) { l.ResourceID = "" }, false, true},
		"usage type":  {func(l *tally.CostLine) { l.Extras["x_UsageType"] = "BoxUsage:m5.xlarge" }, false, false},
		"tag value":   {func(l *tally.CostLine) { l.Tags["user:team"] = "search" }, true, true},
		"tag moved":   {func(l *tally.CostLine) { delete(l.Tags, "user:team"); l.Extras["user:team"] = "payments" }, false, false},
		"description": {func(l *tally.CostLine) { l.ChargeDescription = "m5.large, daily" }, true, true},
	} {
		l := overlapLine(7)
		c.change(&l)
		line, charge, bare, _ := o.fingerprint(&l)
		if line == want {
			t.Errorf("%s changed, the fingerprint did not", name)
		}
		if (charge == wantCharge) != c.sameCharge {
			t.Errorf("%s changed: same charge %v, want %v", name, charge == wantCharge, c.sameCharge)
		}
		if (bare == wantBare) != c.sameBare {
			t.Errorf("%s changed: same charge without its resource %v, want %v", name, bare == wantBare, c.sameBare)
		}
		if l.ResourceID == "" && bare != charge {
			t.Errorf("%s changed: a line without resource: charge %x, without its resource %x; want them the same", name, charge, bare)
		}
	}
	if newOverlaps([]File{{Report: "a"}, {Report: "a"}, {}}, []int{-1, -1, -1}) != nil {
		t.Errorf("one report: want no check")
	}
	if newOverlaps([]File{{Report: "a"}, {Report: "b"}}, []int{-1, 0}) != nil {
		t.Errorf("the second report a copy of the first: want no check")
	}
}

// BenchmarkOverlapsMillionLines measures what the check keeps for a month
// of a million lines read from two reports, and its CPU time per line
// (fingerprints and totals; the final sort and comparison are outside it).
func BenchmarkOverlapsMillionLines(b *testing.B) {
	const n = 1_000_000
	lines := make([]tally.CostLine, 1000)
	for i := range lines {
		lines[i] = overlapLine(i)
	}
	benchOverlaps(b, n, func(i int) (int, *tally.CostLine) {
		l := &lines[i%len(lines)]
		l.PricingQuantity = float64(i)
		return i * 2 / n, l
	})
}

// BenchmarkOverlapsHourlyAndDaily is a month of 1344 charges running every
// hour in an hourly report (999,936 lines) and in a daily one (41,664
// lines): what the check keeps, line fingerprints and daily totals.
func BenchmarkOverlapsHourlyAndDaily(b *testing.B) {
	const charges, hours, days = 1344, 744, 31
	l, ids := overlapLine(0), resourceIDs(charges)
	hour, day := tally.MustParseMoney("0.096", "USD"), tally.MustParseMoney("2.304", "USD")
	benchOverlaps(b, charges*(hours+days), func(i int) (int, *tally.CostLine) {
		report, step, cost := 0, time.Hour, hour
		if i >= charges*hours {
			report, step, cost, i = 1, 24*time.Hour, day, i-charges*hours
		}
		l.ResourceID, l.BilledCost = ids[i%charges], cost
		l.ChargePeriodStart = l.BillingPeriodStart.Add(time.Duration(i/charges) * step)
		l.ChargePeriodEnd = l.ChargePeriodStart.Add(step)
		return report, &l
	})
}

// BenchmarkOverlapsDailyDistinct is the totals' worst case: two daily
// reports of different accounts, 500,022 lines each, every line its own
// charge and day, so nothing merges.
func BenchmarkOverlapsDailyDistinct(b *testing.B) {
	const charges, days = 16_130, 31
	l, ids := overlapLine(0), resourceIDs(charges)
	benchOverlaps(b, 2*charges*days, func(i int) (int, *tally.CostLine) {
		report := i / (charges * days)
		l.SubAccountID = []string{"222222222222", "333333333333"}[report]
		i %= charges * days
		l.ResourceID = ids[i%charges]
		l.ChargePeriodStart = l.BillingPeriodStart.Add(time.Duration(i/charges) * 24 * time.Hour)
		l.ChargePeriodEnd = l.ChargePeriodStart.Add(24 * time.Hour)
		return report, &l
	})
}

// BenchmarkOverlapsDailyDistinctUsageTypes is the worst case of the
// totals summed over resources: two daily reports of one account split by
// tag, 500,030 lines each, every line its own charge and day, and every
// resource of its own usage type, so that there are as many sums over
// resources as totals, and the check merges them all.
func BenchmarkOverlapsDailyDistinctUsageTypes(b *testing.B) {
	const charges, days = 16_130, 31
	l, ids := overlapLine(0), resourceIDs(2*charges)
	types := make([]string, 2*charges)
	for i := range types {
		types[i] = fmt.Sprintf("BoxUsage:type%d", i)
	}
	benchOverlaps(b, 2*charges*days, func(i int) (int, *tally.CostLine) {
		report := i / (charges * days)
		i %= charges * days
		r := report*charges + i%charges
		l.ResourceID, l.Extras["x_UsageType"] = ids[r], types[r]
		l.ChargePeriodStart = l.BillingPeriodStart.Add(time.Duration(i/charges) * 24 * time.Hour)
		l.ChargePeriodEnd = l.ChargePeriodStart.Add(24 * time.Hour)
		return report, &l
	})
}

// BenchmarkOverlapsWithAndWithoutResourceIDs is the month of
// BenchmarkOverlapsHourlyAndDaily's 1344 resources, of 48 usage types, in
// an hourly report with resource IDs (999,936 lines) and in a daily one
// without (1,488 lines, one a usage type and day), which the check finds
// by its totals summed over resources.
func BenchmarkOverlapsWithAndWithoutResourceIDs(b *testing.B) {
	const charges, types, hours, days = 1344, 48, 744, 31
	l, ids := overlapLine(0), resourceIDs(charges)
	names := make([]string, types)
	for i := range names {
		names[i] = fmt.Sprintf("BoxUsage:type%d", i)
	}
	hour, day := tally.MustParseMoney("0.096", "USD"), tally.MustParseMoney("64.512", "USD") // 24 hours of 28 resources
	found := benchOverlaps(b, charges*hours+types*days, func(i int) (int, *tally.CostLine) {
		if i < charges*hours {
			l.ResourceID, l.Extras["x_UsageType"], l.BilledCost = ids[i%charges], names[i%charges%types], hour
			l.ChargePeriodStart = l.BillingPeriodStart.Add(time.Duration(i/charges) * time.Hour)
			l.ChargePeriodEnd = l.ChargePeriodStart.Add(time.Hour)
			return 0, &l
		}
		i -= charges * hours
		l.ResourceID, l.Extras["x_UsageType"], l.BilledCost = "", names[i%types], day
		l.ChargePeriodStart = l.BillingPeriodStart.Add(time.Duration(i/types) * 24 * time.Hour)
		l.ChargePeriodEnd = l.ChargePeriodStart.Add(24 * time.Hour)
		return 1, &l
	})
	if len(found) != 1 {
		b.Fatalf("found %d overlaps, want 1", len(found))
	}
}

func resourceIDs(n int) []string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("i-%017x", i)
	}
	return ids
}

// benchOverlaps adds n lines, line(i) giving each its report (0 or 1) and
// line, to a check of two reports in one period, then runs the check. It
// reports the memory kept after the last line (and the peak during the
// check, which merges the totals by month and over resources), what was
// allocated, and the CPU time a line. It returns what the last check found.
func benchOverlaps(b *testing.B, n int, line func(i int) (report int, l *tally.CostLine)) []overlap {
	reports := []string{"s3://billing/cur/acme", "s3://billing/exports/acme2"}
	_, l0 := line(0)
	periods := []PeriodSummary{{Key: tally.BillingPeriodKey{BillingAccountID: "111111111111", Start: tally.MonthStart(l0.BillingPeriodStart)}}}
	var retained, checking, allocated float64
	var cpu time.Duration
	var found []overlap
	for b.Loop() {
		cpu0 := cpuTime()
		var before, after, checked runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		o := newOverlaps([]File{{Report: reports[0]}, {Report: reports[1]}}, []int{-1, -1})
		for i := range n {
			r, l := line(i)
			o.add(0, periods[0].Key.Start, reports[r], l)
		}
		cpu += cpuTime() - cpu0
		runtime.GC()
		runtime.ReadMemStats(&after)
		found = o.check(periods)
		runtime.ReadMemStats(&checked)
		runtime.KeepAlive(o)
		retained = float64(after.HeapAlloc-before.HeapAlloc) / (1 << 20)
		checking = retained + float64(checked.TotalAlloc-after.TotalAlloc)/(1<<20)
		allocated = float64(checked.TotalAlloc-before.TotalAlloc) / (1 << 20)
	}
	b.ReportMetric(retained, "MB-retained")
	b.ReportMetric(checking, "MB-peak-check")
	b.ReportMetric(allocated, "MB-allocated")
	b.ReportMetric(float64(retained)*(1<<20)/float64(n), "B-retained/line")
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N)/float64(n), "cpu-ns/line")
	return found
}

// cpuTime is the process's CPU time (user and system), a fairer clock than
// the wall on a shared machine.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// Totals merge as lines come, so an hourly report keeps one entry per
// charge and day; two reports overlap when at least one in a hundred of
// the smaller one's totals agree, within rounding, and not on one
// coincidence, among many or few.
func TestOverlapTotals(t *testing.T) {
	var hourly totals
	for i := range 100_000 {
		hourly.add(total{key: uint64(i%1000)<<5 | uint64(i/24%31), nanos: 4_000_000}) // 1000 charges, 24 hours a day
	}
	hourly.compact()
	if len(hourly.s) > 1000*31 || cap(hourly.s) > 4*1000*31 {
		t.Errorf("100,000 lines of 1000 charges and 31 days: %d totals kept, capacity %d; want at most 31,000, 124,000", len(hourly.s), cap(hourly.s))
	}
	key := func(charge, day int) uint64 { return uint64(charge)<<5 | uint64(day) }
	report := func(n int, nanos func(i int) int64) []total {
		var t totals
		for i := range n {
			t.add(total{key: key(i, 1), nanos: nanos(i)})
		}
		t.compact()
		return t.s
	}
	o := &overlaps{names: []string{"222222222222"}}
	for _, c := range []struct {
		name string
		a, b []total
		want bool
	}{
		{"the same, rounded differently", report(200, func(i int) int64 { return 2_304_000_000 }),
			report(200, func(i int) int64 { return 2_304_000_000 + 9_999 }), true},
		{"off by a ten-thousandth", report(200, func(i int) int64 { return 2_304_000_000 }),
			report(200, func(i int) int64 { return 2_304_000_000 + 100_000 }), false},
		{"one coincidence in 200", report(200, func(i int) int64 { return 1_000_000_000 }),
			report(200, func(i int) int64 { return 1_000_000_000 * int64(min(i, 2)) }), false},
		{"two in 200", report(200, func(i int) int64 { return 1_000_000_000 }),
			report(200, func(i int) int64 { return 1_000_000_000 * int64(min(i, 2)) / int64(max(i-1, 1)) }), true},
		{"one of one", report(1, func(int) int64 { return 5_000_000 }), report(200, func(int) int64 { return 5_000_000 }), false},
		{"two of two", report(2, func(int) int64 { return 5_000_000 }), report(200, func(int) int64 { return 5_000_000 }), true},
		{"saturated", report(1, func(int) int64 { return math.MaxInt64 }), report(1, func(int) int64 { return math.MinInt64 }), false},
		// $0 totals (and totals within rounding of $0) agree between any
		// two reports billing the charge: they are not counted, nor are
		// they among the totals a shared one is one in a hundred of.
		{"$0 alike", report(200, func(int) int64 { return 0 }), report(200, func(i int) int64 { return int64(i % 3 * 5_000) }), false},
		{"one alike besides 200 $0", report(201, func(i int) int64 { return int64(i/200) * 1_000_000_000 }), report(201, func(i int) int64 { return int64(i/200) * 1_000_000_000 }), false},
		{"two in 150 besides 100 $0", report(250, func(i int) int64 { return int64(min(i/100, 1)) * 1_000_000_000 }),
			report(250, func(i int) int64 { return int64(min(i/100, 1)+i/102) * 1_000_000_000 }), true},
	} {
		if _, got := o.totalsShare("daily", charges, byAccount(c.a), byAccount(c.b)); got != c.want {
			t.Errorf("%s: overlap %v, want %v", c.name, got, c.want)
		}
	}
}

// usageLine is an hour (or day: d) of an m5.large of account, billed cost,
// tagged user:team=team when team is not "".
func usageLine(account, resource, team string, start time.Time, d time.Duration, cost string) *tally.CostLine {
	m := tally.MustParseMoney(cost, "USD")
	l := &tally.CostLine{BillingAccountID: "111111111111", SubAccountID: account,
		BillingPeriodStart: time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC), ChargePeriodStart: start, ChargePeriodEnd: start.Add(d),
		ChargeCategory: tally.ChargeUsage, ChargeDescription: "$0.096 per On Demand Linux m5.large Instance Hour",
		BilledCost: m, EffectiveCost: m, PricingQuantity: d.Hours(), PricingUnit: "Hrs", ResourceID: resource,
		Extras: map[string]string{"x_LineItemType": "Usage", "x_UsageType": "BoxUsage:m5.large", "x_Operation": "RunInstances", "x_ProductCode": "AmazonEC2"}}
	if team != "" {
		l.Tags = map[string]string{"user:team": team}
	}
	return l
}

// One shared total is not an overlap, however small the reports: two
// hourly exports filtered by tag (team=a, team=b) of 40 resources each,
// one of them retagged at noon on March 2, share the day's total of that
// resource (12 hours in each) and nothing else.
func TestOverlapOneSharedTotalOfSmallReports(t *testing.T) {
	o := newOverlaps([]File{{Report: "team-a"}, {Report: "team-b"}}, []int{-1, -1})
	start := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	day2 := start.Add(24 * time.Hour)
	for i := range 40 {
		for h := range 24 {
			o.add(0, start, "team-a", usageLine("222222222222", fmt.Sprintf("i-a%03d", i), "a", day2.Add(time.Duration(h)*time.Hour), time.Hour, "0.096"))
			o.add(0, start, "team-b", usageLine("222222222222", fmt.Sprintf("i-b%03d", i), "b", day2.Add(time.Duration(h)*time.Hour), time.Hour, "0.096"))
		}
	}
	for h := range 24 { // i-shared is team a's until noon, team b's after
		team, report := "a", "team-a"
		if h >= 12 {
			team, report = "b", "team-b"
		}
		o.add(0, start, report, usageLine("222222222222", "i-shared", team, day2.Add(time.Duration(h)*time.Hour), time.Hour, "0.096"))
	}
	found := o.check([]PeriodSummary{{Key: tally.BillingPeriodKey{BillingAccountID: "111111111111", Start: start, Source: "aws-cur"}}})
	for _, f := range found {
		t.Errorf("a tag split sharing one retagged resource is an overlap: %v", f.err)
	}
}

// Totals are compared over the usage accounts both reports hold: an hourly
// and a daily export of 100 linked accounts each, both listing one more
// account by mistake, share that account's 2 daily totals, which are all
// of its totals but fewer than one in a hundred of either report's.
func TestOverlapTotalsPerUsageAccount(t *testing.T) {
	start := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	key := tally.BillingPeriodKey{BillingAccountID: "111111111111", Start: start, Source: "aws-cur"}
	bill := func(o *overlaps, report, account string, hourly bool) {
		for _, r := range []string{"i-1", "i-2"} {
			for day := range 14 {
				at := start.Add(time.Duration(day) * 24 * time.Hour)
				if !hourly {
					o.add(0, start, report, usageLine(account, r, "", at, 24*time.Hour, "2.304"))
					continue
				}
				for h := range 24 {
					o.add(0, start, report, usageLine(account, r, "", at.Add(time.Duration(h)*time.Hour), time.Hour, "0.096"))
				}
			}
		}
	}
	for _, c := range []struct {
		name   string
		shared string // the account both bill, "" for none
		want   string
	}{
		{"one account in both", "999999999999", "reports hourly and daily bill the same charges of usage account 999999999999 in billing period 2025-03 " +
			"of account 111111111111 in lines of different lengths (hourly, daily or monthly): their 28 daily totals per usage account and charge are the same"},
		{"different accounts", "", ""},
	} {
		o := newOverlaps([]File{{Report: "hourly"}, {Report: "daily"}}, []int{-1, -1})
		for i := range 100 {
			bill(o, "hourly", fmt.Sprintf("3%011d", i), true)
			bill(o, "daily", fmt.Sprintf("4%011d", i), false)
		}
		if c.shared != "" {
			bill(o, "hourly", c.shared, true)
			bill(o, "daily", c.shared, false)
		}
		found := o.check([]PeriodSummary{{Key: key}})
		expectOverlap(t, c.name, found, c.want)
	}
}

// BenchmarkOverlapsManyReports is the comparison alone of 24 daily reports
// split by tag (one usage account, 1300 resources each, none shared), so
// that the totals of every pair are compared, daily and monthly.
func BenchmarkOverlapsManyReports(b *testing.B) {
	const reports, charges, days = 24, 1300, 31
	var files []File
	var copyOf []int
	for r := range reports {
		files, copyOf = append(files, File{Report: fmt.Sprintf("team-%02d", r)}), append(copyOf, -1)
	}
	o := newOverlaps(files, copyOf)
	l, ids := overlapLine(0), resourceIDs(reports*charges)
	for r := range reports {
		for i := range charges * days {
			l.ResourceID = ids[r*charges+i%charges]
			l.ChargePeriodStart = l.BillingPeriodStart.Add(time.Duration(i/charges) * 24 * time.Hour)
			l.ChargePeriodEnd = l.ChargePeriodStart.Add(24 * time.Hour)
			o.add(0, l.BillingPeriodStart, files[r].Report, &l)
		}
	}
	periods := []PeriodSummary{{Key: tally.BillingPeriodKey{BillingAccountID: "111111111111", Start: l.BillingPeriodStart}}}
	for b.Loop() {
		if found := o.check(periods); len(found) > 0 {
			b.Fatal(found[0].err)
		}
	}
}

// A report exported with resource IDs (INCLUDE_RESOURCES) and one of the
// same month without them share no line and no total per charge, since the
// resource is part of the charge; summed over resources, where one of them
// bills a charge without resource IDs, their totals agree. Reports split
// by tag or by linked account, one of them without resource IDs, share no
// such sum; two split by tag that both list resource IDs are not compared
// so, however alike their fleets. An export filtered to one team's tag
// next to the bill of every team, one of them without resource IDs, share
// no such sum either, but do per tags too.
func TestOverlapResourceIDs(t *testing.T) {
	start := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	key := tally.BillingPeriodKey{BillingAccountID: "111111111111", Start: start, Source: "aws-cur"}
	// bill adds to report what a fleet of n m5.large instances and n
	// volumes of account, tagged team, bill from March 2 for 14 days, in
	// lines of d (an hour, a day or the month), with resource IDs or not.
	bill := func(o *overlaps, report, account, team string, n int, d time.Duration, ids bool) {
		from := start.Add(24 * time.Hour)
		for at := from; at.Before(from.Add(14 * 24 * time.Hour)); at = at.Add(d) {
			span := min(d, from.Add(14*24*time.Hour).Sub(at))
			for _, volume := range []bool{false, true} {
				per := tally.MustParseMoney("0.096", "USD")
				if volume {
					per = tally.MustParseMoney("0.0135", "USD")
				}
				hours := uint64(span / time.Hour)
				if !ids {
					hours *= uint64(n) // one line bills the whole fleet
				}
				cost, _ := per.MulRatio(hours, 1)
				for i := range n {
					resource := fmt.Sprintf("i-%s%03d", team, i)
					if volume {
						resource = fmt.Sprintf("vol-%s%03d", team, i)
					}
					if !ids {
						resource = ""
					}
					l := usageLine(account, resource, team, at, span, cost.Decimal())
					if volume {
						l.Extras["x_UsageType"], l.Extras["x_Operation"], l.PricingUnit = "EBS:VolumeUsage.gp3", "CreateVolume-Gp3", "GB-Mo"
					}
					o.add(0, start, report, l)
					if !ids {
						break
					}
				}
			}
		}
	}
	const acct, other = "222222222222", "333333333333"
	for _, c := range []struct {
		name  string
		write func(o *overlaps)
		want  string // in the error, "" for no overlap
	}{{
		name: "hourly with resource IDs, daily without",
		write: func(o *overlaps) {
			bill(o, "a", acct, "", 3, time.Hour, true)
			bill(o, "b", acct, "", 3, 24*time.Hour, false)
		},
		want: "reports a and b bill the same charges of billing period 2025-03 of account 111111111111 with and without resource IDs: " +
			"their 28 daily totals per usage account and charge summed over resources are the same",
	}, {
		name: "daily without resource IDs, daily with",
		write: func(o *overlaps) {
			bill(o, "a", acct, "", 3, 24*time.Hour, false)
			bill(o, "b", acct, "", 3, 24*time.Hour, true)
		},
		want: "their 28 daily totals per usage account and charge summed over resources are the same",
	}, {
		name: "hourly with resource IDs, monthly without",
		write: func(o *overlaps) {
			bill(o, "a", acct, "", 3, time.Hour, true)
			bill(o, "b", acct, "", 3, 31*24*time.Hour, false)
		},
		want: "their 2 monthly totals per usage account and charge summed over resources are the same",
	}, {
		name: "an export of one linked account without resource IDs, one of all with them",
		write: func(o *overlaps) {
			bill(o, "a", acct, "", 3, time.Hour, true)
			bill(o, "a", other, "", 2, time.Hour, true)
			bill(o, "b", other, "", 2, 24*time.Hour, false)
		},
		want: "every one of the 28 daily totals per usage account and charge summed over resources of report b",
	}, {
		name: "split by tag, one without resource IDs",
		write: func(o *overlaps) {
			bill(o, "a", acct, "a", 3, time.Hour, true)
			bill(o, "b", acct, "b", 2, 24*time.Hour, false)
		},
	}, {
		name: "split by tag, both with resource IDs, alike fleets",
		write: func(o *overlaps) {
			bill(o, "a", acct, "a", 3, time.Hour, true)
			bill(o, "b", acct, "b", 3, 24*time.Hour, true)
		},
	}, {
		name: "split by linked account, one without resource IDs",
		write: func(o *overlaps) {
			bill(o, "a", acct, "", 3, time.Hour, true)
			bill(o, "b", other, "", 3, 24*time.Hour, false)
		},
	}, {
		name: "every team with resource IDs, one team's export without",
		write: func(o *overlaps) {
			bill(o, "a", acct, "a", 3, time.Hour, true)
			bill(o, "a", acct, "b", 2, time.Hour, true)
			bill(o, "b", acct, "a", 3, 24*time.Hour, false)
		},
		want: "every one of the 28 daily totals per usage account, charge and tags summed over resources of report b in billing period 2025-03 " +
			"of account 111111111111 is also in report a: ingesting both would count them twice; point at a alone, which holds them all",
	}, {
		name: "every team with resource IDs, one team's monthly export without",
		write: func(o *overlaps) {
			bill(o, "a", acct, "a", 3, time.Hour, true)
			bill(o, "a", acct, "b", 2, time.Hour, true)
			bill(o, "b", acct, "a", 3, 31*24*time.Hour, false)
		},
		want: "every one of the 2 monthly totals per usage account, charge and tags summed over resources of report b",
	}, {
		name: "every team without resource IDs, one team's export with them",
		write: func(o *overlaps) {
			bill(o, "a", acct, "a", 3, time.Hour, false)
			bill(o, "a", acct, "b", 2, time.Hour, false)
			bill(o, "b", acct, "a", 3, 24*time.Hour, true)
		},
		want: "every one of the 28 daily totals per usage account, charge and tags summed over resources of report b",
	}, {
		name: "every team without resource IDs, one team's daily export without",
		write: func(o *overlaps) {
			bill(o, "a", acct, "a", 3, time.Hour, false)
			bill(o, "a", acct, "b", 2, time.Hour, false)
			bill(o, "b", acct, "a", 3, 24*time.Hour, false)
		},
		want: "every one of the 28 daily totals per usage account, charge and tags of report b",
	}, {
		name: "split by tag, both without resource IDs",
		write: func(o *overlaps) {
			bill(o, "a", acct, "a", 3, time.Hour, false)
			bill(o, "b", acct, "b", 2, 24*time.Hour, false)
		},
	}} {
		o := newOverlaps([]File{{Report: "a"}, {Report: "b"}}, []int{-1, -1})
		c.write(o)
		found := o.check([]PeriodSummary{{Key: key}})
		expectOverlap(t, c.name, found, c.want)
	}
}

// Lines billing $0 (DiscountedUsage's unblended cost, free inbound data
// transfer) sum to $0 per charge and day whatever the fleet, so their
// totals agree between any two reports billing the charge and are no
// evidence: two exports split by tag whose fleets differ are no overlap,
// however many $0 totals they have alike, at any level; two reports of the
// same month still are, their $0 totals not counted. Their $0 lines are
// lines like any other: two tag splits share none, since a line's tags
// are part of it.
func TestOverlapZeroCostTotals(t *testing.T) {
	start := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	key := tally.BillingPeriodKey{BillingAccountID: "111111111111", Start: start, Source: "aws-cur"}
	const acct = "222222222222"
	// bill adds to report what team's fleet bills from March 2 for 14 days,
	// in lines of d, with resource IDs or not: od m5.large instances on
	// demand and ri covered by a reserved instance (DiscountedUsage, $0
	// billed), each taking in a GB of data an hour ($0 billed).
	bill := func(o *overlaps, report, team string, od, ri int, d time.Duration, ids bool) {
		from := start.Add(24 * time.Hour)
		for at := from; at.Before(from.Add(14 * 24 * time.Hour)); at = at.Add(d) {
			span := min(d, from.Add(14*24*time.Hour).Sub(at))
			for _, kind := range []struct {
				name, usage, per string
				n                int
			}{{"Usage", "BoxUsage:m5.large", "0.096", od}, {"DiscountedUsage", "BoxUsage:m5.large", "0", ri},
				{"Usage", "DataTransfer-In-Bytes", "0", od + ri}} {
				lines, each := kind.n, uint64(1)
				if !ids && kind.n > 0 {
					lines, each = 1, uint64(kind.n) // one line bills the whole fleet
				}
				for i := range lines {
					cost, _ := tally.MustParseMoney(kind.per, "USD").MulRatio(each*uint64(span/time.Hour), 1)
					resource := ""
					if ids {
						resource = fmt.Sprintf("i-%s-%s%03d", kind.name, team, i)
					}
					l := usageLine(acct, resource, team, at, span, cost.Decimal())
					l.PricingQuantity *= float64(each)
					l.Extras["x_LineItemType"], l.Extras["x_UsageType"] = kind.name, kind.usage
					if kind.name == "DiscountedUsage" {
						l.CommitmentDiscountID = "arn:aws:ec2:us-east-1:111111111111:reserved-instances/ri-1"
					}
					if kind.usage == "DataTransfer-In-Bytes" {
						l.PricingUnit, l.ChargeDescription = "GB", "$0.00 per GB - data transfer in"
					}
					o.add(0, start, report, l)
				}
			}
		}
	}
	for _, c := range []struct {
		name  string
		write func(o *overlaps)
		want  string // in the error, "" for no overlap
	}{{
		name: "split by tag, one without resource IDs",
		write: func(o *overlaps) {
			bill(o, "a", "a", 3, 3, time.Hour, true)
			bill(o, "b", "b", 2, 1, 24*time.Hour, false)
		},
	}, {
		name: "split by tag, both without resource IDs, hourly",
		write: func(o *overlaps) {
			bill(o, "a", "a", 3, 3, time.Hour, false)
			bill(o, "b", "b", 2, 1, time.Hour, false)
		},
	}, {
		name: "split by tag, both without resource IDs, hourly and daily",
		write: func(o *overlaps) {
			bill(o, "a", "a", 3, 3, time.Hour, false)
			bill(o, "b", "b", 2, 1, 24*time.Hour, false)
		},
	}, {
		name: "split by tag, both with resource IDs",
		write: func(o *overlaps) {
			bill(o, "a", "a", 3, 3, time.Hour, true)
			bill(o, "b", "b", 2, 1, 24*time.Hour, true)
		},
	}, {
		name: "hourly and daily, with resource IDs",
		write: func(o *overlaps) {
			bill(o, "a", "a", 3, 3, time.Hour, true)
			bill(o, "b", "a", 3, 3, 24*time.Hour, true)
		},
		want: "reports a and b bill the same charges of billing period 2025-03 of account 111111111111 in lines of different lengths (hourly, daily or monthly): " +
			"their 42 daily totals per usage account and charge are the same",
	}, {
		name: "hourly with resource IDs, daily without",
		write: func(o *overlaps) {
			bill(o, "a", "a", 3, 3, time.Hour, true)
			bill(o, "b", "a", 3, 3, 24*time.Hour, false)
		},
		want: "reports a and b bill the same charges of billing period 2025-03 of account 111111111111 with and without resource IDs: " +
			"their 14 daily totals per usage account and charge summed over resources are the same",
	}} {
		o := newOverlaps([]File{{Report: "a"}, {Report: "b"}}, []int{-1, -1})
		c.write(o)
		found := o.check([]PeriodSummary{{Key: key}})
		expectOverlap(t, c.name, found, c.want)
	}
}

// expectOverlap checks that the check of case name found one overlap whose
// error contains want, or none when want is "".
func expectOverlap(t *testing.T, name string, found []overlap, want string) {
	t.Helper()
	switch {
	case want == "" && len(found) > 0:
		t.Errorf("%s: found %v, want no overlap", name, found[0].err)
	case want != "" && len(found) != 1:
		t.Errorf("%s: found %d overlaps, want 1", name, len(found))
	case want != "" && !strings.Contains(found[0].err.Error(), want):
		t.Errorf("%s: error %q\nlacks %q", name, found[0].err, want)
	}
}
