package gcpbilling

import (
	"bytes"
	"cmp"
	"fmt"
	"math"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/ingest"
)

// NewAmortizer implements ingest.AmortizingParser: a resource-based or
// Compute flexible commitment's fee is spread over the usage it covered
// (see Amortizer).
func (Parser) NewAmortizer() ingest.Amortizer { return NewAmortizer() }

// Amortizer spreads the fees of resource-based and Compute flexible
// (spend-based) committed use discounts over the usage they covered, as
// AWS's amortized cost does for Savings Plans and Reserved Instances.
//
// The export bills the commitment's fee on rows of its own (SKUs
// "Commitment v1: N2 Cpu in Americas for 1 Year", charge category
// Purchase), and the covered usage's COMMITTED_USAGE_DISCOUNT credit takes
// its on-demand cost off the usage rows, so that their net cost is about 0.
// A fee row is matched with the covered usage of the same billing account,
// project, region and resource kind (CPU, RAM, GPU, local SSD) whose
// charge period starts in the fee row's, and of the machine series its SKU
// names ("N2", or a GPU's model, "A100"; a fee SKU without one takes the
// usage of series no fee SKU names). A commitment shared across the billing account's projects (CUD
// sharing) bills its fee in one project and covers usage in others: the fee
// rows of a group and charge period that covered no usage of their own
// project are pooled with those of the other projects of the billing
// account in that case (same region, kind, series and charge period), and
// the pool is matched with the covered usage that no fee of its own
// project took.
//
// Of the fees of one such group and charge period, the used part is the
// covered share of the committed quantity: Σ covered quantity (a usage
// row's pricing quantity × its CUD credit / its cost) / Σ the fee rows'
// pricing quantity, at most 1 (1 when the fee rows have no quantity). The
// used part goes to the covered usage rows in proportion to their CUD
// credits; the unused part stays on the fee rows, which get the commitment
// status Unused (like AWS's RIFee rows). Each share is a difference of
// rounded cumulative shares, so the shares sum exactly to what is split:
// the effective cost of every group and charge period, and so of every
// day and billing account, is unchanged. Billed cost is never changed.
//
// A Compute flexible commitment of the export's legacy credit model bills
// its fee on rows of SKU "Commitment - dollar based v1: GCE for 1 year" (or
// "3 years"), and the covered usage's COMMITTED_USAGE_DISCOUNT_DOLLAR_BASE
// credit takes its on-demand cost off the usage rows (Compute Engine,
// Kubernetes Engine, Cloud Run). It covers usage of every project and
// region of its billing account, so its fee rows are matched with the
// covered usage of the billing account whose charge period starts in
// theirs. The fee buys fee / (1 − the term's published discount, 28% for 1
// year, 46% for 3) of on-demand spend an hour; the used part is the covered
// share of it, Σ credits / that, at most 1, and is spread and kept like a
// resource-based commitment's, the fee rows getting the status Unused.
//
// Spend-based CUDs of the consumption model (every billing account's since
// 2026-01-21: usage at the CUD's discounted prices, naming its consumption
// model; fee SKUs at $1 a unit offset by a FEE_UTILIZATION_OFFSET credit
// for the part used) need no amortizing: the used part of the fee is
// already in the usage rows' cost, and a fee row's net cost is the unused
// part. The reader marks such fee rows Unused and the usage Used (see
// consumptionFee); the Amortizer only learns, from the fee rows with an
// offset credit, their SKUs, so that a row of such a SKU in an hour nothing
// used (no credit: the whole fee unused) is marked a fee too.
type Amortizer struct {
	fees  map[feeKey]*feePeriod
	slots map[groupKey][]*feePeriod // by group, sorted by start
	// Fee periods that covered no usage of their own project, pooled by
	// group without the project (CUD sharing), and their slots.
	shared      map[feeKey]*feePeriod
	sharedSlots map[groupKey][]*feePeriod
	usage       map[usageKey]*usageHour
	// feeSKUs are the SKUs of the consumption model's fee rows (those
	// with a FEE_UTILIZATION_OFFSET credit): a row of one of them without
	// the credit is such a fee, in an hour nothing used.
	feeSKUs map[string]bool
	done    bool
}

// NewAmortizer returns an empty Amortizer for one ingest run.
func NewAmortizer() *Amortizer {
	return &Amortizer{fees: map[feeKey]*feePeriod{}, usage: map[usageKey]*usageHour{}, feeSKUs: map[string]bool{}}
}

