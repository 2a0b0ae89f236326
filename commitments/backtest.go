package commitments

import (
	"cmp"
	"sync"

	"github.com/tallyhq/tally"
)

// BacktestOptions configure Backtest.
type BacktestOptions struct {
	Lag     int // hours of billing lag: a decision at hour h sees usage before h−Lag (default 48)
	Warmup  int // first decision hour (default 28 days: the bill history Tally ingests when it is installed)
	Pools   PoolOptions
	Rates   Rates
	Workers int // strategies run in parallel (default 2)
	// Existing are commitments in force before the backtest starts (Start may be negative).
	Existing []Position
	// Ends, if positive, also scores every strategy (hindsight aside) as if
	// the usage had ended earlier: at the last hour and at up to Ends−1
	// earlier ends a month apart, none within a term of the first decision.
	// The remaining obligation at an end depends on where the renewals of a
	// strategy's commitments fall relative to it: right after a renewal it
	// is most of a year of fees and outweighs everything else in the ESR,
	// so the ESR over such ends mostly measures how little was committed.
	Ends int
	// Progress, if set, is called as strategies finish.
	Progress func(strategy string, done, total int)
}

// StrategyResult is one strategy's backtest.
type StrategyResult struct {
	Strategy    string  `json:"strategy"`
	Outcome     Outcome `json:"outcome"`
	ESR         float64 `json:"esr"`
	Utilization float64 `json:"utilization"`
	Coverage    float64 `json:"coverage"`
	Waste       Nanos   `json:"waste"`        // unused commitment within the horizon
	Obligation  Nanos   `json:"obligation"`   // owed past the horizon
	LockIn      float64 `json:"lockInMonths"` // commitment-weighted mean remaining months at the end
	Regret      float64 `json:"regretPoints"` // hindsight's ESR minus this one's, in points
	RegretCost  Nanos   `json:"regretCost"`   // this cost minus hindsight's
	Purchases   int     `json:"purchases"`
	// ESRByEnd is the ESR as if the usage had ended at each of the report's
	// Ends (BacktestOptions.Ends), and OwedByEnd the part of it owed past
	// that end (obligation over the on-demand equivalent to the end, so
	// ESR + owed is the ESR of the hours simulated alone); both nil for
	// hindsight, which plans for the last end.
	ESRByEnd  []float64  `json:"esrByEnd,omitempty"`
	OwedByEnd []float64  `json:"owedByEnd,omitempty"`
	Positions []Position `json:"-"`
}

// MeanESROverEnds returns the mean of ESRByEnd (0 without ends).
func (r StrategyResult) MeanESROverEnds() float64 { return mean(r.ESRByEnd) }

// MeanOwedOverEnds returns the mean of OwedByEnd (0 without ends).
func (r StrategyResult) MeanOwedOverEnds() float64 { return mean(r.OwedByEnd) }

// Report is the backtest of several strategies on one usage.
type Report struct {
	Scenario string           `json:"scenario"`
	Hours    int              `json:"hours"`
	Currency tally.Currency   `json:"currency"`
	Ends     []int            `json:"ends,omitempty"` // hours the ESRByEnd of results end at, earliest first
	Results  []StrategyResult `json:"results"`
}

// Result returns the result of the named strategy.
func (r *Report) Result(name string) (StrategyResult, bool) {
	for _, x := range r.Results {
		if x.Strategy == name {
			return x, true
		}
	}
	return StrategyResult{}, false
}

// StandardStrategies returns the strategies the backtest compares, fresh:
// no commitments; AWS-Cost-Explorer-style lookbacks of 7, 30 and 60 days;
// the static discount-quantile rule; quarterly rolling purchases; Tally.
// Hindsight is always added by Backtest.
func StandardStrategies(risk Risk, seed uint64) []Strategy {
	return []Strategy{None{}, Lookback{7}, Lookback{30}, Lookback{60}, &Quantile{Days: 14}, &Rolling{},
		&Tally{Risk: risk, Seed: seed}}
}

// Backtest walks u forward hour by hour for each strategy: at every day's
// first hour from Warmup on, the strategy sees the usage older than Lag and
// the positions it holds, and what it buys starts the next hour and runs
// for its term; commitments running past the end are charged their
// remaining obligation. Hindsight (the upper bound) plans with all of u.
func Backtest(u *Usage, strategies []Strategy, opt BacktestOptions) *Report {
	opt = opt.withDefaults()
	pools := Pools(u.Streams, opt.Pools)
	rep := &Report{Scenario: u.Name, Hours: u.Hours(), Currency: cmp.Or(u.Currency, "USD"), Results: make([]StrategyResult, len(strategies)+1),
		Ends: ends(u.Hours(), opt.MinHours(), opt.Ends)}
	var wg sync.WaitGroup
	sem := make(chan struct{}, opt.Workers)
	var mu sync.Mutex
	done := 0
	run := func(i int, name string, plan func() []Position) {
		defer wg.Done()
		sem <- struct{}{}
		defer func() { <-sem }()
		ps := append(append([]Position(nil), opt.Existing...), plan()...)
		rep.Results[i] = score(u, opt.Rates, name, ps, len(opt.Existing))
		mu.Lock()
		done++
		if opt.Progress != nil {
			opt.Progress(name, done, len(strategies)+1)
		}
		mu.Unlock()
	}
	wg.Add(len(strategies) + 1)
	go run(len(strategies), "hindsight", func() []Position {
		return Hindsight{}.Plan(u, pools, opt.Rates, opt.Warmup+1)
	})
	for i, s := range strategies {
		go run(i, s.Name(), func() []Position { return walk(u, s, pools, opt) })
	}
	wg.Wait()
	wg.Add(len(strategies))
	for i := range strategies {
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			r := &rep.Results[i]
			r.ESRByEnd, r.OwedByEnd = byEnd(u, opt.Rates, r.Positions, rep.Ends)
		}()
	}
	wg.Wait()
	hind := rep.Results[len(strategies)]
	for i := range rep.Results {
		r := &rep.Results[i]
		r.Regret = 100 * (hind.ESR - r.ESR)
		r.RegretCost = r.Outcome.Cost() - hind.Outcome.Cost()
	}
	return rep
}

