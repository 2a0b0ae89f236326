package commitments

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/tallyhq/tally"
)

// BillingSums are the sums of one time bucket of the bill that the
// commitment KPIs are ratios of, as the store computes them (in SQL, in
// numeric) from FOCUS-shaped cost lines:
//
//	EligibleOD  Σ ListCost of eligible usage: compute usage that commitments can cover (not spot)
//	CoveredOD   Σ ListCost of the eligible usage lines a commitment covered (CommitmentDiscountStatus Used)
//	UsageCost   Σ EffectiveCost of the eligible usage (amortized)
//	Used        Σ EffectiveCost of Used lines: commitment consumed (AWS CUR, FOCUS), and of the GCP
//	            export's fee lines with status Unused the used part: what was spread over usage
//	            (BilledCost − EffectiveCost) and what their FEE_UTILIZATION_OFFSET credit took off
//	            (spend-based CUDs of the consumption model, whose usage the export prices discounted)
//	Unused      Σ EffectiveCost of Unused lines: commitment lost (SavingsPlanRecurringFee, RIFee, GCP fees)
//	Fees        Σ EffectiveCost of commitment fee lines that carry no status (GCP export "Commitment …" SKUs
//	            not amortized: spend-based ones, bills ingested before resource-based ones were)
//	ResourceFees  of Fees, those of resource-based commitments ("Commitment v1: …")
type BillingSums struct {
	Start      time.Time      `json:"start"`
	Provider   string         `json:"provider"`
	Currency   tally.Currency `json:"currency"`
	EligibleOD tally.Money    `json:"eligibleOD"`
	CoveredOD  tally.Money    `json:"coveredOD"`
	UsageCost  tally.Money    `json:"usageCost"`
	Used       tally.Money    `json:"used"`
	Unused     tally.Money    `json:"unused"`
	Fees       tally.Money    `json:"fees"`
	// ResourceFees is the part of Fees of resource-based commitments.
	ResourceFees tally.Money `json:"resourceFees"`
}

// Metrics are the commitment KPIs of a bucket (or of a whole window).
// Ratios are nil when undefined (no eligible usage, no commitment).
type Metrics struct {
	Start       time.Time   `json:"start"`
	EligibleOD  tally.Money `json:"eligibleOD"`  // eligible usage at on-demand prices
	CoveredOD   tally.Money `json:"coveredOD"`   // of which covered by commitments
	Amortized   tally.Money `json:"amortized"`   // what the eligible usage cost, unused commitment included
	Commitment  tally.Money `json:"commitment"`  // total commitment of the bucket: used + unused
	Used        tally.Money `json:"used"`        //
	Unused      tally.Money `json:"unused"`      // commitment dollars lost
	Savings     tally.Money `json:"savings"`     // EligibleOD − Amortized
	Utilization *float64    `json:"utilization"` // used / total commitment
	Coverage    *float64    `json:"coverage"`    // covered / eligible on-demand-equivalent spend
	ESR         *float64    `json:"esr"`         // 1 − amortized / on-demand equivalent
	Estimated   bool        `json:"estimated,omitempty"`
}

// gcpKeepBP is what a GCP commitment costs per on-demand dollar it covers,
// in basis points, when the export says only that a line was covered (its
// CUD credit) and what the fees were: the published 1-year flexible CUD
// rate (28% off: 7200), or the resource-based one (37% off: 6300) when
// all the fees are resource-based commitments'. Published rates are whole
// percents, so basis points hold them exactly and the split is exact Money
// arithmetic. Metrics built with it are marked Estimated.
var gcpKeepBP = map[string]uint64{
	tally.CommitCUDFlexible: uint64(math.Round(10000 * (1 - defaultDiscounts[tally.CommitCUDFlexible][12]))),
	tally.CommitCUDResource: uint64(math.Round(10000 * (1 - defaultDiscounts[tally.CommitCUDResource][12]))),
}

