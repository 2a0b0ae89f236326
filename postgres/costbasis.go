package postgres

import "github.com/tallyhq/tally"

// costColumn returns the column of cost_lines and the allocation tables
// holding cost basis b ("" is amortized): effective_cost, billed_cost or
// list_cost.
func costColumn(b tally.CostBasis) (string, error) {
	b, err := tally.ParseCostBasis(string(b))
	if err != nil {
		return "", err
	}
	return map[tally.CostBasis]string{
		tally.BasisAmortized: "effective_cost", tally.BasisBilled: "billed_cost", tally.BasisList: "list_cost",
	}[b], nil
}
