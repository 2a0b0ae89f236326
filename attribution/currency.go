package attribution

import "github.com/tallyhq/tally"

// BilledIn returns the currency account is billed in, given each account's
// (curs); for account "", that of every account, or "" when they are billed
// in several (an answer then has the currency of the clusters it selects)
// or there is no bill yet.
func BilledIn(curs map[string]tally.Currency, account string) tally.Currency {
	if account != "" {
		return curs[account]
	}
	var cur tally.Currency
	for _, c := range curs {
		if cur != "" && c != cur {
			return ""
		}
		cur = c
	}
	return cur
}
