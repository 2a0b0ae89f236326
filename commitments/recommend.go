package commitments

import (
	"cmp"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/tallyhq/tally"
)

// RecommendOptions configure Recommend.
type RecommendOptions struct {
	Now         time.Time   // when the purchases would start (default: the end of the usage plus Lag)
	Lag         int         // hours between the end of the usage and now (default 48: the billing lag)
	Pools       PoolOptions // no pool enabled: DefaultPoolOptions' pools
	Risk        Risk
	Rates       Rates
	LadderWeeks int // a target is bought in tranches of at most 1/LadderWeeks of it a week (default 4)
	Seed        uint64
	Currency    tally.Currency // of the plan: the usage's (Usage.Currency), which it must match if both are set; default USD
}

// PoolPlan is the recommendation for one pool: the capacity to hold, what
// is in force, what to buy and when, and why.
type PoolPlan struct {
	Pool     string  `json:"pool"`
	Offer    Offer   `json:"offer"`
	Discount float64 `json:"discount"` // the offer's usage-weighted discount on the pool, on its cost after SUDs
	// SUD is the share of the pool's usage at list price that sustained
	// use discounts take off (Usage.SUD), which the usage a commitment
	// covers loses: Discount, the on-demand-equivalent capacities and the
	// savings are on its cost after them.
	SUD float64 `json:"sustainedUseShare,omitempty"`

	// ExistingHourly is what the commitments in force in this scope
	// cover, priced at the pool's offer: as much as its own fees
	// (HeldHourly) when they are of this offer and earn its discount, more
	// when they earn more (a 3-year plan in a pool that buys 1-year ones).
	ExistingHourly tally.Money `json:"existingHourly"`
	HeldHourly     tally.Money `json:"heldHourly"`     // the fees of the commitments in force in this scope, per hour
	TargetHourly   tally.Money `json:"targetHourly"`   // the commitment level to hold
	PurchaseHourly tally.Money `json:"purchaseHourly"` // what to buy (target − existing, when worth it)
	ExistingOD     float64     `json:"existingOD"`     // on-demand-equivalent capacity in force
	TargetOD       float64     `json:"targetOD"`

	// Savings of the purchase over its term across the forecast paths:
	// expected, P10–P90, the worst path; money per term.
	Savings Evaluation `json:"savings"`
	// MedianSavings is the purchase's median net savings over the term
	// across the paths (Savings.ExpectedSavings is their mean, which one
	// path in a few can pull below P10).
	MedianSavings float64    `json:"medianSavings"`
	AtTarget      Evaluation `json:"atTarget"` // the whole level held: utilization, P(low utilization)
	Choice        Choice     `json:"choice"`
	Tranches      []Tranche  `json:"tranches"`
	Expiring      []string   `json:"expiringSoon"` // commitments in this scope ending within 90 days
	// TakesOver are the commitments of pools applied after this one that
	// end before the next weekly plan: not counted as sunk, so this pool,
	// applied first, may take the usage they cover rather than see them
	// renewed.
	TakesOver []string    `json:"takesOver,omitempty"`
	Monthly   tally.Money `json:"monthlySavings"`
	// LinuxPriced are the pool's streams whose discount is Linux/UNIX's
	// for want of prices of their platform (Rates.LinuxPriced): the
	// discount, and so the savings, are too high on them.
	LinuxPriced []string `json:"linuxPriced,omitempty"`
	// UpfrontTypical are the pool's streams whose discount, for an offer
	// paid partly or all upfront, is the no-upfront one plus typical points
	// for want of the catalog's price of the payment option
	// (Rates.UpfrontTypical).
	UpfrontTypical []string `json:"upfrontTypical,omitempty"`
	Why            string   `json:"why"`
}

// Tranche is one purchase of the ladder.
type Tranche struct {
	Date             time.Time   `json:"date"`
	HourlyCommitment tally.Money `json:"hourlyCommitment"`
}