// metricsOf derives the KPIs from sums of one currency. Fees without a
// status (the GCP export's fees that the reader did not amortize) are
// split into used and unused by the covered on-demand spend at the
// published CUD rate: used is min(fees, covered × rate), rounded half to
// even at Money's precision, unused the rest, so the two sum to the fees
// exactly. (Amortized fees come split: their used part is in Used.)
func metricsOf(start time.Time, s BillingSums) (Metrics, error) {
	m := Metrics{Start: start, EligibleOD: s.EligibleOD, CoveredOD: s.CoveredOD}
	used, unused := s.Used, s.Unused
	if s.Fees.Sign() > 0 {
		m.Estimated = true
		keep := gcpKeepBP[tally.CommitCUDFlexible]
		if s.ResourceFees.Equal(s.Fees) {
			keep = gcpKeepBP[tally.CommitCUDResource]
		}
		u, err := s.CoveredOD.MulRatio(keep, 10000)
		if err != nil {
			return m, fmt.Errorf("estimate used commitment fees: %w", err)
		}
		c, err := u.Cmp(s.Fees)
		if err != nil {
			return m, fmt.Errorf("estimate used commitment fees: %w", err)
		}
		if c > 0 {
			u = s.Fees
		}
		rest, err := s.Fees.Sub(u)
		if err != nil {
			return m, err
		}
		if used, err = used.Add(u); err != nil {
			return m, err
		}
		if unused, err = unused.Add(rest); err != nil {
			return m, err
		}
	}
	var err error
	m.Used, m.Unused = used, unused
	if m.Commitment, err = used.Add(unused); err != nil {
		return m, err
	}
	// Amortized: the usage's effective cost plus what commitments cost
	// beyond it (AWS: the unused part; GCP export: the whole fees).
	if m.Amortized, err = s.UsageCost.Add(s.Unused); err != nil {
		return m, err
	}
	if m.Amortized, err = m.Amortized.Add(s.Fees); err != nil {
		return m, err
	}
	if m.Savings, err = m.EligibleOD.Sub(m.Amortized); err != nil {
		return m, err
	}
	m.ratios()
	return m, nil
}

func (m *Metrics) ratios() {
	m.Utilization, m.Coverage, m.ESR = nil, nil, nil
	if m.Commitment.Sign() > 0 {
		u := m.Used.Float64() / m.Commitment.Float64()
		m.Utilization = &u
	}
	if m.EligibleOD.Sign() > 0 {
		c := m.CoveredOD.Float64() / m.EligibleOD.Float64()
		e := 1 - m.Amortized.Float64()/m.EligibleOD.Float64()
		m.Coverage, m.ESR = &c, &e
	}
}

// add accumulates n into m (same currency).
func (m *Metrics) add(n Metrics) error {
	for _, p := range []struct{ dst, src *tally.Money }{
		{&m.EligibleOD, &n.EligibleOD}, {&m.CoveredOD, &n.CoveredOD}, {&m.Amortized, &n.Amortized},
		{&m.Commitment, &n.Commitment}, {&m.Used, &n.Used}, {&m.Unused, &n.Unused}, {&m.Savings, &n.Savings},
	} {
		s, err := p.dst.Add(*p.src)
		if err != nil {
			return err
		}
		*p.dst = s
	}
	m.Estimated = m.Estimated || n.Estimated
	m.ratios()
	return nil
}

// Status is the state of a commitment portfolio: the KPIs over a window and
// per bucket, the lock-in, the expiry calendar, and the inventory.
type Status struct {
	AsOf         time.Time          `json:"asOf"`
	Window       tally.Window       `json:"window"`
	Step         string             `json:"step"` // hour, day or month
	Currency     tally.Currency     `json:"currency"`
	Totals       Metrics            `json:"totals"`
	ByProvider   map[string]Metrics `json:"byProvider"`
	Series       []Metrics          `json:"series"`
	LockInMonths float64            `json:"lockInMonths"` // commitment-weighted mean remaining months
	Expiries     []ExpiryMonth      `json:"expiries"`
	Inventory    []Holding          `json:"inventory"`
}

// ExpiryMonth is one month of the expiry calendar.
type ExpiryMonth struct {
	Month       time.Time   `json:"month"`
	Count       int         `json:"count"`
	HourlyCost  tally.Money `json:"hourlyCost"` // what the expiring commitments cost an hour
	Commitments []string    `json:"commitments"`
	// Estimated says that some of them end by then rather than then: their
	// bill does not date their terms (tally.Commitment.StartEstimated).
	Estimated bool `json:"estimated,omitempty"`
}

// Holding is a commitment in force with its cost per hour and remaining term.
type Holding struct {
	tally.Commitment
	HourlyCost      tally.Money `json:"hourlyCost"`
	RemainingMonths float64     `json:"remainingMonths"`
}

// HourlyCost returns what c costs an hour: its hourly commitment (Savings
// Plans, spend-based CUDs) or its recurring fee plus its upfront fee spread
// over the term (Reserved Instances, resource CUDs).
func HourlyCost(c tally.Commitment) (tally.Money, error) {
	if !c.HourlyCommitment.IsZero() {
		return c.HourlyCommitment, nil
	}
	hours := uint64(c.End.Sub(c.Start) / time.Hour)
	if hours == 0 {
		hours = uint64(TermHours(c.TermMonths))
	}
	if hours == 0 {
		return c.RecurringHourlyFee, nil
	}
	spread, err := c.UpfrontFee.MulRatio(1, hours)
	if err != nil {
		return tally.Money{}, err
	}
	return c.RecurringHourlyFee.Add(spread)
}