// groupKey is what a fee is matched with usage by.
type groupKey struct {
	account, project, region, kind, series string
}

type feeKey struct {
	g          groupKey
	start, end int64 // Unix microseconds
}

// feePeriod is the fees of one group and charge period.
type feePeriod struct {
	key       feeKey
	fee       tally.Money // Σ the fee rows' cost
	committed float64     // Σ their pricing quantity
	credits   tally.Money // Σ |CUD credits| of the covered usage
	covered   float64     // Σ covered quantity
	used      tally.Money // the part spread over the usage
	// pool is, for a fee period that covered no usage of its own
	// project, the pool of such fee periods of its billing account
	// that is spread over the other projects' usage in its stead.
	pool *feePeriod
	// Second reading: how much of credits and fee has been seen, and
	// how much of used has been handed out to usage and to fee rows.
	seenCredits, seenFee      tally.Money
	givenUsage, takenFromFees tally.Money
}

type usageKey struct {
	g     groupKey
	start int64
}

type usageHour struct {
	credits tally.Money
	covered float64
}

// resourceCommitment reports whether l is a resource-based commitment's
// fee row and returns its group.
func resourceCommitment(l *tally.CostLine) (groupKey, bool) {
	rest, ok := strings.CutPrefix(l.ChargeDescription, "Commitment v1:")
	if !ok || l.ChargeCategory != tally.ChargePurchase || l.Provider != tally.ProviderGCP || isConsumptionFee(l) {
		return groupKey{}, false
	}
	kind, series := kindOf(rest)
	if kind == "" {
		return groupKey{}, false
	}
	return groupKey{l.BillingAccountID, l.SubAccountID, l.RegionID, kind, series}, true
}

// coveredUsage returns the CUD credit (as a positive amount) and group of
// a usage row a resource-based commitment covered.
func coveredUsage(l *tally.CostLine) (tally.Money, groupKey, bool, error) {
	v := l.Extras["x_Credit_"+CommittedUsageDiscount]
	if v == "" || l.ChargeCategory != tally.ChargeUsage || l.Provider != tally.ProviderGCP {
		return tally.Money{}, groupKey{}, false, nil
	}
	c, err := tally.ParseMoney(v, l.Currency())
	if err != nil {
		return tally.Money{}, groupKey{}, false, fmt.Errorf("%s credit %q: %w", CommittedUsageDiscount, v, err)
	}
	if c.Sign() >= 0 {
		return tally.Money{}, groupKey{}, false, nil
	}
	kind, series := kindOf(l.ChargeDescription)
	if kind == "" {
		return tally.Money{}, groupKey{}, false, nil
	}
	return c.Neg(), groupKey{l.BillingAccountID, l.SubAccountID, l.RegionID, kind, series}, true, nil
}

// spendKind is the kind of the group of a billing account's spend-based
// commitments.
const spendKind = "spend"

// spendFeePrefix begins the SKU of a Compute Engine flexible (spend-based)
// commitment's fee in the export's legacy credit model: "Commitment -
// dollar based v1: GCE for 1 year".
const spendFeePrefix = "commitment - dollar based v1: gce"

// spendTerm reads the term of a spend-based fee SKU ("… for 3 years").
var spendTerm = regexp.MustCompile(`(?i)\bfor (1|3) years?\b`)

// spendDiscounts are the published discounts of Compute flexible CUDs, by
// term in years: the fee is the committed on-demand spend × (1 − discount).
var spendDiscounts = map[string]float64{"1": 0.28, "3": 0.46}

// spendCommitment reports whether l is the fee row of a Compute Engine
// flexible (spend-based) commitment of the legacy credit model, and
// returns its group (its billing account's) and its discount.
func spendCommitment(l *tally.CostLine) (groupKey, float64, bool) {
	if l.ChargeCategory != tally.ChargePurchase || l.Provider != tally.ProviderGCP || isConsumptionFee(l) ||
		!strings.HasPrefix(strings.ToLower(l.ChargeDescription), spendFeePrefix) {
		return groupKey{}, 0, false
	}
	m := spendTerm.FindStringSubmatch(l.ChargeDescription)
	if m == nil {
		return groupKey{}, 0, false
	}
	return groupKey{account: l.BillingAccountID, kind: spendKind}, spendDiscounts[m[1]], true
}