// Recommend plans commitment purchases for the usage u (one billing
// account's eligible hourly usage) given the commitments in force: for each
// pool in application order, the level of commitment that maximizes
// expected net savings less the lock-in penalty within the risk bound
// (Tally's strategy, as backtested), the purchase that reaches it, laddered,
// and the explanation.
func Recommend(u *Usage, existing []tally.Commitment, opt RecommendOptions) ([]PoolPlan, error) {
	if opt.Lag <= 0 {
		opt.Lag = 48
	}
	if opt.LadderWeeks <= 0 {
		opt.LadderWeeks = 4
	}
	switch {
	case opt.Currency == "":
		opt.Currency = cmp.Or(u.Currency, "USD")
	case u.Currency != "" && u.Currency != opt.Currency:
		return nil, tally.Errorf(tally.EInvalid, "recommend commitments: usage in %s, plan asked in %s: %w", u.Currency, opt.Currency,
			tally.ErrCurrencyMismatch)
	}
	if p := opt.Pools; !p.EC2Instance && !p.Compute && !p.Reserved && !p.GCPFlexible {
		opt.Pools.EC2Instance, opt.Pools.Compute, opt.Pools.GCPFlexible = true, true, true
	}
	if u.Hours() < 2*24 {
		return nil, tally.Errorf(tally.ENotReady, "recommend commitments: %d hours of eligible usage, want at least two days", u.Hours())
	}
	if opt.Now.IsZero() {
		opt.Now = u.Start.Add(time.Duration(u.Hours()+opt.Lag) * time.Hour)
	}
	opt.Now = opt.Now.UTC().Truncate(time.Hour)
	nowIdx := int(opt.Now.Sub(u.Start) / time.Hour)
	list := u
	if len(u.SUD) > 0 {
		opt.Rates, u = opt.Rates.WithSUD(u.SUD), u.afterSUD()
	}
	var ps []Position
	for _, c := range existing {
		p, err := positionOf(u, c, opt.Currency)
		if err != nil {
			return nil, err
		}
		ps = append(ps, p)
	}
	pools := Pools(u.Streams, opt.Pools)
	t := &Tally{Risk: opt.Risk, Seed: opt.Seed, LadderWeeks: opt.LadderWeeks}
	t.defaults()
	t.problems = map[string]*problem{}
	d := &Decision{Now: nowIdx - 1, Visible: u, Positions: ps, Pools: pools, Rates: opt.Rates, Next: 24, SunkFirst: true, SunkHorizon: planEvery}
	if err := t.plan(d); err != nil {
		return nil, err
	}
	var out []PoolPlan
	for _, p := range pools {
		c, ok := t.choices[p.Key()]
		pr := t.problems[p.Key()]
		if !ok || pr == nil {
			continue
		}
		keep := keepOf(d, p)
		have := capacity(d, ps, p, keep, nowIdx)
		plan := PoolPlan{Pool: p.Key(), Offer: p.Offer, Discount: 1 - keep, SUD: poolSUD(list, p.Streams), Choice: c, ExistingOD: have,
			TargetOD: c.Capacity, Tranches: []Tranche{}, Expiring: []string{}, PurchaseHourly: tally.Zero(opt.Currency)}
		plan.ExistingHourly = feeOf(have, keep).Money(opt.Currency)
		plan.HeldHourly = heldFee(ps, p.Offer, nowIdx).Money(opt.Currency)
		plan.TargetHourly = feeOf(c.Capacity, keep).Money(opt.Currency)
		plan.AtTarget = pr.evaluate(max(c.Capacity, have))
		gap := c.Capacity - have
		if gap > t.Hysteresis*c.Capacity {
			plan.PurchaseHourly = feeOf(gap, keep).Money(opt.Currency)
			plan.Savings = pr.increment(have, c.Capacity)
			plan.MedianSavings = pr.medianIncrement(have, c.Capacity)
			plan.Tranches = ladder(opt.Now, gap, c.Capacity, have, keep, opt.LadderWeeks, opt.Currency)
		}
		for k, q := range existing {
			named := q.ID + " (" + tally.FormatDay(q.End) + ")"
			switch {
			case !q.End.After(opt.Now):
			case sameScope(ps[k].Offer, p.Offer):
				if q.End.Before(opt.Now.AddDate(0, 0, 90)) {
					plan.Expiring = append(plan.Expiring, named)
				}
			case unsunk(d, p, ps[k]) && coversAny(ps[k].Offer, u, p.Streams):
				plan.TakesOver = append(plan.TakesOver, named)
			}
		}
		for _, i := range p.Streams {
			if opt.Rates.LinuxPriced(p.Offer, u.Streams[i]) {
				plan.LinuxPriced = append(plan.LinuxPriced, u.Streams[i].String())
			}
			if opt.Rates.UpfrontTypical(p.Offer, u.Streams[i]) {
				plan.UpfrontTypical = append(plan.UpfrontTypical, u.Streams[i].String())
			}
		}
		months := max(1, p.Offer.TermMonths)
		plan.Monthly = NanosOf(plan.Savings.ExpectedSavings / float64(months)).Money(opt.Currency).Round(2)
		plan.Why = explain(plan, t.Risk, opt.Currency)
		out = append(out, plan)
	}
	return out, nil
}

