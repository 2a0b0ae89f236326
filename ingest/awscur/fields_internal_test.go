package awscur

import "testing"

// A column's legacy CUR name converts back to its CUR 2.0 name, so a file
// that lacks it is told the header a legacy CUR would have.
func TestLegacyNameInvertsSnake(t *testing.T) {
	for _, n := range names {
		if l := legacyName(n); snake(l) != n {
			t.Errorf("legacyName(%q) = %q, whose CUR 2.0 name is %q", n, l, snake(l))
		}
	}
	for n, want := range map[string]string{"line_item_unblended_cost": "lineItem/UnblendedCost", "savings_plan_savings_plan_a_r_n": "savingsPlan/SavingsPlanARN",
		"bill_payer_account_id": "bill/PayerAccountId", "reservation_unused_recurring_fee": "reservation/UnusedRecurringFee"} {
		if got := legacyName(n); got != want {
			t.Errorf("legacyName(%q) = %q, want %q", n, got, want)
		}
	}
}