// spendServices are the services whose usage Compute flexible CUDs cover.
var spendServices = map[string]bool{"Compute Engine": true, "Kubernetes Engine": true, "Cloud Run": true}

// spendUsage returns the COMMITTED_USAGE_DISCOUNT_DOLLAR_BASE credit (as a
// positive amount: the on-demand cost the commitment covered) and group of
// a usage row a Compute flexible commitment covered.
func spendUsage(l *tally.CostLine) (tally.Money, groupKey, bool, error) {
	v := l.Extras["x_Credit_"+CommittedUsageDiscountDollarBase]
	if v == "" || l.ChargeCategory != tally.ChargeUsage || l.Provider != tally.ProviderGCP || !spendServices[l.ServiceName] {
		return tally.Money{}, groupKey{}, false, nil
	}
	c, err := tally.ParseMoney(v, l.Currency())
	if err != nil {
		return tally.Money{}, groupKey{}, false, fmt.Errorf("%s credit %q: %w", CommittedUsageDiscountDollarBase, v, err)
	}
	if c.Sign() >= 0 {
		return tally.Money{}, groupKey{}, false, nil
	}
	return c.Neg(), groupKey{account: l.BillingAccountID, kind: spendKind}, true, nil
}

// kindOf reads the resource kind and machine series of a SKU description:
// "N2 Instance Core running in Americas" → cpu, n2; " N2 Ram in Americas
// for 1 Year" (a fee SKU after "Commitment v1:") → ram, n2; " Cpu in
// Americas for 1 Year" → cpu, "". The kind is "" for SKUs of no kind a
// resource-based commitment covers.
func kindOf(desc string) (kind, series string) {
	f := strings.Fields(strings.ToLower(desc))
	at := -1
	for i, w := range f {
		switch w {
		case "gpu", "nvidia":
			return "gpu", gpuModel(f)
		case "tpu":
			return "gpu", ""
		case "ssd":
			if i > 0 && f[i-1] == "local" {
				return "local-ssd", ""
			}
		case "storage":
			if i > 0 && f[i-1] == "local" {
				return "local-ssd", ""
			}
		}
		if kind == "" {
			switch w {
			case "core", "cpu", "vcpu":
				kind, at = "cpu", i
			case "ram", "memory":
				kind, at = "ram", i
			}
		}
	}
	if kind == "" {
		return "", ""
	}
	// The series is the first word, unless it is the kind or a word of
	// the SKU ("Instance", "Predefined", "Custom"), as in "Cpu in …".
	for _, w := range f[:at] {
		switch w {
		case "instance", "predefined", "custom", "extended", "sole", "tenancy":
			continue
		}
		return kind, w
	}
	return kind, ""
}

// gpuModel reads the GPU model of a GPU SKU's lower-cased words, which
// commitments for GPUs are bought per: "nvidia tesla a100 80gb gpu running
// in emea" → a100-80gb, "gpu nvidia tesla t4 in americas for 1 year" → t4.
// The words after "nvidia", less "tesla", up to the first word of the SKU's
// rest ("gpu", "running", "attached", "in", …). H100s all have 80 GB ("Nvidia
// H100 GPU" is seen too). "" when no model is named.
func gpuModel(f []string) string {
	i := slices.Index(f, "nvidia")
	if i < 0 {
		return ""
	}
	var model []string
	for _, w := range f[i+1:] {
		if w == "tesla" {
			continue
		}
		if gpuModelEnd[w] {
			break
		}
		model = append(model, w)
	}
	if len(model) == 1 && model[0] == "h100" {
		model = append(model, "80gb")
	}
	return strings.Join(model, "-")
}

var gpuModelEnd = map[string]bool{"gpu": true, "running": true, "attached": true, "in": true, "for": true, "commitment": true}

func micros(t time.Time) int64 { return t.UnixMicro() }

// coveredQuantity is the quantity of l the credit covered, in l's pricing
// unit: its pricing quantity × credit / its cost (the credit is at the
// row's on-demand price).
func coveredQuantity(l *tally.CostLine, credit tally.Money) float64 {
	cost := l.ContractedCost.Float64()
	if cost <= 0 || l.PricingQuantity <= 0 {
		return 0
	}
	return l.PricingQuantity * min(credit.Float64()/cost, 1)
}

