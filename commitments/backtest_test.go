package commitments

import (
	"math"
	"slices"
	"testing"
	"time"

	"github.com/tallyhq/tally"
)

// spy buys $1/h of Compute Savings Plan at its first decision and records
// what it was shown.
type spy struct {
	decisions []int
	visible   []int
}

func (s *spy) Name() string { return "spy" }

func (s *spy) Decide(d *Decision) []Position {
	s.decisions = append(s.decisions, d.Now)
	s.visible = append(s.visible, d.Visible.Hours())
	if len(s.decisions) == 1 {
		return []Position{{Offer: Offer{Provider: "aws", Kind: tally.CommitComputeSP, TermMonths: 1, Payment: NoUpfront}, Fee: NanosOf(1)}}
	}
	return nil
}

func TestBacktestWalksForwardWithTheLag(t *testing.T) {
	var rows [][]float64
	for h := 0; h < 24*40; h++ {
		rows = append(rows, []float64{2})
	}
	u := usageOf(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), []Stream{m5}, rows...)
	s := &spy{}
	rep := Backtest(u, []Strategy{s}, BacktestOptions{Lag: 48, Warmup: 10 * 24, Pools: PoolOptions{TermMonths: 1, Compute: true}})
	if len(s.decisions) != 30 || s.decisions[0] != 240 || s.decisions[1] != 264 {
		t.Fatalf("decisions at %v", s.decisions)
	}
	for i, now := range s.decisions {
		if s.visible[i] != now-48 {
			t.Fatalf("decision at hour %d saw %d hours, want %d", now, s.visible[i], now-48)
		}
	}
	r, _ := rep.Result("spy")
	p := r.Positions[0]
	if p.Start != 241 || p.End != 241+730 {
		t.Fatalf("bought %+v, want hours [241, 971)", p)
	}
	// $1/h covers $1/0.73 of the $2 an hour from hour 241 to the end (719
	// hours), and 11 hours are owed past it.
	hours := 960 - 241
	want := Outcome{Hours: 960, OD: NanosOf(2 * 960), Fees: NanosOf(float64(hours)), Used: NanosOf(float64(hours)),
		Obligation: NanosOf(11), Covered: Nanos(hours) * Nanos(float64(NanosOf(1))/0.73)}
	want.OnDemand = want.OD - want.Covered
	if got := r.Outcome; got.OD != want.OD || !near(got.Fees, want.Fees) || !near(got.Used, want.Used) || !near(got.Obligation, want.Obligation) ||
		got.Covered-want.Covered > 1000 || want.Covered-got.Covered > 1000 {
		t.Fatalf("got  %+v\nwant %+v", got, want)
	}
	h, _ := rep.Result("hindsight")
	if h.ESR < r.ESR {
		t.Errorf("hindsight ESR %v below the spy's %v", h.ESR, r.ESR)
	}
	if r.Regret != 100*(h.ESR-r.ESR) || r.LockIn <= 0 || r.LockIn > 11.0/730+1e-9 {
		t.Errorf("regret %v, lock-in %v", r.Regret, r.LockIn)
	}
}

// TestHindsightConstantUsage: with constant usage of $10/h over 2,000
// hours, purchases allowed from hour 100 and terms of 730 hours at 27% off,
// the best plan leaves 540 hours on demand (two terms fit, a third would
// cost 730 × $7.30 for less than 533 hours of use): $5,400 + 2 × 730 ×
// $7.30 = $16,058, wherever the two terms sit.
func TestHindsightConstantUsage(t *testing.T) {
	var rows [][]float64
	for h := 0; h < 2000; h++ {
		rows = append(rows, []float64{10})
	}
	u := usageOf(time.Unix(0, 0), []Stream{m5}, rows...)
	pools := Pools(u.Streams, PoolOptions{TermMonths: 1, Compute: true})
	ps := Hindsight{}.Plan(u, pools, Rates{}, 100)
	for _, p := range ps {
		if p.Start < 100 {
			t.Fatalf("bought before hour 100: %+v", p)
		}
	}
	out := NewSimulator(u, Rates{}).Run(ps, 0, 2000, nil)
	if d := out.Cost() - NanosOf(16058); d > NanosOf(0.01) || d < -NanosOf(0.01) {
		t.Fatalf("cost %.4f, want 16058 (%d positions)", out.Cost().Float(), len(ps))
	}
}