// heldFee returns the fees an hour of the positions in force at hour h in
// offer o's scope.
func heldFee(ps []Position, o Offer, h int) Nanos {
	var fee Nanos
	for _, q := range ps {
		if q.Start <= h && h < q.End && sameScope(q.Offer, o) {
			fee += q.Fee
		}
	}
	return fee
}

// coversAny reports whether offer o covers any of u's streams of indices.
func coversAny(o Offer, u *Usage, indices []int) bool {
	return slices.ContainsFunc(indices, func(i int) bool { return o.Covers(u.Streams[i]) })
}

// positionOf places a stored commitment on u's hour axis, at the discounts
// its bill shows when it shows them. Its cost must be in cur, the usage's
// currency: a commitment billed in another currency cannot cover it
// (tally.ErrCurrencyMismatch, coded EConflict).
func positionOf(u *Usage, c tally.Commitment, cur tally.Currency) (Position, error) {
	cost, err := HourlyCost(c)
	if err != nil {
		return Position{}, fmt.Errorf("commitment %s: %w", c.ID, err)
	}
	if cc := cost.Currency(); cc != "" && cc != cur {
		return Position{}, tally.Errorf(tally.EConflict, "commitment %s costs %s an hour, but the eligible usage is billed in %s: %w",
			c.ID, cost, cur, tally.ErrCurrencyMismatch)
	}
	fee, err := NanosOfMoney(cost)
	if err != nil {
		return Position{}, fmt.Errorf("commitment %s: hourly cost: %w", c.ID, err)
	}
	p := Position{Offer: OfferOf(c), Fee: fee, By: "existing",
		Start: int(math.Floor(c.Start.Sub(u.Start).Hours())), End: int(math.Ceil(c.End.Sub(u.Start).Hours()))}
	if c.Discount > 0 && c.Discount < 1 {
		p.Discount = c.Discount
	}
	p.StreamDiscounts = c.StreamDiscounts
	return p, nil
}

// increment evaluates raising the held capacity from a to b: the savings
// of the addition per path, and the utilization of the whole.
func (p *problem) increment(a, b float64) Evaluation {
	lo, hi := p.perPath(a), p.perPath(b)
	diff := make([]float64, len(lo))
	for i := range diff {
		diff[i] = hi[i] - lo[i]
	}
	ev := p.evaluate(b)
	ev.Capacity = b - a
	ev.ExpectedSavings = mean(diff)
	slices.Sort(diff)
	ev.P10, ev.P90, ev.Worst, ev.Best = pct(diff, 0.1), pct(diff, 0.9), diff[0], diff[len(diff)-1]
	return ev
}

// medianIncrement returns the median over the paths of the savings of
// raising the held capacity from a to b.
func (p *problem) medianIncrement(a, b float64) float64 {
	lo, hi := p.perPath(a), p.perPath(b)
	diff := make([]float64, len(lo))
	for i := range diff {
		diff[i] = hi[i] - lo[i]
	}
	slices.Sort(diff)
	return pct(diff, 0.5)
}

// perPath returns the net savings of holding x on every path over the term.
func (p *problem) perPath(x float64) []float64 {
	out := make([]float64, len(p.paths))
	for k, path := range p.paths {
		var cov float64
		for _, d := range path {
			if d > 0 {
				cov += d * p.shape.covered(x/d)
			}
		}
		out[k] = 24 * (cov - p.keep*x*float64(len(path)))
	}
	return out
}

