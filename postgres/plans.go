package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tallyhq/tally"
)

// SaveForecast stores a forecast.
func (db *DB) SaveForecast(ctx context.Context, f tally.Forecast) error {
	_, err := db.pool.Exec(ctx, `
		INSERT INTO forecasts (scope, created_at, granularity, model, params, history_end, points, accuracy)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
		ON CONFLICT (scope, created_at) DO UPDATE SET granularity = excluded.granularity, model = excluded.model,
			params = excluded.params, history_end = excluded.history_end, points = excluded.points, accuracy = excluded.accuracy`,
		f.Scope, f.CreatedAt, f.Granularity, f.Model, rawJSON(f.Params), f.HistoryEnd, f.Points, rawJSON(f.Accuracy))
	if err != nil {
		return fmt.Errorf("save forecast %s: %w", f.Scope, err)
	}
	return nil
}

// LatestForecast returns the newest forecast of scope, or an ENotFound error.
func (db *DB) LatestForecast(ctx context.Context, scope string) (tally.Forecast, error) {
	var f tally.Forecast
	err := db.pool.QueryRow(ctx, `
		SELECT scope, created_at, granularity, model, params, history_end, points, accuracy
		FROM forecasts WHERE scope = $1 ORDER BY created_at DESC LIMIT 1`, scope).
		Scan(&f.Scope, &f.CreatedAt, &f.Granularity, &f.Model, &f.Params, &f.HistoryEnd, &f.Points, &f.Accuracy)
	if errors.Is(err, pgx.ErrNoRows) {
		return f, tally.Errorf(tally.ENotFound, "no forecast for scope %q", scope)
	}
	if err != nil {
		return f, fmt.Errorf("query forecast %s: %w", scope, err)
	}
	f.CreatedAt, f.HistoryEnd = f.CreatedAt.UTC(), f.HistoryEnd.UTC()
	return f, nil
}

// ReplaceRecommendations makes recs the current recommendations of kind.
func (db *DB) ReplaceRecommendations(ctx context.Context, kind string, recs []tally.Recommendation) error {
	return db.ReplaceRecommendationsUnder(ctx, kind, "", recs)
}

// ReplaceRecommendationsUnder makes recs the current recommendations of
// kind whose target is under prefix (prefix/…; "" is every target),
// leaving the others of kind: one billing account's commitment
// recommendations replace that account's alone. A rec outside prefix is an
// error.
func (db *DB) ReplaceRecommendationsUnder(ctx context.Context, kind, prefix string, recs []tally.Recommendation) error {
	under := func(target string) bool { return prefix == "" || strings.HasPrefix(target, prefix+"/") }
	return pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM recommendations WHERE kind = $1 AND ($2 = '' OR left(target, length($2) + 1) = $2 || '/')`,
			kind, prefix); err != nil {
			return fmt.Errorf("delete %s recommendations: %w", kind, err)
		}
		for _, r := range recs {
			if r.Kind != kind {
				return fmt.Errorf("recommendation of kind %s among %s", r.Kind, kind)
			}
			if !under(r.Target) {
				return fmt.Errorf("recommendation %s is not under %s/", r.Target, prefix)
			}
			created := r.CreatedAt
			if created.IsZero() {
				created = time.Now()
			}
			_, err := tx.Exec(ctx, `
				INSERT INTO recommendations (kind, target, created_at, currency, monthly_savings, current_state, recommended_state, risk, explanation)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
				r.Kind, r.Target, created, string(r.MonthlySavings.Currency()), money(r.MonthlySavings),
				rawJSON(r.Current), rawJSON(r.Recommended), rawJSON(r.Risk), r.Explanation)
			if err != nil {
				return fmt.Errorf("insert recommendation %s: %w", r.Target, err)
			}
		}
		return nil
	})
}

// Recommendations returns the current recommendations of kind, largest saving first.
func (db *DB) Recommendations(ctx context.Context, kind string) ([]tally.Recommendation, error) {
	rows, err := db.pool.Query(ctx, `
		SELECT recommendation_id, kind, target, created_at, currency, monthly_savings::text, current_state,
			recommended_state, risk, explanation
		FROM recommendations WHERE kind = $1 ORDER BY recommendations.monthly_savings DESC, target`, kind) // the column, not the ::text output of the same name
	if err != nil {
		return nil, fmt.Errorf("query recommendations: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (tally.Recommendation, error) {
		var rec tally.Recommendation
		var cur, savings string
		if err := r.Scan(&rec.ID, &rec.Kind, &rec.Target, &rec.CreatedAt, &cur, &savings, &rec.Current,
			&rec.Recommended, &rec.Risk, &rec.Explanation); err != nil {
			return rec, err
		}
		rec.CreatedAt = rec.CreatedAt.UTC()
		var err error
		rec.MonthlySavings, err = parseMoney(savings, cur)
		return rec, err
	})
}