func TestLookbackCommitsAtTheDiscountQuantile(t *testing.T) {
	// Usage alternates 10 and 20: the 27%-quantile of the hours is 10.
	var rows [][]float64
	for h := 0; h < 24*20; h++ {
		rows = append(rows, []float64{10 + 10*float64(h%2)})
	}
	u := usageOf(time.Unix(0, 0), []Stream{m5}, rows...)
	pools := Pools(u.Streams, PoolOptions{TermMonths: 12, Compute: true})
	d := &Decision{Now: 24 * 19, Visible: u.Prefix(24 * 17), Pools: pools, Next: 24}
	buys := Lookback{Days: 7}.Decide(d)
	if len(buys) != 1 || buys[0].Fee != NanosOf(7.3) {
		t.Fatalf("bought %+v, want $7.30/h (10 at 27%% off)", buys)
	}
}

// TestByEnd: $2/h of usage, $1/h of Compute Savings Plan (27% off) in
// force over hours [241, 971). Ending at hour 600, the plan has covered 359
// hours and owes 371 more (371 of the 1,200 on-demand dollars to the end);
// ending at 1,540 it has run its term; a position bought after an end is
// not counted.
func TestByEnd(t *testing.T) {
	var rows [][]float64
	for h := 0; h < 3000; h++ {
		rows = append(rows, []float64{2})
	}
	u := usageOf(time.Unix(0, 0), []Stream{m5}, rows...)
	sp := Offer{Provider: "aws", Kind: tally.CommitComputeSP, TermMonths: 1, Payment: NoUpfront}
	ps := []Position{{Offer: sp, Fee: NanosOf(1), Start: 241, End: 971}, {Offer: sp, Fee: NanosOf(1), Start: 2000, End: 2730}}
	got, owed := byEnd(u, Rates{}, ps, []int{600, 1540})
	cost := func(od, used, owed float64) float64 { return od - used/0.73 + used + owed }
	want := []float64{1 - cost(1200, 359, 371)/1200, 1 - cost(3080, 730, 0)/3080}
	wantOwed := []float64{371.0 / 1200, 0}
	for k := range want {
		if math.Abs(got[k]-want[k]) > 1e-6 || math.Abs(owed[k]-wantOwed[k]) > 1e-6 {
			t.Errorf("end %d: ESR %.6f, owed %.6f; want %.6f, %.6f", []int{600, 1540}[k], got[k], owed[k], want[k], wantOwed[k])
		}
	}
	if e := ends(3000, 970, 4); !slices.Equal(e, []int{1540, 2270, 3000}) {
		t.Errorf("ends(3000, 970, 4) = %v", e)
	}
	rep := Backtest(u, []Strategy{&spy{}}, BacktestOptions{Lag: 48, Warmup: 10 * 24, Ends: 4, Pools: PoolOptions{TermMonths: 1, Compute: true}})
	r, _ := rep.Result("spy")
	h, _ := rep.Result("hindsight")
	if !slices.Equal(rep.Ends, []int{1540, 2270, 3000}) || len(r.ESRByEnd) != 3 || r.ESRByEnd[2] != r.ESR || len(r.OwedByEnd) != 3 || h.ESRByEnd != nil {
		t.Errorf("ends %v, spy's ESR by end %v (ESR %v), hindsight's %v", rep.Ends, r.ESRByEnd, r.ESR, h.ESRByEnd)
	}
}
