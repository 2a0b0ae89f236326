package postgres

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tallyhq/tally"
)

// replaceOtherSources finds, under the locks of the periods keys (of one
// source, whose lines bill the usage accounts subs, by period), the
// periods of other sources of the same account and month that bill any of
// those usage accounts too: the same charges, stored twice, would count
// twice, since every total and attribution add the sources up. Unless all
// of them are of the sources in replace, nothing is changed and the error
// is EInvalid, wrapping a *tally.SourceOverlapError that lists them.
// Otherwise their lines of those usage accounts are deleted, and their
// rows, usage accounts and billed_through updated to the lines left; their
// ingest_xid becomes this transaction's, so the hours of their month and
// charge span (kept, which covers what is left) are attributed again. A
// period left without lines stays, empty, recording that it was replaced.
// It returns what it removed.
func replaceOtherSources(ctx context.Context, tx pgx.Tx, keys []tally.BillingPeriodKey, subs [][]string, replace []string) ([]tally.SourceOverlap, error) {
	var refused, replaced []tally.SourceOverlap
	for i, k := range keys {
		// A line without a usage account (an adjustment or credit of the
		// whole account) is no usage account two sources can share.
		named := slices.DeleteFunc(slices.Clone(subs[i]), func(s string) bool { return s == "" })
		if len(named) == 0 {
			continue
		}
		rows, err := tx.Query(ctx, `
			SELECT source, run_id, rows, ingested_at,
			       ARRAY(SELECT unnest(sub_accounts) INTERSECT SELECT unnest($4::text[]) ORDER BY 1)
			FROM billing_periods
			WHERE billing_account_id = $1 AND billing_period_start = $2 AND source <> $3 AND sub_accounts && $4::text[]
			ORDER BY source`, k.BillingAccountID, k.Start, k.Source, named)
		if err != nil {
			return nil, fmt.Errorf("find other sources of %s %s: %w", k.BillingAccountID, k.Start.Format("2006-01"), err)
		}
		found, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (tally.SourceOverlap, error) {
			o := tally.SourceOverlap{Held: k, By: k.Source}
			err := r.Scan(&o.Held.Source, &o.RunID, &o.Rows, &o.IngestedAt, &o.SubAccounts)
			o.IngestedAt = o.IngestedAt.UTC()
			return o, err
		})
		if err != nil {
			return nil, fmt.Errorf("find other sources of %s %s: %w", k.BillingAccountID, k.Start.Format("2006-01"), err)
		}
		for _, o := range found {
			if slices.Contains(replace, o.Held.Source) {
				replaced = append(replaced, o)
			} else {
				refused = append(refused, o)
			}
		}
	}
	if len(refused) > 0 {
		return nil, &tally.Error{Code: tally.EInvalid, Message: sourceOverlapMessage(refused),
			Err: &tally.SourceOverlapError{Overlaps: refused}}
	}
	for i := range replaced {
		o := &replaced[i]
		k := o.Held
		tag, err := tx.Exec(ctx, `DELETE FROM cost_lines WHERE billing_account_id = $1 AND billing_period_start = $2 AND source = $3 AND sub_account_id = ANY($4)`,
			k.BillingAccountID, k.Start, k.Source, o.SubAccounts)
		if err != nil {
			return nil, fmt.Errorf("delete the lines of %s %s %s being replaced: %w", k.Source, k.BillingAccountID, k.Start.Format("2006-01"), err)
		}
		o.Removed = tag.RowsAffected()
		if _, err := tx.Exec(ctx, `
			UPDATE billing_periods SET rows = rows - $4, ingest_xid = pg_current_xact_id(),
				sub_accounts = ARRAY(SELECT unnest(sub_accounts) EXCEPT SELECT unnest($5::text[]) ORDER BY 1),
				billed_through = (
					SELECT max(charge_period_end) FROM cost_lines
					WHERE billing_account_id = $1 AND billing_period_start = $2 AND source = $3
					  AND charge_category = 'Usage' AND charge_period_end <= charge_period_start + interval '1 hour')
			WHERE billing_account_id = $1 AND billing_period_start = $2 AND source = $3`,
			k.BillingAccountID, k.Start, k.Source, o.Removed, o.SubAccounts); err != nil {
			return nil, fmt.Errorf("record the replace of %s %s %s: %w", k.Source, k.BillingAccountID, k.Start.Format("2006-01"), err)
		}
	}
	return replaced, nil
}

// sourceOverlapMessage says which periods other sources hold, for the
// error refusing an ingest of source overlaps[0].By.
func sourceOverlapMessage(overlaps []tally.SourceOverlap) string {
	var parts []string
	for i, o := range overlaps {
		if i == 3 {
			parts = append(parts, fmt.Sprintf("and %d more", len(overlaps)-3))
			break
		}
		parts = append(parts, fmt.Sprintf("billing period %s of account %s is already stored from %s (run %d, %d rows, ingested %s), "+
			"which bills %s too", o.Held.Start.Format("2006-01"), o.Held.BillingAccountID, o.Held.Source, o.RunID, o.Rows,
			o.IngestedAt.Format(time.DateTime+" UTC"), usageAccounts(o.SubAccounts)))
	}
	return fmt.Sprintf("%s: storing it from %s as well would count those charges twice (totals and attribution add the sources up); "+
		"nothing was committed", strings.Join(parts, "; "), overlaps[0].By)
}

// usageAccounts names usage accounts: "usage account A", "usage accounts
// A, B and C", or the first three and how many more ("" is "no usage account").
func usageAccounts(subs []string) string {
	names := make([]string, len(subs))
	for i, s := range subs {
		names[i] = s
		if s == "" {
			names[i] = `""`
		}
	}
	switch n := len(names); {
	case n == 1:
		return "usage account " + names[0]
	case n <= 3:
		return "usage accounts " + strings.Join(names[:n-1], ", ") + " and " + names[n-1]
	default:
		return fmt.Sprintf("usage accounts %s and %d more", strings.Join(names[:3], ", "), n-3)
	}
}
