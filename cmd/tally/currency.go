package main

import (
	"golang.org/x/text/currency"

	"github.com/tallyhq/tally"
)

// parseCurrencyFlag reads a --currency flag: an ISO 4217 code, in any
// case. tally.ParseCurrency takes any three letters (a bill's currency is
// the bill's), so a typo such as XYZ priced a report in no currency.
func parseCurrencyFlag(s string) (tally.Currency, error) {
	cur, err := tally.ParseCurrency(s)
	if err == nil {
		_, err = currency.ParseISO(string(cur))
	}
	if err != nil {
		return "", tally.Errorf(tally.EInvalid, "--currency %s: want an ISO 4217 currency code such as USD or EUR", s)
	}
	return cur, nil
}