// Observe implements ingest.Amortizer.
func (a *Amortizer) Observe(l *tally.CostLine) error {
	if isConsumptionFee(l) {
		if l.Extras["x_Credit_"+FeeUtilizationOffset] != "" && l.SkuID != "" {
			a.feeSKUs[l.SkuID] = true
		}
		return nil
	}
	if g, ok := resourceCommitment(l); ok {
		k := feeKey{g, micros(l.ChargePeriodStart), micros(l.ChargePeriodEnd)}
		p := periodOf(a.fees, k, l.Currency())
		var err error
		if p.fee, err = p.fee.Add(l.BilledCost); err != nil {
			return fmt.Errorf("commitment fee: %w", err)
		}
		p.committed += l.PricingQuantity
		return nil
	}
	if g, discount, ok := spendCommitment(l); ok {
		k := feeKey{g, micros(l.ChargePeriodStart), micros(l.ChargePeriodEnd)}
		p := periodOf(a.fees, k, l.Currency())
		var err error
		if p.fee, err = p.fee.Add(l.BilledCost); err != nil {
			return fmt.Errorf("commitment fee: %w", err)
		}
		// The committed on-demand spend the fee buys.
		p.committed += l.BilledCost.Float64() / (1 - discount)
		return nil
	}
	credit, g, ok, err := coveredUsage(l)
	if err != nil {
		return err
	}
	if ok {
		if err := a.observeUsage(l, g, credit, coveredQuantity(l, credit)); err != nil {
			return err
		}
	}
	credit, g, ok, err = spendUsage(l)
	if err != nil || !ok {
		return err
	}
	// A spend-based commitment's quantity is on-demand spend: the credit.
	return a.observeUsage(l, g, credit, credit.Float64())
}

// observeUsage counts a usage row's credit of a commitment of group g and
// the commitment quantity it covered.
func (a *Amortizer) observeUsage(l *tally.CostLine, g groupKey, credit tally.Money, covered float64) error {
	k := usageKey{g, micros(l.ChargePeriodStart)}
	u := a.usage[k]
	if u == nil {
		u = &usageHour{credits: tally.Zero(l.Currency())}
		a.usage[k] = u
	}
	var err error
	if u.credits, err = u.credits.Add(credit); err != nil {
		return fmt.Errorf("committed use credits: %w", err)
	}
	u.covered += covered
	return nil
}

// periodOf returns the fee period of k in m, added empty if missing.
func periodOf(m map[feeKey]*feePeriod, k feeKey, cur tally.Currency) *feePeriod {
	p := m[k]
	if p == nil {
		p = &feePeriod{key: k, fee: tally.Zero(cur), credits: tally.Zero(cur), used: tally.Zero(cur),
			seenCredits: tally.Zero(cur), seenFee: tally.Zero(cur), givenUsage: tally.Zero(cur), takenFromFees: tally.Zero(cur)}
		m[k] = p
	}
	return p
}

// slotsOf indexes fee periods by group, each group's sorted by start.
func slotsOf(fees map[feeKey]*feePeriod) map[groupKey][]*feePeriod {
	slots := map[groupKey][]*feePeriod{}
	for _, p := range fees {
		slots[p.key.g] = append(slots[p.key.g], p)
	}
	for _, ps := range slots {
		slices.SortFunc(ps, func(x, y *feePeriod) int {
			return cmp.Or(cmp.Compare(x.key.start, y.key.start), cmp.Compare(x.key.end, y.key.end))
		})
	}
	return slots
}