// UpsertCommitments stores commitments, replacing known ones.
func (db *DB) UpsertCommitments(ctx context.Context, cs []tally.Commitment) error {
	b := &pgx.Batch{}
	for _, c := range cs {
		var hourly, qty any
		if !c.HourlyCommitment.IsZero() {
			hourly = money(c.HourlyCommitment)
		}
		if c.Quantity != 0 {
			qty = c.Quantity
		}
		cur := c.HourlyCommitment.Currency()
		if cur == "" {
			cur = c.UpfrontFee.Currency()
		}
		if cur == "" {
			cur = c.RecurringHourlyFee.Currency()
		}
		b.Queue(`
			INSERT INTO commitments (billing_account_id, commitment_id, provider, kind, scope, term_months, starts_at, ends_at,
				payment_option, currency, hourly_commitment, quantity, upfront_fee, recurring_hourly_fee, state, source, inferred, start_estimated, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, now())
			ON CONFLICT (billing_account_id, commitment_id) DO UPDATE SET provider = excluded.provider, kind = excluded.kind,
				scope = excluded.scope, term_months = excluded.term_months, starts_at = excluded.starts_at,
				ends_at = excluded.ends_at, payment_option = excluded.payment_option, currency = excluded.currency,
				hourly_commitment = excluded.hourly_commitment, quantity = excluded.quantity,
				upfront_fee = excluded.upfront_fee, recurring_hourly_fee = excluded.recurring_hourly_fee,
				state = excluded.state, source = excluded.source, inferred = excluded.inferred,
				start_estimated = excluded.start_estimated, updated_at = now()`,
			c.BillingAccountID, c.ID, c.Provider, c.Kind, jsonMap(c.Scope, false), c.TermMonths, c.Start, c.End,
			c.PaymentOption, string(cur), hourly, qty, money(c.UpfrontFee), money(c.RecurringHourlyFee),
			orDefault(c.State, "active"), c.Source, c.Inferred, c.StartEstimated)
	}
	if err := db.pool.SendBatch(ctx, b).Close(); err != nil {
		return fmt.Errorf("upsert %d commitments: %w", len(cs), err)
	}
	return nil
}

// Commitments returns the commitments of account ("" for all) active at some time in w.
func (db *DB) Commitments(ctx context.Context, account string, w tally.Window) ([]tally.Commitment, error) {
	rows, err := db.pool.Query(ctx, `
		SELECT billing_account_id, commitment_id, provider, kind, scope, term_months, starts_at, ends_at, payment_option,
			currency, coalesce(hourly_commitment, 0)::text, coalesce(quantity, 0)::float8, upfront_fee::text,
			recurring_hourly_fee::text, state, source, inferred, start_estimated
		FROM commitments
		WHERE ($1 = '' OR billing_account_id = $1) AND starts_at < $3 AND ends_at > $2
		ORDER BY ends_at, commitment_id`, account, w.Start, w.End)
	if err != nil {
		return nil, fmt.Errorf("query commitments: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (tally.Commitment, error) {
		var c tally.Commitment
		var cur, hourly, upfront, recurring string
		if err := r.Scan(&c.BillingAccountID, &c.ID, &c.Provider, &c.Kind, &c.Scope, &c.TermMonths, &c.Start, &c.End,
			&c.PaymentOption, &cur, &hourly, &c.Quantity, &upfront, &recurring, &c.State, &c.Source, &c.Inferred, &c.StartEstimated); err != nil {
			return c, err
		}
		c.Start, c.End = c.Start.UTC(), c.End.UTC()
		var err error
		if c.HourlyCommitment, err = parseMoney(hourly, cur); err != nil {
			return c, err
		}
		if c.UpfrontFee, err = parseMoney(upfront, cur); err != nil {
			return c, err
		}
		c.RecurringHourlyFee, err = parseMoney(recurring, cur)
		return c, err
	})
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
