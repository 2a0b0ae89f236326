package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/report"
)

// NodeCoverage returns, per node and step of w, the node's billed cost and
// the part covered by commitments (lines with a commitment discount id or
// pricing category Committed), at list and amortized prices. Nodes are
// matched to bill lines by instance id over their lifetime.
func (db *DB) NodeCoverage(ctx context.Context, w tally.Window, step time.Duration) ([]report.NodeCoverage, error) {
	var cov []report.NodeCoverage
	err := db.readCharged(ctx, w, func(tx pgx.Tx, lo, hi *time.Time) error {
		rows, err := tx.Query(ctx, nodeCoverageSQL, w.Start, w.End, step, lo, hi)
		if err != nil {
			return err
		}
		cov, err = pgx.CollectRows(rows, scanNodeCoverage)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("query node coverage: %w", err)
	}
	return cov, nil
}

// nodeCoverageSQL is NodeCoverage's query of the window [$1, $2) in steps
// of $3, reading the billing periods from $4 to $5.
const nodeCoverageSQL = `
		SELECT date_bin($3::interval, c.charge_period_start, $1::timestamptz), n.cluster_id, n.name, c.billing_currency,
		       sum(c.list_cost)::text,
		       coalesce(sum(c.list_cost) FILTER (WHERE c.commitment_discount_id <> '' OR c.pricing_category = 'Committed'), 0)::text,
		       sum(c.effective_cost)::text,
		       coalesce(sum(c.effective_cost) FILTER (WHERE c.commitment_discount_id <> '' OR c.pricing_category = 'Committed'), 0)::text
		FROM cost_lines c
		JOIN nodes n ON n.instance_id = c.resource_id AND n.valid_from < c.charge_period_end
		            AND (n.valid_to IS NULL OR n.valid_to > c.charge_period_start)
		WHERE c.resource_id <> '' AND c.charge_period_start >= $1 AND c.charge_period_start < $2
		  AND c.billing_period_start >= $4 AND c.billing_period_start <= $5
		GROUP BY 1, 2, 3, 4`

func scanNodeCoverage(r pgx.CollectableRow) (report.NodeCoverage, error) {
	var c report.NodeCoverage
	var cur string
	var m [4]string
	if err := r.Scan(&c.Start, &c.Cluster, &c.Node, &cur, &m[0], &m[1], &m[2], &m[3]); err != nil {
		return c, err
	}
	c.Start = c.Start.UTC()
	var err error
	for i, dst := range []*tally.Money{&c.List, &c.CoveredList, &c.Cost, &c.CoveredCost} {
		if *dst, err = parseMoney(m[i], cur); err != nil {
			return c, err
		}
	}
	return c, nil
}

// HasRun reports whether the report of wk for audience was created.
func (db *DB) HasRun(ctx context.Context, wk report.Week, audience string) (bool, error) {
	var ok bool
	err := db.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM report_runs WHERE week_start = $1::date AND audience = $2)`,
		wk.Start, audience).Scan(&ok)
	if err != nil {
		return false, fmt.Errorf("look up report run: %w", err)
	}
	return ok, nil
}

// CreateRun stores a rendered report and its deliveries in one transaction
// unless the run exists; it reports whether it created it. The idempotency
// keys are unique, so a delivery is logged once whatever races.
func (db *DB) CreateRun(ctx context.Context, run report.Run, deliveries []report.Delivery) (bool, error) {
	content, err := json.Marshal(run.Rendered)
	if err != nil {
		return false, err
	}
	created := false
	err = pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `
			INSERT INTO report_runs (week_start, audience, created_at, subject, content) VALUES ($1::date, $2, $3, $4, $5)
			ON CONFLICT DO NOTHING`, run.Week.Start, run.Audience, run.CreatedAt, run.Rendered.Subject, content)
		if err != nil {
			return fmt.Errorf("insert report run: %w", err)
		}
		if tag.RowsAffected() == 0 {
			return nil
		}
		created = true
		_, err = insertDeliveries(ctx, tx, deliveries)
		return err
	})
	return created, err
}

// AddDeliveries logs the pending deliveries of an existing run whose keys
// (or recipients) are not logged yet, in one transaction, and returns how
// many it added: a recipient added to an audience after its report of a
// week was created gets it, the others are left as they are.
func (db *DB) AddDeliveries(ctx context.Context, deliveries []report.Delivery) (int, error) {
	var added int
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		var err error
		added, err = insertDeliveries(ctx, tx, deliveries)
		return err
	})
	return added, err
}

// insertDeliveries logs each delivery not logged yet as pending, and
// returns how many it logged.
func insertDeliveries(ctx context.Context, tx pgx.Tx, deliveries []report.Delivery) (int, error) {
	added := 0
	for _, d := range deliveries {
		tag, err := tx.Exec(ctx, `
			INSERT INTO report_deliveries (idempotency_key, week_start, audience, recipient, status, next_attempt_at,
				message_id, created_at, updated_at)
			VALUES ($1, $2::date, $3, lower($4), 'pending', $5, $6, $7, $7)
			ON CONFLICT DO NOTHING`, d.Key, d.Week.Start, d.Audience, d.Recipient, d.NextAttempt, d.MessageID, d.CreatedAt)
		if err != nil {
			return added, fmt.Errorf("insert report delivery %s: %w", d.Key, err)
		}
		if tag.RowsAffected() == 0 {
			continue
		}
		added++
		if err := logEvent(ctx, tx, d.Key, d.CreatedAt, report.StatusPending, 0, ""); err != nil {
			return added, err
		}
	}
	return added, nil
}

func logEvent(ctx context.Context, q querier, key string, at time.Time, status string, attempt int, detail string) error {
	_, err := q.Exec(ctx, `INSERT INTO report_delivery_events (idempotency_key, at, status, attempt, detail) VALUES ($1, $2, $3, $4, $5)`,
		key, at, status, attempt, detail)
	if err != nil {
		return fmt.Errorf("log delivery event of %s: %w", key, err)
	}
	return nil
}

// RecoverOrphans resolves deliveries a crashed sender left: claimed ones
// (nothing was handed to the server) go back to retry, sending ones (the
// server may have the message) become unknown and are not resent. Call it
// only under the dispatcher's lock, when no sender runs.
func (db *DB) RecoverOrphans(ctx context.Context, now time.Time) (retried, unknown int, err error) {
	err = pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `
			UPDATE report_deliveries
			SET status = CASE status WHEN 'claimed' THEN 'retry' ELSE 'unknown' END, updated_at = $1,
			    next_attempt_at = CASE status WHEN 'claimed' THEN $1 ELSE next_attempt_at END,
			    last_error = CASE status WHEN 'claimed' THEN 'interrupted before sending'
			                 ELSE 'interrupted while sending: the server may have accepted it, so it is not resent' END
			WHERE status IN ('claimed', 'sending')
			RETURNING idempotency_key, status, attempts, last_error`, now)
		if err != nil {
			return fmt.Errorf("recover report deliveries: %w", err)
		}
		type ev struct {
			key, status, detail string
			attempt             int
		}
		evs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (ev, error) {
			var e ev
			err := r.Scan(&e.key, &e.status, &e.attempt, &e.detail)
			return e, err
		})
		if err != nil {
			return err
		}
		for _, e := range evs {
			if e.status == report.StatusRetry {
				retried++
			} else {
				unknown++
			}
			if err := logEvent(ctx, tx, e.key, now, e.status, e.attempt, e.detail); err != nil {
				return err
			}
		}
		return nil
	})
	return retried, unknown, err
}

// ClaimDue claims the oldest due delivery f selects, counting an attempt.
func (db *DB) ClaimDue(ctx context.Context, now time.Time, f report.DueFilter) (report.Delivery, report.Run, bool, error) {
	var d report.Delivery
	var run report.Run
	ok := false
	var week *time.Time
	if !f.Week.Start.IsZero() {
		week = &f.Week.Start
	}
	var recipients []string
	if f.Recipients != nil {
		recipients = make([]string, len(f.Recipients))
		for i, r := range f.Recipients {
			recipients[i] = strings.ToLower(r)
		}
	}
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		var content []byte
		err := tx.QueryRow(ctx, `
			UPDATE report_deliveries d SET status = 'claimed', attempts = attempts + 1, updated_at = $1
			FROM report_runs r
			WHERE d.idempotency_key = (
				SELECT idempotency_key FROM report_deliveries
				WHERE status IN ('pending', 'retry') AND next_attempt_at <= $1
				  AND ($2::date IS NULL OR week_start = $2::date) AND ($3 = '' OR audience = $3)
				  AND ($4::text[] IS NULL OR recipient = ANY($4::text[]))
				ORDER BY next_attempt_at, idempotency_key LIMIT 1 FOR UPDATE SKIP LOCKED)
			  AND r.week_start = d.week_start AND r.audience = d.audience
			RETURNING d.idempotency_key, d.week_start, d.audience, d.recipient, d.status, d.attempts, d.next_attempt_at,
			          d.message_id, d.last_error, d.created_at, r.created_at, r.content`, now, week, f.Audience, recipients).
			Scan(&d.Key, &d.Week.Start, &d.Audience, &d.Recipient, &d.Status, &d.Attempts, &d.NextAttempt,
				&d.MessageID, &d.LastError, &d.CreatedAt, &run.CreatedAt, &content)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("claim report delivery: %w", err)
		}
		d.Week.Start = d.Week.Start.UTC()
		run.Week, run.Audience = d.Week, d.Audience
		run.Rendered = &report.Rendered{}
		if err := json.Unmarshal(content, run.Rendered); err != nil {
			return fmt.Errorf("report run %s %s: %w", d.Week.Label(), d.Audience, err)
		}
		ok = true
		return logEvent(ctx, tx, d.Key, now, report.StatusClaimed, d.Attempts, "")
	})
	return d, run, ok, err
}

// MarkSending records that the message is being handed to the server.
func (db *DB) MarkSending(ctx context.Context, key string, now time.Time) error {
	return db.transition(ctx, key, now, report.StatusClaimed, report.StatusSending, "", nil, nil)
}

// MarkSent records that the server accepted the message.
func (db *DB) MarkSent(ctx context.Context, key string, now time.Time) error {
	return db.transition(ctx, key, now, report.StatusSending, report.StatusSent, "", &now, nil)
}

// MarkFailed records a failed attempt: retry at next, or failed when final.
func (db *DB) MarkFailed(ctx context.Context, key string, now time.Time, reason string, next time.Time, final bool) error {
	status := report.StatusRetry
	if final {
		status = report.StatusFailed
	}
	return db.transition(ctx, key, now, "", status, reason, nil, &next)
}

// MarkUnknown records that the message was handed to the server but its
// reply was lost: the server may have accepted it, so it is not resent.
func (db *DB) MarkUnknown(ctx context.Context, key string, now time.Time, reason string) error {
	return db.transition(ctx, key, now, report.StatusSending, report.StatusUnknown, reason, nil, nil)
}

// transition moves a delivery from one state (any open state when from is
// "") to another and logs it; it fails when the delivery is not in from.
func (db *DB) transition(ctx context.Context, key string, now time.Time, from, to, detail string, sentAt, next *time.Time) error {
	return pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		var attempt int
		err := tx.QueryRow(ctx, `
			UPDATE report_deliveries SET status = $3, updated_at = $2, last_error = $4,
				sent_at = coalesce($5, sent_at), next_attempt_at = coalesce($6, next_attempt_at)
			WHERE idempotency_key = $1 AND (status = $7 OR ($7 = '' AND status IN ('claimed', 'sending')))
			RETURNING attempts`, key, now, to, detail, sentAt, next, from).Scan(&attempt)
		if errors.Is(err, pgx.ErrNoRows) {
			return tally.Errorf(tally.EConflict, "report delivery %s: not %s", key, strings.TrimSpace(from+" or open"))
		}
		if err != nil {
			return fmt.Errorf("update report delivery %s: %w", key, err)
		}
		return logEvent(ctx, tx, key, now, to, attempt, detail)
	})
}

// Deliveries lists the deliveries of the last weeks, newest first.
func (db *DB) Deliveries(ctx context.Context, since time.Time) ([]report.Delivery, error) {
	rows, err := db.pool.Query(ctx, `
		SELECT idempotency_key, week_start, audience, recipient, status, attempts, next_attempt_at, message_id,
		       last_error, created_at, sent_at
		FROM report_deliveries WHERE week_start >= $1::date ORDER BY week_start DESC, audience, recipient`, since)
	if err != nil {
		return nil, fmt.Errorf("query report deliveries: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (report.Delivery, error) {
		var d report.Delivery
		var sent *time.Time
		err := r.Scan(&d.Key, &d.Week.Start, &d.Audience, &d.Recipient, &d.Status, &d.Attempts, &d.NextAttempt,
			&d.MessageID, &d.LastError, &d.CreatedAt, &sent)
		d.Week.Start, d.SentAt = d.Week.Start.UTC(), fromNullTime(sent)
		return d, err
	})
}

// DeliveryEvents returns the delivery log of one delivery, oldest first.
func (db *DB) DeliveryEvents(ctx context.Context, key string) ([]report.DeliveryEvent, error) {
	rows, err := db.pool.Query(ctx, `
		SELECT at, status, attempt, detail FROM report_delivery_events WHERE idempotency_key = $1 ORDER BY event_id`, key)
	if err != nil {
		return nil, fmt.Errorf("query delivery log of %s: %w", key, err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (report.DeliveryEvent, error) {
		var e report.DeliveryEvent
		err := r.Scan(&e.At, &e.Status, &e.Attempt, &e.Detail)
		e.At = e.At.UTC()
		return e, err
	})
}