// MinHours returns the shortest usage on which the first purchases run a
// whole term before the end: the warm-up plus a term. On shorter usage
// every purchase still owes most of its term at the end, and that
// obligation, more than how well a strategy committed, decides its ESR.
func (o BacktestOptions) MinHours() int {
	o = o.withDefaults()
	return o.Warmup + TermHours(o.Pools.termMonths())
}

// withDefaults returns o with the documented defaults filled in.
func (o BacktestOptions) withDefaults() BacktestOptions {
	if o.Lag <= 0 {
		o.Lag = 48
	}
	if o.Warmup <= 0 {
		o.Warmup = 28 * 24
	}
	if o.Workers <= 0 {
		o.Workers = 2
	}
	return o
}

// HindsightAtUtilization returns hindsight on u held to a utilization of
// at least floor (Hindsight.PlanAtUtilization), scored as Backtest scores
// its strategies. Its ESR is about the most any strategy with that
// utilization could have saved on u. As in Backtest, opt.Existing is added
// to the plan, which is made without it.
func HindsightAtUtilization(u *Usage, floor float64, opt BacktestOptions) StrategyResult {
	opt = opt.withDefaults()
	ps := Hindsight{}.PlanAtUtilization(u, Pools(u.Streams, opt.Pools), opt.Rates, opt.Warmup+1, floor)
	return score(u, opt.Rates, "hindsight", append(append([]Position(nil), opt.Existing...), ps...), len(opt.Existing))
}

// walk runs one strategy forward and returns what it bought.
func walk(u *Usage, s Strategy, pools []Pool, opt BacktestOptions) []Position {
	var bought []Position
	held := append([]Position(nil), opt.Existing...)
	for now := opt.Warmup; now < u.Hours(); now += 24 {
		vis := max(0, now-opt.Lag)
		d := &Decision{Now: now, Visible: u.Prefix(vis), Positions: held, Pools: pools, Rates: opt.Rates, Next: 24}
		for _, p := range s.Decide(d) {
			if p.Fee <= 0 {
				continue
			}
			p.Start = now + 1
			p.End = p.Start + TermHours(p.Offer.TermMonths)
			if p.By == "" {
				p.By = s.Name()
			}
			bought = append(bought, p)
			held = append(held, p)
		}
	}
	return bought
}

// score simulates positions over u and computes the KPIs.
func score(u *Usage, rates Rates, name string, ps []Position, existing int) StrategyResult {
	out := NewSimulator(u, rates).Run(ps, 0, u.Hours(), nil)
	r := StrategyResult{Strategy: name, Outcome: out, ESR: out.ESR(), Utilization: out.Utilization(), Coverage: out.Coverage(),
		Waste: out.Unused, Obligation: out.Obligation, Purchases: len(ps) - existing, Positions: ps}
	end := u.Hours()
	var w, m float64
	for _, p := range ps {
		if p.Start <= end && p.End > end {
			f := p.Fee.Float()
			w += f
			m += f * float64(p.End-end) / 730
		}
	}
	if w > 0 {
		r.LockIn = m / w
	}
	return r
}

// ends returns up to n hours a month apart ending at last, none before
// first, earliest first.
func ends(last, first, n int) []int {
	var out []int
	for k := n - 1; k >= 0; k-- {
		if e := last - k*730; e >= first {
			out = append(out, e)
		}
	}
	return out
}

// byEnd returns the ESR of positions ps on u as if u had ended at each of
// ends, and the part of it owed past the end: positions starting after an
// end are not bought, those running past it owe the rest of their term.
func byEnd(u *Usage, rates Rates, ps []Position, ends []int) (esr, owed []float64) {
	if len(ends) == 0 {
		return nil, nil
	}
	sim := NewSimulator(u, rates)
	esr, owed = make([]float64, len(ends)), make([]float64, len(ends))
	for k, end := range ends {
		var bought []Position
		for _, p := range ps {
			if p.Start < end {
				bought = append(bought, p)
			}
		}
		o := sim.Run(bought, 0, end, nil)
		esr[k] = o.ESR()
		if o.OD > 0 {
			owed[k] = ratio(o.Obligation, o.OD)
		}
	}
	return esr, owed
}
