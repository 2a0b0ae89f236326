package postgres

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/attribution"
)

// Reconciliation compares, per day and billing account, the bill's cost on
// basis (EffectiveCost, BilledCost or ListCost; lines spanning several days
// pro-rated by seconds) with the stored allocations' on the same basis,
// split into allocated, idle, shared and unallocated. A line counts on the
// days of its charge period, whichever month bills it.
//
// It compares whole UTC days, from the one w starts in up to the one it
// ends in, excluded: a window starting inside a day (tally attribute --from
// 2026-10-05T10:00:00Z) reconciles that day from midnight, as the day's
// rollup holds all its hours; a window ending inside a day leaves it out.
func (db *DB) Reconciliation(ctx context.Context, w tally.Window, basis tally.CostBasis) ([]attribution.ReconRow, error) {
	column, err := costColumn(basis)
	if err != nil {
		return nil, fmt.Errorf("reconciliation: %w", err)
	}
	basis, _ = tally.ParseCostBasis(string(basis))
	var recon []attribution.ReconRow
	days := tally.Window{Start: w.Start.UTC().Truncate(24 * time.Hour), End: w.End.UTC().Truncate(24 * time.Hour)}
	if !days.End.After(days.Start) {
		return nil, nil
	}
	query := strings.ReplaceAll(reconciliationSQL, "effective_cost", column)
	err = db.readCharged(ctx, days, func(tx pgx.Tx, lo, hi *time.Time) error {
		rows, err := tx.Query(ctx, query, days.Start, days.End, lo, hi)
		if err != nil {
			return err
		}
		recon, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (attribution.ReconRow, error) { return scanReconRow(r, basis) })
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("reconciliation: %w", err)
	}
	return recon, nil
}

// reconciliationSQL is Reconciliation's query of the days [$1, $2), reading
// the billing periods from $3 to $4, on amortized cost: Reconciliation
// puts the column of its basis in place of effective_cost. A line counts when its charge period
// overlaps them (half-open: one ending at $1 does not), or, empty (start =
// end), when it starts in them.
const reconciliationSQL = `
		WITH lines AS (
			SELECT billing_account_id, billing_currency, effective_cost, charge_period_start AS s,
				greatest(charge_period_end, charge_period_start) AS e
			FROM cost_lines
			WHERE charge_period_start < $2 AND (charge_period_end > $1 OR charge_period_start >= $1)
			  AND charge_period_start >= $1::timestamptz - interval '` + maxChargePeriod + `'
			  AND billing_period_start >= $3 AND billing_period_start <= $4
		), billed AS (
			-- lines within one day
			SELECT (s AT TIME ZONE 'UTC')::date AS day, billing_account_id, billing_currency, sum(effective_cost) AS cost
			FROM lines WHERE date_trunc('day', s, 'UTC') = date_trunc('day', e - interval '1 microsecond', 'UTC') OR e = s
			GROUP BY 1, 2, 3
			UNION ALL
			-- lines spanning days, pro-rated by seconds
			SELECT (d AT TIME ZONE 'UTC')::date, billing_account_id, billing_currency,
				sum(effective_cost * extract(epoch FROM least(e, d + interval '1 day') - greatest(s, d)) / extract(epoch FROM e - s))
			FROM lines, generate_series(date_trunc('day', s, 'UTC'), e - interval '1 microsecond', interval '1 day') d
			WHERE e > s AND date_trunc('day', s, 'UTC') <> date_trunc('day', e - interval '1 microsecond', 'UTC')
			GROUP BY 1, 2, 3
		), b AS (
			SELECT day, billing_account_id, billing_currency, sum(cost) AS cost FROM billed
			WHERE day >= ($1::timestamptz AT TIME ZONE 'UTC')::date AND day < ($2::timestamptz AT TIME ZONE 'UTC')::date
			GROUP BY 1, 2, 3
		), a AS (
			SELECT day, billing_account_id, currency,
				sum(effective_cost) FILTER (WHERE container NOT IN ('__idle__', '__shared__', '__unallocated__')) AS allocated,
				sum(effective_cost) FILTER (WHERE container = '__idle__') AS idle,
				sum(effective_cost) FILTER (WHERE container = '__shared__') AS shared,
				sum(effective_cost) FILTER (WHERE container = '__unallocated__') AS unallocated,
				sum(estimated_rows) > 0 AS estimated
			FROM allocations_daily
			WHERE day >= ($1::timestamptz AT TIME ZONE 'UTC')::date AND day < ($2::timestamptz AT TIME ZONE 'UTC')::date
			GROUP BY 1, 2, 3
		)
		SELECT coalesce(b.day, a.day), coalesce(b.billing_account_id, a.billing_account_id), coalesce(b.billing_currency, a.currency),
			coalesce(b.cost, 0)::text, coalesce(a.allocated, 0)::text, coalesce(a.idle, 0)::text, coalesce(a.shared, 0)::text,
			coalesce(a.unallocated, 0)::text, coalesce(a.estimated, false), b.day IS NOT NULL
		FROM b FULL JOIN a ON a.day = b.day AND a.billing_account_id = b.billing_account_id AND a.currency = b.billing_currency
		ORDER BY 1, 2, 3`

func scanReconRow(r pgx.CollectableRow, basis tally.CostBasis) (attribution.ReconRow, error) {
	row := attribution.ReconRow{Basis: basis}
	var cur string
	var amounts [5]string
	if err := r.Scan(&row.Day, &row.Account, &cur, &amounts[0], &amounts[1], &amounts[2], &amounts[3], &amounts[4],
		&row.Estimated, &row.HasBill); err != nil {
		return row, err
	}
	row.Day = time.Date(row.Day.Year(), row.Day.Month(), row.Day.Day(), 0, 0, 0, 0, time.UTC)
	row.Currency = tally.Currency(cur)
	for i, dst := range []*tally.Money{&row.Bill, &row.Allocated, &row.Idle, &row.Shared, &row.Unallocated} {
		m, err := parseMoney(amounts[i], cur)
		if err != nil {
			return row, err
		}
		*dst = m
	}
	return row, nil
}