// ladder splits a purchase into weekly tranches: all at once into an empty
// scope (what the backtest does), else at most 1/weeks of the target a week.
// A tranche whose fee rounds to nothing is no tranche.
func ladder(now time.Time, gap, target, have, keep float64, weeks int, cur tally.Currency) []Tranche {
	if have <= 0 {
		if f := feeOf(gap, keep); f > 0 {
			return []Tranche{{Date: now, HourlyCommitment: f.Money(cur)}}
		}
		return []Tranche{}
	}
	step := target / float64(weeks)
	var out []Tranche
	for i := 0; gap > 1e-9 && i < 52; i++ {
		x := min(gap, step)
		if f := feeOf(x, keep); f > 0 {
			out = append(out, Tranche{Date: now.AddDate(0, 0, 7*i), HourlyCommitment: f.Money(cur)})
		}
		gap -= x
	}
	return out
}

// kindNames are the offers as people say them.
var kindNames = map[string]string{
	tally.CommitComputeSP:   "Compute Savings Plan",
	tally.CommitEC2SP:       "EC2 Instance Savings Plan",
	tally.CommitReserved:    "Reserved Instances",
	tally.CommitCUDFlexible: "flexible (spend-based) committed use discount",
	tally.CommitCUDResource: "resource-based committed use discount",
}

// Describe names an offer for people: "1-year No Upfront EC2 Instance
// Savings Plan (us-east-1, m5)"; a Reserved Instance of a platform other
// than Linux/UNIX names it: "… Reserved Instances (us-east-1, m5, m5.xlarge, Windows)".
func Describe(o Offer) string {
	name := kindNames[o.Kind]
	if name == "" {
		name = o.Kind
	}
	s := fmt.Sprintf("%d-year %s %s", max(1, o.TermMonths/12), o.Payment, name)
	return strings.Join(strings.Fields(s+scopeText(o)), " ")
}

// describeKind names the commitments of offer o's kind and scope, of any
// term and payment option: "EC2 Instance Savings Plans (us-east-1, m5)".
func describeKind(o Offer) string {
	name := cmp.Or(kindNames[o.Kind], o.Kind)
	if !strings.HasSuffix(name, "s") {
		name += "s"
	}
	return name + scopeText(o)
}

// scopeText is " (region, family, instance type, platform)" of o, those
// it names, or "".
func scopeText(o Offer) string {
	var scope []string
	for _, x := range []string{o.Region, o.Family, o.InstanceType, o.Platform} {
		if x != "" && !slices.Contains(scope, x) {
			scope = append(scope, x)
		}
	}
	if len(scope) == 0 {
		return ""
	}
	return " (" + strings.Join(scope, ", ") + ")"
}

// money0 writes x units of cur in whole units, as people read them: "$7,203".
func money0(x float64, cur tally.Currency) string {
	return NanosOf(x).Money(cur).Label(0)
}

