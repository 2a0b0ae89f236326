package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tallyhq/tally"
)

// DailyCosts returns the cost on basis of every member of group on every UTC
// day of w with cost lines (by charge period start, whichever month bills
// the line), summed exactly in SQL, ordered by key and day. A key billed in
// two currencies has a row per currency, and a day with lines charged for
// more than a day at once (monthly fees, tax) has a row of them apart,
// marked Period.
func (db *DB) DailyCosts(ctx context.Context, group tally.CostGroup, basis tally.CostBasis, w tally.Window) ([]tally.DailyCost, error) {
	var key string
	switch group {
	case tally.GroupBillingAccount:
		key = "billing_account_id"
	case tally.GroupService:
		key = "CASE WHEN service_name = '' THEN '(none)' ELSE service_name END"
	default:
		return nil, tally.Errorf(tally.EInvalid, "cost group %q: want account or service", group)
	}
	cost, err := costColumn(basis)
	if err != nil {
		return nil, err
	}
	// The billing_period_start bounds prune the monthly partitions that
	// hold no line charged in w (see readCharged).
	var costs []tally.DailyCost
	err = db.readCharged(ctx, w, func(tx pgx.Tx, lo, hi *time.Time) error {
		rows, err := tx.Query(ctx, `
			SELECT `+key+`, date_trunc('day', charge_period_start, 'UTC') AS day, billing_currency,
			       charge_period_end - charge_period_start > interval '1 day' AS period, sum(`+cost+`)::text
			FROM cost_lines
			WHERE charge_period_start >= $1 AND charge_period_start < $2
			  AND billing_period_start >= $3 AND billing_period_start <= $4
			GROUP BY 1, 2, 3, 4
			ORDER BY 1, 2, 3, 4`, w.Start, w.End, lo, hi)
		if err != nil {
			return err
		}
		costs, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (tally.DailyCost, error) {
			var d tally.DailyCost
			var cur, sum string
			if err := r.Scan(&d.Key, &d.Day, &cur, &d.Period, &sum); err != nil {
				return d, err
			}
			d.Day = d.Day.UTC()
			var err error
			d.Cost, err = parseMoney(sum, cur)
			return d, err
		})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("query daily costs by %s: %w", group, err)
	}
	return costs, nil
}

// LatestForecasts returns the newest forecast of every scope that starts
// with prefix ("" for all), ordered by scope.
func (db *DB) LatestForecasts(ctx context.Context, prefix string) ([]tally.Forecast, error) {
	rows, err := db.pool.Query(ctx, `
		SELECT DISTINCT ON (scope) scope, created_at, granularity, model, params, history_end, points, accuracy
		FROM forecasts WHERE starts_with(scope, $1)
		ORDER BY scope, created_at DESC`, prefix)
	if err != nil {
		return nil, fmt.Errorf("query forecasts %s*: %w", prefix, err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (tally.Forecast, error) {
		var f tally.Forecast
		err := r.Scan(&f.Scope, &f.CreatedAt, &f.Granularity, &f.Model, &f.Params, &f.HistoryEnd, &f.Points, &f.Accuracy)
		f.CreatedAt, f.HistoryEnd = f.CreatedAt.UTC(), f.HistoryEnd.UTC()
		return f, err
	})
}