// finish matches the usage seen with the fees and computes each fee
// period's used part.
func (a *Amortizer) finish() error {
	a.done = true
	a.slots = slotsOf(a.fees)
	// Usage in a deterministic order, so float sums do not depend on
	// map order.
	keys := make([]usageKey, 0, len(a.usage))
	for k := range a.usage {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(x, y usageKey) int {
		return cmp.Or(compareGroups(x.g, y.g), cmp.Compare(x.start, y.start))
	})
	var unmatched []usageKey
	for _, k := range keys {
		p := slot(a.slots, k.g, k.start)
		if p == nil {
			unmatched = append(unmatched, k)
			continue
		}
		if err := p.add(a.usage[k]); err != nil {
			return err
		}
	}
	// CUD sharing: the fee periods that covered no usage of their own
	// project are pooled per billing account, region, kind, series and
	// charge period, and matched with the usage no fee of its own project
	// covered.
	a.shared = map[feeKey]*feePeriod{}
	for _, p := range sortedPeriods(a.fees) { // sums of floats in a set order
		if p.credits.Sign() > 0 || p.key.g.kind == spendKind {
			continue
		}
		k := p.key
		k.g.project = ""
		p.pool = periodOf(a.shared, k, p.fee.Currency())
		var err error
		if p.pool.fee, err = p.pool.fee.Add(p.fee); err != nil {
			return fmt.Errorf("commitment fee: %w", err)
		}
		p.pool.committed += p.committed
	}
	a.sharedSlots = slotsOf(a.shared)
	for _, k := range unmatched {
		g := k.g
		g.project = ""
		if p := slot(a.sharedSlots, g, k.start); p != nil {
			if err := p.add(a.usage[k]); err != nil {
				return err
			}
		}
	}
	a.usage = nil
	for _, p := range a.fees {
		if err := p.setUsed(); err != nil {
			return err
		}
	}
	for _, p := range a.shared {
		if err := p.setUsed(); err != nil {
			return err
		}
	}
	return nil
}

// sortedPeriods returns the fee periods of m in the order of their keys.
func sortedPeriods(m map[feeKey]*feePeriod) []*feePeriod {
	ps := make([]*feePeriod, 0, len(m))
	for _, p := range m {
		ps = append(ps, p)
	}
	slices.SortFunc(ps, func(x, y *feePeriod) int {
		return cmp.Or(compareGroups(x.key.g, y.key.g), cmp.Compare(x.key.start, y.key.start), cmp.Compare(x.key.end, y.key.end))
	})
	return ps
}

func compareGroups(x, y groupKey) int {
	return cmp.Or(strings.Compare(x.account, y.account), strings.Compare(x.project, y.project),
		strings.Compare(x.region, y.region), strings.Compare(x.kind, y.kind), strings.Compare(x.series, y.series))
}

// add counts usage u as covered by p's fees.
func (p *feePeriod) add(u *usageHour) error {
	var err error
	if p.credits, err = p.credits.Add(u.credits); err != nil {
		return fmt.Errorf("committed use credits: %w", err)
	}
	p.covered += u.covered
	return nil
}

// setUsed computes the used part of p's fees.
func (p *feePeriod) setUsed() error {
	if p.credits.Sign() <= 0 || p.fee.Sign() <= 0 {
		return nil
	}
	p.used = p.fee
	if p.committed > 0 && p.covered < p.committed {
		ppb := uint64(math.Round(p.covered / p.committed * 1e9))
		var err error
		if p.used, err = p.fee.MulRatio(ppb, 1e9); err != nil {
			return fmt.Errorf("used commitment fee: %w", err)
		}
	}
	return nil
}

// slot returns the fee period of g in slots whose charge period holds t
// (the latest one starting at or before t); for usage of a series without a
// fee of its own, the one of g without a series.
func slot(slots map[groupKey][]*feePeriod, g groupKey, t int64) *feePeriod {
	ps, ok := slots[g]
	if !ok && g.series != "" {
		g.series = ""
		ps = slots[g]
	}
	i := sort.Search(len(ps), func(i int) bool { return ps[i].key.start > t }) - 1
	if i < 0 {
		return nil
	}
	if p := ps[i]; t < p.key.end || p.key.start == t {
		return p
	}
	return nil
}