// explain says what to do and why, in words.
func explain(p PoolPlan, r Risk, cur tally.Currency) string {
	var b strings.Builder
	c := p.Choice
	above := p.ExistingOD > p.TargetOD // holds more than the target: AtTarget is of the level held
	switch {
	case p.PurchaseHourly.IsZero() && p.ExistingHourly.IsZero() && p.HeldHourly.IsZero() && p.TargetOD <= 0:
		fmt.Fprintf(&b, "Buy nothing: no %s are in force, and no commitment pays here: %s. ", describeKind(p.Offer), whyNone(c, r))
	case p.PurchaseHourly.IsZero():
		against, level := " against", "that level"
		if above {
			against, level = ", above", "the level held"
		}
		held := fmt.Sprintf("%s/h of %s is in force", p.ExistingHourly.Label(3), Describe(p.Offer))
		if h := p.HeldHourly.Label(3); !p.HeldHourly.IsZero() && h != p.ExistingHourly.Label(3) {
			held = fmt.Sprintf("%s/h of %s is in force, covering as much on-demand usage as %s/h of %s would",
				h, describeKind(p.Offer), p.ExistingHourly.Label(3), Describe(p.Offer))
		}
		fmt.Fprintf(&b, "Hold: %s%s a target of %s/h", held, against, p.TargetHourly.Label(3))
		if p.TargetOD <= 0 {
			fmt.Fprintf(&b, " (no commitment pays here: %s)", whyNone(c, r))
		}
		if p.TargetOD > 0 || p.ExistingOD > 0 {
			fmt.Fprintf(&b, "; at %s the forecast gives %.1f%% expected utilization", level, 100*p.AtTarget.Utilization)
		}
		b.WriteString(". ")
	default:
		if sv := p.Savings; sv.Best-sv.Worst < 0.5 { // every path the same, to the whole currency unit printed
			fmt.Fprintf(&b, "Buy %s/h of %s: net savings %s over the term, the same on every forecast path. ",
				p.PurchaseHourly.Label(3), Describe(p.Offer), money0(sv.ExpectedSavings, cur))
		} else {
			fmt.Fprintf(&b, "Buy %s/h of %s: expected net savings %s over the term (P10 %s, P90 %s; worst path %s). ",
				p.PurchaseHourly.Label(3), Describe(p.Offer), money0(sv.ExpectedSavings, cur), money0(sv.P10, cur),
				money0(sv.P90, cur), money0(sv.Worst, cur))
			// Below P10 as printed: a mean under it by float noise, or
			// by less than the unit printed, reads the same as P10.
			if sv.ExpectedSavings < sv.P10 && money0(sv.ExpectedSavings, cur) != money0(sv.P10, cur) {
				b.WriteString("The expectation is below P10: fewer than one path in ten saves much less than the rest, and pulls it down. ")
			}
		}
		fmt.Fprintf(&b, "Holding %s/h covers up to %.0f%% of the forecast on-demand-equivalent usage (%s/h on average) at %.1f%% expected utilization. ",
			p.TargetHourly.Label(3), 100*min(1, p.TargetOD/math.Max(c.MeanUsageOD, 1e-9)), NanosOf(c.MeanUsageOD).Money(cur).Label(2),
			100*p.AtTarget.Utilization)
	}
	fmt.Fprintf(&b, "Break-even utilization is %.0f%%: each committed dollar buys %.2f dollars of on-demand usage. ", 100*(1-p.Discount), 1/math.Max(1-p.Discount, 1e-9))
	if p.SUD >= 0.005 {
		fmt.Fprintf(&b, "Its usage already gets %.0f%% off from sustained use discounts, which covered usage loses: "+
			"savings are counted against what it costs after them. ", 100*p.SUD)
	}
	if o := p.Offer; o.SizeFlexible() {
		fmt.Fprintf(&b, "These regional Linux/UNIX Reserved Instances apply to every %s size in %s, in proportion to its normalization factor; "+
			"they are bought as %s, the smallest size in use, so the count steps finely. ", o.Family, o.Region, o.InstanceType)
	}
	if len(p.LinuxPriced) > 0 {
		fmt.Fprintf(&b, "The discount on %s is Linux/UNIX's, and the savings too high: the price catalog and the bill lack the on-demand price "+
			"of the platform or of Linux/UNIX, so the licence fee, which no commitment discounts, counts as discounted. ", strings.Join(p.LinuxPriced, ", "))
	}
	explainUpfront(&b, p)
	why := "Why this amount"
	if above {
		why = "Why this target"
	}
	switch c.Binding {
	case "risk":
		fmt.Fprintf(&b, "%s: it is the most that keeps P(utilization < %.0f%%) over the term at %.0f%% (bound %.0f%%); expected savings would peak at %s/h. ",
			why, 100*r.MinUtilization, 100*c.Evaluation.PLowUtilization, 100*r.MaxProbability, NanosOf(c.Optimum*(1-p.Discount)).Money(cur).Label(3))
	case "savings":
		fmt.Fprintf(&b, "%s: beyond it the next dollar's expected saving no longer covers its cost and the %.0f%%-a-year lock-in penalty; P(utilization < %.0f%%) is %.0f%%. ",
			why, 100*r.LockInPenalty, 100*r.MinUtilization, 100*c.Evaluation.PLowUtilization)
	}
	if above && p.TargetOD > 0 {
		fmt.Fprintf(&b, "At the level held, P(utilization < %.0f%%) is %.0f%%: buy nothing in this pool until its usage grows or commitments expire. ",
			100*r.MinUtilization, 100*p.AtTarget.PLowUtilization)
	}
	if len(p.Tranches) > 1 {
		fmt.Fprintf(&b, "Ladder: %d weekly tranches from %s, each re-checked before buying, so expiries spread over weeks. ",
			len(p.Tranches), tally.FormatDay(p.Tranches[0].Date))
	}
	if len(p.TakesOver) > 0 {
		fmt.Fprintf(&b, "Not counted as paid for: %s, of a pool applied after this one, ending before the next weekly plan; "+
			"this pool, applied first, takes the usage they cover rather than see them renewed. ", strings.Join(p.TakesOver, ", "))
	}
	if len(p.Expiring) > 0 {
		fmt.Fprintf(&b, "Expiring within 90 days: %s; renew as they expire while the target holds. ", strings.Join(p.Expiring, ", "))
	}
	fmt.Fprintf(&b, "Forecast: %s.", c.Model)
	return b.String()
}

