package ingest

import (
	"fmt"
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
// billed difference changes it.
func TestOverlapFingerprint(t *testing.T) {
	o := newOverlaps([]File{{Report: "a"}, {Report: "b"}}, []int{-1, -1})
	l := overlapLine(7)
	want := o.fingerprint(&l)
	cur2 := overlapLine(7)
	cur2.Tags = map[string]string{"user_kubernetes_cluster": "prod", "user_team": "payments"}
	if got := o.fingerprint(&cur2); got != want {
		t.Errorf("CUR 2.0 spelling of the tags: fingerprint %x, want %x", got, want)
	}
	for name, change := range map[string]func(l *tally.CostLine){
		"account":    func(l *tally.CostLine) { l.SubAccountID = "333333333333" },
		"hour":       func(l *tally.CostLine) { l.ChargePeriodStart = l.ChargePeriodStart.Add(time.Hour) },
		"cost":       func(l *tally.CostLine) { l.BilledCost, _ = tally.ParseMoney("0.0000071", "USD") },
		"quantity":   func(l *tally.CostLine) { l.PricingQuantity = 2 },
		"resource":   func(l *tally.CostLine) { l.ResourceID = "i-other" },
		"usage type": func(l *tally.CostLine) { l.Extras["x_UsageType"] = "BoxUsage:m5.xlarge" },
		"tag value":  func(l *tally.CostLine) { l.Tags["user:team"] = "search" },
		"tag moved":  func(l *tally.CostLine) { delete(l.Tags, "user:team"); l.Extras["user:team"] = "payments" },
	} {
		l := overlapLine(7)
		change(&l)
		if o.fingerprint(&l) == want {
			t.Errorf("%s changed, the fingerprint did not", name)
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
// (fingerprints; the final sort and comparison are outside it).
func BenchmarkOverlapsMillionLines(b *testing.B) {
	const n = 1_000_000
	lines := make([]tally.CostLine, 1000)
	for i := range lines {
		lines[i] = overlapLine(i)
	}
	periods := []PeriodSummary{{Key: tally.BillingPeriodKey{BillingAccountID: "111111111111", Start: lines[0].BillingPeriodStart}}}
	var retained, allocated float64
	var cpu time.Duration
	for b.Loop() {
		cpu0 := cpuTime()
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		o := newOverlaps([]File{{Report: "s3://billing/cur/acme"}, {Report: "s3://billing/exports/acme2"}}, []int{-1, -1})
		report := "s3://billing/cur/acme"
		for i := range n {
			if i == n/2 {
				report = "s3://billing/exports/acme2"
			}
			l := &lines[i%len(lines)]
			l.PricingQuantity = float64(i)
			o.add(0, report, l)
		}
		cpu += cpuTime() - cpu0
		runtime.GC()
		runtime.ReadMemStats(&after)
		retained = float64(after.HeapAlloc-before.HeapAlloc) / (1 << 20)
		allocated = float64(after.TotalAlloc-before.TotalAlloc) / (1 << 20)
		if err := o.check(periods); err != nil && !strings.Contains(err.Error(), "lines") {
			b.Fatal(err)
		}
		runtime.KeepAlive(o)
	}
	b.ReportMetric(retained, "MB-retained/1M-lines")
	b.ReportMetric(allocated, "MB-allocated/1M-lines")
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N)/n, "cpu-ns/line")
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