// Amortize implements ingest.Amortizer.
func (a *Amortizer) Amortize(l *tally.CostLine) error {
	if !a.done {
		if err := a.finish(); err != nil {
			return err
		}
	}
	if !isConsumptionFee(l) && a.feeSKUs[l.SkuID] && l.Provider == tally.ProviderGCP &&
		(l.ChargeCategory == tally.ChargeUsage || l.ChargeCategory == tally.ChargePurchase) {
		// A consumption-model fee row of an hour nothing used: no
		// FEE_UTILIZATION_OFFSET credit, the whole fee unused.
		consumptionFee(l, cmp.Or(l.Extras["x_SubscriptionInstanceId"], l.SkuID))
		return nil
	}
	g, ok := resourceCommitment(l)
	category := "Usage"
	if !ok {
		g, _, ok = spendCommitment(l)
		category = "Spend"
	}
	if ok {
		p := a.fees[feeKey{g, micros(l.ChargePeriodStart), micros(l.ChargePeriodEnd)}]
		l.CommitmentDiscountStatus = tally.CommitmentUnused
		l.CommitmentDiscountType, l.CommitmentDiscountCategory = "Committed Use Discount", category
		if p != nil && p.pool != nil {
			p = p.pool
		}
		if p == nil || p.used.IsZero() {
			return nil
		}
		// This row's part of the used fee: its cumulative share of the
		// fees, by their cost, less what the earlier rows took.
		take, err := cumulative(p.used, &p.seenFee, l.BilledCost, p.fee, &p.takenFromFees)
		if err != nil {
			return fmt.Errorf("used commitment fee: %w", err)
		}
		if l.EffectiveCost, err = l.EffectiveCost.Sub(take); err != nil {
			return fmt.Errorf("used commitment fee: %w", err)
		}
		return nil
	}
	credit, g, ok, err := coveredUsage(l)
	if err != nil {
		return err
	}
	if ok {
		if err := a.give(l, g, credit); err != nil {
			return err
		}
	}
	credit, g, ok, err = spendUsage(l)
	if err != nil || !ok {
		return err
	}
	return a.give(l, g, credit)
}

// give adds to usage row l its share of the used fees of the commitments
// of group g, by its credit.
func (a *Amortizer) give(l *tally.CostLine, g groupKey, credit tally.Money) error {
	p := slot(a.slots, g, micros(l.ChargePeriodStart))
	if p == nil {
		g.project = ""
		p = slot(a.sharedSlots, g, micros(l.ChargePeriodStart))
	}
	if p == nil || p.used.IsZero() {
		return nil
	}
	give, err := cumulative(p.used, &p.seenCredits, credit, p.credits, &p.givenUsage)
	if err != nil {
		return fmt.Errorf("committed use fee share: %w", err)
	}
	if l.EffectiveCost, err = l.EffectiveCost.Add(give); err != nil {
		return fmt.Errorf("committed use fee share: %w", err)
	}
	return nil
}

// cumulative returns the next part of amount split by weights: with seen
// the weights before this one and w this one's, of total, the part is
// amount × (seen + w) / total, rounded, less what was handed out before
// (given). It advances seen and given. The parts of all the weights sum to
// amount exactly.
func cumulative(amount tally.Money, seen *tally.Money, w, total tally.Money, given *tally.Money) (tally.Money, error) {
	s, err := seen.Add(w)
	if err != nil {
		return tally.Money{}, err
	}
	*seen = s
	num, ok1 := s.Units()
	den, ok2 := total.Units()
	if !ok2 { // over 9 million a period: weigh by micro-units instead
		num, ok1 = s.Round(6).Units()
		den, ok2 = total.Round(6).Units()
		num, den = num/1e6, den/1e6
	}
	if !ok1 || !ok2 || num < 0 || den <= 0 {
		return tally.Money{}, fmt.Errorf("weights %s of %s: %w", s.Decimal(), total.Decimal(), tally.ErrOverflow)
	}
	upto := amount
	if num < den {
		if upto, err = amount.MulRatio(uint64(num), uint64(den)); err != nil {
			return tally.Money{}, err
		}
	}
	part, err := upto.Sub(*given)
	if err != nil {
		return tally.Money{}, err
	}
	*given = upto
	return part, nil
}

// mayAmortize reports whether an export line may be one an Amortizer
// observes: a commitment's fee (its SKU says "Commitment", in whatever
// case, or it has a FEE_UTILIZATION_OFFSET credit) or usage with a
// committed use discount's credit (type COMMITTED_USAGE_DISCOUNT…). A line
// with an escape sequence may spell either otherwise, so it is kept too.
func mayAmortize(line []byte) bool {
	return bytes.IndexByte(line, '\\') >= 0 || bytes.Contains(line, []byte(CommittedUsageDiscount)) ||
		bytes.Contains(line, []byte(FeeUtilizationOffset)) || containsFoldASCII(line, "commitment")
}

// containsFoldASCII reports whether b contains the lower-case ASCII word
// w in any case.
func containsFoldASCII(b []byte, w string) bool {
	for i := 0; i+len(w) <= len(b); i++ {
		if b[i]|0x20 == w[0] && bytes.EqualFold(b[i:i+len(w)], []byte(w)) {
			return true
		}
	}
	return false
}
