package main

import (
	"fmt"

	"github.com/tallyhq/tally"
)

// currencyTotals sums amounts per currency: money in two currencies is
// never added, and tables print one total per currency.
type currencyTotals struct {
	order []tally.Currency // in order of first appearance
	sums  map[tally.Currency]tally.Money
}

// add adds m to its currency's total; a zero amount with no currency adds
// nothing.
func (t *currencyTotals) add(m tally.Money) error {
	cur := m.Currency()
	if cur == "" {
		return nil
	}
	if t.sums == nil {
		t.sums = map[tally.Currency]tally.Money{}
	}
	sum, ok := t.sums[cur]
	if !ok {
		t.order = append(t.order, cur)
	}
	sum, err := sum.Add(m)
	if err != nil {
		return fmt.Errorf("total in %s: %w", cur, err)
	}
	t.sums[cur] = sum
	return nil
}

// each calls f with every currency's total, in order of first appearance.
func (t *currencyTotals) each(f func(tally.Money)) {
	for _, cur := range t.order {
		f(t.sums[cur])
	}
}
