package ingest

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/tallyhq/tally"
)

// Total is the sum of the lines of one currency and charge category.
type Total struct {
	Rows      int64       `json:"rows"`
	Billed    tally.Money `json:"-"`
	Effective tally.Money `json:"-"`
	List      tally.Money `json:"-"`
}

type totalJSON struct {
	Rows      int64  `json:"rows"`
	Billed    string `json:"billed"`
	Effective string `json:"effective"`
	List      string `json:"list"`
}

// MarshalJSON writes amounts as exact decimal strings.
func (t Total) MarshalJSON() ([]byte, error) {
	return json.Marshal(totalJSON{Rows: t.Rows, Billed: t.Billed.Decimal(), Effective: t.Effective.Decimal(), List: t.List.Decimal()})
}

// Totals sums lines per currency and ChargeCategory, exactly. The zero
// value is empty and ready to use.
type Totals map[tally.Currency]map[tally.ChargeCategory]*Total

// Add adds one line.
func (ts *Totals) Add(l *tally.CostLine) error {
	if *ts == nil {
		*ts = Totals{}
	}
	cur := l.Currency()
	byCat := (*ts)[cur]
	if byCat == nil {
		byCat = map[tally.ChargeCategory]*Total{}
		(*ts)[cur] = byCat
	}
	t := byCat[l.ChargeCategory]
	if t == nil {
		t = &Total{Billed: tally.Zero(cur), Effective: tally.Zero(cur), List: tally.Zero(cur)}
		byCat[l.ChargeCategory] = t
	}
	var err error
	if t.Billed, err = t.Billed.Add(l.BilledCost); err != nil {
		return err
	}
	if t.Effective, err = t.Effective.Add(l.EffectiveCost); err != nil {
		return err
	}
	if t.List, err = t.List.Add(l.ListCost); err != nil {
		return err
	}
	t.Rows++
	return nil
}

// JSON encodes the totals as ingest_runs.totals stores them:
// {"USD":{"Usage":{"rows":n,"billed":"…","effective":"…","list":"…"}}}.
func (ts Totals) JSON() json.RawMessage {
	if ts == nil {
		return json.RawMessage("{}")
	}
	b, _ := json.Marshal(map[tally.Currency]map[tally.ChargeCategory]*Total(ts))
	return b
}

// Sum returns the total over every charge category of cur.
func (ts Totals) Sum(cur tally.Currency) Total {
	s := Total{Billed: tally.Zero(cur), Effective: tally.Zero(cur), List: tally.Zero(cur)}
	for _, t := range ts[cur] {
		s.Rows += t.Rows
		s.Billed, _ = s.Billed.Add(t.Billed)
		s.Effective, _ = s.Effective.Add(t.Effective)
		s.List, _ = s.List.Add(t.List)
	}
	return s
}

// String renders a table: currency, category, rows, billed and amortized
// (EffectiveCost) cost.
func (ts Totals) String() string {
	var b strings.Builder
	curs := make([]string, 0, len(ts))
	for c := range ts {
		curs = append(curs, string(c))
	}
	sort.Strings(curs)
	fmt.Fprintf(&b, "  %-4s %-11s %12s %20s %20s\n", "cur", "category", "rows", "billed", "amortized")
	for _, c := range curs {
		cats := make([]string, 0)
		for k := range ts[tally.Currency(c)] {
			cats = append(cats, string(k))
		}
		sort.Strings(cats)
		for _, k := range cats {
			t := ts[tally.Currency(c)][tally.ChargeCategory(k)]
			fmt.Fprintf(&b, "  %-4s %-11s %12d %20s %20s\n", c, k, t.Rows, t.Billed.Format(2), t.Effective.Format(2))
		}
		s := ts.Sum(tally.Currency(c))
		fmt.Fprintf(&b, "  %-4s %-11s %12d %20s %20s\n", c, "total", s.Rows, s.Billed.Format(2), s.Effective.Format(2))
	}
	return b.String()
}
