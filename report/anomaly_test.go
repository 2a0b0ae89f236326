package report

import (
	"context"
	"math"
	"math/rand"
	"sort"
	"testing"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/attribution"
)

// weeks repeats one week of daily costs n times.
func weeks(n int, week ...float64) []float64 {
	var out []float64
	for range n {
		out = append(out, week...)
	}
	return out
}

func TestAnomalyRule(t *testing.T) {
	r := DefaultAnomalyRule
	// Each weekday costs 100, 110, 90, 100 in the four weeks: median 100;
	// leaving each day out, the others' median is 100, so the errors are
	// 0, 10, 10, 0 and MAD = 5: σ = max(1.4826 × 5, 0.05 × 100) = 7.413,
	// the band 100 ± 25.9455.
	var base []float64
	for _, v := range []float64{100, 110, 90, 100} {
		base = append(base, weeks(1, v, v, v, v, v, v, v)...)
	}
	p, ok := r.Baseline(base)
	if !ok {
		t.Fatal("baseline not judged")
	}
	for i := range 7 {
		if b := p.Band(i); b.Median != 100 || math.Abs(b.Scale-7.413) > 1e-9 || math.Abs(b.Hi-125.9455) > 1e-9 || math.Abs(b.Lo-74.0545) > 1e-9 {
			t.Fatalf("band of day %d: %+v, want 100, scale 7.413, 74.0545–125.9455", i, b)
		}
	}
	for _, c := range []struct {
		x    float64
		want bool
	}{{125, false}, {126, true}, {75, false}, {74, true}, {300, true}, {100, false}} {
		if got, z := r.Anomalous(p.Band(3), c.x); got != c.want {
			t.Errorf("x=%v: anomalous %v (z %.2f), want %v", c.x, got, z, c.want)
		}
	}
	// Robust: one huge outlier in the baseline does not widen the band.
	withSpike := append([]float64(nil), base...)
	withSpike[8] = 10000 // the second week's Tuesday, 110 before
	p2, _ := r.Baseline(withSpike)
	if p2.Band(1) != p.Band(1) || p2.Band(8) != p.Band(1) {
		t.Errorf("an outlier moved the band to %+v, was %+v", p2.Band(1), p.Band(1))
	}
	// A young series is not judged.
	if _, ok := r.Baseline(append(make([]float64, 16), weeks(12, 1)...)); ok {
		t.Error("12 days of cost: want no judgement")
	}
	// The floor: a flat series is judged at 5% of its level.
	flat, _ := r.Baseline(weeks(4, 100, 100, 100, 100, 100, 100, 100))
	if b := flat.Band(0); b.Scale != 5 || b.Lo != 82.5 || b.Hi != 117.5 {
		t.Errorf("flat band %+v, want scale 5, 82.5–117.5", b)
	}
	// MinDelta: a flat $2 series does not flag a $2.50 day (Δ 0.5 < $1).
	small, _ := r.Baseline(weeks(4, 2, 2, 2, 2, 2, 2, 2))
	if bad, _ := r.Anomalous(small.Band(0), 2.5); bad {
		t.Error("a $0.50 change was flagged")
	}
	if bad, _ := r.Anomalous(small.Band(0), 3.5); !bad {
		t.Error("a 75% jump of $1.50 was not flagged")
	}
}

// A weekly rhythm is not an anomaly: a namespace scaled down at weekends
// has its weekend days judged against its weekends. Pooled with the
// weekdays, the MAD is 0 and every weekend day left the band.
func TestAnomalyRuleWeeklySeasonality(t *testing.T) {
	r := DefaultAnomalyRule
	p, ok := r.Baseline(weeks(4, 100, 100, 100, 100, 100, 50, 50))
	if !ok {
		t.Fatal("baseline not judged")
	}
	for _, c := range []struct {
		name string
		day  int // Monday 0
		x    float64
		want bool
	}{
		{"usual weekday", 2, 100, false},
		{"usual Saturday", 5, 50, false},
		{"usual Sunday", 6, 50, false},
		{"weekday spike", 2, 125, true},
		{"weekend spike", 5, 75, true},
		{"weekend at the weekday level", 6, 100, true},
		{"weekday at the weekend level", 0, 50, true},
	} {
		if got, z := r.Anomalous(p.Band(c.day), c.x); got != c.want {
			t.Errorf("%s: anomalous %v (z %.2f), want %v", c.name, got, z, c.want)
		}
	}
}