// explainUpfront says where the discount of p's offer, when paid partly or
// all upfront, comes from: the catalog's price of the payment option, or
// for the streams of p.UpfrontTypical the no-upfront discount plus
// paymentBonus's typical points.
func explainUpfront(b *strings.Builder, p PoolPlan) {
	pay := paymentOf(p.Offer)
	switch {
	case pay == NoUpfront:
	case len(p.UpfrontTypical) == 0:
		fmt.Fprintf(b, "The %s discount is the price catalog's: the upfront fee over the term's hours plus the hourly rate. ", pay)
	default:
		them, sync := "it", ""
		if len(p.UpfrontTypical) > 1 {
			them = "them"
		}
		if p.Offer.Provider == tally.ProviderAWS {
			sync = " (tally pricing sync aws fetches them)"
		}
		fmt.Fprintf(b, "The %s discount on %s is the %s one plus %.0f points, a typical figure: the price catalog has no %s price of %s%s. ",
			pay, strings.Join(p.UpfrontTypical, ", "), NoUpfront, 100*paymentBonus[pay], pay, them, sync)
	}
}

func whyNone(c Choice, r Risk) string {
	if c.MeanUsageOD <= 0 {
		return "the forecast leaves it no on-demand usage to cover, once the commitments in force and the pools applied before it are counted"
	}
	if c.Optimum <= 0 {
		return "even the first dollar would not be used enough to beat its cost"
	}
	return fmt.Sprintf("any amount risks utilization below %.0f%% with more than %.0f%% probability", 100*r.MinUtilization, 100*r.MaxProbability)
}

// Recommendation turns a pool plan into the stored record (kind commitment).
func (p PoolPlan) Recommendation(account string, created time.Time) (tally.Recommendation, error) {
	current, err := json.Marshal(map[string]any{"hourlyCommitment": p.ExistingHourly, "heldHourly": p.HeldHourly, "capacityOD": p.ExistingOD,
		"expiringSoon": p.Expiring})
	if err != nil {
		return tally.Recommendation{}, err
	}
	rec, err := json.Marshal(map[string]any{"offer": p.Offer, "purchaseHourly": p.PurchaseHourly, "targetHourly": p.TargetHourly,
		"targetOD": p.TargetOD, "tranches": p.Tranches})
	if err != nil {
		return tally.Recommendation{}, err
	}
	cur := p.currency()
	risk, err := json.Marshal(map[string]any{
		"expectedSavings": estimate(p.Savings.ExpectedSavings, cur), "p10": estimate(p.Savings.P10, cur),
		"p50": estimate(p.MedianSavings, cur), "p90": estimate(p.Savings.P90, cur), "worstCase": estimate(p.Savings.Worst, cur),
		"breakEvenUtilization": 1 - p.Discount, "expectedUtilization": p.AtTarget.Utilization,
		"pLowUtilization": p.AtTarget.PLowUtilization, "binding": p.Choice.Binding, "forecastModel": p.Choice.Model,
		"termMonths": p.Offer.TermMonths})
	if err != nil {
		return tally.Recommendation{}, err
	}
	target := p.Pool
	if account != "" {
		target = account + "/" + p.Pool
	}
	return tally.Recommendation{Kind: tally.RecommendCommitment, Target: target, CreatedAt: created,
		MonthlySavings: p.Monthly, Current: current, Recommended: rec, Risk: risk, Explanation: p.Why}, nil
}

// Buys reports whether rec, a commitment recommendation as Recommendation
// stores it, is a purchase. A pool already committed at or above its
// target is held ("Hold: … buy nothing"): its recommendation buys nothing,
// saves nothing, and the dashboard does not list it.
func Buys(rec tally.Recommendation) bool {
	var body struct {
		PurchaseHourly tally.Money `json:"purchaseHourly"`
	}
	return json.Unmarshal(rec.Recommended, &body) == nil && !body.PurchaseHourly.IsZero()
}