// currencyError is the error of a status whose amounts are in several
// currencies, those of the bills and of the commitments in force: they
// cannot be added up, and one billing account is billed in one currency.
// It is coded EInvalid: the fix is to ask about one account.
func currencyError(bills, held []tally.Currency) error {
	var found []string
	for _, f := range []struct {
		what string
		curs []tally.Currency
	}{{"bills in", bills}, {"commitments in force in", held}} {
		if len(f.curs) == 0 {
			continue
		}
		names := make([]string, len(f.curs))
		for i, c := range f.curs {
			names[i] = string(c)
		}
		slices.Sort(names)
		found = append(found, f.what+" "+strings.Join(names, " and "))
	}
	return tally.Errorf(tally.EInvalid, "commitment status: %w: %s, which cannot be added up; "+
		"select one billing account with ?account=ID (--account on the command line)",
		tally.ErrCurrencyMismatch, strings.Join(found, ", "))
}

// BuildStatus computes the status from the store's sums (in bucket order)
// and the commitments in force, as of now. Sums in several currencies (the
// bills of accounts billed in different currencies) are an EInvalid error
// wrapping tally.ErrCurrencyMismatch that says to select one account; so are
// commitments in force in another currency than the bills' or than each
// other.
func BuildStatus(now time.Time, w tally.Window, step string, sums []BillingSums, cs []tally.Commitment) (*Status, error) {
	st := &Status{AsOf: now.UTC(), Window: w, Step: step, ByProvider: map[string]Metrics{}, Series: []Metrics{},
		Expiries: []ExpiryMonth{}, Inventory: []Holding{}}
	var bills []tally.Currency
	for _, s := range sums {
		if !slices.Contains(bills, s.Currency) {
			bills = append(bills, s.Currency)
		}
	}
	if len(bills) > 1 {
		return nil, currencyError(bills, nil)
	}
	if len(bills) == 1 {
		st.Currency = bills[0]
	}
	var err error
	byBucket := map[time.Time]*Metrics{}
	for _, s := range sums {
		m, err := metricsOf(s.Start, s)
		if err != nil {
			return nil, fmt.Errorf("commitment status %s: %w", s.Start.Format(time.RFC3339), err)
		}
		b, ok := byBucket[s.Start]
		if !ok {
			b = &Metrics{Start: s.Start}
			byBucket[s.Start] = b
		}
		if err := b.add(m); err != nil {
			return nil, err
		}
		p := st.ByProvider[s.Provider]
		p.Start = w.Start // a provider's totals are the window's, as st.Totals
		if err := p.add(m); err != nil {
			return nil, err
		}
		st.ByProvider[s.Provider] = p
		if err := st.Totals.add(m); err != nil {
			return nil, err
		}
	}
	st.Totals.Start = w.Start
	for _, b := range byBucket {
		st.Series = append(st.Series, *b)
	}
	slices.SortFunc(st.Series, func(a, b Metrics) int { return a.Start.Compare(b.Start) })
	st.Totals.ratios()

	// Lock-in, expiries and inventory from the commitments in force now,
	// in the bills' currency: the lock-in weighs commitments by what they
	// cost an hour, which is meaningless across currencies.
	var held []tally.Currency
	for _, c := range cs {
		if !c.End.After(now) || c.Start.After(now) {
			continue
		}
		cost, err := HourlyCost(c)
		if err != nil {
			return nil, err
		}
		st.Inventory = append(st.Inventory, Holding{Commitment: c, HourlyCost: cost, RemainingMonths: c.End.Sub(now).Hours() / 730})
		if cur := cost.Currency(); cur != "" && !slices.Contains(held, cur) {
			held = append(held, cur)
		}
	}
	if len(held) > 1 || len(held) == 1 && st.Currency != "" && held[0] != st.Currency {
		return nil, currencyError(bills, held)
	}
	if st.Currency == "" && len(held) == 1 {
		st.Currency = held[0]
	}
	var weight, months float64
	exp := map[time.Time]*ExpiryMonth{}
	for _, h := range st.Inventory {
		c, cost, rem := h.Commitment, h.HourlyCost, h.RemainingMonths
		weight += cost.Float64()
		months += cost.Float64() * rem
		m := tally.MonthStart(c.End)
		e, ok := exp[m]
		if !ok {
			e = &ExpiryMonth{Month: m}
			exp[m] = e
		}
		e.Count++
		if e.HourlyCost, err = e.HourlyCost.Add(cost); err != nil {
			return nil, err
		}
		e.Commitments = append(e.Commitments, c.ID)
		e.Estimated = e.Estimated || c.StartEstimated
	}
	if weight > 0 {
		st.LockInMonths = months / weight
	}
	for _, e := range exp {
		st.Expiries = append(st.Expiries, *e)
	}
	slices.SortFunc(st.Expiries, func(a, b ExpiryMonth) int { return a.Month.Compare(b.Month) })
	slices.SortFunc(st.Inventory, func(a, b Holding) int {
		return cmp.Or(a.End.Compare(b.End), cmp.Compare(a.ID, b.ID))
	})
	return st, err
}