// The report's anomalies of a noisy series with weekend dips: the dips
// are not flagged, a spike on a Wednesday and one on a Saturday are.
func TestAnomaliesWithWeekendDips(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	start := time.Date(2026, 9, 14, 0, 0, 0, 0, time.UTC) // a Monday
	wk := WeekOf(start.AddDate(0, 0, 28))
	s := &series{currency: "USD", groups: map[string][]tally.Money{}}
	for i := range 35 {
		v := 1000 + rng.NormFloat64()*20
		if wd := i % 7; wd >= 5 {
			v = 400 + rng.NormFloat64()*10
		}
		switch i {
		case 28 + 2: // Wednesday of the report week
			v += 300
		case 28 + 5: // its Saturday
			v += 200
		}
		m, err := tally.FromFloat(v, "USD")
		if err != nil {
			t.Fatal(err)
		}
		s.days = append(s.days, start.AddDate(0, 0, i))
		s.total = append(s.total, m.Round(2))
		s.estimated = append(s.estimated, false)
	}
	s.groups["shop"] = s.total
	b := &Builder{Rule: DefaultAnomalyRule, Top: 5}
	got, _ := b.anomalies(s, &series{currency: "USD"}, linker{base: DefaultDashboardURL}, wk, nil)
	var days []string
	sort.Slice(got, func(i, j int) bool { return got[i].Day.Before(got[j].Day) })
	for _, a := range got {
		if a.Scope == "namespace" {
			days = append(days, a.Day.Format("Mon Jan 2"))
			if a.Days != 1 || a.Expected.Float64() < 350 || a.Expected.Float64() > 1050 {
				t.Errorf("anomaly %+v", a)
			}
		}
	}
	if len(days) != 2 || days[0] != "Wed Oct 14" || days[1] != "Sat Oct 17" {
		t.Errorf("namespace anomalies on %v, want Wed Oct 14 and Sat Oct 17", days)
	}
}

// TestAnomalyOfAGroupWithoutWorkloadsOnce: __unallocated__ (like __idle__
// and __shared__) has no workloads, so its workload series is its namespace
// series; its anomaly is listed once, not as a namespace and again as a
// workload (as the demo's report of week 46 listed it).
func TestAnomalyOfAGroupWithoutWorkloadsOnce(t *testing.T) {
	start := time.Date(2026, 9, 14, 0, 0, 0, 0, time.UTC) // a Monday
	wk := WeekOf(start.AddDate(0, 0, 28))
	ns := &series{currency: "USD", groups: map[string][]tally.Money{}}
	for i := range 35 {
		v := "90"
		if i >= 28 {
			v = "60" // an unowned resource deleted
		}
		ns.days = append(ns.days, start.AddDate(0, 0, i))
		ns.total = append(ns.total, tally.MustParseMoney("1000", "USD"))
		ns.estimated = append(ns.estimated, false)
		ns.groups[tally.UnallocatedName] = append(ns.groups[tally.UnallocatedName], tally.MustParseMoney(v, "USD"))
	}
	wl := &series{currency: "USD", groups: map[string][]tally.Money{tally.UnallocatedName: ns.groups[tally.UnallocatedName]}}
	b := &Builder{Rule: DefaultAnomalyRule, Top: 5}
	got, _ := b.anomalies(ns, wl, linker{base: DefaultDashboardURL}, wk, nil)
	if len(got) != 1 || got[0].Scope != "namespace" || got[0].Name != tally.UnallocatedName || got[0].Days != 7 {
		t.Errorf("anomalies %+v; want __unallocated__'s once, as a namespace, over 7 days", got)
	}
}

// closingMonth's __unallocated__ costs $60 a day of hourly unowned lines
// all along, plus $30 a day of tax and support (period charges) on the days
// of the closed month: the four weeks before the report's week.
type closingMonth struct {
	Store
	start time.Time
}

func (m closingMonth) AllocationRows(_ context.Context, q attribution.Query) ([]attribution.Row, error) {
	var rows []attribution.Row
	for d := q.Window.Start; d.Before(q.Window.End); d = d.Add(day) {
		row := func(kind, cost string) attribution.Row {
			return attribution.Row{Start: d, End: d.Add(day), Keys: []string{""}, Class: attribution.ClassUnallocated,
				CostKind: kind, Cost: tally.MustParseMoney(cost, "USD")}
		}
		rows = append(rows, row(tally.CostOther, "60"),
			attribution.Row{Start: d, End: d.Add(day), Keys: []string{"shop"}, CostKind: tally.CostCPU, Cost: tally.MustParseMoney("1000", "USD")})
		if d.Before(m.start.AddDate(0, 0, 28)) {
			rows = append(rows, row(tally.CostPeriod, "30"))
		}
	}
	return rows, nil
}

// TestAnomaliesLeaveOutPeriodCharges: the tax and support of a closed month
// are spread over its days, and an open month has none yet, so its first
// week's __unallocated__ looked a third cheaper than usual: every weekly
// report of an open month listed it (the demo's week 46: "$62.92 a day,
// usually $89.60"). Period charges carry no daily signal; the anomalies
// compare the days without them.
func TestAnomaliesLeaveOutPeriodCharges(t *testing.T) {
	start := time.Date(2026, 9, 14, 0, 0, 0, 0, time.UTC) // a Monday
	wk := WeekOf(start.AddDate(0, 0, 28))
	b := &Builder{Store: closingMonth{start: start}, Rule: DefaultAnomalyRule, Top: 5}
	w := tally.Window{Start: start, End: wk.End()}
	ns, err := b.series(context.Background(), Audience{Name: OrgAudience}, w, attribution.Dimension{Field: "namespace"})
	if err != nil {
		t.Fatal(err)
	}
	if got := ns.groups[tally.UnallocatedName][0].String(); got != "90 USD" {
		t.Errorf("__unallocated__ on the first day: %s, want 90 (the period charges stay in the costs shown)", got)
	}
	wl, err := b.series(context.Background(), Audience{Name: OrgAudience}, w, attribution.Dimension{Field: "controller"})
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := b.anomalies(ns, wl, linker{base: DefaultDashboardURL}, wk, nil); len(got) != 0 {
		t.Errorf("anomalies %+v; want none", got)
	}
}

// billedTo's organization costs $1,000 a day on the namespace shop until
// its bill ends at through.
type billedTo struct {
	Store
	through time.Time
}

func (s billedTo) AllocationRows(_ context.Context, q attribution.Query) ([]attribution.Row, error) {
	var rows []attribution.Row
	for d := q.Window.Start; d.Before(q.Window.End) && d.Before(s.through); d = d.Add(day) {
		rows = append(rows, attribution.Row{Start: d, End: d.Add(day), Keys: []string{"shop"}, CostKind: tally.CostCPU,
			Cost: tally.MustParseMoney("1000", "USD")})
	}
	return rows, nil
}

// TestUnbilledDaysOfTheWeek: a report week whose Sunday the bill has not
// reached read "−$1,000 (−14%)" against last week, and listed Sunday as
// an anomaly of every namespace ("$0.00, usually $1,000"): a cost not
// known yet is not zero. The weeks are compared on the days billed, and
// the day is not judged.
func TestUnbilledDaysOfTheWeek(t *testing.T) {
	wk := WeekOf(time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC))
	b := &Builder{Store: billedTo{through: wk.End().Add(-day)}, Rule: DefaultAnomalyRule, Top: 5}
	aud := Audience{Name: OrgAudience}
	r, ns, err := b.spend(context.Background(), aud, wk)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Unbilled) != 1 || !r.Unbilled[0].Equal(wk.End().Add(-day)) || r.CostDays != 6 {
		t.Errorf("unbilled %v, %d days with cost; want Sunday, 6", r.Unbilled, r.CostDays)
	}
	if got := r.Spend.VsLastWeek.Delta.String(); got != "0 USD" || r.Spend.ThisWeek.String() != "6000 USD" {
		t.Errorf("this week %s, %s against last week; want 6000 USD, no change (Monday to Saturday of each)", r.Spend.ThisWeek, got)
	}
	wl, err := b.series(context.Background(), aud, tally.Window{Start: wk.End().Add(-5 * week), End: wk.End()}, attribution.Dimension{Field: "controller"})
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := b.anomalies(ns, wl, linker{base: DefaultDashboardURL}, wk, r.Unbilled); len(got) != 0 {
		t.Errorf("anomalies %+v; want none", got)
	}
}
